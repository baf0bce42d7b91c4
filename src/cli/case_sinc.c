/* case_sinc.c: `innx train sinc` and `innx bench sinc`: the article's first
 * case (MLP inverse of sin(x)/x, y* = 0.95) and its timing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "innx/sinc.h"

#define SINC_Y_STAR 0.95
#define SINC_LOG_EVERY 400

int case_sinc_report(const cli_opts *o, const char *name, const sinc_conf *c)
{
    innx_err err;
    sinc_task *t = sinc_alloc(c, &err);
    if (!t)
        return cli_error(CLI_EXIT_USAGE, name, "%s", err.msg);
    if (!o->json && !o->quiet) {
        printf("%s: G %s, %zu samples, Adam lr %g", name, c->model, c->n, c->lr);
        if (c->lr_gamma != 1.0)
            printf(" (x%g at steps %ld and %ld)", c->lr_gamma, sinc_milestone(t, 0), sinc_milestone(t, 1));
        printf(", %ld steps%s, seed %lu\n", c->steps, c->patience ? " max (early stop)" : "", c->seed);
    }
    double t0 = cli_now(), loss = NAN;
    long s;
    for (s = 0; s < c->steps && !sinc_should_stop(t); s++) {
        long rollbacks = sinc_rollbacks(t);
        loss = sinc_step(t);
        if (sinc_rollbacks(t) > rollbacks) {
            if (!o->json && !o->quiet) {
                cli_progress(o, name, -1, 0, 0);
                printf("step %6ld  loss %.6e  blow-up: back to the checkpoint of step %ld, Adam restarted\n",
                       s, loss, sinc_answer_step(t));
            }
            continue;
        }
        if (!isfinite(loss)) {
            cli_progress(o, name, -1, 0, 0);
            sinc_free(t);
            return cli_error(CLI_EXIT_FAIL, name, "loss became %g at step %ld (diverged)", loss, s);
        }
        if (s % SINC_LOG_EVERY == 0) {
            if (!o->json && !o->quiet) {
                cli_progress(o, name, -1, 0, 0);
                printf("step %6ld  loss %.6e  lr %.3g\n", s, loss, sinc_lr(t));
                fflush(stdout);
            }
        }
        if (s % 50 == 0)
            cli_progress(o, name, s, c->steps, loss);
    }
    cli_progress(o, name, -1, 0, 0);
    sinc_finish(t);
    double secs = cli_now() - t0;
    long steps = sinc_steps_done(t), answer_step = sinc_answer_step(t), rollbacks = sinc_rollbacks(t);

    double y = SINC_Y_STAR, x_raw;
    if (sinc_query(t, &y, 1, &x_raw, &err) != 0) {
        sinc_free(t);
        return cli_error(CLI_EXIT_FAIL, name, "%s", err.msg);
    }
    sinc_free(t);
    double res_raw = fabs(sinc_f(x_raw) - y), x_pol, res_pol;
    int pol = sinc_polish(x_raw, y, &x_pol, &res_pol);

    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "case", name + 6);   /* after "train " */
        json_str(&j, "model", c->model);
        json_int(&j, "seed", (long)c->seed);
        json_int(&j, "steps", steps);
        json_num(&j, "seconds", secs);
        json_num(&j, "ms_per_step", 1e3 * secs / (double)(steps ? steps : 1));
        json_num(&j, "loss", loss);
        json_int(&j, "answer_step", answer_step);
        json_int(&j, "rollbacks", rollbacks);
        json_num(&j, "y_star", y);
        json_num(&j, "x_raw", x_raw);
        json_num(&j, "f_raw", sinc_f(x_raw));
        json_num(&j, "residual_raw", res_raw);
        json_num(&j, "x_polished", x_pol);
        json_num(&j, "residual_polished", res_pol);
        json_bool(&j, "polished", pol == 0);
        json_end(&j);
    } else {
        if (!o->quiet)
            printf("step %6ld  loss %.6e  (last)\n", steps - 1, loss);
        printf("trained %ld steps in %.2f s (%.2f ms/step)\n", steps, secs,
               1e3 * secs / (double)(steps ? steps : 1));
        printf("y*                 = %.6g\n", y);
        printf("x* (raw G(y*))     = %.10f   sin(x)/x = %.10f   residual %.3e\n", x_raw,
               sinc_f(x_raw), res_raw);
        printf("x* (Newton, double)= %.10f   sin(x)/x = %.15f   residual %.3e%s\n", x_pol,
               sinc_f(x_pol), res_pol, pol == 0 ? "" : "  (not converged)");
    }
    return pol == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int case_sinc_train(const cli_opts *o)
{
    sinc_conf c = sinc_conf_mlp();
    if (o->steps > 0) c.steps = o->steps;
    if (o->seed >= 0) c.seed = (unsigned long)o->seed;
    if (o->model) c.model = o->model;
    if (o->no_box) c.box_weight = 0;
    if (o->constant_lr) c.lr_gamma = 1.0;
    c.threads = o->threads;
    return case_sinc_report(o, "train sinc", &c);
}

/* Times `repeats` steps one by one after a short warm-up (first-touch page
 * faults and BLAS buffers) and reports the median. */
int case_sinc_bench_conf(const cli_opts *o, const char *name, const sinc_conf *c0)
{
    sinc_conf c = *c0;
    innx_err err;
    long reps = o->repeats > 0 ? o->repeats : (o->steps > 0 ? o->steps : 200);
    if (o->seed >= 0) c.seed = (unsigned long)o->seed;
    if (o->model) c.model = o->model;
    c.threads = o->threads;
    c.patience = 0;
    sinc_task *t = sinc_alloc(&c, &err);
    if (!t)
        return cli_error(CLI_EXIT_USAGE, name, "%s", err.msg);
    double *ms = malloc((size_t)reps * sizeof *ms);
    if (!ms) {
        sinc_free(t);
        return cli_error(CLI_EXIT_FAIL, name, "out of memory");
    }
    for (int w = 0; w < 5; w++)
        sinc_step(t);
    double t0 = cli_now();
    for (long i = 0; i < reps; i++) {
        double a = cli_now();
        sinc_step(t);
        ms[i] = 1e3 * (cli_now() - a);
    }
    double total = cli_now() - t0;
    double flops = sinc_flops(t);
    sinc_free(t);
    double med = cli_median(ms, (size_t)reps);
    double p10 = ms[reps / 10], p90 = ms[(reps * 9) / 10];
    free(ms);
    double gflops = flops / (med * 1e-3) / 1e9;
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "workload", name + 6);  /* after "bench " */
        json_str(&j, "model", c.model);
        json_int(&j, "batch", (long)c.n);
        json_int(&j, "steps", reps);
        json_num(&j, "seconds", total);
        json_num(&j, "ms_per_step", med);
        json_num(&j, "ms_p10", p10);
        json_num(&j, "ms_p90", p90);
        json_num(&j, "gflops", gflops);
        json_end(&j);
    } else {
        printf("%s: %s, batch %zu, %ld steps\n", name, c.model, c.n, reps);
        printf("median %.3f ms/step (p10 %.3f, p90 %.3f), %.2f GFLOP/s\n", med, p10, p90, gflops);
    }
    return CLI_EXIT_OK;
}

int case_sinc_bench(const cli_opts *o)
{
    sinc_conf c = sinc_conf_mlp();
    return case_sinc_bench_conf(o, "bench sinc", &c);
}
