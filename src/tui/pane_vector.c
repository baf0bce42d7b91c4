/* pane_vector.c: what a vector problem (x in R^n, y in R^m) shows where the
 * one-variable panes would be: the current samples' statistics, a scatter of
 * x1 against x2, and the families of answers, from the snapshot's vector view. */
#include <math.h>
#include <stdio.h>

#include "plot.h"
#include "view.h"

static int waiting(WINDOW *w, const tui_view *v, const char *title)
{
    term_box(w, v->caps, title, 0);
    if (!v->snap->has_vector) {
        int y = 1;
        plot_row(w, &y, term_role_attr(v->caps, ROLE_DIM), "the samples at y* show within a second");
        return 1;
    }
    return 0;
}

static void ystar_text(char *buf, size_t len, const session_vector_view *d)
{
    int n = snprintf(buf, len, "y* = (");
    for (size_t j = 0; j < d->m && n < (int)len; j++)
        n += snprintf(buf + n, len - (size_t)n, j ? ", %.4g" : "%.4g", d->ystar[j]);
    if (n < (int)len)
        snprintf(buf + n, len - (size_t)n, ")");
}

/* The samples now: per component mean, sd, 5/50/95 % quantiles; how many
 * certified and the re-simulation errors. */
static void draw_samples(pane *p, WINDOW *w, const tui_view *v)
{
    (void)p;
    const session_vector_view *d = &v->snap->vec;
    if (waiting(w, v, "2 samples of x at y*"))
        return;
    char line[256];
    int y = 1;
    ystar_text(line, sizeof line, d);
    plot_row(w, &y, A_BOLD, line);
    snprintf(line, sizeof line, "%zu samples, weights of step %ld", d->samples, d->step);
    plot_row(w, &y, 0, line);
    if (d->random) {
        plot_row(w, &y, 0, "a simulator: a posterior");
        snprintf(line, sizeof line, "resim %.3g (noise in)", d->resim_raw);
    } else
        snprintf(line, sizeof line, "certified %zu of %zu", d->n_certified, d->samples);
    plot_row(w, &y, 0, line);
    if (!d->random) {
        snprintf(line, sizeof line, "resim %.3g raw, %.2g projected", d->resim_raw, d->resim_polished);
        plot_row(w, &y, 0, line);
    }
    /* as many statistics as fit whole, from the left (never a cut number) */
    static const char *const head[5] = {"mean", "sd", "5%", "50%", "95%"};
    int cols = (getmaxx(w) - 2 - 6) / 10;
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
}

/* x1 against x2 of every sample, coloured by nothing but its place: where
 * the answers lie (the pictures' pair plot draws every pair). */
static void draw_pair(pane *p, WINDOW *w, const tui_view *v)
{
    const session_vector_view *d = &v->snap->vec;
    if (waiting(w, v, "3 samples: x2 against x1"))
        return;
    plot_box b;
    if (plot_fit(w, &p->cv, v->caps, 0, &b))
        return;
    canvas_axis ax = {INFINITY, -INFINITY, 0}, ay = {INFINITY, -INFINITY, 0};
    size_t n = d->samples < SESSION_VECTOR_N ? d->samples : SESSION_VECTOR_N;
    for (size_t i = 0; i < n; i++)
        if (isfinite(d->x[i][0]) && isfinite(d->x[i][1])) {
            ax.lo = fmin(ax.lo, d->x[i][0]), ax.hi = fmax(ax.hi, d->x[i][0]);
            ay.lo = fmin(ay.lo, d->x[i][1]), ay.hi = fmax(ay.hi, d->x[i][1]);
        }
    if (!(ax.lo < ax.hi))
        ax.lo -= 1, ax.hi += 1;
    if (!(ay.lo < ay.hi))
        ay.lo -= 1, ay.hi += 1;
    canvas_set_axes(&p->cv, &ax, &ay);
    for (size_t i = 0; i < n; i++)
        canvas_point(&p->cv, d->x[i][0], d->x[i][1], 0);
    plot_canvas(w, v->caps, &p->cv, &b);
    plot_ticks(w, v->caps, &p->cv, &b);
}

/* The families the answers fall into (k-means, k by the silhouette). */
static void draw_families(pane *p, WINDOW *w, const tui_view *v)
{
    (void)p;
    const session_vector_view *d = &v->snap->vec;
    if (waiting(w, v, "4 families of answers"))
        return;
    char line[256];
    int y = 1;
    snprintf(line, sizeof line, "%zu famil%s", d->k, d->k == 1 ? "y" : "ies");
    plot_row(w, &y, A_BOLD, line);
    for (size_t c = 0; c < d->k; c++) {
        int n = snprintf(line, sizeof line, "%2zu %5zu  (", c + 1, d->count[c]);
        for (size_t j = 0; j < d->n && n < (int)sizeof line - 12; j++)
            n += snprintf(line + n, sizeof line - (size_t)n, j ? ", %.4g" : "%.4g", d->centroid[c][j]);
        snprintf(line + n, sizeof line - (size_t)n, ")");
        plot_row(w, &y, term_series(v->caps, (int)(c % SERIES_N_CURVES)), line);
    }
}

const pane_ops pane_vector_samples_ops = {"samples", draw_samples};
const pane_ops pane_vector_pair_ops = {"pair", draw_pair};
const pane_ops pane_vector_families_ops = {"families", draw_families};
