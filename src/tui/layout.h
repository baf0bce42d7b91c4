/* layout.h: the screen's rectangles as pure arithmetic: bars, then up to four
 * panes in priority order; "too small" with the size needed below a minimum. */
#ifndef INNX_TUI_LAYOUT_H
#define INNX_TUI_LAYOUT_H

#include <stddef.h>

typedef struct layout_rect {
    int x, y, w, h;           /* w or h 0: not shown */
} layout_rect;

/* Panes, in the order the 1-4 keys zoom them. */
typedef enum { PANE_LOSS = 0, PANE_LATENT, PANE_FX, PANE_CLUSTERS, PANE_N } layout_pane;

/* Below this the screen only says how large it must be. */
#define LAYOUT_MIN_W 60
#define LAYOUT_MIN_H 16
/* A pane smaller than this (borders included) is dropped. */
#define LAYOUT_PANE_MIN_W 30
#define LAYOUT_PANE_MIN_H 7

typedef struct layout {
    int cols, rows;
    int too_small;            /* then only `message` is set */
    int need_w, need_h;       /* the size that would do */
    layout_rect message;      /* the whole screen when too small */
    layout_rect title;        /* top row */
    layout_rect lambda;       /* row above the last */
    layout_rect status;       /* last row: status line or prompt */
    layout_rect body;         /* between the title and the lambda bar */
    layout_rect pane[PANE_N];
    int shown[PANE_N];
    int n_shown;
} layout;

/* The order panes are dropped in when space is short: last first. */
extern const layout_pane layout_priority[PANE_N];

/* want[i]: pane i exists for this problem. zoom: a pane to fill the body,
 * or -1 (a zoom on a pane that is not wanted is ignored). Never fails. */
void layout_compute(int cols, int rows, const int want[PANE_N], int zoom, layout *out);

/* Where an overlay of w x h (a popup, the help) goes: centred across,
 * at row y (centred when y < 0), moved by whole rows / columns so that
 * none of its edges lies on a pane's border (a popup's bottom on a pane's
 * would merge into one "╰──╰──╯──╯" line). Kept inside the body when it
 * fits there; w or h 0 when the screen is too small for it. */
layout_rect layout_overlay(const layout *L, int w, int h, int y);

/* Text in at most `width` columns (a UTF-8 continuation byte takes none):
 * all of it when it fits, else cut at a space, never inside a word or a
 * number, with `ell` ("…" or "...") after the last word kept. Returns the
 * columns used; out (n bytes) gets the text. */
int layout_fit(const char *text, int width, const char *ell, char *out, size_t n);
/* Wrapping: the bytes of text's first line in `width` columns, cut at a
 * space when it has one (else at the width); 0 for an empty text. *next
 * is where the next line starts (the spaces skipped). */
size_t layout_wrap(const char *text, int width, const char **next);

#endif
