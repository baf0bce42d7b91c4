/* history.h: a series decimated to a pane's width, pure: each column holds
 * the min, max and mean of the points that fall in it (NaN/Inf skipped). */
#ifndef INNX_TUI_HISTORY_H
#define INNX_TUI_HISTORY_H

#include <stddef.h>

typedef struct history_col {
    double lo, hi, mean;     /* NaN when the column got no finite point */
    double x;                /* mean x of its points (or the column's centre) */
    size_t n;                /* finite points in the column */
    double sum_x;            /* internal: for x */
} history_col;

/* Points i = 0..n-1 go to column floor(i * cols / n) (by index, for evenly
 * spaced series); with n <= cols each point keeps a column of its own.
 * x may be NULL (then x = index). Returns the columns filled: min(n, cols). */
size_t history_decimate(const double *x, const float *v, size_t n, size_t cols,
                        history_col *out);

/* By x: column floor((x - x0) / (x1 - x0) * cols) over [x0, x1]; points
 * outside are dropped; empty columns have n = 0. Returns cols (0 if cols
 * is 0 or the range is empty). */
size_t history_bin(const double *x, const float *v, size_t n, double x0, double x1,
                   size_t cols, history_col *out);

#endif
