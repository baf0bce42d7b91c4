/* graph_impl.h: the node record and op table shared by graph.c and the files
 * that add ops of their own (kan.c). Not installed; front ends never see it. */
#ifndef INNX_GRAPH_IMPL_H
#define INNX_GRAPH_IMPL_H

#include "innx/graph.h"

#define GRAPH_MAX_IN 4

typedef struct graph_node {
    int op;                       /* index into graph_ops[] */
    int in[GRAPH_MAX_IN];         /* inputs, -1 when unused */
    size_t rows, cols;
    gsl_matrix_float *val;        /* owned unless the node is a param */
    gsl_matrix_float *grad;       /* NULL when no gradient flows here */
    int borrowed;                 /* val/grad belong to the caller */
    int needed, wants_grad;       /* set by compile */
    int grad_requested;           /* a feed that wants d loss / d feed */
    int grad_assign;              /* sole consumer is a product that assigns */
    float c[4];                   /* op constants (scale, exponent, ...) */
    size_t ia[4];                 /* op integers (slice offset, grid size, ...) */
    gsl_matrix_float *work;       /* op scratch sized at compile, or NULL */
    void *aux;                    /* op data owned elsewhere (a kan_layer) */
    int shard;                    /* graph_shard_begin's count, -1 for a shared node */
    gsl_matrix_float *sum_into;   /* a shard's param: the caller's gradient its own adds into */
} graph_node;

struct graph {
    graph_node *nodes;
    size_t n, cap;
    int *order;                   /* needed nodes in evaluation order */
    size_t n_order;
    int loss;
    int compiled;
    int err_set;
    innx_err err;
    int threads;                  /* graph_set_threads(), default 1 */
    struct graph_pool *pool;      /* started at compile when threads > 1 */
    double *prof;                 /* graph_profile(): seconds per node, fwd then bwd */
    /* Shards (graph_shard_begin): n_shards row-disjoint copies of a part of
     * the graph, nodes [shard_node[k], shard_node[k + 1]) the k-th; in the
     * evaluation order, entries [shard_ord[k], shard_ord[k + 1]). */
    int n_shards, shard_open, shards_closed;
    size_t shard_node[GRAPH_MAX_SHARDS + 1], shard_ord[GRAPH_MAX_SHARDS + 1];
    int in_shards;                /* set while the shards run: ops take no threads of their own */
    int shards_zeroed;            /* the last forward cleared the shards' gradients */
    /* The shards' parameter nodes grouped by the gradient they add into:
     * group j is sum_node[sum_start[j] .. sum_start[j + 1]), in shard
     * order; sum_cum[j] the entries before it (threads split by size). */
    int *sum_node;
    size_t n_sum_groups, *sum_start, *sum_cum;
};

typedef struct graph_op_def {
    const char *name;
    /* Size the op's scratch at compile (may be NULL): returns rows/cols of
     * n->work, 0 x 0 for none. */
    void (*work_shape)(const graph *g, const graph_node *n, size_t *rows, size_t *cols);
    void (*forward)(graph *g, graph_node *n);
    /* Add this node's contribution into its inputs' grads (those non-NULL). */
    void (*backward)(graph *g, graph_node *n);
    double (*flops)(const graph *g, const graph_node *n); /* fwd + bwd; NULL = 0 */
} graph_op_def;

/* The op table: one entry per op, indexed by these ids. Ops defined outside
 * graph.c (the KAN layer) export their entry and graph.c lists it. */
enum {
    GRAPH_OP_FEED, GRAPH_OP_CONST, GRAPH_OP_PARAM,
    GRAPH_OP_ADD, GRAPH_OP_SUB, GRAPH_OP_MUL, GRAPH_OP_DIV, GRAPH_OP_MIN, GRAPH_OP_MAX,
    GRAPH_OP_MATMUL, GRAPH_OP_ADD_BIAS, GRAPH_OP_DENSE,
    GRAPH_OP_NEG, GRAPH_OP_SCALE, GRAPH_OP_OFFSET, GRAPH_OP_SQUARE, GRAPH_OP_POW,
    GRAPH_OP_ACT, /* c-less; ia[0] = graph_act */
    GRAPH_OP_SIN, GRAPH_OP_COS, GRAPH_OP_TAN, GRAPH_OP_ASIN, GRAPH_OP_ACOS, GRAPH_OP_ATAN,
    GRAPH_OP_SINH, GRAPH_OP_COSH, GRAPH_OP_EXP, GRAPH_OP_LOG, GRAPH_OP_SQRT, GRAPH_OP_ABS,
    GRAPH_OP_SUM, GRAPH_OP_MEAN,
    GRAPH_OP_CONCAT, GRAPH_OP_SLICE,
    GRAPH_OP_KAN,  /* kan.c */
    GRAPH_OP_MSE, GRAPH_OP_BOX, /* graph_loss.c */
    GRAPH_OP_ACT_D, /* ia[0] = graph_act */
    GRAPH_OP_KAN_TANGENT, /* kan.c */
    GRAPH_OP_VSTACK, GRAPH_OP_LOGSOFTMAX,
    GRAPH_OP_FLOW_COUPLING, GRAPH_OP_FLOW_GATHER, GRAPH_OP_FLOW_NLL, /* flow.c */
    GRAPH_OP_ROWS,
    GRAPH_N_OPS
};

extern const graph_op_def *const graph_ops[GRAPH_N_OPS];
extern const graph_op_def graph_op_kan, graph_op_kan_tangent; /* kan.c */
extern const graph_op_def graph_op_mse, graph_op_box; /* graph_loss.c */
extern const graph_op_def graph_op_flow_coupling, graph_op_flow_gather, graph_op_flow_nll; /* flow.c */

/* Add a node with op `op`, inputs in[0..n_in) and the given shape; fails with
 * -1 (and a kept error) when any input is -1. */
int graph_add_node(graph *g, int op, const int *in, int n_in, size_t rows, size_t cols);
/* Run fn over [0, rows) split into contiguous row ranges on the graph's
 * threads (the whole range on the caller when it has none). fn must only
 * write rows it is given. */
void graph_parallel_rows(graph *g, size_t rows, void (*fn)(void *arg, size_t r0, size_t r1), void *arg);
/* Y = act(X W + b) on plain matrices (contiguous rows; act not SiLU, which
 * keeps its pre-activation), by the dense op's own kernels: the flow's
 * passes outside the graph run its subnets so, and get the graph's numbers. */
void graph_dense_apply(const gsl_matrix_float *X, const gsl_matrix_float *W, const gsl_matrix_float *B,
                       graph_act act, gsl_matrix_float *Y);
/* Record the first build error; returns -1. */
int graph_fail(graph *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
