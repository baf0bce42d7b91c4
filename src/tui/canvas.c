/* canvas.c: the plots' rasteriser: dots into braille bits, Bresenham lines
 * clipped in double first, linear and log axes, nice ticks; no curses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"

/* Braille dot bits by (column, row) inside a 2x4 cell (Unicode's order:
 * dots 1-3 and 4-6 down the columns, then 7 and 8 on the last row). */
static const unsigned char dot_bit[4][2] = {
    {0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

/* Distinct per series; the TUI keeps 10 to 12 for its marks and rules. */
static const char ascii_glyphs[] = "*o+x#%@&=$.:|";

char canvas_ascii_glyph(int series)
{
    if (series < 0)
        return ' ';
    return ascii_glyphs[series % (int)(sizeof ascii_glyphs - 1)];
}

/* The lowest value a log axis shows: lo itself when positive, else a span
 * of six decades under hi (or 1 when nothing is positive). */
static double log_floor(const canvas_axis *a)
{
    if (a->lo > 0 && isfinite(a->lo))
        return a->lo;
    if (a->hi > 0 && isfinite(a->hi))
        return a->hi * 1e-6;
    return 1.0;
}

double canvas_axis_frac(const canvas_axis *a, double v)
{
    if (isnan(v))
        return v;
    double lo = a->lo, hi = a->hi;
    if (a->log) {
        lo = log_floor(a);
        if (!(v > lo))
            v = lo;   /* <= 0 and below the floor clamp to the bottom */
        lo = log10(lo);
        hi = hi > 0 ? log10(hi) : lo;
        v = log10(v);
    }
    double span = hi - lo;
    if (!isfinite(span) || !(fabs(span) > 0))
        return 0.5;
    return (v - lo) / span;
}

void canvas_axis_fix(canvas_axis *a)
{
    if (!isfinite(a->lo) || !isfinite(a->hi) || a->lo > a->hi) {
        a->lo = a->log ? 1e-6 : 0;
        a->hi = 1;
    }
    if (a->log) {
        if (!(a->hi > 0))
            a->hi = 1;
        if (!(a->lo > 0) || a->lo >= a->hi)
            a->lo = a->lo > 0 ? a->lo / 10 : a->hi * 1e-6;
        if (a->lo >= a->hi)
            a->hi = a->lo * 10;
        return;
    }
    if (a->lo == a->hi) {
        double d = a->lo == 0 ? 1 : fabs(a->lo) * 0.1;
        a->lo -= d;
        a->hi += d;
    }
}

int canvas_init(canvas *c, int w, int h, int ascii)
{
    memset(c, 0, sizeof *c);
    c->ascii = ascii;
    c->x = (canvas_axis){0, 1, 0};
    c->y = (canvas_axis){0, 1, 0};
    return canvas_resize(c, w, h);
}

int canvas_resize(canvas *c, int w, int h)
{
    free(c->bits);
    free(c->owner);
    c->bits = NULL;
    c->owner = NULL;
    if (w <= 0 || h <= 0)
        w = h = 0;
    c->w = w;
    c->h = h;
    c->dw = 2 * w;
    c->dh = 4 * h;
    if (w == 0)
        return 0;
    c->bits = calloc((size_t)w * h, 1);
    c->owner = malloc((size_t)w * h);
    if (!c->bits || !c->owner) {
        free(c->bits);
        free(c->owner);
        c->bits = NULL;
        c->owner = NULL;
        c->w = c->h = c->dw = c->dh = 0;
        return -1;
    }
    canvas_clear(c);
    return 0;
}

void canvas_free(canvas *c)
{
    free(c->bits);
    free(c->owner);
    c->bits = NULL;
    c->owner = NULL;
    c->w = c->h = c->dw = c->dh = 0;
}

void canvas_clear(canvas *c)
{
    if (!c->bits)
        return;
    memset(c->bits, 0, (size_t)c->w * c->h);
    memset(c->owner, -1, (size_t)c->w * c->h);
}

void canvas_set_axes(canvas *c, const canvas_axis *x, const canvas_axis *y)
{
    c->x = *x;
    c->y = *y;
}

void canvas_dot(canvas *c, int dx, int dy, int series)
{
    if (dx < 0 || dy < 0 || dx >= c->dw || dy >= c->dh)
        return;
    size_t i = (size_t)(dy / 4) * c->w + dx / 2;
    c->bits[i] |= dot_bit[dy % 4][dx % 2];
    c->owner[i] = (signed char)(series < 0 ? 0 : series > 127 ? 127 : series);
}

void canvas_line(canvas *c, int x0, int y0, int x1, int y1, int series)
{
    /* Integer Bresenham; callers clip first, so the loop is bounded by the
     * canvas and never runs over millions of off-screen dots. */
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        canvas_dot(c, x0, y0, series);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

void canvas_hline(canvas *c, int dy, int every, int series)
{
    if (every < 1)
        every = 1;
    for (int x = 0; x < c->dw; x += every)
        canvas_dot(c, x, dy, series);
}

void canvas_vline(canvas *c, int dx, int every, int series)
{
    if (every < 1)
        every = 1;
    for (int y = 0; y < c->dh; y += every)
        canvas_dot(c, dx, y, series);
}

/* Fractions far outside [0, 1] only need to stay outside: bounding them
 * keeps the double -> int conversions defined. */
static double bound(double f)
{
    return f < -4 ? -4 : f > 5 ? 5 : f;
}

static double dot_x(const canvas *c, double x)
{
    return bound(canvas_axis_frac(&c->x, x)) * (c->dw - 1);
}

static double dot_y(const canvas *c, double y)
{
    return (1 - bound(canvas_axis_frac(&c->y, y))) * (c->dh - 1);
}

int canvas_map_x(const canvas *c, double x)
{
    double d = dot_x(c, x);
    return isnan(d) ? -1 : (int)lround(d);
}

int canvas_map_y(const canvas *c, double y)
{
    double d = dot_y(c, y);
    return isnan(d) ? -1 : (int)lround(d);
}

void canvas_point(canvas *c, double x, double y, int series)
{
    if (!c->bits || isnan(x) || isnan(y))
        return;
    canvas_dot(c, canvas_map_x(c, x), canvas_map_y(c, y), series);
}

/* Liang-Barsky: clip the segment to the dot box; 0 when nothing is left. */
static int clip(double *x0, double *y0, double *x1, double *y1, double w, double h)
{
    double t0 = 0, t1 = 1, dx = *x1 - *x0, dy = *y1 - *y0;
    double p[4] = {-dx, dx, -dy, dy};
    double q[4] = {*x0 + 0.5, w - 0.5 - *x0, *y0 + 0.5, h - 0.5 - *y0};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0)
                return 0;
            continue;
        }
        double t = q[i] / p[i];
        if (p[i] < 0) {
            if (t > t1)
                return 0;
            if (t > t0)
                t0 = t;
        } else {
            if (t < t0)
                return 0;
            if (t < t1)
                t1 = t;
        }
    }
    double ax = *x0, ay = *y0;
    *x0 = ax + t0 * dx;
    *y0 = ay + t0 * dy;
    *x1 = ax + t1 * dx;
    *y1 = ay + t1 * dy;
    return 1;
}

void canvas_segment(canvas *c, double x0, double y0, double x1, double y1, int series)
{
    if (!c->bits)
        return;
    double a = dot_x(c, x0), b = dot_y(c, y0), p = dot_x(c, x1), q = dot_y(c, y1);
    if (isnan(a) || isnan(b) || isnan(p) || isnan(q))
        return;
    if (!clip(&a, &b, &p, &q, c->dw, c->dh))
        return;
    canvas_line(c, (int)lround(a), (int)lround(b), (int)lround(p), (int)lround(q), series);
}

void canvas_polyline(canvas *c, const double *x, const double *y, size_t n, int series)
{
    for (size_t i = 0; i < n; i++) {
        double xi = x ? x[i] : (double)i;
        canvas_point(c, xi, y[i], series);   /* so a point between gaps shows */
        if (i > 0)
            canvas_segment(c, x ? x[i - 1] : (double)(i - 1), y[i - 1], xi, y[i], series);
    }
}

void canvas_hline_at(canvas *c, double y, int every, int series)
{
    if (c->bits && !isnan(y)) {
        int d = canvas_map_y(c, y);
        if (d >= 0 && d < c->dh)
            canvas_hline(c, d, every, series);
    }
}

void canvas_vline_at(canvas *c, double x, int every, int series)
{
    if (c->bits && !isnan(x)) {
        int d = canvas_map_x(c, x);
        if (d >= 0 && d < c->dw)
            canvas_vline(c, d, every, series);
    }
}

int canvas_cell(const canvas *c, int cx, int cy, char out[8])
{
    out[0] = ' ';
    out[1] = 0;
    if (!c->bits || cx < 0 || cy < 0 || cx >= c->w || cy >= c->h)
        return -1;
    size_t i = (size_t)cy * c->w + cx;
    unsigned b = c->bits[i];
    if (!b)
        return -1;   /* a space, never U+2800: some fonts draw it as a box */
    int s = c->owner[i];
    if (c->ascii) {
        out[0] = canvas_ascii_glyph(s);
        return s;
    }
    unsigned cp = 0x2800 + b;   /* three UTF-8 bytes: 1110xxxx 10xxxxxx 10xxxxxx */
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    out[3] = 0;
    return s;
}

static size_t linear_ticks(double lo, double hi, size_t max, double *t)
{
    if (max == 0)
        return 0;
    double span = hi - lo;
    if (!isfinite(span) || !(span > 0)) {
        t[0] = lo;
        return 1;
    }
    double raw = span / (double)max, mag = pow(10, floor(log10(raw))), step = mag;
    static const double mult[] = {1, 2, 5, 10};
    for (size_t i = 0; i < 4; i++) {
        step = mag * mult[i];
        if (step * (double)max >= span)
            break;
    }
    size_t n = 0;
    double first = ceil(lo / step - 1e-9);
    for (double k = first; n < max; k++) {
        double v = k * step;
        if (v > hi + step * 1e-9)
            break;
        t[n++] = fabs(v) < step * 1e-9 ? 0 : v;   /* no "-0" or 1e-17 labels */
    }
    return n;
}

size_t canvas_ticks(const canvas_axis *a, size_t max, double *t)
{
    if (max == 0)
        return 0;
    if (!a->log)
        return linear_ticks(a->lo, a->hi, max, t);
    double lo = log_floor(a), hi = a->hi;
    if (!(hi > lo))
        return linear_ticks(lo, hi, max, t);
    int e0 = (int)ceil(log10(lo) - 1e-9), e1 = (int)floor(log10(hi) + 1e-9);
    if (e1 < e0)   /* less than a decade: plain steps read better */
        return linear_ticks(lo, hi, max, t);
    int every = (e1 - e0) / (int)max + 1;
    size_t n = 0;
    for (int e = e0; e <= e1 && n < max; e += every)
        t[n++] = pow(10, e);
    if (n < 2 && max >= 2)   /* one power of ten alone says little of the scale */
        return linear_ticks(lo, hi, max, t);
    return n;
}

/* printf's number made short: 1e+04 -> 1e4, 1e-05 -> 1e-5 (exponents
 * cost width the axis lacks), 1.20e-4 -> 1.2e-4. */
static void shorten(const char *in, char *out)
{
    char *o = out;
    for (const char *p = in; *p; p++) {
        if (*p == 'e') {
            /* no trailing zeros (nor point) in the mantissa */
            while (o > out && o[-1] == '0' && memchr(out, '.', (size_t)(o - out)))
                o--;
            if (o > out && o[-1] == '.')
                o--;
            *o++ = *p++;
            if (*p == '-')
                *o++ = *p++;
            else if (*p == '+')
                p++;
            while (*p == '0' && p[1])
                p++;
            p--;
            continue;
        }
        *o++ = *p;
    }
    *o = 0;
}

int canvas_tick_label(double v, char *buf, size_t n)
{
    if (n == 0)
        return 0;
    char tmp[48], out[48];
    snprintf(tmp, sizeof tmp, "%.3g", v);
    shorten(tmp, out);
    /* too wide: fewer digits in exponent form ("0.00012" -> "1.2e-4"),
     * never a cut that would read as another number */
    for (int p = 2; strlen(out) >= n && p >= 0; p--) {
        snprintf(tmp, sizeof tmp, "%.*e", p, v);
        shorten(tmp, out);
    }
    size_t len = strlen(out), keep = len < n ? len : n - 1;
    memcpy(buf, out, keep);
    buf[keep] = 0;
    /* whole, and it reads as the tick: "1e-9" for 1.4e-9 would be a lie */
    double back = strtod(out, NULL);
    return len < n && fabs(back - v) <= 1e-6 * fabs(v);
}

size_t canvas_tick_labels(const canvas_axis *a, size_t max, size_t n, double *t, char (*labels)[16])
{
    if (n > 16)
        n = 16;
    /* fewer ticks (a coarser step) until every label fits and no two read
     * the same: a repeated label would tell two heights apart as one */
    for (size_t m = max; m >= 1; m--) {
        size_t k = canvas_ticks(a, m, t);
        int ok = k > 0;   /* a coarse step may leave no tick inside: try on */
        for (size_t i = 0; i < k && ok; i++) {
            ok = canvas_tick_label(t[i], labels[i], n);
            for (size_t j = 0; j < i && ok; j++)
                ok = strcmp(labels[i], labels[j]) != 0;
        }
        if (ok)
            return k;
    }
    return 0;
}
