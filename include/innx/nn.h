/* nn.h: models from a spec string (MLP or KAN), PyTorch-default init, built
 * into a graph; a model owns its parameters so several graphs can share it. */
#ifndef INNX_NN_H
#define INNX_NN_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

#include "innx/error.h"
#include "innx/graph.h"
#include "innx/optim.h"

#define NN_MAX_LAYERS 32

typedef enum { NN_MLP, NN_KAN, NN_FLOW } nn_kind;

/* Parsed "mlp:1-128-128-64-1/tanh", "kan:1-32-32-1/g5k3" or "flow:6-128".
 * An MLP applies the activation after every layer but the last (linear
 * output). A flow (a conditional coupling flow over x given y, flow.h)
 * parses to its blocks and hidden width; its widths are {y's m, x's n},
 * set by the caller from the problem before nn_alloc. */
typedef struct nn_spec {
    nn_kind kind;
    size_t n_widths;               /* layers + 1 */
    size_t widths[NN_MAX_LAYERS + 1];
    graph_act act;                 /* MLP hidden activation */
    size_t grid, order;            /* KAN: intervals and spline order */
    double lo, hi;                 /* KAN: initial grid range */
    size_t blocks, hidden;         /* flow: coupling blocks, subnets' width */
} nn_spec;

int nn_spec_parse(const char *s, nn_spec *spec, innx_err *err);
/* Canonical text of a spec, e.g. "mlp:1-128-128-64-1/tanh". */
void nn_spec_format(const nn_spec *spec, char *buf, size_t len);
const char *nn_act_name(graph_act a);

typedef struct nn_model nn_model;

nn_model *nn_alloc(const nn_spec *spec, gsl_rng *r, innx_err *err);
void nn_free(nn_model *m);
/* Siamese: G with its own first and last layers and body's hidden-to-hidden
 * layers (shared, with body's activation; body must outlive it). Both MLPs,
 * G's hidden widths equal to body's. */
nn_model *nn_alloc_siamese(const nn_spec *spec, nn_model *body, gsl_rng *r, innx_err *err);
/* Whether nn_build trains the shared layers too (a joint stage). */
void nn_set_train_shared(nn_model *m, int on);
const nn_spec *nn_get_spec(const nn_model *m);
size_t nn_in(const nn_model *m);
size_t nn_out(const nn_model *m);
size_t nn_n_weights(const nn_model *m);     /* scalar parameter count */

/* Append the model to graph g on input node x (rows x in); returns the output
 * node. trainable = 0 uses the weights frozen (no gradient). */
int nn_build(nn_model *m, graph *g, int x, int trainable);
/* The same plus *tangent = d output / d x[:, col] (rows x out, or 1 x out
 * for a one-layer MLP: the same every row), built forward-mode into g. */
int nn_build_tangent(nn_model *m, graph *g, int x, size_t col, int trainable, int *tangent);
/* A flow's negative log-likelihood of x given c (1 x 1): flow_build_nll. */
int nn_build_flow_nll(nn_model *m, graph *g, int x, int c);
/* The flow inside a NN_FLOW model (sampling, flow_inverse), else NULL. */
struct flow *nn_flow(nn_model *m);
/* The last layer's bias (1 x out), to start outputs somewhere chosen. */
gsl_matrix_float *nn_output_bias(nn_model *m);
/* The model's (value, gradient) pairs, for an optimiser. */
const optim_params *nn_params(nn_model *m);
/* Copy weights between models of the same spec. */
int nn_copy(nn_model *dst, const nn_model *src);
/* Evaluate on n inputs (row-major n x in) into out (n x out), in double at
 * the interface, float inside; builds a throwaway graph. */
int nn_eval(nn_model *m, const double *x, size_t n, double *out, innx_err *err);
/* An MLP in double throughout (its float weights promoted): out (n x out)
 * and, for one output, dx = d out / d x (n x in) when not NULL. What a
 * polish on a learned F needs: float alone stops at ~1e-7. */
int nn_eval_f64(const nn_model *m, const double *x, size_t n, double *out, double *dx, innx_err *err);
/* KAN only: refit every layer's grid to the activations the inputs x give. */
int nn_update_grid(nn_model *m, const gsl_matrix_float *x, innx_err *err);

#endif
