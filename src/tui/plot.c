/* plot.c: puts canvases on screen. Tick labels come from the canvas's own
 * mapping, so a label sits on the row or column its value is drawn at. */
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "plot.h"

int plot_fit(WINDOW *w, canvas *cv, const term_caps *c, int legend, plot_box *b)
{
    int H = getmaxy(w), W = getmaxx(w);
    b->top = 1 + legend;
    b->left = 1 + PLOT_LABEL_W;
    b->h = H - 2 - legend - 1;   /* the last inner row holds x labels */
    b->w = W - 2 - PLOT_LABEL_W;
    if (b->h < 1 || b->w < 4)
        return -1;
    int ascii = c->ascii_plots;
    if (cv->w != b->w || cv->h != b->h || cv->ascii != ascii) {
        cv->ascii = ascii;
        if (canvas_resize(cv, b->w, b->h))
            return -1;
    } else {
        canvas_clear(cv);
    }
    return 0;
}

void plot_canvas(WINDOW *w, const term_caps *c, const canvas *cv, const plot_box *b)
{
    char s[8];
    for (int y = 0; y < cv->h; y++)
        for (int x = 0; x < cv->w; x++) {
            int series = canvas_cell(cv, x, y, s);
            if (series < 0)
                continue;   /* the window was erased: blanks cost nothing */
            attr_t a = term_series(c, series);
            wattron(w, a);
            mvwaddstr(w, b->top + y, b->left + x, s);
            wattroff(w, a);
        }
}

void plot_ticks(WINDOW *w, const term_caps *c, const canvas *cv, const plot_box *b)
{
    double t[16];
    char labs[16][16];
    attr_t dim = term_role_attr(c, ROLE_DIM);
    wattron(w, dim);
    size_t max = (size_t)(b->h / 2 + 1);
    /* labels whole and distinct (canvas_tick_labels), or fewer of them */
    size_t n = canvas_tick_labels(&cv->y, max > 6 ? 6 : max, PLOT_LABEL_W, t, labs);
    int last = -2;
    for (size_t i = 0; i < n; i++) {
        int row = canvas_map_y(cv, t[i]) / 4;
        if (row < 0 || row >= b->h || row == last)
            continue;
        last = row;
        mvwprintw(w, b->top + row, 1, "%*s", PLOT_LABEL_W - 1, labs[i]);
        mvwaddch(w, b->top + row, PLOT_LABEL_W, c->utf8 ? ' ' : '-');
    }
    max = (size_t)(b->w / 10);
    n = canvas_tick_labels(&cv->x, max > 8 ? 8 : max ? max : 1, 16, t, labs);
    int end = 0;
    for (size_t i = 0; i < n; i++) {
        int col = canvas_map_x(cv, t[i]) / 2;
        const char *lab = labs[i];
        int len = (int)strlen(lab), at = col - len / 2;
        if (at < 0)
            at = 0;
        if (at + len > b->w)
            at = b->w - len;
        if (col < 0 || col >= b->w || at < end || at < 0)
            continue;   /* labels never overlap */
        mvwaddstr(w, b->top + b->h, b->left + at, lab);
        end = at + len + 1;
    }
    wattroff(w, dim);
}

int plot_legend(WINDOW *w, const term_caps *c, int series, const char *text)
{
    /* curses wraps text at the edge: an entry that does not fit is left out */
    int room = getmaxx(w) - 1 - getcurx(w);
    if ((int)strlen(text) + 2 > room)   /* glyph, space, text; the gap after only if room */
        return -1;
    attr_t a = term_series(c, series);
    wattron(w, a);
    if (c->ascii_plots)
        waddch(w, (chtype)(unsigned char)canvas_ascii_glyph(series));
    else
        waddstr(w, "\u28ff");   /* a full braille cell: the curve's colour */
    waddch(w, ' ');
    waddstr(w, text);
    wattroff(w, a);
    int left = getmaxx(w) - 1 - getcurx(w);
    waddnstr(w, "  ", left < 2 ? (left > 0 ? left : 0) : 2);
    return 0;
}

void plot_note(WINDOW *w, const term_caps *c, const char *text)
{
    int H = getmaxy(w), W = getmaxx(w), len = (int)strlen(text);
    int x = (W - len) / 2;
    attr_t dim = term_role_attr(c, ROLE_DIM);
    wattron(w, dim);
    mvwaddnstr(w, H / 2, x < 1 ? 1 : x, text, W - 2 > 0 ? W - 2 : 0);
    wattroff(w, dim);
}

void plot_row(WINDOW *w, int *y, attr_t a, const char *text)
{
    int H = getmaxy(w), W = getmaxx(w);
    if (*y >= H - 1 || W < 4)
        return;
    wattron(w, a);
    mvwaddnstr(w, *y, 2, text, W - 4);
    wattroff(w, a);
    (*y)++;
}

void plot_text(WINDOW *w, int *y, attr_t a, const char *text)
{
    int H = getmaxy(w), W = getmaxx(w);
    if (W < 8)
        return;
    wattron(w, a);
    /* wrapped at spaces (a number is never cut), the lines after the
     * first indented by two more */
    for (int x = 2; *text && *y < H - 1; x = 4, (*y)++) {
        const char *line = text;
        size_t len = layout_wrap(line, W - 2 - x, &text);
        mvwaddnstr(w, *y, x, line, (int)len);
    }
    wattroff(w, a);
}

void plot_vector_text(char *buf, size_t len, const char *prefix, const double *v, size_t m)
{
    int n = snprintf(buf, len, "%s(", prefix);
    for (size_t j = 0; j < m && n > 0 && (size_t)n < len; j++)
        n += snprintf(buf + n, len - (size_t)n, j ? ", %.4g" : "%.4g", v[j]);
    if (n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, ")");
}
