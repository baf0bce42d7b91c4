/* cli.h: the headless front end's shared pieces: options, the case table
 * (train/bench workloads), JSON output and the error/exit conventions. */
#ifndef INNX_CLI_H
#define INNX_CLI_H

#include <stdio.h>
#include <stddef.h>

#include "innx/dataset.h"
#include "innx/problem.h"
#include "innx/trainer.h"

/* Exit codes: 0 ok, 1 failure while running, 2 bad input. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/* Options shared by `train` and `bench` cases. -1 / NULL = not given. */
typedef struct cli_opts {
    long steps;              /* --steps N */
    long seed;               /* --seed S (>= 0) */
    int json;                /* --json */
    int quiet;               /* --quiet: no loss lines, no progress */
    int threads;             /* --threads N (BLAS threads) */
    const char *data;        /* --data FILE.csv */
    const char *x_cols;      /* --x a,b,c */
    const char *y_col;       /* --y: y's column (tables) or the y* to answer, Y1,Y2,... */
    const char *out;         /* --out FILE.csv */
    int drop_bad_rows;       /* --drop-bad-rows */
    int joint;               /* --joint: joint fine-tune (the default; kept for old scripts) */
    int no_joint;            /* --no-joint: stop after the inverse fit */
    long repeats;            /* --repeats N (bench) */
    const char *model;       /* --model SPEC */
    int range;               /* --range: solve for a range of y, not one */
    int no_box;              /* --no-box: drop the domain box term */
    int constant_lr;         /* --constant-lr: no lr decay (the article's) */
    const char *metrics;     /* --metrics FILE.csv: every step's terms (metrics.c) */
    long rows;               /* --rows N (gen-spend) */
    long samples;            /* --samples N: a vector problem's answers per y* */
    int profile;             /* --profile: bench prints time per graph node */
    int autom;               /* --auto: the branch model on the problem's formula */
    const char *domain;      /* --domain A:B (formula problems) */
    size_t n_set;            /* --set section.key=value, in order */
    const char *set[32];
    const char *save;        /* --save FILE: a checkpoint at the end (or at --stop-after) */
    long stop_after;         /* --stop-after M: stop at step M (0 = not given) */
    const char *resume;      /* --resume FILE (train with no problem) */
    struct checkpoint *resume_ck;   /* that file, read and checked (cli_train restores it) */
    const char *figures;     /* --figures DIR: every pane's figure at the end (cmd_plot.c) */
    unsigned figure_formats; /* --figure-formats svg,png,pdf as FIGURE_* bits; 0 = SVG and PNG */
} cli_opts;

/* Parse argv[first..argc) into o (defaults first). Prints
 * `innx: CMD: ...` and returns CLI_EXIT_USAGE on a bad option, else 0. */
int cli_parse_opts(const char *cmd, int argc, char **argv, int first, cli_opts *o);
/* The index of the first operand (not an option nor an option's value)
 * in argv[first..argc), or argc. */
int cli_first_operand(int argc, char **argv, int first);

/* A built-in problem by name, or a problem file NAME.inn read over the
 * default problem (problem_opts.c, as cli_apply_opts). */
int cli_load_problem(const char *name, problem *p, innx_err *err);
/* Lay the options over a problem (steps, seed, threads, model, box,
 * schedule, and a table's file and columns). Prints the error and returns
 * CLI_EXIT_USAGE, or 0. */
int cli_apply_opts(const cli_opts *o, const char *where, problem *p);
/* Train p to its end through the session thread (as the explorer does),
 * printing a loss line every log_every steps (0 = none) and each rollback.
 * stage_secs (may be NULL) gets each stage's seconds. Returns the trainer
 * (the caller frees it), or NULL after printing why. */
trainer *cli_train(const cli_opts *o, const char *where, const problem *p, long log_every, double *secs,
                   double *stage_secs);
/* The same, calling banner(where, p, ctx) once the run is accepted (the
 * trainer built, the table read, the session started), so that a refused
 * run prints its error alone, never after a banner that promised a run. */
typedef void (*cli_banner_fn)(const char *where, const problem *p, const void *ctx);
trainer *cli_train_banner(const cli_opts *o, const char *where, const problem *p, long log_every, double *secs,
                          double *stage_secs, cli_banner_fn banner, const void *ctx);
/* A report's run: p validated, then trained with a loss line every
 * log_every steps and banner(where, p, NULL) in text mode (neither with
 * --json or --quiet). NULL after printing why (exit CLI_EXIT_USAGE). */
trainer *cli_report_train(const cli_opts *o, const char *where, problem *p, long log_every, cli_banner_fn banner,
                          double *secs);
/* -- metrics: train --metrics FILE.csv (metrics.c) -- */
/* Refuse (print, CLI_EXIT_USAGE) --metrics with bench or --range, over an
 * input (the problem file, the table) or the --out file, or where it cannot
 * be written; 0 when it may go ahead (or was not asked for). */
int cli_metrics_check(cli_opts *o, const char *where, int bench, const char *problem_file,
                      const problem *p);
/* The CSV being written: FILE.tmp.XXXXXX beside FILE until closed. */
typedef struct cli_metrics cli_metrics;
struct session_step_info;
cli_metrics *cli_metrics_open(const char *path, const char *where);
/* The session's step hook (session_start_hook): one row a step. */
int cli_metrics_row(const trainer *t, const struct session_step_info *info, void *ctx);
/* keep: fsync and rename over FILE; else remove the temporary file. 0, or
 * CLI_EXIT_FAIL after printing why. */
int cli_metrics_close(cli_metrics *m, int keep, const char *where);

/* `innx bench`: median ms/step of every stage of p. */
int cli_bench(const cli_opts *o, const char *where, problem *p);

/* The reports, by kind of problem: G(y) answering one y* (sinc, sinc-kan),
 * a latent G(z) with its clusters and roots (three-roots), a table (spend). */
int case_vector_train(const cli_opts *o, problem *p);   /* case_vector.c */
int cmd_draw(int argc, char **argv);                    /* innx draw: x from a problem's prior */
/* A trained vector problem's answers at y* (samples of its flow, projected
 * and certified, or a posterior): text or JSON, the samples to out's CSV
 * (may be NULL); o (may be NULL) names the overrides in JSON. */
int cli_vector_answer(trainer *t, const double *ys, size_t samples, int json, const char *out, const cli_opts *o,
                      double secs, const char *where);
int case_point_train(const cli_opts *o, problem *p);
/* x = G(y) for n targets; of a mixture head's candidates, each row's best. */
int cli_eval_best(trainer *t, const double *y, size_t n, double *x, innx_err *err);
/* bench seeds PROBLEM: the whole recipe on --repeats seeds (bench_seeds.c) */
int bench_seeds(const cli_opts *o, problem *p);
int case_sinc_kan_range(const cli_opts *o, problem *p);
int case_latent_train(const cli_opts *o, problem *p);
int case_table_train(const cli_opts *o, problem *p);
/* The branch model (case_auto.c): every root of F = y* for each --y,
 * beside the scan; innx bench query. */
int case_auto_train(const cli_opts *o, problem *p);
int bench_query(const cli_opts *o, problem *p);
int bench_auto(const cli_opts *o);
/* Recall against the classical scan, one definition for every report: a
 * scan root ref is found when a polished root x is within 1e-7 of the
 * domain's width w of it, and found raw when G's unpolished answer is
 * within 1e-3 of w (util.c). */
int cli_found(double x, double ref, double w);
int cli_found_raw(double x_raw, double ref, double w);
/* How many of a query's scan roots it found, polished and raw. */
struct report_query;
void cli_query_recall(const struct report_query *q, double w, size_t *found, size_t *found_raw);
/* innx train xsin: the regressor beside the branch model (case_xsin.c) */
int case_xsin_train(const cli_opts *o, problem *p);
/* --y Y1,Y2,... -> ys (at most cap); prints the error and returns
 * CLI_EXIT_USAGE, or 0 (n = 0 when --y was not given). */
int cli_parse_ys(const char *where, const char *s, double *ys, size_t cap, size_t *n);
/* innx roots (its own argv) and its benchmark; innx gen-spend */
int cmd_roots(int argc, char **argv);
/* innx roots PROBLEM ...: a vector problem's reference (cmd_reference.c);
 * argv[1] is the problem */
int cmd_roots_problem(int argc, char **argv);
int bench_roots(const cli_opts *o);
int cmd_gen_spend(int argc, char **argv);
/* innx with no command: the explorer (explore.c) */
int cli_explore(int argc, char **argv);
/* (v1, ..., vn) with digits significant digits (util.c) */
void cli_print_vec(FILE *f, const double *v, size_t n, int digits);
/* "families: k (silhouette s)" and a line per family: its count and
 * centre (util.c; the vector report and the reference print them alike) */
void cli_print_families(size_t k, double silhouette, const size_t *count, const double (*centroid)[PROBLEM_MAX_X],
                        size_t n, int digits);
/* "A:B" -> a, b (util.c); -1 if it is not that */
int cli_parse_domain(const char *s, double *a, double *b);
/* Checkpoints (cli_checkpoint.c). --resume FILE: read it into
 * o->resume_ck and its problem into p, the options laid over it. */
int cli_resume_problem(cli_opts *o, problem *p);
/* A trainer for p: restored from o->resume_ck, or fresh. */
trainer *cli_trainer_new(const cli_opts *o, const problem *p, innx_err *err);
/* --save: can the file be written (before training), and write it. */
int cli_save_check(const cli_opts *o, const char *where);
int cli_save(const cli_opts *o, const char *where, trainer *t);
/* SIGHUP and SIGTERM noted while on (cli_train's loop polls); after one,
 * save t under the autosave directory, say where and die of the signal. */
void cli_signals_catch(int on);
int cli_signal_caught(void);
void cli_autosave_and_die(const cli_opts *o, trainer *t, const char *where);
/* FILE.safetensors names a checkpoint (innx FILE opens the explorer on it). */
int cli_is_checkpoint_name(const char *name);
/* FILE's problem into p and its trainer in the saved state, or NULL after
 * printing why (a missing, broken or unfitting file: exit 2). */
trainer *cli_checkpoint_open(const char *file, const char *where, problem *p);
/* innx query FILE --y Y[,Y...] [--json]: a checkpoint's certified roots */
int cmd_query(int argc, char **argv);
/* -- figures (cmd_plot.c) -- */
/* --figures DIR: refuse (print, CLI_EXIT_USAGE) a DIR that is not a
 * writable directory; 0 when fine or not asked for. */
int cli_figures_check(const cli_opts *o, const char *where);
/* Every pane of *t as a figure under o->figures (nothing without it),
 * through a paused session on *t, which comes back in *t (NULL when the
 * session could not start). 0, or an exit code after printing why. */
int cli_figures_write(const cli_opts *o, const char *where, trainer **t);
/* innx plot CHECKPOINT [--figures DIR] [--figure-formats LIST] */
int cmd_plot(int argc, char **argv);
/* innx problems [--show NAME] */
int cmd_problems(int argc, char **argv);

/* Errors: `innx: WHERE: WHAT` on stderr; returns code. */
int cli_error(int code, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Seconds from a monotonic clock. */
double cli_now(void);
/* Median of n values (sorts v). */
double cli_median(double *v, size_t n);
/* One overwritten progress line on stderr when it is a terminal (and not
 * --quiet/--json); step < 0 clears it. */
void cli_progress(const cli_opts *o, const char *what, long step, long total, double loss);

/* JSON output: one object on one line. The calls build a jansson tree
 * (json.c) that json_end prints compact, keys in the order given, and frees;
 * so strings (formulas, file names) are always escaped by a real library. */
#define JSON_OUT_DEPTH 16
struct json_t;
typedef struct json_out {
    FILE *f;
    struct json_t *stack[JSON_OUT_DEPTH];  /* [0] the root, [depth] the open container */
    int depth;
    int skip;                  /* containers opened past JSON_OUT_DEPTH: dropped */
    int failed;                /* an allocation failed: json_end says so */
} json_out;

void json_begin(json_out *j, FILE *f);           /* { */
void json_end(json_out *j);                      /* prints the line, frees */
void json_num(json_out *j, const char *key, double v);  /* NaN/Inf -> null */
void json_int(json_out *j, const char *key, long v);
void json_str(json_out *j, const char *key, const char *s);
void json_bool(json_out *j, const char *key, int v);
void json_obj_begin(json_out *j, const char *key);      /* key may be NULL in arrays */
void json_obj_end(json_out *j);
void json_arr_begin(json_out *j, const char *key);
void json_arr_end(json_out *j);
void json_arr_num(json_out *j, double v);
/* "overrides": {"set": [the --set strings, in order], and every other
 * option given (steps, seed, model, ...)}: with "problem" and "seed" it
 * makes a report self-describing (a sweep's lines tell their runs apart). */
void json_overrides(json_out *j, const cli_opts *o);
/* The head of every run's JSON, its one home: key: value first when key is
 * not NULL ("case": "spend", "bench": "query", "file": FILE), then
 * "problem", "seed" and, when o is not NULL, "overrides". */
void json_run_header(json_out *j, const char *key, const char *value, const problem *p, const cli_opts *o);

#endif
