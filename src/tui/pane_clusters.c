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

int view_query_reason(const session_snapshot *s, char *buf, size_t n)
{
    const report_query *q = &s->query;
    buf[0] = 0;
    if (q->n_failed == 0 || q->n_outside == 0)
        return 0;
    char many[48] = "";
    if (q->n_outside > 1)
        snprintf(many, sizeof many, "%zu of them; the first: ", q->n_outside);
    int out_raw = !(q->outside_raw >= s->x_lo && q->outside_raw <= s->x_hi);
    if (out_raw && isfinite(q->outside_x) && fabs(q->outside_x - q->outside_raw) > 1e-4 * (1 + fabs(q->outside_x)))
        snprintf(buf, n, "%sG's answer %.4f lies outside the domain [%g, %g] (f's root there: %.4f)", many,
                 q->outside_raw, s->x_lo, s->x_hi, q->outside_x);
    else if (out_raw)
        snprintf(buf, n, "%sG's answer %.4f lies outside the domain [%g, %g]", many, q->outside_raw, s->x_lo,
                 s->x_hi);
    else
        snprintf(buf, n, "%sG's answer %.4f polishes to %.4f, outside the domain [%g, %g]", many, q->outside_raw,
                 q->outside_x, s->x_lo, s->x_hi);
    return 1;
}

/* The query table's columns, dropped from the right when the pane is too
 * narrow (as the cluster table's): widths with the two leading spaces. */
#define Q_X 16       /* number, x */
#define Q_COL 10     /* residual, raw residual, distance to the scan's root */
#define Q_BR 5

static void query_rows(WINDOW *w, int *y, const tui_view *v)
{
    const report_query *q = &v->snap->query;
    char line[160];
    size_t nr = q->n_roots > REPORT_MAX_ROOTS ? REPORT_MAX_ROOTS : q->n_roots;
    size_t nref = q->n_ref > REPORT_MAX_ROOTS ? REPORT_MAX_ROOTS : q->n_ref;
    int room = getmaxx(w) - 4;
    int res = room >= Q_X + Q_COL, raw = room >= Q_X + 2 * Q_COL, br = room >= Q_X + 2 * Q_COL + Q_BR,
        scan = room >= Q_X + 3 * Q_COL + Q_BR;
    snprintf(line, sizeof line, "y* = %g: %zu root%s (scan %zu), %zu candidates, %zu failed", q->y, nr,
             nr == 1 ? "" : "s", nref, q->n_candidates, q->n_failed);
    plot_row(w, y, A_BOLD, line);
    /* a failure with a reason says it at once: a user sees 0 roots and
     * must know whether G, the polish or the domain is at fault */
    char why[200], text[220];
    if (view_query_reason(v->snap, why, sizeof why)) {
        snprintf(text, sizeof text, "failed: %s", why);
        plot_text(w, y, term_role_attr(v->caps, ROLE_ERROR), text);
    }
    snprintf(line, sizeof line, " #             x%s%s%s%s", res ? "  residual" : "", raw ? "   raw res" : "",
             br ? "  br " : "", scan ? "   vs scan" : "");
    plot_row(w, y, term_role_attr(v->caps, ROLE_DIM), line);
    for (size_t i = 0; i < nr; i++) {
        const report_root *r = &q->roots[i];
        int n = snprintf(line, sizeof line, "%2zu  %12.8f", i + 1, r->x);
        if (res)
            n += snprintf(line + n, sizeof line - (size_t)n, "  %8.1e", r->residual);
        if (raw)
            n += snprintf(line + n, sizeof line - (size_t)n, "  %8.1e", r->residual_raw);
        if (br)
            n += snprintf(line + n, sizeof line - (size_t)n, "  %-3s", r->bracketed ? "yes" : "no");
        if (scan)   /* how far from the classical scan's nearest root */
            snprintf(line + n, sizeof line - (size_t)n, "  %8.1e", fabs(r->x - nearest(q->ref, nref, r->x)));
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

/* The cluster table's columns: those a pane cannot hold are dropped from
 * the right (the CI, then mean|f|, then residual and bracket), never cut
 * mid-number. Widths include the two spaces before each column. */
#define CL_ROOT 30   /* id, count, centroid, root */
#define CL_RES 14    /* residual, bracketed */
#define CL_MEAN 10
#define CL_CI 22

static void cluster_rows(WINDOW *w, int *y, const tui_view *v)
{
    const report_latent *r = &v->snap->report;
    char line[200];
    int room = getmaxx(w) - 4;
    int res = room >= CL_ROOT + CL_RES, mean = res && room >= CL_ROOT + CL_RES + CL_MEAN,
        ci = mean && room >= CL_ROOT + CL_RES + CL_MEAN + CL_CI;
    snprintf(line, sizeof line, "clusters at y* = %g: k = %zu, mae %.2g, rmse %.2g", r->y, r->k, r->mae, r->rmse);
    plot_row(w, y, A_BOLD, line);
    snprintf(line, sizeof line, "id count  centroid         root%s%s%s", res ? "  residual  br" : "",
             mean ? "   mean|f|" : "", ci ? "   95% CI of mean|f|" : "");
    plot_row(w, y, term_role_attr(v->caps, ROLE_DIM), line);
    size_t k = r->k > REPORT_MAX_K ? REPORT_MAX_K : r->k;
    for (size_t i = 0; i < k; i++) {
        const report_cluster *c = &r->c[i];
        int n = snprintf(line, sizeof line, "%2zu %4zu  %8.4f  ", i, c->count, c->centroid);
        if (c->polished)
            n += snprintf(line + n, sizeof line - (size_t)n, "%11.7f", c->root.x);
        else
            n += snprintf(line + n, sizeof line - (size_t)n, "%11s", "-");
        if (res && c->polished)
            n += snprintf(line + n, sizeof line - (size_t)n, "  %8.1e  %-3s", c->root.residual,
                          c->root.bracketed ? "yes" : "no");
        else if (res)
            n += snprintf(line + n, sizeof line - (size_t)n, "  %8s  %-3s", "-", "-");
        if (mean)
            n += snprintf(line + n, sizeof line - (size_t)n, "  %8.2e", c->mean_abs_f);
        if (ci)
            snprintf(line + n, sizeof line - (size_t)n, "  [%.2e, %.2e]", c->ci_lo, c->ci_hi);
        plot_row(w, y, term_series(v->caps, (int)(i % SERIES_N_CURVES)), line);
    }
    /* a "-" root says nothing of why: G's answers there lie off the domain */
    char ids[64] = "";
    size_t n_out = 0, at = 0;
    for (size_t i = 0; i < k; i++) {
        const report_cluster *c = &r->c[i];
        if (!c->polished && !(c->centroid >= v->snap->x_lo && c->centroid <= v->snap->x_hi) &&
            at + 8 < sizeof ids) {
            at += (size_t)snprintf(ids + at, sizeof ids - at, "%s%zu", n_out ? ", " : "", i);
            n_out++;
        }
    }
    if (n_out) {
        char text[200];
        snprintf(text, sizeof text, "no root for cluster%s %s: %s outside the domain [%g, %g]", n_out > 1 ? "s" : "",
                 ids, n_out > 1 ? "their centroids lie" : "its centroid lies", v->snap->x_lo, v->snap->x_hi);
        plot_text(w, y, term_role_attr(v->caps, ROLE_ERROR), text);
    }
}

static void draw(pane *p, WINDOW *w, const tui_view *v)
{
    if (view_delegate(p, w, v, &pane_vector_table_ops, &pane_data_segments_ops))   /* a vector or table problem: its own view */
        return;
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
