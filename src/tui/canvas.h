/* canvas.h: a dot canvas for the plots, with no curses: w x h cells of 2x4
 * braille dots (or one ASCII glyph per series), data-to-dot axes (linear/log). */
#ifndef INNX_TUI_CANVAS_H
#define INNX_TUI_CANVAS_H

#include <stddef.h>

/* One axis: data [lo, hi] onto n dots. On a log axis values <= 0 (and a lo
 * <= 0) are clamped to the smallest positive value the axis shows. */
typedef struct canvas_axis {
    double lo, hi;
    int log;
} canvas_axis;

/* Position of v on the axis as a fraction (0 = lo, 1 = hi; outside for
 * values outside); NaN stays NaN. A degenerate axis (lo == hi) puts every
 * value in the middle, so nothing divides by zero. */
double canvas_axis_frac(const canvas_axis *a, double v);
/* Widen [lo, hi] when it is empty or degenerate so a flat series still
 * plots; on a log axis lo is raised to a positive value. */
void canvas_axis_fix(canvas_axis *a);

typedef struct canvas {
    int w, h;                 /* cells */
    int dw, dh;               /* dots: 2w x 4h */
    int ascii;                /* one glyph per series instead of dots */
    unsigned char *bits;      /* braille bits per cell */
    signed char *owner;       /* series of the last dot drawn there, -1 none */
    canvas_axis x, y;         /* the view that the data-space calls use */
} canvas;

/* The glyph of series s in ASCII mode ('*', 'o', '+', 'x', '#', ...). */
char canvas_ascii_glyph(int series);   /* 13 distinct, then they repeat */

/* 0, or -1 when out of memory; w or h <= 0 gives an empty canvas that
 * ignores every drawing call. */
int canvas_init(canvas *c, int w, int h, int ascii);
/* Resize (contents cleared); keeps the mode and the axes. */
int canvas_resize(canvas *c, int w, int h);
void canvas_free(canvas *c);
void canvas_clear(canvas *c);
void canvas_set_axes(canvas *c, const canvas_axis *x, const canvas_axis *y);

/* Dot space: (0, 0) is the top-left dot; out-of-range dots are clipped. */
void canvas_dot(canvas *c, int dx, int dy, int series);
void canvas_line(canvas *c, int x0, int y0, int x1, int y1, int series);
/* A whole row / column of dots; `every` > 1 dots only every n-th (a dotted
 * rule for marks that should not hide the curves). */
void canvas_hline(canvas *c, int dy, int every, int series);
void canvas_vline(canvas *c, int dx, int every, int series);

/* Data space, through the axes (NaN points are skipped, so a series with
 * gaps draws as pieces). */
int canvas_map_x(const canvas *c, double x);   /* dot column (may be outside) */
int canvas_map_y(const canvas *c, double y);   /* dot row, 0 at the top */
void canvas_point(canvas *c, double x, double y, int series);
void canvas_segment(canvas *c, double x0, double y0, double x1, double y1, int series);
/* A polyline through n points (x may be NULL: then x = index). */
void canvas_polyline(canvas *c, const double *x, const double *y, size_t n, int series);
void canvas_hline_at(canvas *c, double y, int every, int series);
void canvas_vline_at(canvas *c, double x, int every, int series);

/* Cell (cx, cy): writes a NUL-terminated UTF-8 braille glyph or ASCII char
 * (a space when empty) into out[8] and returns the series that owns it
 * (-1 when empty). */
int canvas_cell(const canvas *c, int cx, int cy, char out[8]);

/* Tick values for an axis: up to max "nice" values inside [lo, hi] (steps
 * of 1, 2, 5 x 10^k; powers of ten on a log axis). Returns the count. */
size_t canvas_ticks(const canvas_axis *a, size_t max, double *ticks);
/* A short label for a tick ("0.5", "1e-3", "2500", "1.2e-4"), at most n - 1
 * chars, with fewer digits when it must; 1, or 0 when even that did not
 * fit (then buf holds a cut one). */
int canvas_tick_label(double v, char *buf, size_t n);
/* Ticks with labels of at most n - 1 chars (n <= 16), all distinct and
 * whole: canvas_ticks with up to max, fewer until that holds (0 when not
 * even one does). */
size_t canvas_tick_labels(const canvas_axis *a, size_t max, size_t n, double *t, char (*labels)[16]);

#endif
