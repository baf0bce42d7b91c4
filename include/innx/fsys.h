/* fsys.h: formula systems: a forward map y = F(x), x in R^n, y in R^m, as
 * ordered lines `name = expr`, evaluated with its exact Jacobian or as a graph. */
#ifndef INNX_FSYS_H
#define INNX_FSYS_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "innx/error.h"
#include "innx/graph.h"

#define FSYS_MAX_X 16       /* n */
#define FSYS_MAX_Y 16       /* m */
#define FSYS_MAX_LINES 256

typedef struct fsys fsys;

/* One line `name = src`; file and line only name it in messages. */
typedef struct fsys_line {
    const char *name;
    const char *src;
    const char *file;
    int line;
} fsys_line;

/* Lines run in order, once per sample. A formula names the inputs x1..xn (x
 * when n = 1), the names of the lines before it, pi, e, the functions of
 * expr.h, and the noise calls normal(mu, sd), uniform(a, b), bernoulli(p).
 * Outputs are the lines named y1..ym (y when m = 1), in any order; every
 * other name is an intermediate. Errors read
 *   FILE:LINE: NAME: formula:1:COL: what   (then the formula and a caret)
 * or FILE:LINE: NAME: what for a line-level fault (duplicate, bad name,
 * missing output); NULL then. */
fsys *fsys_parse(const fsys_line *lines, size_t n_lines, size_t n_x, innx_err *err);
/* The one-formula shorthand f(x), n = 1 input (x), m = 1: y = src. Its
 * messages are expr_parse's own, so it stands in for that path. */
fsys *fsys_from_formula(const char *src, innx_err *err);
void fsys_free(fsys *s);

size_t fsys_n_in(const fsys *s);
size_t fsys_n_out(const fsys *s);
/* 1 if a line draws noise (a simulator): then fsys_eval needs a generator. */
int fsys_is_random(const fsys *s);

/* y (rows x m, row-major) at rows points x (rows x n) and, if J is not NULL,
 * the Jacobian dy/dx (rows x m x n, row-major: J[(r m + i) n + j] =
 * dy_i/dx_j), exact, by forward mode with n tangents. Noise draws come from
 * r in sample order (sample 0's draws in line order, then sample 1's, ...),
 * so a seed fixes them whatever rows is; a draw's derivative is 0 (the
 * Jacobian of the deterministic part, the noise held fixed). Domain faults
 * give NaN. Returns 0, INNX_EINVAL (random system, r NULL) or INNX_ENOMEM. */
int fsys_eval(const fsys *s, const double *x, size_t rows, double *y, double *J, gsl_rng *r);

/* Append F to g: x_node (rows x n) -> a rows x m node, or -1 with err
 * filled (a random system has no graph: its draws carry no gradient). */
int fsys_build_graph(const fsys *s, graph *g, int x_node, innx_err *err);

/* A project_fn (project.h) over a deterministic system: ctx is a const
 * fsys *; one point, J (m x n) may be NULL. */
int fsys_point_fn(void *ctx, const double *x, double *y, double *J);

/* The same for a simulator: each call draws afresh from r (J, if asked, is
 * the deterministic part's), so rejection over it is ABC. */
typedef struct fsys_sim {
    const fsys *s;
    gsl_rng *r;
} fsys_sim;

int fsys_sim_fn(void *ctx, const double *x, double *y, double *J);

#endif
