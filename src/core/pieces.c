/* pieces.c: cuts [a, b] into the pieces on which f is monotone: a scan of
 * f and f', bisection on f' at each sign change, cuts at poles and where f
 * is not finite or too large. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "innx/pieces.h"

/* A cell whose secant runs against f' at both ends hides a pole or two
 * turning points; it is looked at again on this many sub-points. */
#define SUBDIVIDE 64

typedef struct walk {
    roots_fn f;
    void *ctx;
    double a, b, cap;
    pieces_piece *out;
    size_t room, n, found;
    int in;                 /* inside a piece */
    pieces_piece cur;
    double px, pv, pd;      /* the previous point */
    int pgood;
    int ls;                 /* f''s last non-zero sign in this piece */
    double lsx;             /* the last point with that sign */
} walk;

static void at(const walk *w, double x, double *v, double *d)
{
    double dv;
    w->f(w->ctx, &x, 1, v, &dv);
    if (d)
        *d = dv;
}

static int good(const walk *w, double v) { return isfinite(v) && fabs(v) <= w->cap; }
static int sgn(double d) { return d > 0 ? 1 : d < 0 ? -1 : 0; }

/* The point between x_ok (good) and x_bad where f stops being good. */
static double edge(const walk *w, double x_ok, double x_bad)
{
    for (int i = 0; i < 80 && x_ok != x_bad; i++) {
        double m = 0.5 * (x_ok + x_bad), v;
        if (m == x_ok || m == x_bad)
            break;
        at(w, m, &v, NULL);
        if (good(w, v))
            x_ok = m;
        else
            x_bad = m;
    }
    return x_ok;
}

/* Where f' leaves sign s between xl (sign s) and xr (not s). */
static double turn(const walk *w, double xl, double xr, int s)
{
    for (int i = 0; i < 200; i++) {
        double m = 0.5 * (xl + xr), v, d;
        if (m == xl || m == xr)
            break;
        at(w, m, &v, &d);
        if (sgn(d) == s)
            xl = m;
        else
            xr = m;
    }
    return 0.5 * (xl + xr);
}

static void open_at(walk *w, double x, double v, int turning, int pole)
{
    w->in = 1;
    w->cur.lo = x;
    w->cur.f_lo = v;
    w->cur.lo_turn = turning;
    w->cur.lo_pole = pole;
    w->ls = 0;
}

static void close_at(walk *w, double x, double v, int turning, int pole)
{
    w->in = 0;
    w->cur.hi = x;
    w->cur.f_hi = v;
    w->cur.hi_turn = turning;
    w->cur.hi_pole = pole;
    if (!(w->cur.hi - w->cur.lo > 1e-12 * (w->b - w->a)) || w->cur.f_hi == w->cur.f_lo)
        return;
    if (w->n < w->room)
        w->out[w->n++] = w->cur;
    w->found++;
}

/* Cut at a turning point between the last point of sign ls and x. */
static void cut_turn(walk *w, double x)
{
    double c = turn(w, w->lsx, x, w->ls), v;
    at(w, c, &v, NULL);
    if (!good(w, v))
        return;
    close_at(w, c, v, 1, 0);
    open_at(w, c, v, 1, 0);
}

/* Does the cell from the previous point to (v, d) have a secant against
 * f' at both ends, by more than rounding? */
static int against(const walk *w, double v, double d)
{
    double jump = v - w->pv;
    return w->pgood && sgn(w->pd) != 0 && sgn(w->pd) == sgn(d) && sgn(jump) == -sgn(d) &&
           fabs(jump) > 1e-9 * (fabs(v) + fabs(w->pv));
}

static void push(walk *w, double x, double v, double d, int nested)
{
    if (!good(w, v)) {
        if (w->in) {
            double e = edge(w, w->px, x), fe;
            at(w, e, &fe, NULL);
            close_at(w, e, fe, 0, 1);
        }
        w->pgood = 0;
        w->px = x;
        return;
    }
    if (!w->in) {
        double lo = x, flo = v;
        int cut = w->px < x && !w->pgood;
        if (cut) {   /* f became good inside the cell */
            lo = edge(w, x, w->px);
            at(w, lo, &flo, NULL);
        }
        open_at(w, lo, flo, d == 0, cut);
    } else if (against(w, v, d)) {
        if (nested) {
            /* no turning point on the finer grid: a pole in this cell */
            close_at(w, w->px, w->pv, 0, 1);
            open_at(w, x, v, 0, 1);
        } else {
            /* a pole or two turning points: look closer */
            double x0 = w->px, h = (x - x0) / SUBDIVIDE;
            for (int k = 1; k < SUBDIVIDE; k++) {
                double xs = x0 + h * k, vs, ds;
                at(w, xs, &vs, &ds);
                push(w, xs, vs, ds, 1);
            }
            if (against(w, v, d)) {
                close_at(w, w->px, w->pv, 0, 1);
                open_at(w, x, v, 0, 1);
            }
        }
    }
    if (w->in && sgn(d) != 0) {
        if (w->ls != 0 && sgn(d) != w->ls)
            cut_turn(w, x);
        w->ls = sgn(d);
        w->lsx = x;
    }
    w->px = x, w->pv = v, w->pd = d, w->pgood = 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int pieces_find(roots_fn f, void *ctx, double a, double b, size_t grid, pieces_piece *out, size_t cap,
                size_t *n, innx_err *err)
{
    *n = 0;
    if (!(a < b) || !isfinite(a) || !isfinite(b))
        return innx_errf(err, INNX_EINVAL, "pieces: domain %g:%g needs A < B, both finite", a, b);
    if (grid < 3)
        grid = PIECES_GRID;
    double *x = calloc(grid, sizeof *x), *v = malloc(grid * sizeof *v), *d = malloc(grid * sizeof *d);
    double *mag = malloc(grid * sizeof *mag);
    if (!x || !v || !d || !mag) {
        free(x), free(v), free(d), free(mag);
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < grid; i++)
        x[i] = i + 1 == grid ? b : a + (b - a) * (double)i / (double)(grid - 1);
    f(ctx, x, grid, v, d);
    size_t m = 0;
    for (size_t i = 0; i < grid; i++)
        if (isfinite(v[i]))
            mag[m++] = fabs(v[i]);
    walk w = {.f = f, .ctx = ctx, .a = a, .b = b, .out = out, .room = cap, .px = a, .pgood = 0};
    if (m == 0) {
        free(x), free(v), free(d), free(mag);
        return innx_errf(err, INNX_EINVAL, "pieces: f is not finite anywhere on [%g, %g]", a, b);
    }
    qsort(mag, m, sizeof *mag, cmp_double);
    double q = mag[(size_t)(0.99 * (double)(m - 1))];
    w.cap = q > 0 ? 100 * q : 1;
    for (size_t i = 0; i < grid; i++) {
        if (i == 0)
            w.px = x[0];
        push(&w, x[i], v[i], d[i], 0);
    }
    if (w.in)
        close_at(&w, x[grid - 1], v[grid - 1], d[grid - 1] == 0, 0);
    free(x), free(v), free(d), free(mag);
    *n = w.n;
    if (w.found > cap)
        return innx_errf(err, INNX_EINVAL, "pieces: f has %zu monotone pieces on [%g, %g], more than %zu; narrow the domain",
                         w.found, a, b, cap);
    return 0;
}

int pieces_holds(const pieces_piece *p, double y)
{
    double lo = fmin(p->f_lo, p->f_hi), hi = fmax(p->f_lo, p->f_hi);
    return y >= lo && y <= hi;
}
