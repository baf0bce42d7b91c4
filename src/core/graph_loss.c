/* graph_loss.c: fused loss ops. The data cases' losses are means of
 * squared differences and quadratic box walls over n x d matrices; as
 * element-wise nodes they cost 3 and 7 passes (and as many gradients), here
 * one pass each way. Sums run in double: 5000 x 3 float terms would lose
 * the low bits of a loss near its floor. */
#include <math.h>

#include "graph_impl.h"

static graph_node *arg(graph *g, const graph_node *n, int k) { return &g->nodes[n->in[k]]; }
static const float *row(const gsl_matrix_float *m, size_t i) { return m->data + i * m->tda; }
static float *row_w(gsl_matrix_float *m, size_t i) { return m->data + i * m->tda; }

/* y = mean((a - b)^2);  da += 2 dy (a - b) / N,  db -= 2 dy (a - b) / N */
static void mse_fwd(graph *g, graph_node *n)
{
    const gsl_matrix_float *A = arg(g, n, 0)->val, *B = arg(g, n, 1)->val;
    double s = 0;
    for (size_t i = 0; i < A->size1; i++) {
        const float *a = row(A, i), *b = row(B, i);
        for (size_t j = 0; j < A->size2; j++) {
            double e = (double)a[j] - (double)b[j];
            s += e * e;
        }
    }
    n->val->data[0] = (float)(s / (double)(A->size1 * A->size2));
}

static void mse_bwd(graph *g, graph_node *n)
{
    graph_node *NA = arg(g, n, 0), *NB = arg(g, n, 1);
    const gsl_matrix_float *A = NA->val, *B = NB->val;
    float k = 2.0f * n->grad->data[0] / (float)(A->size1 * A->size2);
    for (size_t i = 0; i < A->size1; i++) {
        const float *a = row(A, i), *b = row(B, i);
        float *ga = NA->grad ? row_w(NA->grad, i) : NULL, *gb = NB->grad ? row_w(NB->grad, i) : NULL;
        for (size_t j = 0; j < A->size2; j++) {
            float d = k * (a[j] - b[j]);
            if (ga) ga[j] += d;
            if (gb) gb[j] -= d;
        }
    }
}

static double mse_flops(const graph *g, const graph_node *n)
{
    const graph_node *A = &g->nodes[n->in[0]];
    return 6.0 * (double)(A->rows * A->cols);
}

const graph_op_def graph_op_mse = {"mse", NULL, mse_fwd, mse_bwd, mse_flops};

/* Column j's bound: lo and hi are 1 x cols or 1 x 1. */
static float bound(const gsl_matrix_float *m, size_t j) { return m->size2 == 1 ? m->data[0] : m->data[j]; }

/* y = mean(relu(lo - x)^2 + relu(x - hi)^2);  dx += 2 dy (relu(x - hi) - relu(lo - x)) / N */
static void box_fwd(graph *g, graph_node *n)
{
    const gsl_matrix_float *X = arg(g, n, 0)->val, *L = arg(g, n, 1)->val, *H = arg(g, n, 2)->val;
    double s = 0;
    for (size_t i = 0; i < X->size1; i++) {
        const float *x = row(X, i);
        for (size_t j = 0; j < X->size2; j++) {
            float below = fmaxf(bound(L, j) - x[j], 0.0f), above = fmaxf(x[j] - bound(H, j), 0.0f);
            s += (double)below * below + (double)above * above;
        }
    }
    n->val->data[0] = (float)(s / (double)(X->size1 * X->size2));
}

static void box_bwd(graph *g, graph_node *n)
{
    graph_node *NX = arg(g, n, 0);
    if (!NX->grad)
        return;
    const gsl_matrix_float *X = NX->val, *L = arg(g, n, 1)->val, *H = arg(g, n, 2)->val;
    float k = 2.0f * n->grad->data[0] / (float)(X->size1 * X->size2);
    for (size_t i = 0; i < X->size1; i++) {
        const float *x = row(X, i);
        float *gx = row_w(NX->grad, i);
        for (size_t j = 0; j < X->size2; j++)
            gx[j] += k * (fmaxf(x[j] - bound(H, j), 0.0f) - fmaxf(bound(L, j) - x[j], 0.0f));
    }
}

static double box_flops(const graph *g, const graph_node *n)
{
    const graph_node *X = &g->nodes[n->in[0]];
    return 10.0 * (double)(X->rows * X->cols);
}

const graph_op_def graph_op_box = {"box", NULL, box_fwd, box_bwd, box_flops};

int graph_mse(graph *g, int a, int b)
{
    if (a < 0 || b < 0 || (size_t)a >= g->n || (size_t)b >= g->n)
        return graph_fail(g, "graph: mse of a failed node");
    const graph_node *A = &g->nodes[a], *B = &g->nodes[b];
    if (A->rows != B->rows || A->cols != B->cols)
        return graph_fail(g, "graph: mse: shapes %zux%zu and %zux%zu differ", A->rows, A->cols,
                          B->rows, B->cols);
    int in[2] = {a, b};
    return graph_add_node(g, GRAPH_OP_MSE, in, 2, 1, 1);
}

int graph_box(graph *g, int x, int lo, int hi)
{
    if (x < 0 || lo < 0 || hi < 0 || (size_t)x >= g->n || (size_t)lo >= g->n || (size_t)hi >= g->n)
        return graph_fail(g, "graph: box of a failed node");
    const graph_node *X = &g->nodes[x];
    const graph_node *b[2] = {&g->nodes[lo], &g->nodes[hi]};
    for (int k = 0; k < 2; k++) {
        if (b[k]->rows != 1 || (b[k]->cols != 1 && b[k]->cols != X->cols))
            return graph_fail(g, "graph: box: bounds must be 1x1 or 1x%zu, not %zux%zu", X->cols,
                              b[k]->rows, b[k]->cols);
        if (b[k]->op != GRAPH_OP_FEED && b[k]->op != GRAPH_OP_CONST && b[k]->op != GRAPH_OP_PARAM)
            return graph_fail(g, "graph: box: bounds must be feeds, constants or parameters");
    }
    int in[3] = {x, lo, hi};
    return graph_add_node(g, GRAPH_OP_BOX, in, 3, 1, 1);
}
