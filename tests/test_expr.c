/* test_expr.c: the formula language: values, derivatives, precedence, the
 * error table (message and column), limits, NaN domains, the graph back end. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "innx/expr.h"

static double ev(const char *s, double x)
{
    innx_err e;
    expr *f = expr_parse(s, &e);
    if (!f)
        fail_msg("'%s' did not parse: %s", s, e.msg);
    double v = expr_eval(f, &x, NULL);
    expr_free(f);
    return v;
}

static void test_values(void **state)
{
    (void)state;
    static const struct { const char *s; double x, want; } t[] = {
        {"1", 0, 1}, {"2.5e-1", 0, 0.25}, {".5", 0, 0.5}, {"x", 3, 3}, {"x1", 3, 3},
        {"1+2*3", 0, 7}, {"(1+2)*3", 0, 9}, {"2^3^2", 0, 512}, {"-2^2", 0, -4},
        {"2^-1", 0, 0.5}, {"-x", 2, -2}, {"--x", 2, 2}, {"8/2/2", 0, 2}, {"1-2-3", 0, -4},
        {"pi", 0, M_PI}, {"e", 0, M_E}, {" sin( x ) ", 1, 0.8414709848078965},
        {"pow(2,10)", 0, 1024}, {"min(3,x)", 2, 2}, {"max(3,x)", 2, 3}, {"abs(-x)", 4, 4},
        {"log10(1000)", 0, 3}, {"sqrt(x)", 9, 3}, {"exp(log(x))", 5, 5}, {"tanh(0)", 0, 0},
        {"asin(1)", 0, M_PI / 2}, {"acos(1)", 0, 0}, {"atan(1)", 0, M_PI / 4},
        {"cosh(0)+sinh(0)", 0, 1}, {"tan(0)", 0, 0}, {"x*sin(x+e^x)", 0.5, 0.5 * sin(0.5 + exp(0.5))},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        double v = ev(t[i].s, t[i].x);
        if (!(fabs(v - t[i].want) <= 1e-14 * (1 + fabs(t[i].want))))
            fail_msg("'%s' at %g = %.17g, want %.17g", t[i].s, t[i].x, v, t[i].want);
    }
}

/* Domain faults are NaN, never a number that could pass for a root. */
static void test_nan_domains(void **state)
{
    (void)state;
    assert_true(isnan(ev("log(x)", -1)));
    assert_true(isnan(ev("sqrt(x)", -1)));
    assert_true(isnan(ev("x/x", 0)));
    assert_true(isnan(ev("asin(x)", 2)));
    assert_true(isnan(ev("min(log(x), 1)", -1)));
    assert_true(isnan(ev("x^0.5", -4)));
    assert_true(fabs(ev("x^3", -2) + 8) < 1e-15);   /* integer powers of negatives are fine */
}

/* Forward-mode derivative against central differences, point by point and
 * through the array evaluator. */
static void test_derivatives(void **state)
{
    (void)state;
    static const char *fs[] = {
        "sin(x)/x", "x*sin(x+e^x)", "sin(x) - 0.3*log(x+1) + 0.1*exp(-x/3) + 0.2*sqrt(x) - 0.5",
        "pow(x, 2.5)", "x^x", "tan(x)*cosh(x)", "asin(x/4)+acos(x/5)+atan(x)", "tanh(x)^2",
        "log10(x)*abs(x-3)", "min(x, 2)*max(x, 1)", "1/(1+x^2)", "sinh(x)-cosh(x/2)",
    };
    double xs[] = {0.3, 0.7, 1.1, 1.9, 2.4};
    for (size_t k = 0; k < sizeof fs / sizeof *fs; k++) {
        innx_err e;
        expr *f = expr_parse(fs[k], &e);
        assert_non_null(f);
        double v[5], d[5];
        expr_eval_array(f, xs, 5, v, d);
        for (int i = 0; i < 5; i++) {
            double h = 1e-6, xp = xs[i] + h, xm = xs[i] - h, dp;
            double num = (expr_eval(f, &xp, NULL) - expr_eval(f, &xm, NULL)) / (2 * h);
            double vv = expr_eval(f, &xs[i], &dp);
            if (!(fabs(d[i] - num) <= 1e-6 * (1 + fabs(num)) && dp == d[i] && vv == v[i]))
                fail_msg("%s at %g: derivative %.12g, differences give %.12g", fs[k], xs[i], d[i], num);
        }
        expr_free(f);
    }
}

/* The bad-formula table: each gets its message and its column. */
static void test_errors(void **state)
{
    (void)state;
    static const struct { const char *s; int col; const char *msg; } t[] = {
        {"sin(x)+sni(x)", 8, "unknown function 'sni'"},
        {"", 1, "unexpected end of formula"},
        {"1+", 3, "unexpected end of formula"},
        {"(x+1", 5, "expected ')'"},
        {"x+1)", 4, "unmatched ')'"},
        {"2x", 2, "expected an operator before 'x'"},
        {"y+1", 1, "unknown name 'y'"},
        {"sin x", 5, "expected '(' after sin"},
        {"pow(x)", 6, "pow() takes two arguments"},
        {"sin(x, 2)", 6, "sin() takes one argument"},
        {"x $ 2", 3, "expected an operator before '$'"},
        {"3*/x", 3, "unexpected '/'"},
        {"1e999", 1, "number out of range"},
        {"log(", 5, "unexpected end of formula"},
        {"x10", 1, "unknown name 'x10'"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        innx_err e = {{0}};
        expr *f = expr_parse(t[i].s, &e);
        if (f)
            fail_msg("'%s' parsed", t[i].s);
        char head[64];
        snprintf(head, sizeof head, "formula:1:%d: ", t[i].col);
        if (strncmp(e.msg, head, strlen(head)) != 0 || !strstr(e.msg, t[i].msg))
            fail_msg("'%s': got '%s', want '%s%s'", t[i].s, e.msg, head, t[i].msg);
        /* the formula is echoed with a caret under the column */
        char *caret = strrchr(e.msg, '\n');
        assert_non_null(caret);
        assert_int_equal((int)strlen(caret + 1), 2 + t[i].col);
        assert_int_equal(caret[1 + 2 + t[i].col - 1], '^');
    }
}

/* Over-long and over-deep formulas are refused with a message, no crash. */
static void test_limits(void **state)
{
    (void)state;
    char *s = malloc(10000);
    innx_err e;
    memset(s, '(', 300);
    strcpy(s + 300, "x");
    memset(s + 301, ')', 300);
    s[601] = 0;
    assert_null(expr_parse(s, &e));
    assert_non_null(strstr(e.msg, "nested deeper than 256"));
    memset(s, '-', 5000);
    s[5000] = 'x';
    s[5001] = 0;
    assert_null(expr_parse(s, &e));
    assert_non_null(strstr(e.msg, "longer than 4096"));
    for (int i = 0; i < 2000; i++) {   /* long but flat: fine */
        s[2 * i] = 'x';
        s[2 * i + 1] = '+';
    }
    strcpy(s + 4000, "1");
    expr *f = expr_parse(s, &e);
    assert_non_null(f);
    double x = 1;
    assert_true(expr_eval(f, &x, NULL) == 2001);
    expr_free(f);
    free(s);
}

/* The graph back end computes what the double evaluator does, and its
 * gradient flows back to x. */
static void test_graph_backend(void **state)
{
    (void)state;
    static const char *fs[] = {"sin(x)/(x+1e-6)", "x*sin(x+e^x)", "x^3 - 2*x + pow(x, x)",
                               "log10(x)+sqrt(x)*tanh(x)", "max(x, 1.5) - min(2, x)/x", "3"};
    for (size_t k = 0; k < sizeof fs / sizeof *fs; k++) {
        innx_err e;
        expr *f = expr_parse(fs[k], &e);
        graph *g = graph_alloc();
        int x = graph_feed(g, 5, 1);
        graph_requires_grad(g, x);
        int y = expr_build_graph(f, g, x);
        int l = graph_sum(g, y);
        assert_int_equal(graph_compile(g, l, &e), 0);
        double xs[5] = {0.3, 0.8, 1.2, 1.7, 2.2};
        for (int i = 0; i < 5; i++)
            gsl_matrix_float_set(graph_value(g, x), i, 0, (float)xs[i]);
        graph_forward(g);
        graph_backward(g);
        for (int i = 0; i < 5; i++) {
            double xf = (float)xs[i], d, v = expr_eval(f, &xf, &d);
            double gv = gsl_matrix_float_get(graph_value(g, y), i, 0);
            double gd = gsl_matrix_float_get(graph_grad(g, x), i, 0);
            if (!(fabs(gv - v) <= 1e-5 * (1 + fabs(v)) && fabs(gd - d) <= 1e-4 * (1 + fabs(d))))
                fail_msg("%s at %g: graph %g / %g, double %g / %g", fs[k], xf, gv, gd, v, d);
        }
        graph_free(g);
        expr_free(f);
    }
}

/* Names from a symbol table: inputs up to x16, earlier lines visible,
 * later ones and itself not; a frame carries n tangents, and the plain
 * evaluators refuse such an expr (its variables are slots, not x[]). */
static void test_syms(void **state)
{
    (void)state;
    static const char *const names[] = {"a", "y1", "me", "late"};
    expr_syms sy = {12, names, 4, 2, 0};
    innx_err e;
    expr *f = expr_parse_syms("x12 * a + y1^2", &sy, &e);
    assert_non_null(f);
    assert_true(expr_uses_slot(f, 11) && expr_uses_slot(f, 12) && expr_uses_slot(f, 13));
    assert_false(expr_uses_slot(f, 0) || expr_uses_slot(f, 14) || expr_uses_slot(f, 15));
    double x = 1;
    assert_true(isnan(expr_eval(f, &x, NULL)));
    /* one point, 2 tangents: slots 11..13 hold (3; 1, 0), (2; 0, 1), (5; 1, 1) */
    double slots[15 * 3] = {0}, stack[(8 * 3 + 2)], out[3];
    const double v[3][3] = {{3, 1, 0}, {2, 0, 1}, {5, 1, 1}};
    for (int s = 0; s < 3; s++)
        memcpy(slots + (11 + s) * 3, v[s], sizeof v[s]);
    assert_true(expr_stack_depth(f) <= 8);
    expr_frame fr = {1, 1, 2, slots, NULL, stack};
    expr_eval_frame(f, &fr, out);
    /* 3*2 + 25; d/dt1 = 1*2 + 2*5*1 = 12; d/dt2 = 3*1 + 2*5*1 = 13 */
    assert_true(out[0] == 31 && out[1] == 12 && out[2] == 13);
    expr_free(f);
    static const struct { const char *s; const char *msg; } bad[] = {
        {"late + 1", "formula:1:1: 'late' is used before it is defined"},
        {"2 * me", "formula:1:5: 'me' refers to itself"},
        {"y1 + x13", "formula:1:6: unknown name 'x13' (inputs: x1..x12)"},
        {"x012", "formula:1:1: unknown name 'x012'"},
        {"normal(0, 1)", "formula:1:1: normal() draws noise"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_null(expr_parse_syms(bad[i].s, &sy, &e));
        if (strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("'%s': got '%s', want '%s'", bad[i].s, e.msg, bad[i].msg);
    }
    sy.self = 4;   /* past the last: all visible */
    f = expr_parse_syms("late", &sy, &e);
    assert_non_null(f);
    expr_free(f);
    sy.self = 1;   /* a line naming itself */
    assert_null(expr_parse_syms("y1 + 1", &sy, &e));
    assert_non_null(strstr(e.msg, "'y1' refers to itself"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_nan_domains),
        cmocka_unit_test(test_derivatives),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_graph_backend),
        cmocka_unit_test(test_syms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
