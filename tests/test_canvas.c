/* test_canvas.c: the dot canvas (braille bits of every dot, ASCII glyphs,
 * lines, points, clipping), the linear and log axes, ticks, and decimation. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "canvas.h"
#include "history.h"

/* The code point of a cell's UTF-8 glyph (0 for a space). */
static unsigned cell_cp(const canvas *c, int cx, int cy)
{
    char s[8];
    canvas_cell(c, cx, cy, s);
    if (s[0] == ' ' && !s[1])
        return 0;
    const unsigned char *u = (const unsigned char *)s;
    assert_int_equal(u[0] & 0xF0, 0xE0);   /* three-byte sequence */
    assert_int_equal(u[1] & 0xC0, 0x80);
    assert_int_equal(u[2] & 0xC0, 0x80);
    assert_int_equal(u[3], 0);
    return ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
}

static void test_braille_bits(void **state)
{
    (void)state;
    /* (col, row) -> bit, as Unicode numbers the dots */
    static const int want[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
    canvas c;
    assert_int_equal(canvas_init(&c, 3, 2, 0), 0);
    assert_int_equal(c.dw, 6);
    assert_int_equal(c.dh, 8);
    for (int r = 0; r < 4; r++)
        for (int col = 0; col < 2; col++) {
            canvas_clear(&c);
            /* the same dot in cell (1, 1): dots (2 + col, 4 + r) */
            canvas_dot(&c, 2 + col, 4 + r, 3);
            assert_int_equal(cell_cp(&c, 1, 1), 0x2800 + want[r][col]);
            char s[8];
            assert_int_equal(canvas_cell(&c, 1, 1, s), 3);
            assert_int_equal(canvas_cell(&c, 0, 0, s), -1);
            assert_string_equal(s, " ");   /* empty: a space, not U+2800 */
        }
    /* all eight dots: U+28FF */
    canvas_clear(&c);
    for (int r = 0; r < 4; r++)
        for (int col = 0; col < 2; col++)
            canvas_dot(&c, col, r, 0);
    assert_int_equal(cell_cp(&c, 0, 0), 0x28FF);
    /* clipped dots change nothing, and cells outside are spaces */
    canvas_clear(&c);
    canvas_dot(&c, -1, 0, 0);
    canvas_dot(&c, 0, -1, 0);
    canvas_dot(&c, 6, 0, 0);
    canvas_dot(&c, 0, 8, 0);
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 3; x++)
            assert_int_equal(cell_cp(&c, x, y), 0);
    char s[8];
    assert_int_equal(canvas_cell(&c, 5, 5, s), -1);
    assert_string_equal(s, " ");
    canvas_free(&c);
}

static void test_ascii_and_owner(void **state)
{
    (void)state;
    canvas c;
    assert_int_equal(canvas_init(&c, 4, 1, 1), 0);
    canvas_dot(&c, 0, 0, 0);
    canvas_dot(&c, 2, 1, 1);
    canvas_dot(&c, 4, 2, 2);
    canvas_dot(&c, 5, 3, 2);
    canvas_dot(&c, 4, 0, 5);   /* last writer owns the cell */
    char s[8];
    assert_int_equal(canvas_cell(&c, 0, 0, s), 0);
    assert_string_equal(s, "*");
    assert_int_equal(canvas_cell(&c, 1, 0, s), 1);
    assert_string_equal(s, "o");
    assert_int_equal(canvas_cell(&c, 2, 0, s), 5);
    assert_int_equal(s[0], canvas_ascii_glyph(5));
    assert_int_equal(s[1], 0);
    assert_int_equal(canvas_cell(&c, 3, 0, s), -1);
    assert_string_equal(s, " ");
    /* glyphs differ from series to series, and no series is a space */
    for (int i = 0; i < 13; i++) {
        assert_true(canvas_ascii_glyph(i) != ' ');
        for (int j = 0; j < i; j++)
            assert_true(canvas_ascii_glyph(i) != canvas_ascii_glyph(j));
    }
    canvas_free(&c);
}

static int dot_set(const canvas *c, int dx, int dy)
{
    static const int bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
    return (c->bits[(dy / 4) * c->w + dx / 2] & bit[dy % 4][dx % 2]) != 0;
}

static int count_dots(const canvas *c)
{
    int n = 0;
    for (int y = 0; y < c->dh; y++)
        for (int x = 0; x < c->dw; x++)
            n += dot_set(c, x, y);
    return n;
}

static void test_lines(void **state)
{
    (void)state;
    canvas c;
    assert_int_equal(canvas_init(&c, 10, 5, 0), 0);   /* 20 x 20 dots */
    canvas_line(&c, 0, 0, 19, 19, 0);                 /* the diagonal */
    assert_int_equal(count_dots(&c), 20);
    for (int i = 0; i < 20; i++)
        assert_true(dot_set(&c, i, i));
    canvas_clear(&c);
    canvas_line(&c, 3, 7, 15, 7, 0);                  /* horizontal, both ends */
    assert_int_equal(count_dots(&c), 13);
    assert_true(dot_set(&c, 3, 7) && dot_set(&c, 15, 7));
    canvas_clear(&c);
    canvas_line(&c, 5, 18, 5, 2, 0);                  /* vertical, upwards */
    assert_int_equal(count_dots(&c), 17);
    canvas_clear(&c);
    canvas_line(&c, 0, 0, 19, 4, 0);                  /* shallow: one dot a column */
    assert_int_equal(count_dots(&c), 20);
    for (int x = 0; x < 20; x++) {
        int n = 0;
        for (int y = 0; y < 20; y++)
            n += dot_set(&c, x, y);
        assert_int_equal(n, 1);
    }
    canvas_clear(&c);
    canvas_line(&c, 4, 4, 4, 4, 0);                   /* a point */
    assert_int_equal(count_dots(&c), 1);
    canvas_clear(&c);
    canvas_hline(&c, 3, 1, 0);
    assert_int_equal(count_dots(&c), 20);
    canvas_clear(&c);
    canvas_vline(&c, 3, 2, 0);                        /* dotted */
    assert_int_equal(count_dots(&c), 10);
    canvas_free(&c);
}

static void test_data_space(void **state)
{
    (void)state;
    canvas c;
    assert_int_equal(canvas_init(&c, 10, 5, 0), 0);   /* 20 x 20 dots */
    canvas_axis x = {0, 19, 0}, y = {0, 19, 0};
    canvas_set_axes(&c, &x, &y);
    assert_int_equal(canvas_map_x(&c, 0), 0);
    assert_int_equal(canvas_map_x(&c, 19), 19);
    assert_int_equal(canvas_map_y(&c, 0), 19);        /* y grows upwards */
    assert_int_equal(canvas_map_y(&c, 19), 0);
    canvas_point(&c, 10, 10, 0);
    assert_true(dot_set(&c, 10, 9));
    canvas_point(&c, NAN, 1, 0);                      /* skipped */
    canvas_point(&c, 1e300, 1, 0);                    /* clipped */
    canvas_point(&c, -INFINITY, 1, 0);
    assert_int_equal(count_dots(&c), 1);
    /* a segment from far outside to far outside crosses the whole box,
     * clipped, not rasterised over 1e12 dots */
    canvas_clear(&c);
    canvas_segment(&c, -1e12, 9.5, 1e12, 9.5, 0);
    assert_int_equal(count_dots(&c), 20);
    canvas_clear(&c);
    canvas_segment(&c, -50, -50, 69, 69, 0);          /* the diagonal, clipped */
    for (int i = 0; i < 20; i++)
        assert_true(dot_set(&c, i, 19 - i));
    assert_int_equal(count_dots(&c), 20);
    canvas_clear(&c);
    canvas_segment(&c, -5, 30, 40, 30, 0);            /* wholly above: nothing */
    canvas_segment(&c, 0, NAN, 5, 5, 0);
    assert_int_equal(count_dots(&c), 0);
    /* a polyline with a gap: two pieces and a lone point */
    double py[] = {0, 19, NAN, 5, NAN};
    canvas_polyline(&c, NULL, py, 5, 0);
    assert_true(dot_set(&c, 0, 19) && dot_set(&c, 1, 0) && dot_set(&c, 3, 14));
    assert_false(dot_set(&c, 2, 9));
    canvas_clear(&c);
    canvas_hline_at(&c, 0, 1, 1);
    assert_int_equal(count_dots(&c), 20);
    canvas_hline_at(&c, 100, 1, 1);                   /* off the axis: nothing */
    canvas_vline_at(&c, -3, 1, 1);
    assert_int_equal(count_dots(&c), 20);
    canvas_free(&c);
}

static void test_log_axis(void **state)
{
    (void)state;
    canvas_axis a = {1e-3, 1e3, 1};
    assert_true(fabs(canvas_axis_frac(&a, 1) - 0.5) < 1e-12);
    assert_true(fabs(canvas_axis_frac(&a, 1e3) - 1) < 1e-12);
    assert_true(fabs(canvas_axis_frac(&a, 1e-2) - 1.0 / 6) < 1e-12);
    /* values <= 0 clamp to the bottom, never NaN or -Inf */
    assert_true(canvas_axis_frac(&a, 0) == 0);
    assert_true(canvas_axis_frac(&a, -5) == 0);
    assert_true(canvas_axis_frac(&a, -INFINITY) == 0);
    assert_true(isnan(canvas_axis_frac(&a, NAN)));
    /* a lo <= 0 on a log axis: six decades under hi */
    canvas_axis b = {0, 100, 1};
    assert_true(fabs(canvas_axis_frac(&b, 1e-4)) < 1e-12);
    assert_true(canvas_axis_frac(&b, 0) == 0);
    canvas_axis_fix(&b);
    assert_true(b.lo > 0 && b.lo < b.hi);
    /* nothing positive, degenerate, reversed: fixed to something usable */
    canvas_axis d[] = {{-3, -1, 1}, {5, 5, 1}, {5, 5, 0}, {0, 0, 0}, {2, 1, 0},
                       {NAN, 1, 0}, {1, INFINITY, 1}};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        canvas_axis_fix(&d[i]);
        assert_true(isfinite(d[i].lo) && isfinite(d[i].hi) && d[i].lo < d[i].hi);
        if (d[i].log)
            assert_true(d[i].lo > 0);
        double f = canvas_axis_frac(&d[i], d[i].lo);
        assert_true(isfinite(f));
    }
    /* a degenerate axis gives the middle, not a division by zero */
    canvas_axis z = {2, 2, 0}, zl = {-1, -1, 1};
    assert_true(canvas_axis_frac(&z, 2) == 0.5);
    assert_true(canvas_axis_frac(&zl, 3) == 0.5);
    /* on a canvas: 0 sits on the bottom row of a log plot */
    canvas c;
    assert_int_equal(canvas_init(&c, 4, 2, 0), 0);
    canvas_axis x = {0, 1, 0};
    canvas_set_axes(&c, &x, &a);
    assert_int_equal(canvas_map_y(&c, 0), 7);
    assert_int_equal(canvas_map_y(&c, 1e3), 0);
    canvas_free(&c);
}

static void test_ticks(void **state)
{
    (void)state;
    double t[16];
    canvas_axis a = {0, 10, 0};
    size_t n = canvas_ticks(&a, 6, t);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++)
        assert_true(fabs(t[i] - 2.0 * (double)i) < 1e-12);
    canvas_axis b = {-0.3, 0.7, 0};
    n = canvas_ticks(&b, 5, t);
    assert_true(n >= 3 && n <= 5);
    for (size_t i = 0; i < n; i++)
        assert_true(t[i] >= -0.3 - 1e-12 && t[i] <= 0.7 + 1e-12);
    canvas_axis l = {1e-6, 10, 1};
    n = canvas_ticks(&l, 4, t);
    assert_true(n >= 2 && n <= 4);
    for (size_t i = 0; i < n; i++) {
        double e = log10(t[i]);
        assert_true(fabs(e - round(e)) < 1e-9);
    }
    /* within one decade: plain steps instead of a lone power of ten */
    canvas_axis sub = {0.12, 1.6, 1};   /* holds 1 only */
    n = canvas_ticks(&sub, 5, t);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++)
        assert_true(t[i] >= 0.12 - 1e-12 && t[i] <= 1.6 + 1e-12);
    canvas_axis one = {3, 3, 0};
    assert_int_equal(canvas_ticks(&one, 4, t), 1);
    assert_int_equal(canvas_ticks(&a, 0, t), 0);
    char s[16];
    canvas_tick_label(1e-3, s, sizeof s);
    assert_string_equal(s, "0.001");
    canvas_tick_label(1e-5, s, sizeof s);
    assert_string_equal(s, "1e-5");
    canvas_tick_label(25000, s, sizeof s);
    assert_string_equal(s, "2.5e4");
    canvas_tick_label(0.5, s, sizeof s);
    assert_string_equal(s, "0.5");
    canvas_tick_label(-2, s, sizeof s);
    assert_string_equal(s, "-2");
    canvas_tick_label(123456, s, 4);
    assert_int_equal(strlen(s), 3);
}

/* The loss axis of xsin on a linear scale: ticks 1e-4, 1.2e-4, ... whose
 * "%.3g" ("0.00012") is wider than the 6 columns of a y label: cut to
 * "0.0001" twice. Every label must be whole and distinct, and read back
 * as its tick. */
static void test_tick_labels_distinct(void **state)
{
    (void)state;
    char s[16], labs[16][16];
    double t[16];
    assert_int_equal(canvas_tick_label(1.2e-4, s, 7), 1);
    assert_string_equal(s, "1.2e-4");
    assert_int_equal(canvas_tick_label(0.00012, s, 16), 1);
    assert_string_equal(s, "0.00012");   /* room enough: the plain form */
    canvas_axis xsin = {0.95e-4, 2.05e-4, 0};
    size_t n = canvas_tick_labels(&xsin, 6, 7, t, labs);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(labs[i], labs[j]))
                fail_msg("label %s twice", labs[i]);
    /* a sweep of spans and offsets at every label width a plot uses */
    for (int e = -9; e <= 9; e++)
        for (int k = 1; k < 40; k++)
            for (size_t width = 7; width <= 16; width += 9) {   /* a y label's, an x label's */
                double lo = pow(10, e) * (1 + 0.37 * k), hi = lo * (1 + 0.05 * k);
                canvas_axis a = {lo, hi, 0};
                n = canvas_tick_labels(&a, 6, width, t, labs);
                assert_true(n >= 1);
                for (size_t i = 0; i < n; i++) {
                    assert_true(strlen(labs[i]) < width);
                    double back = strtod(labs[i], NULL);   /* it reads as its tick */
                    if (!(fabs(back - t[i]) <= 1e-6 * fabs(t[i])))
                        fail_msg("tick %.17g labelled %s (width %zu)", t[i], labs[i], width);
                    for (size_t j = 0; j < i; j++)
                        if (!strcmp(labs[i], labs[j]))
                            fail_msg("axis [%g, %g]: label %s twice", lo, hi, labs[i]);
                }
            }
}

static void test_empty_canvas(void **state)
{
    (void)state;
    canvas c;
    assert_int_equal(canvas_init(&c, 0, 5, 0), 0);
    canvas_dot(&c, 0, 0, 0);
    canvas_line(&c, 0, 0, 5, 5, 0);
    canvas_point(&c, 0.5, 0.5, 0);
    canvas_segment(&c, 0, 0, 1, 1, 0);
    canvas_hline(&c, 0, 1, 0);
    char s[8];
    assert_int_equal(canvas_cell(&c, 0, 0, s), -1);
    assert_int_equal(canvas_resize(&c, 2, 1), 0);
    canvas_dot(&c, 3, 3, 1);
    assert_int_equal(canvas_cell(&c, 1, 0, s), 1);
    assert_int_equal(canvas_resize(&c, -1, -1), 0);
    assert_int_equal(c.w, 0);
    canvas_free(&c);
    canvas_free(&c);   /* twice is harmless */
}

static void test_decimate(void **state)
{
    (void)state;
    history_col col[8];
    float v[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    /* 10 points in 4 columns: 3, 2, 3, 2 points (floor(i * 4 / 10)) */
    assert_int_equal(history_decimate(NULL, v, 10, 4, col), 4);
    assert_int_equal(col[0].n, 3);
    assert_int_equal(col[1].n, 2);
    assert_int_equal(col[2].n, 3);
    assert_int_equal(col[3].n, 2);
    assert_true(col[0].lo == 1 && col[0].hi == 3 && fabs(col[0].mean - 2) < 1e-12);
    assert_true(col[3].lo == 9 && col[3].hi == 10 && fabs(col[3].mean - 9.5) < 1e-12);
    assert_true(fabs(col[0].x - 1) < 1e-12);   /* mean index */
    /* fewer points than columns: one each */
    assert_int_equal(history_decimate(NULL, v, 3, 8, col), 3);
    assert_true(col[2].lo == 3 && col[2].n == 1);
    /* a spike survives in hi */
    float sp[6] = {1, 1, 1000, 1, 1, 1};
    double xs[6] = {0, 10, 20, 30, 40, 50};
    assert_int_equal(history_decimate(xs, sp, 6, 2, col), 2);
    assert_true(col[0].hi == 1000 && col[1].hi == 1);
    assert_true(fabs(col[1].x - 40) < 1e-12);
    /* NaN and Inf are skipped; an all-NaN column says so */
    float bad[4] = {NAN, NAN, INFINITY, 2};
    assert_int_equal(history_decimate(NULL, bad, 4, 2, col), 2);
    assert_int_equal(col[0].n, 0);
    assert_true(isnan(col[0].mean));
    assert_int_equal(col[1].n, 1);
    assert_true(col[1].mean == 2);
    assert_int_equal(history_decimate(NULL, v, 0, 4, col), 0);
    assert_int_equal(history_decimate(NULL, v, 10, 0, col), 0);
    /* by x: points outside dropped, an empty column */
    double bx[5] = {0, 1, 2, 9, 11};
    float bv[5] = {1, 3, 5, 7, 100};
    assert_int_equal(history_bin(bx, bv, 5, 0, 10, 5, col), 5);
    assert_int_equal(col[0].n, 2);
    assert_true(fabs(col[0].mean - 2) < 1e-12 && fabs(col[0].x - 1) < 1e-12);
    assert_int_equal(col[1].n, 1);
    assert_int_equal(col[2].n, 0);
    assert_int_equal(col[4].n, 1);
    assert_true(col[4].hi == 7);
    assert_int_equal(history_bin(bx, bv, 5, 3, 3, 5, col), 0);
    /* every width from 1 to 300 over 1024 points: all points counted once */
    static float big[1024];
    static history_col out[300];
    for (size_t i = 0; i < 1024; i++)
        big[i] = (float)i;
    for (size_t w = 1; w <= 300; w++) {
        size_t m = history_decimate(NULL, big, 1024, w, out), total = 0;
        assert_int_equal(m, w);
        for (size_t k = 0; k < m; k++) {
            assert_true(out[k].n > 0);
            total += out[k].n;
            if (k)
                assert_true(out[k].lo > out[k - 1].hi);
        }
        assert_int_equal(total, 1024);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_braille_bits),
        cmocka_unit_test(test_ascii_and_owner),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_data_space),
        cmocka_unit_test(test_log_axis),
        cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_tick_labels_distinct),
        cmocka_unit_test(test_empty_canvas),
        cmocka_unit_test(test_decimate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
