/* stats.h: the small statistics the data cases need: a seeded train/test
 * split, StandardScaler (population std), R^2 and RMSE. */
#ifndef INNX_STATS_H
#define INNX_STATS_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "innx/error.h"

/* A random permutation of 0..n-1 split into the first n_train = n -
 * round(test_frac n) (train) and the rest (test). idx is malloc'd, n long. */
int stats_split(size_t n, double test_frac, gsl_rng *r, size_t **idx, size_t *n_train,
                innx_err *err);

/* Column means and population standard deviations (divisor n), as
 * sklearn's StandardScaler; a column with std 0 gets scale 1. */
typedef struct stats_scaler {
    size_t d;
    double *mean, *scale;
} stats_scaler;
int stats_scaler_fit(stats_scaler *s, const double *x, size_t n, size_t d, innx_err *err);
void stats_scaler_free(stats_scaler *s);
/* In place: x <- (x - mean) / scale, and back. x is n x d. */
void stats_scaler_transform(const stats_scaler *s, double *x, size_t n);
void stats_scaler_inverse(const stats_scaler *s, double *x, size_t n);

/* 1 - SS_res / SS_tot over n values (SS_tot about the mean of y). */
double stats_r2(const double *y, const double *pred, size_t n);
/* sqrt(mean (a - b)^2) over n values. */
/* A plot's range of n values: their 2nd..98th percentiles (a pole does not
 * flatten the rest), widened to hold `keep` (a target line always in view);
 * both keep when no value is finite, or on out of memory. */
void stats_view_range(const double *v, size_t n, double keep, double *lo, double *hi);
double stats_rmse(const double *a, const double *b, size_t n);

#endif
