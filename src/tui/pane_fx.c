/* pane_fx.c: f over the domain and the y* line, with the scan's roots (dotted
 * verticals), G's raw answers (dots on the curve) and polished roots (crosses). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "innx/stats.h"
#include "plot.h"
#include "view.h"

enum { S_CURVE = 0, S_RAW = 1, S_ROOT = 2 };

/* The y range: the 2nd..98th percentiles of f, so a pole (tan, 1/x) does
 * not flatten the rest of the curve; the y* line always in view. */
static void y_range(const double *f, size_t n, double ystar, canvas_axis *ay)
{
    stats_view_range(f, n, ystar, &ay->lo, &ay->hi);
    double pad = (ay->hi - ay->lo) * 0.08;
    ay->lo -= pad;
    ay->hi += pad;
    ay->log = 0;
}

static void cross(canvas *cv, double x, double y, int series)
{
    int dx = canvas_map_x(cv, x), dy = canvas_map_y(cv, y);
    canvas_dot(cv, dx, dy, series);
    canvas_dot(cv, dx - 1, dy, series);
    canvas_dot(cv, dx + 1, dy, series);
    canvas_dot(cv, dx, dy - 1, series);
    canvas_dot(cv, dx, dy + 1, series);
}

static void draw(pane *p, WINDOW *w, const tui_view *v)
{
    if (view_delegate(p, w, v, &pane_vector_y_ops, &pane_data_pca_ops))   /* a vector or table problem: its own view */
        return;
    const session_snapshot *s = v->snap;
    char title[96];
    snprintf(title, sizeof title, s->formula[0] ? "3 f(x) on [%g, %g]" : "3 NN1(x) on [%g, %g], fitted to the table",
             s->x_lo, s->x_hi);
    term_box(w, v->caps, title, 0);
    plot_box b;
    if (plot_fit(w, &p->cv, v->caps, 1, &b))
        return;
    if (!v->f && !s->has_curve) {
        plot_note(w, v->caps, !s->has_formula ? "F is a network fitted to data"
                              : s->formula[0] ? "f has more than one variable"
                                              : "NN1 shows once its fit is done");
        return;
    }
    /* The last query's y and roots when there is one, else the report's. */
    int q = view_has_query(s);
    double ystar = q ? s->query.y : s->has_report ? s->report.y : s->y_star;
    size_t n = (size_t)p->cv.dw;
    double *x = malloc(2 * n * sizeof *x);
    if (!x)
        return;
    double *f = x + n;
    for (size_t i = 0; i < n; i++)
        x[i] = s->x_lo + (s->x_hi - s->x_lo) * (double)i / (double)(n > 1 ? n - 1 : 1);
    if (v->f) {
        expr_eval_array(v->f, x, n, f, NULL);
    } else {   /* NN1's curve from the snapshot, linear between its points */
        for (size_t i = 0; i < n; i++) {
            double u = (double)i / (double)(n > 1 ? n - 1 : 1) * (SESSION_CURVE_N - 1);
            size_t k = u >= SESSION_CURVE_N - 1 ? SESSION_CURVE_N - 2 : (size_t)u;
            f[i] = s->curve[k] + (u - (double)k) * (s->curve[k + 1] - s->curve[k]);
        }
    }
    canvas_axis ax = {s->x_lo, s->x_hi, 0}, ay;
    y_range(f, n, ystar, &ay);
    canvas_axis_fix(&ax);
    canvas_axis_fix(&ay);
    canvas_set_axes(&p->cv, &ax, &ay);
    canvas_hline_at(&p->cv, ystar, 2, SERIES_RULE);
    const double *ref = q ? s->query.ref : s->ref;
    size_t n_ref = q ? s->query.n_ref : s->n_ref;
    for (size_t i = 0; i < n_ref && i < REPORT_MAX_ROOTS; i++)
        canvas_vline_at(&p->cv, ref[i], 3, SERIES_REF);
    canvas_polyline(&p->cv, x, f, n, S_CURVE);
    free(x);
    const report_latent *r = &s->report;
    if (s->has_report)   /* raw answers sit on the curve at F(x) = f + y */
        for (size_t i = 0; i < r->n && i < REPORT_MAP_N; i++)
            canvas_point(&p->cv, r->x[i], r->f[i] + r->y, S_RAW);
    size_t n_roots = 0;
    if (q) {
        for (size_t i = 0; i < s->query.n_roots && i < REPORT_MAX_ROOTS; i++, n_roots++)
            cross(&p->cv, s->query.roots[i].x, ystar, S_ROOT);
    } else if (s->has_report) {
        /* distinct roots: clusters that polish to the same root are one
         * root, as a query counts them (report.c merges within 1e-7 of
         * the domain's width) */
        double seen[REPORT_MAX_K], tol = 1e-7 * (s->x_hi - s->x_lo);
        for (size_t c = 0; c < r->k && c < REPORT_MAX_K; c++) {
            if (!r->c[c].polished)
                continue;
            size_t j = 0;
            while (j < n_roots && !(fabs(seen[j] - r->c[c].root.x) <= tol))
                j++;
            if (j == n_roots) {
                seen[n_roots++] = r->c[c].root.x;
                cross(&p->cv, r->c[c].root.x, ystar, S_ROOT);
            }
        }
    }
    char txt[64];
    wmove(w, 1, 2);
    plot_legend(w, v->caps, S_CURVE, "f");
    snprintf(txt, sizeof txt, "y* %g", ystar);
    plot_legend(w, v->caps, SERIES_RULE, txt);
    snprintf(txt, sizeof txt, "roots %zu", n_roots);
    plot_legend(w, v->caps, S_ROOT, txt);
    snprintf(txt, sizeof txt, "scan %zu", n_ref);
    plot_legend(w, v->caps, SERIES_REF, txt);
    if (s->has_report)
        plot_legend(w, v->caps, S_RAW, "G raw");
    plot_canvas(w, v->caps, &p->cv, &b);
    plot_ticks(w, v->caps, &p->cv, &b);
}

const pane_ops pane_fx_ops = {"f(x)", draw};
