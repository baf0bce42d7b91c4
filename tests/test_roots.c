/* test_roots.c: the root engine on the cases: two symmetric roots,
 * three (and four more) roots, a brute-force reference, a double root,
 * poles rejected, NaN gaps, and polishing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "innx/expr.h"
#include "innx/roots.h"

static size_t scan(const char *s, double y, double a, double b, roots_root *r, size_t cap)
{
    innx_err e;
    expr *f = expr_parse(s, &e);
    if (!f)
        fail_msg("%s", e.msg);
    size_t n;
    assert_int_equal(roots_scan(roots_expr_fn, f, y, a, b, NULL, r, cap, &n, &e), 0);
    for (size_t i = 0; i < n && i < cap; i++) {
        double x = r[i].x, v = expr_eval(f, &x, NULL);
        assert_true(fabs(v - y) == r[i].residual || fabs(fabs(v - y) - r[i].residual) < 1e-15);
    }
    expr_free(f);
    return n;
}

static void test_sinc_two_roots(void **state)
{
    (void)state;
    roots_root r[8];
    assert_int_equal(scan("sin(x)/x", 0.95, -10, 10, r, 8), 2);
    assert_true(fabs(r[0].x + 0.5519109786) < 1e-9 && fabs(r[1].x - 0.5519109786) < 1e-9);
    assert_true(r[0].bracketed && r[1].bracketed);
    assert_true(r[0].residual <= 1e-12 && r[1].residual <= 1e-12);
}

static void test_three_roots(void **state)
{
    (void)state;
    const char *f = "sin(x) - 0.3*log(x+1) + 0.1*exp(-x/3) + 0.2*sqrt(x) - 0.5";
    roots_root r[16];
    assert_int_equal(scan(f, 0, 0, 8, r, 16), 3);
    double want[3] = {0.397029, 2.595226, 6.907697};
    for (int i = 0; i < 3; i++)
        assert_true(fabs(r[i].x - want[i]) < 1e-6 && r[i].residual <= 1e-12);
    assert_int_equal(scan(f, 0, 8, 20, r, 16), 4);
    for (int i = 0; i < 4; i++)
        assert_true(r[i].x > 8 && r[i].x <= 20 && r[i].residual <= 1e-12);
}

/* x sin(x + e^x) oscillates ever faster towards x = 3: every root a dense
 * brute-force sign scan finds must be found, and nothing else. */
static void test_brute_force(void **state)
{
    (void)state;
    innx_err e;
    expr *f = expr_parse("x*sin(x+e^x)", &e);
    double ys[] = {0, 0.5, -1.2, 2.0};
    for (size_t k = 0; k < sizeof ys / sizeof *ys; k++) {
        double y = ys[k];
        /* reference: 2e6 points, every sign change refined by bisection */
        double ref[512];
        size_t nref = 0;
        size_t N = 2000000;
        double xp = -3, gp = expr_eval(f, &xp, NULL) - y;
        for (size_t i = 1; i <= N; i++) {
            double x = -3 + 6.0 * (double)i / (double)N, g = expr_eval(f, &x, NULL) - y;
            if (g == 0 && nref < 512)   /* a grid point right on a root (x = 0 for y = 0) */
                ref[nref++] = x;
            if (gp * g < 0 && nref < 512) {
                double lo = xp, hi = x, glo = gp;
                for (int it = 0; it < 60; it++) {
                    double m = 0.5 * (lo + hi), gm = expr_eval(f, &m, NULL) - y;
                    if ((gm < 0) == (glo < 0)) { lo = m; glo = gm; } else hi = m;
                }
                ref[nref++] = 0.5 * (lo + hi);
            }
            xp = x;
            gp = g;
        }
        roots_root r[512];
        size_t n;
        assert_int_equal(roots_scan(roots_expr_fn, f, y, -3, 3, NULL, r, 512, &n, &e), 0);
        if (n != nref)
            fail_msg("y = %g: %zu roots, brute force %zu", y, n, nref);
        for (size_t i = 0; i < n; i++)
            assert_true(fabs(r[i].x - ref[i]) < 1e-9 && r[i].residual <= 1e-12);
    }
    expr_free(f);
}

static void test_double_root_and_poles(void **state)
{
    (void)state;
    roots_root r[8];
    assert_int_equal(scan("(x-1)^2*(x+2)", 0, -5, 5, r, 8), 2);
    assert_true(fabs(r[0].x + 2) < 1e-12 && r[0].bracketed);
    assert_true(fabs(r[1].x - 1) < 1e-6 && !r[1].bracketed && r[1].residual <= 1e-9);
    assert_int_equal(scan("tan(x)", 0, 1, 5, r, 8), 1);
    assert_true(fabs(r[0].x - M_PI) < 1e-12);
    assert_int_equal(scan("1/x", 0, -1, 1, r, 8), 0);          /* pole, no root */
    assert_int_equal(scan("sqrt(x)-0.5", 0, -1, 1, r, 8), 1);  /* NaN gap on x < 0 */
    assert_true(fabs(r[0].x - 0.25) < 1e-12);
    assert_int_equal(scan("log(x)", 5, -1, 2, r, 8), 0);       /* no root: empty */
    assert_int_equal(scan("x^2+1", 0, -3, 3, r, 8), 0);         /* minimum above zero */
}

static void test_bad_domain(void **state)
{
    (void)state;
    innx_err e;
    expr *f = expr_parse("x", &e);
    size_t n;
    assert_int_equal(roots_scan(roots_expr_fn, f, 0, 2, 1, NULL, NULL, 0, &n, &e), INNX_EINVAL);
    assert_int_equal(roots_scan(roots_expr_fn, f, 0, 0, INFINITY, NULL, NULL, 0, &n, &e), INNX_EINVAL);
    expr_free(f);
}

/* Newton from a rough start, held in a bracket, to 1e-12; a failure is
 * said, not hidden. */
static void test_polish(void **state)
{
    (void)state;
    innx_err e;
    expr *f = expr_parse("sin(x)/x", &e);
    roots_root r;
    assert_int_equal(roots_polish(roots_expr_fn, f, 0.95, 0.545, 0, 0, 1e-12, &r), 0);
    assert_true(fabs(r.x - 0.5519109786218621) < 1e-12);
    assert_int_equal(roots_polish(roots_expr_fn, f, 0.95, 3.0, 0.1, 1.0, 1e-12, &r), 0);
    assert_true(fabs(r.x - 0.5519109786218621) < 1e-12);
    assert_int_equal(roots_polish(roots_expr_fn, f, 1.5, 0.5, 0, 0, 1e-12, &r), INNX_EFAIL);
    expr_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sinc_two_roots),
        cmocka_unit_test(test_three_roots),
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_double_root_and_poles),
        cmocka_unit_test(test_bad_domain),
        cmocka_unit_test(test_polish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
