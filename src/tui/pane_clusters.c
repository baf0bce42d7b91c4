/* pane_clusters.c: the last root query (certified roots, residuals, the scan's
 * beside them) and the table of G's answer clusters, with polished roots and CIs. */
#include <math.h>
#include <stdio.h>

#include "plot.h"
#include "view.h"


/* The scan's root nearest x: how far G's root is from the reference. */
static double nearest(const double *ref, size_t n, double x)
{
    double best = NAN;
    for (size_t i = 0; i < n; i++)
        if (isnan(best) || fabs(ref[i] - x) < fabs(best - x))
            best = ref[i];
    return best;
}

static void query_rows(WINDOW *w, int *y, const tui_view *v)
{
    const report_query *q = &v->snap->query;
    char line[160];
    size_t nr = q->n_roots > REPORT_MAX_ROOTS ? REPORT_MAX_ROOTS : q->n_roots;
    size_t nref = q->n_ref > REPORT_MAX_ROOTS ? REPORT_MAX_ROOTS : q->n_ref;
    snprintf(line, sizeof line, "y* = %g: %zu root%s from %zu candidates (%zu failed); scan: %zu",
             q->y, nr, nr == 1 ? "" : "s", q->n_candidates, q->n_failed, nref);
    plot_row(w, y, A_BOLD, line);
    plot_row(w, y, term_role_attr(v->caps, ROLE_DIM),
        "       x            residual  raw res   bracket  scan's");
    for (size_t i = 0; i < nr; i++) {
        const report_root *r = &q->roots[i];
        snprintf(line, sizeof line, "%2zu  %12.8f  %8.1e  %8.1e  %-7s  %.8f", i + 1, r->x,
                 r->residual, r->residual_raw, r->bracketed ? "yes" : "no",
                 nearest(q->ref, nref, r->x));
        plot_row(w, y, term_series(v->caps, 2), line);
    }
    /* the scan's roots G did not lead to: what a user most needs to see */
    for (size_t i = 0; i < nref; i++) {
        int found = 0;
        for (size_t j = 0; j < nr; j++)
            found |= fabs(q->roots[j].x - q->ref[i]) <= 1e-6 * (1 + fabs(q->ref[i]));
        if (!found) {
            snprintf(line, sizeof line, "    missed: the scan has x = %.8f", q->ref[i]);
            plot_row(w, y, term_role_attr(v->caps, ROLE_ERROR), line);
        }
    }
    (*y)++;
}

static void cluster_rows(WINDOW *w, int *y, const tui_view *v)
{
    const report_latent *r = &v->snap->report;
    char line[200];
    snprintf(line, sizeof line, "clusters of G's answers at y* = %g (k = %zu, mae %.2g, rmse %.2g)",
             r->y, r->k, r->mae, r->rmse);
    plot_row(w, y, A_BOLD, line);
    plot_row(w, y, term_role_attr(v->caps, ROLE_DIM),
        "id count  centroid      root        residual  br   mean|f|   95% CI");
    size_t k = r->k > REPORT_MAX_K ? REPORT_MAX_K : r->k;
    for (size_t i = 0; i < k; i++) {
        const report_cluster *c = &r->c[i];
        char root[40];
        if (c->polished)
            snprintf(root, sizeof root, "%12.8f  %8.1e  %-3s", c->root.x, c->root.residual,
                     c->root.bracketed ? "yes" : "no");
        else
            snprintf(root, sizeof root, "%12s  %8s  %-3s", "-", "-", "-");
        snprintf(line, sizeof line, "%2zu %5zu  %9.5f  %s  %8.2e  [%.2e, %.2e]", i, c->count,
                 c->centroid, root, c->mean_abs_f, c->ci_lo, c->ci_hi);
        plot_row(w, y, term_series(v->caps, (int)(i % SERIES_N_CURVES)), line);
    }
}

static void draw(pane *p, WINDOW *w, const tui_view *v)
{
    if (v->snap->has_data || !v->snap->has_formula) {   /* a table problem: its own view */
        pane_data_segments_ops.draw(p, w, v);
        return;
    }
    (void)p;
    term_box(w, v->caps, "4 clusters and roots", 0);
    int y = 1;
    if (view_has_query(v->snap))
        query_rows(w, &y, v);
    if (v->snap->has_report)
        cluster_rows(w, &y, v);
    else if (!view_has_query(v->snap))
        plot_note(w, v->caps, v->snap->has_formula ? "press y to ask for the roots of any y*"
                                                   : "no cluster table for a data problem yet");
}

const pane_ops pane_clusters_ops = {"clusters", draw};
