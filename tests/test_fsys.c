/* test_fsys.c: formula systems: the error table (each message and column),
 * intermediates, the exact Jacobian against differences, noise, the graph. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gsl/gsl_rng.h>

#include "innx/expr.h"
#include "innx/fsys.h"

#define MAXL 20

/* A system from "name = src" strings, lines numbered from 1 in sys.inn. */
static fsys *sys_of(const char *const *text, size_t n_lines, size_t n_x, innx_err *e)
{
    fsys_line l[MAXL];
    char buf[MAXL][256];
    for (size_t k = 0; k < n_lines; k++) {
        snprintf(buf[k], sizeof buf[k], "%s", text[k]);
        char *eq = strchr(buf[k], '=');
        assert_non_null(eq);
        *eq = 0;
        char *name = buf[k], *end = eq;
        while (*name == ' ') name++;
        while (end > name && end[-1] == ' ') *--end = 0;
        const char *src = eq + 1;
        while (*src == ' ') src++;   /* columns count from the formula's start */
        l[k] = (fsys_line){name, src, "sys.inn", (int)k + 1};
    }
    return fsys_parse(l, n_lines, n_x, e);
}

static fsys *must(const char *const *text, size_t n_lines, size_t n_x)
{
    innx_err e = {{0}};
    fsys *s = sys_of(text, n_lines, n_x, &e);
    if (!s)
        fail_msg("'%s'... did not parse: %s", text[0], e.msg);
    return s;
}

#define N_OF(a) (sizeof a / sizeof *a)

/* Each bad system gets its message: where, which name, what, and for a
 * formula fault its column with the caret under it. */
static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *lines[5];
        size_t n_lines, n_x;
        int col;   /* 0: a line-level message, no caret */
        const char *msg;
    } t[] = {
        {{"y = a + 1", "a = x"}, 2, 1, 1, "sys.inn:1: y: formula:1:1: 'a' is used before it is defined"},
        {{"a = a + 1", "y = a"}, 2, 1, 1, "sys.inn:1: a: formula:1:1: 'a' refers to itself"},
        {{"y1 = x1 + b", "y2 = x2"}, 2, 2, 6, "sys.inn:1: y1: formula:1:6: unknown name 'b'"},
        {{"y = x1 + x3"}, 1, 2, 6, "sys.inn:1: y: formula:1:6: unknown name 'x3' (inputs: x1..x2)"},
        {{"y = x + 1"}, 1, 3, 1, "sys.inn:1: y: formula:1:1: unknown name 'x' (inputs: x1..x3)"},
        {{"y = x2"}, 1, 1, 1, "sys.inn:1: y: formula:1:1: unknown name 'x2' (the input is x)"},
        {{"y1 = x", "y2 = 2*x", "y4 = x^2"}, 3, 1, 0, "sys.inn:3: y4: y3 is missing (outputs run y1..y4)"},
        {{"a = x", "y = 1", "a = 2*x"}, 3, 1, 0, "sys.inn:3: a: defined twice (first at sys.inn:1)"},
        {{"y17 = x"}, 1, 1, 0, "sys.inn:1: y17: at most 16 outputs (y1..y16)"},
        {{"y0 = x"}, 1, 1, 0, "sys.inn:1: y0: outputs are named y1..y16"},
        {{"y = x", "y1 = x"}, 2, 1, 0, "sys.inn:1: y: both y and y1 given"},
        {{"a = x"}, 1, 1, 0, "sys.inn: no output line"},
        {{"sin = x", "y = sin"}, 2, 1, 0, "sys.inn:1: sin: a reserved name"},
        {{"x2 = 1", "y = x2"}, 2, 2, 0, "sys.inn:1: x2: x and x1..x16 name the inputs"},
        {{"2a = 1", "y = x"}, 2, 1, 0, "sys.inn:1: '2a': a name is a letter"},
        {{"y = normal(x)"}, 1, 1, 9, "sys.inn:1: y: formula:1:9: normal() takes two arguments"},
        {{"y = bernoulli"}, 1, 1, 10, "sys.inn:1: y: formula:1:10: expected '(' after bernoulli"},
        {{"y = x +"}, 1, 1, 4, "sys.inn:1: y: formula:1:4: unexpected end of formula"},
        {{"y = 1"}, 1, 17, 0, "system: 17 inputs: a system has 1 to 16"},
    };
    for (size_t i = 0; i < N_OF(t); i++) {
        innx_err e = {{0}};
        fsys *s = sys_of(t[i].lines, t[i].n_lines, t[i].n_x, &e);
        if (s)
            fail_msg("case %zu ('%s') parsed", i, t[i].lines[0]);
        if (strncmp(e.msg, t[i].msg, strlen(t[i].msg)) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, e.msg, t[i].msg);
        char *caret = strrchr(e.msg, '\n');
        if (t[i].col == 0) {
            assert_null(caret);
            continue;
        }
        /* the formula echoed, the caret under the column */
        assert_non_null(caret);
        assert_int_equal((int)strlen(caret + 1), 2 + t[i].col);
        assert_int_equal(caret[2 + t[i].col], '^');
    }
    /* no lines at all; a file-less line names "system" */
    innx_err e;
    assert_null(fsys_parse(NULL, 0, 1, &e));
    assert_non_null(strstr(e.msg, "no lines"));
    fsys_line l = {"y", "log(", NULL, 7};
    assert_null(fsys_parse(&l, 1, 1, &e));
    assert_string_equal(e.msg, "system:7: y: formula:1:5: unexpected end of formula\n  log(\n      ^");
    /* noise is a system's: the one-formula language refuses it */
    assert_null(expr_parse("x + normal(0, 1)", &e));
    assert_non_null(strstr(e.msg, "formula:1:5: normal() draws noise"));
}

/* Intermediates, outputs in any order, names reused across lines; the
 * values against the same map written out in one line each. */
static void test_intermediates(void **state)
{
    (void)state;
    static const char *arm[] = {
        "a2 = x2", "a3 = a2 + x3", "a4 = a3 + x4",
        "y2 = x1 + 0.5*sin(a2) + 0.5*sin(a3) + sin(a4)",   /* y2 before y1 */
        "y1 = 0.5*cos(a2) + 0.5*cos(a3) + cos(a4)",
        "unused_1 = y1 * y2",
    };
    fsys *s = must(arm, N_OF(arm), 4);
    assert_int_equal(fsys_n_in(s), 4);
    assert_int_equal(fsys_n_out(s), 2);
    assert_false(fsys_is_random(s));
    double x[3][4] = {{0.1, 0.2, -0.3, 0.4}, {-1, 2, 0.5, -0.7}, {0, 0, 0, 0}}, y[3][2];
    assert_int_equal(fsys_eval(s, &x[0][0], 3, &y[0][0], NULL, NULL), 0);
    for (int r = 0; r < 3; r++) {
        const double *v = x[r];
        double y1 = 0.5 * cos(v[1]) + 0.5 * cos(v[1] + v[2]) + cos(v[1] + v[2] + v[3]);
        double y2 = v[0] + 0.5 * sin(v[1]) + 0.5 * sin(v[1] + v[2]) + sin(v[1] + v[2] + v[3]);
        assert_true(fabs(y[r][0] - y1) < 1e-15 && fabs(y[r][1] - y2) < 1e-15);
    }
    fsys_free(s);
    /* an output may be used by a later line, and x1 is x when n = 1 */
    static const char *chain[] = {"y1 = x^2", "y2 = y1 + x1"};
    s = must(chain, 2, 1);
    double xx = 3, yy[2];
    fsys_eval(s, &xx, 1, yy, NULL, NULL);
    assert_true(yy[0] == 9 && yy[1] == 12);
    fsys_free(s);
    /* names that look like inputs but are not: xmax, y_k, ymax */
    static const char *names[] = {"xmax = 2", "ymax = xmax * x", "y = ymax + 1"};
    s = must(names, 3, 1);
    xx = 4;
    fsys_eval(s, &xx, 1, yy, NULL, NULL);
    assert_true(yy[0] == 9);
    fsys_free(s);
}

/* 16 inputs and 16 outputs are fine (x10..x16 exist only in systems). */
static void test_limits(void **state)
{
    (void)state;
    fsys_line l[16];
    char nm[16][16], src[16][64];
    for (int k = 0; k < 16; k++) {
        snprintf(nm[k], sizeof nm[k], "y%d", k + 1);
        snprintf(src[k], sizeof src[k], "x%d * x%d", k + 1, 16 - k);
        l[k] = (fsys_line){nm[k], src[k], "big", k + 1};
    }
    innx_err e;
    fsys *s = fsys_parse(l, 16, 16, &e);
    assert_non_null(s);
    double x[16], y[16], J[256];
    for (int j = 0; j < 16; j++)
        x[j] = j + 1;
    assert_int_equal(fsys_eval(s, x, 1, y, J, NULL), 0);
    for (int k = 0; k < 16; k++) {
        assert_true(y[k] == (k + 1.0) * (16.0 - k));
        for (int j = 0; j < 16; j++) {
            double want = (j == k ? x[15 - k] : 0) + (j == 15 - k ? x[k] : 0);
            assert_true(J[k * 16 + j] == want);
        }
    }
    fsys_free(s);
    /* x17 does not exist even with 16 inputs */
    fsys_line bad = {"y", "x17", "big", 1};
    assert_null(fsys_parse(&bad, 1, 16, &e));
    assert_non_null(strstr(e.msg, "unknown name 'x17' (inputs: x1..x16)"));
}

/* The exact Jacobian against central differences on a dozen systems, at
 * several points, batched (one chunk and more than one). */
static void test_jacobian(void **state)
{
    (void)state;
    static const struct { const char *lines[6]; size_t n_lines, n; } t[] = {
        {{"a2 = x2", "a3 = a2 + x3", "a4 = a3 + x4", "y1 = 0.5*cos(a2) + 0.5*cos(a3) + cos(a4)",
          "y2 = x1 + 0.5*sin(a2) + 0.5*sin(a3) + sin(a4)"}, 5, 4},
        {{"y1 = sin(3*x1)*cos(x2)", "y2 = sin(3*x2)*cos(x1)"}, 2, 2},
        {{"y1 = x1*x2*x3", "y2 = x1^2 - x3", "y3 = exp(x2)/x1"}, 3, 3},
        {{"r = sqrt(x1^2 + x2^2)", "y1 = r", "y2 = atan(x2/x1)"}, 3, 2},
        {{"y = pow(x1, x2) + log(x1 + x2)"}, 1, 2},
        {{"s = tanh(x1 - x2)", "y1 = s^2 + sinh(x3)", "y2 = cosh(s) * x3"}, 3, 3},
        {{"y1 = min(x1, x2) * max(x2, 1)", "y2 = abs(x1 - 3*x2)"}, 2, 2},
        {{"y1 = asin(x1/4) + acos(x2/5)", "y2 = tan(x1*x2)", "y3 = log10(1 + x1^2)"}, 3, 2},
        {{"u = x1 / (1 + x2^2)", "v = u*u - x1", "y1 = v / u", "y2 = -u"}, 4, 2},
        {{"y = sin(x)/x"}, 1, 1},
        {{"k = 2.5", "y1 = k*x1 + x2^3 - x3*x4*x5", "y2 = sqrt(x5) * e^x1"}, 3, 5},
        {{"y1 = (x1 - x2)^3", "y2 = x1*x2 + 1/(1 + x3^2)", "y3 = sin(x3 + pi*x1)", "y4 = x4"}, 4, 4},
    };
    const size_t rows = 150;   /* two chunks */
    for (size_t c = 0; c < N_OF(t); c++) {
        fsys *s = must(t[c].lines, t[c].n_lines, t[c].n);
        size_t n = fsys_n_in(s), m = fsys_n_out(s);
        double *x = malloc(rows * n * sizeof *x), *y = malloc(rows * m * sizeof *y);
        double *J = malloc(rows * m * n * sizeof *J);
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < n; j++)   /* positive, away from kinks and poles */
                x[r * n + j] = 0.3 + 0.9 * fmod(0.37 * (double)r + 0.61 * (double)j + 0.13 * (double)(r * j), 1.0);
        assert_int_equal(fsys_eval(s, x, rows, y, J, NULL), 0);
        for (size_t r = 0; r < rows; r += 7) {
            for (size_t j = 0; j < n; j++) {
                double xp[16], xm[16], yp[16], ym[16], h = 1e-6;
                memcpy(xp, x + r * n, n * sizeof *xp);
                memcpy(xm, x + r * n, n * sizeof *xm);
                xp[j] += h;
                xm[j] -= h;
                fsys_eval(s, xp, 1, yp, NULL, NULL);
                fsys_eval(s, xm, 1, ym, NULL, NULL);
                for (size_t i = 0; i < m; i++) {
                    double num = (yp[i] - ym[i]) / (2 * h), got = J[(r * m + i) * n + j];
                    if (!(fabs(got - num) <= 1e-6 * (1 + fabs(num))))
                        fail_msg("system %zu row %zu: dy%zu/dx%zu = %.12g, differences %.12g", c, r, i + 1,
                                 j + 1, got, num);
                }
            }
        }
        /* values with or without the Jacobian are the same bits */
        double *y2 = malloc(rows * m * sizeof *y2);
        fsys_eval(s, x, rows, y2, NULL, NULL);
        assert_memory_equal(y, y2, rows * m * sizeof *y);
        free(x), free(y), free(y2), free(J);
        fsys_free(s);
    }
}

/* The one-line shorthand agrees with the 1-variable evaluator, derivative
 * included, and keeps expr's messages. */
static void test_shorthand(void **state)
{
    (void)state;
    innx_err e;
    const char *f = "x*sin(x+e^x) - 0.3*log(x+1) + (-2)^x1";
    fsys *s = fsys_from_formula(f, &e);
    assert_non_null(s);
    expr *ex = expr_parse(f, &e);
    double x[300], v[300], d[300], y[300], J[300];
    for (int i = 0; i < 300; i++)
        x[i] = 0.01 * i;
    expr_eval_array(ex, x, 300, v, d);
    assert_int_equal(fsys_eval(s, x, 300, y, J, NULL), 0);
    for (int i = 0; i < 300; i++) {
        assert_true(y[i] == v[i] || (isnan(y[i]) && isnan(v[i])));
        assert_true(fabs(J[i] - d[i]) <= 1e-12 * (1 + fabs(d[i])) || (isnan(J[i]) && isnan(d[i])));
    }
    fsys_free(s);
    /* the same through the general n-tangent tape (two lines) */
    fsys_line two[2] = {{"a", f, "t", 1}, {"y", "a", "t", 2}};
    s = fsys_parse(two, 2, 1, &e);
    assert_non_null(s);
    assert_int_equal(fsys_eval(s, x, 300, y, J, NULL), 0);
    for (int i = 0; i < 300; i++) {
        assert_true(y[i] == v[i] || (isnan(y[i]) && isnan(v[i])));
        assert_true(fabs(J[i] - d[i]) <= 1e-12 * (1 + fabs(d[i])) || (isnan(J[i]) && isnan(d[i])));
    }
    expr_free(ex);
    fsys_free(s);
    assert_null(fsys_from_formula("sin(x", &e));
    assert_string_equal(e.msg, "formula:1:6: expected ')' to close sin(\n  sin(x\n       ^");
}

static double mean_of(const double *v, size_t n, size_t stride, double *sd)
{
    double s = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i * stride];
    s /= (double)n;
    for (size_t i = 0; i < n; i++)
        q += (v[i * stride] - s) * (v[i * stride] - s);
    *sd = sqrt(q / (double)(n - 1));
    return s;
}

/* Noise: the same seed gives the same bits whatever the batching; moments
 * of the draws; a draw's derivative is 0; the flag and the generator. */
static void test_noise(void **state)
{
    (void)state;
    static const char *sim[] = {"y1 = normal(2, 0.5)", "y2 = uniform(1, 3) + 0*x",
                                "y3 = bernoulli(0.3)", "y4 = x + normal(0, 0.1)", "y5 = normal(x, 1)"};
    fsys *s = must(sim, N_OF(sim), 1);
    assert_true(fsys_is_random(s));
    const size_t N = 20000;
    double *x = calloc(N, sizeof *x), *y = malloc(N * 5 * sizeof *y), *y2 = malloc(N * 5 * sizeof *y);
    double *J = malloc(N * 5 * sizeof *J);
    assert_int_equal(fsys_eval(s, x, 1, y, NULL, NULL), INNX_EINVAL);   /* no generator */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 42);
    assert_int_equal(fsys_eval(s, x, N, y, J, r), 0);
    /* seeded: the same bits, batched or a point at a time */
    gsl_rng_set(r, 42);
    for (size_t i = 0; i < 300; i++)
        fsys_eval(s, x + i, 1, y2 + 5 * i, NULL, r);
    assert_memory_equal(y, y2, 300 * 5 * sizeof *y);
    gsl_rng_set(r, 43);
    fsys_eval(s, x, 10, y2, NULL, r);
    assert_true(memcmp(y, y2, 10 * 5 * sizeof *y) != 0);
    /* moments: 5 standard errors */
    double sd, mu = mean_of(y, N, 5, &sd);
    assert_true(fabs(mu - 2) < 5 * 0.5 / sqrt((double)N));
    assert_true(fabs(sd - 0.5) < 0.02);
    mu = mean_of(y + 1, N, 5, &sd);
    assert_true(fabs(mu - 2) < 5 * (2 / sqrt(12.0)) / sqrt((double)N));
    assert_true(fabs(sd - 2 / sqrt(12.0)) < 0.02);
    for (size_t i = 0; i < N; i++)
        assert_true(y[i * 5 + 1] >= 1 && y[i * 5 + 1] < 3 && (y[i * 5 + 2] == 0 || y[i * 5 + 2] == 1));
    mu = mean_of(y + 2, N, 5, &sd);
    assert_true(fabs(mu - 0.3) < 5 * sqrt(0.21) / sqrt((double)N));
    /* derivatives: x + noise has 1; a draw's parameters carry none */
    for (size_t i = 0; i < N; i += 97) {
        assert_true(J[i * 5 + 0] == 0 && J[i * 5 + 3] == 1 && J[i * 5 + 4] == 0);
    }
    /* domain faults: a negative sd, p outside [0, 1] */
    static const char *bad[] = {"y1 = normal(0, -1)", "y2 = bernoulli(1.5)"};
    fsys *b = must(bad, 2, 1);
    fsys_eval(b, x, 1, y, NULL, r);
    assert_true(isnan(y[0]) && isnan(y[1]));
    fsys_free(b);
    gsl_rng_free(r);
    free(x), free(y), free(y2), free(J);
    fsys_free(s);
}

/* The graph computes what fsys_eval does, its gradient is J^T applied to
 * ones, and a simulator is refused with its reason. */
static void test_graph(void **state)
{
    (void)state;
    static const char *arm[] = {
        "a2 = x2", "a3 = a2 + x3", "a4 = a3 + x4", "dead = log(x1)",
        "y1 = 0.5*cos(a2) + 0.5*cos(a3) + cos(a4)", "y2 = x1 + 0.5*sin(a2) + 0.5*sin(a3) + sin(a4)",
        "y3 = 2",
    };
    fsys *s = must(arm, N_OF(arm), 4);
    innx_err e;
    graph *g = graph_alloc();
    int x = graph_feed(g, 5, 4);
    graph_requires_grad(g, x);
    int y = fsys_build_graph(s, g, x, &e);
    assert_true(y >= 0);
    size_t rows, cols;
    graph_shape(g, y, &rows, &cols);
    assert_true(rows == 5 && cols == 3);
    assert_int_equal(graph_compile(g, graph_sum(g, y), &e), 0);
    double xs[5][4], ys[5][3], J[5][3][4];
    for (int r = 0; r < 5; r++)
        for (int j = 0; j < 4; j++) {
            xs[r][j] = (float)(0.2 * r - 0.3 * j + 0.1);
            gsl_matrix_float_set(graph_value(g, x), r, j, (float)xs[r][j]);
        }
    graph_forward(g);
    graph_backward(g);
    fsys_eval(s, &xs[0][0], 5, &ys[0][0], &J[0][0][0], NULL);
    for (int r = 0; r < 5; r++) {
        for (int i = 0; i < 3; i++)
            assert_true(fabs(gsl_matrix_float_get(graph_value(g, y), r, i) - ys[r][i]) < 1e-5);
        for (int j = 0; j < 4; j++) {
            double want = J[r][0][j] + J[r][1][j] + J[r][2][j];
            assert_true(fabs(gsl_matrix_float_get(graph_grad(g, x), r, j) - want) < 1e-4);
        }
    }
    graph_free(g);
    fsys_free(s);
    static const char *sim[] = {"y = x + normal(0, 1)"};
    s = must(sim, 1, 1);
    g = graph_alloc();
    x = graph_feed(g, 5, 1);
    assert_int_equal(fsys_build_graph(s, g, x, &e), -1);
    assert_non_null(strstr(e.msg, "a simulator has no graph"));
    graph_free(g);
    fsys_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_intermediates),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_jacobian),
        cmocka_unit_test(test_shorthand),
        cmocka_unit_test(test_noise),
        cmocka_unit_test(test_graph),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
