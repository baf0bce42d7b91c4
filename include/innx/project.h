/* project.h: moving points onto {x : F(x) = y*} (minimum-norm Gauss-Newton /
 * Levenberg-Marquardt in double) with a certificate; multi-start and rejection references. */
#ifndef INNX_PROJECT_H
#define INNX_PROJECT_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "innx/error.h"

#define PROJECT_MAX 16      /* n and m */

/* F at one point x (n values) into y (m values) and, when J is not NULL, its
 * Jacobian (m x n, row-major: J[i n + j] = dF_i/dx_j). Returns 0, or
 * non-zero when F is undefined there (outside its domain, non-finite).
 * One point, so it serves a formula system (fsys_point_fn), and a learned
 * network alike. */
typedef int (*project_fn)(void *ctx, const double *x, double *y, double *J);

typedef struct project_opts {
    double tol;         /* certified when max_i |F_i(x) - y*_i| <= tol (1e-12) */
    int max_iter;       /* Gauss-Newton / LM iterations (100) */
} project_opts;

#define PROJECT_DEFAULTS ((project_opts){1e-12, 100})

typedef struct project_result {
    int certified;      /* residual <= tol at the returned x, x in the box */
    double residual;    /* max_i |F_i(x) - y*_i| (inf where F failed) */
    int iterations;
} project_result;

/* Move x (n values, in/out) onto F(x) = y* (m <= n) inside [lo, hi] (either
 * may be NULL: unbounded) by x <- x - J^T (J J^T + mu I)^-1 (F(x) - y*):
 * mu = 0 (minimum-norm Gauss-Newton: the nearest point of the surface to
 * first order) while steps reduce ||F - y*||, raised as Levenberg-Marquardt
 * when they do not or J J^T is near singular. Coordinates at a bound that a
 * step would push out are held there. Returns 0 certified, INNX_EFAIL not
 * (x is then the best point found: the caller decides, nothing is
 * dropped), INNX_EINVAL for bad sizes. res may be NULL. */
int project_point(project_fn f, void *ctx, size_t n, size_t m, const double *ystar,
                  const double *lo, const double *hi, double *x, const project_opts *o,
                  project_result *res, innx_err *err);

/* Where starting points and reference samples come from: draw(ctx, n, r,
 * x) when given (a problem's own prior, component by component: reference.c),
 * else N(mu, diag sd^2) when mu and sd are given (redrawn into [lo, hi] if
 * a box is given too), else uniform on the box [lo, hi]. The box, when
 * given, is also where multistart projects. */
typedef int (*project_draw_fn)(void *ctx, size_t n, gsl_rng *r, double *x);

typedef struct project_prior {
    const double *lo, *hi;
    const double *mu, *sd;
    project_draw_fn draw;
    void *ctx;
} project_prior;

int project_prior_draw(const project_prior *p, size_t n, gsl_rng *r, double *x);

typedef struct project_stats {
    size_t tried;       /* starts (or draws) */
    size_t certified;   /* projections certified */
    size_t failed;      /* not certified: counted, never silently lost */
    size_t found;       /* m = n: distinct roots; m < n: certified points */
    size_t stored;      /* of which written to out (at most cap) */
} project_stats;

/* The classical reference: K starts from the prior, each projected inside
 * the prior's box. m = n: the distinct certified roots (two are one root
 * when every coordinate agrees within rtol (1 + |x|)); m < n: the certified
 * projected points, in start order. out holds cap x n. */
int project_multistart(project_fn f, void *ctx, size_t n, size_t m, const double *ystar,
                       const project_prior *prior, size_t K, double rtol, gsl_rng *r,
                       const project_opts *o, double *out, size_t cap, project_stats *st,
                       innx_err *err);

/* Posterior reference by rejection: draws from the prior, keeps those with
 * ||F(x) - y*||_2 < eps until cap are kept or max_draws are drawn
 * (st->tried draws, st->found = st->stored kept). */
int project_rejection(project_fn f, void *ctx, size_t n, size_t m, const double *ystar,
                      const project_prior *prior, double eps, size_t max_draws, gsl_rng *r,
                      double *out, size_t cap, project_stats *st, innx_err *err);

#endif
