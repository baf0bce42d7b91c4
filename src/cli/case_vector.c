/* case_vector.c: the report of a vector problem (x in R^n, y in R^m; `innx
 * train ik --y 1.5,0`): the flow's samples at y*, projected and certified, or
 * a simulator's posterior; text, --json, and every sample in --out's CSV. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "cli.h"
#include "innx/dataset.h"
#include "innx/report_vector.h"
#include "innx/safefile.h"

#define LOG_EVERY 500
#define SAMPLES_DEFAULT 1000
#define REPORT_SEED_MIX 0x5deece66dUL   /* the answers' seed beside the run's */

/* y* from --y (its count must be m), else the problem's */
static int target(const cli_opts *o, const char *where, const problem *p, double *ys)
{
    if (!o->y_col) {
        memcpy(ys, p->y_target, p->y_dim * sizeof *ys);
        return 0;
    }
    size_t n;
    double v[PROBLEM_MAX_Y + 1];
    if (cli_parse_ys(where, o->y_col, v, PROBLEM_MAX_Y + 1, &n) != 0)
        return CLI_EXIT_USAGE;
    if (n != p->y_dim)
        return cli_error(CLI_EXIT_USAGE, where, "--y: %zu value%s for y in R^%zu; give %zu (e.g. --y %s)", n,
                         n == 1 ? "" : "s", p->y_dim, p->y_dim, p->y_dim == 2 ? "1.5,0" : "1,2,...");
    memcpy(ys, v, n * sizeof *ys);
    return 0;
}

static void print_report(const report_vector *r, const problem *p, long steps, double secs)
{
    if (secs > 0)
        printf("trained %ld steps in %.2f s; %zu samples at y* = ", steps, secs, r->samples);
    else
        printf("%s saved at step %ld; %zu samples at y* = ", problem_is_flow(p) ? "a flow" : "G(y, z)", steps,
               r->samples);
    cli_print_vec(stdout, r->ystar, r->m, 6);
    printf(" in %.1f ms\n", 1e3 * r->seconds_sample);
    if (r->resampled && r->ess > 0)
        printf("importance-resampled from %zu of the flow's samples (effective size %.0f, kernel %.2g of y's sd)\n",
               r->proposals, r->ess, r->kernel_h);
    else if (r->resampled)
        printf("not resampled: none of %zu proposals lies in the prior's support; the flow's samples as they are\n",
               r->proposals);
    if (isnan(r->resim_raw)) {
        printf("no F to re-simulate (a flow on a table's rows): the samples are a posterior\n");
    } else {
        printf("re-simulation error mean ||F(x) - y*||^2: raw %.4g%s", r->resim_raw,
           r->resampled ? " (the flow's own samples)" : "");
    }
    if (isnan(r->resim_raw)) {
    } else if (r->learned) {
        printf(" (F is NN1, fitted to the table)\nnot projected: NN1 is F's fit, its roots are not F's\n");
    } else if (r->random) {
        printf(" (F's noise included)\n%s is a simulator: the samples are a posterior, not polished\n", p->name);
    } else {
        printf(", projected %.3g\n", r->resim_polished);
        printf("certified |F(x) - y*| <= %g: %zu of %zu (projection %.1f ms)\n", REPORT_VECTOR_CERTIFY, r->n_certified,
               r->samples, 1e3 * r->seconds_project);
    }
    printf("   x    mean        sd          5%%          50%%         95%%\n");
    for (size_t j = 0; j < r->n; j++)
        printf("  x%-2zu %-11.5g %-11.5g %-11.5g %-11.5g %-11.5g\n", j + 1, r->mean[j], r->sd[j], r->q05[j], r->q50[j],
               r->q95[j]);
    if (r->random && !isnan(r->resim_raw)) {
        printf(r->learned ? "y through NN1 from the samples:\n" : "posterior predictive (y simulated from the samples):\n");
        for (size_t j = 0; j < r->m; j++)
            printf("  y%zu  mean %.5g sd %.5g; y* %.5g is %.2f sd from it\n", j + 1, r->pred_mean[j], r->pred_sd[j],
                   r->ystar[j], r->pred_z[j]);
    }
    cli_print_families(r->k, r->silhouette, r->count, r->centroid, r->n, 6);
    if (r->m == r->n && !r->random) {
        printf("roots (distinct, certified): %zu\n", r->n_roots);
        for (size_t i = 0; i < r->n_roots; i++) {
            printf("  ");
            cli_print_vec(stdout, r->roots[i], r->n, 6);
            printf("\n");
        }
    }
}

/* "key":[v0,v1,...] (key NULL inside an array) */
static void json_vec(json_out *j, const char *key, const double *v, size_t n)
{
    json_arr_begin(j, key);
    for (size_t i = 0; i < n; i++)
        json_arr_num(j, v[i]);
    json_arr_end(j);
}

/* a named group of vectors: "name":{"k0":[...],...} */
static void json_group(json_out *j, const char *name, const char *const *keys, const double *const *v, int k, size_t n)
{
    json_obj_begin(j, name);
    for (int i = 0; i < k; i++)
        json_vec(j, keys[i], v[i], n);
    json_obj_end(j);
}

static void print_json(const cli_opts *o, const report_vector *r, const problem *p, long steps, double secs)
{
    json_out j;
    json_begin(&j, stdout);
    json_str(&j, "case", "vector");
    json_str(&j, "problem", p->name);
    json_str(&j, "model", p->model);
    json_int(&j, "seed", (long)p->seed);
    if (o)
        json_overrides(&j, o);
    json_int(&j, "x_dim", (long)r->n);
    json_int(&j, "y_dim", (long)r->m);
    json_bool(&j, "simulator", r->random && !r->learned);
    json_bool(&j, "nn1", r->learned);   /* re-simulated through NN1, a table's F learned */
    json_vec(&j, "y_star", r->ystar, r->m);
    json_int(&j, "steps", steps);
    json_num(&j, "seconds", secs);
    json_int(&j, "samples", (long)r->samples);
    json_num(&j, "resim_raw", r->resim_raw);
    json_int(&j, "proposals", (long)r->proposals);
    json_num(&j, "ess", r->ess);
    json_num(&j, "resim_polished", r->resim_polished);
    json_int(&j, "certified", (long)r->n_certified);
    json_num(&j, "ms_sample", 1e3 * r->seconds_sample);
    json_num(&j, "ms_project", 1e3 * r->seconds_project);
    const char *names[5] = {"mean", "sd", "q05", "q50", "q95"};
    const double *cols[5] = {r->mean, r->sd, r->q05, r->q50, r->q95};
    json_group(&j, "posterior", names, cols, 5, r->n);
    if (r->random) {
        const char *pn[3] = {"mean", "sd", "z"};
        const double *pc[3] = {r->pred_mean, r->pred_sd, r->pred_z};
        json_group(&j, "predictive", pn, pc, 3, r->m);
    }
    json_arr_begin(&j, "clusters");
    for (size_t c = 0; c < r->k; c++) {
        json_obj_begin(&j, NULL);
        json_int(&j, "count", (long)r->count[c]);
        json_vec(&j, "centroid", r->centroid[c], r->n);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    if (r->m == r->n && !r->random) {
        json_arr_begin(&j, "roots");
        for (size_t c = 0; c < r->n_roots; c++)
            json_vec(&j, NULL, r->roots[c], r->n);
        json_arr_end(&j);
    }
    json_end(&j);
}

/* Every sample: raw x, its residual, polished x, its residual, certified. */
static int write_samples(const char *out, const char *where, const report_vector *r)
{
    size_t n = r->n, cols = r->random ? n + 1 : 2 * n + 3;
    char(*names)[32] = calloc(cols, sizeof *names);
    const char **nm = calloc(cols, sizeof *nm);
    double *v = malloc(r->samples * cols * sizeof *v);
    innx_err err;
    int st = CLI_EXIT_FAIL;
    if (!names || !nm || !v) {
        cli_error(CLI_EXIT_FAIL, where, "out of memory");
        goto out;
    }
    size_t c = 0;
    for (size_t j = 0; j < n; j++)
        snprintf(names[c++], 32, "x%zu_raw", j + 1);
    snprintf(names[c++], 32, "residual_raw");
    if (!r->random) {
        for (size_t j = 0; j < n; j++)
            snprintf(names[c++], 32, "x%zu", j + 1);
        snprintf(names[c++], 32, "residual");
        snprintf(names[c++], 32, "certified");
    }
    for (size_t k = 0; k < cols; k++)
        nm[k] = names[k];
    for (size_t i = 0; i < r->samples; i++) {
        double *row = v + i * cols;
        memcpy(row, r->x_raw + i * n, n * sizeof *row);
        row[n] = r->res_raw[i];
        if (!r->random) {
            memcpy(row + n + 1, r->x_pol + i * n, n * sizeof *row);
            row[2 * n + 1] = r->res_pol[i];
            row[2 * n + 2] = r->certified[i];
        }
    }
    if (dataset_write_csv(out, nm, cols, v, r->samples, NULL, SAFEFILE_REPLACE, &err) != 0) {
        cli_error(CLI_EXIT_FAIL, where, "%s", err.msg);
        goto out;
    }
    st = 0;
out:
    free(names);
    free(nm);
    free(v);
    return st;
}

int case_vector_train(const cli_opts *o, problem *p)
{
    char where[64];
    snprintf(where, sizeof where, "train %s", p->name);
    innx_err err;
    double ys[PROBLEM_MAX_Y];
    if (problem_validate(p, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    if (target(o, where, p, ys) != 0)
        return CLI_EXIT_USAGE;
    size_t samples = o->samples > 0 ? (size_t)o->samples : p->samples ? p->samples : SAMPLES_DEFAULT;
    if (o->out && dataset_check_writable(o->out, NULL, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    double secs;
    trainer *t = cli_train(o, where, p, LOG_EVERY, &secs, NULL);
    if (!t)
        return CLI_EXIT_FAIL;
    int st = cli_vector_answer(t, ys, samples, o->json, o->out, o, secs, where);
    trainer_free(t);
    return st;
}

int cli_vector_answer(trainer *t, const double *ys, size_t samples, int json, const char *out, const cli_opts *o,
                      double secs, const char *where)
{
    report_vector r;
    innx_err err;
    const problem *p = trainer_problem(t);
    if (report_vector_compute(t, ys, samples, p->seed ^ REPORT_SEED_MIX, &r, &err) != 0)
        return cli_error(CLI_EXIT_FAIL, where, "%s", err.msg);
    if (json)
        print_json(o, &r, p, trainer_steps(t), secs);
    else
        print_report(&r, p, trainer_steps(t), secs);
    int st = out ? write_samples(out, where, &r) : 0;
    report_vector_free(&r);
    return st;
}

/* innx draw PROBLEM [--n N] [--seed S] [--out FILE.csv]: x drawn from the
 * problem's prior (x1..xn), the rows a simulator of one's own runs over. */
int cmd_draw(int argc, char **argv)
{
    const char *where = "draw";
    if (argc < 2 || argv[1][0] == '-')
        return cli_error(CLI_EXIT_USAGE, where, "usage: innx draw PROBLEM|FILE.inn [--n N] [--seed S] [--out FILE.csv]");
    problem p;
    innx_err err;
    if (cli_load_problem(argv[1], &p, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    cli_opts o;
    long n = 1000;
    for (int i = 2; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--n")) {
            char *end;
            n = strtol(argv[i + 1], &end, 10);
            if (*end || n < 1 || n > 100000000)
                return cli_error(CLI_EXIT_USAGE, where, "--n: '%s' is not an integer in [1, 1e8]", argv[i + 1]);
            memmove(argv + i, argv + i + 2, (size_t)(argc - i - 2) * sizeof *argv);
            argc -= 2;
            break;
        }
    if (cli_parse_opts(where, argc, argv, 2, &o) != 0 || cli_apply_opts(&o, where, &p) != 0)
        return CLI_EXIT_USAGE;
    if (problem_validate(&p, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    size_t d = p.x_dim;
    double *v = malloc((size_t)n * d * sizeof *v);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    char names[PROBLEM_MAX_X][24];
    const char *nm[PROBLEM_MAX_X];
    int st = CLI_EXIT_OK;
    if (!v || !r) {
        st = cli_error(CLI_EXIT_FAIL, where, "out of memory");
        goto out;
    }
    gsl_rng_set(r, p.seed);
    for (long i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            v[(size_t)i * d + j] = trainer_prior_draw(&p, j, r);
    for (size_t j = 0; j < d; j++) {
        snprintf(names[j], sizeof names[j], "x%zu", j + 1);
        nm[j] = names[j];
    }
    if (o.out) {
        if (dataset_write_csv(o.out, nm, d, v, (size_t)n, NULL, SAFEFILE_REPLACE, &err) != 0)
            st = cli_error(CLI_EXIT_FAIL, where, "%s", err.msg);
    } else {
        /* stdout: a pipe into the simulator */
        for (size_t j = 0; j < d; j++)
            printf(j ? ",%s" : "%s", nm[j]);
        printf("\n");
        for (long i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++)
                printf(j + 1 < d ? "%.10g," : "%.10g\n", v[(size_t)i * d + j]);
        if (fflush(stdout) != 0)
            st = cli_error(CLI_EXIT_FAIL, where, "stdout: write failed");
    }
out:
    free(v);
    if (r)
        gsl_rng_free(r);
    return st;
}
