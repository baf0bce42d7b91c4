/* case_xsin.c: the article's xsin, x sin(x + e^x) on [-3, 3]: a plain
 * regressor y -> x trained on mean (x^ - x)^2 against the branch model.
 * RMSE as the article's test means it: for test pairs (x_i, y_i = f(x_i)),
 * the distance from the model's answer (the branch model: the best of K
 * candidates by raw residual) to the nearest true root of f(x) = y_i. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "cli.h"
#include "innx/report.h"

#define N_TEST 1000
#define N_Y 100
#define K 32

/* The article's baseline: G(y) -> x on grid pairs, recon only. */
static void regressor(const problem *p, problem *r)
{
    *r = *p;
    snprintf(r->name, sizeof r->name, "xsin-regressor");
    snprintf(r->model, sizeof r->model, "mlp:1-64-64-1/tanh");
    r->input = PROBLEM_IN_Y;
    r->output = PROBLEM_OUT_IDENTITY;
    r->batch = PROBLEM_BATCH_GRID_X;
    r->batch_n = 500;
    for (int k = 0; k < TERM_N; k++)
        r->lambda[k] = 0;
    r->lambda[TERM_RECON] = 1;
    r->n_stages = 1;
    r->stages[0] = problem_stage_default(PROBLEM_STAGE_INVERSE, p->stages[0].steps, 1e-3);
}

static double nearest(const double *ref, size_t n, double x)
{
    double d = INFINITY;
    for (size_t i = 0; i < n; i++)
        d = fmin(d, fabs(ref[i] - x));
    return d;
}

/* ctx: the regressor's problem */
static void print_header(const char *where, const problem *p, const void *ctx)
{
    const problem *rp = ctx;
    printf("%s: f(x) = %s on [%g, %g]: the regressor %s (mean (x^ - x)^2) and the branch model %s, %ld steps "
           "each\n", where, p->formula, p->x_lo[0], p->x_hi[0], rp->model, p->model, p->stages[0].steps);
}

int case_xsin_train(const cli_opts *o, problem *p)
{
    char where[64];
    snprintf(where, sizeof where, "train %s", p->name);
    innx_err err;
    problem rp;
    regressor(p, &rp);
    if (problem_validate(p, &err) != 0 || problem_validate(&rp, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    cli_opts quiet = *o;
    quiet.quiet = 1;
    double s_inv, s_reg;
    trainer *t = cli_train_banner(&quiet, where, p, 0, &s_inv, NULL, o->json || o->quiet ? NULL : print_header, &rp);
    if (!t)
        return CLI_EXIT_USAGE;
    quiet.save = NULL;   /* --save keeps the branch model */
    quiet.figures = NULL;   /* and so do the figures */
    quiet.stop_after = 0;
    quiet.resume_ck = NULL;   /* and --resume restores it: the regressor starts afresh */
    trainer *r = cli_train(&quiet, where, &rp, 0, &s_reg, NULL);
    if (!r) {
        trainer_free(t);
        return CLI_EXIT_USAGE;
    }
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    report_query *q = malloc(sizeof *q);
    if (!rng || !q) {
        gsl_rng_free(rng), free(q), trainer_free(t), trainer_free(r);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    gsl_rng_set(rng, p->seed + 2);
    double se_reg = 0, se_reg_x = 0, se_inv = 0, se_pol = 0, a = p->x_lo[0], b = p->x_hi[0];
    size_t n_inv = 0, missing = 0;
    int st = 0;
    for (size_t i = 0; st == 0 && i < N_TEST; i++) {
        double x = a + (b - a) * gsl_rng_uniform(rng), y, xr, ref[REPORT_MAX_ROOTS];
        size_t n_ref;
        if ((st = trainer_eval_f(t, &x, 1, &y, &err)) != 0 || (st = report_reference(t, y, ref, &n_ref, &err)) != 0 ||
            (st = trainer_eval_g(r, &y, 1, &xr, &err)) != 0 ||
            (st = report_query_candidates(t, y, K, q, &err)) != 0)
            break;
        if (n_ref == 0)
            ref[n_ref++] = x;   /* the scan's grid missed it: x itself is a root */
        double d = nearest(ref, n_ref, xr);
        se_reg += d * d;
        se_reg_x += (xr - x) * (xr - x);
        /* the best candidate by raw residual, before and after polishing */
        const report_root *best = NULL;
        for (size_t j = 0; j < q->n_roots; j++)
            if (!best || q->roots[j].residual_raw < best->residual_raw)
                best = &q->roots[j];
        if (!best) {
            missing++;
            continue;
        }
        double dr = nearest(ref, n_ref, best->x_raw), dp = nearest(ref, n_ref, best->x);
        se_inv += dr * dr;
        se_pol += dp * dp;
        n_inv++;
    }
    gsl_rng_free(rng);
    /* recall of every root over N_Y y* spread over F's range */
    const problem *tp = trainer_problem(t);
    double y_lo = tp->y_lo, y_hi = tp->y_hi;
    size_t all = 0, hit = 0, hit_raw = 0;
    double w = b - a;
    for (size_t k = 0; st == 0 && k < N_Y; k++) {
        double y = y_lo + (y_hi - y_lo) * ((double)k + 0.5) / N_Y;
        if ((st = report_query_roots(t, y, K, q, &err)) != 0)
            break;
        size_t h, hr;
        cli_query_recall(q, w, &h, &hr);
        hit += h;
        hit_raw += hr;
        all += q->n_ref;
    }
    long steps = trainer_steps(t) + trainer_steps(r);
    free(q);
    trainer_free(t);
    trainer_free(r);
    if (st != 0)
        return cli_error(CLI_EXIT_FAIL, where, "%s", err.msg);
    double rmse_reg = sqrt(se_reg / N_TEST), rmse_reg_x = sqrt(se_reg_x / N_TEST);
    double rmse_inv = n_inv ? sqrt(se_inv / (double)n_inv) : NAN, rmse_pol = n_inv ? sqrt(se_pol / (double)n_inv) : NAN;
    double rec = all ? (double)hit / (double)all : 1, rec_raw = all ? (double)hit_raw / (double)all : 1;
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "case", "xsin");
        json_str(&j, "problem", p->name);
        json_str(&j, "formula", p->formula);
        json_int(&j, "seed", (long)p->seed);
        json_overrides(&j, o);
        json_num(&j, "rmse_regressor", rmse_reg);
        json_num(&j, "rmse_regressor_to_x", rmse_reg_x);
        json_num(&j, "rmse_inverse", rmse_inv);
        json_num(&j, "rmse_inverse_polished", rmse_pol);
        json_int(&j, "n_test", N_TEST);
        json_int(&j, "unanswered", (long)missing);
        json_num(&j, "recall", rec);
        json_num(&j, "recall_raw", rec_raw);
        json_int(&j, "n_y", N_Y);
        json_int(&j, "reference_roots", (long)all);
        json_int(&j, "steps", steps);
        json_num(&j, "seconds", s_inv + s_reg);
        json_end(&j);
    } else {
        printf("trained in %.2f s (branch model) and %.2f s (regressor)\n", s_inv, s_reg);
        printf("RMSE over %d test pairs, distance to the nearest root of f(x) = y_i (article: 1.1 and 0.04):\n",
               N_TEST);
        printf("  regressor y -> x       %.4g   (to the pair's own x: %.4g)\n", rmse_reg, rmse_reg_x);
        printf("  branch model, raw      %.4g   (best of %d codes by residual)\n", rmse_inv, K);
        printf("  branch model, polished %.3g\n", rmse_pol);
        if (missing)
            printf("  %zu test pairs had no answer\n", missing);
        printf("every root over %d y* spread over [%g, %g]: %zu of %zu (recall %.4f; raw within 1e-3 of the width "
               "%.4f)\n", N_Y, y_lo, y_hi, hit, all, rec, rec_raw);
    }
    return CLI_EXIT_OK;
}
