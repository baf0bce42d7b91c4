/* layout.c: nvtop-style pure layout: a grid of one or two columns holding the
 * most panes that fit at their minimum size; the top pane spans an odd row. */
#include <stdio.h>
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

/* Is row y (or column x, with `col`) on a shown pane's border? */
static int on_border(const layout *L, int v, int col)
{
    for (int i = 0; i < PANE_N; i++) {
        layout_rect r = L->pane[i];
        if (!L->shown[i] || r.w == 0 || r.h == 0)
            continue;
        int a = col ? r.x : r.y, b = col ? r.x + r.w - 1 : r.y + r.h - 1;
        if (v == a || v == b)
            return 1;
    }
    return 0;
}

/* The first start from `want` (trying want, want-1, want+1, want-2...)
 * within [lo, hi - size] whose both edges are off the borders; `want`
 * itself when none is. */
static int settle(const layout *L, int want, int size, int lo, int hi, int col)
{
    for (int d = 0; d <= hi - lo; d++)
        for (int s = -1; s <= 1; s += 2) {
            int v = want + (s < 0 ? -d : d);
            if (v < lo || v + size > hi || (d == 0 && s > 0))
                continue;
            if (!on_border(L, v, col) && !on_border(L, v + size - 1, col))
                return v;
        }
    return want;
}

layout_rect layout_overlay(const layout *L, int w, int h, int y)
{
    layout_rect r = {0, 0, 0, 0};
    if (w < 1 || h < 1 || w > L->cols || h > L->rows)
        return r;
    /* inside the body when it fits there, else on the whole screen */
    int top = 0, bot = L->rows;
    if (!L->too_small && h <= L->body.h) {
        top = L->body.y;
        bot = L->body.y + L->body.h;
    }
    if (y < 0)
        y = top + (bot - top - h) / 2;
    if (y + h > bot)
        y = bot - h;
    if (y < top)
        y = top;
    int x = (L->cols - w) / 2;
    r.x = settle(L, x, w, 0, L->cols, 1);
    r.y = settle(L, y, h, top, bot, 0);
    r.w = w;
    r.h = h;
    return r;
}

/* Columns of s's first `bytes` bytes: continuation bytes take none. */
static int cols_of(const char *s, size_t bytes)
{
    int c = 0;
    for (size_t i = 0; i < bytes && s[i]; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* The bytes of s that fill at most `width` columns. */
static size_t bytes_in(const char *s, int width)
{
    size_t i = 0;
    int c = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (c == width)
                break;
            c++;
        }
        i++;
    }
    return i;
}

int layout_fit(const char *text, int width, const char *ell, char *out, size_t n)
{
    if (n == 0)
        return 0;
    out[0] = 0;
    if (width <= 0)
        return 0;
    size_t len = strlen(text);
    int all = cols_of(text, len);
    if (all <= width) {
        snprintf(out, n, "%s", text);
        return all;
    }
    int ew = cols_of(ell, strlen(ell));
    size_t room = width > ew + 1 ? bytes_in(text, width - ew - 1) : 0;   /* " " + ell after */
    /* back to the last space at or before room: text[room] is the first
     * byte left out, so a cut at a space keeps whole words */
    size_t cut = room;
    while (cut > 0 && text[cut] != ' ')
        cut--;
    while (cut > 0 && text[cut - 1] == ' ')
        cut--;   /* no trailing blank before the ellipsis */
    if (cut == 0) {   /* one word longer than the line: nothing whole to keep */
        snprintf(out, n, "%s", width >= ew ? ell : "");
        return width >= ew ? ew : 0;
    }
    snprintf(out, n, "%.*s %s", (int)cut, text, ell);
    return cols_of(out, strlen(out));
}

size_t layout_wrap(const char *text, int width, const char **next)
{
    size_t len = strlen(text);
    if (width < 1)
        width = 1;
    size_t fit = bytes_in(text, width), end = fit;
    if (fit < len) {   /* cut at the last space within the line, if any */
        size_t sp = fit;
        while (sp > 0 && text[sp] != ' ')
            sp--;
        if (sp > 0)
            end = sp;
    }
    size_t line = end;
    while (line > 0 && text[line - 1] == ' ')
        line--;
    while (text[end] == ' ')
        end++;
    if (next)
        *next = text + end;
    return line;
}
