/* plot.h: a canvas inside a boxed pane: where it goes (tick labels to its left
 * and below, legend rows above), its cells in colour, and its tick labels. */
#ifndef INNX_TUI_PLOT_H
#define INNX_TUI_PLOT_H

#include <curses.h>

#include "canvas.h"
#include "term.h"

typedef struct plot_box {
    int top, left;           /* the canvas's first cell in the window */
    int h, w;                /* its size in cells */
} plot_box;

#define PLOT_LABEL_W 7       /* y tick labels: "-1.5e-3" */

/* Fit cv inside the box of w under `legend` rows; resizes (or clears) it
 * and sets its mode. Returns 0, or -1 when there is no room for a plot. */
int plot_fit(WINDOW *w, canvas *cv, const term_caps *c, int legend, plot_box *b);
void plot_canvas(WINDOW *w, const term_caps *c, const canvas *cv, const plot_box *b);
/* Tick labels from cv's axes: y to the left, x on the row below. */
void plot_ticks(WINDOW *w, const term_caps *c, const canvas *cv, const plot_box *b);
/* A legend entry at the cursor: the series' glyph, then text, in its
 * colour; -1 (nothing drawn) when it does not fit before the border. */
int plot_legend(WINDOW *w, const term_caps *c, int series, const char *text);
/* A text row at *y (then *y + 1) from column 2, cut at the border (curses
 * would wrap it onto the next line); nothing once the box is full. */
void plot_row(WINDOW *w, int *y, attr_t a, const char *text);
/* The same for a text that may be longer than a row: wrapped at spaces
 * onto as many rows as it needs (and the box has). */
void plot_text(WINDOW *w, int *y, attr_t a, const char *text);
/* A one-line note centred in the pane (nothing to plot yet, no formula...). */
void plot_note(WINDOW *w, const term_caps *c, const char *text);
/* "PREFIX(y1, ..., ym)" into buf, each to 4 digits (a vector problem's y*) */
void plot_vector_text(char *buf, size_t len, const char *prefix, const double *v, size_t m);

#endif
