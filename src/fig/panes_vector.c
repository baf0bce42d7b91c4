/* panes_vector.c: a vector problem's panes as figures, from the snapshot's
 * vector view: the answers' pair plot, y-space, each component's quantiles. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "innx/stats.h"
#include "panes_impl.h"

#define PAIR_MAX 4     /* components a pair plot shows (the first ones): 16 cells stay readable */
#define PAIR_BINS 24   /* a diagonal histogram's bars (400 samples: ~17 a bar) */
#define N_GROUPS 17    /* the view's 16 families and "none" */

static int oom(innx_err *err) { return innx_errf(err, INNX_ENOMEM, "out of memory"); }

static int no_view(innx_err *err)
{
    return innx_errf(err, INNX_EINVAL, "no samples at y* yet");
}

/* A title cut to the figure's room (a y* of 16 values is long). */
__attribute__((format(printf, 2, 3))) static void title(figure *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->title, sizeof f->title, fmt, ap);
    va_end(ap);
}

static size_t n_samples(const session_vector_view *v)
{
    return v->samples < SESSION_VECTOR_N ? v->samples : SESSION_VECTOR_N;
}

static size_t n_families(const session_vector_view *v) { return v->k < 16 ? v->k : 16; }

/* Sample i's group: its family, or one past the last for none (as the
 * terminal, which leaves those uncoloured). */
static size_t group_of(const session_vector_view *v, size_t i)
{
    size_t k = n_families(v);
    return v->label[i] < k ? v->label[i] : k;
}

/* A family in its cluster colour (the terminal's), none in grey. */
static int group_color(const session_vector_view *v, size_t g)
{
    return g < n_families(v) ? (int)(g % FIGURE_N_CURVES) : FIGURE_REF;
}

static void ystar_text(const session_vector_view *v, char *buf, size_t len)
{
    size_t at = 0;
    for (size_t j = 0; j < v->m && j < PROBLEM_MAX_Y && at < len; j++) {
        int w = snprintf(buf + at, len - at, "%s%.4g", j ? ", " : "(", v->ystar[j]);
        at += w > 0 ? (size_t)w : 0;
    }
    if (at < len)
        snprintf(buf + at, len - at, ")");
}

/* What a family's legend entry says: its size, and how many of it are
 * certified where F is deterministic. */
static void group_label(const session_vector_view *v, size_t g, size_t count, char *buf, size_t len)
{
    if (g >= n_families(v))
        snprintf(buf, len, "no family: %zu", count);
    else if (v->random)
        snprintf(buf, len, "family %zu: %zu", g + 1, v->count[g]);
    else
        snprintf(buf, len, "family %zu: %zu (%zu certified)", g + 1, v->count[g], v->count_certified[g]);
}

/* Component j's range over the samples, with 5 % air (a flat one: +-0.5). */
static void component_range(const session_vector_view *v, size_t j, figure_axis *a)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n_samples(v); i++)
        if (isfinite(v->x[i][j])) {
            lo = fmin(lo, v->x[i][j]);
            hi = fmax(hi, v->x[i][j]);
        }
    if (!(lo <= hi))
        lo = hi = 0;
    double pad = hi > lo ? (hi - lo) * 0.05 : 0.5;
    a->lo = lo - pad;
    a->hi = hi + pad;
}

static double spread(const double *a, size_t m)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < m; i++)
        if (isfinite(a[i]))
            lo = fmin(lo, a[i]), hi = fmax(hi, a[i]);
    return hi >= lo ? hi - lo : 0;
}

/* A stacked histogram of val (one a sample, NaN skipped) by group, bars
 * over f's x range: each group's cumulative count from the last group
 * down, opaque, so group 0 stands at the bottom and each group shows as
 * its own band. f's y axis gets 0..the tallest bar. */
static int stacked_histogram(figure *f, const session_vector_view *v, const double *val, innx_err *err)
{
    size_t G = n_families(v) + 1, N = n_samples(v);
    double (*cum)[PAIR_BINS] = calloc(N_GROUPS, sizeof *cum);
    if (!cum)
        return oom(err);
    double w = (f->x.hi - f->x.lo) / PAIR_BINS, centre[PAIR_BINS];
    for (size_t b = 0; b < PAIR_BINS; b++)
        centre[b] = f->x.lo + w * ((double)b + 0.5);
    for (size_t i = 0; i < N; i++) {
        double u = (val[i] - f->x.lo) / w;
        if (!isfinite(u) || u < 0 || u >= PAIR_BINS)
            continue;
        cum[group_of(v, i)][(size_t)u] += 1;
    }
    double top = 0;
    for (size_t b = 0; b < PAIR_BINS; b++) {
        for (size_t g = 1; g < G; g++)
            cum[g][b] += cum[g - 1][b];
        top = fmax(top, cum[G - 1][b]);
    }
    int st = 0;
    for (size_t g = G; g-- > 0 && st == 0;) {
        /* the grey "none" band only where some sample has no family */
        if (g + 1 == G && g > 0 && !memcmp(cum[g], cum[g - 1], sizeof cum[g]))
            continue;
        figure_series *se = figure_add_series(f, FIGURE_BARS, group_color(v, g), "", centre, cum[g], PAIR_BINS);
        if (!se)
            st = oom(err);
        else
            se->size = w;
    }
    free(cum);
    f->y.lo = 0;
    f->y.hi = top > 0 ? top * 1.08 : 1;
    return st;
}

int fig_vec_pairs(const session_snapshot *s, figure *f, innx_err *err)
{
    const session_vector_view *v = &s->vec;
    if (!s->has_vector || v->n == 0 || v->samples == 0)
        return no_view(err);
    size_t n = v->n < PROBLEM_MAX_X ? v->n : PROBLEM_MAX_X, d = n < PAIR_MAX ? n : PAIR_MAX, N = n_samples(v);
    size_t G = n_families(v) + 1;
    char ys[256], more[64] = "";
    ystar_text(v, ys, sizeof ys);
    if (d < n)
        snprintf(more, sizeof more, " (x1..x%zu of %zu)", d, n);
    title(f, "%s: %zu answers at y* = %s by family%s, step %ld", s->problem, N, ys, more, v->step);
    f->width = FIGURE_WIDTH;
    f->height = FIGURE_WIDTH;   /* square cells */
    f->legend = 0;
    int st = figure_set_grid(f, d, d > 1 ? d : 2);
    if (st != 0)
        return st == INNX_ENOMEM ? oom(err) : innx_errf(err, st, "a pair plot of %zu components", d);
    figure_axis range[PAIR_MAX];
    for (size_t j = 0; j < d; j++) {
        memset(&range[j], 0, sizeof range[j]);
        component_range(v, j, &range[j]);
        snprintf(range[j].label, sizeof range[j].label, "x%zu", j + 1);
    }
    double *a = malloc(2 * SESSION_VECTOR_N * sizeof *a);
    if (!a)
        return oom(err);
    double *b = a + SESSION_VECTOR_N;
    for (size_t r = 0; r < d && st == 0; r++)
        for (size_t c = 0; c <= r && st == 0; c++) {
            figure *cell = figure_cell(f, r, c);
            cell->x = range[c];
            cell->hide = (r + 1 < d ? FIGURE_HIDE_X : 0) | (c > 0 || r == c ? FIGURE_HIDE_Y : 0);
            if (r == c) {   /* the marginal: a histogram, counts unlabelled */
                for (size_t i = 0; i < N; i++)
                    a[i] = v->x[i][r];
                st = stacked_histogram(cell, v, a, err);
                continue;
            }
            cell->y = range[r];
            for (size_t g = 0; g < G && st == 0; g++) {
                size_t m = 0;
                for (size_t i = 0; i < N; i++)
                    if (group_of(v, i) == g) {
                        a[m] = v->x[i][c];
                        b[m++] = v->x[i][r];
                    }
                if (!m)
                    continue;
                figure_series *se = figure_add_series(cell, FIGURE_POINTS, group_color(v, g), "", a, b, m);
                if (!se) {
                    st = oom(err);
                    break;
                }
                se->size = 2.1;
                se->alpha = 0.55;
                /* a family at one point (an isolated root: square's ten)
                 * would be one small dot: drawn larger, solid */
                if (spread(a, m) < 0.01 * (cell->x.hi - cell->x.lo) &&
                    spread(b, m) < 0.01 * (cell->y.hi - cell->y.lo))
                    se->size = 5, se->alpha = 0.9;
            }
        }
    /* the legend in the empty upper triangle: one entry a family */
    figure *leg = figure_cell(f, 0, d > 1 ? d - 1 : 1);
    leg->hide = FIGURE_HIDE_AXES;
    leg->legend = 1;
    for (size_t g = 0; g < G && st == 0; g++) {
        size_t count = 0;
        for (size_t i = 0; i < N; i++)
            count += group_of(v, i) == g;
        if (g + 1 == G && !count)
            break;
        char label[96];
        group_label(v, g, count, label, sizeof label);
        figure_series *se = figure_add_series(leg, FIGURE_POINTS, group_color(v, g), label, NULL, NULL, 0);
        if (!se)
            st = oom(err);
        else
            se->size = 4;
    }
    free(a);
    return st;
}

int fig_vec_y(const session_snapshot *s, figure *f, innx_err *err)
{
    const session_vector_view *v = &s->vec;
    if (!s->has_vector || v->samples == 0)
        return no_view(err);
    if (!v->has_y)
        return innx_errf(err, INNX_EINVAL, "F is not known (a table without [forward]): no y-space");
    size_t N = n_samples(v), G = n_families(v) + 1, m = v->m;
    char ys[256];
    ystar_text(v, ys, sizeof ys);
    if (v->random)
        title(f, "%s: the answers re-simulated around y* (mean |F \u2212 y*|\u00b2 %.3g)", s->problem, v->resim_raw);
    else
        title(f, "%s: F of the %s samples (mean |F \u2212 y*|\u00b2 %.3g) and of the projected (%.2g)", s->problem,
              v->resampled ? "resampled" : "raw", v->resim_raw, v->resim_polished);
    double *a = malloc(4 * SESSION_VECTOR_N * sizeof *a);
    if (!a)
        return oom(err);
    double *b = a + SESSION_VECTOR_N, *all = b + SESSION_VECTOR_N;
    int st = 0;
    f->legend = G > 4 ? FIGURE_LEGEND_RIGHT : FIGURE_LEGEND_IN;   /* a line a family */
    char label[64];   /* a series label's room */
    snprintf(label, sizeof label, "y* = %.58s", ys);
    if (m == 1) {   /* one y: the raw answers' histogram, y* a line */
        snprintf(f->x.label, sizeof f->x.label, "y");
        snprintf(f->y.label, sizeof f->y.label, "samples");
        for (size_t i = 0; i < N; i++)
            a[i] = v->y_raw[i][0];
        stats_view_range(a, N, v->ystar[0], &f->x.lo, &f->x.hi);
        double pad = f->x.hi > f->x.lo ? (f->x.hi - f->x.lo) * 0.08 : 0.5;
        f->x.lo -= pad, f->x.hi += pad;
        st = stacked_histogram(f, v, a, err);
        if (st == 0 && !figure_add_mark(f, FIGURE_VLINE, v->ystar[0], NAN, FIGURE_TOTAL, label))
            st = oom(err);
        free(a);
        return st;
    }
    snprintf(f->x.label, sizeof f->x.label, "y1");
    snprintf(f->y.label, sizeof f->y.label, m > 2 ? "y2 (y3.. not shown)" : "y2");
    /* each axis over the raw and projected values' 2..98 %, y* in view */
    for (int ax = 0; ax < 2; ax++) {
        size_t q = 0;
        for (size_t i = 0; i < N; i++) {
            all[q++] = v->y_raw[i][ax];
            if (!v->random)
                all[q++] = v->y_pol[i][ax];
        }
        figure_axis *A = ax ? &f->y : &f->x;
        stats_view_range(all, q, v->ystar[ax], &A->lo, &A->hi);
        double pad = A->hi > A->lo ? (A->hi - A->lo) * 0.08 : 0.05 * fmax(1, fabs(v->ystar[ax]));
        A->lo -= pad, A->hi += pad;
    }
    figure_mark *mk = figure_add_mark(f, FIGURE_HLINE, NAN, v->ystar[1], FIGURE_RULE, "");
    if (!mk || !(mk = figure_add_mark(f, FIGURE_VLINE, v->ystar[0], NAN, FIGURE_RULE, "")))
        st = oom(err);
    for (size_t g = 0; g < G && st == 0; g++) {
        size_t q = 0;
        for (size_t i = 0; i < N; i++)
            if (group_of(v, i) == g) {
                a[q] = v->y_raw[i][0];
                b[q++] = v->y_raw[i][1];
            }
        if (!q)
            continue;
        char lab[96];
        if (g < n_families(v))
            snprintf(lab, sizeof lab, v->random ? "re-simulated, family %zu" : "F(raw sample), family %zu", g + 1);
        else
            snprintf(lab, sizeof lab, v->random ? "re-simulated, no family" : "F(raw sample), no family");
        figure_series *se = figure_add_series(f, FIGURE_POINTS, group_color(v, g), lab, a, b, q);
        if (!se)
            st = oom(err);
        else
            se->size = 2.6, se->alpha = 0.5;
    }
    if (st == 0 && !v->random) {
        size_t q = 0;
        for (size_t i = 0; i < N; i++)
            if (isfinite(v->y_pol[i][0]) && isfinite(v->y_pol[i][1])) {
                a[q] = v->y_pol[i][0];
                b[q++] = v->y_pol[i][1];
            }
        char lab[96];
        snprintf(lab, sizeof lab, "F(projected): %zu of %zu certified", v->n_certified, v->samples);
        figure_series *se = figure_add_series(f, FIGURE_POINTS, FIGURE_RULE, lab, a, b, q);
        if (!se)
            st = oom(err);
        else
            se->marker = FIGURE_RING, se->size = 5;
    }
    if (st == 0) {   /* y* last: on top of the answers that reach it */
        figure_series *se = figure_add_series(f, FIGURE_POINTS, FIGURE_TOTAL, label, v->ystar, v->ystar + 1, 1);
        if (!se)
            st = oom(err);
        else
            se->marker = FIGURE_CROSS, se->size = 9, se->rank = -1;
    }
    free(a);
    return st;
}

int fig_vec_marginals(const session_snapshot *s, figure *f, innx_err *err)
{
    const session_vector_view *v = &s->vec;
    if (!s->has_vector || v->n == 0 || v->samples == 0)
        return no_view(err);
    size_t n = v->n < PROBLEM_MAX_X ? v->n : PROBLEM_MAX_X, K = n_families(v);
    char ys[256];
    ystar_text(v, ys, sizeof ys);
    title(f, "%s: each component of the %zu answers at y* = %s", s->problem, n_samples(v), ys);
    snprintf(f->y.label, sizeof f->y.label, "x\u2c7c (each its own column)");
    /* one column a component, named x1, x2...; the legend beside them
     * (5 lines and one a family would cover the boxes) */
    f->legend = FIGURE_LEGEND_RIGHT;
    f->x = (figure_axis){.lo = 0.4, .hi = (double)n + 0.6, .step = 1, .format = "x%.0f"};
    /* every answer beside its column's box, in its family's colour (a strip
     * jittered across: the quantiles alone hide two modes) */
    double *sx = malloc(2 * SESSION_VECTOR_N * sizeof *sx);
    if (!sx)
        return oom(err);
    double *sy = sx + SESSION_VECTOR_N;
    figure_series *se = NULL;
    for (size_t g = 0; g <= K; g++)
        for (size_t j = 0; j < n; j++) {
            size_t q = 0;
            for (size_t i = 0; i < n_samples(v); i++)
                if (group_of(v, i) == g) {
                    double u = fmod((double)i * 0.6180339887, 1.0) - 0.5;
                    sx[q] = (double)j + 1 - 0.33 + 0.14 * u;
                    sy[q++] = v->x[i][j];
                }
            if (q && !(se = figure_add_series(f, FIGURE_POINTS, group_color(v, g), "", sx, sy, q))) {
                free(sx);
                return oom(err);
            }
            if (q)
                se->size = 1.5, se->alpha = 0.35;
        }
    free(sx);
    double xs[3 * PROBLEM_MAX_X * 3], ys_[3 * PROBLEM_MAX_X * 3];
    size_t q = 0;
    /* 5-95 %: a whisker with caps, NaN between the pieces of one line */
#define PT(X, Y) (xs[q] = (X), ys_[q++] = (Y))
    for (size_t j = 0; j < n; j++) {
        double c = (double)j + 1;
        PT(c, v->q05[j]), PT(c, v->q95[j]), PT(NAN, NAN);
    }
    se = figure_add_series(f, FIGURE_LINE, FIGURE_TOTAL, "5 % to 95 %", xs, ys_, q);
    if (!se)
        return oom(err);
    se->size = 1.3;
    q = 0;
    for (size_t j = 0; j < n; j++) {
        double c = (double)j + 1;
        PT(c - 0.1, v->q05[j]), PT(c + 0.1, v->q05[j]), PT(NAN, NAN);
        PT(c - 0.1, v->q95[j]), PT(c + 0.1, v->q95[j]), PT(NAN, NAN);
    }
    if (!(se = figure_add_series(f, FIGURE_LINE, FIGURE_TOTAL, "", xs, ys_, q)))
        return oom(err);
    se->size = 1.3;
    /* mean +- sd: a box each (the base differs, so a series each) */
    for (size_t j = 0; j < n; j++) {
        double c = (double)j + 1, top = v->mean[j] + v->sd[j];
        if (!(se = figure_add_series(f, FIGURE_BARS, FIGURE_REF, j ? "" : "mean \u00b1 sd", &c, &top, 1)))
            return oom(err);
        se->base = v->mean[j] - v->sd[j];
        se->size = 0.36;
        se->alpha = 0.45;
    }
    q = 0;
    for (size_t j = 0; j < n; j++) {
        double c = (double)j + 1;
        PT(c - 0.18, v->q50[j]), PT(c + 0.18, v->q50[j]), PT(NAN, NAN);
    }
#undef PT
    if (!(se = figure_add_series(f, FIGURE_LINE, FIGURE_TOTAL, "median", xs, ys_, q)))
        return oom(err);
    se->size = 2.6;
    /* the families' centres beside each other across the box */
    for (size_t c = 0; c < K; c++) {
        double off = K > 1 ? -0.13 + 0.26 * (double)c / (double)(K - 1) : 0;
        for (size_t j = 0; j < n; j++)
            xs[j] = (double)j + 1 + off, ys_[j] = v->centroid[c][j];
        char label[96];
        group_label(v, c, v->count[c], label, sizeof label);
        if (!(se = figure_add_series(f, FIGURE_POINTS, group_color(v, c), label, xs, ys_, n)))
            return oom(err);
        se->marker = FIGURE_DIAMOND;
        se->size = 5;
        se->rank = 1;
    }
    /* the mean last, a ring: seen around a family's centre on it */
    for (size_t j = 0; j < n; j++)
        xs[j] = (double)j + 1, ys_[j] = v->mean[j];
    if (!(se = figure_add_series(f, FIGURE_POINTS, FIGURE_TOTAL, "mean", xs, ys_, n)))
        return oom(err);
    se->marker = FIGURE_RING;
    se->size = 5;
    figure_autorange(f);
    return 0;
}
