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
 * message "formula:1:COL: what" followed by the formula and a caret line.
 * The noise calls normal(mu,sd) uniform(a,b) bernoulli(p) and the names
 * x10..x16 and of earlier lines belong to systems (expr_parse_syms). */
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

/* ---- formulas inside a system (fsys.c) ----------------------------------
 * A system's lines share "slots" per sample: slot s < n_x is x(s+1), slot
 * n_x + k is the k-th line's name. A line's formula may name the inputs and
 * the lines before it; the parser is told them here. */
#define EXPR_MAX_X 16

typedef struct expr_syms {
    size_t n_x;                 /* inputs x1..x(n_x); plain x too when n_x == 1 */
    const char *const *names;   /* every line's name, in order (slots n_x + k) */
    size_t n_names;
    size_t self;                /* this line's index: names before it are visible */
    int allow_random;           /* normal(mu, sd), uniform(a, b), bernoulli(p) */
} expr_syms;

/* As expr_parse, with the names of syms. Such an expr is evaluated by
 * expr_eval_frame; expr_eval and expr_eval_array take it only when it reads
 * no slot but x1 (else NaN). */
expr *expr_parse_syms(const char *src, const expr_syms *syms, innx_err *err);

/* Random draws one evaluation of a point takes (one per noise call). Each is
 * a standard variate drawn by the caller: N(0, 1) for normal(), U[0, 1) for
 * uniform() and bernoulli(); expr_draw_is_normal says which. */
size_t expr_n_draws(const expr *e);
int expr_draw_is_normal(const expr *e, size_t k);
/* Operand arrays the tape needs (see expr_frame.stack). */
size_t expr_stack_depth(const expr *e);
/* Is slot s read by the formula? (A graph builder makes only those.) */
int expr_uses_slot(const expr *e, size_t s);

/* One chunk of m points, structure of arrays: each array holds stride
 * doubles (>= m), a quantity is 1 + n_tan arrays (the value, then its
 * derivative along each of n_tan tangent directions: forward mode). */
typedef struct expr_frame {
    size_t m, stride, n_tan;
    const double *slots;        /* slot s at slots + s (1 + n_tan) stride */
    const double *draws;        /* draw k of point i at draws[k stride + i] */
    double *stack;              /* (expr_stack_depth (1 + n_tan) + 2) stride */
} expr_frame;

/* Value and n_tan tangents of the formula over the chunk into out (1 + n_tan
 * arrays of stride). Noise calls have derivative 0: a draw is not a smooth
 * function of its parameters' tangents here (see fsys.h). */
void expr_eval_frame(const expr *e, const expr_frame *f, double *out);

/* expr_build_graph over slots: slot_node[s] is a rows x 1 node, or -1 for an
 * input slot s < n_x, then sliced from x_node on first use. Refuses (-1) a
 * formula with noise calls. */
int expr_build_graph_slots(const expr *e, graph *g, int x_node, int *slot_node);

#endif
