/* cluster.h: k-means (k-means++ seeding, Lloyd iterations, n_init restarts)
 * with the silhouette score, and PCA through gsl_eigen_symmv. Rows are
 * points, row-major n x d, any d. */
#ifndef INNX_CLUSTER_H
#define INNX_CLUSTER_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "innx/error.h"

typedef struct kmeans_conf {
    size_t k;
    size_t n_init;     /* restarts, the lowest inertia wins (sklearn: 10) */
    size_t max_iter;   /* Lloyd iterations per restart (sklearn: 300) */
    double tol;        /* stop when centres move less than tol * mean
                          per-feature variance, summed squared (sklearn 1e-4) */
} kmeans_conf;
#define KMEANS_DEFAULTS(k_) ((kmeans_conf){(k_), 10, 300, 1e-4})

typedef struct kmeans_result {
    size_t k, d;
    double *centres;   /* k x d */
    size_t *labels;    /* n */
    size_t *counts;    /* k */
    double inertia;    /* sum of squared distances to the own centre */
    size_t iterations; /* Lloyd iterations of the winning restart */
} kmeans_result;

/* Cluster n points of dimension d. Clusters are renumbered so that their
 * first coordinates ascend (a stable order for reports and tests). n < k or
 * k = 0: INNX_EINVAL. Deterministic for a given rng state. */
int kmeans_fit(const double *x, size_t n, size_t d, const kmeans_conf *c, gsl_rng *r,
               kmeans_result *out, innx_err *err);
void kmeans_result_free(kmeans_result *res);

/* Mean silhouette coefficient of a labelling, in [-1, 1] (O(n^2 d));
 * points alone in their cluster score 0, as in sklearn. Needs 2 <= k < n
 * and labels < k; NaN otherwise (or when out of memory). */
double cluster_silhouette(const double *x, size_t n, size_t d, const size_t *labels, size_t k);

/* k chosen by the data: k-means for k = 1..kmax (k < n, 4 restarts each);
 * a k > 1 is kept only where its silhouette (over the first 2000 points)
 * beats min_silhouette and every smaller k's, so one cloud stays one
 * family. out gets the chosen fit, *silhouette its score (NaN for k = 1). */
int kmeans_choose_k(const double *x, size_t n, size_t d, size_t kmax, double min_silhouette, gsl_rng *r,
                    kmeans_result *out, double *silhouette, innx_err *err);

/* Match the k centres ca to the k centres cb (both k x d): perm[i] is
 * the cluster of b paired with cluster i of a, minimising the summed squared
 * distance between paired centres (exhaustive for k <= 8, else greedy). */
int cluster_match(const double *ca, const double *cb, size_t k, size_t d, size_t *perm,
                  innx_err *err);

typedef struct pca_result {
    size_t d, m;
    double *mean;       /* d */
    double *components; /* m x d, unit rows, by descending variance; sign
                           fixed so the largest-|.| entry is positive */
    double *variance;   /* m eigenvalues of the covariance (n - 1 divisor) */
    double *explained;  /* m fractions of the total variance */
} pca_result;

/* Principal components of n x d points (covariance via gsl_eigen_symmv),
 * keeping m <= d. n < 2: INNX_EINVAL. */
int pca_fit(const double *x, size_t n, size_t d, size_t m, pca_result *out, innx_err *err);
/* Project n x d points onto the m components: out is n x m. */
void pca_transform(const pca_result *p, const double *x, size_t n, double *out);
void pca_result_free(pca_result *p);

#endif
