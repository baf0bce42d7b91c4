/* test_trainer.c: the engine: every loss term's gradient, bit-for-bit
 * determinism, live lambdas, schedules, checkpoints, forced blow-ups rolled
 * back, the history's bounded memory, and the cases shortened. */
#define _POSIX_C_SOURCE 200809L
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

#include "test_helpers.h"

#include "innx/report.h"
#include "innx/roots.h"
#include "innx/report_table.h"
#include "innx/report_vector.h"
#include "innx/trainer.h"

#define ROOT_095 0.5519109786218621  /* sin(x)/x = 0.95, x > 0 */
static const double three_roots[3] = {0.3970286, 2.5952263, 6.9076965};

/* A small sinc: 300 points, a small net, so that tests run in moments. */
static problem small_sinc(void)
{
    problem p = builtin("sinc");
    snprintf(p.model, sizeof p.model, "mlp:1-16-1/tanh");
    p.batch_n = 300;
    p.stages[0].steps = 300;
    p.stages[0].ema_decay = 0;
    p.stages[0].checkpoint = 10;
    return p;
}

/* Same problem, seed and threads: the same bits; another seed not. */
static void test_determinism(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    trainer *a = make(&p), *b = make(&p);
    p.seed = 1;
    trainer *d = make(&p);
    int differs = 0;
    for (int s = 0; s < 200; s++) {
        trainer_step(a);
        trainer_step(b);
        trainer_step(d);
        assert_true(trainer_loss(a) == trainer_loss(b));
        for (int k = 0; k < TERM_N; k++) {
            double x = trainer_term(a, k), y = trainer_term(b, k);
            assert_memory_equal(&x, &y, sizeof x);
        }
        differs |= trainer_loss(a) != trainer_loss(d);
    }
    assert_true(differs);
    trainer_free(a);
    trainer_free(b);
    trainer_free(d);
}

static double weighted_sum(const trainer *t)
{
    double sum = 0;
    for (int k = 0; k < TERM_N; k++)
        if (trainer_term_active(t, k))
            sum += trainer_lambda(t, k) * trainer_term(t, k);
    return sum;
}

/* Every term is reported every step, also when its lambda is 0; the total
 * is the lambda-weighted sum, and a lambda set between two steps takes
 * effect at the next one without any rebuild. */
static void test_live_lambdas(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    trainer *t = make(&p);
    trainer_step(t);
    assert_true(trainer_term_active(t, TERM_CYC) && trainer_term_active(t, TERM_RANGE) &&
                trainer_term_active(t, TERM_CENTER) && trainer_term_active(t, TERM_NORM) &&
                trainer_term_active(t, TERM_BOX));
    assert_false(trainer_term_active(t, TERM_FWD));
    assert_false(trainer_term_active(t, TERM_RECON));
    double norm = trainer_term(t, TERM_NORM);
    assert_true(isfinite(norm) && norm > 0);   /* reported though its lambda is 0 */
    assert_true(fabs(weighted_sum(t) - trainer_loss(t)) <= 1e-5 * trainer_loss(t));
    trainer_set_lambda(t, TERM_NORM, 2.5);
    assert_true(trainer_lambda(t, TERM_NORM) == 2.5);
    trainer_step(t);
    assert_true(fabs(weighted_sum(t) - trainer_loss(t)) <= 1e-5 * trainer_loss(t));
    trainer_set_lambda(t, TERM_NORM, -1);
    trainer_set_lambda(t, TERM_NORM, NAN);
    assert_true(trainer_lambda(t, TERM_NORM) == 2.5);
    trainer_free(t);
}

/* Each term alone at lambda 1: the gradient through the whole graph
 * (formula or NN1, output transform, walls) matches central differences. */
static void check_terms(problem p, const problem_term *terms, size_t n, size_t stride, int stage)
{
    for (size_t i = 0; i < n; i++) {
        problem q = p;
        for (int j = 0; j < TERM_N; j++)
            q.lambda[j] = j == (int)terms[i] ? 1.0 : 0.0;
        trainer *t = make(&q);
        for (int s = 0; s < stage; s++)
            trainer_next_stage(t);
        assert_true(trainer_term_active(t, terms[i]));
        for (int s = 0; s < 3; s++)   /* off the initial weights */
            trainer_step(t);
        double err = trainer_check_grad(t, stride, 1e-2);
        if (!(err < 2e-2))
            fail_msg("%s, term %s: gradient error %g", p.name, problem_term_name(terms[i]), err);
        trainer_free(t);
    }
}

static void test_term_gradients(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    snprintf(p.model, sizeof p.model, "mlp:1-8-8-1/tanh");
    const problem_term latent[] = {TERM_CYC, TERM_RANGE, TERM_CENTER, TERM_NORM, TERM_BOX};
    check_terms(p, latent, 5, 3, 0);
    /* squashed output, x near the walls */
    p.output = PROBLEM_OUT_SQUASH;
    check_terms(p, latent, 5, 3, 0);
    problem s = small_sinc();
    snprintf(s.model, sizeof s.model, "mlp:1-8-8-1/tanh");
    s.batch_n = 64;
    const problem_term point[] = {TERM_CYC, TERM_RECON, TERM_XCYC, TERM_BOX, TERM_NORM};
    check_terms(s, point, 5, 3, 0);
    s.box_quadratic = 1;
    check_terms(s, point + 3, 1, 3, 0);
    /* a table: NN1 as F, three traits (smooth applies), all three stages */
    problem d = builtin("spend");
    snprintf(d.model, sizeof d.model, "mlp:1-8-3/tanh");
    snprintf(d.forward_model, sizeof d.forward_model, "mlp:3-8-1/relu");
    const problem_term fwd[] = {TERM_FWD};
    check_terms(d, fwd, 1, 5, 0);
    const problem_term inv[] = {TERM_CYC, TERM_RECON, TERM_BOX, TERM_NORM, TERM_SMOOTH};
    check_terms(d, inv, 5, 5, 1);
    const problem_term joint[] = {TERM_FWD, TERM_CYC};
    check_terms(d, joint, 2, 7, 2);
    /* siamese: G's middle layer is NN1's (frozen in the inverse stage,
     * trained by both paths in the joint one) */
    d.siamese = 1;
    snprintf(d.model, sizeof d.model, "mlp:1-8-8-3/tanh");
    snprintf(d.forward_model, sizeof d.forward_model, "mlp:3-8-8-1/relu");
    check_terms(d, inv, 3, 5, 1);
    check_terms(d, joint, 2, 7, 2);
    d.siamese = 0;
    /* the branch model: shape feature and piece code in, sigmoid around
     * logit s0, x inside the piece, Newton-normalised residual */
    problem b = builtin("xsin");
    snprintf(b.model, sizeof b.model, "mlp:1-8-8-1/tanh");
    b.batch_n = 64;
    const problem_term branch[] = {TERM_CYC, TERM_RECON, TERM_NORM};
    check_terms(b, branch, 3, 3, 0);
}

/* gp alone: the gradient of mean ||dG/dy||^2 (through the tangent pass,
 * so second derivatives of G) for an MLP and a KAN G, with each output
 * transform, and with y beside z. */
static void test_gp_gradient(void **state)
{
    (void)state;
    const problem_term gp[] = {TERM_GP};
    problem s = small_sinc();
    s.batch_n = 64;
    snprintf(s.model, sizeof s.model, "mlp:1-8-8-1/tanh");
    check_terms(s, gp, 1, 3, 0);
    snprintf(s.model, sizeof s.model, "mlp:1-8-8-1/silu");
    s.output = PROBLEM_OUT_SQUASH;
    check_terms(s, gp, 1, 3, 0);
    snprintf(s.model, sizeof s.model, "kan:1-4-4-1/g5k3");
    s.output = PROBLEM_OUT_IDENTITY;
    check_terms(s, gp, 1, 3, 0);
    s.output = PROBLEM_OUT_SOFTPLUS;
    check_terms(s, gp, 1, 3, 0);
    problem y = builtin("three-roots");
    y.input = PROBLEM_IN_YZ;
    y.y_given = 1;
    y.y_lo = -0.5;
    y.y_hi = 0.5;
    snprintf(y.model, sizeof y.model, "mlp:2-8-8-1/tanh");
    check_terms(y, gp, 1, 3, 0);
    snprintf(y.model, sizeof y.model, "kan:2-4-1/g5k3");
    check_terms(y, gp, 1, 3, 0);
    /* G reading z alone has no dG/dy */
    problem z = builtin("three-roots");
    assert_false(problem_term_applies(&z, TERM_GP));
}

/* gp's value is mean (dG/dy)^2 over the batch, G's derivative taken by
 * central differences of trainer_eval_g (squash and softplus outputs: the
 * transform's derivative is in the tangent). lr ~ 0: the step's update
 * leaves the weights the term was computed on. */
static void test_gp_value(void **state)
{
    (void)state;
    for (int out = 0; out < 3; out++) {
        problem p = small_sinc();
        p.output = out == 0 ? PROBLEM_OUT_IDENTITY : out == 1 ? PROBLEM_OUT_SQUASH : PROBLEM_OUT_SOFTPLUS;
        snprintf(p.model, sizeof p.model, out == 2 ? "kan:1-4-1/g5k3" : "mlp:1-8-8-1/tanh");
        p.lambda[TERM_GP] = 1;
        p.stages[0].lr = 1e-12;
        trainer *t = make(&p);
        trainer_step(t);
        double sum = 0, h = 1e-4;
        size_t n = p.batch_n;
        for (size_t i = 0; i < n; i++) {
            double x = (double)(float)(p.x_lo[0] + (p.x_hi[0] - p.x_lo[0]) * (double)i / (double)(n - 1));
            double y[2] = {sin(x) / x + h, sin(x) / x - h}, g[2];
            innx_err e;
            assert_int_equal(trainer_eval_g(t, y, 2, g, &e), 0);
            double d = (g[0] - g[1]) / (2 * h);
            sum += d * d;
        }
        double want = sum / (double)n, got = trainer_term(t, TERM_GP);
        if (!(fabs(got - want) < 1e-3 * fmax(1.0, want)))
            fail_msg("output %d: gp %g, differences %g", out, got, want);
        trainer_free(t);
    }
}

/* gp is built the first step its lambda is not 0 (one rebuild), then
 * reported every step, at lambda 0 too. */
static void test_gp_live(void **state)
{
    (void)state;
    problem p = small_sinc();
    trainer *t = make(&p);
    trainer_step(t);
    assert_false(trainer_term_active(t, TERM_GP));
    trainer_set_lambda(t, TERM_GP, 0.5);
    trainer_step(t);
    assert_true(trainer_term_active(t, TERM_GP));
    double gp = trainer_term(t, TERM_GP);
    assert_true(isfinite(gp) && gp > 0);
    assert_true(fabs(weighted_sum(t) - trainer_loss(t)) <= 1e-5 * trainer_loss(t));
    trainer_set_lambda(t, TERM_GP, 0);
    trainer_step(t);
    assert_true(trainer_term_active(t, TERM_GP) && isfinite(trainer_term(t, TERM_GP)));
    trainer_free(t);
}

/* three-roots with G reading y beside z, gp at 1: the run still ends
 * early with the loss at 23.85 (23.84 without gp; 320 at the first step)
 * and each cluster polishes to its root. */
static void test_gp_three_roots(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    p.input = PROBLEM_IN_YZ;
    snprintf(p.model, sizeof p.model, "mlp:2-128-128-1/tanh");
    p.lambda[TERM_GP] = 1;
    trainer *t = make(&p);
    trainer_step(t);
    assert_true(trainer_term_active(t, TERM_GP));
    double first = trainer_loss(t);
    while (!trainer_finished(t))
        trainer_step(t);
    assert_int_equal(trainer_get_state(t), TRAINER_EARLY_STOPPED);
    assert_true(trainer_loss(t) < 25 && trainer_loss(t) < first / 10);
    assert_true(isfinite(trainer_term(t, TERM_GP)) && trainer_term(t, TERM_GP) < 0.1);
    report_latent r;
    innx_err e;
    assert_int_equal(report_latent_compute(t, 0, 3, &r, &e), 0);
    for (int c = 0; c < 3; c++) {
        assert_true(r.c[c].polished);
        assert_true(fabs(r.c[c].root.x - three_roots[c]) < 1e-6);
    }
    trainer_free(t);
}

/* A mixture head: each term alone, ent among them, through the stacked
 * candidates and the softmax weights; MLP and KAN G. */
static void test_ent_gradient(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    snprintf(p.model, sizeof p.model, "mlp:1-8-8-1/tanh");
    p.mixture = 3;
    const problem_term latent[] = {TERM_CYC, TERM_RANGE, TERM_CENTER, TERM_NORM, TERM_BOX, TERM_ENT};
    check_terms(p, latent, 6, 3, 0);
    p.output = PROBLEM_OUT_SQUASH;
    snprintf(p.model, sizeof p.model, "kan:1-4-1/g5k3");
    check_terms(p, latent, 6, 3, 0);
    problem s = small_sinc();
    snprintf(s.model, sizeof s.model, "mlp:1-8-8-1/tanh");
    s.batch_n = 64;
    s.mixture = 2;
    const problem_term point[] = {TERM_CYC, TERM_RECON, TERM_BOX, TERM_NORM, TERM_ENT, TERM_GP};
    check_terms(s, point, 6, 3, 0);
    assert_false(problem_term_applies(&s, TERM_XCYC));
    s.mixture = 1;
    assert_false(problem_term_applies(&s, TERM_ENT));
}

/* trainer_eval_g gives every candidate (n M rows, row i M + j candidate j
 * of row i), the query polishes each, ent is log M + mean sum p log p
 * (in [0, log M]), and a tables problem refuses a mixture. */
static void test_ent_candidates(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    p.mixture = 3;
    trainer *t = make(&p);
    trainer_step(t);
    assert_int_equal(trainer_g_candidates(t), 3);
    double ent = trainer_term(t, TERM_ENT);
    assert_true(trainer_term_active(t, TERM_ENT) && ent >= 0 && ent <= log(3.0) + 1e-6);
    double in[2] = {0.1, 0.9}, x[6];
    innx_err e;
    assert_int_equal(trainer_eval_g(t, in, 2, x, &e), 0);
    for (int i = 0; i < 6; i++)
        assert_true(isfinite(x[i]) && x[i] > 0);   /* softplus */
    report_query q;
    assert_int_equal(report_query_roots(t, 0, 8, &q, &e), 0);
    assert_int_equal(q.n_candidates, 24);
    trainer_free(t);
    problem d = builtin("spend");
    d.mixture = 2;
    assert_int_not_equal(problem_validate(&d, &e), 0);
    assert_non_null(strstr(e.msg, "inverse.mixture"));
}

/* three-roots with three candidates a code and ent at 1: the weights go
 * uniform (ent 4.5e-4; 0.42 at lambda 0), the run stops early below 24
 * (22.63; 25.31 without the head) and the query finds all three roots. */
static void test_ent_three_roots(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    p.mixture = 3;
    p.lambda[TERM_ENT] = 1;
    trainer *t = make(&p);
    while (!trainer_finished(t))
        trainer_step(t);
    assert_int_equal(trainer_get_state(t), TRAINER_EARLY_STOPPED);
    assert_true(trainer_loss(t) < 24);
    assert_true(trainer_term(t, TERM_ENT) < 1e-2);
    report_query q;
    innx_err e;
    assert_int_equal(report_query_roots(t, 0, 32, &q, &e), 0);
    assert_int_equal(q.n_roots, 3);
    assert_int_equal(q.n_ref, 3);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(q.roots[i].x - q.ref[i]) < 1e-9 && fabs(q.roots[i].x - three_roots[i]) < 1e-6);
    trainer_free(t);
}

/* Without partitions and with G reading y alone, the candidates' spread
 * start is what finds every root: G(0) gives 0.53, 2.53 and 6.91 (903
 * steps, loss 2.9e-3), each polishing to its root; started alike they all
 * ended on 0.397. */
static void test_ent_one_g_three_roots(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    p.input = PROBLEM_IN_Y;
    p.n_parts = 0;
    p.mixture = 3;
    trainer *t = make(&p);
    while (!trainer_finished(t))
        trainer_step(t);
    assert_true(trainer_loss(t) < 1e-2);
    report_query q;
    innx_err e;
    assert_int_equal(report_query_roots(t, 0, 1, &q, &e), 0);
    assert_int_equal(q.n_candidates, 3);
    assert_int_equal(q.n_roots, 3);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(q.roots[i].x - q.ref[i]) < 1e-9);
    trainer_free(t);
}

/* The lr follows MultiStepLR (x0.5 at 1/2 and 3/4 of the steps). */
static void test_schedule(void **state)
{
    (void)state;
    problem p = small_sinc();
    p.stages[0].steps = 200;
    p.stages[0].lr = 1e-2;
    trainer *t = make(&p);
    for (long s = 0; s < 199; s++) {
        double want = s < 100 ? 1e-2 : s < 150 ? 5e-3 : 2.5e-3;
        trainer_step(t);
        /* trainer_lr is the lr the step just taken used, until the next */
        assert_true(fabs(trainer_lr(t) - want) < 1e-15);
    }
    assert_int_equal(trainer_n_rollbacks(t), 0);
    trainer_free(t);
}

/* The lowest-loss checkpoint answers after the end, even when Adam at a
 * reckless lr ends higher. */
static void test_checkpoints_answer(void **state)
{
    (void)state;
    problem p = small_sinc();
    p.stages[0].steps = 200;
    p.stages[0].lr = 3.0;
    trainer *t = make(&p);
    double best = INFINITY, last = NAN;
    for (long s = 0; s < 199; s++) {
        trainer_step(t);
        if ((s + 1) % 10 == 0) {
            last = trainer_eval_loss(t);
            best = fmin(best, last);
        }
    }
    trainer_step(t);
    assert_true(trainer_finished(t));
    assert_true(trainer_eval_loss(t) <= best);
    assert_true(trainer_answer_step(t) > 0);
    assert_true(last > best);   /* not monotone: a wrong restore would show */
    trainer_free(t);
}

/* A thousandfold lr at mid-run blows the loss up: the trainer rolls back
 * to the best checkpoint, restarts Adam, says where, and the answer is no
 * worse than before; a second blow-up soon after also halves the lr; ten
 * end the run diverged with the best weights in. */
static void test_blowup_rolls_back(void **state)
{
    (void)state;
    problem p = small_sinc();
    p.stages[0].lr = 1e-2;
    p.stages[0].schedule = PROBLEM_LR_CONSTANT;
    trainer *t = make(&p);
    for (int s = 0; s < 150; s++)
        trainer_step(t);
    double before = trainer_eval_loss(t);
    trainer_kick_lr(t, 1000);
    while (!trainer_finished(t) && trainer_n_rollbacks(t) == 0)
        trainer_step(t);
    /* the step that rolled back reports what it measured, not the last
     * good step's loss (a per-step record shows the cause) */
    assert_int_equal(trainer_n_rollbacks(t), 1);
    assert_true(!isfinite(trainer_loss(t)) || trainer_loss(t) > 5 * before);
    while (!trainer_finished(t))
        trainer_step(t);
    assert_true(trainer_n_rollbacks(t) >= 1);
    const trainer_rollback *r = trainer_rollback_at(t, 0);
    assert_true(r->step >= 150);
    assert_non_null(strstr(r->why, "back to step"));
    if (trainer_n_rollbacks(t) >= 2)
        assert_true(trainer_lr(t) < 1e-2 * 1000);
    assert_true(trainer_eval_loss(t) <= before * 1.5);
    trainer_free(t);

    /* a lambda a thousandfold too large blows it up for good: diverged */
    t = make(&p);
    for (int s = 0; s < 100; s++)
        trainer_step(t);
    trainer_kick_lr(t, 1e6);
    trainer_set_lambda(t, TERM_CYC, 1e6);
    while (!trainer_finished(t))
        trainer_step(t);
    assert_true(trainer_n_rollbacks(t) >= 2);
    if (trainer_get_state(t) == TRAINER_DIVERGED)
        assert_int_equal(trainer_n_rollbacks(t), TRAINER_MAX_ROLLBACKS);
    double y = 0.5, x;
    innx_err e;
    assert_int_equal(trainer_eval_g(t, &y, 1, &x, &e), 0);
    assert_true(isfinite(x));
    trainer_free(t);
}

/* 40000 steps keep at most TRAINER_HIST_CAP points a series: neighbours
 * merge in pairs and the stride doubles; the steps stay in order. */
static void test_history_bounded(void **state)
{
    (void)state;
    problem p;
    innx_err e;
    assert_int_equal(problem_builtin("three-roots", &p, &e), 0);
    snprintf(p.formula, sizeof p.formula, "x");
    p.x_lo[0] = 0, p.x_hi[0] = 1, p.n_parts = 1;
    p.parts[0] = (problem_partition){0, 1, 0, 1};
    snprintf(p.model, sizeof p.model, "mlp:1-2-1/tanh");
    p.batch_n = 2;
    p.stages[0].steps = 40000;
    p.stages[0].patience = 0;
    trainer *t = make(&p);
    while (!trainer_finished(t))
        trainer_step(t);
    const trainer_history *h = trainer_get_history(t);
    assert_true(h->n <= TRAINER_HIST_CAP && h->n >= TRAINER_HIST_CAP / 4);
    assert_true(h->stride >= 2 && (h->stride & (h->stride - 1)) == 0);
    assert_int_equal(h->step[0], 0);
    for (size_t i = 1; i < h->n; i++)
        assert_int_equal(h->step[i] - h->step[i - 1], h->stride);
    assert_true((long)h->n * h->stride + h->acc_n == 40000);
    for (size_t i = 0; i < h->n; i++)
        assert_true(isfinite(h->v[TERM_N][i]));
    trainer_free(t);
}

/* 600 steps of the sinc recipe: G(0.95) lands near enough that Newton
 * converges to the positive root at machine precision. */
static void test_sinc_short(void **state)
{
    (void)state;
    problem p = builtin("sinc");
    p.stages[0].steps = 600;
    trainer *t = make(&p);
    trainer_step(t);
    double first = trainer_loss(t);
    while (!trainer_finished(t))
        trainer_step(t);
    assert_true(trainer_loss(t) < first / 100);
    double y = 0.95, x, f;
    innx_err e;
    assert_int_equal(trainer_eval_g(t, &y, 1, &x, &e), 0);
    trainer_roots_fn(t, &x, 1, &f, NULL);
    assert_true(fabs(f - y) < 0.05);
    roots_root r;
    assert_int_equal(roots_polish(trainer_roots_fn, t, y, x, x - 0.5, x + 0.5, 1e-12, &r), 0);
    assert_true(fabs(r.x - ROOT_095) < 1e-9);
    trainer_free(t);
}

/* The article's latent case, whole: three clusters, each polished to its
 * root; a query finds all three; after the end a lambda change trains on. */
/* The branch model on xsin finds all nine roots of x sin(x + e^x) = 0 by
 * itself (no partitions), each certified, in one query of 32 codes; y's
 * outside a piece's range give it no candidate. */
static void test_branch_xsin(void **state)
{
    (void)state;
    problem p = builtin("xsin");
    p.stages[0].steps = 1500;
    trainer *t = make(&p);
    assert_int_equal(trainer_n_pieces(t), 10);
    while (!trainer_finished(t))
        trainer_step(t);
    assert_int_equal(trainer_get_state(t), TRAINER_DONE);
    innx_err e;
    report_query q;
    assert_int_equal(report_query_roots(t, 0, 32, &q, &e), 0);
    assert_int_equal(q.n_ref, 9);
    assert_int_equal(q.n_roots, 9);
    assert_int_equal(q.n_failed, 0);
    for (int i = 0; i < 9; i++) {
        assert_true(fabs(q.roots[i].x - q.ref[i]) < 1e-9);
        assert_true(q.roots[i].residual <= 1e-12 && q.roots[i].bracketed);
        assert_true(fabs(q.roots[i].x_raw - q.ref[i]) < 6e-3);   /* 1e-3 of the width: G itself */
    }
    /* above every piece's range: no candidate, no root */
    assert_int_equal(report_query_roots(t, 5, 32, &q, &e), 0);
    assert_int_equal(q.n_candidates, 0);
    assert_int_equal(q.n_roots, 0);
    trainer_free(t);
}

/* The branch model on a table: NN1 fitted to 1000 samples of
 * y = sin 2x + 0.1x on [0, 6], then its monotone pieces cut on NN1 as the
 * inverse stage begins (five: turning points near 0.81, 2.33, 3.95, 5.50),
 * G trained over them, and a query at y = 0.3 finds all four roots of
 * NN1(x) = 0.3, certified on NN1 and near the formula's own; the graph's
 * gradient is right there too. */
static void test_branch_table(void **state)
{
    (void)state;
    char dir[] = "/tmp/innx-branch-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/w.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "x,y\n");
    for (int i = 0; i < 1000; i++) {
        double x = 6.0 * i / 999;
        fprintf(f, "%.6f,%.6f\n", x, sin(2 * x) + 0.1 * x);
    }
    fclose(f);
    problem p = builtin("spend");
    innx_err e;
    snprintf(p.table, sizeof p.table, "%s", path);
    snprintf(p.x_columns, sizeof p.x_columns, "x");
    snprintf(p.y_column, sizeof p.y_column, "y");
    assert_int_equal(problem_set_x_dim(&p, 1, &e), 0);
    assert_int_equal(problem_auto(&p, &e), 0);
    assert_int_equal(p.n_stages, 2);
    p.stages[0].steps = 1500;
    p.stages[1].steps = 1500;
    trainer *t = make(&p);
    assert_int_equal(trainer_n_pieces(t), 0);   /* not before NN1 is fitted */
    while (trainer_stage(t) == 0)
        trainer_step(t);
    assert_int_equal(trainer_n_pieces(t), 5);
    static const double turn[4] = {0.8104, 2.3312, 3.9520, 5.4728};
    for (int j = 0; j < 4; j++)
        assert_true(fabs(trainer_piece(t, (size_t)j)->hi - turn[j]) < 0.1);   /* NN1's turns: a relu fit's slope is rough */
    trainer_step(t);
    assert_true(trainer_check_grad(t, 7, 1e-2) < 1e-2);
    while (!trainer_finished(t))
        trainer_step(t);
    assert_int_equal(trainer_get_state(t), TRAINER_DONE);
    report_query q;
    assert_int_equal(report_query_roots(t, 0.3, 32, &q, &e), 0);
    static const double root[4] = {0.144775750505215, 1.49527313382993, 3.13484995164259, 4.80303655938178};
    assert_int_equal(q.n_ref, 4);
    assert_int_equal(q.n_roots, 4);
    for (int i = 0; i < 4; i++) {
        assert_true(fabs(q.roots[i].x - q.ref[i]) < 1e-9);          /* NN1's own root, by the scan */
        assert_true(q.roots[i].residual <= 1e-12 && q.roots[i].bracketed);
        assert_true(fabs(q.roots[i].x_raw - q.ref[i]) < 6e-3);    /* G's raw answer: 1e-3 of the width */
        assert_true(fabs(q.roots[i].x - root[i]) < 0.01);          /* and NN1 fits the data */
    }
    trainer_free(t);
    unlink(path);
    rmdir(dir);
}

static void test_three_roots(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    trainer *t = make(&p);
    while (!trainer_finished(t))
        trainer_step(t);
    assert_int_equal(trainer_get_state(t), TRAINER_EARLY_STOPPED);
    long steps = trainer_steps(t);
    assert_true(steps > 300 && steps < 8000);
    report_latent r;
    innx_err e;
    assert_int_equal(report_latent_compute(t, 0, 3, &r, &e), 0);
    assert_int_equal(r.k, 3);
    for (int c = 0; c < 3; c++) {
        assert_true(r.c[c].polished);
        assert_true(fabs(r.c[c].root.x - three_roots[c]) < 1e-6);
        assert_true(r.c[c].root.residual <= 1e-12);
        assert_true(r.c[c].root.bracketed);
        assert_true(r.c[c].ci_lo <= r.c[c].mean_abs_f && r.c[c].mean_abs_f <= r.c[c].ci_hi);
    }
    assert_true(r.top_res[0] < 1e-2);
    report_query q;
    assert_int_equal(report_query_roots(t, 0, 32, &q, &e), 0);
    assert_int_equal(q.n_roots, 3);
    assert_int_equal(q.n_ref, 3);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(q.roots[i].x - q.ref[i]) < 1e-9);
    /* A lambda changed after the end acts: the run trains on at the
     * stage's own lr (the plateau schedule had ended it near 1e-5, where
     * the centroids did not move in a thousand steps) and the centroids
     * move towards the roots once center no longer pulls them. */
    trainer_set_lambda(t, TERM_CENTER, 0);
    trainer_train_on(t, 1000);
    assert_false(trainer_finished(t));
    assert_true(trainer_lr(t) == p.stages[0].lr);
    while (!trainer_finished(t))
        trainer_step(t);
    assert_true(trainer_steps(t) > steps);
    report_latent r2;
    assert_int_equal(report_latent_compute(t, 0, 3, &r2, &e), 0);
    double moved = 0;
    for (int c = 0; c < 3; c++)
        moved = fmax(moved, fabs(r2.c[c].centroid - r.c[c].centroid));
    assert_true(moved > 0.1);
    trainer_free(t);
}

/* A lambda raised on purpose is a new objective, not a blow-up: sinc with
 * gp switched on mid-run jumped from ~1e-3 to ~1e1 and was rolled back
 * (lr halved) against the old objective's best. */
static void test_lambda_is_not_blowup(void **state)
{
    (void)state;
    problem p = small_sinc();
    p.stages[0].steps = 1000;
    trainer *t = make(&p);
    for (int s = 0; s < 250; s++)
        trainer_step(t);
    double before = trainer_loss(t);
    trainer_set_lambda(t, TERM_GP, 10);
    for (int s = 0; s < 60; s++)
        trainer_step(t);
    assert_true(trainer_term_active(t, TERM_GP));
    assert_true(trainer_loss(t) > 10 * before);   /* the objective did rise */
    assert_int_equal(trainer_n_rollbacks(t), 0);
    trainer_free(t);
}

/* y's range of a formula in several variables is F's over the whole box:
 * x1 + x2 on [1, 2] x [10, 20] spans [11, 22] (x1 alone with x2 at 0, as
 * it was taken, gave [1, 2], outside every answer). */
static void test_y_range_box(void **state)
{
    (void)state;
    problem p = small_sinc();
    snprintf(p.formula, sizeof p.formula, "x1 + x2");
    snprintf(p.model, sizeof p.model, "mlp:1-8-2/tanh");
    p.x_dim = 2;
    p.x_lo[0] = 1, p.x_hi[0] = 2, p.x_lo[1] = 10, p.x_hi[1] = 20;
    p.batch = PROBLEM_BATCH_GRID_Y;
    p.y_given = 0;
    trainer *t = make(&p);
    const problem *q = trainer_problem(t);
    assert_true(q->y_lo >= 11 && q->y_lo < 11.1);
    assert_true(q->y_hi <= 22 && q->y_hi > 21.9);
    trainer_free(t);
}

/* spend's recipe on a wave (y = sin 2x + 0.1 x, which G cannot invert
 * well): the joint stage pulled NN1 towards G and its held-out fit fell
 * (R^2 0.9999 -> 0.9921). Its answer is now at most 5 % worse on the
 * held-out MSE than its start, so 1 - R^2 with the joint stage is at most
 * 1.05 times 1 - R^2 without it. */
static double wave_r2(const char *path, size_t stages, int *undone)
{
    problem p = builtin("spend");
    innx_err e;
    snprintf(p.table, sizeof p.table, "%s", path);
    snprintf(p.x_columns, sizeof p.x_columns, "x");
    snprintf(p.y_column, sizeof p.y_column, "y");
    assert_int_equal(problem_set_x_dim(&p, 1, &e), 0);
    p.n_stages = stages;
    p.stages[0].steps = 600;
    p.stages[1].steps = 1200;
    trainer *t = make(&p);
    while (!trainer_finished(t))
        trainer_step(t);
    *undone = trainer_joint_undone(t);
    report_table r;
    assert_int_equal(report_table_evaluate(t, &r, &e), 0);
    double r2 = r.r2;
    report_table_free(&r);
    trainer_free(t);
    return r2;
}

static void test_joint_keeps_forward(void **state)
{
    (void)state;
    char dir[] = "/tmp/innx-joint-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/w.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "x,y\n");
    for (int i = 0; i < 1000; i++) {
        double x = -3 + 6.0 * ((i * 7919) % 1000) / 999;
        fprintf(f, "%.6f,%.6f\n", x, sin(2 * x) + 0.1 * x);
    }
    fclose(f);
    int undone, u2;
    double joint = wave_r2(path, 3, &undone), two = wave_r2(path, 2, &u2);
    assert_true(1 - joint <= 1.05 * (1 - two) + 1e-12);
    assert_true(undone);   /* here the joint stage did raise the held-out loss */
    assert_int_equal(u2, 0);
    unlink(path);
    rmdir(dir);
}

/* The arm of Kruse et al. as a vector problem: x in R^4 from its prior,
 * y = the hand in R^2, G a small coupling flow trained by nll. */
static problem arm(const char *model, long steps)
{
    problem p = builtin("three-roots");
    snprintf(p.name, sizeof p.name, "arm");
    p.formula[0] = 0;
    p.x_dim = 4;
    p.y_dim = 2;
    for (int j = 0; j < 4; j++) {
        p.x_lo[j] = -3.5, p.x_hi[j] = 3.5;
        p.prior[j].kind = PROBLEM_PRIOR_NORMAL, p.prior[j].a = 0, p.prior[j].b = j ? 0.5 : 0.25;
    }
    snprintf(p.system, sizeof p.system,
             "a = x2 + x3\n"
             "y1 = 0.5*cos(x2) + 0.5*cos(a) + cos(a + x4)\n"
             "y2 = x1 + 0.5*sin(x2) + 0.5*sin(a) + sin(a + x4)");
    snprintf(p.model, sizeof p.model, "%s", model);
    p.n_parts = 0, p.input = PROBLEM_IN_Y, p.output = PROBLEM_OUT_IDENTITY, p.mixture = 0;
    p.batch = PROBLEM_BATCH_UNIFORM, p.batch_n = 256, p.y_given = 1, p.y_lo = -3, p.y_hi = 3;
    for (int k = 0; k < TERM_N; k++)
        p.lambda[k] = 0;
    p.lambda[TERM_NLL] = 1;
    p.n_stages = 1;
    p.stages[0] = problem_stage_default(PROBLEM_STAGE_INVERSE, steps, 2e-3);
    p.y_target[0] = 1.5, p.y_target[1] = 0;
    return p;
}

static void test_flow_arm(void **state)
{
    (void)state;
    problem p = arm("flow:4-32", 600);
    trainer *t = make(&p);
    assert_true(trainer_term_active(t, TERM_NLL));
    assert_false(trainer_term_active(t, TERM_CYC));
    trainer_step(t);
    double first = trainer_loss(t);
    assert_true(trainer_check_grad(t, 13, 1e-2) < 2e-2);
    while (!trainer_finished(t))
        trainer_step(t);
    /* the flow learned something: nll fell by far (x standardised: a
     * standard normal's nll is 0 with the constant dropped) */
    assert_true(trainer_loss(t) < first - 1.5);
    report_vector r;
    innx_err e;
    assert_int_equal(report_vector_compute(t, p.y_target, 200, 7, &r, &e), 0);
    assert_int_equal(r.samples, 200);
    assert_true(r.resim_raw < 0.5);              /* near the surface before projection */
    assert_true(r.n_certified >= 190);           /* and on it after */
    assert_true(r.resim_polished < 1e-20);
    for (size_t i = 0; i < r.samples; i++)
        if (r.certified[i])
            assert_true(r.res_pol[i] <= REPORT_VECTOR_CERTIFY);
    /* a y* the wrong length is the caller's; the wrong model refuses samples */
    report_vector_free(&r);
    trainer_free(t);
    problem q = builtin("three-roots");
    t = make(&q);
    double x[4];
    assert_int_not_equal(trainer_sample(t, p.y_target, 1, NULL, x, &e), 0);
    trainer_free(t);
}

/* A batch of 512 rows on two threads trains as two shards (tflow_shards):
 * its first loss is the whole batch's on one thread (to float rounding),
 * its gradient checks out against central differences, and two runs give
 * the same bits whatever the threads' timing. */
static void test_flow_shards(void **state)
{
    (void)state;
    problem p = arm("flow:2-16", 40);
    p.batch_n = 512;
    p.threads = 1;
    trainer *one = make(&p);
    p.threads = 2;
    trainer *a = make(&p), *b = make(&p);
    trainer_step(one);
    trainer_step(a);
    trainer_step(b);
    double l1 = trainer_loss(one), l2 = trainer_loss(a);
    assert_true(fabs(l1 - l2) < 1e-5 * (1 + fabs(l1)));
    assert_true(trainer_check_grad(a, 7, 1e-2) < 2e-2);
    assert_true(trainer_check_grad(b, 7, 1e-2) < 2e-2);
    for (int s = 1; s < 40; s++) {
        trainer_step(a);
        trainer_step(b);
        double x = trainer_loss(a), y = trainer_loss(b);
        assert_memory_equal(&x, &y, sizeof x);
    }
    trainer_free(one);
    trainer_free(a);
    trainer_free(b);
}

/* Importance resampling: x1 ~ U(-2, 2), x2 ~ U(-0.5, 0.5), y = x1 + x2 at
 * y* = 1, whose posterior is x1 ~ U(0.5, 1.5) on the line (mean 1, sd
 * 0.2887). An untrained flow is the identity, so q is a normal with the
 * priors' locations and sds: far from the posterior. Weighted by prior /
 * q and the kernel, its samples become the posterior; weighted by the
 * kernel alone (no 1 / q) x1's sd would be ~0.2, and projected unweighted
 * (resample = 0) its mean ~0.5 and sd ~0.55. */
static void test_flow_resample(void **state)
{
    (void)state;
    problem p = arm("flow:2-8", 1);
    p.x_dim = 2, p.y_dim = 1;
    p.x_lo[0] = -2, p.x_hi[0] = 2, p.x_lo[1] = -0.5, p.x_hi[1] = 0.5;
    for (int j = 0; j < 2; j++)
        p.prior[j].kind = PROBLEM_PRIOR_UNIFORM, p.prior[j].a = p.x_lo[j], p.prior[j].b = p.x_hi[j];
    p.prior[2].kind = p.prior[3].kind = PROBLEM_PRIOR_DOMAIN;
    snprintf(p.system, sizeof p.system, "y1 = x1 + x2");
    p.y_target[0] = p.y_star = 1;
    double mean[2], sd[2];
    for (int pass = 0; pass < 2; pass++) {
        p.resample = pass == 0 ? 32 : 0;
        trainer *t = make(&p);
        report_vector r;
        innx_err e;
        assert_int_equal(report_vector_compute(t, p.y_target, 1000, 3, &r, &e), 0);
        assert_int_equal(r.resampled, pass == 0);
        assert_int_equal(r.n_certified, 1000);
        if (pass == 0) {
            assert_true(r.ess >= 500);
            assert_true(r.proposals >= 2000 && r.proposals <= 32000);
            assert_true(r.kernel_h > 0 && r.kernel_h < 0.2);
        }
        mean[pass] = r.mean[0], sd[pass] = r.sd[0];
        report_vector_free(&r);
        trainer_free(t);
    }
    assert_true(fabs(mean[0] - 1) < 0.05);
    assert_true(fabs(sd[0] - 0.2887) < 0.03);
    assert_true(mean[1] < 0.8 || sd[1] > 0.4);   /* the flow alone is not the posterior */
}

/* A simulation budget: drawn once, a validation share judges the
 * checkpoints and stops the run; the answering weights are the best
 * checkpoint's. */
static void test_flow_budget(void **state)
{
    (void)state;
    problem p = arm("flow:2-16", 100000);
    p.simulations = 3000;
    p.val_frac = 0.1;
    p.stages[0].patience = 3;
    trainer *t = make(&p);
    while (!trainer_finished(t))
        trainer_step(t);
    assert_int_equal(trainer_get_state(t), TRAINER_EARLY_STOPPED);
    assert_true(trainer_steps(t) < 100000);
    assert_true(trainer_answer_step(t) > 0);
    trainer_free(t);
}

/* The article's G(y, z) on a vector problem: an MLP from (y, z) to x,
 * trained by the cycle loss through the system in the graph (no
 * likelihood); its samples at y* are G(y*, z) for z ~ U[0, 1]^2, then
 * projected and certified as a flow's are. */
static problem g_vector(const char *name, const char *model, problem_input in, size_t z_dim, long steps)
{
    problem p = builtin(name);
    snprintf(p.model, sizeof p.model, "%s", model);
    p.input = in, p.z_dim = z_dim, p.batch_n = 256;
    p.lambda[TERM_NLL] = 0, p.lambda[TERM_CYC] = 1, p.lambda[TERM_BOX] = 1;
    p.stages[0].steps = steps;
    return p;
}

static void test_g_vector_arm(void **state)
{
    (void)state;
    problem p = g_vector("ik", "mlp:4-64-64-4/tanh", PROBLEM_IN_YZ, 2, 800);
    trainer *t = make(&p);
    assert_true(trainer_term_active(t, TERM_CYC));
    assert_false(trainer_term_active(t, TERM_NLL));
    assert_int_equal(trainer_g_in(t), 4);   /* y's two, then z's n - m */
    trainer_step(t);
    /* F's system in the graph back-propagates into G */
    assert_true(trainer_check_grad(t, 13, 1e-2) < 2e-2);
    while (!trainer_finished(t))
        trainer_step(t);
    report_vector r;
    innx_err e;
    assert_int_equal(report_vector_compute(t, p.y_target, 200, 7, &r, &e), 0);
    assert_int_equal(r.samples, 200);
    assert_false(r.random);
    /* measured 0.0012-0.0017 over seeds 0-2 (800 steps; the flow's
     * 4000 reach ~0.03 with its spread): G lands on the surface */
    assert_true(r.resim_raw < 0.005);
    assert_int_equal(r.n_certified, 200);
    assert_true(r.resim_polished < 1e-20);
    report_vector_free(&r);
    /* samples come from the answering weights, z from the caller's generator */
    gsl_rng *g1 = gsl_rng_alloc(gsl_rng_mt19937), *g2 = gsl_rng_alloc(gsl_rng_mt19937);
    double a[8 * 4], b[8 * 4];
    assert_int_equal(trainer_sample(t, p.y_target, 8, g1, a, &e), 0);
    assert_int_equal(trainer_sample(t, p.y_target, 8, g2, b, &e), 0);
    assert_memory_equal(a, b, sizeof a);
    gsl_rng_free(g1);
    gsl_rng_free(g2);
    trainer_free(t);
}

/* The square system's ten roots at y* = (0, 16): a continuous G(y, z)
 * gives one root per y (its image of z is a curve on isolated points), so
 * roots come from a mixture head's candidates, spread over the domain at
 * the start; or from a latent G(z) trained at y* alone. */
static void test_g_vector_square(void **state)
{
    (void)state;
    static const struct {
        const char *model;
        problem_input in;
        double ent;
        long steps;
        size_t want;
    } runs[] = {
        /* measured: 4, 5, 7, 4 distinct certified roots on seeds 0-3 */
        {"mlp:3-32-32-2/tanh", PROBLEM_IN_YZ, 0, 1000, 3},
        /* measured: 5, 6, 6, 5 on seeds 0-3 */
        {"mlp:1-32-32-2/tanh", PROBLEM_IN_Z, 10, 800, 4},
    };
    for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
        problem p = g_vector("square", runs[k].model, runs[k].in, 1, runs[k].steps);
        p.mixture = 10, p.batch_n = 128, p.lambda[TERM_ENT] = runs[k].ent;
        trainer *t = make(&p);
        while (!trainer_finished(t))
            trainer_step(t);
        report_vector r;
        innx_err e;
        assert_int_equal(report_vector_compute(t, p.y_target, 1000, 7, &r, &e), 0);
        if (r.n_roots < runs[k].want)
            fail_msg("%s: %zu distinct roots, want %zu", runs[k].model, r.n_roots, runs[k].want);
        /* every one a root of F(x) = (0, 16), certified, and distinct */
        for (size_t i = 0; i < r.n_roots; i++) {
            double x1 = r.roots[i][0], x2 = r.roots[i][1];
            assert_true(fabs(sin(x1) * cos(x2)) < 1e-11 && fabs(x1 * x1 + x2 * x2 - 16) < 1e-11);
            for (size_t j = 0; j < i; j++)
                assert_true(fabs(r.roots[j][0] - x1) + fabs(r.roots[j][1] - x2) > 1e-3);
        }
        report_vector_free(&r);
        trainer_free(t);
    }
}

/* A simulator's answers are a posterior: G(y, z) by the cycle loss is
 * refused on one, with the reason and the way out. */
static void test_g_vector_refused(void **state)
{
    (void)state;
    innx_err e;
    problem p = g_vector("two-moons", "mlp:2-16-2/tanh", PROBLEM_IN_Y, 1, 10);
    assert_null(trainer_alloc(&p, &e));
    assert_non_null(strstr(e.msg, "simulator"));
    assert_non_null(strstr(e.msg, "flow"));
    p = g_vector("ik", "mlp:4-16-4/tanh", PROBLEM_IN_YZ, 2, 10);
    p.lambda[TERM_GP] = 1;
    assert_null(trainer_alloc(&p, &e));
    assert_non_null(strstr(e.msg, "loss.gp"));
    p = g_vector("ik", "mlp:4-16-4/tanh", PROBLEM_IN_YZ, 2, 10);
    p.batch = PROBLEM_BATCH_GRID_X;
    assert_null(trainer_alloc(&p, &e));
    assert_non_null(strstr(e.msg, "inverse.batch"));
}

/* Bad problems are refused with a message naming the setting. */
static void test_validation(void **state)
{
    (void)state;
    innx_err e;
    problem p = builtin("three-roots");
    snprintf(p.model, sizeof p.model, "mlp:2-4-1/tanh");
    assert_null(trainer_alloc(&p, &e));
    assert_non_null(strstr(e.msg, "inverse.model"));
    p = builtin("three-roots");
    snprintf(p.formula, sizeof p.formula, "sin(x");
    assert_null(trainer_alloc(&p, &e));
    assert_non_null(strstr(e.msg, "formula:1:"));
    /* a message prefixed with its setting says the setting once (it was
     * formatted into the buffer it read: "data.x_columns: data.x_columns: d") */
    p = builtin("spend");
    snprintf(p.x_columns, sizeof p.x_columns, "age,,income");
    assert_null(trainer_alloc(&p, &e));
    assert_non_null(strstr(e.msg, "data.x_columns: "));
    assert_null(strstr(e.msg, "data.x_columns: data.x_columns"));
    assert_true(strlen(e.msg) > strlen("data.x_columns: ") + 4);
    p = builtin("three-roots");
    p.stages[0].steps = 0;
    assert_null(trainer_alloc(&p, &e));
    assert_non_null(strstr(e.msg, "stage1.steps"));
    assert_int_equal(problem_from_formula("x^2 - 2", 3, 1, &p, &e), INNX_EINVAL);
    assert_int_equal(problem_from_formula("x +* 2", 0, 1, &p, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "^"));
    assert_true(problem_term_parse("smooth") == TERM_SMOOTH && problem_term_parse("nope") == -1);
    /* a formula defined nowhere on the domain is refused at once ... */
    assert_int_equal(problem_from_formula("log(-x - 1)", 0, 1, &p, &e), 0);
    assert_null(trainer_alloc(&p, &e));
    assert_non_null(strstr(e.msg, "not defined anywhere"));
    /* ... and one whose first loss is not a number ends diverged, saying so
     * (a latent G over the whole domain: the branch model would keep to
     * where f is defined) */
    assert_int_equal(problem_builtin("three-roots", &p, &e), 0);
    snprintf(p.formula, sizeof p.formula, "log(x - 0.5)");
    p.x_lo[0] = 0, p.x_hi[0] = 1, p.n_parts = 1;
    p.output = PROBLEM_OUT_SQUASH;   /* x all over [0, 1], half where log is not defined */
    p.parts[0] = (problem_partition){0, 1, 0, 1};
    trainer *t = make(&p);
    assert_int_equal(trainer_step(t), TRAINER_DIVERGED);
    assert_int_equal(trainer_n_rollbacks(t), 1);
    assert_non_null(strstr(trainer_rollback_at(t, 0)->why, "not a number"));
    trainer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_y_range_box),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_live_lambdas),
        cmocka_unit_test(test_term_gradients),
        cmocka_unit_test(test_gp_gradient),
        cmocka_unit_test(test_gp_live),
        cmocka_unit_test(test_gp_value),
        cmocka_unit_test(test_gp_three_roots),
        cmocka_unit_test(test_ent_gradient),
        cmocka_unit_test(test_ent_candidates),
        cmocka_unit_test(test_ent_three_roots),
        cmocka_unit_test(test_ent_one_g_three_roots),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_checkpoints_answer),
        cmocka_unit_test(test_blowup_rolls_back),
        cmocka_unit_test(test_lambda_is_not_blowup),
        cmocka_unit_test(test_history_bounded),
        cmocka_unit_test(test_sinc_short),
        cmocka_unit_test(test_three_roots),
        cmocka_unit_test(test_branch_xsin),
        cmocka_unit_test(test_branch_table),
        cmocka_unit_test(test_joint_keeps_forward),
        cmocka_unit_test(test_flow_arm),
        cmocka_unit_test(test_flow_budget),
        cmocka_unit_test(test_flow_resample),
        cmocka_unit_test(test_flow_shards),
        cmocka_unit_test(test_g_vector_arm),
        cmocka_unit_test(test_g_vector_square),
        cmocka_unit_test(test_g_vector_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
