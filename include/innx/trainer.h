/* trainer.h: steps any problem through its stages with lambdas and lr that
 * may change between two steps; owns the optimiser, schedules, early stop,
 * EMA answers, scored checkpoints, rollbacks and the loss history. */
#ifndef INNX_TRAINER_H
#define INNX_TRAINER_H

#include <stddef.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "innx/error.h"
#include "innx/nn.h"
#include "innx/pieces.h"
#include "innx/problem.h"
#include "innx/stats.h"

typedef enum {
    TRAINER_RUNNING = 0,
    TRAINER_EARLY_STOPPED,  /* the last stage stopped early: finished */
    TRAINER_DONE,           /* every stage ran its steps: finished */
    TRAINER_DIVERGED        /* too many rollbacks: stopped, best weights kept */
} trainer_state;

const char *trainer_state_name(trainer_state s);

/* The loss history, every step, in bounded memory: when the buffer fills,
 * neighbouring points are averaged in pairs and each new point averages
 * twice as many steps (stride doubles). Series TERM_N is the total. */
#define TRAINER_HIST_CAP 16384
typedef struct trainer_history {
    size_t n;                /* points stored */
    long stride;             /* steps per stored point */
    long step[TRAINER_HIST_CAP];               /* first step of each point */
    float v[TERM_N + 1][TRAINER_HIST_CAP];     /* unweighted terms, then the total */
    /* the point being accumulated */
    long acc_n, acc_step;
    double acc[TERM_N + 1];
} trainer_history;

typedef struct trainer_rollback {
    long step;
    char why[96];
} trainer_rollback;
#define TRAINER_MAX_ROLLBACKS 10

/* A table problem's data after the split and scaling (the report's view). */
typedef struct trainer_data {
    size_t n, d, n_train, n_test;
    double *x_test, *y_test;   /* scaled, n_test x d and n_test */
    stats_scaler sx, sy;
    size_t dropped;            /* rows skipped as bad */
} trainer_data;

typedef struct trainer trainer;

trainer *trainer_alloc(const problem *p, innx_err *err);
void trainer_free(trainer *t);
const problem *trainer_problem(const trainer *t);

/* One step of the current stage (forward, backward, Adam), then the
 * bookkeeping: history, schedule, early stop, checkpoint, rollback. When a
 * stage ends its answering weights are put in and the next one starts. */
trainer_state trainer_step(trainer *t);
trainer_state trainer_get_state(const trainer *t);
int trainer_finished(const trainer *t);        /* not RUNNING */
long trainer_steps(const trainer *t);          /* over all stages */
size_t trainer_stage(const trainer *t);        /* index into problem's stages */
long trainer_stage_steps(const trainer *t);    /* within the current stage */
/* End the current stage now (as if its steps were done). */
void trainer_next_stage(trainer *t);
/* After the end: train the last stage on for `steps` more from the current
 * weights (early stop and plateau counters start afresh). */
void trainer_train_on(trainer *t, long steps);

double trainer_lr(const trainer *t);           /* of the next step */
void trainer_scale_lr(trainer *t, double f);   /* user's factor, x2 / /2 */
void trainer_set_lambda(trainer *t, problem_term k, double v);
double trainer_lambda(const trainer *t, problem_term k);
/* Terms the current stage's graph holds (their values are meaningful). */
int trainer_term_active(const trainer *t, problem_term k);
/* ...or that it builds the first step their lambda is not 0 (gp: its
 * tangent pass costs a second pass of G, so it is not built at 0 until
 * then); what a front end offers to weigh. */
int trainer_term_available(const trainer *t, problem_term k);
/* Unweighted values and the total of the last step. */
double trainer_term(const trainer *t, problem_term k);
double trainer_loss(const trainer *t);

const trainer_history *trainer_get_history(const trainer *t);
size_t trainer_n_rollbacks(const trainer *t);
const trainer_rollback *trainer_rollback_at(const trainer *t, size_t i);
long trainer_answer_step(const trainer *t);    /* step of the answering checkpoint, 0 = none */
/* The joint stage's last weights raised NN1's held-out loss more than 5 %
 * above its start, so the best checkpoint that did not (its first weights
 * at worst) answers. */
int trainer_joint_undone(const trainer *t);
double trainer_flops(const trainer *t);        /* of one step of the current stage */
/* The loss of the answering weights on the current batch (no update). */
double trainer_eval_loss(trainer *t);
/* Gradient check of the current stage's total loss on its current batch:
 * the largest |analytic - central difference| / max(1, |a|, |n|) over
 * every stride-th weight entry. */
double trainer_check_grad(trainer *t, size_t stride, double eps);
/* Time every node of every stage's graph (bench --profile). */
int trainer_profile(trainer *t, int on);
void trainer_profile_print(const trainer *t, FILE *f);
/* Test hook: multiply the lr by f, bypassing every schedule (forces blow-ups). */
void trainer_kick_lr(trainer *t, double f);

/* G's inputs per row (1, z_dim or 1 + z_dim: y first) and x's size. */
size_t trainer_g_in(const trainer *t);
size_t trainer_x_dim(const trainer *t);
/* Candidates G gives per input row: the mixture's M, else 1. */
size_t trainer_g_candidates(const trainer *t);
/* x = G(in) for n rows with the answering weights, in double, through the
 * output transform; table problems answer in original units. With a
 * mixture head x gets n M rows (n M x_dim values): row i M + j is
 * candidate j of input row i. */
int trainer_eval_g(trainer *t, const double *in, size_t n, double *x, innx_err *err);
/* y = F(x) for n rows in double: the formula, or NN1 (original units). */
int trainer_eval_f(trainer *t, const double *x, size_t n, double *y, innx_err *err);
int trainer_has_formula(const trainer *t);
/* x's domain box in original units (a table's: the given ranges, else
 * the data's), x_dim values each. */
void trainer_domain(const trainer *t, double *lo, double *hi);
/* f and df/dx1 for roots_scan/roots_polish (ctx = the trainer): the
 * formula in one variable, or a one-column table's NN1 in double (its
 * units; NaN where it cannot be evaluated, and for more columns). */
void trainer_roots_fn(void *ctx, const double *x, size_t n, double *f, double *df);

/* The branch model (PROBLEM_OUT_BRANCH): the piece a row (y, z) of G's
 * input picks, as a bracket for polishing; 0 when there is none (another
 * model, or y outside the piece's range). */
int trainer_bracket(const trainer *t, const double *in, double *lo, double *hi);
size_t trainer_n_pieces(const trainer *t);       /* 0 unless the branch model */
const pieces_piece *trainer_piece(const trainer *t, size_t i);

/* A vector problem's answers: `rows` samples x ~ q(x | y*) of the flow
 * (x_dim values each, the answering weights), z drawn from r. */
int trainer_sample(trainer *t, const double *ystar, size_t rows, gsl_rng *r, double *x, innx_err *err);
/* A flow's samples with z ~ N(0, tau^2 I) (tau = 1: trainer_sample's),
 * each one's log|det dz/dx| in x's units (ld) and |z|^2 (zz), either may
 * be NULL: its density under the flow drawn with any tau' is then
 * ld - zz / (2 tau'^2) - n log tau' - (n / 2) log 2 pi, up to the constant
 * of the prior's truncation (samples outside a bounded prior are drawn
 * again). G(y, z) has no density: refused. */
int trainer_sample_density(trainer *t, const double *ystar, size_t rows, double tau, gsl_rng *r, double *x,
                           double *ld, double *zz, innx_err *err);
/* The posterior on F(x) = y* from a flow's samples (a deterministic F, a
 * prior with a density): proposals x ~ q(x | y*) in rounds (the first of
 * `rows`, then as many as the effective size's rate so far says are
 * needed), weighted by prior(x) exp(-|(F(x) - y*) / (h s)|^2 / 2) /
 * q(x | y*) (s: y's scale per component; h: the 5 % quantile of the
 * first round's scaled misses), the weights truncated at their mean x
 * sqrt(proposals), until their effective size reaches rows or max_ratio x
 * rows proposals are drawn; then `rows` of them in proportion to their
 * weights (systematic resampling) into x. */
typedef struct trainer_resample_stats {
    size_t proposals;   /* drawn */
    double ess;         /* effective size of the truncated weights (0: none in the prior's support; x = the first round) */
    double h;           /* the kernel's width, in units of y's scale */
    double resim_first; /* mean ||F(x) - y*||^2 over the first round: the flow's own samples */
} trainer_resample_stats;
int trainer_resample(trainer *t, const double *ystar, size_t rows, size_t max_ratio, gsl_rng *r, double *x,
                     trainer_resample_stats *s, innx_err *err);
/* F as a formula system (vector problems; NULL otherwise): fsys_eval,
 * fsys_point_fn for projections. */
const struct fsys *trainer_system(const trainer *t);
/* The prior of x's component j: its location and scale (x is standardised
 * by them), and one draw. */
void trainer_prior_loc_scale(const problem *p, size_t j, double *loc, double *scale);
double trainer_prior_draw(const problem *p, size_t j, gsl_rng *r);
double trainer_prior_logpdf(const problem *p, size_t j, double x);   /* -inf outside its support */

/* The networks and, for table problems, the data (NULL otherwise). */
nn_model *trainer_g(trainer *t);
nn_model *trainer_nn1(trainer *t);
const trainer_data *trainer_get_data(const trainer *t);

#endif
