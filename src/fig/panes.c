/* panes.c: each explorer pane as a figure description, from the same
 * snapshot the pane draws from, and the pane's figures written as files. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "innx/expr.h"
#include "innx/figure.h"
#include "innx/stats.h"
#include "innx/safefile.h"
#include "innx/session.h"
#include "panes_impl.h"

static const char *const pane_names[FIGURE_PANE_N] = {"loss", "latent", "fx", "clusters"};

const char *figure_pane_name(int pane)
{
    return pane >= 0 && pane < FIGURE_PANE_N ? pane_names[pane] : "?";
}

static int oom(innx_err *err) { return innx_errf(err, INNX_ENOMEM, "out of memory"); }

/* ---- loss ----------------------------------------------------------------- */

/* A term with a positive value somewhere (the log axis shows only those),
 * as the pane decides; the total always. */
static int term_shown(const session_snapshot *s, int k, size_t n, int log)
{
    if (k == TERM_N)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (isfinite(s->hist[k][i]) && (log ? s->hist[k][i] > 0 : s->hist[k][i] != 0))
            return 1;
    return 0;
}

static int fig_loss(const session_snapshot *s, figure *f, innx_err *err)
{
    size_t n = s->hist_n > SESSION_HIST_MAX ? SESSION_HIST_MAX : s->hist_n;
    if (n == 0)
        return innx_errf(err, INNX_EINVAL, "no loss history yet");
    snprintf(f->title, sizeof f->title, "%s: loss terms (unweighted) and total, step %ld", s->problem, s->step);
    snprintf(f->x.label, sizeof f->x.label, "step");
    snprintf(f->y.label, sizeof f->y.label, "loss");
    /* a loss below 0 (a flow's nll) has no log axis: linear, as the pane */
    f->y.log = 1;
    for (size_t i = 0; i < n && f->y.log; i++)
        f->y.log = !(isfinite(s->hist[TERM_N][i]) && s->hist[TERM_N][i] <= 0);
    double x[SESSION_HIST_MAX], y[SESSION_HIST_MAX];
    for (size_t i = 0; i < n; i++)
        x[i] = (double)s->hist_step[i];
    for (size_t i = 0; i < s->n_marks && i < SESSION_MAX_MARKS; i++)
        if (!figure_add_mark(f, FIGURE_VLINE, (double)s->mark_step[i], NAN, FIGURE_MARK, "\u03bb changed"))
            return oom(err);
    /* the total last, so that it is on top where curves cross (as in the
     * pane); each term in its pane colour */
    for (int k = 0; k <= TERM_N; k++) {
        if (!term_shown(s, k, n, f->y.log))
            continue;
        for (size_t i = 0; i < n; i++)
            y[i] = s->hist[k][i];
        char label[64];
        double cur = k == TERM_N ? s->loss : s->term[k];
        const char *name = k == TERM_N ? "total" : problem_term_name((problem_term)k);
        if (isfinite(cur))
            snprintf(label, sizeof label, "%s %.3g", name, cur);
        else   /* an earlier stage's term: its curve stays */
            snprintf(label, sizeof label, "%s", name);
        figure_series *se = figure_add_series(f, FIGURE_LINE, k == TERM_N ? FIGURE_TOTAL : k % FIGURE_N_CURVES, label,
                                              x, y, n);
        if (!se)
            return oom(err);
        se->size = k == TERM_N ? 2.2 : 1.6;
        /* the pane's legend order: the total, then terms by their share
         * of it (lambda x value), then those at lambda 0 */
        double w = k < TERM_N ? s->lambda[k] * s->term[k] : 0;
        int sharing = k < TERM_N && s->lambda[k] > 0 && isfinite(w);
        se->rank = k == TERM_N ? -1000000000 : sharing ? -(int)fmin(1e8, fmax(1, w * 1e6 / (fabs(s->loss) + 1e-300))) : k;
    }
    if (n == 1)   /* one point: no line to draw, so a dot */
        for (size_t i = 0; i < f->n_series; i++)
            f->series[i].style = FIGURE_POINTS;
    figure_autorange(f);
    return 0;
}

/* ---- formula problems ------------------------------------------------------ */

/* F(x) - y of a map point is f; F(x) itself is f + the y it answered (the
 * code's y when G reads y alone). */
static double map_F(const session_snapshot *s, size_t i)
{
    const report_latent *r = &s->report;
    return r->f[i] + (s->latent ? r->y : r->u[i]);
}

static int fig_latent(const session_snapshot *s, figure *f, innx_err *err)
{
    const report_latent *r = &s->report;
    if (!s->has_report || r->n == 0)
        return innx_errf(err, INNX_EINVAL, "no latent map yet");
    size_t n = r->n > REPORT_MAP_N ? REPORT_MAP_N : r->n;
    size_t k = r->k > REPORT_MAX_K ? REPORT_MAX_K : r->k;
    double u[REPORT_MAP_N], x[REPORT_MAP_N];
    if (s->latent) {
        snprintf(f->title, sizeof f->title, "%s: latent map z \u2192 x at y* = %g, coloured by cluster (k = %zu)",
                 s->problem, r->y, k);
        snprintf(f->x.label, sizeof f->x.label, "latent code z");
        snprintf(f->y.label, sizeof f->y.label, "x = G(z)");
        /* every cluster its own series, in the pane's colour */
        for (size_t c = 0; c < (k ? k : 1); c++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (k == 0 || r->label[i] == c) {
                    u[m] = r->u[i];
                    x[m++] = r->x[i];
                }
            char label[64];
            if (k && r->c[c].polished)
                snprintf(label, sizeof label, "cluster %zu (%zu): root %.6g", c, r->c[c].count, r->c[c].root.x);
            else if (k)
                snprintf(label, sizeof label, "cluster %zu (%zu): centre %.4g", c, r->c[c].count, r->c[c].centroid);
            else
                snprintf(label, sizeof label, "G(z)");
            figure_series *se = figure_add_series(f, FIGURE_POINTS, (int)(c % FIGURE_N_CURVES), label, u, x, m);
            if (!se)
                return oom(err);
            se->size = 3;
        }
        int first = 1;
        for (size_t c = 0; c < k; c++)
            if (r->c[c].polished) {
                figure_mark *m = figure_add_mark(f, FIGURE_HLINE, NAN, r->c[c].root.x, FIGURE_RULE,
                                                 first ? "polished roots" : "");
                if (!m)
                    return oom(err);
                first = 0;
            }
    } else {
        /* G reads y alone: the map is the inverse curve x = G(y) */
        snprintf(f->title, sizeof f->title, "%s: the inverse x = G(y) (mean |f(G(y)) - y| %.2g)", s->problem, r->mae);
        snprintf(f->x.label, sizeof f->x.label, "y");
        snprintf(f->y.label, sizeof f->y.label, "x = G(y)");
        for (size_t i = 0; i < n; i++) {
            u[i] = r->u[i];
            x[i] = r->x[i];
        }
        /* a mixture head gives several x per y: points, not a line */
        int repeats = 0;
        for (size_t i = 1; i < n; i++)
            repeats |= u[i] == u[i - 1];
        if (!figure_add_series(f, repeats ? FIGURE_POINTS : FIGURE_LINE, 0, "G(y)", u, x, n))
            return oom(err);
        char label[64];
        snprintf(label, sizeof label, "y* = %g", r->y);
        if (!figure_add_mark(f, FIGURE_VLINE, r->y, NAN, FIGURE_RULE, label))
            return oom(err);
        const report_query *q = &s->query;
        if (s->query_id > 0 && q->n_roots > 0) {   /* the answer at y*, polished */
            double qx[REPORT_MAX_ROOTS], qy[REPORT_MAX_ROOTS];
            size_t m = q->n_roots > REPORT_MAX_ROOTS ? REPORT_MAX_ROOTS : q->n_roots;
            for (size_t i = 0; i < m; i++) {
                qx[i] = q->y;
                qy[i] = q->roots[i].x;
            }
            snprintf(label, sizeof label, m == 1 ? "polished root %.6g" : "polished roots", qy[0]);
            figure_series *se = figure_add_series(f, FIGURE_POINTS, 2, label, qx, qy, m);
            if (!se)
                return oom(err);
            se->marker = FIGURE_CROSS;
        }
    }
    /* x spans the domain, widened if G strays */
    f->y.lo = s->x_lo;
    f->y.hi = s->x_hi;
    for (size_t i = 0; i < n; i++)
        if (isfinite(r->x[i])) {
            f->y.lo = fmin(f->y.lo, r->x[i]);
            f->y.hi = fmax(f->y.hi, r->x[i]);
        }
    double pad = (f->y.hi - f->y.lo) * 0.04;
    f->y.lo -= pad;
    f->y.hi += pad;
    figure_autorange(f);
    return 0;
}

/* The pane's y range: f's 2nd..98th percentiles (a pole does not flatten
 * the curve), with y* always in view. */
static void fx_range(const double *v, size_t n, double ystar, figure_axis *a)
{
    stats_view_range(v, n, ystar, &a->lo, &a->hi);
    double pad = (a->hi - a->lo) * 0.08;
    if (!(pad > 0))
        pad = fabs(ystar) > 0 ? fabs(ystar) * 0.1 : 0.5;
    a->lo -= pad;
    a->hi += pad;
}

#define FX_POINTS 1001

static int fig_fx(const session_snapshot *s, figure *f, innx_err *err)
{
    expr *e = NULL;
    if (s->formula[0]) {
        innx_err perr;
        e = expr_parse(s->formula, &perr);
        if (e && expr_n_vars(e) > 1) {
            expr_free(e);
            return innx_errf(err, INNX_EINVAL, "f has more than one variable");
        }
    }
    if (!e && !s->has_curve)
        return innx_errf(err, INNX_EINVAL, s->formula[0] ? "the formula does not parse" : "no curve of F yet");
    double *x = malloc(2 * FX_POINTS * sizeof *x);
    if (!x) {
        expr_free(e);
        return oom(err);
    }
    double *y = x + FX_POINTS;
    for (size_t i = 0; i < FX_POINTS; i++)
        x[i] = s->x_lo + (s->x_hi - s->x_lo) * (double)i / (FX_POINTS - 1);
    if (e) {
        expr_eval_array(e, x, FX_POINTS, y, NULL);
        expr_free(e);
    } else {   /* NN1's curve: linear between the snapshot's points */
        for (size_t i = 0; i < FX_POINTS; i++) {
            double u = (double)i / (FX_POINTS - 1) * (SESSION_CURVE_N - 1);
            size_t k = u >= SESSION_CURVE_N - 1 ? SESSION_CURVE_N - 2 : (size_t)u;
            y[i] = s->curve[k] + (u - (double)k) * (s->curve[k + 1] - s->curve[k]);
        }
    }
    /* the last query's y and roots when there is one, else the report's */
    int q = s->query_id > 0 && (s->query.n_roots || s->query.n_ref || s->query.n_candidates);
    double ystar = q ? s->query.y : s->has_report ? s->report.y : s->y_star;
    snprintf(f->title, sizeof f->title, s->formula[0] ? "%s: f(x) = %.60s" : "%s: NN1(x), F fitted to the table%.0s",
             s->problem, s->formula);
    snprintf(f->x.label, sizeof f->x.label, "x");
    snprintf(f->y.label, sizeof f->y.label, s->formula[0] ? "f(x)" : "NN1(x)");
    f->x.lo = s->x_lo;
    f->x.hi = s->x_hi;
    fx_range(y, FX_POINTS, ystar, &f->y);
    const double *ref = q ? s->query.ref : s->ref;
    size_t n_ref = q ? s->query.n_ref : s->n_ref;
    n_ref = n_ref > REPORT_MAX_ROOTS ? REPORT_MAX_ROOTS : n_ref;
    char label[64];
    snprintf(label, sizeof label, "scan roots (%zu)", n_ref);
    for (size_t i = 0; i < n_ref; i++)
        if (!figure_add_mark(f, FIGURE_VLINE, ref[i], NAN, FIGURE_REF, label))
            goto fail;
    snprintf(label, sizeof label, "y* = %g", ystar);
    if (!figure_add_mark(f, FIGURE_HLINE, NAN, ystar, FIGURE_RULE, label))
        goto fail;
    const report_latent *r = &s->report;
    if (s->has_report) {
        /* G's raw answers sit on the curve at F(x): drawn under it, wide
         * and pale, they show as a band along the part G covers */
        double gx[REPORT_MAP_N], gy[REPORT_MAP_N];
        size_t n = r->n > REPORT_MAP_N ? REPORT_MAP_N : r->n;
        for (size_t i = 0; i < n; i++) {
            gx[i] = r->x[i];
            gy[i] = map_F(s, i);
        }
        figure_series *se = figure_add_series(f, FIGURE_POINTS, 1, "G's raw answers", gx, gy, n);
        if (!se)
            goto fail;
        se->size = 4;
        se->alpha = 0.35;
        se->rank = 1;
    }
    if (!figure_add_series(f, FIGURE_LINE, 0, s->formula[0] ? "f" : "NN1", x, y, FX_POINTS))
        goto fail;
    size_t m = 0;
    if (q) {
        for (size_t i = 0; i < s->query.n_roots && i < REPORT_MAX_ROOTS; i++)
            x[m++] = s->query.roots[i].x;
    } else if (s->has_report) {
        for (size_t c = 0; c < r->k && c < REPORT_MAX_K; c++)
            if (r->c[c].polished) {
                int dup = 0;   /* clusters polished to one root show once */
                for (size_t j = 0; j < m; j++)
                    dup |= fabs(x[j] - r->c[c].root.x) <= 1e-9 * (1 + fabs(x[j]));
                if (!dup)
                    x[m++] = r->c[c].root.x;
            }
    }
    for (size_t i = 0; i < m; i++)
        y[i] = ystar;
    snprintf(label, sizeof label, "polished roots (%zu)", m);
    figure_series *se = figure_add_series(f, FIGURE_POINTS, 2, label, x, y, m);
    if (!se)
        goto fail;
    se->marker = FIGURE_CROSS;
    free(x);
    return 0;
fail:
    free(x);
    return oom(err);
}

static int fig_clusters(const session_snapshot *s, figure *f, innx_err *err)
{
    const report_latent *r = &s->report;
    if (!s->has_report || r->n == 0 || r->k == 0)
        return innx_errf(err, INNX_EINVAL, "no clusters yet");
    size_t n = r->n > REPORT_MAP_N ? REPORT_MAP_N : r->n;
    size_t k = r->k > REPORT_MAX_K ? REPORT_MAX_K : r->k;
    if (s->latent)
        snprintf(f->title, sizeof f->title, "%s: G's answers by cluster, residual at y* = %g (k = %zu)", s->problem,
                 r->y, k);
    else   /* G reads y: the map runs over y, each answer checked against its own y */
        snprintf(f->title, sizeof f->title, "%s: G(y) over y by cluster, round-trip residual (k = %zu)", s->problem,
                 k);
    snprintf(f->x.label, sizeof f->x.label, "x (G's answer)");
    snprintf(f->y.label, sizeof f->y.label, s->latent ? "|F(x) - y*|" : "|F(G(y)) - y|");
    f->y.log = 1;
    /* |f| = 0 (an exact answer) would fall off a log axis: a floor a
     * decade under the smallest positive residual */
    double tiny = INFINITY;
    for (size_t i = 0; i < n; i++)
        if (fabs(r->f[i]) > 0 && isfinite(r->f[i]))
            tiny = fmin(tiny, fabs(r->f[i]));
    tiny = isfinite(tiny) ? tiny / 10 : 1e-16;
    double x[REPORT_MAP_N], y[REPORT_MAP_N];
    for (size_t c = 0; c < k; c++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (r->label[i] == c && isfinite(r->f[i])) {
                x[m] = r->x[i];
                y[m++] = fabs(r->f[i]) > 0 ? fabs(r->f[i]) : tiny;
            }
        char label[80];
        snprintf(label, sizeof label, "cluster %zu (%zu), mean |f| %.2g", c, r->c[c].count, r->c[c].mean_abs_f);
        figure_series *se = figure_add_series(f, FIGURE_POINTS, (int)(c % FIGURE_N_CURVES), label, x, y, m);
        if (!se)
            return oom(err);
        se->size = 3;
    }
    for (size_t c = 0; c < k; c++)
        if (r->c[c].polished && !figure_add_mark(f, FIGURE_VLINE, r->c[c].root.x, NAN, FIGURE_TOTAL, "polished roots"))
            return oom(err);
    figure_autorange(f);
    return 0;
}

/* ---- table problems -------------------------------------------------------- */

static int no_data(const session_snapshot *s, innx_err *err)
{
    return innx_errf(err, INNX_EINVAL,
                     s->stage == 0 ? "no data view yet: the forward fit comes first" : "no data view yet");
}

/* Every trait scaled to its real range, predicted (up) against real
 * (across): on the diagonal when G recovers it. */
static int fig_traits(const session_snapshot *s, figure *f, innx_err *err)
{
    const session_data_view *d = &s->data;
    if (!s->has_data)
        return no_data(s, err);
    snprintf(f->title, sizeof f->title, "%s: predicted vs real traits (test part, RMSE %.3g)", s->problem,
             d->inverse_rmse);
    snprintf(f->x.label, sizeof f->x.label, "real trait (scaled to its range)");
    snprintf(f->y.label, sizeof f->y.label, "predicted from y (same scale)");
    figure_mark *m = figure_add_mark(f, FIGURE_SEGMENT, 0, 0, FIGURE_RULE, "x = x");
    if (!m)
        return oom(err);
    m->x1 = m->y1 = 1;
    double x[SESSION_DATA_N], y[SESSION_DATA_N];
    size_t n = d->n > SESSION_DATA_N ? SESSION_DATA_N : d->n;
    for (size_t j = 0; j < d->d && j < PROBLEM_MAX_X; j++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            lo = fmin(lo, d->real[i][j]);
            hi = fmax(hi, d->real[i][j]);
        }
        double sc = hi > lo ? hi - lo : 1;
        for (size_t i = 0; i < n; i++) {
            x[i] = (d->real[i][j] - lo) / sc;
            y[i] = (d->pred[i][j] - lo) / sc;
        }
        figure_series *se = figure_add_series(f, FIGURE_POINTS, (int)(j % FIGURE_N_CURVES), d->names[j], x, y, n);
        if (!se)
            return oom(err);
        se->alpha = 0.7;
    }
    figure_autorange(f);
    return 0;
}

/* The real traits' first two principal components: the predicted traits
 * by their segment, the real ones faint beneath. */
static int fig_pca(const session_snapshot *s, figure *f, innx_err *err)
{
    const session_data_view *d = &s->data;
    if (!s->has_data)
        return no_data(s, err);
    snprintf(f->title, sizeof f->title, "%s: traits predicted from y, by segment, on the real traits' PCs", s->problem);
    snprintf(f->x.label, sizeof f->x.label, "PC1 (%.0f%% of the variance)", 100 * d->pca_explained[0]);
    snprintf(f->y.label, sizeof f->y.label, "PC2 (%.0f%%)", 100 * d->pca_explained[1]);
    size_t n = d->n > SESSION_DATA_N ? SESSION_DATA_N : d->n;
    double x[SESSION_DATA_N], y[SESSION_DATA_N];
    for (size_t i = 0; i < n; i++) {
        x[i] = d->pca_real[i][0];
        y[i] = d->pca_real[i][1];
    }
    figure_series *se = figure_add_series(f, FIGURE_POINTS, FIGURE_RULE, "real traits", x, y, n);
    if (!se)
        return oom(err);
    se->marker = FIGURE_RING;
    se->alpha = 0.45;
    for (size_t k = 0; k < d->k && k < REPORT_MAX_K; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (d->label_pred[i] == k) {
                x[m] = d->pca_pred[i][0];
                y[m++] = d->pca_pred[i][1];
            }
        char label[48];
        snprintf(label, sizeof label, "predicted, segment %zu", k + 1);
        if (!(se = figure_add_series(f, FIGURE_POINTS, (int)(k % FIGURE_N_CURVES), label, x, y, m)))
            return oom(err);
        se->alpha = 0.8;
    }
    figure_autorange(f);
    return 0;
}

/* Predicted against real segments on the real traits' PCs: every real row
 * in its real segment's colour (numbered as the predicted segment paired
 * with it), each segment's centre predicted (diamond) and real (ring),
 * joined. */
static int fig_segments(const session_snapshot *s, figure *f, innx_err *err)
{
    const session_data_view *d = &s->data;
    if (!s->has_data)
        return no_data(s, err);
    snprintf(f->title, sizeof f->title, "%s: segments predicted from y vs real (silhouette %.2f vs %.2f)", s->problem,
             d->silhouette_pred, d->silhouette_real);
    snprintf(f->x.label, sizeof f->x.label, "PC1 (%.0f%% of the variance)", 100 * d->pca_explained[0]);
    snprintf(f->y.label, sizeof f->y.label, "PC2 (%.0f%%)", 100 * d->pca_explained[1]);
    size_t n = d->n > SESSION_DATA_N ? SESSION_DATA_N : d->n, K = d->k > REPORT_MAX_K ? REPORT_MAX_K : d->k;
    size_t of_real[REPORT_MAX_K];   /* real segment -> the predicted one paired with it */
    for (size_t m = 0; m < REPORT_MAX_K; m++)
        of_real[m] = m;
    for (size_t k = 0; k < K; k++)
        if (d->match[k] < REPORT_MAX_K)
            of_real[d->match[k]] = k;
    double x[SESSION_DATA_N], y[SESSION_DATA_N];
    for (size_t k = 0; k < K; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (d->label_real[i] < REPORT_MAX_K && of_real[d->label_real[i]] == k) {
                x[m] = d->pca_real[i][0];
                y[m++] = d->pca_real[i][1];
            }
        figure_series *se = figure_add_series(f, FIGURE_POINTS, (int)(k % FIGURE_N_CURVES), "", x, y, m);
        if (!se)
            return oom(err);
        se->alpha = 0.35;
        se->size = 2.2;
    }
    for (size_t k = 0; k < K; k++) {
        double px = 0, py = 0, rx = 0, ry = 0;
        size_t np = 0, nr = 0;
        for (size_t i = 0; i < n; i++) {
            if (d->label_pred[i] == k) {
                px += d->pca_pred[i][0];
                py += d->pca_pred[i][1];
                np++;
            }
            if (d->label_real[i] < REPORT_MAX_K && of_real[d->label_real[i]] == k) {
                rx += d->pca_real[i][0];
                ry += d->pca_real[i][1];
                nr++;
            }
        }
        if (!np || !nr)
            continue;
        px /= (double)np, py /= (double)np, rx /= (double)nr, ry /= (double)nr;
        figure_mark *m = figure_add_mark(f, FIGURE_SEGMENT, px, py, (int)(k % FIGURE_N_CURVES), "");
        if (!m)
            return oom(err);
        m->x1 = rx;
        m->y1 = ry;
        m->dashed = 0;
        char label[64];
        snprintf(label, sizeof label, "segment %zu: predicted %zu, real %zu", k + 1, d->count_pred[k],
                 d->count_real[d->match[k] < REPORT_MAX_K ? d->match[k] : 0]);
        figure_series *se = figure_add_series(f, FIGURE_POINTS, (int)(k % FIGURE_N_CURVES), label, &px, &py, 1);
        if (!se)
            return oom(err);
        se->marker = FIGURE_DIAMOND;
        se->size = 7;
        if (!(se = figure_add_series(f, FIGURE_POINTS, (int)(k % FIGURE_N_CURVES), "", &rx, &ry, 1)))
            return oom(err);
        se->marker = FIGURE_RING;
        se->size = 8;
    }
    figure_autorange(f);
    return 0;
}

int figure_pane(const session_snapshot *s, int pane, figure *f, innx_err *err)
{
    figure_init(f);
    /* a table problem shows its data view where the formula panes would be */
    int table = s->has_data || !s->has_formula;
    int st;
    if (s->vector && pane != FIGURE_PANE_LOSS) {   /* x in R^n: its own three */
        st = pane == FIGURE_PANE_LATENT ? fig_vec_pairs(s, f, err)
           : pane == FIGURE_PANE_FX     ? fig_vec_y(s, f, err)
           : pane == FIGURE_PANE_CLUSTERS ? fig_vec_marginals(s, f, err)
                                          : innx_errf(err, INNX_EINVAL, "no pane %d", pane);
        if (st != 0)
            figure_free(f);
        return st;
    }
    switch (pane) {
    case FIGURE_PANE_LOSS: st = fig_loss(s, f, err); break;
    case FIGURE_PANE_LATENT: st = table ? fig_traits(s, f, err) : fig_latent(s, f, err); break;
    case FIGURE_PANE_FX: st = table ? fig_pca(s, f, err) : fig_fx(s, f, err); break;
    case FIGURE_PANE_CLUSTERS: st = table ? fig_segments(s, f, err) : fig_clusters(s, f, err); break;
    default: st = innx_errf(err, INNX_EINVAL, "no pane %d", pane); break;
    }
    if (st != 0)
        figure_free(f);
    return st;
}

/* ---- files ------------------------------------------------------------------ */

/* The problem's name in a file name: a problem file may be called
 * anything, so only [A-Za-z0-9._-] pass. */
static void clean_name(const char *in, char *out, size_t len)
{
    size_t i = 0;
    for (; in[i] && i + 1 < len; i++) {
        char c = in[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '-';
        out[i] = ok ? c : '_';
    }
    out[i] = 0;
    if (!i || out[0] == '.')
        out[0] = '_', out[i ? i : 1] = 0;
}

#define PNG_SCALE 2.0   /* 1600 x 1000 px: sharp beside a matplotlib savefig */

int figure_write_pane(const session_snapshot *s, int pane, const char *dir, unsigned formats, char *written, size_t len,
                      innx_err *err)
{
    if (len)
        written[0] = 0;
    formats &= FIGURE_SVG | FIGURE_PNG | FIGURE_PDF;
    if (!formats)
        return innx_errf(err, INNX_EINVAL, "no figure format asked for");
    figure f;
    int st = figure_pane(s, pane, &f, err);
    if (st != 0)
        return st;
    char prob[PROBLEM_NAME_LEN], base[4200], path[4300];
    clean_name(s->problem, prob, sizeof prob);
    const char *d = dir && dir[0] ? dir : ".";
    int done = 0;
    /* one name for every format: the first innx-PROBLEM-PANE-STEP[-N] that
     * no format has, each file taken with link() (safefile), so a file made
     * meanwhile is not replaced either: then the next N */
    for (int i = 0; st == 0 && !done && i < 1000; i++) {
        if (i == 0)
            snprintf(base, sizeof base, "%s/innx-%s-%s-%ld", d, prob, figure_pane_name(pane), s->step);
        else
            snprintf(base, sizeof base, "%s/innx-%s-%s-%ld-%d", d, prob, figure_pane_name(pane), s->step, i);
        int taken = 0;
        for (unsigned b = 1; b <= FIGURE_PDF; b <<= 1)
            if (formats & b) {
                snprintf(path, sizeof path, "%s.%s", base, figure_format_ext(b));
                taken |= access(path, F_OK) == 0;
            }
        if (taken)
            continue;
        unsigned made = 0;
        for (unsigned b = 1; b <= FIGURE_PDF && st == 0; b <<= 1) {
            if (!(formats & b))
                continue;
            snprintf(path, sizeof path, "%s.%s", base, figure_format_ext(b));
            st = figure_render(&f, b, path, f.width > 0 ? f.width : FIGURE_WIDTH,
                               f.height > 0 ? f.height : FIGURE_HEIGHT, PNG_SCALE, err);
            if (st == 0)
                made |= b;
        }
        if (st == SAFEFILE_EEXIST) {
            /* taken since access(): our files of this name go, the next name */
            for (unsigned b = 1; b <= FIGURE_PDF; b <<= 1)
                if (made & b) {
                    snprintf(path, sizeof path, "%s.%s", base, figure_format_ext(b));
                    unlink(path);
                }
            st = 0;
            continue;
        }
        if (st != 0)
            break;
        done = 1;
        size_t at = 0;
        for (unsigned b = 1; b <= FIGURE_PDF && at < len; b <<= 1)
            if (made & b) {
                int w = snprintf(written + at, len - at, "%s%s.%s", at ? "," : "", base,
                                 figure_format_ext(b));
                at += w > 0 ? (size_t)w : 0;
            }
    }
    figure_free(&f);
    if (st == 0 && !done)
        st = innx_errf(err, INNX_EIO, "%s/innx-%s-%s-%ld-*: a thousand names are taken", d, prob,
                       figure_pane_name(pane), s->step);
    return st;
}
