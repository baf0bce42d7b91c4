/* kan.h: Kolmogorov-Arnold layers: on each edge a SiLU base branch plus a
 * learnable cubic B-spline on a uniform grid; a graph op and its grid update. */
#ifndef INNX_KAN_H
#define INNX_KAN_H

#include <stddef.h>
#include <gsl/gsl_matrix_float.h>
#include <gsl/gsl_rng.h>

#include "innx/error.h"
#include "innx/graph.h"

typedef struct kan_layer kan_layer;

#define KAN_MAX_ORDER 16

/* The order+1 B-splines non-zero at u, in knot units from the first of
 * n_cells unit cells: values and d/du into val and der (der may be NULL),
 * the first one's index into *first. Returns -1 outside the cells, else 0.
 * Exposed for the tests that hold it against gsl_bspline. */
int kan_basis_at(double u, size_t order, size_t n_cells, double *val, double *der, long *first);
/* One edge function phi_ij(x) in double (tests, plots). */
double kan_layer_eval_edge(const kan_layer *L, size_t i, size_t j, double x);

/* in -> out edges, `grid` intervals over [lo, hi], spline order `order`
 * (3 = cubic), knots extended by `order` on each side. Base weights get
 * PyTorch's Linear init, spline coefficients N(0, 0.1). */
kan_layer *kan_layer_alloc(size_t in, size_t out, size_t grid, size_t order,
                           double lo, double hi, gsl_rng *r);
void kan_layer_free(kan_layer *L);
size_t kan_layer_in(const kan_layer *L);
size_t kan_layer_out(const kan_layer *L);
/* The layer's parameter tensors (values and gradients), in a fixed order. */
size_t kan_layer_n_params(const kan_layer *L);
void kan_layer_params(kan_layer *L, gsl_matrix_float **val, gsl_matrix_float **grad);
/* Copy weights and grid between layers of the same shape. */
int kan_layer_copy(kan_layer *dst, const kan_layer *src);

/* Add the layer to a graph: y = sum_i phi_ij(x_i). trainable = 0 freezes it. */
int graph_kan(graph *g, int x, kan_layer *L, int trainable);
/* The layer's tangent: given t = dx/ds per row (n x in, or 1 x in for every
 * row), returns d(layer output)/ds = sum_i t_i phi_ij'(x_i) (n x out);
 * differentiable in x, t and the weights (gp's tangent pass). */
int graph_kan_tangent(graph *g, int x, int t, kan_layer *L, int trainable);

/* Re-fit the grid to the range of x (rows = samples of this layer's inputs)
 * and re-solve the coefficients by least squares so the function is kept. */
int kan_layer_update_grid(kan_layer *L, const gsl_matrix_float *x, innx_err *err);

#endif
