/* roots.h: every real root of f(x) = y on [a, b] (grid scan, Brent on sign
 * changes, minima of |f - y| for even roots, pole rejection) and polishing. */
#ifndef INNX_ROOTS_H
#define INNX_ROOTS_H

#include <stddef.h>

#include "innx/error.h"

/* f and df/dx at n points (vectorised); NaN marks a point outside f's domain. */
typedef void (*roots_fn)(void *ctx, const double *x, size_t n, double *f, double *df);

typedef struct roots_root {
    double x, residual;    /* |f(x) - y| */
    int bracketed;         /* a sign change brackets it (odd multiplicity) */
} roots_root;

typedef struct roots_opts {
    size_t grid;           /* scan points (default 4001) */
    double even_tol;       /* |f - y| accepted at a minimum as an even root (1e-9) */
    double polish_tol;     /* target |f - y| of a polished root (1e-12) */
} roots_opts;

#define ROOTS_DEFAULTS ((roots_opts){4001, 1e-9, 1e-12})

/* All roots on [a, b] into out (sorted, distinct), at most cap; *n_found is
 * the number found (which may exceed cap: then only cap are stored). */
int roots_scan(roots_fn f, void *ctx, double y, double a, double b, const roots_opts *o,
               roots_root *out, size_t cap, size_t *n_found, innx_err *err);

/* Safeguarded Newton from x0 towards f(x) = y, kept inside [lo, hi] when
 * lo < hi: with a sign change there, a bisection step whenever Newton
 * leaves it; without, it stops at the edge. Returns 0
 * with |f - y| <= tol in r, or INNX_EFAIL with the best point found. */
int roots_polish(roots_fn f, void *ctx, double y, double x0, double lo, double hi, double tol,
                 roots_root *r);

/* Adapter: ctx is a const expr *. */
void roots_expr_fn(void *ctx, const double *x, size_t n, double *f, double *df);

#endif
