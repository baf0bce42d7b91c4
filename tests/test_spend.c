/* test_spend.c: the data case: the generator has the character the issue
 * asks for and equals the shipped data/spend.csv; a shortened run of the
 * case learns F and G, keeps G inside the box, and finds k segments. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "innx/dataset.h"
#include "innx/spend.h"
#include "innx/stats.h"

static double *table(size_t n, unsigned long seed)
{
    double *v = malloc(n * SPEND_COLS * sizeof *v);
    innx_err e;
    assert_non_null(v);
    assert_int_equal(spend_generate(n, seed, v, &e), 0);
    return v;
}

static void col_stats(const double *v, size_t n, int c, double *mean, double *sd, double *lo, double *hi)
{
    double s1 = 0, s2 = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = v[i * SPEND_COLS + c];
        s1 += x;
        s2 += x * x;
        *lo = fmin(*lo, x);
        *hi = fmax(*hi, x);
    }
    *mean = s1 / (double)n;
    *sd = sqrt(s2 / (double)n - *mean * *mean);
}

static double corr(const double *v, size_t n, int a, int b)
{
    double ma, sa, mb, sb, lo, hi, s = 0;
    col_stats(v, n, a, &ma, &sa, &lo, &hi);
    col_stats(v, n, b, &mb, &sb, &lo, &hi);
    for (size_t i = 0; i < n; i++)
        s += (v[i * SPEND_COLS + a] - ma) * (v[i * SPEND_COLS + b] - mb);
    return s / (double)n / (sa * sb);
}

/* The description of the table: means, sds, ranges, correlation. */
static void test_generator_character(void **state)
{
    (void)state;
    size_t n = SPEND_ROWS;
    double *v = table(n, 1);
    static const struct { double mean, sd, lo, hi, tol_mean, tol_sd; } want[SPEND_COLS] = {
        {50, 13, 18, 93, 2, 1.5},
        {5, 2.1, 1, 10, 0.3, 0.2},
        {80000, 26000, 0, INFINITY, 2000, 2000},
        {280, 70, 31, 521, 5, 5},
    };
    for (int c = 0; c < SPEND_COLS; c++) {
        double m, s, lo, hi;
        col_stats(v, n, c, &m, &s, &lo, &hi);
        assert_true(fabs(m - want[c].mean) <= want[c].tol_mean);
        assert_true(fabs(s - want[c].sd) <= want[c].tol_sd);
        assert_true(lo >= want[c].lo && hi <= want[c].hi);
    }
    /* Ages and education levels are whole, income in hundreds, spend in cents. */
    for (size_t i = 0; i < n; i++) {
        const double *r = v + i * SPEND_COLS;
        assert_true(r[0] == round(r[0]) && r[1] == round(r[1]));
        assert_true(fmod(r[2], 100) == 0);
        assert_true(fabs(r[3] * 100 - round(r[3] * 100)) < 1e-6);
    }
    /* Correlated traits; spend rises with each of them. */
    for (int a = 0; a < 3; a++) {
        assert_true(corr(v, n, a, 3) > 0.7);
        for (int b = a + 1; b < 3; b++)
            assert_true(corr(v, n, a, b) > 0.7);
    }
    /* Seeded: the same seed the same table, another seed another. */
    double *w = table(n, 1), *u = table(n, 2);
    assert_memory_equal(v, w, n * SPEND_COLS * sizeof *v);
    assert_true(memcmp(v, u, n * SPEND_COLS * sizeof *v) != 0);
    free(v);
    free(w);
    free(u);
}

/* data/spend.csv is exactly `innx gen-spend --seed 1`, so the built-in
 * table of `innx train spend` and the shipped file are one and the same. */
static void test_shipped_csv_is_the_generator(void **state)
{
    (void)state;
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/data/spend.csv", top ? top : ".");
    innx_err e;
    dataset *d = dataset_read_csv(path, spend_columns, SPEND_COLS, 0, &e);
    if (!d)
        fail_msg("%s", e.msg);
    assert_int_equal(d->rows, SPEND_ROWS);
    double *v = table(SPEND_ROWS, 1);
    for (size_t i = 0; i < SPEND_ROWS * SPEND_COLS; i++)
        assert_true(d->v[i] == v[i]);
    free(v);
    dataset_free(d);
}

static spend_task *task_on(size_t n, const spend_conf *c)
{
    double *v = table(n, 1), *x = malloc(n * 3 * sizeof *x), *y = malloc(n * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    for (size_t i = 0; i < n; i++) {
        memcpy(x + 3 * i, v + SPEND_COLS * i, 3 * sizeof *x);
        y[i] = v[SPEND_COLS * i + 3];
    }
    static const double lo[3] = {18, 1, 0}, hi[3] = {93, 10, 300000};
    innx_err e;
    spend_task *t = spend_alloc(c, x, y, n, 3, lo, hi, &e);
    if (!t)
        fail_msg("%s", e.msg);
    free(v);
    free(x);
    free(y);
    return t;
}

/* A fifth of the recipe's steps: F explains most of spend, G's traits are
 * far better than guessing the mean (RMSE 1 in scaled units), the cycle
 * closes, G stays in the box, and the segments are a partition of the test
 * part paired one to one. Full-length figures are `innx train spend`'s. */
static void test_short_run(void **state)
{
    (void)state;
    spend_conf c = spend_conf_default();
    spend_task *t = task_on(SPEND_ROWS, &c);
    assert_int_equal(spend_n_train(t), 5227);
    double first = spend_step_forward(t), last = first;
    for (int s = 1; s < 400; s++)
        last = spend_step_forward(t);
    assert_true(last < 0.3 * first);
    innx_err e;
    double terms[3], g0 = spend_step_inverse(t, terms), g = g0;
    for (int s = 1; s < 800; s++)
        g = spend_step_inverse(t, terms);
    assert_true(g < 0.5 * g0);
    spend_report r;
    assert_int_equal(spend_evaluate(t, &r, &e), 0);
    assert_int_equal(r.n_test, 1307);
    assert_true(r.r2 > 0.72);
    assert_true(r.inverse_rmse < 0.65);
    assert_true(r.cycle_rmse < 0.2);
    size_t sum_p = 0, sum_r = 0, seen = 0;
    for (size_t s = 0; s < r.k; s++) {
        sum_p += r.count_pred[s];
        sum_r += r.count_real[s];
        seen |= (size_t)1 << r.match[s];
    }
    assert_int_equal(sum_p, r.n_test);
    assert_int_equal(sum_r, r.n_test);
    assert_int_equal(seen, (1u << r.k) - 1);
    /* Segments are ordered by age, and the predicted ones already rise in
     * every trait as the real ones do. */
    for (size_t s = 1; s < r.k; s++)
        for (size_t j = 0; j < 3; j++)
            assert_true(r.seg_pred[s * 3 + j] > r.seg_pred[(s - 1) * 3 + j]);
    for (size_t i = 0; i < r.n_test; i++) {
        assert_true(r.x_pred[3 * i] >= 18 - 3 && r.x_pred[3 * i] <= 93 + 3);
        assert_true(r.x_pred[3 * i + 1] >= 1 - 0.5 && r.x_pred[3 * i + 1] <= 10 + 0.5);
        assert_true(r.x_pred[3 * i + 2] >= -5000);
    }
    assert_true(r.pca_explained[0] > 0.8 && r.pca_explained[0] + r.pca_explained[1] <= 1 + 1e-12);
    spend_report_free(&r);
    /* The joint fine-tune runs on the same rows and keeps the loss finite. */
    double j0 = spend_step_joint(t, &e), j = j0;
    for (int s = 1; s < 50; s++)
        j = spend_step_joint(t, &e);
    assert_true(isfinite(j) && j <= j0 * 1.05);
    spend_free(t);
}

/* The same seed gives the same losses; the models must fit the data. */
static void test_determinism_and_errors(void **state)
{
    (void)state;
    spend_conf c = spend_conf_default();
    spend_task *a = task_on(500, &c), *b = task_on(500, &c);
    for (int s = 0; s < 20; s++)
        assert_true(spend_step_forward(a) == spend_step_forward(b));
    innx_err e;
    for (int s = 0; s < 20; s++)
        assert_true(spend_step_inverse(a, NULL) == spend_step_inverse(b, NULL));
    spend_free(a);
    spend_free(b);

    double x[3 * 40], y[40], lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
    for (int i = 0; i < 40; i++) {
        x[3 * i] = i, x[3 * i + 1] = i % 7, x[3 * i + 2] = i % 5;
        y[i] = i;
    }
    c.forward_model = "mlp:2-8-1/relu";
    assert_null(spend_alloc(&c, x, y, 40, 3, lo, hi, &e));
    assert_non_null(strstr(e.msg, "must map 3 inputs to 1 output"));
    c = spend_conf_default();
    assert_null(spend_alloc(&c, x, y, 10, 3, lo, hi, &e));   /* 2 test rows, 4 segments */
    assert_non_null(strstr(e.msg, "too few"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generator_character),
        cmocka_unit_test(test_shipped_csv_is_the_generator),
        cmocka_unit_test(test_short_run),
        cmocka_unit_test(test_determinism_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
