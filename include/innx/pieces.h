/* pieces.h: the monotone pieces of f on [a, b]: between two turning points
 * (f' changes sign) f is monotone, so each piece holds at most one root of
 * f(x) = y for any y. They are the automatic latent partition of the
 * branch model (DESIGN.md, "Many roots"). */
#ifndef INNX_PIECES_H
#define INNX_PIECES_H

#include <stddef.h>

#include "innx/error.h"
#include "innx/roots.h"

#define PIECES_GRID 20000      /* scan points over [a, b] */
#define PIECES_MAX 64

typedef struct pieces_piece {
    double lo, hi;             /* lo < hi */
    double f_lo, f_hi;         /* f at the ends, f_lo != f_hi */
    int lo_turn, hi_turn;      /* the end is a turning point (f' = 0) */
    int lo_pole, hi_pole;      /* the end is a cut where f is too large, not finite or jumps */
} pieces_piece;

/* Scans f and f' on `grid` points (0 = PIECES_GRID), locates each turning
 * point by bisection on f', and cuts at poles (a secant against f' on both
 * sides of a cell with no turning point inside), at points where f is not
 * finite, and where |f| passes 100 times its 99th percentile on the grid
 * (so a pole's piece ends at a finite value). Pieces narrower than 1e-12
 * (b - a), or over which f does not change, are dropped. Fails when more
 * than cap pieces are found, naming the count. */
int pieces_find(roots_fn f, void *ctx, double a, double b, size_t grid, pieces_piece *out, size_t cap,
                size_t *n, innx_err *err);

/* Does y lie in the piece's range of f? */
int pieces_holds(const pieces_piece *p, double y);

#endif
