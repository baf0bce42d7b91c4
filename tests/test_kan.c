/* test_kan.c: the KAN layer: its B-spline basis (alone and inside the op)
 * against gsl_bspline, the op's gradients against finite differences, and
 * the grid update. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_bspline.h>
#include <gsl/gsl_rng.h>

#include "innx/kan.h"

/* Our uniform-knot basis equals GSL's (clamped knots over the same
 * breakpoints; its functions K.. are ours 0..) values and derivatives. */
static void test_basis_matches_gsl(void **state)
{
    (void)state;
    for (size_t K = 1; K <= 4; K++) {
        size_t G = 5, cells = G + 2 * K, nb = G + K;
        double lo = -1, h = 2.0 / G;
        gsl_bspline_workspace *w = gsl_bspline_alloc(K + 1, cells + 1);
        gsl_vector *bp = gsl_vector_alloc(cells + 1);
        for (size_t i = 0; i <= cells; i++)
            gsl_vector_set(bp, i, lo - (double)K * h + (double)i * h);
        gsl_bspline_knots(bp, w);
        size_t nc = gsl_bspline_ncoeffs(w);
        gsl_matrix *dB = gsl_matrix_alloc(nc, 2);
        double worst = 0, worst_d = 0;
        for (double x = lo - K * h + 1e-9; x < lo + (G + K) * h; x += 0.0137) {
            double val[KAN_MAX_ORDER + 1], der[KAN_MAX_ORDER + 1], ours[64] = {0}, ours_d[64] = {0};
            long m0;
            assert_int_equal(kan_basis_at((x - lo) / h + (double)K, K, cells, val, der, &m0), 0);
            for (size_t q = 0; q <= K; q++) {
                long m = m0 + (long)q;
                if (m >= 0 && (size_t)m < nb) {
                    ours[m] = val[q];
                    ours_d[m] = der[q] / h;
                }
            }
            gsl_bspline_deriv_eval(x, 1, dB, w);
            for (size_t m = 0; m < nb; m++) {
                worst = fmax(worst, fabs(ours[m] - gsl_matrix_get(dB, m + K, 0)));
                worst_d = fmax(worst_d, fabs(ours_d[m] - gsl_matrix_get(dB, m + K, 1)));
            }
        }
        if (!(worst < 1e-12 && worst_d < 1e-10))
            fail_msg("order %zu: basis off by %g, derivative by %g", K, worst, worst_d);
        gsl_matrix_free(dB);
        gsl_vector_free(bp);
        gsl_bspline_free(w);
    }
}

/* Inside the grid proper the basis sums to one; outside the extended grid
 * it is all zero. */
static void test_partition_and_outside(void **state)
{
    (void)state;
    double val[KAN_MAX_ORDER + 1];
    long m0;
    for (double u = 3; u < 8; u += 0.01) {   /* K = 3, G = 5: cells 3..8 */
        assert_int_equal(kan_basis_at(u, 3, 11, val, NULL, &m0), 0);
        assert_true(fabs(val[0] + val[1] + val[2] + val[3] - 1) < 1e-12);
    }
    assert_int_equal(kan_basis_at(-0.1, 3, 11, val, NULL, &m0), -1);
    assert_int_equal(kan_basis_at(11.0, 3, 11, val, NULL, &m0), -1);
    assert_int_equal(kan_basis_at(NAN, 3, 11, val, NULL, &m0), -1);
}

/* The op's own basis (the closed-form cubic and the general Cox-de Boor
 * path) against gsl_bspline, read back through the graph: one input, out =
 * nb outputs, no base branch, coefficients the identity, so y[r, m] =
 * B_m(x_r); and with dy = R, dx[r] = sum_m R[r, m] B'_m(x_r). The grid is
 * an odd one (per-input spacing, not a power of two) and x runs over the
 * extended grid and past both ends, where every function is zero. */
static void check_op_basis(size_t K, size_t G, double lo, double hi, int threads)
{
    double h = (hi - lo) / (double)G;
    size_t cells = G + 2 * K, nb = G + K, rows = 997;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    kan_layer *L = kan_layer_alloc(1, nb, G, K, lo, hi, r);
    assert_non_null(L);
    gsl_matrix_float *pv[3], *pg[3];
    kan_layer_params(L, pv, pg);
    gsl_matrix_float_set_zero(pv[0]);
    gsl_matrix_float_set_zero(pv[1]);
    gsl_matrix_float_set_identity(pv[2]);
    graph *g = graph_alloc();
    graph_set_threads(g, threads);
    int x = graph_feed(g, rows, 1);
    graph_requires_grad(g, x);
    int y = graph_kan(g, x, L, 1);
    int R = graph_feed(g, rows, nb);
    int loss = graph_sum(g, graph_mul(g, y, R));
    innx_err e;
    assert_int_equal(graph_compile(g, loss, &e), 0);
    double a = lo - (double)K * h - 0.3, b = hi + (double)K * h + 0.3;
    for (size_t i = 0; i < rows; i++) {
        gsl_matrix_float_set(graph_value(g, x), i, 0, (float)(a + (b - a) * (double)i / (double)(rows - 1)));
        for (size_t m = 0; m < nb; m++)
            gsl_matrix_float_set(graph_value(g, R), i, m, (float)(gsl_rng_uniform(r) - 0.5));
    }
    graph_forward(g);
    graph_backward(g);

    gsl_bspline_workspace *w = gsl_bspline_alloc(K + 1, cells + 1);
    gsl_vector *bp = gsl_vector_alloc(cells + 1);
    for (size_t i = 0; i <= cells; i++)
        gsl_vector_set(bp, i, lo - (double)K * h + (double)i * h);
    gsl_bspline_knots(bp, w);
    gsl_matrix *dB = gsl_matrix_alloc(gsl_bspline_ncoeffs(w), 2);
    double worst = 0, worst_d = 0;
    for (size_t i = 0; i < rows; i++) {
        double xi = gsl_matrix_float_get(graph_value(g, x), i, 0), dx = 0;
        int inside = xi >= lo - (double)K * h && xi < hi + (double)K * h;
        if (inside)
            gsl_bspline_deriv_eval(xi, 1, dB, w);
        for (size_t m = 0; m < nb; m++) {
            /* GSL's clamped basis has K extra functions at the left end:
             * its K + m is our m */
            double v = inside ? gsl_matrix_get(dB, m + K, 0) : 0.0;
            double d = inside ? gsl_matrix_get(dB, m + K, 1) : 0.0;
            worst = fmax(worst, fabs(gsl_matrix_float_get(graph_value(g, y), i, m) - v));
            dx += gsl_matrix_float_get(graph_value(g, R), i, m) * d;
        }
        /* B' is in 1/x units, ~ 1/h: compare relative to that */
        worst_d = fmax(worst_d, fabs(gsl_matrix_float_get(graph_grad(g, x), i, 0) - dx) * h);
    }
    if (!(worst < 1e-6 && worst_d < 1e-6))
        fail_msg("order %zu, grid %zu on [%g, %g], %d threads: op basis off GSL's by %g, "
                 "derivative by %g", K, G, lo, hi, threads, worst, worst_d);
    gsl_matrix_free(dB);
    gsl_vector_free(bp);
    gsl_bspline_free(w);
    graph_free(g);
    kan_layer_free(L);
    gsl_rng_free(r);
}

static void test_op_basis_matches_gsl(void **state)
{
    (void)state;
    check_op_basis(3, 5, -1.0, 1.0, 1);      /* the default layer */
    check_op_basis(3, 7, -2.3, 0.7, 3);      /* odd spacing, threads */
    check_op_basis(3, 1, 0.0, 0.1, 1);       /* one interval: nb = 4 */
    check_op_basis(2, 5, -1.0, 1.0, 1);      /* the general path */
    check_op_basis(1, 4, -3.0, 5.0, 2);
    check_op_basis(4, 6, -1.0, 2.0, 1);
}

/* The op's spline part sums to one across the grid proper (partition of
 * unity), and its SiLU branch matches silu in double over a wide range
 * (the op's exp is its own, vectorisable one). */
static void test_op_partition_and_silu(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    kan_layer *L = kan_layer_alloc(1, 1, 5, 3, -1, 1, r);
    gsl_matrix_float *pv[3], *pg[3];
    kan_layer_params(L, pv, pg);
    gsl_matrix_float_set_zero(pv[0]);
    gsl_matrix_float_set_zero(pv[1]);
    gsl_matrix_float_set_all(pv[2], 1.0f);
    graph *g = graph_alloc();
    size_t rows = 401;
    int x = graph_feed(g, rows, 1);
    graph_requires_grad(g, x);
    int y = graph_kan(g, x, L, 1);
    innx_err e;
    assert_int_equal(graph_compile(g, graph_sum(g, y), &e), 0);
    for (size_t i = 0; i < rows; i++)
        gsl_matrix_float_set(graph_value(g, x), i, 0, (float)(-1.0 + 2.0 * (double)i / (double)rows));
    graph_forward(g);
    graph_backward(g);
    for (size_t i = 0; i < rows; i++) {
        assert_true(fabs(gsl_matrix_float_get(graph_value(g, y), i, 0) - 1.0) < 1e-6);
        assert_true(fabs(gsl_matrix_float_get(graph_grad(g, x), i, 0)) < 1e-5);
    }
    /* the base branch alone: y = silu(x), dx = silu'(x) */
    gsl_matrix_float_set_zero(pv[2]);
    gsl_matrix_float_set_all(pv[0], 1.0f);
    double worst = 0, worst_d = 0;
    for (size_t i = 0; i < rows; i++)
        gsl_matrix_float_set(graph_value(g, x), i, 0, (float)(-100.0 + 200.0 * (double)i / (double)(rows - 1)));
    gsl_matrix_float_set(graph_value(g, x), 7, 0, -0.0f);
    gsl_matrix_float_set(graph_value(g, x), 8, 0, 1e-30f);
    graph_forward(g);
    graph_backward(g);
    for (size_t i = 0; i < rows; i++) {
        double xi = gsl_matrix_float_get(graph_value(g, x), i, 0), s = 1.0 / (1.0 + exp(-xi));
        double sl = xi * s, sd = s * (1.0 + xi * (1.0 - s));
        worst = fmax(worst, fabs(gsl_matrix_float_get(graph_value(g, y), i, 0) - sl) / fmax(1.0, fabs(sl)));
        worst_d = fmax(worst_d, fabs(gsl_matrix_float_get(graph_grad(g, x), i, 0) - sd));
    }
    if (!(worst < 1e-6 && worst_d < 1e-6))
        fail_msg("silu off by %g (relative), silu' by %g", worst, worst_d);
    /* a NaN input (a diverged layer below) comes out NaN, not as a number */
    gsl_matrix_float_set(graph_value(g, x), 3, 0, NAN);
    graph_forward(g);
    assert_true(isnan(gsl_matrix_float_get(graph_value(g, y), 3, 0)));
    assert_true(isfinite(gsl_matrix_float_get(graph_value(g, y), 4, 0)));
    graph_free(g);
    kan_layer_free(L);
    gsl_rng_free(r);
}

/* d loss / d (x, base weights, bias, coefficients) by finite differences,
 * inputs spread over the grid, its extension and past its ends; and the op
 * against the edge functions evaluated in double. Thread counts above 1
 * split the backward into slices with partial sums (rows = 2 leaves a
 * slice empty); trainable = 0 leaves only dx. */
static void check_kan_grad(size_t K, size_t out, int threads, size_t rows, double xmax, int trainable)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    kan_layer *L = kan_layer_alloc(3, out, 5, K, -1, 1, r);
    assert_non_null(L);
    graph *g = graph_alloc();
    graph_set_threads(g, threads);
    int x = graph_feed(g, rows, 3);
    graph_requires_grad(g, x);
    int y = graph_kan(g, x, L, trainable);
    int R = graph_feed(g, rows, out);
    int loss = graph_sum(g, graph_mul(g, y, R));
    innx_err e;
    assert_int_equal(graph_compile(g, loss, &e), 0);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < 3; j++)
            gsl_matrix_float_set(graph_value(g, x), i, j, (float)(xmax * (2.0 * gsl_rng_uniform(r) - 1.0)));
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < out; j++)
            gsl_matrix_float_set(graph_value(g, R), i, j, (float)(gsl_rng_uniform(r) - 0.5));
    int wrt[4] = {x, x + 1, x + 2, x + 3};   /* graph_kan adds its three params after x */
    /* below cubic the spline's second derivative jumps at the knots, and a
     * central difference across one is off by ~ step x jump: smaller step */
    double err = graph_check_grad(g, wrt, trainable ? 4 : 1, K == 3 ? 1e-2 : 3e-3);
    if (!(err < 1e-2))
        fail_msg("order %zu, %zu outputs, %d threads, %zu rows, |x| < %g: kan gradient error %g", K,
                 out, threads, rows, xmax, err);
    graph_forward(g);
    gsl_matrix_float *pv[3], *pg[3];
    kan_layer_params(L, pv, pg);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < out; j++) {
            double s = gsl_matrix_float_get(pv[1], 0, j);   /* the base branch's bias */
            for (size_t k = 0; k < 3; k++)
                s += kan_layer_eval_edge(L, k, j, gsl_matrix_float_get(graph_value(g, x), i, k));
            assert_true(fabs(s - gsl_matrix_float_get(graph_value(g, y), i, j)) < 1e-5);
        }
    graph_free(g);
    kan_layer_free(L);
    gsl_rng_free(r);
}

static void test_kan_gradients(void **state)
{
    (void)state;
    /* 9 outputs: the dx loop's 8-wide blocks and its tail; 1 output: the
     * one-column paths (sgemv, dx vectorised across inputs) */
    check_kan_grad(3, 9, 1, 9, 1.3, 1);    /* inside the grid */
    check_kan_grad(3, 9, 1, 9, 2.6, 1);    /* the extension and past it (+-2.2) */
    check_kan_grad(3, 9, 3, 11, 2.6, 1);   /* slices of 3, 4, 4 rows */
    check_kan_grad(3, 9, 3, 2, 1.3, 1);    /* an empty slice */
    check_kan_grad(3, 1, 2, 9, 2.6, 1);
    check_kan_grad(3, 16, 2, 9, 2.6, 1);
    check_kan_grad(2, 9, 2, 9, 2.0, 1);    /* the general path */
    check_kan_grad(2, 1, 1, 9, 2.0, 1);
    check_kan_grad(3, 9, 2, 9, 2.6, 0);    /* frozen: dx only */
}

/* The tangent op: its value is d(layer output)/ds for x = x0 + s t (central
 * differences of graph_kan along t), and its gradient (through x, t and the
 * weights: the second derivatives gp needs) matches finite differences. */
static void check_kan_tangent(size_t K, size_t out, size_t rows, double xmax)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    kan_layer *L = kan_layer_alloc(3, out, 5, K, -1, 1, r);
    assert_non_null(L);
    graph *g = graph_alloc();
    int x = graph_feed(g, rows, 3), t = graph_feed(g, rows, 3);
    graph_requires_grad(g, x);
    graph_requires_grad(g, t);
    int y = graph_kan_tangent(g, x, t, L, 1);
    int R = graph_feed(g, rows, out);
    int loss = graph_sum(g, graph_mul(g, graph_square(g, y), R));
    int xs = graph_feed(g, rows, 3), ys = graph_kan(g, xs, L, 0);
    graph_keep(g, ys);
    innx_err e;
    assert_int_equal(graph_compile(g, loss, &e), 0);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < 3; j++) {
            gsl_matrix_float_set(graph_value(g, x), i, j, (float)(xmax * (2.0 * gsl_rng_uniform(r) - 1.0)));
            gsl_matrix_float_set(graph_value(g, t), i, j, (float)(2.0 * gsl_rng_uniform(r) - 1.0));
        }
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < out; j++)
            gsl_matrix_float_set(graph_value(g, R), i, j, (float)(gsl_rng_uniform(r) - 0.5));
    /* the value against differences of the layer itself, in double */
    graph_forward(g);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < out; j++) {
            double h = 1e-4, up = 0, down = 0;
            for (size_t k = 0; k < 3; k++) {
                double x0 = gsl_matrix_float_get(graph_value(g, x), i, k);
                double tk = gsl_matrix_float_get(graph_value(g, t), i, k);
                up += kan_layer_eval_edge(L, k, j, x0 + h * tk);
                down += kan_layer_eval_edge(L, k, j, x0 - h * tk);
            }
            double num = (up - down) / (2 * h), an = gsl_matrix_float_get(graph_value(g, y), i, j);
            if (!(fabs(num - an) < 1e-4 * fmax(1.0, fabs(num))))
                fail_msg("order %zu: tangent %g, difference %g (row %zu, output %zu)", K, an, num, i, j);
        }
    int wrt[4] = {x, t, y - 2, y - 1};   /* graph_kan_tangent adds its two params just before itself */
    double err = graph_check_grad(g, wrt, 4, K == 3 ? 1e-2 : 3e-3);
    if (!(err < 1e-2))
        fail_msg("order %zu, %zu outputs, |x| < %g: kan_tangent gradient error %g", K, out, xmax, err);
    graph_free(g);
    kan_layer_free(L);
    gsl_rng_free(r);
}

static void test_kan_tangent(void **state)
{
    (void)state;
    check_kan_tangent(3, 9, 9, 1.3);
    check_kan_tangent(3, 1, 9, 2.6);   /* one output; the extension and past it */
    check_kan_tangent(2, 4, 7, 2.0);   /* quadratic: B'' jumps at the knots */
    check_kan_tangent(4, 3, 7, 2.0);
}

static double edge_max_diff(const kan_layer *a, const kan_layer *b, double lo, double hi)
{
    double worst = 0;
    for (size_t i = 0; i < kan_layer_in(a); i++)
        for (size_t j = 0; j < kan_layer_out(a); j++)
            for (double x = lo; x <= hi; x += (hi - lo) / 200)
                worst = fmax(worst, fabs(kan_layer_eval_edge(a, i, j, x) - kan_layer_eval_edge(b, i, j, x)));
    return worst;
}

static void fill_range(gsl_matrix_float *x, double lo, double hi)
{
    for (size_t i = 0; i < x->size1; i++)
        for (size_t j = 0; j < x->size2; j++)
            gsl_matrix_float_set(x, i, j, (float)(lo + (hi - lo) * (double)i / (double)(x->size1 - 1)));
}

/* The op (float, the layer's grid as the op reads it) against the edge
 * functions in double: after a grid update both must follow the new grid. */
static double op_vs_edges(kan_layer *L, const gsl_matrix_float *xs)
{
    graph *g = graph_alloc();
    int x = graph_feed(g, xs->size1, xs->size2);
    int y = graph_kan(g, x, L, 0);
    innx_err e;
    graph_keep(g, y);
    assert_int_equal(graph_compile(g, -1, &e), 0);
    gsl_matrix_float_memcpy(graph_value(g, x), xs);
    graph_forward(g);
    gsl_matrix_float *pv[3], *pg[3];
    kan_layer_params(L, pv, pg);
    double worst = 0;
    for (size_t r = 0; r < xs->size1; r++)
        for (size_t j = 0; j < kan_layer_out(L); j++) {
            double s = gsl_matrix_float_get(pv[1], 0, j);
            for (size_t i = 0; i < kan_layer_in(L); i++)
                s += kan_layer_eval_edge(L, i, j, gsl_matrix_float_get(xs, r, i));
            worst = fmax(worst, fabs(s - gsl_matrix_float_get(graph_value(g, y), r, j)));
        }
    graph_free(g);
    return worst;
}

/* A grid refit to the data's range keeps every edge function there: exact
 * when the range is the old one; when it is a sub-range or a shifted one
 * (partly on the old extension), new knots fall between old ones and the
 * least-squares fit is off by a small fraction of the functions' size
 * (~2e-3 against |phi| up to ~0.9 here). The op follows the new grid; a
 * NaN sample is skipped, an input with no finite sample refused. */
static void test_grid_update(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    kan_layer *L = kan_layer_alloc(2, 3, 5, 3, -1, 1, r), *old = kan_layer_alloc(2, 3, 5, 3, -1, 1, r);
    kan_layer_copy(old, L);
    gsl_matrix_float *x = gsl_matrix_float_alloc(50, 2);
    innx_err e;
    fill_range(x, -1, 1);
    assert_int_equal(kan_layer_update_grid(L, x, &e), 0);
    assert_true(edge_max_diff(L, old, -1, 1) < 1e-5);

    const double ranges[][2] = {{-0.5, 0.8}, {0.2, 1.6}};
    for (size_t k = 0; k < 2; k++) {
        kan_layer_copy(L, old);
        fill_range(x, ranges[k][0], ranges[k][1]);
        gsl_matrix_float_set(x, 3, 1, NAN);
        assert_int_equal(kan_layer_update_grid(L, x, &e), 0);
        double d = edge_max_diff(L, old, ranges[k][0], ranges[k][1]);
        if (!(d < 5e-3))
            fail_msg("grid update to [%g, %g] changed the function by %g", ranges[k][0], ranges[k][1], d);
        gsl_matrix_float_set(x, 3, 1, 0.0f);
        d = op_vs_edges(L, x);
        if (!(d < 1e-5))
            fail_msg("after a grid update the op is off the edge functions by %g", d);
    }
    gsl_matrix_float_set_all(x, NAN);
    assert_int_equal(kan_layer_update_grid(L, x, &e), INNX_EINVAL);
    gsl_matrix_float_free(x);
    kan_layer_free(L);
    kan_layer_free(old);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basis_matches_gsl),
        cmocka_unit_test(test_partition_and_outside),
        cmocka_unit_test(test_op_basis_matches_gsl),
        cmocka_unit_test(test_op_partition_and_silu),
        cmocka_unit_test(test_kan_gradients),
        cmocka_unit_test(test_kan_tangent),
        cmocka_unit_test(test_grid_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
