/* sinc.h: the article's sinc cases as a reusable task: G: y -> x trained so
 * that sin(G(y))/(G(y)+1e-6) ~ y, then queried and polished in double. */
#ifndef INNX_SINC_H
#define INNX_SINC_H

#include <stddef.h>

#include "innx/error.h"

typedef struct sinc_conf {
    const char *model;     /* G's spec, e.g. "mlp:1-128-128-64-1/tanh" */
    size_t n;              /* batch rows */
    /* Targets: y = sin(x)/(x+1e-6) on n points x evenly over [x_lo, x_hi],
     * or, when const_target is set, n copies of y_const. */
    double x_lo, x_hi;
    int const_target;
    double y_const;
    /* Or, when y_range is set, n values of y evenly over [y_lo, y_hi]. */
    int y_range;
    double y_lo, y_hi;
    double lr;
    long steps;            /* at most this many steps */
    /* lr * lr_gamma from each milestone on (torch's MultiStepLR), the
     * milestones given as fractions of steps; lr_gamma 1 = a constant lr */
    double lr_gamma;
    double lr_milestones[2];
    double norm_weight;    /* lambda of mean G(y)^2 (minimum norm) */
    /* lambda of the box term mean(relu(lo - G) + relu(G - hi)) on the domain
     * the samples came from: zero inside, so it changes no in-domain
     * solution, but it keeps G on the branch the data live on (x > 0). */
    double box_weight, box_lo, box_hi;
    int patience;          /* early stop on the loss; 0 = off */
    /* Answers come from an exponential moving average of G's weights with
     * this decay (0 = the last weights); training itself is unchanged. */
    double ema_decay;
    /* Every `checkpoint` steps and after the last, the answering weights
     * (the average, if on) are scored by the loss and the lowest-loss ones
     * are kept to answer: a late Adam blow-up cannot spoil the answer.
     * 0 = off. */
    long checkpoint;
    unsigned long seed;
    int threads;           /* graph threads; 0 = one per online core */
} sinc_conf;

/* The recipes: case 1 (MLP, article Fig. 1) and case 2 (KAN). */
sinc_conf sinc_conf_mlp(void);
sinc_conf sinc_conf_kan(void);

typedef struct sinc_task sinc_task;

sinc_task *sinc_alloc(const sinc_conf *c, innx_err *err);
void sinc_free(sinc_task *t);
/* One full-batch step (forward, backward, Adam); returns the loss of the
 * weights before the update, which may be a blow-up that this step rolled
 * back (see sinc_rollbacks). Early stopping (if on) is tracked here. */
double sinc_step(sinc_task *t);
/* 1 once early stopping fired. sinc_finish() ends training: it puts in the
 * weights that answer (best early-stop / checkpoint, averaged if on). */
int sinc_should_stop(const sinc_task *t);
void sinc_finish(sinc_task *t);
long sinc_steps_done(const sinc_task *t);
/* The lr of the next step, and the steps from which it is multiplied by
 * lr_gamma (i = 0, 1; LONG_MAX when the lr is constant). */
double sinc_lr(const sinc_task *t);
long sinc_milestone(const sinc_task *t, int i);
/* The loss of the weights that answer now (the average, if on). */
double sinc_answer_loss(sinc_task *t);
/* Step of the checkpoint that answers (after sinc_finish; 0 = none). */
long sinc_answer_step(const sinc_task *t);
/* Blow-ups met so far: a step whose loss is over ten times the best
 * checkpoint's (or not finite) puts the checkpoint's weights back, restarts
 * Adam's moments and the average, and training goes on (at most 10). */
long sinc_rollbacks(const sinc_task *t);
/* Floating-point operations of one step (graph count). */
double sinc_flops(const sinc_task *t);
/* G(y) for n values of y. */
int sinc_query(sinc_task *t, const double *y, size_t n, double *x, innx_err *err);

/* f(x) = sin(x)/x, exact near 0. */
double sinc_f(double x);
/* Safeguarded Newton on sin(x)/x = y from x0; returns 0 and the root with
 * |f - y| <= 1e-12, or INNX_EFAIL. */
int sinc_polish(double x0, double y, double *x, double *residual);

#endif
