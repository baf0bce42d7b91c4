/* graph.h: a static reverse-mode autodiff graph over gsl_matrix_float.
 * Build once per shape, compile, then forward()/backward() every step with no allocation. */
#ifndef INNX_GRAPH_H
#define INNX_GRAPH_H

#include <stddef.h>
#include <stdio.h>
#include <gsl/gsl_matrix_float.h>

#include "innx/error.h"

/* Tensors are rows = batch, columns = features. A node is named by its index
 * (>= 0). Builders return the new node's index, or -1 when an input is -1 or
 * the shapes do not fit; the first such error is kept and graph_compile()
 * reports it, so a model can be built without checking every call. */
typedef struct graph graph;

/* Activations a fused dense layer (and nn specs) can use. */
typedef enum {
    GRAPH_ACT_IDENTITY = 0,
    GRAPH_ACT_TANH,
    GRAPH_ACT_RELU,
    GRAPH_ACT_SOFTPLUS,
    GRAPH_ACT_SIGMOID,
    GRAPH_ACT_SILU
} graph_act;

graph *graph_alloc(void);
void graph_free(graph *g);

/* Leaves. */
int graph_feed(graph *g, size_t rows, size_t cols);              /* caller fills graph_value() */
int graph_const(graph *g, size_t rows, size_t cols, float v);    /* every entry v */
/* A parameter whose storage the caller owns (so several graphs can share a
 * model). grad may be NULL: the parameter is then frozen (no gradient). */
int graph_param(graph *g, gsl_matrix_float *val, gsl_matrix_float *grad);

/* Binary element-wise ops broadcast numpy-style in 2-D: each operand's rows
 * is 1 or R and its columns 1 or C, where R x C is the result. */
int graph_add(graph *g, int a, int b);
int graph_sub(graph *g, int a, int b);
int graph_mul(graph *g, int a, int b);
int graph_div(graph *g, int a, int b);
int graph_min(graph *g, int a, int b);
int graph_max(graph *g, int a, int b);

/* Linear algebra. */
int graph_matmul(graph *g, int a, int w);            /* (n x k)(k x m) */
int graph_add_bias(graph *g, int a, int bias);       /* bias is 1 x m */
int graph_dense(graph *g, int x, int w, int b, graph_act act); /* act(x W + b), fused */

/* Unary ops. */
int graph_neg(graph *g, int a);
int graph_scale(graph *g, int a, float c);           /* c a */
int graph_offset(graph *g, int a, float c);          /* a + c */
int graph_square(graph *g, int a);
int graph_pow(graph *g, int a, float p);             /* a^p, p constant */
int graph_act_op(graph *g, int a, graph_act act);    /* tanh relu softplus sigmoid silu */
int graph_tanh(graph *g, int a);
int graph_relu(graph *g, int a);
int graph_softplus(graph *g, int a);
int graph_sigmoid(graph *g, int a);
int graph_silu(graph *g, int a);
/* act'(a), the derivative of an activation at its input, differentiable
 * once more (tangent passes for gradient penalties). */
int graph_act_deriv(graph *g, int a, graph_act act);
int graph_sin(graph *g, int a);
int graph_cos(graph *g, int a);
int graph_tan(graph *g, int a);
int graph_asin(graph *g, int a);
int graph_acos(graph *g, int a);
int graph_atan(graph *g, int a);
int graph_sinh(graph *g, int a);
int graph_cosh(graph *g, int a);
int graph_exp(graph *g, int a);
int graph_log(graph *g, int a);
int graph_sqrt(graph *g, int a);
int graph_abs(graph *g, int a);

/* Reductions to 1 x 1. */
int graph_sum(graph *g, int a);
int graph_mean(graph *g, int a);

/* Columns. */
/* Fused losses to a 1 x 1 scalar (graph_loss.c). Bounds of box are 1 x 1
 * or 1 x cols feeds, constants or parameters; they get no gradient. */
int graph_mse(graph *g, int a, int b);                /* mean((a - b)^2), same shapes */
int graph_box(graph *g, int x, int lo, int hi);       /* mean(relu(lo-x)^2 + relu(x-hi)^2) */

int graph_concat(graph *g, int a, int b);            /* [a | b], same rows */
int graph_slice(graph *g, int a, size_t col0, size_t ncols);
int graph_rows(graph *g, int a, size_t row0, size_t nrows); /* rows [row0, row0 + nrows) of a */
int graph_vstack(graph *g, int a, int b);            /* [a; b], same columns */
/* Rows. */
int graph_logsoftmax(graph *g, int a);               /* x - log sum_j e^(x_j), each row */

/* Allocate every value and gradient reachable from the outputs and fix the
 * order. `loss` must be 1 x 1 for backward(); it may be -1 for a forward-only
 * graph. Nodes outside `loss`'s cone that the caller wants evaluated are kept
 * with graph_keep() before compiling. */
void graph_keep(graph *g, int node);
/* Threads the graph's large products use (its own pool, rows split evenly;
 * a given count always gives the same bits). Call before compiling. */
int graph_set_threads(graph *g, int n);
/* Shards: a loss that is a sum over rows can be built as up to
 * GRAPH_MAX_SHARDS copies of the same part, each on its own rows (graph_rows
 * of a shared feed), with the shared nodes after them adding their outputs.
 * Every node added after graph_shard_begin belongs to the shard it opened,
 * until the next graph_shard_begin or graph_shard_end. A shard's nodes read
 * only their own shard's and the shared nodes built before the first shard,
 * and those shared nodes take no gradient from them. The shards run whole,
 * one per thread of the graph's pool, with one hand-off per pass instead of
 * one per product; a parameter's gradient is the sum of the shards' own,
 * added in shard order, so the bits do not depend on the thread count. */
#define GRAPH_MAX_SHARDS 16
int graph_shard_begin(graph *g);
int graph_shard_end(graph *g);
/* Feeds get no gradient unless asked (training never needs d loss / d y;
 * gradient checks and gradient penalties do). Call before compiling. */
void graph_requires_grad(graph *g, int node);
int graph_compile(graph *g, int loss, innx_err *err);

void graph_forward(graph *g);
/* Zero every gradient in the graph (including borrowed parameter gradients),
 * seed d loss = 1 and propagate. Gradients accumulate when a parameter is
 * used more than once. */
void graph_backward(graph *g);

gsl_matrix_float *graph_value(graph *g, int node);
gsl_matrix_float *graph_grad(graph *g, int node);    /* NULL if none */
double graph_scalar(graph *g, int node);             /* value(0,0) */
size_t graph_n_nodes(const graph *g);
/* A node's shape, known from the moment it is built. */
int graph_shape(const graph *g, int node, size_t *rows, size_t *cols);
/* Floating-point operations of one forward + backward pass, as counted by
 * each op (matrix products dominate). */
double graph_flops(const graph *g);

/* The BLAS kernels in use ("SkylakeX", "Haswell", "Prescott", ... or
 * "gslcblas"), and a one-line hint when OpenBLAS fell back to its generic
 * kernels on a CPU that has better ones (NULL otherwise). */
const char *graph_blas_core(void);
/* BLAS runs in its caller's thread: the graph (and the flow's double
 * passes) split their own work, and BLAS threads inside would contend. */
void graph_blas_serial(void);
const char *graph_blas_hint(void);

/* Profiling for speed work: with on, forward/backward add each node's
 * time; graph_profile_print lists the nodes over 0.5 % of the total. Call
 * after compiling (re-enabling resets the counts). */
int graph_profile(graph *g, int on);
void graph_profile_print(const graph *g, FILE *f, const char *title);

/* Finite-difference check of d loss / d node for every entry of each `wrt`
 * node (feeds or parameters), central differences with step eps, the loss
 * re-evaluated by forward(). Returns the largest error, scaled as
 * |a - n| / max(1, |a|, |n|), over all entries. The graph must be compiled. */
double graph_check_grad(graph *g, const int *wrt, size_t n_wrt, double eps);

#endif
