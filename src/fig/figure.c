/* figure.c: the plot description and its cairo renderer (SVG, PNG, PDF):
 * axes with ticks and labels, series, marks, a legend, written safely. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "innx/figure.h"
#include "innx/safefile.h"

/* ---- colours ------------------------------------------------------------ */

/* The terminal's palette (term.c: xterm-256 colours 39, 208, 118, 205, 226,
 * 51, 141, 203, 250, 255, then 244, 242, 250) in RGB. The terminal draws
 * on black; a figure is on white, so the colours that would vanish there
 * keep their hue and are darkened: green 118, yellow 226, cyan 51, the
 * light greys; the total (white) becomes near-black. */
static const unsigned char palette[FIGURE_N_COLORS][3] = {
    {0, 135, 255},     /* 39 blue (0, 175, 255), a shade deeper */
    {255, 135, 0},     /* 208 orange */
    {70, 175, 0},      /* 118 green (135, 255, 0), darkened */
    {235, 80, 160},    /* 205 pink (255, 95, 175) */
    {200, 165, 0},     /* 226 yellow (255, 255, 0), darkened */
    {0, 175, 185},     /* 51 cyan (0, 255, 255), darkened */
    {145, 100, 235},   /* 141 purple (175, 135, 255) */
    {225, 50, 50},     /* 203 red (255, 95, 95) */
    {120, 120, 120},   /* 250 light grey, darkened */
    {25, 25, 25},      /* 255 white: the total, near-black on white */
    {110, 110, 110},   /* 244 the rule (y*) */
    {150, 150, 150},   /* 242 lambda marks */
    {160, 160, 160},   /* 250 the scan's roots */
};

void figure_color(int c, double rgb[3])
{
    int i = ((c % FIGURE_N_COLORS) + FIGURE_N_COLORS) % FIGURE_N_COLORS;
    for (int k = 0; k < 3; k++)
        rgb[k] = palette[i][k] / 255.0;
}

/* ---- the description ---------------------------------------------------- */

void figure_init(figure *f)
{
    memset(f, 0, sizeof *f);
    f->legend = 1;
}

void figure_free(figure *f)
{
    for (size_t i = 0; f->cells && i < f->rows * f->cols; i++)
        figure_free(&f->cells[i]);
    free(f->cells);
    for (size_t i = 0; i < f->n_series; i++)
        free(f->series[i].x);   /* y shares the block */
    free(f->series);
    free(f->marks);
    memset(f, 0, sizeof *f);
}

int figure_set_grid(figure *f, size_t rows, size_t cols)
{
    if (rows == 0 || cols == 0 || rows > 16 || cols > 16 || f->cells)
        return INNX_EINVAL;
    f->cells = malloc(rows * cols * sizeof *f->cells);
    if (!f->cells)
        return INNX_ENOMEM;
    f->rows = rows;
    f->cols = cols;
    for (size_t i = 0; i < rows * cols; i++) {
        figure_init(&f->cells[i]);
        f->cells[i].legend = 0;
    }
    return 0;
}

figure *figure_cell(figure *f, size_t row, size_t col)
{
    return f->cells && row < f->rows && col < f->cols ? &f->cells[row * f->cols + col] : NULL;
}

figure_series *figure_add_series(figure *f, figure_style style, int color, const char *label, const double *x,
                                 const double *y, size_t n)
{
    if (f->n_series == f->cap_series) {
        size_t cap = f->cap_series ? 2 * f->cap_series : 8;
        figure_series *s = realloc(f->series, cap * sizeof *s);
        if (!s)
            return NULL;
        f->series = s;
        f->cap_series = cap;
    }
    double *v = malloc((n ? 2 * n : 1) * sizeof *v);
    if (!v)
        return NULL;
    figure_series *s = &f->series[f->n_series++];
    memset(s, 0, sizeof *s);
    s->style = style;
    s->color = color;
    snprintf(s->label, sizeof s->label, "%s", label ? label : "");
    s->n = n;
    s->x = v;
    s->y = v + n;
    if (n) {
        memcpy(s->x, x, n * sizeof *x);
        memcpy(s->y, y, n * sizeof *y);
    }
    return s;
}

figure_mark *figure_add_mark(figure *f, figure_mark_kind kind, double x, double y, int color, const char *label)
{
    if (f->n_marks == f->cap_marks) {
        size_t cap = f->cap_marks ? 2 * f->cap_marks : 8;
        figure_mark *m = realloc(f->marks, cap * sizeof *m);
        if (!m)
            return NULL;
        f->marks = m;
        f->cap_marks = cap;
    }
    figure_mark *m = &f->marks[f->n_marks++];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->x = x;
    m->y = y;
    m->color = color;
    m->dashed = 1;
    snprintf(m->label, sizeof m->label, "%s", label ? label : "");
    return m;
}

static int usable(double v, int log) { return isfinite(v) && (!log || v > 0); }

/* A bar's width in data units: its own, else the smallest step between
 * neighbouring x's (one bar: 1). */
static double bar_width(const figure_series *s)
{
    if (s->size > 0)
        return s->size;
    double w = INFINITY;
    for (size_t i = 1; i < s->n; i++) {
        double d = fabs(s->x[i] - s->x[i - 1]);
        if (d > 0 && isfinite(d))
            w = fmin(w, d);
    }
    return isfinite(w) ? w : 1;
}

/* One axis from the data: the series' values and the marks across it. */
static void autorange_axis(figure *f, figure_axis *a, int is_x)
{
    if (a->lo < a->hi && (!a->log || a->lo > 0))
        return;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < f->n_series; i++) {
        const figure_series *s = &f->series[i];
        const double *v = is_x ? s->x : s->y;
        /* a bar spans its width across and stands on its base */
        double half = s->style == FIGURE_BARS && is_x ? bar_width(s) / 2 : 0;
        for (size_t j = 0; j < s->n; j++)
            if (usable(v[j], a->log)) {
                lo = fmin(lo, v[j] - half);
                hi = fmax(hi, v[j] + half);
            }
        if (s->style == FIGURE_BARS && !is_x && s->n && usable(s->base, a->log)) {
            lo = fmin(lo, s->base);
            hi = fmax(hi, s->base);
        }
    }
    for (size_t i = 0; i < f->n_marks; i++) {
        const figure_mark *m = &f->marks[i];
        double v[2] = {NAN, NAN};
        if (m->kind == (is_x ? FIGURE_VLINE : FIGURE_HLINE))
            v[0] = is_x ? m->x : m->y;
        else if (m->kind == FIGURE_SEGMENT)
            v[0] = is_x ? m->x : m->y, v[1] = is_x ? m->x1 : m->y1;
        for (int k = 0; k < 2; k++)
            if (usable(v[k], a->log)) {
                lo = fmin(lo, v[k]);
                hi = fmax(hi, v[k]);
            }
    }
    if (!(lo <= hi)) {   /* nothing to show: a unit range */
        lo = a->log ? 0.1 : 0;
        hi = a->log ? 10 : 1;
    }
    if (a->log) {
        if (hi <= lo * 1.0001) {
            lo /= 2;
            hi *= 2;
        }
        double r = log10(hi / lo) * 0.04;   /* matplotlib's 5 % air, less */
        a->lo = lo / pow(10, r);
        a->hi = hi * pow(10, r);
    } else {
        if (hi - lo <= 1e-12 * fmax(1, fabs(hi))) {
            double d = fabs(hi) > 0 ? fabs(hi) * 0.1 : 0.5;
            lo -= d;
            hi += d;
        }
        double d = (hi - lo) * 0.04;
        a->lo = lo - d;
        a->hi = hi + d;
    }
}

void figure_autorange(figure *f)
{
    autorange_axis(f, &f->x, 1);
    autorange_axis(f, &f->y, 0);
}

int figure_parse_formats(const char *s, unsigned *formats)
{
    *formats = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 3 && !strncmp(s, "svg", 3))
            *formats |= FIGURE_SVG;
        else if (n == 3 && !strncmp(s, "png", 3))
            *formats |= FIGURE_PNG;
        else if (n == 3 && !strncmp(s, "pdf", 3))
            *formats |= FIGURE_PDF;
        else
            return -1;
        s += n;
        if (*s == ',' && !*++s)
            return -1;   /* a trailing comma */
    }
    return *formats ? 0 : -1;
}

const char *figure_format_ext(unsigned one_format)
{
    return one_format == FIGURE_SVG ? "svg" : one_format == FIGURE_PNG ? "png" : one_format == FIGURE_PDF ? "pdf" : "";
}

/* ---- ticks --------------------------------------------------------------- */

#define MAX_TICKS 64
#define FONT "DejaVu Sans"   /* matplotlib's default face */
#define FS_TICK 12.0
#define FS_LABEL 13.5
#define FS_TITLE 15.0
#define FS_LEGEND 12.0

typedef struct tick {
    double v;
    int major;
    int decade;              /* a log tick labelled 10^e */
    int e;
    char text[32];
} tick;

/* 1, 2, 5 x 10^k: the step nearest to span / target from above. */
static double nice_step(double span, int target)
{
    double raw = span / (target > 0 ? target : 1);
    double p = pow(10, floor(log10(raw)));
    double m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/* Labels for linear ticks: the fewest decimals that tell neighbours apart
 * (a narrow range far from zero needs more than its step suggests). */
static void linear_labels(tick *t, size_t n, double step)
{
    double big = 0;
    for (size_t i = 0; i < n; i++)
        big = fmax(big, fabs(t[i].v));
    int sci = big >= 1e5 || (big > 0 && big < 1e-3) || step < 1e-4;
    int d0 = sci ? 0 : (int)fmax(0, -floor(log10(step) + 1e-9));
    for (int d = d0; d < d0 + 12; d++) {
        for (size_t i = 0; i < n; i++) {
            double v = fabs(t[i].v) < step * 1e-9 ? 0 : t[i].v;   /* never "-0" */
            snprintf(t[i].text, sizeof t[i].text, sci ? "%.*e" : "%.*f", d, v);
        }
        int distinct = 1;
        for (size_t i = 1; i < n; i++)
            distinct &= strcmp(t[i].text, t[i - 1].text) != 0;
        if (distinct)
            return;
    }
}

/* Major and minor ticks of an axis inside [lo, hi], at most ~target majors. */
static size_t axis_ticks(const figure_axis *a, int target, tick *t)
{
    size_t n = 0;
    if (!a->log) {
        double step = a->step > 0 && (a->hi - a->lo) / a->step < MAX_TICKS ? a->step : nice_step(a->hi - a->lo, target);
        double first = ceil(a->lo / step - 1e-9);
        for (double k = first; n < MAX_TICKS; k++) {
            double v = k * step;
            if (v > a->hi + step * 1e-9)
                break;
            memset(&t[n], 0, sizeof t[n]);
            t[n].v = v;
            t[n++].major = 1;
        }
        if (a->format[0] && a->step > 0)
            for (size_t i = 0; i < n; i++)
                snprintf(t[i].text, sizeof t[i].text, a->format, t[i].v);
        else
            linear_labels(t, n, step);
        return n;
    }
    /* log: decades; every few decades on a long axis; 2 and 5 too when
     * fewer than two decades are inside (else one tick or none shows) */
    int e0 = (int)floor(log10(a->lo) + 1e-9), e1 = (int)ceil(log10(a->hi) - 1e-9);
    int inside = 0;
    for (int e = e0; e <= e1; e++)
        inside += pow(10, e) >= a->lo * (1 - 1e-9) && pow(10, e) <= a->hi * (1 + 1e-9);
    int every = inside > target ? (inside + target - 1) / target : 1;
    for (int e = e0; e <= e1 && n < MAX_TICKS; e++) {
        for (int m = 1; m <= 9 && n < MAX_TICKS; m++) {
            double v = m * pow(10, e);
            if (v < a->lo * (1 - 1e-9) || v > a->hi * (1 + 1e-9))
                continue;
            memset(&t[n], 0, sizeof t[n]);
            t[n].v = v;
            if (m == 1 && e % every == 0) {
                t[n].major = t[n].decade = 1;
                t[n].e = e;
            } else if (inside < 2 && (m == 2 || m == 5)) {
                t[n].major = 1;
                snprintf(t[n].text, sizeof t[n].text, "%g", v);
            } else if (every > 1 || m == 1) {
                continue;   /* minor ticks only where decades are dense enough */
            }
            n++;
        }
    }
    /* fewer than two decades inside: label the decades as numbers too */
    for (size_t i = 0; i < n && inside < 2; i++)
        if (t[i].decade) {
            t[i].decade = 0;
            snprintf(t[i].text, sizeof t[i].text, "%g", t[i].v);
        }
    return n;
}

size_t figure_axis_ticks(const figure_axis *a, int target, double *v, char (*label)[32], size_t max)
{
    tick t[MAX_TICKS];
    size_t n = axis_ticks(a, target, t), m = 0;
    for (size_t i = 0; i < n && m < max; i++)
        if (t[i].major) {
            v[m] = t[i].v;
            if (t[i].decade)
                snprintf(label[m], 32, "10^%d", t[i].e);
            else
                snprintf(label[m], 32, "%s", t[i].text);
            m++;
        }
    return m;
}

/* ---- layout -------------------------------------------------------------- */

typedef struct layout {
    double w, h;
    double x0, y0, x1, y1;   /* the plot area */
    double ylab;             /* the y label's baseline (it runs upwards) */
    double band[4];          /* tick labels only inside (x0, y0, x1, y1): a grid's cell and half its gap */
    size_t nx, ny;
    tick tx[MAX_TICKS], ty[MAX_TICKS];
} layout;

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static double text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

/* A tick label's width: "10" and a raised exponent for a decade. */
static double tick_w(cairo_t *cr, const tick *t)
{
    if (!t->decade)
        return text_w(cr, t->text);
    char ex[16];
    snprintf(ex, sizeof ex, "%d", t->e);
    double w = text_w(cr, "10");
    font(cr, FS_TICK * 0.72, 0);
    w += text_w(cr, ex);
    font(cr, FS_TICK, 0);
    return w;
}

static double map_axis(const figure_axis *a, double v, double p0, double p1)
{
    double fr;
    if (a->log)
        fr = v > 0 ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo)) : NAN;
    else
        fr = (v - a->lo) / (a->hi - a->lo);
    return p0 + fr * (p1 - p0);
}

static void legend_size(cairo_t *cr, const figure *f, double *bw, double *bh);

static void compute_layout(cairo_t *cr, const figure *f, double w, double h, layout *L)
{
    L->w = w;
    L->h = h;
    /* tick counts from a first guess of the area: ~1 major per 90 px
     * across, ~1 per 55 px up */
    L->nx = axis_ticks(&f->x, (int)fmax(2, (w - 120) / 90), L->tx);
    L->ny = axis_ticks(&f->y, (int)fmax(2, (h - 100) / 55), L->ty);
    font(cr, FS_TICK, 0);
    double yw = 0;
    for (size_t i = 0; i < L->ny; i++)
        if (L->ty[i].major)
            yw = fmax(yw, tick_w(cr, &L->ty[i]));
    double left = 10 + yw + 8 + (f->y.label[0] ? FS_LABEL + 10 : 0);
    double bottom = 8 + FS_TICK * 1.25 + (f->x.label[0] ? FS_LABEL * 1.25 + 10 : 0) + 8;
    double top = f->title[0] ? FS_TITLE * 1.25 + 16 : 14;
    double right = 22;
    if (f->legend == FIGURE_LEGEND_RIGHT) {
        double bw, bh;
        legend_size(cr, f, &bw, &bh);
        right = bw > 0 ? bw + 22 : right;
    }
    if (f->margin[0] > 0 || f->margin[1] > 0 || f->margin[2] > 0 || f->margin[3] > 0) {
        left = f->margin[0];
        right = f->margin[1];
        top = f->margin[2];
        bottom = f->margin[3];
    }
    L->x0 = left;
    L->x1 = w - right;
    L->y0 = top;
    L->y1 = h - bottom;
    L->ylab = 8 + FS_LABEL;
    L->band[0] = L->band[1] = 0;
    L->band[2] = w;
    L->band[3] = h;
}

/* The widest major tick label of an axis. */
static double ticks_w(cairo_t *cr, const tick *t, size_t n)
{
    font(cr, FS_TICK, 0);
    double w = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].major)
            w = fmax(w, tick_w(cr, &t[i]));
    return w;
}

/* A small cell's axis: aimed at few ticks, a range just over one step
 * would show one alone (-1.6..1.6 at a step of 2), so more are asked for
 * until three show. */
static size_t cell_ticks(const figure_axis *a, int target, tick *t)
{
    size_t n = 0;
    for (int k = 0; k < 4; k++) {
        n = axis_ticks(a, target + k, t);
        size_t major = 0;
        for (size_t i = 0; i < n; i++)
            major += t[i].major;
        if (major >= 3 || a->log)
            break;
    }
    return n;
}

/* A grid's cell: the plot area is the cell (x0, y0)-(x1, y1) itself, its
 * ticks aimed at the cell's size, its labels kept within half the gap. */
#define GRID_GAP 14.0
static void cell_layout(cairo_t *cr, const figure *f, double x0, double y0, double x1, double y1, layout *L)
{
    L->x0 = x0, L->y0 = y0, L->x1 = x1, L->y1 = y1;
    L->w = x1 + GRID_GAP / 2, L->h = y1 + GRID_GAP / 2;
    L->band[0] = x0 - GRID_GAP / 2, L->band[1] = y0 - GRID_GAP / 2;
    L->band[2] = x1 + GRID_GAP / 2, L->band[3] = y1 + GRID_GAP / 2;
    if (f->hide & FIGURE_HIDE_AXES) {   /* a legend cell: no axes to tick */
        L->nx = L->ny = 0;
        L->ylab = x0;
        return;
    }
    L->nx = cell_ticks(&f->x, (int)fmax(2, (x1 - x0) / 50), L->tx);
    L->ny = cell_ticks(&f->y, (int)fmax(2, (y1 - y0) / 40), L->ty);
    L->ylab = x0 - 8 - ticks_w(cr, L->ty, L->ny) - 8;
}

/* The cells of a grid: equal rectangles between the outer margins, which
 * fit the tick labels of the left column and the bottom row (measured at a
 * first guess of the cell size). rect gets rows x cols (x0, y0, x1, y1). */
static void grid_layout(cairo_t *cr, const figure *f, double w, double h, double (*rect)[4])
{
    double top = f->title[0] ? FS_TITLE * 1.25 + 16 : 14, right = 16, left = 70, bottom = 50;
    layout *L = malloc(sizeof *L);
    for (int pass = 0; pass < 2; pass++) {
        double cw = (w - left - right - GRID_GAP * (double)(f->cols - 1)) / (double)f->cols;
        double ch = (h - top - bottom - GRID_GAP * (double)(f->rows - 1)) / (double)f->rows;
        for (size_t r = 0; r < f->rows; r++)
            for (size_t c = 0; c < f->cols; c++) {
                double *q = rect[r * f->cols + c];
                q[0] = left + (double)c * (cw + GRID_GAP);
                q[1] = top + (double)r * (ch + GRID_GAP);
                q[2] = q[0] + cw;
                q[3] = q[1] + ch;
            }
        if (pass == 1 || !L)
            break;
        double yw = 0, yl = 0, xl = 0;
        for (size_t r = 0; r < f->rows; r++) {
            const figure *g = &f->cells[r * f->cols];
            if (g->hide & (FIGURE_HIDE_Y | FIGURE_HIDE_AXES) || !(g->n_series || g->n_marks))
                continue;
            const double *q = rect[r * f->cols];
            cell_layout(cr, g, q[0], q[1], q[2], q[3], L);
            yw = fmax(yw, ticks_w(cr, L->ty, L->ny));
            yl = g->y.label[0] ? FS_LABEL + 10 : yl;
        }
        for (size_t c = 0; c < f->cols; c++) {
            const figure *g = &f->cells[(f->rows - 1) * f->cols + c];
            if (!(g->hide & (FIGURE_HIDE_X | FIGURE_HIDE_AXES)) && g->x.label[0])
                xl = FS_LABEL * 1.25 + 10;
        }
        left = 10 + yw + 8 + yl + 4;
        bottom = 8 + FS_TICK * 1.25 + xl + 8;
    }
    free(L);
}

static void to_px(const figure *f, const layout *L, double x, double y, double *px, double *py)
{
    *px = map_axis(&f->x, x, L->x0, L->x1);
    *py = map_axis(&f->y, y, L->y1, L->y0);
}

void figure_map_cell(const figure *f, int width, int height, size_t row, size_t col, double x, double y, double *px,
                     double *py, double area[4])
{
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t *cr = cairo_create(sf);
    layout *L = malloc(sizeof *L);
    double(*rect)[4] = f->cells ? malloc(f->rows * f->cols * sizeof *rect) : NULL;
    int done = 0;
    *px = *py = NAN;
    if (L && !f->cells) {
        compute_layout(cr, f, width, height, L);
        to_px(f, L, x, y, px, py);
        done = 1;
    } else if (L && rect && row < f->rows && col < f->cols) {
        size_t i = row * f->cols + col;
        grid_layout(cr, f, width, height, rect);
        cell_layout(cr, &f->cells[i], rect[i][0], rect[i][1], rect[i][2], rect[i][3], L);
        to_px(&f->cells[i], L, x, y, px, py);
        done = 1;
    }
    if (area && done) {
        area[0] = L->x0, area[1] = L->y0, area[2] = L->x1, area[3] = L->y1;
    }
    free(rect);
    free(L);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
}

void figure_map(const figure *f, int width, int height, double x, double y, double *px, double *py, double area[4])
{
    figure_map_cell(f, width, height, 0, 0, x, y, px, py, area);
}

/* ---- drawing ------------------------------------------------------------- */

static void set_color(cairo_t *cr, int c, double alpha)
{
    double rgb[3];
    figure_color(c, rgb);
    cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], alpha > 0 ? alpha : 1);
}

static void marker_path(cairo_t *cr, figure_marker m, double x, double y, double r)
{
    switch (m) {
    case FIGURE_CROSS:
        cairo_move_to(cr, x - r, y - r);
        cairo_line_to(cr, x + r, y + r);
        cairo_move_to(cr, x - r, y + r);
        cairo_line_to(cr, x + r, y - r);
        break;
    case FIGURE_PLUS:
        cairo_move_to(cr, x - r, y);
        cairo_line_to(cr, x + r, y);
        cairo_move_to(cr, x, y - r);
        cairo_line_to(cr, x, y + r);
        break;
    case FIGURE_DIAMOND:
        cairo_move_to(cr, x, y - r * 1.3);
        cairo_line_to(cr, x + r, y);
        cairo_line_to(cr, x, y + r * 1.3);
        cairo_line_to(cr, x - r, y);
        cairo_close_path(cr);
        break;
    default:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
        break;
    }
}

static double default_size(const figure_series *s)
{
    if (s->size > 0)
        return s->size;
    if (s->style == FIGURE_LINE)
        return 1.8;
    return s->marker == FIGURE_CROSS || s->marker == FIGURE_PLUS ? 6 : 2.6;
}

/* One marker, stroked or filled as its shape wants. */
static void draw_marker(cairo_t *cr, const figure_series *s, double x, double y, double r)
{
    marker_path(cr, s->marker, x, y, r);
    if (s->marker == FIGURE_CROSS || s->marker == FIGURE_PLUS) {
        cairo_set_line_width(cr, 2.2);
        cairo_stroke(cr);
    } else if (s->marker == FIGURE_RING) {
        cairo_set_line_width(cr, 1.3);
        cairo_stroke(cr);
    } else {
        cairo_fill(cr);
    }
}

static void draw_series(cairo_t *cr, const figure *f, const layout *L, const figure_series *s)
{
    set_color(cr, s->color, s->alpha);
    double sz = default_size(s);
    if (s->style == FIGURE_LINE) {
        cairo_set_line_width(cr, sz);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        int pen = 0;
        for (size_t i = 0; i < s->n; i++) {
            if (!usable(s->x[i], f->x.log) || !usable(s->y[i], f->y.log)) {
                pen = 0;   /* a gap */
                continue;
            }
            double px, py;
            to_px(f, L, s->x[i], s->y[i], &px, &py);
            if (pen)
                cairo_line_to(cr, px, py);
            else
                cairo_move_to(cr, px, py);
            pen = 1;
        }
        cairo_stroke(cr);
        return;
    }
    if (s->style == FIGURE_BARS) {
        double half = bar_width(s) / 2, base = f->y.log && !(s->base > 0) ? f->y.lo : s->base;
        for (size_t i = 0; i < s->n; i++) {
            if (!usable(s->x[i], f->x.log) || !usable(s->y[i], f->y.log) || s->y[i] == base)
                continue;
            double ax, ay, bx, by;
            to_px(f, L, s->x[i] - half, base, &ax, &ay);
            to_px(f, L, s->x[i] + half, s->y[i], &bx, &by);
            cairo_rectangle(cr, fmin(ax, bx), fmin(ay, by), fabs(bx - ax), fabs(by - ay));
        }
        cairo_fill(cr);
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (!usable(s->x[i], f->x.log) || !usable(s->y[i], f->y.log))
            continue;
        double px, py;
        to_px(f, L, s->x[i], s->y[i], &px, &py);
        draw_marker(cr, s, px, py, sz);
    }
}

static void mark_dash(cairo_t *cr, const figure_mark *m)
{
    static const double dash[] = {5, 4};
    cairo_set_dash(cr, dash, m->dashed ? 2 : 0, 0);
}

static void draw_mark(cairo_t *cr, const figure *f, const layout *L, const figure_mark *m)
{
    set_color(cr, m->color, 0);
    cairo_set_line_width(cr, 1.3);
    mark_dash(cr, m);
    double px, py, qx, qy;
    if (m->kind == FIGURE_VLINE) {
        if (!usable(m->x, f->x.log))
            return;
        to_px(f, L, m->x, f->y.lo, &px, &py);
        cairo_move_to(cr, px, L->y0);
        cairo_line_to(cr, px, L->y1);
    } else if (m->kind == FIGURE_HLINE) {
        if (!usable(m->y, f->y.log))
            return;
        to_px(f, L, f->x.lo, m->y, &px, &py);
        cairo_move_to(cr, L->x0, py);
        cairo_line_to(cr, L->x1, py);
    } else {
        if (!usable(m->x, f->x.log) || !usable(m->y, f->y.log) || !usable(m->x1, f->x.log) ||
            !usable(m->y1, f->y.log))
            return;
        to_px(f, L, m->x, m->y, &px, &py);
        to_px(f, L, m->x1, m->y1, &qx, &qy);
        cairo_move_to(cr, px, py);
        cairo_line_to(cr, qx, qy);
    }
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
}

static void draw_tick_label(cairo_t *cr, const layout *L, const tick *t, double x, double y, int align_right)
{
    /* (x, y): the label's right end (y axis) or centre (x axis), baseline y */
    double w = tick_w(cr, t);
    double at = align_right ? x - w : x - w / 2;
    /* a grid's neighbours share the gap: a label past its half is left out */
    if (align_right ? y - FS_TICK < L->band[1] || y > L->band[3] : at < L->band[0] || at + w > L->band[2])
        return;
    if (!t->decade) {
        cairo_move_to(cr, at, y);
        cairo_show_text(cr, t->text);
        return;
    }
    char ex[16];
    snprintf(ex, sizeof ex, "%d", t->e);
    cairo_move_to(cr, at, y);
    cairo_show_text(cr, "10");
    double bw = text_w(cr, "10");
    font(cr, FS_TICK * 0.72, 0);
    cairo_move_to(cr, at + bw, y - FS_TICK * 0.42);
    cairo_show_text(cr, ex);
    font(cr, FS_TICK, 0);
}

static void draw_axes(cairo_t *cr, const figure *f, const layout *L)
{
    /* a faint grid at the major ticks, under everything */
    cairo_set_line_width(cr, 0.8);
    cairo_set_source_rgb(cr, 0.91, 0.91, 0.91);
    for (size_t i = 0; i < L->nx; i++)
        if (L->tx[i].major) {
            double px = map_axis(&f->x, L->tx[i].v, L->x0, L->x1);
            cairo_move_to(cr, px, L->y0);
            cairo_line_to(cr, px, L->y1);
        }
    for (size_t i = 0; i < L->ny; i++)
        if (L->ty[i].major) {
            double py = map_axis(&f->y, L->ty[i].v, L->y1, L->y0);
            cairo_move_to(cr, L->x0, py);
            cairo_line_to(cr, L->x1, py);
        }
    cairo_stroke(cr);
}

static void draw_frame(cairo_t *cr, const figure *f, const layout *L)
{
    int show_x = !(f->hide & FIGURE_HIDE_X), show_y = !(f->hide & FIGURE_HIDE_Y);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, L->x0, L->y0, L->x1 - L->x0, L->y1 - L->y0);
    cairo_stroke(cr);
    font(cr, FS_TICK, 0);
    for (size_t i = 0; i < L->nx; i++) {
        double px = map_axis(&f->x, L->tx[i].v, L->x0, L->x1);
        double len = L->tx[i].major ? 5 : 3;
        cairo_move_to(cr, px, L->y1);
        cairo_line_to(cr, px, L->y1 + len);
        cairo_stroke(cr);
        if (L->tx[i].major && show_x)
            draw_tick_label(cr, L, &L->tx[i], px, L->y1 + 8 + FS_TICK, 0);
    }
    for (size_t i = 0; i < L->ny; i++) {
        double py = map_axis(&f->y, L->ty[i].v, L->y1, L->y0);
        double len = L->ty[i].major ? 5 : 3;
        cairo_move_to(cr, L->x0, py);
        cairo_line_to(cr, L->x0 - len, py);
        cairo_stroke(cr);
        if (L->ty[i].major && show_y)
            draw_tick_label(cr, L, &L->ty[i], L->x0 - 8, py + FS_TICK * 0.36, 1);
    }
    if (f->x.label[0] && show_x) {
        font(cr, FS_LABEL, 0);
        double w = text_w(cr, f->x.label);
        cairo_move_to(cr, (L->x0 + L->x1) / 2 - w / 2, L->y1 + 8 + FS_TICK * 1.25 + 8 + FS_LABEL);
        cairo_show_text(cr, f->x.label);
    }
    if (f->y.label[0] && show_y) {
        font(cr, FS_LABEL, 0);
        double w = text_w(cr, f->y.label);
        cairo_save(cr);
        cairo_move_to(cr, L->ylab, (L->y0 + L->y1) / 2 + w / 2);
        cairo_rotate(cr, -M_PI / 2);
        cairo_show_text(cr, f->y.label);
        cairo_restore(cr);
    }
    if (f->title[0]) {
        font(cr, FS_TITLE, 0);
        double w = text_w(cr, f->title);
        double at = (L->x0 + L->x1) / 2 - w / 2;
        if (w > L->x1 - L->x0)   /* wider than the plot (narrowed by its legend): over the image */
            at = (L->w - w) / 2;
        cairo_move_to(cr, at < 4 ? 4 : at, L->y0 - 12);
        cairo_show_text(cr, f->title);
    }
}

/* ---- the legend ---------------------------------------------------------- */

typedef struct entry {
    const char *label;
    const figure_series *s;   /* or */
    const figure_mark *m;
} entry;

#define MAX_ENTRIES 40

static size_t legend_entries(const figure *f, entry *e)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n_series && n < MAX_ENTRIES; i++)
        if (f->series[i].label[0])
            e[n++] = (entry){f->series[i].label, &f->series[i], NULL};
    for (size_t i = 0; i < f->n_marks && n < MAX_ENTRIES; i++) {
        if (!f->marks[i].label[0])
            continue;
        int dup = 0;   /* many marks, one entry: "scan roots" */
        for (size_t j = 0; j < n; j++)
            dup |= !strcmp(e[j].label, f->marks[i].label);
        if (!dup)
            e[n++] = (entry){f->marks[i].label, NULL, &f->marks[i]};
    }
    /* series by rank (a stable insertion sort: drawing order need not be
     * legend order, as the total is drawn last but listed first) */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && e[j].s && e[j - 1].s && e[j].s->rank < e[j - 1].s->rank; j--) {
            entry t = e[j];
            e[j] = e[j - 1];
            e[j - 1] = t;
        }
    return n;
}

/* How many data points a box would hide: the legend goes where it hides
 * the fewest (matplotlib's "best", over the four corners). */
static size_t covered(const figure *f, const layout *L, double bx, double by, double bw, double bh)
{
    size_t c = 0;
    for (size_t i = 0; i < f->n_series; i++) {
        const figure_series *s = &f->series[i];
        for (size_t j = 0; j < s->n; j++) {
            if (!usable(s->x[j], f->x.log) || !usable(s->y[j], f->y.log))
                continue;
            double px, py;
            to_px(f, L, s->x[j], s->y[j], &px, &py);
            c += px >= bx && px <= bx + bw && py >= by && py <= by + bh;
        }
    }
    return c;
}

#define LEG_ROW (FS_LEGEND * 1.45)
#define LEG_SW 26.0
#define LEG_PAD 7.0

/* The legend box's size (0 x 0 without entries). */
static void legend_size(cairo_t *cr, const figure *f, double *bw, double *bh)
{
    entry e[MAX_ENTRIES];
    size_t n = legend_entries(f, e);
    *bw = *bh = 0;
    if (n == 0)
        return;
    font(cr, FS_LEGEND, 0);
    double tw = 0;
    for (size_t i = 0; i < n; i++)
        tw = fmax(tw, text_w(cr, e[i].label));
    *bw = LEG_PAD + LEG_SW + 6 + tw + LEG_PAD;
    *bh = LEG_PAD + LEG_ROW * (double)n + LEG_PAD - (LEG_ROW - FS_LEGEND) * 0.5;
}

static void draw_legend(cairo_t *cr, const figure *f, const layout *L)
{
    entry e[MAX_ENTRIES];
    size_t n = legend_entries(f, e);
    if (!f->legend || n == 0)
        return;
    double row = LEG_ROW, sw = LEG_SW, pad = LEG_PAD, bw, bh;
    legend_size(cr, f, &bw, &bh);
    font(cr, FS_LEGEND, 0);
    double in = 8;
    double cx[4] = {L->x1 - in - bw, L->x0 + in, L->x1 - in - bw, L->x0 + in};
    double cy[4] = {L->y0 + in, L->y0 + in, L->y1 - in - bh, L->y1 - in - bh};
    size_t best = 0, least = (size_t)-1;
    for (int k = 0; k < 4 && f->legend != FIGURE_LEGEND_RIGHT; k++) {
        size_t c = covered(f, L, cx[k], cy[k], bw, bh);
        if (c < least) {
            least = c;
            best = (size_t)k;
        }
    }
    double bx = cx[best], by = cy[best];
    if (f->legend == FIGURE_LEGEND_RIGHT)   /* beside the plot, its top aligned */
        bx = L->x1 + 12, by = L->y0;
    /* a rounded box, a little see-through as matplotlib's */
    double r = 4;
    cairo_new_sub_path(cr);
    cairo_arc(cr, bx + bw - r, by + r, r, -M_PI / 2, 0);
    cairo_arc(cr, bx + bw - r, by + bh - r, r, 0, M_PI / 2);
    cairo_arc(cr, bx + r, by + bh - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, bx + r, by + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    for (size_t i = 0; i < n; i++) {
        double ym = by + pad + row * (double)i + FS_LEGEND * 0.5;
        double x0 = bx + pad, x1 = x0 + sw;
        if (e[i].s && e[i].s->style == FIGURE_POINTS) {
            set_color(cr, e[i].s->color, 0);
            draw_marker(cr, e[i].s, (x0 + x1) / 2, ym, fmin(default_size(e[i].s) * 1.3, 6));
        } else if (e[i].s && e[i].s->style == FIGURE_BARS) {
            set_color(cr, e[i].s->color, e[i].s->alpha);
            cairo_rectangle(cr, x0 + 4, ym - FS_LEGEND * 0.4, sw - 8, FS_LEGEND * 0.8);
            cairo_fill(cr);
        } else {
            int c = e[i].s ? e[i].s->color : e[i].m->color;
            set_color(cr, c, 0);
            cairo_set_line_width(cr, e[i].s ? default_size(e[i].s) : 1.3);
            if (e[i].m)
                mark_dash(cr, e[i].m);
            cairo_move_to(cr, x0, ym);
            cairo_line_to(cr, x1, ym);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
        }
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_move_to(cr, x1 + 6, ym + FS_LEGEND * 0.36);
        cairo_show_text(cr, e[i].label);
    }
}

/* One plot in the area L gives it (the whole image, or a grid's cell). */
static void draw_plot(cairo_t *cr, const figure *f, const layout *L)
{
    if (f->hide & FIGURE_HIDE_AXES) {   /* a legend cell */
        draw_legend(cr, f, L);
        return;
    }
    draw_axes(cr, f, L);
    /* data inside the plot area only: a pole's curve leaves it cleanly */
    cairo_save(cr);
    cairo_rectangle(cr, L->x0, L->y0, L->x1 - L->x0, L->y1 - L->y0);
    cairo_clip(cr);
    for (size_t i = 0; i < f->n_marks; i++)
        draw_mark(cr, f, L, &f->marks[i]);
    for (size_t i = 0; i < f->n_series; i++)
        draw_series(cr, f, L, &f->series[i]);
    cairo_restore(cr);
    draw_frame(cr, f, L);
    draw_legend(cr, f, L);
}

static int draw(cairo_t *cr, const figure *f, double w, double h, innx_err *err)
{
    layout *L = malloc(sizeof *L);
    double(*rect)[4] = f->cells ? malloc(f->rows * f->cols * sizeof *rect) : NULL;
    if (!L || (f->cells && !rect)) {
        free(L);
        free(rect);
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    }
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_BEST);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    if (!f->cells) {
        compute_layout(cr, f, w, h, L);
        draw_plot(cr, f, L);
    } else {
        grid_layout(cr, f, w, h, rect);
        for (size_t i = 0; i < f->rows * f->cols; i++) {
            const figure *g = &f->cells[i];
            if (!g->n_series && !g->n_marks)
                continue;
            cell_layout(cr, g, rect[i][0], rect[i][1], rect[i][2], rect[i][3], L);
            draw_plot(cr, g, L);
        }
        if (f->title[0]) {   /* over the whole grid */
            font(cr, FS_TITLE, 0);
            double tw = text_w(cr, f->title), at = (w - tw) / 2;
            cairo_move_to(cr, at < 4 ? 4 : at, FS_TITLE * 1.25 + 2);
            cairo_show_text(cr, f->title);
        }
    }
    free(L);
    free(rect);
    cairo_status_t st = cairo_status(cr);
    return st == CAIRO_STATUS_SUCCESS ? 0 : innx_errf(err, INNX_EFAIL, "cairo: %s", cairo_status_to_string(st));
}

/* ---- output --------------------------------------------------------------- */

static int axes_ok(const figure *f)
{
    return f->x.lo < f->x.hi && f->y.lo < f->y.hi && (!f->x.log || f->x.lo > 0) && (!f->y.log || f->y.lo > 0);
}

static cairo_status_t to_file(void *closure, const unsigned char *data, unsigned int len)
{
    FILE *fp = closure;
    return fwrite(data, 1, len, fp) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int figure_render(const figure *f, unsigned format, const char *path, int width, int height, double scale,
                  innx_err *err)
{
    if (width < 16 || height < 16 || width > 20000 || height > 20000 || !(scale > 0 && scale <= 8))
        return innx_errf(err, INNX_EINVAL, "%s: a figure of %dx%d at scale %g", path, width, height, scale);
    for (size_t i = 0; i < (f->cells ? f->rows * f->cols : 1); i++) {
        const figure *g = f->cells ? &f->cells[i] : f;
        if (f->cells && ((g->hide & FIGURE_HIDE_AXES) || (!g->n_series && !g->n_marks)))
            continue;   /* a legend or a blank cell has no axes to draw */
        if (!axes_ok(g))
            return innx_errf(err, INNX_EINVAL, "%s: the axes%s have no range (figure_autorange)", path,
                             f->cells ? " of a cell" : "");
    }
    safefile sf;
    int st = safefile_open(&sf, path, err);
    if (st != 0)
        return st;
    cairo_surface_t *s;
    if (format == FIGURE_SVG) {
        s = cairo_svg_surface_create_for_stream(to_file, sf.f, width, height);
    } else if (format == FIGURE_PDF) {
        s = cairo_pdf_surface_create_for_stream(to_file, sf.f, width, height);
    } else if (format == FIGURE_PNG) {
        s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)lround(width * scale), (int)lround(height * scale));
    } else {
        safefile_abort(&sf);
        return innx_errf(err, INNX_EINVAL, "%s: unknown figure format %u", path, format);
    }
    cairo_t *cr = cairo_create(s);
    if (format == FIGURE_PNG)
        cairo_scale(cr, scale, scale);
    st = draw(cr, f, width, height, err);
    cairo_destroy(cr);
    if (st == 0 && format == FIGURE_PNG) {
        cairo_status_t cs = cairo_surface_write_to_png_stream(s, to_file, sf.f);
        if (cs != CAIRO_STATUS_SUCCESS)
            st = innx_errf(err, INNX_EIO, "%s: %s", path, cairo_status_to_string(cs));
    }
    cairo_surface_finish(s);   /* SVG and PDF are written out here */
    cairo_status_t cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (st == 0 && cs != CAIRO_STATUS_SUCCESS)
        st = innx_errf(err, INNX_EIO, "%s: %s", path, cairo_status_to_string(cs));
    if (st != 0) {
        safefile_abort(&sf);
        return st;
    }
    return safefile_commit(&sf, SAFEFILE_NEW, err);
}

/* fontconfig, under cairo's text, keeps its caches until the process ends
 * (not a leak of ours): LeakSanitizer's default suppressions say so, so a
 * sanitizer build of innx can draw a figure and still report real leaks. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }
