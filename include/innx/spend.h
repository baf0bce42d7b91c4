/* spend.h: the article's data case. A forward network F learns spend from
 * customer traits; an inverse network G learns traits from spend alone
 * (reconstruction + cycle F(G(y)) ~ y + box walls, F frozen); k-means on
 * G's traits recovers the customer segments. Also the synthetic table
 * data/spend.csv is made by spend_generate(). */
#ifndef INNX_SPEND_H
#define INNX_SPEND_H

#include <stddef.h>
#include <stdio.h>

#include "innx/error.h"

/* ---- the synthetic table ------------------------------------------------ */

#define SPEND_ROWS 6534
#define SPEND_COLS 4   /* age, education, income, spend */
extern const char *const spend_columns[SPEND_COLS];

/* n rows of (age, education, income, spend), row-major, seeded. Four latent
 * segments along a life-stage/affluence axis; spend a noisy monotone
 * function of the traits. See data/README.md for the recipe. */
int spend_generate(size_t n, unsigned long seed, double *out, innx_err *err);

/* ---- the case ------------------------------------------------------------ */

typedef struct spend_conf {
    const char *forward_model;   /* F: d -> 1, "mlp:3-64-64-1/relu" */
    const char *inverse_model;   /* G: 1 -> d, "mlp:1-64-64-3/tanh" */
    double test_frac;            /* held-out share, 0.2 */
    unsigned long seed;          /* split, weights */
    long steps_forward, steps_inverse, steps_joint;
    double lr_forward, lr_inverse, lr_joint;
    double w_recon, w_cycle, w_box;
    size_t k;                    /* segments */
    int threads;                 /* graph threads; 0 = one per online core */
} spend_conf;
spend_conf spend_conf_default(void);

typedef struct spend_task spend_task;

/* x: n x d traits and y: n targets, original units; box_lo/box_hi: the
 * traits' plausible bounds (original units, d each). Splits, fits the
 * scalers on the training part and builds F's graph. */
spend_task *spend_alloc(const spend_conf *c, const double *x, const double *y, size_t n, size_t d,
                        const double *box_lo, const double *box_hi, innx_err *err);
void spend_free(spend_task *t);
size_t spend_n_train(const spend_task *t);

/* One full-batch Adam step of F on mean (F(x) - y)^2; returns that loss. */
double spend_step_forward(spend_task *t);
/* One step of G (F frozen) on w_recon recon + w_cycle cycle + w_box box.
 * Returns the total; terms[3] (may be NULL) gets recon, cycle, box. */
double spend_step_inverse(spend_task *t, double terms[3]);
/* One step of F and G together on F's loss + G's loss, lr_joint. */
double spend_step_joint(spend_task *t, innx_err *err);
/* Floating-point operations of one forward-fit and one inverse-fit step. */
double spend_flops_forward(const spend_task *t);
double spend_flops_inverse(const spend_task *t);

/* Time every node of the forward and inverse fits (bench --profile). */
int spend_profile(spend_task *t, int on);
void spend_profile_print(const spend_task *t, FILE *f);

typedef struct spend_report {
    size_t d, k, n_test;
    double r2;              /* F on the test part */
    double inverse_rmse;    /* G(y) vs x on the test part, scaled units */
    double cycle_rmse;      /* F(G(y)) vs y on the test part, scaled units */
    /* k-means (k-means++, 10 restarts) in scaled units on the test part;
     * means reported in original units, k x d, clusters ordered by their
     * first trait; match[i] = the real segment paired with predicted i. */
    double *seg_pred, *seg_real;
    size_t *count_pred, *count_real, *match;
    double silhouette_pred, silhouette_real;
    /* The test part: predicted and real traits (original units, n_test x
     * d), their segments, and both projected on the real traits' first two
     * principal components (scaled units, n_test x 2). */
    double *x_pred, *x_real, *y;
    size_t *label_pred, *label_real;
    double *pca_pred, *pca_real;
    double pca_explained[2];
} spend_report;

int spend_evaluate(spend_task *t, spend_report *r, innx_err *err);
void spend_report_free(spend_report *r);

#endif
