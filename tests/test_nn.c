/* test_nn.c: model specs (good and bad), PyTorch-default init, evaluation
 * against a forward pass written out by hand in double, weight copies. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <gsl/gsl_rng.h>

#include "innx/nn.h"

static void test_spec_good(void **state)
{
    (void)state;
    nn_spec s;
    innx_err e;
    char buf[128];
    assert_int_equal(nn_spec_parse("mlp:1-128-128-64-1/tanh", &s, &e), 0);
    assert_int_equal(s.kind, NN_MLP);
    assert_int_equal(s.n_widths, 5);
    assert_int_equal(s.widths[1], 128);
    assert_int_equal(s.widths[3], 64);
    assert_int_equal(s.act, GRAPH_ACT_TANH);
    nn_spec_format(&s, buf, sizeof buf);
    assert_string_equal(buf, "mlp:1-128-128-64-1/tanh");
    assert_int_equal(nn_spec_parse("mlp:3-64-64-1/relu", &s, &e), 0);
    assert_int_equal(s.act, GRAPH_ACT_RELU);
    assert_int_equal(nn_spec_parse("mlp:2-3", &s, &e), 0);
    assert_int_equal(s.act, GRAPH_ACT_TANH);
    assert_int_equal(nn_spec_parse("kan:1-32-32-1/g7k2", &s, &e), 0);
    assert_int_equal(s.kind, NN_KAN);
    assert_int_equal(s.grid, 7);
    assert_int_equal(s.order, 2);
    assert_int_equal(nn_spec_parse("kan:1-4-1", &s, &e), 0);
    assert_int_equal(s.grid, 5);
    assert_int_equal(s.order, 3);
    nn_spec_format(&s, buf, sizeof buf);
    assert_string_equal(buf, "kan:1-4-1/g5k3");
}

static void test_spec_bad(void **state)
{
    (void)state;
    static const struct { const char *spec, *msg; } bad[] = {
        {"", "empty spec"},
        {"cnn:1-2", "expected 'mlp:' or 'kan:'"},
        {"mlp:", "column 5: expected a layer width"},
        {"mlp:1", "need at least an input and an output"},
        {"mlp:1-0-1", "width must be 1..65536"},
        {"mlp:1-x-1", "column 7: expected a layer width"},
        {"mlp:1-2/tanhh", "unknown activation 'tanhh'"},
        {"mlp:1-2:3", "column 8: unexpected ':'"},
        {"kan:1-2/q3", "unknown KAN option 'q'"},
        {"kan:1-2/g0", "'g' needs a number"},
        {"mlp:1-99999999-1", "width must be"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nn_spec s;
        innx_err e = {{0}};
        assert_int_equal(nn_spec_parse(bad[i].spec, &s, &e), INNX_EINVAL);
        if (!strstr(e.msg, bad[i].msg))
            fail_msg("spec '%s': message '%s' lacks '%s'", bad[i].spec, e.msg, bad[i].msg);
    }
}

/* nn.Linear init: every weight and bias in +-1/sqrt(fan_in), spread evenly. */
static void test_init_bounds(void **state)
{
    (void)state;
    nn_spec s;
    innx_err e;
    assert_int_equal(nn_spec_parse("mlp:1-128-128-64-1/tanh", &s, &e), 0);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    nn_model *m = nn_alloc(&s, r, &e);
    assert_non_null(m);
    assert_int_equal(nn_n_weights(m), 128 + 128 + 128 * 128 + 128 + 128 * 64 + 64 + 64 + 1);
    const optim_params *p = nn_params(m);
    assert_int_equal(p->n, 8);
    /* layer 2 (128 -> 128): bound 1/sqrt(128) */
    const gsl_matrix_float *W = p->val[2];
    double bound = 1.0 / sqrt(128.0), s1 = 0, s2 = 0, mx = 0;
    size_t n = W->size1 * W->size2;
    for (size_t i = 0; i < W->size1; i++)
        for (size_t j = 0; j < W->size2; j++) {
            double w = gsl_matrix_float_get(W, i, j);
            s1 += w;
            s2 += w * w;
            mx = fmax(mx, fabs(w));
        }
    assert_true(mx <= bound);
    assert_true(mx > 0.95 * bound);
    assert_true(fabs(s1 / n) < 0.05 * bound);
    assert_true(fabs(s2 / n - bound * bound / 3) < 0.05 * bound * bound / 3);
    nn_free(m);
    gsl_rng_free(r);
}

/* nn_eval equals tanh(tanh(x W0 + b0) W1 + b1) W2 + b2 computed in double. */
static void test_eval_matches_hand_forward(void **state)
{
    (void)state;
    nn_spec s;
    innx_err e;
    assert_int_equal(nn_spec_parse("mlp:2-5-4-3/tanh", &s, &e), 0);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    nn_model *m = nn_alloc(&s, r, &e);
    const optim_params *p = nn_params(m);
    double x[3][2] = {{0.3, -1.2}, {2.0, 0.5}, {-0.7, 0.0}};
    double out[9];
    assert_int_equal(nn_eval(m, &x[0][0], 3, out, &e), 0);
    for (int i = 0; i < 3; i++) {
        double h[8], t[8];
        size_t w = 2;
        memcpy(h, x[i], sizeof x[i]);
        for (size_t l = 0; l < 3; l++) {
            const gsl_matrix_float *W = p->val[2 * l], *b = p->val[2 * l + 1];
            for (size_t j = 0; j < W->size2; j++) {
                double a = gsl_matrix_float_get(b, 0, j);
                for (size_t k = 0; k < w; k++)
                    a += h[k] * gsl_matrix_float_get(W, k, j);
                t[j] = l < 2 ? tanh(a) : a;
            }
            w = W->size2;
            memcpy(h, t, w * sizeof *t);
        }
        for (int j = 0; j < 3; j++)
            assert_true(fabs(out[3 * i + j] - h[j]) < 2e-6);
    }
    nn_free(m);
    gsl_rng_free(r);
}

/* Same seed, same weights; nn_copy makes a second model compute the same. */
static void test_seed_and_copy(void **state)
{
    (void)state;
    nn_spec s;
    innx_err e;
    assert_int_equal(nn_spec_parse("mlp:1-16-1/silu", &s, &e), 0);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    nn_model *a = nn_alloc(&s, r, &e);
    gsl_rng_set(r, 3);
    nn_model *b = nn_alloc(&s, r, &e);
    nn_model *c = nn_alloc(&s, r, &e);   /* different draw */
    double x = 0.4, ya, yb, yc;
    nn_eval(a, &x, 1, &ya, &e);
    nn_eval(b, &x, 1, &yb, &e);
    nn_eval(c, &x, 1, &yc, &e);
    assert_true(ya == yb);
    assert_true(ya != yc);
    assert_int_equal(nn_copy(c, a), 0);
    nn_eval(c, &x, 1, &yc, &e);
    assert_true(ya == yc);
    nn_spec s2;
    assert_int_equal(nn_spec_parse("mlp:1-8-1/silu", &s2, &e), 0);
    nn_model *d = nn_alloc(&s2, r, &e);
    assert_int_equal(nn_copy(d, a), INNX_EINVAL);
    nn_free(a);
    nn_free(b);
    nn_free(c);
    nn_free(d);
    gsl_rng_free(r);
}

/* Siamese: G owns its first and last layers only; the middle one is the
 * body's, so changing the body's weights changes G's answers. */
static void test_siamese(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    innx_err e;
    nn_spec bs, gs;
    assert_int_equal(nn_spec_parse("mlp:3-8-8-1/relu", &bs, &e), 0);
    assert_int_equal(nn_spec_parse("mlp:1-8-8-3/tanh", &gs, &e), 0);
    nn_model *body = nn_alloc(&bs, r, &e), *g = nn_alloc_siamese(&gs, body, r, &e);
    assert_non_null(g);
    assert_int_equal(nn_params(g)->n, 4);              /* W, b of layers 0 and 2 */
    assert_int_equal(nn_n_weights(g), 1 * 8 + 8 + 8 * 3 + 3);
    double y = 0.3, x0[3], x1[3];
    assert_int_equal(nn_eval(g, &y, 1, x0, &e), 0);
    gsl_matrix_float_scale(nn_params(body)->val[2], 2.0f);   /* the body's middle W */
    assert_int_equal(nn_eval(g, &y, 1, x1, &e), 0);
    assert_true(fabs(x1[0] - x0[0]) + fabs(x1[1] - x0[1]) + fabs(x1[2] - x0[2]) > 1e-6);
    /* widths that differ from the body's are refused */
    nn_spec bad;
    assert_int_equal(nn_spec_parse("mlp:1-8-4-3/tanh", &bad, &e), 0);
    assert_null(nn_alloc_siamese(&bad, body, r, &e));
    assert_non_null(strstr(e.msg, "hidden widths"));
    nn_free(g);
    nn_free(body);
    gsl_rng_free(r);
}

/* The double pass agrees with the float graph to float's precision, and
 * its d out / d x with central differences of itself. */
static void test_eval_f64(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    innx_err e;
    const char *specs[] = {"mlp:3-16-16-1/relu", "mlp:2-8-1/tanh", "mlp:1-8-8-1/silu"};
    for (int k = 0; k < 3; k++) {
        nn_spec sp;
        assert_int_equal(nn_spec_parse(specs[k], &sp, &e), 0);
        nn_model *m = nn_alloc(&sp, r, &e);
        size_t in = nn_in(m);
        double x[3] = {0.3, -0.7, 1.1}, f32, f64, g[3];
        assert_int_equal(nn_eval(m, x, 1, &f32, &e), 0);
        assert_int_equal(nn_eval_f64(m, x, 1, &f64, g, &e), 0);
        assert_true(fabs(f32 - f64) <= 1e-5 * fmax(1, fabs(f64)));
        for (size_t j = 0; j < in; j++) {
            double h = 1e-6, xp[3], xm[3], fp, fm;
            memcpy(xp, x, sizeof x), memcpy(xm, x, sizeof x);
            xp[j] += h, xm[j] -= h;
            nn_eval_f64(m, xp, 1, &fp, NULL, &e);
            nn_eval_f64(m, xm, 1, &fm, NULL, &e);
            assert_true(fabs((fp - fm) / (2 * h) - g[j]) <= 1e-6 * fmax(1, fabs(g[j])));
        }
        nn_free(m);
    }
    gsl_rng_free(r);
}

/* nn_build_tangent: the output equals nn_build's, the tangent equals the
 * central difference of nn_eval along the chosen input, for each MLP
 * activation and a KAN, on a two-input model (both columns). */
static void test_tangent(void **state)
{
    (void)state;
    static const char *const specs[] = {"mlp:2-7-5-3/tanh", "mlp:2-7-5-3/relu", "mlp:2-7-5-3/softplus",
                                        "mlp:2-7-5-3/sigmoid", "mlp:2-7-5-3/silu", "mlp:2-3",
                                        "kan:2-5-3/g5k3", "kan:2-4-3/g4k2"};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    for (size_t k = 0; k < sizeof specs / sizeof *specs; k++)
        for (size_t col = 0; col < 2; col++) {
            nn_spec sp;
            innx_err e;
            assert_int_equal(nn_spec_parse(specs[k], &sp, &e), 0);
            nn_model *m = nn_alloc(&sp, r, &e);
            assert_non_null(m);
            enum { N = 6 };
            double x[N * 2], xp[N * 2], xm[N * 2], yp[N * 3], ym[N * 3], y0[N * 3], h = 1e-3;
            for (size_t i = 0; i < N * 2; i++)
                x[i] = 1.6 * gsl_rng_uniform(r) - 0.8;
            memcpy(xp, x, sizeof x);
            memcpy(xm, x, sizeof x);
            for (size_t i = 0; i < N; i++) {
                xp[i * 2 + col] += h;
                xm[i * 2 + col] -= h;
            }
            assert_int_equal(nn_eval(m, xp, N, yp, &e), 0);
            assert_int_equal(nn_eval(m, xm, N, ym, &e), 0);
            assert_int_equal(nn_eval(m, x, N, y0, &e), 0);
            graph *g = graph_alloc();
            int xf = graph_feed(g, N, 2), t;
            int y = nn_build_tangent(m, g, xf, col, 0, &t);
            graph_keep(g, y);
            graph_keep(g, t);
            assert_int_equal(graph_compile(g, -1, &e), 0);
            for (size_t i = 0; i < N; i++)
                for (size_t j = 0; j < 2; j++)
                    gsl_matrix_float_set(graph_value(g, xf), i, j, (float)x[i * 2 + j]);
            graph_forward(g);
            gsl_matrix_float *T = graph_value(g, t);
            for (size_t i = 0; i < N; i++)
                for (size_t j = 0; j < 3; j++) {
                    double num = (yp[i * 3 + j] - ym[i * 3 + j]) / (2 * h);
                    double an = gsl_matrix_float_get(T, T->size1 == 1 ? 0 : i, j);
                    double v = gsl_matrix_float_get(graph_value(g, y), i, j);
                    if (!(fabs(v - y0[i * 3 + j]) < 1e-5) || !(fabs(an - num) < 2e-2 * fmax(1.0, fabs(num))))
                        fail_msg("%s, column %zu, row %zu, output %zu: tangent %g, difference %g", specs[k],
                                 col, i, j, an, num);
                }
            graph_free(g);
            nn_free(m);
        }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_good),
        cmocka_unit_test(test_spec_bad),
        cmocka_unit_test(test_init_bounds),
        cmocka_unit_test(test_eval_matches_hand_forward),
        cmocka_unit_test(test_seed_and_copy),
        cmocka_unit_test(test_siamese),
        cmocka_unit_test(test_eval_f64),
        cmocka_unit_test(test_tangent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
