/* layout.c: nvtop-style pure layout: a grid of one or two columns holding the
 * most panes that fit at their minimum size; the top pane spans an odd row. */
#include <string.h>

#include "layout.h"

/* Loss first (the reason to watch), then f(x) (where the roots are), the
 * latent map, and the clusters table, which the status line can stand in for. */
const layout_pane layout_priority[PANE_N] = {PANE_LOSS, PANE_FX, PANE_LATENT, PANE_CLUSTERS};

static layout_rect rect(int x, int y, int w, int h)
{
    layout_rect r = {x, y, w > 0 ? w : 0, h > 0 ? h : 0};
    return r;
}

/* n panes in ncol columns: do they fit the body at their minimum? */
static int fits(int n, int ncol, int w, int h)
{
    int nrow = (n + ncol - 1) / ncol;
    return w >= ncol * LAYOUT_PANE_MIN_W && h >= nrow * LAYOUT_PANE_MIN_H;
}

/* Place panes list[0..n) in ncol columns over the body; with two columns and
 * an odd count the first pane takes the whole top row. */
static void place(layout *L, const layout_pane *list, int n, int ncol)
{
    layout_rect b = L->body;
    int nrow = (n + ncol - 1) / ncol, i = 0;
    for (int r = 0; r < nrow; r++) {
        int y0 = b.y + b.h * r / nrow, y1 = b.y + b.h * (r + 1) / nrow;
        int in_row = ncol;
        if (ncol == 2 && (n % 2) && r == 0)
            in_row = 1;
        for (int c = 0; c < in_row && i < n; c++, i++) {
            int x0 = b.x + b.w * c / in_row, x1 = b.x + b.w * (c + 1) / in_row;
            L->pane[list[i]] = rect(x0, y0, x1 - x0, y1 - y0);
            L->shown[list[i]] = 1;
        }
    }
    L->n_shown = n;
}

/* The kept panes go on screen in their own order (loss, latent, f(x),
 * clusters), whatever order priority chose them in. */
static const layout_pane *in_screen_order(layout_pane *list, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && list[j] < list[j - 1]; j--) {
            layout_pane t = list[j];
            list[j] = list[j - 1];
            list[j - 1] = t;
        }
    return list;
}

void layout_compute(int cols, int rows, const int want[PANE_N], int zoom, layout *L)
{
    memset(L, 0, sizeof *L);
    if (cols < 0)
        cols = 0;
    if (rows < 0)
        rows = 0;
    L->cols = cols;
    L->rows = rows;
    L->need_w = LAYOUT_MIN_W;
    L->need_h = LAYOUT_MIN_H;
    if (cols < LAYOUT_MIN_W || rows < LAYOUT_MIN_H) {
        L->too_small = 1;
        L->message = rect(0, 0, cols, rows);
        return;
    }
    L->title = rect(0, 0, cols, 1);
    L->lambda = rect(0, rows - 2, cols, 1);
    L->status = rect(0, rows - 1, cols, 1);
    L->body = rect(0, 1, cols, rows - 3);

    layout_pane list[PANE_N];
    int n = 0;
    if (zoom >= 0 && zoom < PANE_N && want[zoom]) {
        list[n++] = (layout_pane)zoom;
        place(L, list, n, 1);
        return;
    }
    for (int i = 0; i < PANE_N; i++)
        if (want[layout_priority[i]])
            list[n++] = layout_priority[i];
    /* Drop from the end of the priority list until a grid fits; two
     * columns first, since plots want width more than height. */
    for (; n > 0; n--) {
        int ncol = n > 1 && fits(n, 2, L->body.w, L->body.h) ? 2
                   : fits(n, 1, L->body.w, L->body.h)       ? 1
                                                            : 0;
        if (ncol) {
            place(L, in_screen_order(list, n), n, ncol);
            return;
        }
    }
}
