/* report.h: what a trained inverse says, in double: the latent map (z or y
 * -> x -> f), its errors, k-means clusters with confidence intervals, and
 * root queries (candidates from G, polished, merged, certified). */
#ifndef INNX_REPORT_H
#define INNX_REPORT_H

#include <stddef.h>

#include "innx/error.h"
#include "innx/trainer.h"

#define REPORT_MAP_N 300
#define REPORT_MAX_K 16
#define REPORT_MAX_ROOTS 64
#define REPORT_CERTIFY 1e-12     /* |f - y| of a reported root */

typedef struct report_root {
    double x, residual, residual_raw;   /* after and before polishing */
    double x_raw;                       /* G's candidate it was polished from */
    int bracketed;                      /* a sign change brackets it */
} report_root;

typedef struct report_cluster {
    size_t count;
    double centroid, mean_abs_f, ci_lo, ci_hi;   /* 95% Student t on |f| */
    int polished;                                /* root holds a certified root */
    report_root root;                            /* the best member, polished */
} report_cluster;

/* G over REPORT_MAP_N evenly spaced codes (z in [0, 1], or y over F's range
 * when G reads y alone; y fixed at y_star when G reads both). */
typedef struct report_latent {
    size_t n;
    double u[REPORT_MAP_N], x[REPORT_MAP_N], f[REPORT_MAP_N];  /* f = F(x) - y */
    size_t label[REPORT_MAP_N];
    double y;
    double mae, rmse;                /* of f - y over the map */
    size_t k;
    report_cluster c[REPORT_MAX_K];  /* ordered by centroid */
    size_t n_top;
    double top_res[5], top_x[5];     /* the five smallest |f - y| */
} report_latent;

/* Needs a formula in one variable (x_dim 1). k clusters (1..REPORT_MAX_K,
 * fewer when the map has fewer distinct points). */
int report_latent_compute(trainer *t, double y, size_t k, report_latent *r, innx_err *err);

typedef struct report_query {
    double y;
    size_t n_roots;                  /* distinct certified roots, sorted */
    report_root roots[REPORT_MAX_ROOTS];
    size_t n_candidates, n_failed;   /* G's candidates, those that did not polish */
    /* Why: the failed ones that lie, or polish to a root, outside the
     * domain (a root of f, not of the problem), and the first of them:
     * G's answer and its root (NaN when polishing found none). */
    size_t n_outside;
    double outside_raw, outside_x;
    size_t n_ref;                    /* the classical scan's roots */
    double ref[REPORT_MAX_ROOTS];
} report_query;

/* Every root of F(x) = y on the domain that K candidates of G lead to,
 * with the classical scan's beside them. */
int report_query_roots(trainer *t, double y, size_t K, report_query *q, innx_err *err);
/* The same without the scan (n_ref = 0): what a query costs. */
int report_query_candidates(trainer *t, double y, size_t K, report_query *q, innx_err *err);
/* The classical scan's roots of F(x) = y on the domain (at most
 * REPORT_MAX_ROOTS, sorted): the reference G is judged against. */
int report_reference(trainer *t, double y, double *ref, size_t *n, innx_err *err);

/* A table problem (F = NN1, any number of traits): G's answer for y, then
 * Newton on NN1 in double (an MLP's double pass) to the nearest point of
 * NN1(x) = y; certified when |NN1(x) - y| <= 1e-12 max(1, |y|). The
 * point is on the learned map, not on the data's truth. */
typedef struct report_point {
    double y;
    size_t d;
    double x_raw[PROBLEM_MAX_X], x[PROBLEM_MAX_X];   /* G's answer, polished (original units) */
    double residual_raw, residual;                   /* |NN1(x) - y| */
    int certified, steps;
} report_point;
int report_query_nn1(trainer *t, double y, report_point *r, innx_err *err);
/* A table with one x column: every x with NN1(x) = y in the domain box, by
 * the classical scan on NN1 in double (not G), each polished to the same
 * 1e-12 max(1, |y|); into q->roots (sorted; residual_raw NaN), with the
 * scan's count, past REPORT_MAX_ROOTS too, in q->n_ref. */
int report_roots_nn1(trainer *t, double y, report_query *q, innx_err *err);

#endif
