/* case_point.c: reports of problems whose G reads y alone (sinc, sinc-kan):
 * the raw answer G(y*), its residual, and Newton's polish in double. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "innx/report.h"
#include "innx/roots.h"

#define LOG_EVERY 400

static void print_header(const char *where, const problem *p, const void *ctx)
{
    const problem_stage *s = &p->stages[p->n_stages - 1];
    printf("%s: G %s, %zu samples, Adam lr %g", where, p->model, p->batch_n, s->lr);
    if (s->schedule == PROBLEM_LR_MULTISTEP)
        printf(" (x%g at steps %ld and %ld)", s->gamma, lround(s->milestones[0] * (double)s->steps),
               lround(s->milestones[1] * (double)s->steps));
    else if (s->schedule == PROBLEM_LR_PLATEAU)
        printf(" (x%g after %d steps without progress)", s->plateau_factor, s->plateau_patience);
    printf(", %ld steps%s, seed %lu\n", s->steps, s->patience ? " max (early stop)" : "", p->seed);
}

/* x = G(y) for n targets; with a mixture head, of each row's candidates
 * the one with the smallest |f(x) - y| (each is an answer; this is the
 * one a point report shows). */
int cli_eval_best(trainer *t, const double *y, size_t n, double *x, innx_err *err)
{
    size_t M = trainer_g_candidates(t);
    if (M == 1)
        return trainer_eval_g(t, y, n, x, err);
    double *c = malloc(2 * n * M * sizeof *c);
    if (!c)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    int st = trainer_eval_g(t, y, n, c, err);
    if (st == 0) {
        trainer_roots_fn(t, c, n * M, c + n * M, NULL);
        for (size_t i = 0; i < n; i++) {
            size_t best = 0;
            for (size_t j = 1; j < M; j++)
                if (fabs(c[n * M + i * M + j] - y[i]) < fabs(c[n * M + i * M + best] - y[i]) ||
                    !isfinite(c[n * M + i * M + best]))
                    best = j;
            x[i] = c[i * M + best];
        }
    }
    free(c);
    return st;
}

int case_point_train(const cli_opts *o, problem *p)
{
    char where[64];
    snprintf(where, sizeof where, "train %s", p->name);
    innx_err err;
    if (problem_validate(p, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    double secs;
    trainer *t = cli_train_banner(o, where, p, o->quiet || o->json ? 0 : LOG_EVERY, &secs, NULL,
                                  o->quiet || o->json ? NULL : print_header, NULL);
    if (!t)
        return CLI_EXIT_USAGE;
    long steps = trainer_steps(t);
    double y = p->y_star, x_raw, f_raw;
    if (cli_eval_best(t, &y, 1, &x_raw, &err) != 0) {
        trainer_free(t);
        return cli_error(CLI_EXIT_FAIL, where, "%s", err.msg);
    }
    trainer_roots_fn(t, &x_raw, 1, &f_raw, NULL);
    double res_raw = fabs(f_raw - y);
    /* Newton in a window around the raw answer, so it stays on G's branch */
    roots_root r;
    double w = 0.05 * (p->x_hi[0] - p->x_lo[0]);
    int pol = isfinite(x_raw) ? roots_polish(trainer_roots_fn, t, y, x_raw, x_raw - w, x_raw + w, REPORT_CERTIFY, &r)
                              : INNX_EFAIL;
    if (!isfinite(x_raw))
        r.x = r.residual = NAN;
    double f_pol;
    trainer_roots_fn(t, &r.x, 1, &f_pol, NULL);
    trainer_state state = trainer_get_state(t);
    long answer_step = trainer_answer_step(t), rollbacks = (long)trainer_n_rollbacks(t);
    double loss = trainer_loss(t);
    trainer_free(t);
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "case", p->name);
        json_str(&j, "problem", p->name);
        json_str(&j, "model", p->model);
        json_int(&j, "seed", (long)p->seed);
        json_overrides(&j, o);
        json_int(&j, "steps", steps);
        json_str(&j, "state", trainer_state_name(state));
        json_num(&j, "seconds", secs);
        json_num(&j, "ms_per_step", 1e3 * secs / (double)(steps ? steps : 1));
        json_num(&j, "loss", loss);
        json_int(&j, "answer_step", answer_step);
        json_int(&j, "rollbacks", rollbacks);
        json_num(&j, "y_star", y);
        json_num(&j, "x_raw", x_raw);
        json_num(&j, "f_raw", f_raw);
        json_num(&j, "residual_raw", res_raw);
        json_num(&j, "x_polished", r.x);
        json_num(&j, "residual_polished", r.residual);
        json_bool(&j, "polished", pol == 0);
        json_bool(&j, "in_domain", r.x >= p->x_lo[0] && r.x <= p->x_hi[0]);
        json_end(&j);
    } else {
        if (!o->quiet)
            printf("step %6ld  loss %.6e  (last; %s)\n", steps - 1, loss, trainer_state_name(state));
        printf("trained %ld steps in %.2f s (%.2f ms/step)\n", steps, secs, 1e3 * secs / (double)(steps ? steps : 1));
        printf("y*                 = %.6g\n", y);
        printf("x* (raw G(y*))     = %.10f   f(x) = %.10f   residual %.3e\n", x_raw, f_raw, res_raw);
        printf("x* (Newton, double)= %.10f   f(x) = %.15f   residual %.3e%s\n", r.x, f_pol, r.residual,
               pol == 0 ? "" : "  (not converged)");
        if (!(r.x >= p->x_lo[0] && r.x <= p->x_hi[0]))
            printf("note: x* is outside the domain [%g, %g] (box lambda %g): a root of f, not of the problem's "
                   "domain\n", p->x_lo[0], p->x_hi[0], p->lambda[TERM_BOX]);
    }
    return pol == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* Trains p, then reads the raw G at n evenly spaced y in [lo, hi]: the
 * largest |f(x) - y| and the y where it occurs. */
static int range_worst(const cli_opts *o, const char *where, problem *p, size_t n, long *steps, double *secs,
                       double *worst, double *y_worst)
{
    innx_err err;
    cli_opts quiet = *o;
    quiet.quiet = 1;
    trainer *t = cli_train(&quiet, where, p, 0, secs, NULL);
    if (!t)
        return CLI_EXIT_USAGE;
    *steps = trainer_steps(t);
    double *y = malloc(3 * n * sizeof *y);
    if (!y) {
        trainer_free(t);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        y[i] = p->y_lo + (p->y_hi - p->y_lo) * (double)i / (double)(n - 1);
    int st = cli_eval_best(t, y, n, y + n, &err);
    if (st == 0)
        trainer_roots_fn(t, y + n, n, y + 2 * n, NULL);
    trainer_free(t);
    if (st != 0) {
        free(y);
        return cli_error(CLI_EXIT_FAIL, where, "%s", err.msg);
    }
    *worst = 0;
    *y_worst = y[0];
    for (size_t i = 0; i < n; i++) {
        double r = fabs(y[2 * n + i] - y[i]);
        if (!(r <= *worst)) {   /* a NaN is the worst */
            *worst = r;
            *y_worst = y[i];
        }
    }
    free(y);
    return 0;
}

#define RANGE_LO 0.3
#define RANGE_HI 1.0
#define RANGE_POINTS 120

/* The article's KAN-over-a-range plot: G: y -> x for y in [0.3, 1.0], the
 * largest raw residual over 120 y, beside an MLP trained the same way
 * (same batch, lr, steps, early stopping; no norm or box term). Near y = 1
 * the inverse is x = +-sqrt(6 (1 - y)), with an infinite slope, so that is
 * where both nets miss most; the y of the worst point is reported. */
int case_sinc_kan_range(const cli_opts *o, problem *k)
{
    const char *where = "train sinc-kan";
    k->batch = PROBLEM_BATCH_GRID_Y;
    k->y_given = 1;
    k->y_lo = RANGE_LO;
    k->y_hi = RANGE_HI;
    problem m = *k;
    snprintf(m.model, sizeof m.model, "mlp:1-128-128-64-1/tanh");
    for (int t = 0; t < TERM_N; t++)
        if (t != TERM_CYC)
            k->lambda[t] = m.lambda[t] = 0;
    long ks, ms;
    double kt, mt, kr, mr, ky, my;
    int st = range_worst(o, where, k, RANGE_POINTS, &ks, &kt, &kr, &ky);
    if (st == 0)
        st = range_worst(o, where, &m, RANGE_POINTS, &ms, &mt, &mr, &my);
    if (st != 0)
        return st;
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "case", "sinc-kan-range");
        json_str(&j, "problem", k->name);
        json_int(&j, "seed", (long)k->seed);
        json_overrides(&j, o);
        json_num(&j, "y_lo", RANGE_LO);
        json_num(&j, "y_hi", RANGE_HI);
        json_int(&j, "points", RANGE_POINTS);
        json_str(&j, "kan_model", k->model);
        json_int(&j, "kan_steps", ks);
        json_num(&j, "kan_seconds", kt);
        json_num(&j, "kan_max_residual", kr);
        json_num(&j, "kan_y_at_max", ky);
        json_str(&j, "mlp_model", m.model);
        json_int(&j, "mlp_steps", ms);
        json_num(&j, "mlp_seconds", mt);
        json_num(&j, "mlp_max_residual", mr);
        json_num(&j, "mlp_y_at_max", my);
        json_end(&j);
    } else {
        printf("G: y -> x for y in [%g, %g], %zu samples, Adam lr %g, early stop %d\n", RANGE_LO, RANGE_HI,
               k->batch_n, k->stages[0].lr, k->stages[0].patience);
        printf("  %-26s %6ld steps %7.2f s   max |f(x) - y| over %d y = %.3e (at y = %.4f)\n", k->model, ks, kt,
               RANGE_POINTS, kr, ky);
        printf("  %-26s %6ld steps %7.2f s   max |f(x) - y| over %d y = %.3e (at y = %.4f)\n", m.model, ms, mt,
               RANGE_POINTS, mr, my);
    }
    return isfinite(kr) && isfinite(mr) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
