/* report.c: reads a trained inverse in double: the latent map and its
 * errors, k-means clusters with Student-t intervals, and root queries. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

#include "innx/cluster.h"
#include "innx/report.h"
#include "innx/roots.h"

/* G's input row for code u (z's first component; the others at 0.5) or,
 * for G(y), y itself. */
static void code_row(const trainer *t, double y, double u, double *row)
{
    const problem *p = trainer_problem(t);
    size_t gi = trainer_g_in(t), off = 0;
    if (p->input == PROBLEM_IN_Y) {
        row[0] = u;
        return;
    }
    if (p->input == PROBLEM_IN_YZ)
        row[off++] = y;
    for (size_t j = off; j < gi; j++)
        row[j] = j == off ? u : 0.5;
}

/* f in one variable: a formula, or a table's NN1 when G is the branch
 * model (trainer_roots_fn serves both, in the problem's units) */
static int needs_formula_1d(trainer *t, innx_err *err)
{
    if (trainer_x_dim(t) != 1 || !(trainer_has_formula(t) || trainer_problem(t)->output == PROBLEM_OUT_BRANCH))
        return innx_errf(err, INNX_EINVAL, "report: needs a formula in one variable");
    return 0;
}

/* x's domain (a table's in its own units) */
static double width(const trainer *t)
{
    double a, b;
    trainer_domain(t, &a, &b);
    return b - a;
}

/* An odd root changes sign across it: f - y at x -+ h, h a hair of the
 * domain. */
static int brackets(trainer *t, double x, double y)
{
    double h = 1e-7 * width(t) + 1e-12 * fabs(x);
    double xs[2] = {x - h, x + h}, f[2];
    trainer_roots_fn(t, xs, 2, f, NULL);
    return isfinite(f[0]) && isfinite(f[1]) && (f[0] - y) * (f[1] - y) < 0;
}

/* Where |f'| is large, rounding x to a double alone costs more than the
 * certificate allows (e^x - 1e6 at 13.8: 3e-10): a sign change of f - y
 * across x -+ 4 ulp then proves a root within them. */
static int ulp_bracket(trainer *t, double x, double y)
{
    double xs[2] = {x, x}, f[2];
    for (int i = 0; i < 4; i++) {
        xs[0] = nextafter(xs[0], -INFINITY);
        xs[1] = nextafter(xs[1], INFINITY);
    }
    trainer_roots_fn(t, xs, 2, f, NULL);
    return isfinite(f[0]) && isfinite(f[1]) && (f[0] - y) * (f[1] - y) < 0;
}

/* Newton from x0 inside the candidate's bracket (the branch model's
 * piece: a sign change there, so it cannot fail) or in a window around
 * it (a sign change there is kept, else damped steps), then anywhere in
 * the domain; certified or not. */
static int polish(trainer *t, double y, double x0, const double *bracket, report_root *out)
{
    double a, b;
    trainer_domain(t, &a, &b);
    double w = 0.02 * (b - a);
    roots_root r;
    double lo = bracket ? bracket[0] : fmax(a, x0 - w), hi = bracket ? bracket[1] : fmin(b, x0 + w);
    int st = roots_polish(trainer_roots_fn, t, y, x0, lo, hi, REPORT_CERTIFY, &r);
    if (st != 0 && ulp_bracket(t, r.x, y))
        st = 0;
    if (st != 0 && !bracket) {
        st = roots_polish(trainer_roots_fn, t, y, x0, 0, 0, REPORT_CERTIFY, &r);
        if (st != 0 && ulp_bracket(t, r.x, y))
            st = 0;
    }
    double fx, raw[1] = {x0};
    trainer_roots_fn(t, raw, 1, &fx, NULL);
    out->x = r.x;
    out->x_raw = x0;
    out->residual = r.residual;
    out->residual_raw = fabs(fx - y);
    out->bracketed = st == 0 && brackets(t, r.x, y);
    return st == 0 && r.x >= a && r.x <= b ? 0 : INNX_EFAIL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int report_latent_compute(trainer *t, double y, size_t k, report_latent *r, innx_err *err)
{
    memset(r, 0, sizeof *r);
    if (needs_formula_1d(t, err) != 0)
        return INNX_EINVAL;
    const problem *p = trainer_problem(t);
    /* a mixture's M candidates a code: REPORT_MAP_N / M codes, each code's
     * candidates side by side in the map (the same u) */
    size_t M = trainer_g_candidates(t), nc = REPORT_MAP_N / M, n = nc * M, gi = trainer_g_in(t);
    double *in = malloc(nc * gi * sizeof *in);
    if (!in)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    r->n = n;
    r->y = y;
    for (size_t i = 0; i < nc; i++) {
        double a = (double)i / (double)(nc - 1);
        double u = p->input == PROBLEM_IN_Y ? p->y_lo + (p->y_hi - p->y_lo) * a : a;
        for (size_t j = 0; j < M; j++)
            r->u[i * M + j] = u;
        code_row(t, y, u, in + i * gi);
    }
    int st = trainer_eval_g(t, in, nc, r->x, err);
    free(in);
    if (st != 0)
        return st;
    trainer_roots_fn(t, r->x, n, r->f, NULL);
    double se = 0, ae = 0;
    size_t finite = 0;
    for (size_t i = 0; i < n; i++) {
        r->f[i] -= p->input == PROBLEM_IN_Y ? r->u[i] : y;
        if (isfinite(r->f[i])) {
            ae += fabs(r->f[i]);
            se += r->f[i] * r->f[i];
            finite++;
        }
    }
    r->mae = finite ? ae / (double)finite : NAN;
    r->rmse = finite ? sqrt(se / (double)finite) : NAN;
    /* the five smallest residuals */
    double *order = malloc(n * 2 * sizeof *order);
    if (!order)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(r->f[i])) {
            order[2 * m] = fabs(r->f[i]);
            order[2 * m + 1] = r->x[i];
            m++;
        }
    qsort(order, m, 2 * sizeof *order, cmp_double);
    r->n_top = m < 5 ? m : 5;
    for (size_t i = 0; i < r->n_top; i++) {
        r->top_res[i] = order[2 * i];
        r->top_x[i] = order[2 * i + 1];
    }
    free(order);
    /* k-means of x: never more clusters than distinct values */
    double xs[REPORT_MAP_N];
    size_t distinct = 0;
    memcpy(xs, r->x, sizeof xs);
    qsort(xs, n, sizeof *xs, cmp_double);
    for (size_t i = 0; i < n; i++)
        if (isfinite(xs[i]) && (distinct == 0 || xs[i] != xs[i - 1]))
            distinct++;
    if (k > REPORT_MAX_K)
        k = REPORT_MAX_K;
    if (k > distinct)
        k = distinct;
    if (k < 1)
        return 0;
    /* k-means of the finite answers (the branch model has none for pieces
     * whose range misses y) */
    double fx[REPORT_MAP_N];
    size_t at[REPORT_MAP_N], m2 = 0;
    for (size_t i = 0; i < n; i++) {
        r->label[i] = 0;
        if (isfinite(r->x[i]) && isfinite(r->f[i])) {
            at[m2] = i;
            fx[m2++] = r->x[i];
        }
    }
    if (m2 < k)
        return 0;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    gsl_rng_set(rng, p->seed);
    kmeans_conf kc = KMEANS_DEFAULTS(k);
    kmeans_result km;
    st = kmeans_fit(fx, m2, 1, &kc, rng, &km, err);
    gsl_rng_free(rng);
    if (st != 0)
        return st;
    r->k = k;
    for (size_t c = 0; c < k; c++) {
        report_cluster *cl = &r->c[c];
        cl->count = km.counts[c];
        cl->centroid = km.centres[c];
        double s = 0, s2 = 0, best = INFINITY, bx = cl->centroid;
        for (size_t i = 0; i < m2; i++)
            if (km.labels[i] == c) {
                double a = fabs(r->f[at[i]]);
                s += a;
                s2 += a * a;
                if (a < best) {
                    best = a;
                    bx = fx[i];
                }
            }
        double cnt = (double)cl->count, mean = cnt > 0 ? s / cnt : NAN;
        cl->mean_abs_f = mean;
        cl->ci_lo = cl->ci_hi = mean;
        if (cl->count >= 2) {
            double var = fmax(0, (s2 - cnt * mean * mean) / (cnt - 1));
            double h = gsl_cdf_tdist_Pinv(0.975, cnt - 1) * sqrt(var / cnt);
            cl->ci_lo = mean - h;
            cl->ci_hi = mean + h;
        }
        cl->polished = polish(t, y, bx, NULL, &cl->root) == 0;
    }
    for (size_t i = 0; i < m2; i++)
        r->label[at[i]] = km.labels[i];
    kmeans_result_free(&km);
    return 0;
}

static int cmp_root(const void *a, const void *b)
{
    double x = ((const report_root *)a)->x, y = ((const report_root *)b)->x;
    return (x > y) - (x < y);
}

/* Candidates from G, exact duplicates dropped before polishing (the
 * branch model gives every code of one piece the same x). */
typedef struct cand {
    double x, lo, hi;
    int bracketed;
} cand;

static int cmp_cand(const void *a, const void *b)
{
    double x = ((const cand *)a)->x, y = ((const cand *)b)->x;
    return (x > y) - (x < y);
}

int report_query_candidates(trainer *t, double y, size_t K, report_query *q, innx_err *err)
{
    memset(q, 0, sizeof *q);
    q->y = y;
    if (needs_formula_1d(t, err) != 0)
        return INNX_EINVAL;
    const problem *p = trainer_problem(t);
    if (p->input == PROBLEM_IN_Y)
        K = 1;
    if (K < 1)
        K = 1;
    size_t gi = trainer_g_in(t), M = trainer_g_candidates(t);
    /* every candidate of a mixture head is one to polish (M a code) */
    double *in = malloc(K * gi * sizeof *in), *x = malloc(K * M * sizeof *x);
    cand *c = malloc(K * M * sizeof *c);
    if (!in || !x || !c) {
        free(in), free(x), free(c);
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    }
    /* stratified codes: one in the middle of each of K equal strata */
    for (size_t i = 0; i < K; i++)
        code_row(t, y, p->input == PROBLEM_IN_Y ? y : ((double)i + 0.5) / (double)K, in + i * gi);
    int st = trainer_eval_g(t, in, K, x, err);
    size_t m = 0;
    for (size_t i = 0; st == 0 && i < K * M; i++) {
        if (!isfinite(x[i]))
            continue;   /* the branch model: y is outside this code's piece */
        c[m].x = x[i];
        c[m].bracketed = trainer_bracket(t, in + i / M * gi, &c[m].lo, &c[m].hi);
        m++;
    }
    free(in);
    free(x);
    if (st != 0) {
        free(c);
        return st;
    }
    qsort(c, m, sizeof *c, cmp_cand);
    double tol = 1e-7 * width(t), da, db;
    trainer_domain(t, &da, &db);
    q->n_candidates = m;
    for (size_t i = 0; i < m; i++) {
        if (i > 0 && c[i].x == c[i - 1].x)
            continue;
        report_root r;
        double br[2] = {c[i].lo, c[i].hi};
        if (polish(t, y, c[i].x, c[i].bracketed ? br : NULL, &r) != 0) {
            q->n_failed++;
            /* say why when it is the domain: G's answer or its root outside */
            int root = r.residual <= REPORT_CERTIFY;
            if (!(c[i].x >= da && c[i].x <= db) || (root && !(r.x >= da && r.x <= db))) {
                if (q->n_outside++ == 0) {
                    q->outside_raw = c[i].x;
                    q->outside_x = root ? r.x : NAN;
                }
            }
            continue;
        }
        size_t j;
        for (j = 0; j < q->n_roots; j++)
            if (fabs(q->roots[j].x - r.x) <= tol)
                break;
        if (j < q->n_roots) {   /* a duplicate: keep the better raw candidate */
            if (r.residual_raw < q->roots[j].residual_raw) {
                q->roots[j].residual_raw = r.residual_raw;
                q->roots[j].x_raw = r.x_raw;
            }
            continue;
        }
        if (q->n_roots < REPORT_MAX_ROOTS)
            q->roots[q->n_roots++] = r;
    }
    free(c);
    qsort(q->roots, q->n_roots, sizeof *q->roots, cmp_root);
    return 0;
}

int report_query_roots(trainer *t, double y, size_t K, report_query *q, innx_err *err)
{
    int st = report_query_candidates(t, y, K, q, err);
    return st != 0 ? st : report_reference(t, y, q->ref, &q->n_ref, err);
}

int report_reference(trainer *t, double y, double *ref, size_t *n, innx_err *err)
{
    *n = 0;
    if (needs_formula_1d(t, err) != 0)
        return INNX_EINVAL;
    double a, b;
    trainer_domain(t, &a, &b);
    roots_root r[REPORT_MAX_ROOTS];
    roots_opts o = ROOTS_DEFAULTS;
    size_t nf = 0;
    if (roots_scan(trainer_roots_fn, t, y, a, b, &o, r, REPORT_MAX_ROOTS, &nf, err) != 0)
        return INNX_EINVAL;
    *n = nf < REPORT_MAX_ROOTS ? nf : REPORT_MAX_ROOTS;
    for (size_t i = 0; i < *n; i++)
        ref[i] = r[i].x;
    return 0;
}

/* ---- a learned F (NN1) ----------------------------------------------------- */

#define NN1_CERTIFY 1e-12   /* relative: |NN1(x) - y| <= 1e-12 max(1, |y|) */
#define NN1_STEPS 50

/* |NN1(x) - y| in y's units; xs scaled, as NN1 reads it. */
static int nn1_at(trainer *t, const double *xs, double *f, double *g, innx_err *err)
{
    const trainer_data *d = trainer_get_data(t);
    int st = nn_eval_f64(trainer_nn1(t), xs, 1, f, g, err);
    if (st == 0) {
        *f = *f * d->sy.scale[0] + d->sy.mean[0];
        for (size_t j = 0; g && j < d->d; j++)
            g[j] *= d->sy.scale[0];
    }
    return st;
}

int report_query_nn1(trainer *t, double y, report_point *r, innx_err *err)
{
    memset(r, 0, sizeof *r);
    r->y = y;
    const trainer_data *d = trainer_get_data(t);
    if (!d || !trainer_nn1(t))
        return innx_errf(err, INNX_EINVAL, "report: needs a learned forward map (a table problem)");
    size_t n = d->d;
    r->d = n;
    int st = trainer_eval_g(t, &y, 1, r->x_raw, err);
    if (st != 0)
        return st;
    double xs[PROBLEM_MAX_X], g[PROBLEM_MAX_X], f, lo[PROBLEM_MAX_X], hi[PROBLEM_MAX_X];
    memcpy(xs, r->x_raw, n * sizeof *xs);
    stats_scaler_transform(&d->sx, xs, 1);
    trainer_domain(t, lo, hi);   /* the polish stays in the domain box (scaled, as NN1 reads x) */
    stats_scaler_transform(&d->sx, lo, 1);
    stats_scaler_transform(&d->sx, hi, 1);
    for (size_t j = 0; j < n; j++)
        xs[j] = fmin(fmax(xs[j], lo[j]), hi[j]);
    if ((st = nn1_at(t, xs, &f, NULL, err)) != 0)
        return st;
    r->residual_raw = fabs(f - y);
    double tol = NN1_CERTIFY * fmax(1, fabs(y));
    /* Newton towards the nearest point of NN1(x) = y: the minimum-norm
     * step -(f - y) g / |g|^2, halved while it does not help, projected
     * into the box (a component held at a wall stops moving) */
    for (r->steps = 0; r->steps < NN1_STEPS && !(fabs(f - y) <= tol); r->steps++) {
        if ((st = nn1_at(t, xs, &f, g, err)) != 0)
            return st;
        double gg = 0;
        for (size_t j = 0; j < n; j++)
            gg += g[j] * g[j];
        if (!(gg > 0))
            break;   /* flat: no direction to go */
        double step = (f - y) / gg, tried[PROBLEM_MAX_X], ft = f;
        for (int h = 0; h < 40; h++, step *= 0.5) {
            for (size_t j = 0; j < n; j++)
                tried[j] = fmin(fmax(xs[j] - step * g[j], lo[j]), hi[j]);
            if ((st = nn1_at(t, tried, &ft, NULL, err)) != 0)
                return st;
            if (fabs(ft - y) < fabs(f - y))
                break;
        }
        if (!(fabs(ft - y) < fabs(f - y)))
            break;
        memcpy(xs, tried, n * sizeof *xs);
        f = ft;
    }
    r->residual = fabs(f - y);
    r->certified = r->residual <= tol;
    memcpy(r->x, xs, n * sizeof *xs);
    stats_scaler_inverse(&d->sx, r->x, 1);
    return 0;
}

int report_roots_nn1(trainer *t, double y, report_query *q, innx_err *err)
{
    memset(q, 0, sizeof *q);
    q->y = y;
    const trainer_data *d = trainer_get_data(t);
    if (!d || !trainer_nn1(t) || d->d != 1)
        return innx_errf(err, INNX_EINVAL, "report: every root on NN1 needs a table with one x column");
    double lo, hi;
    trainer_domain(t, &lo, &hi);
    roots_opts o = ROOTS_DEFAULTS;
    o.polish_tol = NN1_CERTIFY * fmax(1, fabs(y));
    o.even_tol = 1e3 * o.polish_tol;
    roots_root r[REPORT_MAX_ROOTS];
    size_t found;
    int st = roots_scan(trainer_roots_fn, t, y, lo, hi, &o, r, REPORT_MAX_ROOTS, &found, err);
    if (st != 0)
        return st;
    q->n_ref = found;   /* how many the scan saw, also past the cap */
    for (size_t i = 0; i < found && i < REPORT_MAX_ROOTS; i++) {
        report_root *out = &q->roots[q->n_roots++];
        out->x = out->x_raw = r[i].x;
        out->residual = r[i].residual;
        out->residual_raw = NAN;
        out->bracketed = r[i].bracketed;
    }
    return 0;
}
