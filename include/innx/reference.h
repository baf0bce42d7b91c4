/* reference.h: the classical references of a vector problem at a y*, to
 * measure a flow against: multi-start Levenberg-Marquardt from prior draws
 * (m = n: the distinct certified roots; m < n: projected points and their
 * families), and rejection sampling from the prior (the posterior). */
#ifndef INNX_REFERENCE_H
#define INNX_REFERENCE_H

#include <stddef.h>

#include "innx/error.h"
#include "innx/problem.h"

#define REFERENCE_CERTIFY 1e-12     /* max_i |F_i(x) - y*_i| of a certified point */
#define REFERENCE_SAME 1e-7         /* two roots are one within 1e-7 (1 + |x|) per coordinate */
#define REFERENCE_MAX_ROOTS 4096
#define REFERENCE_MAX_K 8

typedef struct reference_opts {
    size_t starts;           /* multistart: prior draws, each projected (default 1000) */
    int reject;              /* rejection sampling (else multistart) */
    double eps;              /* rejection: keep ||F(x) - y*||_2 < eps (> 0) */
    size_t samples;          /* rejection: draws to keep (default 1000) */
    size_t max_draws;        /* rejection: give up after this many (0: 10^9) */
    unsigned long seed;
} reference_opts;

typedef struct reference {
    size_t n, m;
    int random;              /* a simulator: rejection only, nothing projected */
    int rejection;
    double ystar[PROBLEM_MAX_Y];
    double eps;
    size_t tried;            /* starts, or prior draws */
    size_t kept;             /* rejection: draws within eps (= rows) */
    double max_distance;     /* rejection: the largest ||F(x) - y*|| of a kept draw, before projection */
    size_t failed;           /* projections that could not be certified (kept in x, flagged) */
    size_t n_certified;
    size_t rows;             /* rows of x: roots (m = n), certified points (m < n) or kept draws */
    double *x;               /* rows x n: the answers (projected where F is deterministic) */
    double *residual;        /* rows: max_i |F_i(x) - y*_i| at x (NaN for a simulator) */
    unsigned char *certified;/* rows: residual <= 1e-12 inside the domain (0 for a simulator) */
    size_t found;            /* multistart m = n: distinct roots found (may exceed rows at the cap) */
    /* families of the answers (m < n, or a posterior): k chosen by the
     * silhouette among 1..REFERENCE_MAX_K; m = n: one per root, not filled */
    size_t k;
    double centroid[REFERENCE_MAX_K][PROBLEM_MAX_X];
    size_t count[REFERENCE_MAX_K];
    double silhouette;
    double mean[PROBLEM_MAX_X], sd[PROBLEM_MAX_X];
    double seconds;
} reference;

/* The reference of problem p (its [forward] system, prior and domain) at
 * ystar (m values), seeded by o->seed. INNX_EINVAL with a message naming
 * what (no system, a simulator without eps, eps <= 0 or not finite, a bad
 * count), INNX_ENOMEM. */
int reference_compute(const problem *p, const double *ystar, const reference_opts *o, reference *r, innx_err *err);
void reference_free(reference *r);

#endif
