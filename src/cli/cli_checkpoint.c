/* cli_checkpoint.c: checkpoints on the command line: --save, --resume, the
 * autosave on SIGHUP/SIGTERM/SIGINT of a headless run, and `innx query FILE`. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "innx/checkpoint.h"
#include "innx/trainer_ckpt.h"
#include "innx/report.h"

#define QUERY_K 256   /* codes a query draws, as the latent report's */

/* ---- signals ------------------------------------------------------------- */

/* The handler only notes the signal: cli_train's loop sees it within its
 * 0.1 s wait, stops the session between two steps and saves. */
static volatile sig_atomic_t caught;
static struct sigaction old_hup, old_term, old_int;

static void on_signal(int sig) { caught = sig; }

static const char *sig_name(int sig) { return sig == SIGHUP ? "SIGHUP" : sig == SIGINT ? "SIGINT" : "SIGTERM"; }

void cli_signals_catch(int on)
{
    if (on) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        caught = 0;
        sigaction(SIGHUP, &sa, &old_hup);
        sigaction(SIGTERM, &sa, &old_term);
        /* Ctrl-C too: the rows of --metrics so far and the weights are
         * kept, and no temporary file is left behind */
        sigaction(SIGINT, &sa, &old_int);
    } else {
        sigaction(SIGHUP, &old_hup, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGINT, &old_int, NULL);
    }
}

int cli_signal_caught(void) { return caught; }

void cli_autosave_and_die(const cli_opts *o, trainer *t, const char *where)
{
    int sig = caught;
    char dir[4096], path[4200];
    innx_err err;
    cli_progress(o, "", -1, 0, 0);
    if (trainer_autosave_dir(dir, sizeof dir, &err) != 0 ||
        trainer_save_auto(t, dir, path, sizeof path, &err) != 0)
        cli_error(CLI_EXIT_FAIL, where, "%s: %s", sig_name(sig), err.msg);
    else
        cli_error(CLI_EXIT_FAIL, where, "%s: step %ld saved to %s (innx train --resume %s goes on)", sig_name(sig),
                  trainer_steps(t), path, path);
    trainer_free(t);
    cli_signals_catch(0);
    /* die of the signal, as the sender expects */
    signal(sig, SIG_DFL);
    raise(sig);
    exit(CLI_EXIT_FAIL);
}

/* ---- --save / --resume --------------------------------------------------- */

int cli_save_check(const cli_opts *o, const char *where)
{
    innx_err err;
    /* --save may name the --resume file: rename() replaces it only once
     * the new one is whole */
    if (o->save && dataset_check_writable(o->save, NULL, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "--save: %s", err.msg);
    return 0;
}

int cli_save(const cli_opts *o, const char *where, trainer *t)
{
    innx_err err;
    if (!o->save)
        return 0;
    if (trainer_save(t, o->save, 0, &err) != 0)
        return cli_error(CLI_EXIT_FAIL, where, "--save: %s", err.msg);
    if (!o->json && !o->quiet)
        printf("saved step %ld to %s\n", trainer_steps(t), o->save);
    return 0;
}

trainer *cli_trainer_new(const cli_opts *o, const problem *p, innx_err *err)
{
    if (!o->resume_ck)
        return trainer_alloc(p, err);
    trainer *t = trainer_load(o->resume_ck, p, err);
    if (t && !o->json && !o->quiet)
        printf("resumed %s at step %ld (%s)\n", o->resume, trainer_steps(t), trainer_state_name(trainer_get_state(t)));
    return t;
}

int cli_resume_problem(cli_opts *o, problem *p)
{
    innx_err err;
    const char *where = "train";
    if (!(o->resume_ck = checkpoint_read(o->resume, &err)))
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    int st = trainer_checkpoint_problem(o->resume_ck, p, &err) != 0 ? cli_error(CLI_EXIT_USAGE, where, "%s", err.msg)
                                                             : cli_apply_opts(o, where, p);
    if (st != 0) {
        checkpoint_free(o->resume_ck);
        o->resume_ck = NULL;
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int cli_is_checkpoint_name(const char *name)
{
    size_t n = strlen(name), k = strlen(".safetensors");
    return n > k && !strcmp(name + n - k, ".safetensors");
}

trainer *cli_checkpoint_open(const char *file, const char *where, problem *p)
{
    innx_err err;
    checkpoint *c = checkpoint_read(file, &err);
    if (!c) {
        cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
        return NULL;
    }
    trainer *t = NULL;
    if (trainer_checkpoint_problem(c, p, &err) == 0)
        t = trainer_load(c, p, &err);
    checkpoint_free(c);
    if (!t)
        cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    return t;
}

/* ---- innx query ---------------------------------------------------------- */

static int parse_ys(const char *s, double *y, size_t max, size_t *n)
{
    *n = 0;
    while (*s) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || !isfinite(v) || (*end && *end != ',') || *n == max)
            return -1;
        y[(*n)++] = v;
        s = *end ? end + 1 : end;
        if (*end && !*s)
            return -1;   /* a trailing comma */
    }
    return *n ? 0 : -1;
}

#define QUERY_MAX_Y 256

/* A table problem: F is NN1, so each y* gets G's traits polished on NN1
 * in double (report_query_nn1), said as such. */
static int query_table(trainer *t, const char *file, const double *y, size_t n, int json, const char *where)
{
    const problem *tp = trainer_problem(t);
    report_point *r = malloc(n * sizeof *r);
    innx_err err;
    if (!r)
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    /* one x column: also every x with NN1(x) = y in the box (the scan) */
    int one = trainer_get_data(t)->d == 1;
    report_query *all = one ? malloc(n * sizeof *all) : NULL;
    if (one && !all) {
        free(r);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (report_query_nn1(t, y[i], &r[i], &err) != 0 || (one && report_roots_nn1(t, y[i], &all[i], &err) != 0)) {
            free(r);
            free(all);
            return cli_error(CLI_EXIT_FAIL, where, "y = %g: %s", y[i], err.msg);
        }
    double lo, hi;
    if (one)
        trainer_domain(t, &lo, &hi);
    if (json) {
        json_out j;
        json_begin(&j, stdout);
        json_run_header(&j, "file", file, tp, NULL);
        json_str(&j, "forward", "nn1");
        json_str(&j, "x_columns", tp->x_columns);
        json_str(&j, "model", tp->model);
        json_int(&j, "step", trainer_steps(t));
        json_arr_begin(&j, "queries");
        for (size_t i = 0; i < n; i++) {
            json_obj_begin(&j, NULL);
            json_num(&j, "y", r[i].y);
            json_arr_begin(&j, "x_raw");
            for (size_t k = 0; k < r[i].d; k++)
                json_arr_num(&j, r[i].x_raw[k]);
            json_arr_end(&j);
            json_arr_begin(&j, "x");
            for (size_t k = 0; k < r[i].d; k++)
                json_arr_num(&j, r[i].x[k]);
            json_arr_end(&j);
            json_num(&j, "residual_raw", r[i].residual_raw);
            json_num(&j, "residual", r[i].residual);
            json_bool(&j, "certified", r[i].certified);
            if (one) {
                json_arr_begin(&j, "roots_nn1");
                for (size_t k = 0; k < all[i].n_roots; k++) {
                    json_obj_begin(&j, NULL);
                    json_num(&j, "x", all[i].roots[k].x);
                    json_num(&j, "residual", all[i].roots[k].residual);
                    json_bool(&j, "bracketed", all[i].roots[k].bracketed);
                    json_obj_end(&j);
                }
                json_arr_end(&j);
            }
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_end(&j);
    } else {
        printf("%s: %s, F = NN1 learned from the table (no formula): G's answer, then polished on NN1 in double\n"
               "  (a point where the learned map gives y, not the data's own truth); x = %s\n",
               file, tp->name, tp->x_columns);
        for (size_t i = 0; i < n; i++) {
            printf("y = %g:  G", r[i].y);
            for (size_t k = 0; k < r[i].d; k++)
                printf(" %.6g", r[i].x_raw[k]);
            printf(" (|NN1 - y| %.2e)  ->  polished", r[i].residual_raw);
            for (size_t k = 0; k < r[i].d; k++)
                printf(" %.6g", r[i].x[k]);
            printf(" (|NN1 - y| %.2e%s)\n", r[i].residual, r[i].certified ? ", certified" : ", not certified");
            if (one) {
                printf("  every x with NN1(x) = y on [%g, %g] (the classical scan on NN1, not G), %zu found", lo,
                       hi, all[i].n_ref);
                for (size_t k = 0; k < all[i].n_roots; k++)
                    printf("%s%.8g", k ? " " : ": ", all[i].roots[k].x);
                printf("\n");
            }
        }
    }
    free(r);
    free(all);
    return CLI_EXIT_OK;
}

int cmd_query(int argc, char **argv)
{
    const char *where = "query", *file = NULL, *ys = NULL, *out = NULL;
    int json = 0;
    long samples = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--y")) {
            if (i + 1 >= argc)
                return cli_error(CLI_EXIT_USAGE, where, "--y needs a value");
            ys = argv[++i];
        } else if (!strcmp(a, "--samples") || !strcmp(a, "--out")) {
            if (i + 1 >= argc)
                return cli_error(CLI_EXIT_USAGE, where, "%s needs a value", a);
            char *end;
            if (a[2] == 'o')
                out = argv[++i];
            else if ((samples = strtol(argv[++i], &end, 10)) < 1 || *end || samples > 10000000)
                return cli_error(CLI_EXIT_USAGE, where, "--samples: '%s' is not an integer in [1, 10000000]", argv[i]);
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: innx query FILE --y Y[,Y...] [--json]\n"
                   "the certified roots of F(x) = Y that a saved model's G finds, beside the classical scan's;\n"
                   "a vector problem: innx query FILE --y Y1,...,Ym [--samples N] [--out FILE.csv] [--json],\n"
                   "N samples of x for the one y* (projected and certified where F is deterministic)\n");
            return CLI_EXIT_OK;
        } else if (a[0] == '-') {
            return cli_error(CLI_EXIT_USAGE, where, "unknown option '%s' (innx query FILE --y Y[,Y...] [--json])", a);
        } else if (!file) {
            file = a;
        } else {
            return cli_error(CLI_EXIT_USAGE, where, "unexpected argument '%s'", a);
        }
    }
    if (!file || !ys)
        return cli_error(CLI_EXIT_USAGE, where, "usage: innx query FILE --y Y[,Y...] [--json]");
    double y[QUERY_MAX_Y];
    size_t n;
    if (parse_ys(ys, y, QUERY_MAX_Y, &n) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "--y: '%s' is not a list of at most %d finite numbers", ys,
                         QUERY_MAX_Y);
    innx_err err;
    problem p;
    trainer *t = cli_checkpoint_open(file, where, &p);
    if (!t)
        return CLI_EXIT_USAGE;
    if (problem_is_vector(trainer_problem(t))) {
        /* a vector problem: y* is one vector of y's m components */
        int st = CLI_EXIT_USAGE;
        if (n != trainer_problem(t)->y_dim)
            cli_error(CLI_EXIT_USAGE, where, "--y: %zu values for y in R^%zu; give %zu, comma-separated", n,
                      trainer_problem(t)->y_dim, trainer_problem(t)->y_dim);
        else
            st = cli_vector_answer(t, y, samples > 0 ? (size_t)samples : 1000, json, out, NULL, 0, where);
        trainer_free(t);
        return st;
    }
    /* the branch model on a table answers as on a formula, F being NN1 */
    int on_nn1 = trainer_get_data(t) && trainer_nn1(t);
    if (on_nn1 && trainer_problem(t)->output != PROBLEM_OUT_BRANCH) {
        int st = query_table(t, file, y, n, json, where);
        trainer_free(t);
        return st;
    }
    if (!on_nn1 && (!trainer_has_formula(t) || trainer_x_dim(t) != 1)) {
        trainer_free(t);
        return cli_error(CLI_EXIT_USAGE, where, "%s: %s has no formula in one x to certify roots of", file, p.name);
    }
    report_query *q = malloc(n * sizeof *q);
    if (!q) {
        trainer_free(t);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (report_query_roots(t, y[i], QUERY_K, &q[i], &err) != 0) {
            free(q);
            trainer_free(t);
            return cli_error(CLI_EXIT_FAIL, where, "y = %g: %s", y[i], err.msg);
        }
    const problem *tp = trainer_problem(t);
    if (json) {
        json_out j;
        json_begin(&j, stdout);
        json_run_header(&j, "file", file, tp, NULL);
        if (on_nn1) {
            json_str(&j, "forward", "nn1");
            json_str(&j, "table", tp->table);
        } else {
            json_str(&j, "formula", tp->formula);
        }
        json_str(&j, "model", tp->model);
        json_int(&j, "step", trainer_steps(t));
        json_int(&j, "candidates", QUERY_K);
        json_arr_begin(&j, "queries");
        for (size_t i = 0; i < n; i++) {
            json_obj_begin(&j, NULL);
            json_num(&j, "y", q[i].y);
            json_arr_begin(&j, "roots");
            for (size_t r = 0; r < q[i].n_roots; r++) {
                json_obj_begin(&j, NULL);
                json_num(&j, "x", q[i].roots[r].x);
                json_num(&j, "residual", q[i].roots[r].residual);
                json_num(&j, "residual_raw", q[i].roots[r].residual_raw);
                json_bool(&j, "bracketed", q[i].roots[r].bracketed);
                json_obj_end(&j);
            }
            json_arr_end(&j);
            json_int(&j, "failed", (long)q[i].n_failed);
            json_arr_begin(&j, "reference");
            for (size_t r = 0; r < q[i].n_ref; r++)
                json_arr_num(&j, q[i].ref[r]);
            json_arr_end(&j);
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_end(&j);
    } else {
        double lo, hi;
        trainer_domain(t, &lo, &hi);
        if (on_nn1)
            printf("%s: %s, F = NN1 learned from %s (x = %s, y = %s) on [%g, %g], G %s (the branch model) at step "
                   "%ld; %d codes a query; roots are of NN1(x) = y, the learned map\n", file, tp->name,
                   tp->table[0] ? tp->table : "the built-in table", tp->x_columns, tp->y_column, lo, hi, tp->model,
                   trainer_steps(t), QUERY_K);
        else
            printf("%s: %s, f(x) = %s on [%g, %g], G %s at step %ld; %d codes a query\n", file, tp->name,
                   tp->formula, lo, hi, tp->model, trainer_steps(t), QUERY_K);
        for (size_t i = 0; i < n; i++) {
            printf("y = %g: %zu certified root%s (the scan finds %zu)\n", q[i].y, q[i].n_roots,
                   q[i].n_roots == 1 ? "" : "s", q[i].n_ref);
            for (size_t r = 0; r < q[i].n_roots; r++)
                printf("  x = %.12f   |f - y| = %.2e%s\n", q[i].roots[r].x, q[i].roots[r].residual,
                       q[i].roots[r].bracketed ? "   bracketed" : "");
        }
    }
    free(q);
    trainer_free(t);
    return CLI_EXIT_OK;
}
