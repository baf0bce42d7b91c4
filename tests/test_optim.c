/* test_optim.c: Adam, ReduceLROnPlateau and early stopping against values
 * computed by torch.optim (1.13) for the same inputs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "innx/optim.h"

static void set_row(gsl_matrix_float *m, const float *v)
{
    for (size_t j = 0; j < m->size2; j++)
        gsl_matrix_float_set(m, 0, j, v[j]);
}

static void expect_row(const gsl_matrix_float *m, const double *v, double tol)
{
    for (size_t j = 0; j < m->size2; j++)
        assert_true(fabs(gsl_matrix_float_get(m, 0, j) - v[j]) <= tol);
}

/* torch: p = [1, -0.5, 2], Adam(lr=0.01), four given gradients. */
static void test_adam_matches_torch(void **state)
{
    (void)state;
    gsl_matrix_float *p = gsl_matrix_float_alloc(1, 3), *g = gsl_matrix_float_alloc(1, 3);
    set_row(p, (float[]){1.0f, -0.5f, 2.0f});
    optim_params ps = {1, &p, &g};
    optim_adam *a = optim_adam_alloc(&ps, OPTIM_ADAM_DEFAULTS(0.01));
    static const float grads[4][3] = {{1, 0.2f, -3}, {-2, 0.1f, -3}, {0.5f, 0, 1}, {0.3f, -0.4f, 0.2f}};
    static const double want[4][3] = {{0.99000001, -0.50999999, 2.00999999},
                                      {0.993661046, -0.519321799, 2.01999998},
                                      {0.995027959, -0.526527584, 2.026057},
                                      {0.995382905, -0.524330437, 2.0307467}};
    for (int s = 0; s < 4; s++) {
        set_row(g, grads[s]);
        optim_adam_step(a);
        expect_row(p, want[s], 2e-7);
    }
    assert_int_equal(optim_adam_steps(a), 4);
    optim_adam_free(a);
    gsl_matrix_float_free(p);
    gsl_matrix_float_free(g);
}

/* torch: Adam(lr=0.1, weight_decay=0.1) (L2 added to the gradient). */
static void test_adam_weight_decay(void **state)
{
    (void)state;
    gsl_matrix_float *p = gsl_matrix_float_alloc(1, 2), *g = gsl_matrix_float_alloc(1, 2);
    set_row(p, (float[]){1.0f, -0.5f});
    optim_params ps = {1, &p, &g};
    optim_adam_conf c = OPTIM_ADAM_DEFAULTS(0.1);
    c.weight_decay = 0.1;
    optim_adam *a = optim_adam_alloc(&ps, c);
    set_row(g, (float[]){0.5f, -0.5f});
    optim_adam_step(a);
    expect_row(p, (double[]){0.900000036, -0.400000006}, 2e-7);
    set_row(g, (float[]){0.1f, 0.2f});
    optim_adam_step(a);
    expect_row(p, (double[]){0.813648343, -0.356459379}, 2e-7);
    optim_adam_free(a);
    gsl_matrix_float_free(p);
    gsl_matrix_float_free(g);
}

/* A frozen tensor (NULL gradient) is skipped, never touched. */
static void test_adam_skips_frozen(void **state)
{
    (void)state;
    gsl_matrix_float *p = gsl_matrix_float_alloc(1, 1);
    gsl_matrix_float_set(p, 0, 0, 3.0f);
    gsl_matrix_float *grad = NULL;
    optim_params ps = {1, &p, &grad};
    optim_adam *a = optim_adam_alloc(&ps, OPTIM_ADAM_DEFAULTS(0.1));
    optim_adam_step(a);
    assert_true(gsl_matrix_float_get(p, 0, 0) == 3.0f);
    optim_adam_free(a);
    gsl_matrix_float_free(p);
}

/* torch: ReduceLROnPlateau(mode='min', factor=0.5, patience=2) over these
 * metrics gives these learning rates (relative threshold 1e-4 matters at
 * 8.9995 vs best 9). */
static void test_plateau_matches_torch(void **state)
{
    (void)state;
    gsl_matrix_float *p = gsl_matrix_float_calloc(1, 1), *g = gsl_matrix_float_calloc(1, 1);
    optim_params ps = {1, &p, &g};
    optim_adam *a = optim_adam_alloc(&ps, OPTIM_ADAM_DEFAULTS(1.0));
    optim_plateau s;
    optim_plateau_init(&s, 0.5, 2);
    static const double m[] = {10, 9, 9, 9.0005, 9, 8.9995, 8.99, 8.99, 8.99, 8.99, 8.99, 8.99, 1, 1, 1, 1};
    static const double lr[] = {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.125};
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        assert_true(fabs(optim_plateau_step(&s, a, m[i]) - lr[i]) < 1e-15);
    s.min_lr = 0.1;
    for (int i = 0; i < 20; i++)
        optim_plateau_step(&s, a, 1);
    assert_true(fabs(optim_adam_lr(a) - 0.1) < 1e-15);
    optim_adam_free(a);
    gsl_matrix_float_free(p);
    gsl_matrix_float_free(g);
}

/* torch: MultiStepLR(Adam(lr=1), milestones=[2, 4], gamma=0.1), stepped
 * after each optimiser step, gives lr 1, 1, 0.1, 0.1, 0.01, 0.01 to steps 0..5. */
static void test_multistep_matches_torch(void **state)
{
    (void)state;
    static const long ms[] = {2, 4};
    static const double lr[] = {1, 1, 0.1, 0.1, 0.01, 0.01};
    for (long i = 0; i < 6; i++)
        assert_true(fabs(optim_multistep_lr(1.0, 0.1, ms, 2, i) - lr[i]) < 1e-15);
    assert_true(optim_multistep_lr(2e-3, 0.5, ms, 0, 100) == 2e-3);
}

/* Stops after `patience` non-improving steps and restores the weights that
 * gave the best metric, not the last ones. */
static void test_early_stop_restores_best(void **state)
{
    (void)state;
    gsl_matrix_float *p = gsl_matrix_float_calloc(1, 1), *g = gsl_matrix_float_calloc(1, 1);
    optim_params ps = {1, &p, &g};
    optim_early e;
    assert_int_equal(optim_early_init(&e, &ps, 3), 0);
    static const double m[] = {5, 4, 2, 3, 2, NAN};
    int stop = 0, k;
    for (k = 0; k < 6 && !stop; k++) {
        gsl_matrix_float_set(p, 0, 0, (float)(k + 1));   /* weights at step k */
        stop = optim_early_step(&e, &ps, m[k]);
    }
    assert_true(stop);
    assert_int_equal(k, 6);          /* 2 at step 3; then 3, 2 (not strictly less), NaN */
    assert_true(e.best == 2.0);
    assert_int_equal(e.best_step, 3);
    optim_early_restore(&e, &ps);
    assert_true(gsl_matrix_float_get(p, 0, 0) == 3.0f);
    optim_early_free(&e);
    gsl_matrix_float_free(p);
    gsl_matrix_float_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adam_matches_torch),
        cmocka_unit_test(test_adam_weight_decay),
        cmocka_unit_test(test_adam_skips_frozen),
        cmocka_unit_test(test_plateau_matches_torch),
        cmocka_unit_test(test_multistep_matches_torch),
        cmocka_unit_test(test_early_stop_restores_best),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
