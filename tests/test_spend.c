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
#include <unistd.h>
#include <cmocka.h>

#include "innx/dataset.h"
#include "innx/report.h"
#include "innx/report_table.h"
#include "innx/spend.h"
#include "innx/stats.h"
#include "innx/trainer.h"

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

/* The spend problem on the first n rows of the generator's table (a CSV
 * in a temporary directory), or on the built-in table when n = 0. */
static trainer *trainer_on(size_t n, problem *p, char *dir)
{
    innx_err e;
    if (n > 0) {
        double *v = table(n, 1);
        snprintf(dir, 64, "/tmp/innx_test_spend.XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(p->table, sizeof p->table, "%s/t.csv", dir);
        assert_int_equal(dataset_write_csv(p->table, spend_columns, SPEND_COLS, v, n, NULL, SAFEFILE_REPLACE, &e), 0);
        free(v);
    }
    trainer *t = trainer_alloc(p, &e);
    if (!t)
        fail_msg("%s", e.msg);
    if (n > 0) {
        unlink(p->table);
        rmdir(dir);
    }
    return t;
}

/* A fifth of the recipe's steps: F explains most of spend, G's traits are
 * far better than guessing the mean (RMSE 1 in scaled units), the cycle
 * closes, G stays in the box, and the segments are a partition of the test
 * part paired one to one. Full-length figures are `innx train spend`'s. */
/* The built-in table is a data source like a CSV: any of its columns by
 * name, in any order, the same values as the generator's; a name it lacks
 * is refused with the names it has. */
static void test_builtin_source(void **state)
{
    (void)state;
    const char *names[] = {"income", "age"};
    innx_err e;
    dataset *d = dataset_open("", names, 2, 0, &e);
    assert_non_null(d);
    assert_int_equal(d->rows, SPEND_ROWS);
    assert_int_equal(d->cols, 2);
    assert_string_equal(d->names[0], "income");
    double *v = table(SPEND_ROWS, 1);
    for (size_t i = 0; i < SPEND_ROWS; i += 97) {
        assert_true(d->v[i * 2] == v[i * SPEND_COLS + 2]);
        assert_true(d->v[i * 2 + 1] == v[i * SPEND_COLS]);
    }
    free(v);
    dataset_free(d);
    const char *bad[] = {"age", "height"};
    assert_null(dataset_open("", bad, 2, 0, &e));
    assert_non_null(strstr(e.msg, "'height'"));
    assert_non_null(strstr(e.msg, "age, education, income, spend"));
}

static void test_short_run(void **state)
{
    (void)state;
    problem p;
    innx_err e;
    char dir[64];
    assert_int_equal(problem_builtin("spend", &p, &e), 0);
    p.stages[0].steps = 400;
    p.stages[1].steps = 800;
    p.stages[2].steps = 50;
    trainer *t = trainer_on(0, &p, dir);
    assert_int_equal(trainer_get_data(t)->n_train, 5227);
    double first = NAN, g0 = NAN, g = NAN, j0 = NAN, j = NAN;
    while (!trainer_finished(t)) {
        size_t stage = trainer_stage(t);
        long s = trainer_stage_steps(t);
        trainer_step(t);
        double l = trainer_loss(t);
        if (stage == 0 && s == 0)
            first = l;
        if (stage == 0 && s == 399)
            assert_true(l < 0.3 * first);
        if (stage == 1 && s == 0)
            g0 = l;
        if (stage == 1)
            g = l;
        if (stage == 2 && s == 0)
            j0 = l;
        if (stage == 2)
            j = l;
    }
    assert_true(g < 0.5 * g0);
    /* the joint fine-tune keeps the loss finite and does not undo the fit */
    assert_true(isfinite(j) && j <= j0 * 1.05);
    assert_int_equal(trainer_n_rollbacks(t), 0);
    report_table r;
    assert_int_equal(report_table_evaluate(t, &r, &e), 0);
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
        for (size_t jj = 0; jj < 3; jj++)
            assert_true(r.seg_pred[s * 3 + jj] > r.seg_pred[(s - 1) * 3 + jj]);
    for (size_t i = 0; i < r.n_test; i++) {
        assert_true(r.x_pred[3 * i] >= 18 - 3 && r.x_pred[3 * i] <= 93 + 3);
        assert_true(r.x_pred[3 * i + 1] >= 1 - 0.5 && r.x_pred[3 * i + 1] <= 10 + 0.5);
        assert_true(r.x_pred[3 * i + 2] >= -5000);
    }
    assert_true(r.pca_explained[0] > 0.8 && r.pca_explained[0] + r.pca_explained[1] <= 1 + 1e-12);
    report_table_free(&r);
    /* a query on the learned map: G's traits for a typical spend, polished
     * on NN1 in double to 1e-12 relative, inside the plausible box */
    report_point q;
    assert_int_equal(report_query_nn1(t, 400, &q, &e), 0);
    assert_int_equal(q.d, 3);
    assert_true(q.certified && q.residual <= 400e-12);
    assert_true(q.residual_raw > q.residual);
    assert_true(q.x[0] >= 18 && q.x[0] <= 93 && q.x[1] >= 1 && q.x[1] <= 10 && q.x[2] >= 0 && q.x[2] <= 300000);
    double f;
    assert_int_equal(trainer_eval_f(t, q.x, 1, &f, &e), 0);
    assert_true(fabs(f - 400) < 1e-3);   /* the float graph agrees to its own precision */
    trainer_free(t);
}

/* The same seed gives the same losses; the models must fit the data. */
static void test_determinism_and_errors(void **state)
{
    (void)state;
    problem p;
    innx_err e;
    char dir[64];
    assert_int_equal(problem_builtin("spend", &p, &e), 0);
    p.stages[0].steps = 20;
    p.stages[1].steps = 20;
    trainer *a = trainer_on(500, &p, dir), *b = trainer_on(500, &p, dir);
    for (int s = 0; s < 50; s++) {
        trainer_step(a);
        trainer_step(b);
        assert_true(trainer_loss(a) == trainer_loss(b));
    }
    trainer_free(a);
    trainer_free(b);

    snprintf(p.forward_model, sizeof p.forward_model, "mlp:2-8-1/relu");
    assert_null(trainer_alloc(&p, &e));
    assert_non_null(strstr(e.msg, "must map 3 inputs to 1 output"));
    assert_int_equal(problem_builtin("spend", &p, &e), 0);
    double *v = table(10, 1);
    snprintf(dir, sizeof dir, "/tmp/innx_test_spend.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(p.table, sizeof p.table, "%s/t.csv", dir);
    assert_int_equal(dataset_write_csv(p.table, spend_columns, SPEND_COLS, v, 10, NULL, SAFEFILE_REPLACE, &e), 0);
    free(v);
    assert_null(trainer_alloc(&p, &e));   /* 2 test rows, 4 segments */
    assert_non_null(strstr(e.msg, "too few"));
    unlink(p.table);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generator_character),
        cmocka_unit_test(test_shipped_csv_is_the_generator),
        cmocka_unit_test(test_builtin_source),
        cmocka_unit_test(test_short_run),
        cmocka_unit_test(test_determinism_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
