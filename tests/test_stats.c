/* test_stats.c: the split (sizes, a permutation, seeded), StandardScaler
 * against hand values, R^2 and RMSE by hand, bad input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gsl/gsl_rng.h>

#include "innx/stats.h"

static gsl_rng *rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

/* 6534 rows, 20% test: round(1306.8) = 1307 test, 5227 train. */
static void test_split(void **state)
{
    (void)state;
    size_t n = 6534, *idx, *idx2, ntr;
    innx_err e;
    gsl_rng *r = rng(1), *r2 = rng(1);
    assert_int_equal(stats_split(n, 0.2, r, &idx, &ntr, &e), 0);
    assert_int_equal(ntr, 5227);
    assert_int_equal(n - ntr, 1307);
    char *seen = calloc(n, 1);
    size_t fixed = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(idx[i] < n);
        assert_false(seen[idx[i]]);
        seen[idx[i]] = 1;
        fixed += idx[i] == i;
    }
    assert_true(fixed < 20);   /* shuffled: ~1 fixed point expected */
    assert_int_equal(stats_split(n, 0.2, r2, &idx2, &ntr, &e), 0);
    assert_memory_equal(idx, idx2, n * sizeof *idx);
    free(idx2);
    /* another draw from the stream: another permutation */
    assert_int_equal(stats_split(n, 0.2, r2, &idx2, &ntr, &e), 0);
    assert_true(memcmp(idx, idx2, n * sizeof *idx) != 0);
    free(idx2);
    free(idx);
    free(seen);
    /* edges: round(0.25 * 10) = round(2.5) = 3; all train; all test */
    assert_int_equal(stats_split(10, 0.25, r, &idx, &ntr, &e), 0);
    assert_int_equal(ntr, 7);
    free(idx);
    assert_int_equal(stats_split(10, 0, r, &idx, &ntr, &e), 0);
    assert_int_equal(ntr, 10);
    free(idx);
    assert_int_equal(stats_split(10, 1, r, &idx, &ntr, &e), 0);
    assert_int_equal(ntr, 0);
    free(idx);
    assert_int_equal(stats_split(10, 1.5, r, &idx, &ntr, &e), INNX_EINVAL);
    assert_null(idx);
    assert_int_equal(stats_split(10, NAN, r, &idx, &ntr, &e), INNX_EINVAL);
    assert_int_equal(stats_split(0, 0.2, r, &idx, &ntr, &e), INNX_EINVAL);
    gsl_rng_free(r);
    gsl_rng_free(r2);
}

/* Columns: {1, 2, 6}: mean 3, population variance (4 + 1 + 9)/3 = 14/3;
 * {10, 20, 30}: mean 20, variance 200/3; {0.1, 0.1, 0.1}: constant. */
static void test_scaler(void **state)
{
    (void)state;
    double x[9] = {1, 10, 0.1, 2, 20, 0.1, 6, 30, 0.1}, y[9];
    stats_scaler s;
    innx_err e;
    assert_int_equal(stats_scaler_fit(&s, x, 3, 3, &e), 0);
    assert_int_equal(s.d, 3);
    assert_true(fabs(s.mean[0] - 3) < 1e-15 && fabs(s.mean[1] - 20) < 1e-14);
    assert_true(fabs(s.scale[0] - sqrt(14.0 / 3)) < 1e-14);
    assert_true(fabs(s.scale[1] - sqrt(200.0 / 3)) < 1e-13);
    /* constant: scale 1, mean exactly the value, so it maps to exactly 0 */
    assert_true(s.scale[2] == 1 && s.mean[2] == 0.1);
    memcpy(y, x, sizeof x);
    stats_scaler_transform(&s, y, 3);
    assert_true(fabs(y[0] - (1 - 3) / sqrt(14.0 / 3)) < 1e-15);
    assert_true(fabs(y[7] - 10 / sqrt(200.0 / 3)) < 1e-15);
    for (int j = 0; j < 3; j++) {
        double m = 0, v = 0;
        for (int i = 0; i < 3; i++)
            m += y[i * 3 + j];
        for (int i = 0; i < 3; i++)
            v += y[i * 3 + j] * y[i * 3 + j];
        assert_true(fabs(m) < 1e-15);
        assert_true(fabs(v / 3 - (j < 2)) < 1e-14);   /* unit population std */
        if (j == 2)
            for (int i = 0; i < 3; i++)
                assert_true(y[i * 3 + j] == 0);
    }
    stats_scaler_inverse(&s, y, 3);
    for (int i = 0; i < 9; i++)
        assert_true(fabs(y[i] - x[i]) <= 1e-14 * fabs(x[i]));
    stats_scaler_free(&s);
    stats_scaler_free(&s);   /* idempotent */
    /* one row: every column constant */
    assert_int_equal(stats_scaler_fit(&s, x, 1, 3, &e), 0);
    assert_true(s.scale[0] == 1 && s.scale[1] == 1 && s.mean[1] == 10);
    stats_scaler_free(&s);
    assert_int_equal(stats_scaler_fit(&s, x, 0, 3, &e), INNX_EINVAL);
    double bad[2] = {1, INFINITY};
    assert_int_equal(stats_scaler_fit(&s, bad, 2, 1, &e), INNX_EINVAL);
    stats_scaler_free(&s);
}

static void test_r2_rmse(void **state)
{
    (void)state;
    double y[] = {1, 2, 3, 4};
    double mean[] = {2.5, 2.5, 2.5, 2.5};
    /* SS_res = 1, SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5: R^2 = 0.8 */
    double p1[] = {1, 2, 3, 5};
    /* reversed: SS_res = 9 + 1 + 1 + 9 = 20: R^2 = 1 - 4 = -3 */
    double p2[] = {4, 3, 2, 1};
    assert_true(stats_r2(y, y, 4) == 1);
    assert_true(fabs(stats_r2(y, mean, 4)) < 1e-15);
    assert_true(fabs(stats_r2(y, p1, 4) - 0.8) < 1e-15);
    assert_true(fabs(stats_r2(y, p2, 4) + 3) < 1e-15);
    /* constant y (SS_tot = 0): 1 if perfect, else 0, as sklearn */
    double c[] = {2, 2, 2}, cp[] = {2, 2, 3};
    assert_true(stats_r2(c, c, 3) == 1);
    assert_true(stats_r2(c, cp, 3) == 0);
    /* differences 1, 0, 2: sqrt(5/3) */
    double a[] = {1, 2, 3}, b[] = {2, 2, 5};
    assert_true(fabs(stats_rmse(a, b, 3) - sqrt(5.0 / 3)) < 1e-15);
    assert_true(stats_rmse(a, a, 3) == 0);
    assert_true(fabs(stats_rmse(y, p2, 4) - sqrt(5)) < 1e-15);
    assert_true(isnan(stats_rmse(a, b, 0)) && isnan(stats_r2(a, b, 0)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_scaler),
        cmocka_unit_test(test_r2_rmse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
