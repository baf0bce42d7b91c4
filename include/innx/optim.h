/* optim.h: Adam, ReduceLROnPlateau and early stopping with PyTorch's semantics.
 * They act on a param set: the (value, gradient) pairs a model exposes. */
#ifndef INNX_OPTIM_H
#define INNX_OPTIM_H

#include <stddef.h>
#include <gsl/gsl_matrix_float.h>

#include "innx/error.h"

typedef struct optim_params {
    size_t n;
    gsl_matrix_float **val;
    gsl_matrix_float **grad;   /* grad[i] may be NULL: frozen, skipped */
} optim_params;

/* Adam (torch.optim.Adam): bias-corrected moments, L2 weight decay added to
 * the gradient as PyTorch does (not AdamW). Defaults 0.9 / 0.999 / 1e-8. */
typedef struct optim_adam_conf {
    double lr, beta1, beta2, eps, weight_decay;
} optim_adam_conf;

#define OPTIM_ADAM_DEFAULTS(lr_) ((optim_adam_conf){(lr_), 0.9, 0.999, 1e-8, 0.0})

typedef struct optim_adam optim_adam;

optim_adam *optim_adam_alloc(const optim_params *p, optim_adam_conf conf);
void optim_adam_free(optim_adam *a);
void optim_adam_step(optim_adam *a);       /* one update from the current grads */
void optim_adam_reset(optim_adam *a);      /* zero moments and step count */
double optim_adam_lr(const optim_adam *a);
void optim_adam_set_lr(optim_adam *a, double lr);
size_t optim_adam_steps(const optim_adam *a);
/* For checkpoints: tensor i's first (second = 0) or second moments, NULL
 * for a frozen tensor or past the end; and setting the step count. */
gsl_matrix_float *optim_adam_moment(optim_adam *a, size_t i, int second);
void optim_adam_set_steps(optim_adam *a, size_t t);
/* The same tensors (shapes, order) through new (value, gradient) arrays:
 * a rebuilt graph's parameter set; the moments stay. */
void optim_adam_rebind(optim_adam *a, const optim_params *p);

/* ReduceLROnPlateau(mode='min', threshold_mode='rel'): after more than
 * `patience` steps without the metric dropping below best * (1 - threshold),
 * lr <- max(lr * factor, min_lr) and a cooldown starts. */
typedef struct optim_plateau {
    double factor, threshold, min_lr, eps;
    int patience, cooldown;
    double best;
    int num_bad, cooldown_left;
} optim_plateau;

void optim_plateau_init(optim_plateau *s, double factor, int patience);
/* Feed one metric; returns the lr to use next (changes a's lr in place). */
double optim_plateau_step(optim_plateau *s, optim_adam *a, double metric);

/* MultiStepLR: the lr for optimiser step `step` (from 0) is
 * base * gamma^(number of milestones <= step), as torch's MultiStepLR stepped
 * once per optimiser step. Milestones ascending. */
double optim_multistep_lr(double base, double gamma, const long *milestones, size_t n, long step);

/* Early stopping: counts steps without improvement (metric < best, strict);
 * keeps a copy of the parameters at the best metric for restore. */
typedef struct optim_early {
    int patience, wait;
    double best;
    size_t best_step, step;
    optim_params snap;          /* owned copies of the values */
} optim_early;

int optim_early_init(optim_early *s, const optim_params *p, int patience);
void optim_early_free(optim_early *s);
/* Returns 1 when training should stop. Snapshots p when metric improves. */
int optim_early_step(optim_early *s, const optim_params *p, double metric);
void optim_early_restore(const optim_early *s, const optim_params *p);
/* Count afresh (a new objective): the next metric is the best; the kept
 * copy stays until it is replaced. */
void optim_early_reset(optim_early *s);

/* Exponential moving average of the weights (Polyak averaging):
 * avg <- decay avg + (1 - decay) p after each step. Adam at a fixed rate
 * leaves the weights rattling around the optimum; their average sits
 * nearer to it, so answers are read from it, training is unchanged. */
typedef struct optim_ema {
    double decay;
    size_t updates;
    optim_params avg;           /* owned copies */
} optim_ema;

int optim_ema_init(optim_ema *s, const optim_params *p, double decay);
void optim_ema_free(optim_ema *s);
void optim_ema_update(optim_ema *s, const optim_params *p);
/* Start afresh: the next update sets the average to the weights. */
void optim_ema_restart(optim_ema *s);
/* Exchange the live weights and the averages (call twice to undo). */
void optim_ema_swap(optim_ema *s, const optim_params *p);

#endif
