/* layout.h: the screen's rectangles as pure arithmetic: bars, then up to four
 * panes in priority order; "too small" with the size needed below a minimum. */
#ifndef INNX_TUI_LAYOUT_H
#define INNX_TUI_LAYOUT_H

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

#endif
