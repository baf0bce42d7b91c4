/* project.c: minimum-norm Gauss-Newton / LM projection onto F(x) = y* with a
 * residual certificate, over the SVD of J^T; multi-start roots and rejection. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "innx/project.h"

static double max_abs(const double *r, size_t m)
{
    double v = 0;
    for (size_t i = 0; i < m; i++)
        v = fabs(r[i]) > v || isnan(r[i]) ? fabs(r[i]) : v;
    return v;
}

static double norm2(const double *r, size_t m)
{
    double v = 0;
    for (size_t i = 0; i < m; i++)
        v += r[i] * r[i];
    return v;
}

/* F(x) - y* into r (and J, m x n); 0 when every value is finite: a NaN
 * in J would also keep the SVD from converging. */
static int residual(project_fn f, void *ctx, size_t n, size_t m, const double *ystar, const double *x,
                    double *r, double *J)
{
    if (f(ctx, x, r, J) != 0)
        return -1;
    for (size_t i = 0; i < m; i++) {
        r[i] -= ystar[i];
        if (!isfinite(r[i]))
            return -1;
    }
    for (size_t i = 0; J && i < m * n; i++)
        if (!isfinite(J[i]))
            return -1;
    return 0;
}

static int check_sizes(size_t n, size_t m, innx_err *err)
{
    if (n < 1 || m < 1 || n > PROJECT_MAX || m > PROJECT_MAX || m > n)
        return innx_errf(err, INNX_EINVAL,
                         "project: n = %zu, m = %zu: needs 1 <= m <= n <= %d (fewer equations than unknowns, or as many)",
                         n, m, PROJECT_MAX);
    return 0;
}

/* The damped minimum-norm step J^T (J J^T + mu I)^-1 r, with the rows of
 * frozen coordinates zeroed first so the step leaves them alone. J J^T is
 * at most 16 x 16: a Cholesky on the stack, no allocation (GSL's SVD
 * allocated inside and crashed when that failed). *smax is J's Frobenius
 * norm, the scale the damping is set against (at least its largest
 * singular value); mu has a floor of 1e-16 smax^2 where J J^T is near
 * singular, and is raised tenfold while the factorisation still fails. */
static void step_of(const double *J, const double *r, size_t n, size_t m, const unsigned char *frozen,
                    double mu, double *step, double *smax)
{
    double jf[PROJECT_MAX * PROJECT_MAX], a[PROJECT_MAX * PROJECT_MAX], w[PROJECT_MAX], tr = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            jf[i * n + j] = frozen[j] ? 0.0 : J[i * n + j];
    for (size_t i = 0; i < m * n; i++)
        tr += jf[i] * jf[i];
    *smax = sqrt(tr);
    for (size_t j = 0; j < n; j++)
        step[j] = 0;
    if (!(tr > 0) || !isfinite(tr))
        return;
    double floor = 1e-16 * tr;
    if (mu < floor)
        mu = floor;
    for (int tries = 0; tries < 40; tries++, mu *= 10) {
        /* a = J J^T + mu I, then its Cholesky factor in the lower triangle */
        for (size_t i = 0; i < m; i++)
            for (size_t k = 0; k <= i; k++) {
                double d = 0;
                for (size_t j = 0; j < n; j++)
                    d += jf[i * n + j] * jf[k * n + j];
                a[i * m + k] = d + (i == k ? mu : 0);
            }
        int ok = 1;
        for (size_t i = 0; i < m && ok; i++)
            for (size_t k = 0; k <= i; k++) {
                double d = a[i * m + k];
                for (size_t l = 0; l < k; l++)
                    d -= a[i * m + l] * a[k * m + l];
                if (i == k) {
                    if (!(d > 0)) {
                        ok = 0;
                        break;
                    }
                    a[i * m + i] = sqrt(d);
                } else {
                    a[i * m + k] = d / a[k * m + k];
                }
            }
        if (!ok)
            continue;
        for (size_t i = 0; i < m; i++) {   /* L w' = r, then L^T w = w' */
            double d = r[i];
            for (size_t l = 0; l < i; l++)
                d -= a[i * m + l] * w[l];
            w[i] = d / a[i * m + i];
        }
        for (size_t i = m; i-- > 0;) {
            double d = w[i];
            for (size_t l = i + 1; l < m; l++)
                d -= a[l * m + i] * w[l];
            w[i] = d / a[i * m + i];
        }
        for (size_t j = 0; j < n; j++) {
            double d = 0;
            for (size_t i = 0; i < m; i++)
                d += jf[i * n + j] * w[i];
            step[j] = d;
        }
        return;
    }
}

int project_point(project_fn f, void *ctx, size_t n, size_t m, const double *ystar,
                  const double *lo, const double *hi, double *x, const project_opts *o,
                  project_result *res, innx_err *err)
{
    project_result rr = {0, INFINITY, 0};
    if (res)
        *res = rr;
    int rc = check_sizes(n, m, err);
    if (rc)
        return rc;
    project_opts d = PROJECT_DEFAULTS;
    if (!o)
        o = &d;
    for (size_t j = 0; j < n; j++) {
        if (lo && x[j] < lo[j]) x[j] = lo[j];
        if (hi && x[j] > hi[j]) x[j] = hi[j];
    }
    double r[PROJECT_MAX], J[PROJECT_MAX * PROJECT_MAX], rt[PROJECT_MAX], Jt[PROJECT_MAX * PROJECT_MAX];
    double xt[PROJECT_MAX], step[PROJECT_MAX];
    unsigned char frozen[PROJECT_MAX];
    if (residual(f, ctx, n, m, ystar, x, r, J) != 0) {
        if (res)
            *res = rr;
        return innx_errf(err, INNX_EFAIL, "project: F or its Jacobian is undefined at the start");
    }
    double nr = norm2(r, m), mu = 0;
    int it = 0;
    while (max_abs(r, m) > o->tol && it < o->max_iter) {
        it++;
        /* hold a coordinate at its bound when the step would push it out;
         * each pass freezes at least one more, so n + 1 passes suffice */
        double smax = 0;
        memset(frozen, 0, n);
        for (size_t pass = 0; pass <= n; pass++) {
            step_of(J, r, n, m, frozen, mu, step, &smax);
            int more = 0;
            for (size_t j = 0; j < n; j++) {
                if (frozen[j])
                    continue;
                if ((lo && x[j] <= lo[j] && step[j] > 0) || (hi && x[j] >= hi[j] && step[j] < 0))
                    frozen[j] = 1, more = 1;
            }
            if (!more)
                break;
        }
        if (smax == 0)   /* J vanishes (or every coordinate is held): no direction */
            break;
        int moved = 0;
        for (size_t j = 0; j < n; j++) {
            xt[j] = x[j] - step[j];
            if (lo && xt[j] < lo[j]) xt[j] = lo[j];
            if (hi && xt[j] > hi[j]) xt[j] = hi[j];
            moved |= xt[j] != x[j];
        }
        if (!moved)
            break;
        if (residual(f, ctx, n, m, ystar, xt, rt, Jt) == 0 && norm2(rt, m) < nr) {
            memcpy(x, xt, n * sizeof *x);
            memcpy(r, rt, m * sizeof *r);
            memcpy(J, Jt, m * n * sizeof *J);
            nr = norm2(r, m);
            mu *= 0.1;   /* trust the Gauss-Newton model again */
            if (mu < 1e-20 * smax * smax)
                mu = 0;
        } else {
            /* no decrease: damp towards a short gradient step */
            mu = mu > 0 ? 10 * mu : 1e-6 * smax * smax;
            if (mu > 1e12 * smax * smax)
                break;
        }
    }
    rr.residual = max_abs(r, m);
    rr.certified = rr.residual <= o->tol;
    rr.iterations = it;
    if (res)
        *res = rr;
    return rr.certified ? 0 : INNX_EFAIL;
}

int project_prior_draw(const project_prior *p, size_t n, gsl_rng *r, double *x)
{
    if (p->draw)
        return p->draw(p->ctx, n, r, x);
    int gauss = p->mu && p->sd, box = p->lo && p->hi;
    if (!gauss && !box)
        return INNX_EINVAL;
    for (size_t j = 0; j < n; j++) {
        if (!gauss) {
            x[j] = p->lo[j] + (p->hi[j] - p->lo[j]) * gsl_rng_uniform(r);
            continue;
        }
        /* truncated to the box by redrawing; after 64 misses the box is far
         * in the tail and the nearest bound is as good a start */
        int tries = 0;
        do
            x[j] = p->mu[j] + gsl_ran_gaussian_ziggurat(r, p->sd[j]);
        while (box && (x[j] < p->lo[j] || x[j] > p->hi[j]) && ++tries < 64);
        if (box && x[j] < p->lo[j]) x[j] = p->lo[j];
        if (box && x[j] > p->hi[j]) x[j] = p->hi[j];
    }
    return 0;
}

static int same_point(const double *a, const double *b, size_t n, double rtol)
{
    for (size_t j = 0; j < n; j++) {
        double s = fabs(a[j]) > fabs(b[j]) ? fabs(a[j]) : fabs(b[j]);
        if (fabs(a[j] - b[j]) > rtol * (1 + s))
            return 0;
    }
    return 1;
}

int project_multistart(project_fn f, void *ctx, size_t n, size_t m, const double *ystar,
                       const project_prior *prior, size_t K, double rtol, gsl_rng *r,
                       const project_opts *o, double *out, size_t cap, project_stats *st,
                       innx_err *err)
{
    *st = (project_stats){0};
    int rc = check_sizes(n, m, err);
    if (rc)
        return rc;
    double x[PROJECT_MAX];
    for (size_t k = 0; k < K; k++) {
        if (project_prior_draw(prior, n, r, x) != 0)
            return innx_errf(err, INNX_EINVAL, "project: the prior needs mu and sd, or a box lo, hi");
        st->tried++;
        project_result pr;
        if (project_point(f, ctx, n, m, ystar, prior->lo, prior->hi, x, o, &pr, NULL) != 0) {
            st->failed++;
            continue;
        }
        st->certified++;
        if (m == n) {
            /* compare with every stored root; beyond cap only the count
             * can grow, and it may then count a duplicate twice */
            int dup = 0;
            for (size_t i = 0; i < st->stored && !dup; i++)
                dup = same_point(out + i * n, x, n, rtol);
            if (dup)
                continue;
        }
        st->found++;
        if (st->stored < cap)
            memcpy(out + st->stored++ * n, x, n * sizeof *x);
    }
    return 0;
}

int project_rejection(project_fn f, void *ctx, size_t n, size_t m, const double *ystar,
                      const project_prior *prior, double eps, size_t max_draws, gsl_rng *r,
                      double *out, size_t cap, project_stats *st, innx_err *err)
{
    *st = (project_stats){0};
    if (n < 1 || m < 1 || n > PROJECT_MAX || m > PROJECT_MAX)
        return innx_errf(err, INNX_EINVAL, "project: n = %zu, m = %zu: 1 to %d each", n, m, PROJECT_MAX);
    double x[PROJECT_MAX], y[PROJECT_MAX];
    while (st->stored < cap && st->tried < max_draws) {
        if (project_prior_draw(prior, n, r, x) != 0)
            return innx_errf(err, INNX_EINVAL, "project: the prior needs mu and sd, or a box lo, hi");
        st->tried++;
        if (residual(f, ctx, n, m, ystar, x, y, NULL) != 0 || norm2(y, m) >= eps * eps)
            continue;
        memcpy(out + st->stored++ * n, x, n * sizeof *x);
        st->found++;
    }
    return 0;
}
