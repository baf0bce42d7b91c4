/* history.c: decimation of loss series to a pane's width. min/max per column
 * keep a spike visible that a mean would hide; the mean draws the curve. */
#include <math.h>

#include "history.h"

static void col_reset(history_col *c)
{
    c->lo = c->hi = c->mean = NAN;
    c->x = NAN;
    c->sum_x = 0;
    c->n = 0;
}

static void col_add(history_col *c, double x, double v)
{
    if (!isfinite(v))
        return;
    if (c->n == 0) {
        c->lo = c->hi = v;
        c->mean = 0;
        c->sum_x = 0;
    }
    if (v < c->lo)
        c->lo = v;
    if (v > c->hi)
        c->hi = v;
    c->n++;
    c->mean += (v - c->mean) / (double)c->n;   /* running mean: no overflow */
    c->sum_x += x;
    c->x = c->sum_x / (double)c->n;
}

size_t history_decimate(const double *x, const float *v, size_t n, size_t cols,
                        history_col *out)
{
    if (n == 0 || cols == 0)
        return 0;
    size_t m = n < cols ? n : cols;
    size_t col = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        /* (i * m) / n in 64-bit floating point: sizes here stay far below
         * 2^53, and it avoids overflow of i * m in size_t on 32-bit */
        size_t k = (size_t)((double)i * (double)m / (double)n);
        if (k >= m)
            k = m - 1;
        if (k != col) {
            col = k;
            col_reset(&out[k]);
        }
        col_add(&out[k], x ? x[i] : (double)i, v[i]);
    }
    for (size_t k = 0; k < m; k++)
        if (out[k].n == 0)   /* no finite value: still say where it is */
            out[k].x = x ? NAN : (double)k * (double)n / (double)m;
    return m;
}

size_t history_bin(const double *x, const float *v, size_t n, double x0, double x1,
                   size_t cols, history_col *out)
{
    if (cols == 0 || !(x1 > x0) || !isfinite(x1 - x0))
        return 0;
    double w = (x1 - x0) / (double)cols;
    for (size_t k = 0; k < cols; k++) {
        col_reset(&out[k]);
        out[k].x = x0 + (k + 0.5) * w;
    }
    /* the column's centre stays its x: bins by x plot at even spacing */
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] >= x0 && x[i] <= x1))
            continue;
        size_t k = (size_t)((x[i] - x0) / w);
        if (k >= cols)
            k = cols - 1;
        double centre = out[k].x;
        col_add(&out[k], x[i], v[i]);
        out[k].x = centre;
    }
    return cols;
}
