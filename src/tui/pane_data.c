/* pane_data.c: what a table problem (spend) shows where a formula's panes
 * would be: predicted against real traits, the PCA scatter of both
 * segmentations, and the segment profiles, from the snapshot's data view. */
#include <math.h>
#include <stdio.h>

#include "plot.h"
#include "view.h"

/* A figure for a title: the number, or a dash while it is not known yet
 * (the forward stage has no G to score; PCA of one trait has no PC2). */
static const char *known(char *buf, size_t n, const char *fmt, double v, const term_caps *c)
{
    if (isfinite(v))
        snprintf(buf, n, fmt, v);
    else
        snprintf(buf, n, "%s", c->utf8 ? "\u2014" : "-");
    return buf;
}

static int waiting(pane *p, WINDOW *w, const tui_view *v, const char *title, plot_box *b)
{
    term_box(w, v->caps, title, 0);
    if (plot_fit(w, &p->cv, v->caps, 1, b))
        return 1;
    if (!v->snap->has_data) {
        plot_note(w, v->caps, v->snap->stage == 0 ? "the forward fit comes first: G's traits show after it"
                                                  : "the data view shows within a second");
        return 1;
    }
    return 0;
}

static void span(canvas_axis *a, float v)
{
    if (isfinite(v)) {
        a->lo = fmin(a->lo, v);
        a->hi = fmax(a->hi, v);
    }
}

/* Every trait, scaled to its real range, predicted (up) against real
 * (across): on the diagonal when G recovers it; one series per trait. */
static void draw_traits(pane *p, WINDOW *w, const tui_view *v)
{
    const session_data_view *d = &v->snap->data;
    char title[96], a[32];
    snprintf(title, sizeof title, "2 predicted vs real traits (test part, RMSE %s)",
             known(a, sizeof a, "%.3g", v->snap->has_data ? d->inverse_rmse : NAN, v->caps));
    plot_box b;
    if (waiting(p, w, v, title, &b))
        return;
    canvas_axis ax = {0, 1, 0}, ay = {0, 1, 0};
    canvas_set_axes(&p->cv, &ax, &ay);
    canvas_segment(&p->cv, 0, 0, 1, 1, SERIES_RULE);
    for (size_t j = 0; j < d->d; j++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < d->n; i++) {
            lo = fmin(lo, d->real[i][j]);
            hi = fmax(hi, d->real[i][j]);
        }
        double s = hi > lo ? hi - lo : 1;
        for (size_t i = 0; i < d->n; i++)
            canvas_point(&p->cv, (d->real[i][j] - lo) / s, (d->pred[i][j] - lo) / s,
                         (int)(j % SERIES_N_CURVES));
    }
    wmove(w, 1, 2);
    for (size_t j = 0; j < d->d; j++)
        if (plot_legend(w, v->caps, (int)(j % SERIES_N_CURVES), d->names[j]))
            break;
    plot_canvas(w, v->caps, &p->cv, &b);
    plot_ticks(w, v->caps, &p->cv, &b);
}

/* The real traits' first two principal components: the predicted traits
 * coloured by their segment, and the real ones by theirs (dim). */
static void draw_pca(pane *p, WINDOW *w, const tui_view *v)
{
    const session_data_view *d = &v->snap->data;
    char title[96], pc1[32], pc2[32];
    snprintf(title, sizeof title, "3 PCA of the traits (PC1 %s, PC2 %s)",
             known(pc1, sizeof pc1, "%.0f%%", v->snap->has_data ? 100 * d->pca_explained[0] : NAN, v->caps),
             known(pc2, sizeof pc2, "%.0f%%", v->snap->has_data ? 100 * d->pca_explained[1] : NAN, v->caps));
    plot_box b;
    if (waiting(p, w, v, title, &b))
        return;
    canvas_axis ax = {INFINITY, -INFINITY, 0}, ay = {INFINITY, -INFINITY, 0};
    for (size_t i = 0; i < d->n; i++) {
        span(&ax, d->pca_real[i][0]);
        span(&ax, d->pca_pred[i][0]);
        span(&ay, d->pca_real[i][1]);
        span(&ay, d->pca_pred[i][1]);
    }
    canvas_axis_fix(&ax);
    canvas_axis_fix(&ay);
    canvas_set_axes(&p->cv, &ax, &ay);
    for (size_t i = 0; i < d->n; i++)
        canvas_point(&p->cv, d->pca_real[i][0], d->pca_real[i][1], SERIES_RULE);
    for (size_t i = 0; i < d->n; i++)
        canvas_point(&p->cv, d->pca_pred[i][0], d->pca_pred[i][1],
                     (int)(d->label_pred[i] % SERIES_N_CURVES));
    wmove(w, 1, 2);
    char txt[32];
    for (size_t k = 0; k < d->k; k++) {
        snprintf(txt, sizeof txt, "seg %zu", k + 1);
        if (plot_legend(w, v->caps, (int)(k % SERIES_N_CURVES), txt))
            break;
    }
    plot_legend(w, v->caps, SERIES_RULE, "real");
    plot_canvas(w, v->caps, &p->cv, &b);
    plot_ticks(w, v->caps, &p->cv, &b);
}


/* The segment profile table: each predicted segment's size and mean traits
 * beside the real segment paired with it. */
static void draw_segments(pane *p, WINDOW *w, const tui_view *v)
{
    (void)p;
    const session_data_view *d = &v->snap->data;
    term_box(w, v->caps, "4 segments: predicted from y | real", 0);
    int y = 1;
    if (!v->snap->has_data) {
        plot_row(w, &y, term_role_attr(v->caps, ROLE_DIM), "segments show once G is trained on");
        return;
    }
    char line[256];
    char r2[32], rm[32], cy[32];
    snprintf(line, sizeof line, "R^2 of F %s  traits RMSE %s  cycle RMSE %s  (test part, %zu rows)",
             known(r2, sizeof r2, "%.3f", d->r2, v->caps), known(rm, sizeof rm, "%.3f", d->inverse_rmse, v->caps),
             known(cy, sizeof cy, "%.4f", d->cycle_rmse, v->caps), d->n_test);
    plot_row(w, &y, A_BOLD, line);
    int n = snprintf(line, sizeof line, "seg count");
    for (size_t j = 0; j < d->d && n < (int)sizeof line - 12; j++)
        n += snprintf(line + n, sizeof line - (size_t)n, " %10.10s", d->names[j]);
    n += snprintf(line + n, sizeof line - (size_t)n, " | seg count");
    plot_row(w, &y, term_role_attr(v->caps, ROLE_DIM), line);
    for (size_t k = 0; k < d->k; k++) {
        size_t m = d->match[k] < REPORT_MAX_K ? d->match[k] : 0;
        n = snprintf(line, sizeof line, "%3zu %5zu", k + 1, d->count_pred[k]);
        for (size_t j = 0; j < d->d && n < (int)sizeof line - 12; j++)
            n += snprintf(line + n, sizeof line - (size_t)n, " %10.2f", d->seg_pred[k][j]);
        n += snprintf(line + n, sizeof line - (size_t)n, " | %3zu %5zu", m + 1, d->count_real[m]);
        for (size_t j = 0; j < d->d && n < (int)sizeof line - 12; j++)
            n += snprintf(line + n, sizeof line - (size_t)n, " %10.2f", d->seg_real[m][j]);
        plot_row(w, &y, term_series(v->caps, (int)(k % SERIES_N_CURVES)), line);
    }
    snprintf(line, sizeof line, "silhouette: predicted %s, real %s",
             known(r2, sizeof r2, "%.3f", d->silhouette_pred, v->caps),
             known(rm, sizeof rm, "%.3f", d->silhouette_real, v->caps));
    plot_row(w, &y, 0, line);
}

const pane_ops pane_data_traits_ops = {"traits", draw_traits};
const pane_ops pane_data_pca_ops = {"pca", draw_pca};
const pane_ops pane_data_segments_ops = {"segments", draw_segments};
