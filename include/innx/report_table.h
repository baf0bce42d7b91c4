/* report_table.h: the report of a table problem (the article's data case,
 * on any table): F's fit, G's traits from y alone, their segments, PCA. */
#ifndef INNX_REPORT_TABLE_H
#define INNX_REPORT_TABLE_H

#include <stddef.h>

#include "innx/error.h"

typedef struct report_table {
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
} report_table;

/* Scores and segments any trained table problem (the built-in table or a
 * CSV) on its held-out part; k and the seed are the problem's. */
struct trainer;
int report_table_evaluate(struct trainer *t, report_table *r, innx_err *err);
void report_table_free(report_table *r);


#endif
