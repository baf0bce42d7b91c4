/* test_graph.c: every graph op against finite differences, forward values
 * against hand-computed numbers, shape errors, determinism, fast tanh. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <gsl/gsl_rng.h>

#include "innx/graph.h"

float graph_fast_tanh(float x);

/* The random-projection loss sum(out * R) makes every output entry count. */
typedef int (*build_fn)(graph *g, int a, int b);

static gsl_rng *rng;

static void fill(gsl_matrix_float *m, double lo, double hi)
{
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            gsl_matrix_float_set(m, i, j, (float)(lo + (hi - lo) * gsl_rng_uniform(rng)));
}

/* Inputs a (ra x ca) and b (rb x cb) as feeds with gradients, values in
 * [lo, hi] and [blo, bhi]; checks d loss / d a and d loss / d b. */
static double check2r(build_fn f, size_t ra, size_t ca, size_t rb, size_t cb, double lo, double hi,
                      double blo, double bhi)
{
    graph *g = graph_alloc();
    int a = graph_feed(g, ra, ca), b = graph_feed(g, rb, cb);
    graph_requires_grad(g, a);
    graph_requires_grad(g, b);
    int y = f(g, a, b);
    size_t yr, yc;
    assert_int_equal(graph_shape(g, y, &yr, &yc), 0);
    innx_err e;
    int R = graph_feed(g, yr, yc);
    int loss = graph_sum(g, graph_mul(g, y, R));
    if (graph_compile(g, loss, &e) != 0)
        fail_msg("compile: %s", e.msg);
    fill(graph_value(g, a), lo, hi);
    fill(graph_value(g, b), blo, bhi);
    fill(graph_value(g, R), -1, 1);
    int wrt[2] = {a, b};
    double err = graph_check_grad(g, wrt, 2, 1e-2);
    graph_free(g);
    return err;
}

static double check2(build_fn f, size_t ra, size_t ca, size_t rb, size_t cb, double lo, double hi)
{
    return check2r(f, ra, ca, rb, cb, lo, hi, lo, hi);
}

#define TOL 1e-2   /* float forward, central differences with h = 1e-2 */

static int b_add(graph *g, int a, int b) { return graph_add(g, a, b); }
static int b_sub(graph *g, int a, int b) { return graph_sub(g, a, b); }
static int b_mul(graph *g, int a, int b) { return graph_mul(g, a, b); }
static int b_div(graph *g, int a, int b) { return graph_div(g, a, b); }
static int b_min(graph *g, int a, int b) { return graph_min(g, a, b); }
static int b_max(graph *g, int a, int b) { return graph_max(g, a, b); }
static int b_matmul(graph *g, int a, int b) { return graph_matmul(g, a, b); }
static int b_concat(graph *g, int a, int b) { return graph_concat(g, a, b); }
static int b_bias(graph *g, int a, int b) { return graph_add_bias(g, a, b); }
static int b_vstack(graph *g, int a, int b) { return graph_vstack(g, a, b); }
static int b_rows(graph *g, int a, int b) { return graph_add(g, graph_rows(g, a, 1, 3), b); }   /* a's rows 1..3 */

static void test_binary_ops(void **state)
{
    (void)state;
    build_fn ops[] = {b_add, b_sub, b_mul};
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
        assert_true(check2(ops[k], 5, 3, 5, 3, -2, 2) < TOL);   /* same shape */
        assert_true(check2(ops[k], 5, 3, 1, 3, -2, 2) < TOL);   /* row broadcast */
        assert_true(check2(ops[k], 5, 3, 5, 1, -2, 2) < TOL);   /* column broadcast */
        assert_true(check2(ops[k], 1, 1, 4, 2, -2, 2) < TOL);   /* scalar on the left */
    }
    /* min and max: operands apart, so no tie sits inside the difference
     * step; both orders, so the gradient must reach each side. */
    build_fn mm[] = {b_min, b_max};
    for (size_t k = 0; k < 2; k++) {
        assert_true(check2r(mm[k], 5, 3, 5, 3, -2, -1, 1, 2) < TOL);
        assert_true(check2r(mm[k], 5, 3, 5, 3, 1, 2, -2, -1) < TOL);
        assert_true(check2r(mm[k], 5, 3, 1, 3, 1, 2, -2, -1) < TOL);
    }
    assert_true(check2(b_div, 5, 3, 5, 3, 0.5, 2) < TOL);
    assert_true(check2(b_div, 5, 3, 1, 1, 0.5, 2) < TOL);
    assert_true(check2(b_matmul, 6, 4, 4, 3, -1, 1) < TOL);
    assert_true(check2(b_matmul, 6, 1, 1, 3, -1, 1) < TOL);  /* k = 1 path */
    assert_true(check2(b_matmul, 6, 3, 3, 1, -1, 1) < TOL);
    assert_true(check2(b_concat, 4, 2, 4, 3, -1, 1) < TOL);
    assert_true(check2(b_bias, 4, 3, 1, 3, -1, 1) < TOL);
    assert_true(check2(b_vstack, 4, 3, 2, 3, -1, 1) < TOL);
}

/* logsoftmax: rows of e^y sum to 1, and logits of 1000 do not overflow. */
static void test_logsoftmax_values(void **state)
{
    (void)state;
    graph *g = graph_alloc();
    int x = graph_feed(g, 2, 3), y = graph_logsoftmax(g, x);
    graph_keep(g, y);
    innx_err e;
    assert_int_equal(graph_compile(g, -1, &e), 0);
    const float v[2][3] = {{0.5f, -1.0f, 2.0f}, {1000.0f, 999.0f, -1000.0f}};
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 3; j++)
            gsl_matrix_float_set(graph_value(g, x), i, j, v[i][j]);
    graph_forward(g);
    for (size_t i = 0; i < 2; i++) {
        double s = 0;
        for (size_t j = 0; j < 3; j++)
            s += exp(gsl_matrix_float_get(graph_value(g, y), i, j));
        assert_true(fabs(s - 1) < 1e-6);
    }
    assert_true(fabs(gsl_matrix_float_get(graph_value(g, y), 1, 0) - -log1p(exp(-1.0))) < 1e-5);
    graph_free(g);
}

typedef int (*unary_fn)(graph *g, int a);
static int u_neg(graph *g, int a) { return graph_neg(g, a); }
static int u_scale(graph *g, int a) { return graph_scale(g, a, -1.7f); }
static int u_offset(graph *g, int a) { return graph_offset(g, a, 0.3f); }
static int u_square(graph *g, int a) { return graph_square(g, a); }
static int u_pow(graph *g, int a) { return graph_pow(g, a, 2.5f); }
static int u_sin(graph *g, int a) { return graph_sin(g, a); }
static int u_cos(graph *g, int a) { return graph_cos(g, a); }
static int u_tan(graph *g, int a) { return graph_tan(g, a); }
static int u_asin(graph *g, int a) { return graph_asin(g, a); }
static int u_acos(graph *g, int a) { return graph_acos(g, a); }
static int u_atan(graph *g, int a) { return graph_atan(g, a); }
static int u_sinh(graph *g, int a) { return graph_sinh(g, a); }
static int u_cosh(graph *g, int a) { return graph_cosh(g, a); }
static int u_exp(graph *g, int a) { return graph_exp(g, a); }
static int u_log(graph *g, int a) { return graph_log(g, a); }
static int u_sqrt(graph *g, int a) { return graph_sqrt(g, a); }
static int u_abs(graph *g, int a) { return graph_abs(g, a); }
static int u_tanh(graph *g, int a) { return graph_tanh(g, a); }
static int u_relu(graph *g, int a) { return graph_relu(g, a); }
static int u_softplus(graph *g, int a) { return graph_softplus(g, a); }
static int u_sigmoid(graph *g, int a) { return graph_sigmoid(g, a); }
static int u_silu(graph *g, int a) { return graph_silu(g, a); }
static int u_dtanh(graph *g, int a) { return graph_act_deriv(g, a, GRAPH_ACT_TANH); }
static int u_drelu(graph *g, int a) { return graph_act_deriv(g, a, GRAPH_ACT_RELU); }
static int u_dsoftplus(graph *g, int a) { return graph_act_deriv(g, a, GRAPH_ACT_SOFTPLUS); }
static int u_dsigmoid(graph *g, int a) { return graph_act_deriv(g, a, GRAPH_ACT_SIGMOID); }
static int u_dsilu(graph *g, int a) { return graph_act_deriv(g, a, GRAPH_ACT_SILU); }
static int u_did(graph *g, int a) { return graph_act_deriv(g, a, GRAPH_ACT_IDENTITY); }
static int u_logsoftmax(graph *g, int a) { return graph_logsoftmax(g, a); }
static int u_sum(graph *g, int a) { return graph_sum(g, a); }
static int u_mean(graph *g, int a) { return graph_mean(g, a); }
static int u_slice(graph *g, int a) { return graph_slice(g, a, 1, 2); }

static unary_fn unary_op;
static int as_binary(graph *g, int a, int b)
{
    /* b is unused but must still reach the loss for the harness */
    return graph_add(g, unary_op(g, a), graph_scale(g, graph_sum(g, b), 0.0f));
}

static double check1(unary_fn f, double lo, double hi)
{
    unary_op = f;
    return check2(as_binary, 6, 4, 1, 1, lo, hi);
}

/* Domains keep each op smooth: away from poles, kinks and its edges. */
static void test_unary_ops(void **state)
{
    (void)state;
    static const struct { unary_fn f; double lo, hi; const char *name; } t[] = {
        {u_neg, -2, 2, "neg"}, {u_scale, -2, 2, "scale"}, {u_offset, -2, 2, "offset"},
        {u_square, -2, 2, "square"}, {u_pow, 0.3, 2, "pow"}, {u_sin, -3, 3, "sin"},
        {u_cos, -3, 3, "cos"}, {u_tan, -1.2, 1.2, "tan"}, {u_asin, -0.9, 0.9, "asin"},
        {u_acos, -0.9, 0.9, "acos"}, {u_atan, -3, 3, "atan"}, {u_sinh, -2, 2, "sinh"},
        {u_cosh, -2, 2, "cosh"}, {u_exp, -2, 2, "exp"}, {u_log, 0.2, 3, "log"},
        {u_sqrt, 0.2, 3, "sqrt"}, {u_abs, 0.1, 2, "abs+"}, {u_abs, -2, -0.1, "abs-"},
        {u_tanh, -3, 3, "tanh"}, {u_relu, 0.1, 2, "relu+"}, {u_relu, -2, -0.1, "relu-"},
        {u_softplus, -3, 3, "softplus"}, {u_sigmoid, -3, 3, "sigmoid"}, {u_silu, -3, 3, "silu"},
        {u_dtanh, -3, 3, "act_d tanh"}, {u_drelu, 0.1, 2, "act_d relu+"}, {u_drelu, -2, -0.1, "act_d relu-"},
        {u_dsoftplus, -3, 3, "act_d softplus"}, {u_dsigmoid, -3, 3, "act_d sigmoid"},
        {u_dsilu, -3, 3, "act_d silu"}, {u_did, -2, 2, "act_d identity"},
        {u_logsoftmax, -3, 3, "logsoftmax"},
        {u_sum, -2, 2, "sum"}, {u_mean, -2, 2, "mean"}, {u_slice, -2, 2, "slice"},
    };
    for (size_t k = 0; k < sizeof t / sizeof *t; k++) {
        double e = check1(t[k].f, t[k].lo, t[k].hi);
        if (!(e < TOL))
            fail_msg("op %s: gradient error %g", t[k].name, e);
    }
}

/* act_deriv is the derivative of what graph_act_op computes. */
static void test_act_deriv_values(void **state)
{
    (void)state;
    for (int act = GRAPH_ACT_IDENTITY; act <= GRAPH_ACT_SILU; act++) {
        graph *g = graph_alloc();
        int x = graph_feed(g, 1, 41);
        int y = graph_act_op(g, x, (graph_act)act), d = graph_act_deriv(g, x, (graph_act)act);
        graph_keep(g, y);
        graph_keep(g, d);
        innx_err e;
        assert_int_equal(graph_compile(g, -1, &e), 0);
        double h = 1e-2;
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < 41; j++) {
                double v = -4 + 0.2 * j + 0.013 + (pass ? h : -h);
                gsl_matrix_float_set(graph_value(g, x), 0, (size_t)j, (float)v);
            }
            graph_forward(g);
            static float yy[2][41];
            for (int j = 0; j < 41; j++)
                yy[pass][j] = gsl_matrix_float_get(graph_value(g, y), 0, (size_t)j);
            if (pass == 1)
                for (int j = 0; j < 41; j++) {
                    gsl_matrix_float_set(graph_value(g, x), 0, (size_t)j, (float)(-4 + 0.2 * j + 0.013));
                    graph_forward(g);
                    double num = ((double)yy[1][j] - yy[0][j]) / (2 * h);
                    double an = gsl_matrix_float_get(graph_value(g, d), 0, (size_t)j);
                    if (!(fabs(num - an) < 2e-3))
                        fail_msg("act %d at %g: act_deriv %g, difference %g", act, -4 + 0.2 * j + 0.013, an, num);
                }
        }
        graph_free(g);
    }
}

/* Fused dense layer, every activation, through params and the input. */
static void test_dense(void **state)
{
    (void)state;
    /* k x m: through sgemm (5 x 40), and the thin loops with a narrow
     * input (3 x 40, 1 x 8) or a narrow output (40 x 3, 8 x 1) */
    static const size_t shapes[][2] = {{5, 40}, {3, 40}, {1, 8}, {40, 3}, {8, 1}};
    for (int act = GRAPH_ACT_IDENTITY; act <= GRAPH_ACT_SILU; act++) {
        for (size_t sh = 0; sh < sizeof shapes / sizeof *shapes; sh++) {
            int threads = 1;
            size_t rows = 7, k = shapes[sh][0], m = shapes[sh][1];
            graph *g = graph_alloc();
            graph_set_threads(g, threads);
            gsl_matrix_float *W = gsl_matrix_float_alloc(k, m), *gW = gsl_matrix_float_alloc(k, m);
            gsl_matrix_float *B = gsl_matrix_float_alloc(1, m), *gB = gsl_matrix_float_alloc(1, m);
            fill(W, -0.3, 0.3);
            fill(B, -0.3, 0.3);
            if (act == GRAPH_ACT_RELU) {
                /* keep every pre-activation >= 0.15 away from the kink,
                 * half the columns on each side of it */
                fill(W, -0.05 / (double)k * 5, 0.05 / (double)k * 5);
                for (size_t j = 0; j < m; j++)
                    gsl_matrix_float_set(B, 0, j, (float)((j % 2 ? 1 : -1) * (0.4 + 0.4 * gsl_rng_uniform(rng))));
            }
            int x = graph_feed(g, rows, k);
            graph_requires_grad(g, x);
            int w = graph_param(g, W, gW), b = graph_param(g, B, gB);
            int y = graph_dense(g, x, w, b, (graph_act)act);
            int R = graph_feed(g, rows, m);
            int loss = graph_sum(g, graph_mul(g, y, R));
            innx_err e;
            assert_int_equal(graph_compile(g, loss, &e), 0);
            fill(graph_value(g, x), -1, 1);
            fill(graph_value(g, R), -1, 1);
            int wrt[3] = {x, w, b};
            double err = graph_check_grad(g, wrt, 3, 1e-2);
            if (!(err < TOL))
                fail_msg("dense %zux%zu act %d: gradient error %g", k, m, act, err);
            graph_free(g);
            gsl_matrix_float_free(W);
            gsl_matrix_float_free(gW);
            gsl_matrix_float_free(B);
            gsl_matrix_float_free(gB);
        }
    }
}

/* Forward values worked by hand. */
static void test_forward_values(void **state)
{
    (void)state;
    graph *g = graph_alloc();
    int a = graph_feed(g, 2, 2), b = graph_const(g, 1, 2, 2.0f);
    int s = graph_div(g, a, b);                 /* [[1 2] [3 4]] / 2 */
    int m = graph_mean(g, graph_square(g, s));  /* (0.25+1+2.25+4)/4 = 1.875 */
    int w = graph_feed(g, 2, 1);
    int p = graph_matmul(g, a, w);              /* [[1 2][3 4]] [1; -1] = [-1; -1] */
    int c = graph_concat(g, p, graph_slice(g, a, 1, 1)); /* [[-1 2] [-1 4]] */
    graph_keep(g, c);
    innx_err e;
    assert_int_equal(graph_compile(g, m, &e), 0);
    gsl_matrix_float *A = graph_value(g, a);
    gsl_matrix_float_set(A, 0, 0, 1); gsl_matrix_float_set(A, 0, 1, 2);
    gsl_matrix_float_set(A, 1, 0, 3); gsl_matrix_float_set(A, 1, 1, 4);
    gsl_matrix_float_set(graph_value(g, w), 0, 0, 1);
    gsl_matrix_float_set(graph_value(g, w), 1, 0, -1);
    graph_forward(g);
    assert_true(fabs(graph_scalar(g, m) - 1.875) < 1e-7);
    gsl_matrix_float *C = graph_value(g, c);
    assert_true(gsl_matrix_float_get(C, 0, 0) == -1.0f && gsl_matrix_float_get(C, 0, 1) == 2.0f);
    assert_true(gsl_matrix_float_get(C, 1, 0) == -1.0f && gsl_matrix_float_get(C, 1, 1) == 4.0f);
    graph_free(g);
}

/* Shape faults: -1 from the builder, the first message from compile. */
static void test_shape_errors(void **state)
{
    (void)state;
    graph *g = graph_alloc();
    int a = graph_feed(g, 4, 3), b = graph_feed(g, 2, 5);
    assert_int_equal(graph_matmul(g, a, b), -1);
    assert_int_equal(graph_add(g, a, b), -1);
    assert_int_equal(graph_tanh(g, -1), -1);
    innx_err e;
    assert_int_equal(graph_compile(g, -1, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "matmul: 4x3 times 2x5"));
    graph_free(g);
    g = graph_alloc();
    a = graph_feed(g, 4, 3);
    assert_int_equal(graph_compile(g, a, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "loss must be 1x1"));
    graph_free(g);
    g = graph_alloc();
    a = graph_feed(g, 4, 3);
    assert_int_equal(graph_slice(g, a, 2, 2), -1);
    assert_int_equal(graph_compile(g, -1, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "slice"));
    graph_free(g);
}

/* No gradient to check (a feed not asked for one) is a failed check. */
static void test_check_needs_grad(void **state)
{
    (void)state;
    graph *g = graph_alloc();
    int a = graph_feed(g, 2, 2);
    int l = graph_sum(g, graph_square(g, a));
    innx_err e;
    assert_int_equal(graph_compile(g, l, &e), 0);
    assert_true(isinf(graph_check_grad(g, &a, 1, 1e-2)));
    graph_free(g);
}

static void test_fast_tanh(void **state)
{
    (void)state;
    double worst = 0;
    for (double x = -12; x <= 12; x += 1e-4)
        worst = fmax(worst, fabs((double)graph_fast_tanh((float)x) - tanh((double)(float)x)));
    if (!(worst < 5e-7))   /* a few float ulp */
        fail_msg("fast tanh error %g", worst);
}

/* A dense layer big enough to be split over threads gives the gradients of
 * the one-thread graph (up to float rounding of the partial sums). */
static void test_threads_match(void **state)
{
    (void)state;
    float *gw[2];
    for (int t = 1; t <= 2; t++) {
        gsl_rng_set(rng, 5);
        graph *g = graph_alloc();
        graph_set_threads(g, t);
        gsl_matrix_float *W = gsl_matrix_float_alloc(64, 48), *gW = gsl_matrix_float_alloc(64, 48);
        gsl_matrix_float *B = gsl_matrix_float_alloc(1, 48), *gB = gsl_matrix_float_alloc(1, 48);
        fill(W, -0.2, 0.2);
        fill(B, -0.2, 0.2);
        int x = graph_feed(g, 1001, 64);
        graph_requires_grad(g, x);
        int y = graph_dense(g, x, graph_param(g, W, gW), graph_param(g, B, gB), GRAPH_ACT_SILU);
        int l = graph_mean(g, graph_square(g, y));
        innx_err e;
        assert_int_equal(graph_compile(g, l, &e), 0);
        fill(graph_value(g, x), -1, 1);
        graph_forward(g);
        graph_backward(g);
        gw[t - 1] = malloc(sizeof(float) * (64 * 48 + 48 + 1001 * 64));
        memcpy(gw[t - 1], gW->data, sizeof(float) * 64 * 48);
        memcpy(gw[t - 1] + 64 * 48, gB->data, sizeof(float) * 48);
        memcpy(gw[t - 1] + 64 * 48 + 48, graph_grad(g, x)->data, sizeof(float) * 1001 * 64);
        graph_free(g);
        gsl_matrix_float_free(W); gsl_matrix_float_free(gW);
        gsl_matrix_float_free(B); gsl_matrix_float_free(gB);
    }
    for (size_t i = 0; i < 64 * 48 + 48 + 1001 * 64; i++)
        assert_true(fabsf(gw[0][i] - gw[1][i]) <= 1e-6f * (1.0f + fabsf(gw[0][i])));
    free(gw[0]);
    free(gw[1]);
}

/* y = mean(silu(x W + b)^2) over 600 rows, whole or as `shards` shards of
 * the rows (graph_shard_begin) on `threads` threads, each pass run twice
 * and a third backward alone (none may add to the one before): the loss,
 * dW and db. */
static void sharded_pass(int shards, int threads, float *out)
{
    gsl_rng_set(rng, 7);
    graph *g = graph_alloc();
    graph_set_threads(g, threads);
    gsl_matrix_float *W = gsl_matrix_float_alloc(64, 48), *gW = gsl_matrix_float_alloc(64, 48);
    gsl_matrix_float *B = gsl_matrix_float_alloc(1, 48), *gB = gsl_matrix_float_alloc(1, 48);
    fill(W, -0.2, 0.2);
    fill(B, -0.2, 0.2);
    int x = graph_feed(g, 600, 64), loss = -1;
    if (shards == 0) {
        int y = graph_dense(g, x, graph_param(g, W, gW), graph_param(g, B, gB), GRAPH_ACT_SILU);
        loss = graph_mean(g, graph_square(g, y));
    } else {
        int part[3];
        for (int k = 0; k < shards; k++) {
            assert_int_equal(graph_shard_begin(g), 0);
            size_t r0 = 600 * (size_t)k / (size_t)shards, r1 = 600 * (size_t)(k + 1) / (size_t)shards;
            int y = graph_dense(g, graph_rows(g, x, r0, r1 - r0), graph_param(g, W, gW), graph_param(g, B, gB),
                                GRAPH_ACT_SILU);
            part[k] = graph_scale(g, graph_mean(g, graph_square(g, y)), (float)(r1 - r0) / 600.0f);
        }
        assert_int_equal(graph_shard_end(g), 0);
        for (int k = 0; k < shards; k++)
            loss = k == 0 ? part[k] : graph_add(g, loss, part[k]);
    }
    innx_err e;
    if (graph_compile(g, loss, &e) != 0)
        fail_msg("compile: %s", e.msg);
    fill(graph_value(g, x), -1, 1);
    for (int rep = 0; rep < 2; rep++) {
        graph_forward(g);
        graph_backward(g);
    }
    graph_backward(g);   /* again with no forward between (the forward clears the shards' gradients) */
    out[0] = (float)graph_scalar(g, loss);
    memcpy(out + 1, gW->data, sizeof(float) * 64 * 48);
    memcpy(out + 1 + 64 * 48, gB->data, sizeof(float) * 48);
    graph_free(g);
    gsl_matrix_float_free(W); gsl_matrix_float_free(gW);
    gsl_matrix_float_free(B); gsl_matrix_float_free(gB);
}

/* Shards give the whole graph's loss and gradients (up to the rounding of
 * the shards' sums), the same bits on one, two or three threads; a shard
 * reading another's node, or giving a gradient to a shared node, is an
 * error; graph_rows passes its gradient back. */
static void test_shards(void **state)
{
    (void)state;
    enum { N = 1 + 64 * 48 + 48 };
    static float whole[N], one[N], two[N], three[N];
    sharded_pass(0, 1, whole);
    sharded_pass(3, 1, one);
    sharded_pass(3, 2, two);
    sharded_pass(3, 3, three);
    for (size_t i = 0; i < N; i++)
        assert_true(fabsf(whole[i] - one[i]) <= 1e-5f * (1.0f + fabsf(whole[i])));
    assert_true(fabsf(whole[0]) > 1e-3f);   /* (not a loss that is zero anyway) */
    assert_memory_equal(one, two, sizeof one);
    assert_memory_equal(one, three, sizeof one);

    innx_err e;
    graph *g = graph_alloc();
    int x = graph_feed(g, 10, 2);
    graph_shard_begin(g);
    int a = graph_square(g, graph_rows(g, x, 0, 5));
    graph_shard_begin(g);
    assert_true(graph_add(g, graph_rows(g, x, 5, 5), a) < 0);
    graph_shard_end(g);
    assert_int_not_equal(graph_compile(g, -1, &e), 0);
    assert_non_null(strstr(e.msg, "of shard 1 reads a node of shard 0"));
    graph_free(g);

    g = graph_alloc();
    x = graph_feed(g, 10, 2);
    graph_requires_grad(g, x);
    graph_shard_begin(g);
    int l = graph_mean(g, graph_square(g, graph_rows(g, x, 0, 5)));
    graph_shard_end(g);
    assert_int_not_equal(graph_compile(g, l, &e), 0);
    assert_non_null(strstr(e.msg, "takes a gradient into shared node"));
    graph_free(g);

    g = graph_alloc();
    graph_shard_begin(g);
    assert_int_not_equal(graph_compile(g, -1, &e), 0);
    assert_non_null(strstr(e.msg, "not ended"));
    graph_free(g);

    assert_true(check2(b_rows, 5, 4, 3, 4, -1, 1) < TOL);
    g = graph_alloc();
    assert_true(graph_rows(g, graph_feed(g, 5, 4), 3, 3) < 0);   /* rows [3, 6) of 5 */
    graph_free(g);
}

/* Two identical passes (and a threaded graph) give the same bits. */
static void test_determinism(void **state)
{
    (void)state;
    float out[2][64];
    for (int rep = 0; rep < 2; rep++) {
        gsl_rng_set(rng, 11);
        graph *g = graph_alloc();
        graph_set_threads(g, 2);
        gsl_matrix_float *W = gsl_matrix_float_alloc(64, 64), *gW = gsl_matrix_float_alloc(64, 64);
        gsl_matrix_float *B = gsl_matrix_float_calloc(1, 64), *gB = gsl_matrix_float_alloc(1, 64);
        fill(W, -0.2, 0.2);
        int x = graph_feed(g, 500, 64);
        int y = graph_dense(g, x, graph_param(g, W, gW), graph_param(g, B, gB), GRAPH_ACT_TANH);
        int l = graph_mean(g, graph_square(g, y));
        innx_err e;
        assert_int_equal(graph_compile(g, l, &e), 0);
        fill(graph_value(g, x), -1, 1);
        graph_forward(g);
        graph_backward(g);
        memcpy(out[rep], gW->data, sizeof out[rep]);
        graph_free(g);
        gsl_matrix_float_free(W); gsl_matrix_float_free(gW);
        gsl_matrix_float_free(B); gsl_matrix_float_free(gB);
    }
    assert_memory_equal(out[0], out[1], sizeof out[0]);
}

/* A thin chain 3 -> 6 -> 2 -> 8 -> 1: each product's input gradient is
 * assigned (it is the sole consumer), through both thin loops. */
static void test_thin_chain(void **state)
{
    (void)state;
    static const size_t w[] = {3, 6, 2, 8, 1};
    gsl_matrix_float *W[4], *gW[4], *B[4], *gB[4];
    graph *g = graph_alloc();
    int x = graph_feed(g, 9, 3), h = x, wrt[9] = {x};
    graph_requires_grad(g, x);
    for (int l = 0; l < 4; l++) {
        W[l] = gsl_matrix_float_alloc(w[l], w[l + 1]);
        gW[l] = gsl_matrix_float_alloc(w[l], w[l + 1]);
        B[l] = gsl_matrix_float_alloc(1, w[l + 1]);
        gB[l] = gsl_matrix_float_alloc(1, w[l + 1]);
        fill(W[l], -0.8, 0.8);
        fill(B[l], -0.3, 0.3);
        wrt[1 + 2 * l] = graph_param(g, W[l], gW[l]);
        wrt[2 + 2 * l] = graph_param(g, B[l], gB[l]);
        h = graph_dense(g, h, wrt[1 + 2 * l], wrt[2 + 2 * l], l < 3 ? GRAPH_ACT_TANH : GRAPH_ACT_IDENTITY);
    }
    int loss = graph_mean(g, graph_square(g, h));
    innx_err e;
    assert_int_equal(graph_compile(g, loss, &e), 0);
    fill(graph_value(g, x), -1, 1);
    double err = graph_check_grad(g, wrt, 9, 1e-2);
    if (!(err < TOL))
        fail_msg("thin chain: gradient error %g", err);
    /* Assigned gradients are not left over from the step before. */
    float first[3 * 6];
    graph_forward(g);
    graph_backward(g);
    memcpy(first, gW[0]->data, sizeof first);
    graph_forward(g);
    graph_backward(g);
    assert_memory_equal(first, gW[0]->data, sizeof first);
    graph_free(g);
    for (int l = 0; l < 4; l++) {
        gsl_matrix_float_free(W[l]);
        gsl_matrix_float_free(gW[l]);
        gsl_matrix_float_free(B[l]);
        gsl_matrix_float_free(gB[l]);
    }
}

static int b_mse(graph *g, int a, int b) { return graph_mse(g, a, b); }

/* The fused losses: gradients, and values against the element-wise ops. */
static void test_loss_ops(void **state)
{
    (void)state;
    assert_true(check2(b_mse, 6, 3, 6, 3, -1, 1) < TOL);
    graph *g = graph_alloc();
    int x = graph_feed(g, 5, 3), lo = graph_feed(g, 1, 3), hi = graph_feed(g, 1, 3);
    graph_requires_grad(g, x);
    int box = graph_box(g, x, lo, hi);
    /* the same by element-wise ops */
    int ref = graph_mean(g, graph_add(g, graph_square(g, graph_relu(g, graph_sub(g, lo, x))),
                                      graph_square(g, graph_relu(g, graph_sub(g, x, hi)))));
    graph_keep(g, ref);
    innx_err e;
    assert_int_equal(graph_compile(g, box, &e), 0);
    fill(graph_value(g, x), -2, 2);
    float l[3] = {-1, -0.5f, 0}, h[3] = {1, 0.5f, 0.25f};
    memcpy(graph_value(g, lo)->data, l, sizeof l);
    memcpy(graph_value(g, hi)->data, h, sizeof h);
    /* keep x 0.05 off the walls, where relu^2 is smooth enough for h = 1e-2 */
    for (size_t i = 0; i < 15; i++) {
        float *v = &graph_value(g, x)->data[i];
        for (int k = 0; k < 2; k++) {
            float wall = k ? h[i % 3] : l[i % 3];
            if (fabsf(*v - wall) < 0.05f)
                *v = wall + 0.1f;
        }
    }
    graph_forward(g);
    double want = graph_scalar(g, ref);
    assert_true(want > 0.1);
    assert_true(fabs(graph_scalar(g, box) - want) < 1e-6 * want);
    assert_true(graph_check_grad(g, &x, 1, 1e-2) < TOL);
    graph_free(g);
    /* shapes */
    g = graph_alloc();
    x = graph_feed(g, 5, 3);
    assert_true(graph_mse(g, x, graph_feed(g, 5, 2)) < 0);
    assert_true(graph_box(g, x, graph_feed(g, 1, 2), graph_feed(g, 1, 3)) < 0);
    assert_true(graph_box(g, x, graph_square(g, graph_feed(g, 1, 3)), graph_feed(g, 1, 3)) < 0);
    graph_free(g);
}

int main(void)
{
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_ops),
        cmocka_unit_test(test_unary_ops),
        cmocka_unit_test(test_dense),
        cmocka_unit_test(test_act_deriv_values),
        cmocka_unit_test(test_logsoftmax_values),
        cmocka_unit_test(test_thin_chain),
        cmocka_unit_test(test_loss_ops),
        cmocka_unit_test(test_forward_values),
        cmocka_unit_test(test_shape_errors),
        cmocka_unit_test(test_check_needs_grad),
        cmocka_unit_test(test_fast_tanh),
        cmocka_unit_test(test_threads_match),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_shards),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    gsl_rng_free(rng);
    return rc;
}
