/* report_vector.h: the answers of a vector problem at a y*: the flow's
 * samples, each projected onto F(x) = y* and certified (a deterministic F),
 * or the posterior's statistics and a predictive check (a simulator). */
#ifndef INNX_REPORT_VECTOR_H
#define INNX_REPORT_VECTOR_H

#include <stddef.h>

#include "innx/error.h"
#include "innx/problem.h"
#include "innx/trainer.h"

#define REPORT_VECTOR_MAX_K 16
#define REPORT_VECTOR_MAX_ROOTS 64
#define REPORT_VECTOR_CERTIFY 1e-12   /* max_i |F_i(x) - y*_i| of a certified sample */

#define REPORT_VECTOR_NO_FAMILY 255

typedef struct report_vector {
    size_t n, m, samples;
    int random;                 /* a simulator: samples are a posterior, never polished */
    int learned;                /* (random too) F is NN1 fitted to a table: re-simulated through NN1, not projected */
    double ystar[PROBLEM_MAX_Y];
    double *x_raw, *x_pol;      /* samples x n; x_pol NULL for a simulator */
    double *res_raw, *res_pol;  /* each sample's max_i |F_i(x) - y*_i| (simulator: F's noise-free part... NaN) */
    unsigned char *certified;   /* per sample: its projection reached 1e-12 inside the domain */
    size_t n_certified;
    double *y_raw, *y_pol;      /* samples x m: F(x) of each raw sample (a simulator: one fresh
                                   simulation; NULL without F) and of each polished one (NULL
                                   for a simulator) */
    unsigned char *label;       /* per sample: its family 0..k-1, REPORT_VECTOR_NO_FAMILY if none */
    double resim_raw;           /* mean ||F(x) - y*||^2 over the flow's own samples (F re-simulated) */
    double resim_drawn;         /* ...over x_raw as drawn: resim_raw unless resampled */
    /* importance resampling (a flow on a deterministic F, problem.resample
     * > 0: trainer_resample): x_raw are then the proposals drawn again,
     * in proportion to prior x kernel / q; resim_raw is still over the
     * flow's own first round */
    int resampled;
    size_t proposals;           /* drawn in all (samples unless resampled) */
    double ess;                 /* the weights' effective size (samples unless resampled; 0: none
                                   near y* in the prior's support) */
    double kernel_h;            /* the kernel's width, in units of y's scale (NaN unless resampled) */
    double resim_polished;      /* ...over the polished ones (NaN for a simulator) */
    /* families: m = n, one a root (its certified samples); else k-means
     * on the answers (polished, else raw), k chosen by the silhouette
     * among 1..8 */
    size_t k;
    double centroid[REPORT_VECTOR_MAX_K][PROBLEM_MAX_X];
    size_t count[REPORT_VECTOR_MAX_K];
    size_t count_certified[REPORT_VECTOR_MAX_K];   /* ...of which certified (deterministic F) */
    double silhouette;          /* of the chosen k (NaN for k = 1) */
    /* m = n: the distinct certified roots (merged within 1e-7 (1 + |x|)) */
    size_t n_roots;
    double roots[REPORT_VECTOR_MAX_ROOTS][PROBLEM_MAX_X];
    /* per component of x: mean, sd, 5/50/95 % quantiles of the answers */
    double mean[PROBLEM_MAX_X], sd[PROBLEM_MAX_X], q05[PROBLEM_MAX_X], q50[PROBLEM_MAX_X], q95[PROBLEM_MAX_X];
    /* posterior predictive (a simulator): y simulated afresh from each
     * sample, its mean and sd per component, and how many sds y* is from
     * that mean */
    double pred_mean[PROBLEM_MAX_Y], pred_sd[PROBLEM_MAX_Y], pred_z[PROBLEM_MAX_Y];
    double seconds_sample, seconds_project;
} report_vector;

/* Samples of x for y* (m values) from t's flow, seeded: projected and
 * certified where F is deterministic, else summarised as a posterior. */
int report_vector_compute(trainer *t, const double *ystar, size_t samples, unsigned long seed, report_vector *r,
                          innx_err *err);
void report_vector_free(report_vector *r);

#endif
