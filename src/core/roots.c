/* roots.c: the classical root engine: scan a grid, Brent on each sign change,
 * minima of |f - y| for even roots, reject poles, polish by safeguarded Newton. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_roots.h>

#include "innx/expr.h"
#include "innx/roots.h"

void roots_expr_fn(void *ctx, const double *x, size_t n, double *f, double *df)
{
    expr_eval_array(ctx, x, n, f, df);
}

typedef struct {
    roots_fn f;
    void *ctx;
    double y;
} gfun;

/* g(x) = f(x) - y and g'(x) at one point */
static double g_at(const gfun *g, double x, double *d)
{
    double v, dv;
    g->f(g->ctx, &x, 1, &v, &dv);
    if (d)
        *d = dv;
    return v - g->y;
}

static double g_gsl(double x, void *p) { return g_at(p, x, NULL); }
static double abs_g_gsl(double x, void *p) { return fabs(g_at(p, x, NULL)); }

int roots_polish(roots_fn f, void *ctx, double y, double x0, double lo, double hi, double tol,
                 roots_root *r)
{
    gfun g = {f, ctx, y};
    int confined = lo < hi;
    double glo = confined ? g_at(&g, lo, NULL) : 0;
    double ghi = confined ? g_at(&g, hi, NULL) : 0;
    int bracket = confined && isfinite(glo) && glo * ghi <= 0;
    if (bracket && (fabs(glo) <= tol || fabs(ghi) <= tol)) {
        /* the root is an end of the bracket (the bisection below would
         * lose it: a zero has no sign) */
        r->x = fabs(glo) <= fabs(ghi) ? lo : hi;
        r->residual = fmin(fabs(glo), fabs(ghi));
        r->bracketed = 0;
        return 0;
    }
    double x = x0, d, v = g_at(&g, x, &d);
    double best = x, best_v = isfinite(v) ? fabs(v) : INFINITY;
    for (int it = 0; it < 200 && !(best_v <= tol); it++) {
        if (bracket) {   /* keep the sign change inside [lo, hi] */
            if ((v < 0) == (glo < 0)) { lo = x; glo = v; } else { hi = x; }
        }
        double xn = x - v / d;
        if (bracket) {
            if (!(xn > lo && xn < hi))
                xn = 0.5 * (lo + hi);   /* Newton left the bracket: bisect */
        } else {
            /* damp a step that does not reduce |g| */
            double step = v / d;
            for (int h = 0; h < 40 && isfinite(step); h++) {
                double t = g_at(&g, x - step, NULL);
                if (fabs(t) < fabs(v))
                    break;
                step *= 0.5;
            }
            xn = x - step;
        }
        if (!isfinite(xn) || xn == x || (confined && !(xn >= lo && xn <= hi)))
            break;   /* converged, or wandering off to another root */
        x = xn;
        v = g_at(&g, x, &d);
        if (isfinite(v) && fabs(v) < best_v) {
            best_v = fabs(v);
            best = x;
        }
        if (!isfinite(v))
            break;
    }
    r->x = best;
    r->residual = best_v;
    r->bracketed = 0;
    return best_v <= tol ? 0 : INNX_EFAIL;
}

/* Brent on a bracketing interval; returns the point it converged to. */
static double brent(gsl_root_fsolver *s, gfun *g, double a, double b)
{
    gsl_function F = {g_gsl, g};
    if (gsl_root_fsolver_set(s, &F, a, b) != GSL_SUCCESS)
        return 0.5 * (a + b);
    double x = 0.5 * (a + b);
    for (int it = 0; it < 200; it++) {
        if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
            break;
        x = gsl_root_fsolver_root(s);
        double lo = gsl_root_fsolver_x_lower(s), hi = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(lo, hi, 0, 4 * GSL_DBL_EPSILON) == GSL_SUCCESS)
            break;
    }
    return x;
}

typedef struct {
    roots_root *v;
    size_t n, cap;
} root_list;

static int push(root_list *l, roots_root r)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        roots_root *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv)
            return INNX_ENOMEM;
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = r;
    return 0;
}

/* A simple root inside [a, b] where g changes sign: Brent, then a polish
 * held in the bracket. A sign change that will not polish is a pole or a
 * jump, not a root. */
static int bracketed_root(gsl_root_fsolver *s, gfun *g, double a, double b, const roots_opts *o,
                          root_list *l)
{
    double x = brent(s, g, a, b);
    roots_root r;
    if (roots_polish(g->f, g->ctx, g->y, x, a, b, o->polish_tol, &r) != 0) {
        /* Brent's point may already be as good as double allows */
        if (!(r.residual <= o->even_tol))
            return 0;
    }
    r.bracketed = 1;
    return push(l, r);
}

static int cmp_root(const void *a, const void *b)
{
    double x = ((const roots_root *)a)->x, y = ((const roots_root *)b)->x;
    return (x > y) - (x < y);
}

int roots_scan(roots_fn f, void *ctx, double y, double a, double b, const roots_opts *o,
               roots_root *out, size_t cap, size_t *n_found, innx_err *err)
{
    roots_opts d = ROOTS_DEFAULTS;
    if (!o)
        o = &d;
    *n_found = 0;
    if (!(isfinite(a) && isfinite(b) && a < b))
        return innx_errf(err, INNX_EINVAL, "roots: the domain must be A:B with finite A < B");
    if (!isfinite(y))
        return innx_errf(err, INNX_EINVAL, "roots: y must be finite");
    size_t n = o->grid < 3 ? 3 : o->grid;
    double *x = malloc(3 * n * sizeof *x);
    gsl_root_fsolver *rs = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    gsl_min_fminimizer *ms = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
    root_list l = {0};
    int st = 0;
    if (!x || !rs || !ms) {
        st = innx_errf(err, INNX_ENOMEM, "roots: out of memory");
        goto done;
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    double *gv = x + n, *gd = x + 2 * n;
    for (size_t i = 0; i < n; i++)
        x[i] = i + 1 == n ? b : a + (b - a) * (double)i / (double)(n - 1);
    f(ctx, x, n, gv, gd);
    for (size_t i = 0; i < n; i++)
        gv[i] -= y;
    gfun g = {f, ctx, y};
    for (size_t i = 0; i < n && st == 0; i++) {
        if (gv[i] == 0.0) {   /* exactly on a grid point */
            roots_root r = {x[i], 0.0, (i > 0 && gv[i - 1] * (i + 1 < n ? gv[i + 1] : -gv[i - 1]) < 0)};
            st = push(&l, r);
            continue;
        }
        if (i + 1 < n && isfinite(gv[i]) && isfinite(gv[i + 1]) && gv[i] * gv[i + 1] < 0) {
            st = bracketed_root(rs, &g, x[i], x[i + 1], o, &l);
            continue;
        }
        /* a local minimum of |g| with no sign change on either side: an
         * even root, or two close roots the grid stepped over */
        if (i == 0 || i + 1 == n || !isfinite(gv[i - 1]) || !isfinite(gv[i + 1]) || !isfinite(gv[i]))
            continue;
        if (gv[i - 1] * gv[i] <= 0 || gv[i] * gv[i + 1] <= 0)
            continue;
        if (!(fabs(gv[i]) < fabs(gv[i - 1]) && fabs(gv[i]) <= fabs(gv[i + 1])))
            continue;
        gsl_function H = {abs_g_gsl, &g};
        if (gsl_min_fminimizer_set_with_values(ms, &H, x[i], fabs(gv[i]), x[i - 1], fabs(gv[i - 1]),
                                               x[i + 1], fabs(gv[i + 1])) != GSL_SUCCESS)
            continue;
        double xm = x[i];
        for (int it = 0; it < 100; it++) {
            if (gsl_min_fminimizer_iterate(ms) != GSL_SUCCESS)
                break;
            xm = gsl_min_fminimizer_x_minimum(ms);
            double lo = gsl_min_fminimizer_x_lower(ms), hi = gsl_min_fminimizer_x_upper(ms);
            if (gsl_min_test_interval(lo, hi, 1e-15, 0) == GSL_SUCCESS)
                break;
            /* |g| crossed zero inside: two simple roots, each bracketed */
            double gm = g_at(&g, xm, NULL);
            if (gm * gv[i] < 0) {
                st = bracketed_root(rs, &g, x[i - 1], xm, o, &l);
                if (st == 0)
                    st = bracketed_root(rs, &g, xm, x[i + 1], o, &l);
                xm = NAN;
                break;
            }
        }
        if (!isfinite(xm) || st != 0)
            continue;
        roots_root r;
        roots_polish(f, ctx, y, xm, x[i - 1], x[i + 1], o->polish_tol, &r);
        double gm = fabs(g_at(&g, xm, NULL));
        if (!(r.residual <= gm)) {   /* keep the minimiser's point if Newton did worse */
            r.x = xm;
            r.residual = gm;
        }
        if (r.residual <= o->even_tol) {
            r.bracketed = 0;
            st = push(&l, r);
        }
    }
    gsl_set_error_handler(old);
    if (st == 0 && l.n) {
        qsort(l.v, l.n, sizeof *l.v, cmp_root);
        size_t k = 0;
        for (size_t i = 0; i < l.n; i++) {
            if (k && fabs(l.v[i].x - l.v[k - 1].x) <= 1e-9 * (1.0 + fabs(l.v[i].x))) {
                if (l.v[i].residual < l.v[k - 1].residual)
                    l.v[k - 1].x = l.v[i].x, l.v[k - 1].residual = l.v[i].residual;
                l.v[k - 1].bracketed |= l.v[i].bracketed;
                continue;
            }
            l.v[k++] = l.v[i];
        }
        *n_found = k;
        if (out)
            memcpy(out, l.v, (k < cap ? k : cap) * sizeof *out);
    }
done:
    free(l.v);
    free(x);
    if (rs) gsl_root_fsolver_free(rs);
    if (ms) gsl_min_fminimizer_free(ms);
    return st;
}
