/* reference.c: a vector problem's classical references at y*: multi-start
 * Levenberg-Marquardt from its prior (project_multistart) and rejection
 * from its prior (project_rejection), projected and certified where F is
 * deterministic; the answers' families and marginal statistics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "innx/clock.h"
#include "innx/cluster.h"
#include "innx/fsys.h"
#include "innx/project.h"
#include "innx/reference.h"
#include "innx/trainer.h"

void reference_free(reference *r)
{
    free(r->x);
    free(r->residual);
    free(r->certified);
    memset(r, 0, sizeof *r);
}

/* The problem's own prior, component by component (mixed kinds, as the
 * flow's training draws them); a start outside the domain starts on its
 * wall, since projection stays in the domain. */
typedef struct prior_ctx {
    const problem *p;
    int clamp;
} prior_ctx;

static int draw_prior(void *ctx, size_t n, gsl_rng *r, double *x)
{
    const prior_ctx *c = ctx;
    for (size_t j = 0; j < n; j++) {
        x[j] = trainer_prior_draw(c->p, j, r);
        if (c->clamp)
            x[j] = fmin(fmax(x[j], c->p->x_lo[j]), c->p->x_hi[j]);
    }
    return 0;
}

static double max_miss(const fsys *s, const double *x, const double *ys, size_t m)
{
    double y[PROBLEM_MAX_Y], v = 0;
    if (fsys_point_fn((void *)s, x, y, NULL) != 0)
        return INFINITY;
    for (size_t i = 0; i < m; i++) {
        double d = fabs(y[i] - ys[i]);
        v = isfinite(d) && d <= v ? v : isfinite(d) ? d : INFINITY;
    }
    return v;
}

static void marginals(reference *r)
{
    for (size_t j = 0; j < r->n; j++) {
        double s1 = 0, s2 = 0;
        for (size_t i = 0; i < r->rows; i++)
            s1 += r->x[i * r->n + j], s2 += r->x[i * r->n + j] * r->x[i * r->n + j];
        double k = (double)r->rows;
        r->mean[j] = r->rows ? s1 / k : NAN;
        r->sd[j] = r->rows > 1 ? sqrt(fmax((s2 - s1 * s1 / k) / (k - 1), 0)) : NAN;
    }
}

static int families(reference *r, gsl_rng *rng, innx_err *err)
{
    r->k = 0;
    r->silhouette = NAN;
    if (r->rows < 2)
        return 0;
    kmeans_result km;
    int st = kmeans_choose_k(r->x, r->rows, r->n, REFERENCE_MAX_K, 0.5, rng, &km, &r->silhouette, err);
    if (st != 0)
        return st;
    r->k = km.k;
    for (size_t c = 0; c < km.k; c++) {
        memcpy(r->centroid[c], km.centres + c * r->n, r->n * sizeof(double));
        r->count[c] = km.counts[c];
    }
    kmeans_result_free(&km);
    return 0;
}

/* m: y_dim, read as 1 for a one-variable problem (0 there) */
static size_t y_dim(const problem *p) { return p->y_dim ? p->y_dim : 1; }

static int check(const problem *p, const fsys *sys, const reference_opts *o, innx_err *err)
{
    if (fsys_n_out(sys) != y_dim(p) || fsys_n_in(sys) > p->x_dim)
        return innx_errf(err, INNX_EINVAL, "reference: %s's system gives %zu outputs from x1..x%zu, not y1..y%zu from %zu",
                         p->name, fsys_n_out(sys), fsys_n_in(sys), y_dim(p), p->x_dim);
    if (o->reject) {
        if (!(o->eps > 0) || !isfinite(o->eps))
            return innx_errf(err, INNX_EINVAL, "reference: the rejection radius EPS is %g: it must be a finite number > 0",
                             o->eps);
        if (o->samples < 1)
            return innx_errf(err, INNX_EINVAL, "reference: rejection keeps at least 1 sample");
        return 0;
    }
    if (fsys_is_random(sys))
        return innx_errf(err, INNX_EINVAL,
                         "reference: %s is a simulator (noise in its [forward]): it has no roots to find; "
                         "its posterior reference is rejection (--reject EPS)", p->name);
    if (y_dim(p) > p->x_dim)
        return innx_errf(err, INNX_EINVAL, "reference: %s has m = %zu equations in n = %zu unknowns: "
                         "multistart needs m <= n", p->name, y_dim(p), p->x_dim);
    if (o->starts < 1)
        return innx_errf(err, INNX_EINVAL, "reference: multistart needs at least 1 start");
    return 0;
}

/* rejection's kept draws of a deterministic F: each projected inside the
 * domain and certified, the failures kept and flagged */
static int project_kept(reference *r, const problem *p, const fsys *sys, innx_err *err)
{
    project_opts po = PROJECT_DEFAULTS;
    po.tol = REFERENCE_CERTIFY;
    for (size_t i = 0; i < r->rows; i++) {
        double *xi = r->x + i * r->n;
        project_result pr;
        for (size_t j = 0; j < r->n; j++)
            xi[j] = fmin(fmax(xi[j], p->x_lo[j]), p->x_hi[j]);
        int st = project_point(fsys_point_fn, (void *)sys, r->n, r->m, r->ystar, p->x_lo, p->x_hi, xi, &po, &pr, err);
        if (st == INNX_EINVAL)
            return st;
        r->certified[i] = st == 0 && pr.certified;
        r->residual[i] = pr.residual;
    }
    return 0;
}

/* u before v: by x1, then x2, ...; coordinates within the merging
 * tolerance count as equal, so (-3.68, -1.57) comes before (-3.68, 1.57)
 * whatever their last bits */
static int before(const double *u, const double *v, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (fabs(u[j] - v[j]) > REFERENCE_SAME * (1 + fmax(fabs(u[j]), fabs(v[j]))))
            return u[j] < v[j];
    return 0;
}

/* insertion sort (at most REFERENCE_MAX_ROOTS rows, no allocation) */
static void sort_roots(double *x, size_t rows, size_t n)
{
    double t[PROBLEM_MAX_X];
    for (size_t i = 1; i < rows; i++) {
        memcpy(t, x + i * n, n * sizeof *t);
        size_t k = i;
        for (; k > 0 && before(t, x + (k - 1) * n, n); k--)
            memcpy(x + k * n, x + (k - 1) * n, n * sizeof *t);
        memcpy(x + k * n, t, n * sizeof *t);
    }
}

/* Rejection in chunks: the prior's draws of a chunk, then F over all of
 * them in one fsys_eval (its tape runs 256 points at a time), which is
 * several times faster than project_rejection's one point a call; ik at
 * eps 0.01 keeps 4 draws in a million. A simulator's noise is drawn by
 * fsys_eval after the chunk's x, so a seed still fixes the run. */
#define REJECT_CHUNK 4096

static int reject(const fsys *sys, const project_prior *prior, const double *ystar, double eps, size_t max_draws,
                  gsl_rng *rng, reference *r, size_t cap, innx_err *err)
{
    size_t n = r->n, m = r->m;
    double *x = malloc(REJECT_CHUNK * n * sizeof *x), *y = malloc(REJECT_CHUNK * m * sizeof *y);
    int st = 0;
    if (!x || !y) {
        st = INNX_ENOMEM;
        goto out;
    }
    while (r->rows < cap && r->tried < max_draws) {
        size_t k = max_draws - r->tried < REJECT_CHUNK ? max_draws - r->tried : REJECT_CHUNK;
        for (size_t i = 0; i < k; i++)
            project_prior_draw(prior, n, rng, x + i * n);
        if ((st = fsys_eval(sys, x, k, y, NULL, r->random ? rng : NULL)) != 0) {
            innx_errf(err, st, "reference: F could not be evaluated");
            goto out;
        }
        size_t i = 0;
        for (; i < k && r->rows < cap; i++) {
            double d2 = 0;
            for (size_t j = 0; j < m; j++)
                d2 += (y[i * m + j] - ystar[j]) * (y[i * m + j] - ystar[j]);
            if (d2 < eps * eps)   /* NaN (outside F's domain) is never kept */
                memcpy(r->x + r->rows++ * n, x + i * n, n * sizeof *x);
        }
        r->tried += i;
    }
    r->kept = r->rows;
out:
    free(x);
    free(y);
    return st;
}

int reference_compute(const problem *p, const double *ystar, const reference_opts *o, reference *r, innx_err *err)
{
    memset(r, 0, sizeof *r);
    fsys *sys = problem_system(p, err);
    if (!sys)
        return err && strstr(err->msg, "out of memory") ? INNX_ENOMEM : INNX_EINVAL;
    int st = check(p, sys, o, err);
    if (st != 0) {
        fsys_free(sys);
        return st;
    }
    size_t n = p->x_dim, m = y_dim(p);
    r->n = n, r->m = m;
    r->random = fsys_is_random(sys);
    r->rejection = o->reject;
    r->eps = o->reject ? o->eps : NAN;
    r->silhouette = NAN;
    memcpy(r->ystar, ystar, m * sizeof *ystar);
    size_t cap = o->reject ? o->samples : m == n ? (o->starts < REFERENCE_MAX_ROOTS ? o->starts : REFERENCE_MAX_ROOTS)
                                                 : o->starts;
    r->x = malloc(cap * n * sizeof *r->x);
    r->residual = malloc(cap * sizeof *r->residual);
    r->certified = calloc(cap, 1);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    st = INNX_ENOMEM;
    if (!r->x || !r->residual || !r->certified || !rng)
        goto out;
    gsl_rng_set(rng, o->seed);
    double t0 = clock_now();
    prior_ctx pc = {p, !o->reject};
    project_prior prior = {p->x_lo, p->x_hi, NULL, NULL, draw_prior, &pc};
    project_stats ps;
    if (o->reject) {
        size_t max_draws = o->max_draws ? o->max_draws : 1000000000;
        if ((st = reject(sys, &prior, ystar, o->eps, max_draws, rng, r, cap, err)) != 0)
            goto out;
        /* how far the kept draws are (the simulator: its fresh draws are
         * gone, so F's noise-free part is not asked; the bound is eps) */
        r->max_distance = 0;
        for (size_t i = 0; i < r->rows; i++) {
            r->residual[i] = NAN;
            if (r->random)
                continue;
            double y[PROBLEM_MAX_Y], d2 = 0;
            fsys_point_fn((void *)sys, r->x + i * n, y, NULL);
            for (size_t j = 0; j < m; j++)
                d2 += (y[j] - ystar[j]) * (y[j] - ystar[j]);
            r->max_distance = fmax(r->max_distance, sqrt(d2));
        }
        if (r->random)
            r->max_distance = NAN;
        else if ((st = project_kept(r, p, sys, err)) != 0)
            goto out;
    } else {
        project_opts po = PROJECT_DEFAULTS;
        po.tol = REFERENCE_CERTIFY;
        if ((st = project_multistart(fsys_point_fn, (void *)sys, n, m, ystar, &prior, o->starts, REFERENCE_SAME, rng,
                                     &po, r->x, cap, &ps, err)) != 0)
            goto out;
        r->tried = ps.tried;
        r->failed = ps.failed;
        r->found = ps.found;
        r->rows = ps.stored;
        /* roots in ascending order (x1, then x2, ...): a stable listing */
        if (m == n)
            sort_roots(r->x, r->rows, n);
        /* every stored point passed the certificate; say at what residual */
        for (size_t i = 0; i < r->rows; i++) {
            r->residual[i] = max_miss(sys, r->x + i * n, ystar, m);
            r->certified[i] = r->residual[i] <= REFERENCE_CERTIFY;
        }
    }
    for (size_t i = 0; i < r->rows; i++)
        r->n_certified += r->certified[i];
    if (o->reject && !r->random)
        r->failed = r->rows - r->n_certified;
    r->seconds = clock_now() - t0;
    marginals(r);
    st = (o->reject || m < n) ? families(r, rng, err) : 0;
out:
    if (st == INNX_ENOMEM)
        innx_errf(err, st, "reference: out of memory");
    if (rng)
        gsl_rng_free(rng);
    fsys_free(sys);
    if (st != 0)
        reference_free(r);
    return st;
}
