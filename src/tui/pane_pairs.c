/* pane_pairs.c: a vector problem's samples at y* as a pair plot, in the latent
 * pane's place: x_i against x_j, each sample in its family's colour (the
 * families table's), each variable's marginal on the diagonal. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "innx/report_vector.h"
#include "innx/stats.h"
#include "pairs.h"
#include "plot.h"
#include "view.h"

#define MARGIN 4        /* the rows' names left of the grid: "x12 " */
#define TICK_LEN 7      /* a range label: 6 characters at most (canvas_tick_labels' n) */

static int family_series(unsigned char label)
{
    return label == REPORT_VECTOR_NO_FAMILY ? SERIES_RULE : label % SERIES_N_CURVES;
}

/* Each variable's axis: its samples' 2nd..98th percentiles (a stray sample
 * of a young flow does not squash the rest), padded. */
static void axes(const session_vector_view *d, size_t N, canvas_axis *ax)
{
    double col[SESSION_VECTOR_N];
    for (size_t j = 0; j < d->n && j < PROBLEM_MAX_X; j++) {
        for (size_t i = 0; i < N; i++)
            col[i] = d->x[i][j];
        double lo, hi;
        stats_view_range(col, N, d->q50[j], &lo, &hi);
        double pad = (hi - lo) * 0.05;
        ax[j] = (canvas_axis){lo - pad, hi + pad, 0};
        canvas_axis_fix(&ax[j]);
    }
}

/* The canvas over the grid (w x h cells), cleared, in the terminal's mode. */
static int grid_canvas(canvas *cv, const term_caps *c, int w, int h)
{
    if (cv->w != w || cv->h != h || cv->ascii != c->ascii_plots) {
        cv->ascii = c->ascii_plots;
        return canvas_resize(cv, w, h);
    }
    canvas_clear(cv);
    return 0;
}

/* Dots of a grid cell: its left and top dot, width and height. A dot row is
 * left blank at the top so that two rows of cells do not run together. */
typedef struct { int x, y, w, h; } dots;

static dots cell_dots(const pairs_page *pg, int r, int c)
{
    return (dots){2 * pairs_cell_x(pg, c), 4 * pairs_cell_y(pg, r) + 1, 2 * pg->cell_w, 4 * pg->cell_h - 1};
}

static void scatter(canvas *cv, const session_vector_view *d, size_t N, const canvas_axis *ax, int a, int b,
                    dots r)
{
    for (size_t i = 0; i < N; i++) {
        double fx = canvas_axis_frac(&ax[a], d->x[i][a]), fy = canvas_axis_frac(&ax[b], d->x[i][b]);
        if (!(fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1))
            continue;   /* outside the percentiles' view (or NaN) */
        canvas_dot(cv, r.x + (int)lround(fx * (r.w - 1)), r.y + (int)lround((1 - fy) * (r.h - 1)),
                   family_series(d->label[i]));
    }
}

/* The marginal of variable a: one bar a dot column (a character column in
 * ASCII, where a cell is one glyph), as tall as its count over the tallest. */
static void histogram(canvas *cv, const session_vector_view *d, size_t N, const canvas_axis *ax, int a, dots r)
{
    int step = cv->ascii ? 2 : 1, bins = r.w / step;
    int count[2 * 256] = {0}, top = 0;
    if (bins <= 0)
        return;
    bins = bins > 512 ? 512 : bins;
    for (size_t i = 0; i < N; i++) {
        double f = canvas_axis_frac(&ax[a], d->x[i][a]);
        if (f >= 0 && f <= 1) {
            int b = (int)(f * bins);
            b = b >= bins ? bins - 1 : b;
            if (++count[b] > top)
                top = count[b];
        }
    }
    for (int b = 0; b < bins && top > 0; b++) {
        if (!count[b])
            continue;
        int hgt = (int)lround((double)count[b] / top * r.h);
        hgt = hgt < 1 ? 1 : hgt;
        for (int s = 0; s < step; s++)
            canvas_line(cv, r.x + b * step + s, r.y + r.h - 1, r.x + b * step + s, r.y + r.h - hgt, SERIES_REF);
    }
}

/* Under column c: its variable's range as whole tick labels where they are
 * drawn, and its name between them when there is room. */
static void column_labels(WINDOW *w, const term_caps *caps, const pairs_page *pg, const canvas_axis *ax, int c,
                          int row, int left)
{
    double t[16];
    char labs[16][16];
    int x0 = left + pairs_cell_x(pg, c), cw = pg->cell_w, var = pg->var[c];
    /* asked for more than fit: the nice steps leave fewer inside the range
     * (one "0" alone said nothing of it), and an overlapping one is dropped */
    size_t max = (size_t)(cw / 3 > 1 ? cw / 3 : 1);
    size_t n = canvas_tick_labels(&ax[var], max > 5 ? 5 : max, TICK_LEN, t, labs);
    char used[256] = {0};
    attr_t dim = term_role_attr(caps, ROLE_DIM);
    wattron(w, dim);
    int end = 0;
    for (size_t i = 0; i < n; i++) {
        int len = (int)strlen(labs[i]);
        int at = (int)lround(canvas_axis_frac(&ax[var], t[i]) * (2 * cw - 1)) / 2 - len / 2;
        at = at < 0 ? 0 : at + len > cw ? cw - len : at;
        if (at < end || at < 0 || at + len >= (int)sizeof used)
            continue;   /* labels never overlap */
        mvwaddstr(w, row, x0 + at, labs[i]);
        memset(used + at, 1, (size_t)len);
        end = at + len + 1;
    }
    wattroff(w, dim);
    char name[16];
    int len = snprintf(name, sizeof name, "x%d", var + 1), at = (cw - len) / 2, room = 1;
    for (int i = at - 1; i <= at + len && i < cw; i++)
        room &= i < 0 || i >= (int)sizeof used || !used[i];
    if (room && at >= 0)
        mvwaddstr(w, row, x0 + at, name);
}

/* What the upper triangle has room for: the samples' counts, in whole lines. */
static void notes(WINDOW *w, const session_vector_view *d, const pairs_page *pg, int top, int left, int gw)
{
    char line[3][96];
    int n = 0;
    snprintf(line[n++], sizeof line[0], "%zu samples, step %ld", d->samples, d->step);
    if (d->random)
        snprintf(line[n++], sizeof line[0], "a posterior (simulator)");
    else
        snprintf(line[n++], sizeof line[0], "certified %zu of %zu", d->n_certified, d->samples);
    snprintf(line[n++], sizeof line[0], "%zu famil%s", d->k, d->k == 1 ? "y" : "ies");
    int y = 0;
    for (int i = 0; i < n; i++, y++) {
        int r = y / pg->cell_h;   /* the cells' row this text line lies in */
        if (r + 1 >= pg->k)
            return;
        int x = pairs_cell_x(pg, r + 1) + 1, len = (int)strlen(line[i]);
        if (x + len <= gw)
            mvwaddstr(w, top + y, left + x, line[i]);
    }
}

/* Not even a 2 x 2 grid fits (or x has one component): one plot with its
 * ticks, as the other panes draw theirs. */
static void single(pane *p, WINDOW *w, const tui_view *v, const pairs_page *pg, const canvas_axis *ax, size_t N)
{
    const session_vector_view *d = &v->snap->vec;
    plot_box b;
    if (plot_fit(w, &p->cv, v->caps, 1, &b))
        return;
    char txt[64];
    wmove(w, 1, 2);
    if (pg->k == 1) {
        canvas_axis ay = {0, 1, 0};
        canvas_set_axes(&p->cv, &ax[0], &ay);
        histogram(&p->cv, d, N, ax, 0, (dots){0, 0, p->cv.dw, p->cv.dh});
        plot_legend(w, v->caps, SERIES_REF, "x1, its histogram");
        plot_canvas(w, v->caps, &p->cv, &b);
        plot_ticks(w, v->caps, &p->cv, &b);   /* the y labels: the count's share of the tallest bar */
        return;
    }
    int a = pg->var[0], c = pg->var[1];
    canvas_set_axes(&p->cv, &ax[a], &ax[c]);
    scatter(&p->cv, d, N, ax, a, c, (dots){0, 0, p->cv.dw, p->cv.dh});
    snprintf(txt, sizeof txt, "x%d against x%d", c + 1, a + 1);
    plot_legend(w, v->caps, SERIES_RULE, txt);
    if (pg->pages > 1) {
        snprintf(txt, sizeof txt, "%d/%d < >", pg->page + 1, pg->pages);
        plot_legend(w, v->caps, SERIES_RULE, txt);
    }
    plot_canvas(w, v->caps, &p->cv, &b);
    plot_ticks(w, v->caps, &p->cv, &b);
}

static void draw(pane *p, WINDOW *w, const tui_view *v)
{
    const session_vector_view *d = &v->snap->vec;
    char title[128], ys[96];
    if (v->snap->has_vector) {
        plot_vector_text(ys, sizeof ys, "", d->ystar, d->m);
        snprintf(title, sizeof title, "2 pair plot of x at y* %s", ys);
        if ((int)strlen(title) > getmaxx(w) - 6)   /* y* whole or not at all: the other panes say it too */
            snprintf(title, sizeof title, "2 pair plot of x");
    } else {
        snprintf(title, sizeof title, "2 pair plot of x at y*");
    }
    term_box(w, v->caps, title, 0);
    if (!v->snap->has_vector) {
        plot_note(w, v->caps, "the samples at y* show within a second");
        return;
    }
    size_t N = d->samples < SESSION_VECTOR_N ? d->samples : SESSION_VECTOR_N;
    canvas_axis ax[PROBLEM_MAX_X];
    axes(d, N, ax);
    int W = getmaxx(w), H = getmaxy(w);
    int gw = W - 2 - MARGIN, gh = H - 2 - 2;   /* under the legend, over the range labels */
    pairs_page pg;
    pairs_plan((int)d->n, gw, gh, v->pair_page, &pg);
    if (pg.single) {
        single(p, w, v, &pg, ax, N);
        return;
    }
    if (pg.k < 2 || grid_canvas(&p->cv, v->caps, gw, gh))
        return;
    /* the legend: each family's colour and count, then the page */
    wmove(w, 1, 2);
    char txt[64];
    if (pg.pages > 1) {
        snprintf(txt, sizeof txt, "pairs %d/%d < >", pg.page + 1, pg.pages);
        plot_legend(w, v->caps, SERIES_RULE, txt);
    }
    for (size_t c = 0; c < d->k && c < 16; c++) {
        snprintf(txt, sizeof txt, "%zu: %zu", c + 1, d->count[c]);
        if (plot_legend(w, v->caps, (int)(c % SERIES_N_CURVES), txt))
            break;
    }
    for (int r = 0; r < pg.k; r++)
        for (int c = 0; c <= r; c++) {
            dots cell = cell_dots(&pg, r, c);
            if (r == c)
                histogram(&p->cv, d, N, ax, pg.var[c], cell);
            else
                scatter(&p->cv, d, N, ax, pg.var[c], pg.var[r], cell);
        }
    plot_box b = {2, 1 + MARGIN, gh, gw};
    plot_canvas(w, v->caps, &p->cv, &b);
    attr_t dim = term_role_attr(v->caps, ROLE_DIM);
    for (int r = 0; r < pg.k; r++) {   /* each row's variable, left of it */
        char name[16];
        snprintf(name, sizeof name, "x%d", pg.var[r] + 1);
        mvwaddstr(w, 2 + pairs_cell_y(&pg, r) + pg.cell_h / 2, 1, name);
    }
    for (int c = 0; c < pg.k; c++)
        column_labels(w, v->caps, &pg, ax, c, 2 + pg.k * pg.cell_h, 1 + MARGIN);
    wattron(w, dim);
    notes(w, d, &pg, 2, 1 + MARGIN, gw);
    wattroff(w, dim);
}

const pane_ops pane_vector_pairs_ops = {"pairs", draw};
