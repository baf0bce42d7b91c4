/* bench_seeds.c: `innx bench seeds PROBLEM`: the whole recipe on N seeds
 * in a row, and each run's headline figure, so that a claim like "on the
 * default seed and 4 of 5 others" is one command, and a figure that holds
 * on one seed only shows as what it is. A latent G(z) gives its best raw
 * residual over the 300-code map and how many scan roots its clusters
 * polished to; a G(y) its raw residual at y*. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "innx/report.h"

#define DEFAULT_SEEDS 6   /* the default seed and five others */

typedef struct seed_run {
    unsigned long seed;
    long steps;
    double secs, raw;      /* best raw residual (latent) or |f(G(y*)) - y*| */
    size_t found, n_ref;   /* latent: scan roots a cluster polished to */
    trainer_state state;
} seed_run;

/* The scan's roots that some cluster's polished candidate equals. */
static size_t clusters_found(const report_latent *r, const double *ref, size_t n_ref, double w)
{
    size_t found = 0;
    for (size_t i = 0; i < n_ref; i++) {
        int hit = 0;
        for (size_t c = 0; c < r->k; c++)
            hit |= r->c[c].polished && cli_found(r->c[c].root.x, ref[i], w);
        found += hit;
    }
    return found;
}

static int run_one(const cli_opts *o, const char *where, const problem *p, seed_run *run, innx_err *err)
{
    trainer *t = cli_train(o, where, p, 0, &run->secs, NULL);
    if (!t)
        return INNX_EINVAL;
    run->steps = trainer_steps(t);
    run->state = trainer_get_state(t);
    run->found = run->n_ref = 0;
    int st = 0;
    if (p->input == PROBLEM_IN_Y) {
        double y = p->y_star, x, f;
        st = cli_eval_best(t, &y, 1, &x, err);
        if (st == 0) {
            trainer_roots_fn(t, &x, 1, &f, NULL);
            run->raw = fabs(f - y);
        }
    } else {
        report_latent *r = malloc(sizeof *r);
        double ref[REPORT_MAX_ROOTS];
        st = r ? report_latent_compute(t, p->y_star, p->k, r, err) : innx_errf(err, INNX_ENOMEM, "out of memory");
        if (st == 0)
            st = report_reference(t, p->y_star, ref, &run->n_ref, err);
        if (st == 0) {
            run->raw = r->n_top ? r->top_res[0] : NAN;
            run->found = clusters_found(r, ref, run->n_ref, p->x_hi[0] - p->x_lo[0]);
        }
        free(r);
    }
    trainer_free(t);
    return st;
}

int bench_seeds(const cli_opts *o, problem *p)
{
    char where[80];
    snprintf(where, sizeof where, "bench seeds %s", p->name);
    innx_err err;
    if (p->batch == PROBLEM_BATCH_TABLE || p->output == PROBLEM_OUT_BRANCH || p->x_dim != 1)
        return cli_error(CLI_EXIT_USAGE, where, "%s: seeds is for a formula problem in one x with a G(y) or a G(z)",
                         p->name);
    long n = o->repeats > 0 ? o->repeats : DEFAULT_SEEDS;
    seed_run *runs = calloc((size_t)n, sizeof *runs);
    double *raw = malloc((size_t)n * sizeof *raw);
    if (!runs || !raw) {
        free(runs);
        free(raw);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    cli_opts q = *o;
    q.quiet = 1;
    q.json = 1;   /* no rollback lines between the rows */
    int latent = p->input != PROBLEM_IN_Y;
    unsigned long seed0 = p->seed;
    if (!o->json) {
        printf("%s: the whole recipe on seeds %lu..%lu%s\n", where, seed0, seed0 + (unsigned long)n - 1,
               latent ? "; raw = best |f| over the 300-code map, roots = scan roots the clusters polished to"
                      : "; raw = |f(G(y*)) - y*|");
        printf("  seed   steps  seconds  state            raw%s\n", latent ? "  roots" : "");
    }
    int rc = CLI_EXIT_OK;
    for (long i = 0; i < n; i++) {
        problem pi = *p;
        pi.seed = seed0 + (unsigned long)i;
        runs[i].seed = pi.seed;
        if (run_one(&q, where, &pi, &runs[i], &err) != 0) {
            rc = cli_error(CLI_EXIT_FAIL, where, "seed %lu: %s", pi.seed, err.msg);
            n = i;
            break;
        }
        raw[i] = runs[i].raw;
        if (!o->json) {
            printf("  %4lu  %6ld  %7.3f  %-14s  %.2e", runs[i].seed, runs[i].steps, runs[i].secs,
                   trainer_state_name(runs[i].state), runs[i].raw);
            if (latent)
                printf("  %zu/%zu", runs[i].found, runs[i].n_ref);
            printf("\n");
            fflush(stdout);
        }
    }
    /* how many runs reach each decade, then the median (which sorts raw) */
    static const double decades[] = {1e-2, 1e-3, 1e-4, 1e-5, 1e-6};
    long below[5] = {0};
    for (long i = 0; i < n; i++)
        for (size_t d = 0; d < 5; d++)
            below[d] += raw[i] <= decades[d];
    double med = cli_median(raw, (size_t)n);
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_run_header(&j, NULL, NULL, p, o);
        json_arr_begin(&j, "runs");
        for (long i = 0; i < n; i++) {
            json_obj_begin(&j, NULL);
            json_int(&j, "seed", (long)runs[i].seed);
            json_int(&j, "steps", runs[i].steps);
            json_num(&j, "seconds", runs[i].secs);
            json_str(&j, "state", trainer_state_name(runs[i].state));
            json_num(&j, "raw", runs[i].raw);
            if (latent) {
                json_int(&j, "roots_found", (long)runs[i].found);
                json_int(&j, "reference_roots", (long)runs[i].n_ref);
            }
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_num(&j, "median_raw", med);
        json_obj_begin(&j, "below");
        for (size_t d = 0; d < 5; d++) {
            char key[16];
            snprintf(key, sizeof key, "%.0e", decades[d]);
            json_int(&j, key, below[d]);
        }
        json_obj_end(&j);
        json_end(&j);
    } else if (n > 0) {
        printf("median raw %.2e, max %.2e; runs at or below", med, raw[n - 1]);
        for (size_t d = 0; d < 5; d++)
            printf(" %.0e: %ld%s", decades[d], below[d], d < 4 ? "," : "");
        printf(" (of %ld)\n", n);
    }
    free(runs);
    free(raw);
    return rc;
}
