/* test_kan.c: the KAN layer: its B-spline basis against gsl_bspline, the
 * op's gradients against finite differences, and the grid update. */
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

/* d loss / d (x, base weights, bias, coefficients) by finite differences,
 * inputs spread over the grid and past its ends. */
static void test_kan_gradients(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    kan_layer *L = kan_layer_alloc(3, 4, 5, 3, -1, 1, r);
    assert_non_null(L);
    graph *g = graph_alloc();
    int x = graph_feed(g, 9, 3);
    graph_requires_grad(g, x);
    int y = graph_kan(g, x, L, 1);
    int R = graph_feed(g, 9, 4);
    int loss = graph_sum(g, graph_mul(g, y, R));
    innx_err e;
    assert_int_equal(graph_compile(g, loss, &e), 0);
    for (size_t i = 0; i < 9; i++)
        for (size_t j = 0; j < 3; j++)
            gsl_matrix_float_set(graph_value(g, x), i, j, (float)(-1.3 + 2.6 * gsl_rng_uniform(r)));
    for (size_t i = 0; i < 9; i++)
        for (size_t j = 0; j < 4; j++)
            gsl_matrix_float_set(graph_value(g, R), i, j, (float)(gsl_rng_uniform(r) - 0.5));
    int wrt[4] = {x, x + 1, x + 2, x + 3};   /* graph_kan adds its three params after x */
    double err = graph_check_grad(g, wrt, 4, 1e-2);
    if (!(err < 1e-2))
        fail_msg("kan gradient error %g", err);
    /* the op agrees with the edge functions evaluated in double */
    graph_forward(g);
    gsl_matrix_float *pv[3], *pg[3];
    kan_layer_params(L, pv, pg);
    for (size_t i = 0; i < 9; i++)
        for (size_t j = 0; j < 4; j++) {
            double s = gsl_matrix_float_get(pv[1], 0, j);   /* the base branch's bias */
            for (size_t k = 0; k < 3; k++)
                s += kan_layer_eval_edge(L, k, j, gsl_matrix_float_get(graph_value(g, x), i, k));
            assert_true(fabs(s - gsl_matrix_float_get(graph_value(g, y), i, j)) < 1e-5);
        }
    graph_free(g);
    kan_layer_free(L);
    gsl_rng_free(r);
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

/* A grid refit to the data's range keeps every edge function there: exact
 * when the range is the old one, to a small fraction of its size when it
 * is a sub-range (new knots fall between old ones). */
static void test_grid_update(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    kan_layer *L = kan_layer_alloc(2, 3, 5, 3, -1, 1, r), *old = kan_layer_alloc(2, 3, 5, 3, -1, 1, r);
    kan_layer_copy(old, L);
    gsl_matrix_float *x = gsl_matrix_float_alloc(50, 2);
    for (size_t i = 0; i < 50; i++) {
        gsl_matrix_float_set(x, i, 0, (float)(-1 + 2.0 * i / 49));
        gsl_matrix_float_set(x, i, 1, (float)(-1 + 2.0 * i / 49));
    }
    innx_err e;
    assert_int_equal(kan_layer_update_grid(L, x, &e), 0);
    assert_true(edge_max_diff(L, old, -1, 1) < 1e-5);
    for (size_t i = 0; i < 50; i++) {
        gsl_matrix_float_set(x, i, 0, (float)(-0.5 + 1.3 * i / 49));
        gsl_matrix_float_set(x, i, 1, (float)(-0.5 + 1.3 * i / 49));
    }
    assert_int_equal(kan_layer_update_grid(L, x, &e), 0);
    double d = edge_max_diff(L, old, -0.5, 0.8);
    if (!(d < 5e-3))
        fail_msg("grid update changed the function by %g", d);
    gsl_matrix_float_set(x, 3, 1, NAN);
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
        cmocka_unit_test(test_kan_gradients),
        cmocka_unit_test(test_grid_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
