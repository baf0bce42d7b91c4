/* expr.h: the formula language: parse f(x) once, then evaluate it in double
 * with its derivative (for scanning and polishing) or build it into a graph. */
#ifndef INNX_EXPR_H
#define INNX_EXPR_H

#include <stddef.h>

#include "innx/error.h"
#include "innx/graph.h"

#define EXPR_MAX_LEN 4096
#define EXPR_MAX_DEPTH 256

typedef struct expr expr;

/* Grammar: numbers, x (and x1..x9), pi, e, + - * / ^ (right-associative),
 * unary minus, parentheses, sin cos tan asin acos atan sinh cosh tanh exp
 * log log10 sqrt abs pow(a,b) min(a,b) max(a,b). On error, NULL and a
 * message "formula:1:COL: what" followed by the formula and a caret line. */
expr *expr_parse(const char *src, innx_err *err);
void expr_free(expr *e);
/* Number of input variables used (x = x1); 0 for a constant formula. */
size_t expr_n_vars(const expr *e);

/* f at one point x (x[0] = x1, ...) and, if df is non-NULL, df/dx1. Domain
 * faults (log of a negative, 0/0) give NaN. */
double expr_eval(const expr *e, const double *x, double *df);
/* f and df/dx over n values of x1 (the other variables 0); df may be NULL. */
void expr_eval_array(const expr *e, const double *x, size_t n, double *f, double *df);

/* Append the formula to g: x_node's columns are x1, x2, ...; returns the
 * output node (rows of x_node, one column) or -1 (graph error kept). */
int expr_build_graph(const expr *e, graph *g, int x_node);

#endif
