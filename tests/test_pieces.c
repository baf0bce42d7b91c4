/* test_pieces.c: the monotone pieces of the article's and the notes' cases:
 * counts, turning points at f' = 0, poles cut, NaN gaps, the cap. */
#include <math.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "innx/expr.h"
#include "innx/pieces.h"

static size_t pieces(const char *s, double a, double b, pieces_piece *p, size_t cap)
{
    innx_err e;
    expr *f = expr_parse(s, &e);
    if (!f)
        fail_msg("%s", e.msg);
    size_t n;
    if (pieces_find(roots_expr_fn, f, a, b, 0, p, cap, &n, &e) != 0)
        fail_msg("%s: %s", s, e.msg);
    for (size_t i = 0; i < n; i++) {
        assert_true(p[i].lo < p[i].hi);
        assert_true(i == 0 || p[i].lo >= p[i - 1].hi);
        /* monotone: f on a fine grid inside stays between the end values */
        double lo = fmin(p[i].f_lo, p[i].f_hi), hi = fmax(p[i].f_lo, p[i].f_hi), prev = p[i].f_lo;
        int dir = p[i].f_hi > p[i].f_lo ? 1 : -1;
        for (int k = 1; k < 200; k++) {
            double x = p[i].lo + (p[i].hi - p[i].lo) * k / 200.0, v = expr_eval(f, &x, NULL);
            double tol = 1e-9 * (fabs(lo) + fabs(hi) + 1);
            assert_true(v >= lo - tol && v <= hi + tol);
            assert_true(dir * (v - prev) >= -tol);
            prev = v;
        }
        /* a turning end has f' = 0 there */
        double dv;
        if (p[i].lo_turn) {
            double x = p[i].lo;
            expr_eval_array(f, &x, 1, &(double){0}, &dv);
            assert_true(fabs(dv) < 1e-6);
        }
    }
    expr_free(f);
    return n;
}

/* The notes' counts (monotone pieces, from a dense scan). */
static void test_counts(void **state)
{
    (void)state;
    pieces_piece p[PIECES_MAX];
    assert_int_equal(pieces("cos(3*x) - 0.5*x + 0.2", -2, 3, p, PIECES_MAX), 5);
    assert_int_equal(pieces("sin(x^2) - 0.3", 0, 4, p, PIECES_MAX), 6);
    assert_int_equal(pieces("exp(-x/2)*sin(4*x) + 0.1", 0, 5, p, PIECES_MAX), 7);
    assert_int_equal(pieces("x*sin(x + exp(x))", -3, 3, p, PIECES_MAX), 10);
    /* three-roots: turning points near 1.51, 4.73 and 7.85 */
    assert_int_equal(pieces("sin(x) - 0.3*log(x + 1) + 0.1*exp(-x/3) + 0.2*sqrt(x) - 0.5", 0, 8, p, PIECES_MAX), 4);
}

static void test_turning_point(void **state)
{
    (void)state;
    pieces_piece p[4];
    assert_int_equal(pieces("(x - 1)^2", 0, 3, p, 4), 2);
    assert_true(fabs(p[0].hi - 1) < 1e-12 && p[0].hi_turn && p[1].lo_turn);
    assert_true(fabs(p[0].f_hi) < 1e-20);
    /* two turning points 2e-4 apart fall in one scan cell of [0, 10] */
    assert_int_equal(pieces("(x - 1)*(x - 1.0002)*(x - 5)", 0, 10, p, 4), 3);
}

static void test_poles_and_gaps(void **state)
{
    (void)state;
    pieces_piece p[8];
    /* a pole: two pieces, each ending at a finite value on its side */
    assert_int_equal(pieces("1/(x - 1)", 0, 3, p, 8), 2);
    assert_true(p[0].hi < 1 && p[1].lo > 1 && p[0].hi > 0.999);
    assert_true(isfinite(p[0].f_hi) && isfinite(p[1].f_lo));
    /* tan has poles at pi/2 and 3 pi/2 on [0, 5] */
    assert_int_equal(pieces("tan(x)", 0, 5, p, 8), 3);
    /* not defined below 0: one piece from 0 */
    assert_int_equal(pieces("sqrt(x) - 1", -1, 4, p, 8), 1);
    assert_true(p[0].lo >= 0 && p[0].lo < 1e-9);
}

static void test_too_many(void **state)
{
    (void)state;
    pieces_piece p[PIECES_MAX];
    innx_err e;
    expr *f = expr_parse("sin(100*x)", &e);
    size_t n;
    assert_int_not_equal(pieces_find(roots_expr_fn, f, 0, 10, 0, p, PIECES_MAX, &n, &e), 0);
    assert_non_null(strstr(e.msg, "narrow the domain"));
    expr_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_turning_point),
        cmocka_unit_test(test_poles_and_gaps),
        cmocka_unit_test(test_too_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
