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

/* ---- the report ---------------------------------------------------------- */

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

/* Scores and segments a trained table problem (the built-in spend, or any
 * CSV of that shape) on its held-out part; k and the seed are the
 * problem's. */
struct trainer;
int spend_evaluate(struct trainer *t, spend_report *r, innx_err *err);
void spend_report_free(spend_report *r);

#endif
