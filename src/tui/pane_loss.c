/* pane_loss.c: every active loss term and the total over the whole run, on a
 * log (or linear) axis, with dotted marks where a lambda changed. */
#include <math.h>
#include <stdio.h>

#include "history.h"
#include "plot.h"
#include "view.h"

/* A term is drawn when it has a value in the history (the forward fit's
 * loss stays visible in the inverse stage); the total always. On a log axis
 * a term that never rose above 0 would only be a rule along the bottom. */
static int series_shown(const session_snapshot *s, int k, int log)
{
    if (k == TERM_N || (s->active[k] && s->hist_n == 0))
        return 1;
    for (size_t i = 0; i < s->hist_n && i < SESSION_HIST_MAX; i++)
        if (isfinite(s->hist[k][i]) && (log ? s->hist[k][i] > 0 : s->hist[k][i] != 0))
            return 1;
    return 0;
}

/* A term's share of the total: lambda x its value (>= 0); -1 with no value
 * now, -2 at lambda 0, so a weighed term (range at 0 still weighs) comes
 * before one switched off, whatever their values (the sort is stable). */
static double legend_weight(const session_snapshot *s, const double *lambda, int k)
{
    double w = lambda[k] * s->term[k];
    return !(lambda[k] > 0) ? -2 : isfinite(w) ? w : -1;
}

static void draw(pane *p, WINDOW *w, const tui_view *view)
{
    const session_snapshot *s = view->snap;
    /* a loss that goes below 0 (a flow's nll) has no log axis: linear */
    int below = 0;
    for (size_t i = 0; i < s->hist_n && !below; i++)
        below = isfinite(s->hist[TERM_N][i]) && s->hist[TERM_N][i] <= 0;
    tui_view lin = *view;
    lin.loss_log = view->loss_log && !below;
    const tui_view *v = &lin;
    term_box(w, v->caps, v->loss_log ? "1 loss (log)" : below && view->loss_log ? "1 loss (linear: it goes below 0)" : "1 loss (linear)", 0);
    plot_box b;
    if (plot_fit(w, &p->cv, v->caps, 1, &b))
        return;
    /* listed: a curve to draw, or a term the stage weighs now (at 0 on a
     * log axis it has no curve, but a user must see that it is there and
     * met); drawn: only the former, and only with its name listed */
    int shown[TERM_N + 1], listed[TERM_N + 1];
    for (int k = 0; k <= TERM_N; k++) {
        shown[k] = series_shown(s, k, v->loss_log);
        listed[k] = shown[k] || (k < TERM_N && s->active[k] && v->lambda[k] > 0);
    }
    /* The legend in order of what the total is made of: the total, then the
     * terms by weighted share (lambda x value), then those at lambda 0. A
     * narrow pane keeps the front of it; an entry that does not fit is left
     * out with its curve, so order decides what a user sees. */
    int order[TERM_N + 1], n_ord = 0;
    order[n_ord++] = TERM_N;
    for (int k = 0; k < TERM_N; k++)
        if (listed[k])
            order[n_ord++] = k;
    for (int i = 2; i < n_ord; i++)
        for (int j = i; j > 1 && legend_weight(s, v->lambda, order[j]) > legend_weight(s, v->lambda, order[j - 1]);
             j--) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    char txt[64];
    wmove(w, 1, 2);
    int full = 0;
    for (int i = 0; i < n_ord; i++) {
        int k = order[i];
        if (full) {   /* a later entry never takes an earlier one's place */
            shown[k] = k == TERM_N;
            continue;
        }
        double cur = k == TERM_N ? s->loss : s->term[k];
        char num[16];
        canvas_tick_label(cur, num, sizeof num);   /* "1.2e-4": exponents short, the legend is narrow */
        if (isfinite(cur))
            snprintf(txt, sizeof txt, "%s %s", k == TERM_N ? "total" : problem_term_name(k), num);
        else   /* a term of an earlier stage: its curve stays, it has no value now */
            snprintf(txt, sizeof txt, "%s -", problem_term_name(k));
        /* a curve without its name in the legend would be a riddle */
        if (plot_legend(w, v->caps, k, txt) != 0) {
            full = 1;
            shown[k] = k == TERM_N;
        }
    }
    if (s->hist_n == 0) {
        plot_note(w, v->caps, "waiting for the first step");
        return;
    }
    size_t n = s->hist_n > SESSION_HIST_MAX ? SESSION_HIST_MAX : s->hist_n;
    double xs[SESSION_HIST_MAX];
    for (size_t i = 0; i < n; i++)
        xs[i] = (double)s->hist_step[i];
    /* the y range over what is drawn; a log axis only sees positive values */
    canvas_axis ax = {xs[0], xs[n - 1], 0}, ay = {INFINITY, -INFINITY, v->loss_log};
    for (int k = 0; k <= TERM_N; k++)
        for (size_t i = 0; shown[k] && i < n; i++) {
            double y = s->hist[k][i];
            if (!isfinite(y) || (v->loss_log && !(y > 0)))
                continue;
            ay.lo = y < ay.lo ? y : ay.lo;
            ay.hi = y > ay.hi ? y : ay.hi;
        }
    if (v->loss_log && ay.hi > ay.lo) {   /* a little air above and below */
        ay.lo /= 1.5;
        ay.hi *= 1.5;
    }
    canvas_axis_fix(&ax);
    canvas_axis_fix(&ay);
    canvas_set_axes(&p->cv, &ax, &ay);
    for (size_t i = 0; i < s->n_marks && i < SESSION_MAX_MARKS; i++)
        canvas_vline_at(&p->cv, (double)s->mark_step[i], 2, SERIES_MARK);
    history_col col[SESSION_HIST_MAX];
    double cx[SESSION_HIST_MAX], cy[SESSION_HIST_MAX];
    /* the total last, so it stays on top where curves cross */
    for (int k = 0; k <= TERM_N; k++) {
        if (!shown[k])
            continue;
        size_t m = history_decimate(xs, s->hist[k], n, (size_t)p->cv.dw, col);
        for (size_t j = 0; j < m; j++) {
            cx[j] = col[j].x;
            cy[j] = col[j].mean;
        }
        canvas_polyline(&p->cv, cx, cy, m, k);
    }
    plot_canvas(w, v->caps, &p->cv, &b);
    plot_ticks(w, v->caps, &p->cv, &b);
}

const pane_ops pane_loss_ops = {"loss", draw};
