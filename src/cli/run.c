/* run.c: what every headless `train` and `bench` shares: a run through the
 * session thread, and the step timer (the options over a problem:
 * problem_opts.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "innx/graph.h"
#include "innx/session.h"

/* Rollbacks are reported as they happen: a user should see a run recover. */
static void report_rollbacks(const cli_opts *o, const session_snapshot *s, size_t *seen)
{
    for (; *seen < s->n_rollbacks; (*seen)++)
        if (!o->json && !o->quiet) {
            cli_progress(o, "", -1, 0, 0);
            printf("step %6ld  %s\n", s->rollbacks[*seen].step, s->rollbacks[*seen].why);
        }
}

trainer *cli_train(const cli_opts *o, const char *where, const problem *p, long log_every, double *secs,
                   double *stage_secs)
{
    return cli_train_banner(o, where, p, log_every, secs, stage_secs, NULL, NULL);
}

trainer *cli_train_banner(const cli_opts *o, const char *where, const problem *p, long log_every, double *secs,
                          double *stage_secs, cli_banner_fn banner, const void *ctx)
{
    innx_err err;
    double t0 = cli_now();
    if (cli_save_check(o, where) != 0 || cli_figures_check(o, where) != 0)
        return NULL;
    /* -- metrics: a row every step, from the session thread -- */
    cli_metrics *m = NULL;
    if (o->metrics && !(m = cli_metrics_open(o->metrics, where)))
        return NULL;
    trainer *t0r = cli_trainer_new(o, p, &err);   /* fresh, or --resume's */
    session *s = t0r ? session_start_trainer_hook(t0r, SESSION_NO_REPORT, o->stop_after,
                                                  m ? cli_metrics_row : NULL, m, &err)
                     : NULL;
    if (!s) {
        cli_metrics_close(m, 0, where);
        cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
        return NULL;
    }
    session_snapshot *snap = malloc(sizeof *snap);
    if (!snap) {
        session_free(s);
        cli_metrics_close(m, 0, where);
        cli_error(CLI_EXIT_FAIL, where, "out of memory");
        return NULL;
    }
    if (banner) {
        banner(where, p, ctx);
        fflush(stdout);   /* before any progress line on stderr */
    }
    size_t seen = 0, stage = 0;
    long next_log = 0;
    double stage_t0 = t0;
    if (stage_secs)
        for (size_t i = 0; i < PROBLEM_MAX_STAGES; i++)
            stage_secs[i] = 0;
    cli_signals_catch(1);
    for (;;) {
        session_state st = session_wait(s, 0.1);
        if (cli_signal_caught())
            break;
        session_snapshot_copy(s, snap);
        report_rollbacks(o, snap, &seen);
        if (log_every > 0 && !o->json && !o->quiet && snap->step >= next_log && snap->step > 0) {
            cli_progress(o, "", -1, 0, 0);
            printf("step %6ld  stage %zu/%zu  loss %.6e  lr %.3g\n", snap->step, snap->stage + 1, snap->n_stages,
                   snap->loss, snap->lr);
            fflush(stdout);
            next_log = (snap->step / log_every + 1) * log_every;
        }
        cli_progress(o, p->name, snap->step, -1, snap->loss);
        int over = (st != SESSION_RUNNING && st != SESSION_PAUSED) || (o->stop_after > 0 && snap->step >= o->stop_after);
        /* stage times to the snapshot's resolution (50 ms) */
        if (stage_secs && (snap->stage != stage || over)) {
            double now = cli_now();
            stage_secs[stage] = now - stage_t0;
            stage_t0 = now;
            stage = snap->stage;
        }
        if (over)
            break;
    }
    cli_progress(o, "", -1, 0, 0);
    free(snap);
    trainer *t = session_detach(s);   /* the thread is gone: no more rows */
    /* -- metrics: the rows so far are kept on a signal too, as the
     * autosave keeps the weights -- */
    int metrics_rc = cli_metrics_close(m, 1, where);
    if (cli_signal_caught())
        cli_autosave_and_die(o, t, where);
    cli_signals_catch(0);
    *secs = cli_now() - t0;
    if (metrics_rc != 0 || cli_save(o, where, t) != 0 || cli_figures_write(o, where, &t) != 0) {
        trainer_free(t);
        return NULL;
    }
    return t;
}

trainer *cli_report_train(const cli_opts *o, const char *where, problem *p, long log_every, cli_banner_fn banner,
                          double *secs)
{
    innx_err err;
    if (problem_validate(p, &err) != 0) {
        cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
        return NULL;
    }
    int text = !o->quiet && !o->json;
    return cli_train_banner(o, where, p, text ? log_every : 0, secs, NULL, text ? banner : NULL, NULL);
}

int cli_bench(const cli_opts *o, const char *where, problem *p)
{
    innx_err err;
    long reps = o->repeats > 0 ? o->repeats : 200;
    /* every timed step a full one: no early stop, no stage end */
    for (size_t i = 0; i < p->n_stages; i++) {
        p->stages[i].patience = 0;
        p->stages[i].steps = reps + 100;
    }
    trainer *t = trainer_alloc(p, &err);
    if (!t)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    double *ms = malloc((size_t)reps * sizeof *ms);
    if (!ms || (o->profile && trainer_profile(t, 1) != 0)) {
        free(ms);
        trainer_free(t);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    if (!o->json) {
        printf("%s: G %s, batch %zu, %ld timed steps per stage, BLAS kernels %s\n", where, p->model,
               p->batch == PROBLEM_BATCH_TABLE ? trainer_get_data(t)->n_train : p->batch_n, reps, graph_blas_core());
        if (graph_blas_hint())
            printf("note: %s\n", graph_blas_hint());
    }
    json_out j;
    if (o->json) {
        json_begin(&j, stdout);
        json_run_header(&j, "workload", p->name, p, o);
        json_str(&j, "blas_kernels", graph_blas_core());
        json_str(&j, "model", p->model);
        json_int(&j, "batch", (long)(p->batch == PROBLEM_BATCH_TABLE ? trainer_get_data(t)->n_train : p->batch_n));
        json_int(&j, "steps", reps);
    }
    for (size_t st = 0; st < p->n_stages; st++) {
        /* warm-up: first-touch page faults and BLAS buffers */
        for (int w = 0; w < 5; w++)
            trainer_step(t);
        for (long i = 0; i < reps; i++) {
            double a = cli_now();
            trainer_step(t);
            ms[i] = 1e3 * (cli_now() - a);
        }
        double med = cli_median(ms, (size_t)reps), p10 = ms[reps / 10], p90 = ms[(reps * 9) / 10];
        double gflops = trainer_flops(t) / (med * 1e-3) / 1e9;
        const char *kind = problem_stage_kind_name(p->stages[st].kind);
        if (o->json) {
            char key[64];
            if (p->n_stages == 1) {
                json_num(&j, "ms_per_step", med);
                json_num(&j, "ms_p10", p10);
                json_num(&j, "ms_p90", p90);
                json_num(&j, "gflops", gflops);
            } else {
                snprintf(key, sizeof key, "ms_per_step_%s", kind);
                json_num(&j, key, med);
                snprintf(key, sizeof key, "gflops_%s", kind);
                json_num(&j, key, gflops);
            }
        } else {
            printf("%-8s median %.3f ms/step (p10 %.3f, p90 %.3f), %.2f GFLOP/s\n", kind, med, p10, p90, gflops);
        }
        if (st + 1 < p->n_stages)
            trainer_next_stage(t);
    }
    if (o->json)
        json_end(&j);
    if (o->profile)
        trainer_profile_print(t, stderr);
    free(ms);
    trainer_free(t);
    return CLI_EXIT_OK;
}
