/* pane_vector.c: what a vector problem (x in R^n, y in R^m) shows in the f(x)
 * and clusters places: y-space (y* and F of the samples, raw and polished),
 * and the samples' statistics with their families, from the vector view.
 * The pair plot of x, in the latent place, is pane_pairs.c's. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "innx/stats.h"
#include "plot.h"
#include "view.h"

enum { S_RAW = 1, S_POL = 2 };   /* pane_fx.c's colours: G's raw answers, polished roots */

static int waiting(WINDOW *w, const tui_view *v, const char *title)
{
    term_box(w, v->caps, title, 0);
    if (!v->snap->has_vector) {
        plot_note(w, v->caps, "the samples at y* show within a second");
        return 1;
    }
    return 0;
}

/* Component j's view: F of the raw samples between their 2nd and 98th
 * percentiles with y*_j in it (fx's one home for that), padded. */
static canvas_axis y_axis(const session_vector_view *d, size_t N, size_t j)
{
    double col[SESSION_VECTOR_N];
    for (size_t i = 0; i < N; i++)
        col[i] = d->y_raw[i][j];
    canvas_axis a = {0, 0, 0};
    stats_view_range(col, N, d->ystar[j], &a.lo, &a.hi);
    double pad = (a.hi - a.lo) * 0.08;
    a.lo -= pad;
    a.hi += pad;
    canvas_axis_fix(&a);
    return a;
}

/* m = 1: F(x) of the samples counted over `bins` dot columns of ax; the
 * tallest count. */
#define Y_BINS 512
static int y_counts(const session_vector_view *d, size_t N, const canvas_axis *ax, int bins, int polished,
                    int *count)
{
    int top = 0;
    memset(count, 0, Y_BINS * sizeof *count);
    for (size_t i = 0; i < N && bins > 0; i++) {
        double f = canvas_axis_frac(ax, polished ? d->y_pol[i][0] : d->y_raw[i][0]);
        if (f >= 0 && f <= 1) {
            int k = (int)(f * bins);
            k = k >= bins ? bins - 1 : k;
            top = ++count[k] > top ? count[k] : top;
        }
    }
    return top;
}

/* y-space: y* (dotted rules), F(x) of the raw samples (a simulator's: a
 * re-simulation, so the predictive spread) and of the polished answers,
 * which sit on y* when they are certified. y2 against y1; a histogram of
 * y when m = 1. */
static void draw_y(pane *p, WINDOW *w, const tui_view *v)
{
    const session_vector_view *d = &v->snap->vec;
    char title[96];
    snprintf(title, sizeof title, v->snap->has_vector && d->m == 1 ? "3 y-space: F(x) of the samples"
                                  : v->snap->has_vector && d->m > 2 ? "3 y-space: y2 against y1 of F(x)"
                                                                    : "3 y-space: F(x) of the samples");
    if (waiting(w, v, title))
        return;
    plot_box b;
    if (plot_fit(w, &p->cv, v->caps, 1, &b))
        return;
    if (!d->has_y) {
        plot_note(w, v->caps, "no F to run the samples through");
        return;
    }
    size_t N = d->samples < SESSION_VECTOR_N ? d->samples : SESSION_VECTOR_N;
    int pol = !d->random;
    canvas_axis ax = y_axis(d, N, 0);
    if (d->m == 1) {
        int bins = p->cv.dw > Y_BINS ? Y_BINS : p->cv.dw, raw[Y_BINS], polished[Y_BINS];
        int top = y_counts(d, N, &ax, bins, 0, raw), top_pol = pol ? y_counts(d, N, &ax, bins, 1, polished) : 0;
        top = top_pol > top ? top_pol : top;
        canvas_axis ay = {0, top > 0 ? top : 1, 0};
        canvas_set_axes(&p->cv, &ax, &ay);
        canvas_vline_at(&p->cv, d->ystar[0], 2, SERIES_RULE);
        for (int k = 0; k < bins; k++) {   /* bars from the bottom, a dot column each */
            int bottom = p->cv.dh - 1;
            if (raw[k])
                canvas_line(&p->cv, k, bottom, k, canvas_map_y(&p->cv, raw[k]), S_RAW);
            if (pol && polished[k])
                canvas_line(&p->cv, k, bottom, k, canvas_map_y(&p->cv, polished[k]), S_POL);
        }
    } else {
        canvas_axis ay = y_axis(d, N, 1);
        canvas_set_axes(&p->cv, &ax, &ay);
        canvas_hline_at(&p->cv, d->ystar[1], 2, SERIES_RULE);
        canvas_vline_at(&p->cv, d->ystar[0], 2, SERIES_RULE);
        for (size_t i = 0; i < N; i++)
            canvas_point(&p->cv, d->y_raw[i][0], d->y_raw[i][1], S_RAW);
        for (size_t i = 0; i < N && pol; i++)
            canvas_point(&p->cv, d->y_pol[i][0], d->y_pol[i][1], S_POL);
    }
    char txt[96];
    wmove(w, 1, 2);
    plot_vector_text(txt, sizeof txt, "y* = ", d->ystar, d->m);
    plot_legend(w, v->caps, SERIES_RULE, txt);
    snprintf(txt, sizeof txt, d->random ? "re-simulated (%.2g)" : "raw (%.2g)", d->resim_raw);
    plot_legend(w, v->caps, S_RAW, txt);
    if (pol) {
        snprintf(txt, sizeof txt, "polished (%.2g)", d->resim_polished);
        plot_legend(w, v->caps, S_POL, txt);
    }
    plot_canvas(w, v->caps, &p->cv, &b);
    plot_ticks(w, v->caps, &p->cv, &b);
}

/* Numbers appended while they fit whole in `room` columns: a row never
 * ends in a cut number. Returns the length. */
static int append_fit(char *line, int len, int room, const char *num)
{
    int add = (int)strlen(num);
    if (len + add > room)
        return len;
    memcpy(line + len, num, (size_t)add + 1);
    return len + add;
}

/* The samples' statistics: per component mean, sd and 5/50/95 %
 * quantiles; then the families with their counts, certified share and
 * centre. Columns that do not fit are left out whole, from the right. */
static void draw_table(pane *p, WINDOW *w, const tui_view *v)
{
    (void)p;
    const session_vector_view *d = &v->snap->vec;
    if (waiting(w, v, "4 samples: statistics and families"))
        return;
    char line[512], num[64];
    int y = 1, room = getmaxx(w) - 4;
    room = room > (int)sizeof line - 1 ? (int)sizeof line - 1 : room;
    /* the rows the statistics and families need come first: y* and the
     * residuals are in the other panes too, so they give way on a short
     * pane (80x24) */
    int rows = getmaxy(w) - 2, need = 2 + (int)d->n + 1 + (int)(d->k < 16 ? d->k : 16);
    int len = snprintf(line, sizeof line, "%zu samples", d->samples);
    if (d->random)
        snprintf(num, sizeof num, ", a posterior");
    else
        snprintf(num, sizeof num, ", certified %zu of %zu", d->n_certified, d->samples);
    len = append_fit(line, len, room, num);
    if (d->resampled) {
        snprintf(num, sizeof num, ", resampled from %zu", d->proposals);
        len = append_fit(line, len, room, num);
    }
    snprintf(num, sizeof num, " (step %ld)", d->step);
    append_fit(line, len, room, num);
    plot_row(w, &y, A_BOLD, line);
    if (rows > need) {
        plot_vector_text(line, sizeof line, "y* = ", d->ystar, d->m);
        len = (int)strlen(line);
        snprintf(num, sizeof num,
                 d->random ? ", re-simulated %.2g" : d->resampled ? ", F(x) %.2g resampled" : ", F(x) %.2g raw",
                 d->resim_raw);
        len = append_fit(line, len, room, num);
        snprintf(num, sizeof num, ", %.2g polished", d->resim_polished);
        if (!d->random)
            append_fit(line, len, room, num);
        plot_row(w, &y, 0, line);
    }
    static const char *const head[5] = {"mean", "sd", "5%", "50%", "95%"};
    int cols = (room - 5) / 10;
    cols = cols < 0 ? 0 : cols > 5 ? 5 : cols;
    int o = snprintf(line, sizeof line, "  x  ");
    for (int c = 0; c < cols; c++)
        o += snprintf(line + o, sizeof line - (size_t)o, " %9s", head[c]);
    plot_row(w, &y, term_role_attr(v->caps, ROLE_DIM), line);
    for (size_t j = 0; j < d->n; j++) {
        const double val[5] = {d->mean[j], d->sd[j], d->q05[j], d->q50[j], d->q95[j]};
        o = snprintf(line, sizeof line, "  x%-3zu", j + 1);
        for (int c = 0; c < cols; c++)
            o += snprintf(line + o, sizeof line - (size_t)o, " %9.3g", val[c]);
        plot_row(w, &y, 0, line);
    }
    snprintf(line, sizeof line, "%zu famil%s%s", d->k, d->k == 1 ? "y" : "ies",
             d->random ? "" : ": count, certified, centre");
    plot_row(w, &y, term_role_attr(v->caps, ROLE_DIM), line);
    for (size_t c = 0; c < d->k && c < 16; c++) {
        len = snprintf(line, sizeof line, "%2zu %5zu", c + 1, d->count[c]);
        if (!d->random) {
            snprintf(num, sizeof num, " %4.0f%%",
                     d->count[c] ? 100.0 * (double)d->count_certified[c] / (double)d->count[c] : 0.0);
            len = append_fit(line, len, room, num);
        }
        for (size_t j = 0; j < d->n; j++) {
            snprintf(num, sizeof num, j ? " %.4g" : "  %.4g", d->centroid[c][j]);
            int before = len;
            len = append_fit(line, len, room, num);
            if (len == before)
                break;   /* the next would not fit whole */
        }
        plot_row(w, &y, term_series(v->caps, (int)(c % SERIES_N_CURVES)), line);
    }
}

const pane_ops pane_vector_y_ops = {"y-space", draw_y};
const pane_ops pane_vector_table_ops = {"samples", draw_table};
