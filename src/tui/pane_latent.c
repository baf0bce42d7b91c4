/* pane_latent.c: the latent map, G's answer x against its code (z, or y when
 * G reads y alone), each point in its cluster's colour. */
#include <math.h>
#include <stdio.h>

#include "plot.h"
#include "view.h"

static void draw(pane *p, WINDOW *w, const tui_view *v)
{
    if (view_delegate(p, w, v, &pane_vector_pairs_ops, &pane_data_traits_ops))   /* a vector or table problem: its own view */
        return;
    const session_snapshot *s = v->snap;
    const report_latent *r = &s->report;
    char title[96];
    snprintf(title, sizeof title, "2 latent %s -> x  (y* = %g)", s->latent ? "z" : "y",
             s->has_report ? r->y : s->y_star);
    term_box(w, v->caps, title, 0);
    plot_box b;
    if (plot_fit(w, &p->cv, v->caps, 1, &b))
        return;
    if (!s->has_report || r->n == 0) {
        plot_note(w, v->caps, s->has_formula ? "the map shows when a report is ready"
                                             : "no latent map for a data problem yet");
        return;
    }
    size_t n = r->n > REPORT_MAP_N ? REPORT_MAP_N : r->n;
    /* x spans the domain (the map should fill it), widened if G strays */
    canvas_axis au = {INFINITY, -INFINITY, 0}, ax = {s->x_lo, s->x_hi, 0};
    for (size_t i = 0; i < n; i++) {
        if (isfinite(r->u[i])) {
            au.lo = fmin(au.lo, r->u[i]);
            au.hi = fmax(au.hi, r->u[i]);
        }
        if (isfinite(r->x[i])) {
            ax.lo = fmin(ax.lo, r->x[i]);
            ax.hi = fmax(ax.hi, r->x[i]);
        }
    }
    canvas_axis_fix(&au);
    canvas_axis_fix(&ax);
    canvas_set_axes(&p->cv, &au, &ax);
    for (size_t i = 0; i < n; i++)
        canvas_point(&p->cv, r->u[i], r->x[i], (int)(r->label[i] % SERIES_N_CURVES));
    char txt[64];
    wmove(w, 1, 2);
    size_t k = r->k > REPORT_MAX_K ? REPORT_MAX_K : r->k;
    for (size_t c = 0; c < k; c++) {
        snprintf(txt, sizeof txt, "c%zu %.3g", c, r->c[c].centroid);
        if (plot_legend(w, v->caps, (int)(c % SERIES_N_CURVES), txt))
            break;
    }
    snprintf(txt, sizeof txt, "mae %.2g", r->mae);
    plot_legend(w, v->caps, SERIES_RULE, txt);
    plot_canvas(w, v->caps, &p->cv, &b);
    plot_ticks(w, v->caps, &p->cv, &b);
}

const pane_ops pane_latent_ops = {"latent", draw};
