/* flow.h: a conditional invertible network (cINN) over x in R^n given c in R^m:
 * GLOW-style affine coupling blocks with fixed permutations, trained by NLL. */
#ifndef INNX_FLOW_H
#define INNX_FLOW_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

#include "innx/error.h"
#include "innx/graph.h"
#include "innx/optim.h"

/* Limits: 2 <= n <= FLOW_MAX_N (a coupling needs two halves), m <= FLOW_MAX_M. */
#define FLOW_MAX_N 16
#define FLOW_MAX_M 16
#define FLOW_MAX_BLOCKS 64
#define FLOW_MAX_THREADS 64

/* A block, as FrEIA's GLOW coupling and ../shared/bench/torch_cinn.py build it:
 * x1 = the first floor(n/2) columns, x2 the rest;
 *   [s1, t1] = subnet1([x2, c]);  y1 = x1 exp(s1) + t1
 *   [s2, t2] = subnet2([y1, c]);  y2 = x2 exp(s2) + t2
 * s = 2 * 0.636 * atan(s_raw / 2) (FrEIA's soft clamp), then a fixed random
 * permutation of the n columns. Subnets are Linear-ReLU-Linear-ReLU-Linear with
 * PyTorch's default init, the last layer zero, so the flow starts as the
 * identity. log|det dz/dx| = sum of every s. */
typedef struct flow flow;

/* m = 0 is an unconditional flow (c is then -1 / NULL everywhere). The
 * permutations come from a seed drawn from r first, then the weights. */
flow *flow_alloc(size_t n, size_t m, size_t blocks, size_t hidden, gsl_rng *r, innx_err *err);
void flow_free(flow *f);

/* "flow:BLOCKS-HIDDEN", e.g. "flow:6-128". */
int flow_spec_parse(const char *s, size_t *blocks, size_t *hidden, innx_err *err);

size_t flow_n(const flow *f);
size_t flow_m(const flow *f);
size_t flow_blocks(const flow *f);
size_t flow_hidden(const flow *f);
/* Threads of flow_forward and flow_inverse (default 1): rows split into
 * parts of whole chunks, the same numbers whatever the count. */
void flow_set_threads(flow *f, int n);

/* Append the flow to g on x (rows x n) and c (rows x m, or -1 when m = 0):
 * returns z (rows x n), *logdet = log|det dz/dx| (rows x 1). The flow must
 * outlive g (the graph's gathers read its index tables). -1 on a failed
 * input or shape (the graph keeps the message). */
int flow_build(flow *f, graph *g, int x, int c, int *logdet);
/* mean over rows of 0.5 ||z||^2 - log|det dz/dx| (1 x 1): the negative log
 * likelihood under a standard normal z, its constant n/2 log 2 pi dropped. */
int flow_build_nll(flow *f, graph *g, int x, int c);

/* In double throughout (the float weights promoted), rows at a time:
 * z = f(x; c) and logdet (either may be NULL), and the exact inverse
 * x = f^-1(z; c) for sampling, with log|det dz/dx| at that x (NULL: not
 * wanted), so log q(x | c) = log N(z; 0, I) + logdet without a second pass.
 * x, z are rows x n, c rows x m, row-major. */
int flow_forward(flow *f, const double *x, const double *c, size_t rows, double *z, double *logdet,
                 innx_err *err);
int flow_inverse(flow *f, const double *z, const double *c, size_t rows, double *x, double *logdet,
                 innx_err *err);

/* The (value, gradient) pairs, for an optimiser and a checkpoint: for each
 * block, subnet 1 then 2, layers in order, W (in x out) then b (1 x out). */
const optim_params *flow_params(flow *f);
size_t flow_n_weights(const flow *f);   /* scalar parameter count */
/* The permutations derive from this seed alone: a checkpoint stores it with
 * the parameters; setting it regenerates them (before building graphs). */
unsigned long flow_perm_seed(const flow *f);
void flow_set_perm_seed(flow *f, unsigned long seed);
/* Block b's permutation: new column j is old column perm[j] (n entries). */
const size_t *flow_perm(const flow *f, size_t b);

/* The graph ops a flow is made of (exported for their gradient checks).
 * The flow's state is a rows x (n + 1) node: the n columns, then the running
 * log-det, so a coupling is one node each way. */
/* v = u with columns [off, off + d) -> u exp(s) + t and column n += sum s,
 * where a = [s_raw | t] (rows x 2d) and s = 1.272 atan(s_raw / 2). */
int flow_op_coupling(graph *g, int u, int a, size_t off, size_t d);
/* [a[:, idx[0..k)] | b], b optional (-1); idx must outlive the graph. */
int flow_op_gather(graph *g, int a, const size_t *idx, size_t k, int b);
/* mean over rows of 0.5 ||z||^2 - ld (z rows x n, ld rows x 1), 1 x 1. */
int flow_op_nll(graph *g, int z, int ld);

#endif
