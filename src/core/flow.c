/* flow.c: the conditional coupling flow (cINN): its parameters, its graph (three
 * fused ops: coupling, column gather, Gaussian NLL) and a double-precision forward and inverse. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>

#include "graph_impl.h"
#include "innx/flow.h"

/* FrEIA's "ATAN" soft clamp with clamp = 2: s = 2 * 0.636 atan(s_raw / 2),
 * |s| < 2 so exp(s) can neither overflow nor vanish; ds/ds_raw = 0.636 / (1 + (s_raw / 2)^2). */
#define CLAMP_K 1.272
#define CLAMP_D 0.636

#define N_LAYERS 3   /* Linear-ReLU-Linear-ReLU-Linear */

struct flow {
    size_t n, m, blocks, hidden;
    size_t d1, d2;                /* x1 = columns [0, d1), x2 = [d1, n) */
    unsigned long perm_seed;
    size_t *perm;                 /* blocks x (n + 1): the permutation, then n (log-det stays last) */
    size_t idx_x1[FLOW_MAX_N], idx_x2[FLOW_MAX_N];   /* subnet 2 reads x1 (y1), subnet 1 reads x2 */
    /* layer l of subnet k (0, 1) of block b at [(b * 2 + k) * N_LAYERS + l] */
    gsl_matrix_float **W, **b, **gW, **gb;
    optim_params params;
    int threads;                  /* of the double passes (flow_set_threads) */
};

/* ---- ops ----------------------------------------------------------------- */

static graph_node *arg(graph *g, const graph_node *n, int k) { return &g->nodes[n->in[k]]; }
static const float *row(const gsl_matrix_float *m, size_t i) { return m->data + i * m->tda; }
static float *row_w(gsl_matrix_float *m, size_t i) { return m->data + i * m->tda; }

/* Coupling: ia[0] = off, ia[1] = d; work keeps exp(s) (rows x d) so the
 * backward needs no transcendental call.
 * v = u, v[off+j] = u[off+j] e^s_j + t_j, v[n] = u[n] + sum_j s_j  (s_j = 1.272 atan(a_j / 2), t_j = a_{d+j});
 * du += dv (du[off+j] = dv[off+j] e^s_j), dt_j += dv[off+j], da_j += (dv[off+j] u[off+j] e^s_j + dv[n]) s_j' */
static void coupling_work(const graph *g, const graph_node *n, size_t *r, size_t *c)
{
    *r = n->rows;
    *c = n->ia[1];
}

static void coupling_fwd(graph *g, graph_node *n)
{
    const gsl_matrix_float *U = arg(g, n, 0)->val, *A = arg(g, n, 1)->val;
    size_t off = n->ia[0], d = n->ia[1], w = n->cols;
    for (size_t i = 0; i < n->rows; i++) {
        const float *u = row(U, i), *a = row(A, i);
        float *v = row_w(n->val, i), *e = row_w(n->work, i);
        memcpy(v, u, w * sizeof *v);
        float ls = 0.0f;
        for (size_t j = 0; j < d; j++) {
            float s = (float)CLAMP_K * atanf(0.5f * a[j]);
            e[j] = expf(s);
            v[off + j] = u[off + j] * e[j] + a[d + j];
            ls += s;
        }
        v[w - 1] = u[w - 1] + ls;
    }
}

static void coupling_bwd(graph *g, graph_node *n)
{
    graph_node *NU = arg(g, n, 0), *NA = arg(g, n, 1);
    size_t off = n->ia[0], d = n->ia[1], w = n->cols;
    for (size_t i = 0; i < n->rows; i++) {
        const float *u = row(NU->val, i), *a = row(NA->val, i), *dv = row(n->grad, i), *e = row(n->work, i);
        float dl = dv[w - 1];
        if (NU->grad) {
            float *du = row_w(NU->grad, i);
            for (size_t j = 0; j < off; j++)
                du[j] += dv[j];
            for (size_t j = 0; j < d; j++)
                du[off + j] += dv[off + j] * e[j];
            for (size_t j = off + d; j < w; j++)
                du[j] += dv[j];
        }
        if (NA->grad) {
            float *da = row_w(NA->grad, i);
            for (size_t j = 0; j < d; j++) {
                float h = 0.5f * a[j];
                da[j] += (dv[off + j] * u[off + j] * e[j] + dl) * (float)CLAMP_D / (1.0f + h * h);
                da[d + j] += dv[off + j];
            }
        }
    }
}

static double coupling_flops(const graph *g, const graph_node *n)
{
    return 40.0 * (double)(n->rows * n->ia[1]) + 2.0 * (double)(n->rows * n->cols);
}

const graph_op_def graph_op_flow_coupling = {"coupling", coupling_work, coupling_fwd, coupling_bwd,
                                             coupling_flops};

/* Gather: aux = idx (k entries), ia[0] = k; the optional b is appended.
 * v[:, j] = a[:, idx_j] (j < k), v[:, k+l] = b[:, l];  da[:, idx_j] += dv[:, j], db[:, l] += dv[:, k+l] */
static void gather_fwd(graph *g, graph_node *n)
{
    const size_t *idx = n->aux;
    size_t k = n->ia[0];
    const gsl_matrix_float *A = arg(g, n, 0)->val, *B = n->in[1] >= 0 ? arg(g, n, 1)->val : NULL;
    for (size_t i = 0; i < n->rows; i++) {
        const float *a = row(A, i);
        float *v = row_w(n->val, i);
        for (size_t j = 0; j < k; j++)
            v[j] = a[idx[j]];
        if (B)
            memcpy(v + k, row(B, i), B->size2 * sizeof *v);
    }
}

static void gather_bwd(graph *g, graph_node *n)
{
    const size_t *idx = n->aux;
    size_t k = n->ia[0];
    graph_node *NA = arg(g, n, 0), *NB = n->in[1] >= 0 ? arg(g, n, 1) : NULL;
    for (size_t i = 0; i < n->rows; i++) {
        const float *dv = row(n->grad, i);
        if (NA->grad) {
            float *da = row_w(NA->grad, i);
            for (size_t j = 0; j < k; j++)
                da[idx[j]] += dv[j];
        }
        if (NB && NB->grad) {
            float *db = row_w(NB->grad, i);
            for (size_t l = 0; l < NB->cols; l++)
                db[l] += dv[k + l];
        }
    }
}

const graph_op_def graph_op_flow_gather = {"gather", NULL, gather_fwd, gather_bwd, NULL};

/* NLL, sums in double (a batch of float terms near the optimum would lose digits):
 * y = mean_i (0.5 sum_j z_ij^2 - ld_i);  dz += dy z / R, dld -= dy / R */
static void nll_fwd(graph *g, graph_node *n)
{
    const gsl_matrix_float *Z = arg(g, n, 0)->val, *L = arg(g, n, 1)->val;
    double s = 0;
    for (size_t i = 0; i < Z->size1; i++) {
        const float *z = row(Z, i);
        double q = 0;
        for (size_t j = 0; j < Z->size2; j++)
            q += (double)z[j] * z[j];
        s += 0.5 * q - row(L, i)[0];
    }
    n->val->data[0] = (float)(s / (double)Z->size1);
}

static void nll_bwd(graph *g, graph_node *n)
{
    graph_node *NZ = arg(g, n, 0), *NL = arg(g, n, 1);
    float k = n->grad->data[0] / (float)NZ->rows;
    for (size_t i = 0; i < NZ->rows; i++) {
        if (NZ->grad) {
            const float *z = row(NZ->val, i);
            float *dz = row_w(NZ->grad, i);
            for (size_t j = 0; j < NZ->cols; j++)
                dz[j] += k * z[j];
        }
        if (NL->grad)
            row_w(NL->grad, i)[0] -= k;
    }
}

static double nll_flops(const graph *g, const graph_node *n)
{
    const graph_node *Z = &g->nodes[n->in[0]];
    return 5.0 * (double)(Z->rows * Z->cols);
}

const graph_op_def graph_op_flow_nll = {"flow_nll", NULL, nll_fwd, nll_bwd, nll_flops};

static int bad(graph *g, int a) { return a < 0 || (size_t)a >= g->n; }

int flow_op_coupling(graph *g, int u, int a, size_t off, size_t d)
{
    if (bad(g, u) || bad(g, a))
        return graph_fail(g, "graph: coupling of a failed node");
    const graph_node *U = &g->nodes[u], *A = &g->nodes[a];
    if (d == 0 || off + d >= U->cols || A->cols != 2 * d || A->rows != U->rows)
        return graph_fail(g, "graph: coupling: state %zux%zu, columns [%zu, %zu), [s|t] %zux%zu",
                          U->rows, U->cols, off, off + d, A->rows, A->cols);
    int in[2] = {u, a};
    int i = graph_add_node(g, GRAPH_OP_FLOW_COUPLING, in, 2, U->rows, U->cols);
    if (i >= 0) {
        g->nodes[i].ia[0] = off;
        g->nodes[i].ia[1] = d;
    }
    return i;
}

int flow_op_gather(graph *g, int a, const size_t *idx, size_t k, int b)
{
    if (bad(g, a) || (b != -1 && bad(g, b)))
        return graph_fail(g, "graph: gather of a failed node");
    const graph_node *A = &g->nodes[a];
    for (size_t j = 0; j < k; j++)
        if (idx[j] >= A->cols)
            return graph_fail(g, "graph: gather: column %zu of %zu", idx[j], A->cols);
    size_t cols = k;
    if (b >= 0) {
        if (g->nodes[b].rows != A->rows)
            return graph_fail(g, "graph: gather: %zu rows and %zu rows", A->rows, g->nodes[b].rows);
        cols += g->nodes[b].cols;
    }
    int in[2] = {a, b};
    int i = graph_add_node(g, GRAPH_OP_FLOW_GATHER, in, b >= 0 ? 2 : 1, A->rows, cols);
    if (i >= 0) {
        g->nodes[i].ia[0] = k;
        g->nodes[i].aux = (void *)idx;   /* read only; the op never writes through it */
    }
    return i;
}

int flow_op_nll(graph *g, int z, int ld)
{
    if (bad(g, z) || bad(g, ld))
        return graph_fail(g, "graph: flow nll of a failed node");
    if (g->nodes[ld].cols != 1 || g->nodes[ld].rows != g->nodes[z].rows)
        return graph_fail(g, "graph: flow nll: z %zux%zu, log-det %zux%zu", g->nodes[z].rows,
                          g->nodes[z].cols, g->nodes[ld].rows, g->nodes[ld].cols);
    int in[2] = {z, ld};
    return graph_add_node(g, GRAPH_OP_FLOW_NLL, in, 2, 1, 1);
}

/* ---- the model ----------------------------------------------------------- */

static size_t n_mats(const flow *f) { return f->blocks * 2 * N_LAYERS; }
static size_t at(size_t b, size_t k, size_t l) { return (b * 2 + k) * N_LAYERS + l; }

/* Subnet k's input and output widths: subnet 1 reads [x2, c] and writes
 * [s1, t1] for x1; subnet 2 reads [y1, c] and writes [s2, t2] for x2. */
static size_t sub_in(const flow *f, size_t k) { return (k == 0 ? f->d2 : f->d1) + f->m; }
static size_t sub_half(const flow *f, size_t k) { return k == 0 ? f->d1 : f->d2; }

int flow_spec_parse(const char *s, size_t *blocks, size_t *hidden, innx_err *err)
{
    if (!s || strncmp(s, "flow:", 5) != 0)
        return innx_errf(err, INNX_EINVAL, "flow: '%s': expected flow:BLOCKS-HIDDEN, e.g. flow:6-128",
                         s ? s : "");
    const char *p = s + 5;
    char *end;
    if (*p < '0' || *p > '9')
        return innx_errf(err, INNX_EINVAL, "flow: '%s': expected a block count after 'flow:'", s);
    errno = 0;
    unsigned long nb = strtoul(p, &end, 10);
    if (errno || nb == 0 || nb > FLOW_MAX_BLOCKS)
        return innx_errf(err, INNX_EINVAL, "flow: '%s': blocks must be 1..%d", s, FLOW_MAX_BLOCKS);
    if (*end != '-' || end[1] < '0' || end[1] > '9')
        return innx_errf(err, INNX_EINVAL, "flow: '%s': expected '-' and a hidden width after the blocks", s);
    p = end + 1;
    errno = 0;
    unsigned long h = strtoul(p, &end, 10);
    if (errno || h == 0 || h > 65536)
        return innx_errf(err, INNX_EINVAL, "flow: '%s': hidden width must be 1..65536", s);
    if (*end)
        return innx_errf(err, INNX_EINVAL, "flow: '%s': unexpected '%s' at the end", s, end);
    *blocks = nb;
    *hidden = h;
    return 0;
}

/* A seeded shuffle of its own generator, so the permutations are a function
 * of the seed alone (a checkpoint keeps only the seed). */
void flow_set_perm_seed(flow *f, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    f->perm_seed = seed;
    for (size_t b = 0; b < f->blocks; b++) {
        size_t *p = f->perm + b * (f->n + 1);
        for (size_t j = 0; j <= f->n; j++)
            p[j] = j;
        if (r) {
            gsl_rng_set(r, seed + 7919 * b);
            gsl_ran_shuffle(r, p, f->n, sizeof *p);
        }
    }
    gsl_rng_free(r);
}

unsigned long flow_perm_seed(const flow *f) { return f->perm_seed; }
const size_t *flow_perm(const flow *f, size_t b) { return b < f->blocks ? f->perm + b * (f->n + 1) : NULL; }

void flow_free(flow *f)
{
    if (!f)
        return;
    /* any of the four arrays may be missing (an allocation failed) */
    gsl_matrix_float **arrays[4] = {f->W, f->b, f->gW, f->gb};
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; arrays[k] && i < n_mats(f); i++)
            if (arrays[k][i])
                gsl_matrix_float_free(arrays[k][i]);
    free(f->W);
    free(f->b);
    free(f->gW);
    free(f->gb);
    free(f->perm);
    free(f->params.val);
    free(f->params.grad);
    free(f);
}

flow *flow_alloc(size_t n, size_t m, size_t blocks, size_t hidden, gsl_rng *r, innx_err *err)
{
    if (n < 2 || n > FLOW_MAX_N) {
        innx_errf(err, INNX_EINVAL, "flow: x has %zu columns; a coupling flow needs 2..%d (it splits x in two halves)",
                  n, FLOW_MAX_N);
        return NULL;
    }
    if (m > FLOW_MAX_M) {
        innx_errf(err, INNX_EINVAL, "flow: the condition has %zu columns; at most %d", m, FLOW_MAX_M);
        return NULL;
    }
    if (blocks == 0 || blocks > FLOW_MAX_BLOCKS || hidden == 0 || hidden > 65536) {
        innx_errf(err, INNX_EINVAL, "flow: %zu blocks of hidden width %zu; need 1..%d blocks, width 1..65536",
                  blocks, hidden, FLOW_MAX_BLOCKS);
        return NULL;
    }
    flow *f = calloc(1, sizeof *f);
    if (!f)
        goto nomem;
    f->n = n;
    f->m = m;
    f->blocks = blocks;
    f->hidden = hidden;
    f->threads = 1;
    f->d1 = n / 2;
    f->d2 = n - f->d1;
    for (size_t j = 0; j < f->d1; j++)
        f->idx_x1[j] = j;
    for (size_t j = 0; j < f->d2; j++)
        f->idx_x2[j] = f->d1 + j;
    size_t nm = n_mats(f);
    f->W = calloc(nm, sizeof *f->W);
    f->b = calloc(nm, sizeof *f->b);
    f->gW = calloc(nm, sizeof *f->gW);
    f->gb = calloc(nm, sizeof *f->gb);
    f->perm = calloc(blocks * (n + 1), sizeof *f->perm);
    f->params.n = 2 * nm;
    f->params.val = calloc(2 * nm, sizeof *f->params.val);
    f->params.grad = calloc(2 * nm, sizeof *f->params.grad);
    if (!f->W || !f->b || !f->gW || !f->gb || !f->perm || !f->params.val || !f->params.grad)
        goto nomem;
    flow_set_perm_seed(f, gsl_rng_get(r));
    for (size_t b = 0; b < blocks; b++)
        for (size_t k = 0; k < 2; k++)
            for (size_t l = 0; l < N_LAYERS; l++) {
                size_t in = l == 0 ? sub_in(f, k) : hidden;
                size_t out = l == N_LAYERS - 1 ? 2 * sub_half(f, k) : hidden;
                size_t i = at(b, k, l);
                /* calloc: the last layer stays zero, the flow the identity */
                f->W[i] = gsl_matrix_float_calloc(in, out);
                f->b[i] = gsl_matrix_float_calloc(1, out);
                f->gW[i] = gsl_matrix_float_calloc(in, out);
                f->gb[i] = gsl_matrix_float_calloc(1, out);
                if (!f->W[i] || !f->b[i] || !f->gW[i] || !f->gb[i])
                    goto nomem;
                f->params.val[2 * i] = f->W[i];
                f->params.grad[2 * i] = f->gW[i];
                f->params.val[2 * i + 1] = f->b[i];
                f->params.grad[2 * i + 1] = f->gb[i];
                if (l == N_LAYERS - 1)
                    continue;
                /* nn.Linear's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both */
                double bound = 1.0 / sqrt((double)in);
                gsl_matrix_float *ms[2] = {f->W[i], f->b[i]};
                for (int q = 0; q < 2; q++)
                    for (size_t u = 0; u < ms[q]->size1 * ms[q]->size2; u++)
                        ms[q]->data[u] = (float)gsl_ran_flat(r, -bound, bound);
            }
    return f;
nomem:
    flow_free(f);
    innx_errf(err, INNX_ENOMEM, "flow: out of memory");
    return NULL;
}

size_t flow_n(const flow *f) { return f->n; }
size_t flow_m(const flow *f) { return f->m; }
size_t flow_blocks(const flow *f) { return f->blocks; }
size_t flow_hidden(const flow *f) { return f->hidden; }
void flow_set_threads(flow *f, int n) { f->threads = n < 1 ? 1 : n > FLOW_MAX_THREADS ? FLOW_MAX_THREADS : n; }
const optim_params *flow_params(flow *f) { return &f->params; }

size_t flow_n_weights(const flow *f)
{
    size_t s = 0;
    for (size_t i = 0; i < f->params.n; i++)
        s += f->params.val[i]->size1 * f->params.val[i]->size2;
    return s;
}

/* ---- the graph ----------------------------------------------------------- */

static int subnet(flow *f, graph *g, int in, size_t b, size_t k)
{
    int h = in;
    for (size_t l = 0; l < N_LAYERS; l++) {
        size_t i = at(b, k, l);
        int w = graph_param(g, f->W[i], f->gW[i]), bias = graph_param(g, f->b[i], f->gb[i]);
        h = graph_dense(g, h, w, bias, l == N_LAYERS - 1 ? GRAPH_ACT_IDENTITY : GRAPH_ACT_RELU);
    }
    return h;
}

int flow_build(flow *f, graph *g, int x, int c, int *logdet)
{
    *logdet = -1;
    size_t rows, cols, cr, cc;
    if (graph_shape(g, x, &rows, &cols) != 0)
        return graph_fail(g, "flow: x is not a node");
    if (cols != f->n)
        return graph_fail(g, "flow: x has %zu columns, the flow %zu", cols, f->n);
    if (f->m == 0 ? c != -1
                  : graph_shape(g, c, &cr, &cc) != 0 || cr != rows || cc != f->m)
        return graph_fail(g, "flow: the condition must be %zux%zu%s", rows, f->m,
                          f->m ? "" : " (none: pass -1)");
    /* the state [x | log-det so far] */
    int s = graph_concat(g, x, graph_const(g, rows, 1, 0.0f));
    for (size_t b = 0; b < f->blocks; b++) {
        int a = subnet(f, g, flow_op_gather(g, s, f->idx_x2, f->d2, c), b, 0);
        s = flow_op_coupling(g, s, a, 0, f->d1);
        a = subnet(f, g, flow_op_gather(g, s, f->idx_x1, f->d1, c), b, 1);
        s = flow_op_coupling(g, s, a, f->d1, f->d2);
        if (b + 1 < f->blocks)
            s = flow_op_gather(g, s, f->perm + b * (f->n + 1), f->n + 1, -1);
    }
    /* the last permutation gathers z straight out of the state */
    *logdet = graph_slice(g, s, f->n, 1);
    return flow_op_gather(g, s, f->perm + (f->blocks - 1) * (f->n + 1), f->n, -1);
}

int flow_build_nll(flow *f, graph *g, int x, int c)
{
    int ld, z = flow_build(f, g, x, c, &ld);
    return flow_op_nll(g, z, ld);
}

/* ---- the passes outside the graph ------------------------------------ */

/* Sampling, the validation nll and the answers' densities run the flow
 * outside the graph: the state, the couplings and the log-det in double
 * (exp and the clamp, and log-dets summed over blocks, keep their digits),
 * the subnets in float through the dense op's own kernels, as they were
 * trained (graph_dense_apply). The inverse stays exact: a block's subnet
 * reads the half it leaves unchanged, the same doubles both ways, so it
 * gives the same s and t going back. */

#define CHUNK 240   /* rows at a time: the activations stay in cache, and
                       240 x 64 x 64 is within OpenBLAS's small kernels */

typedef struct {
    float *in, *h1, *h2, *out;     /* CHUNK rows each */
    double *u, *ld, *tmp;          /* state, log-det, a permuted copy */
} dwork;

static void dwork_free(dwork *w)
{
    free(w->in);
    free(w->h1);
    free(w->h2);
    free(w->out);
    free(w->u);
    free(w->ld);
    free(w->tmp);
}

static int dwork_alloc(flow *f, dwork *w)
{
    size_t h = f->hidden, wide = f->n + f->m;
    w->in = malloc(CHUNK * wide * sizeof *w->in);
    w->h1 = malloc(CHUNK * h * sizeof *w->h1);
    w->h2 = malloc(CHUNK * h * sizeof *w->h2);
    w->out = malloc(CHUNK * 2 * f->n * sizeof *w->out);
    w->u = malloc(CHUNK * f->n * sizeof *w->u);
    w->ld = malloc(CHUNK * sizeof *w->ld);
    w->tmp = malloc(CHUNK * f->n * sizeof *w->tmp);
    return w->in && w->h1 && w->h2 && w->out && w->u && w->ld && w->tmp ? 0 : INNX_ENOMEM;
}

/* out (r x 2 half) = subnet k of block b on [u[:, cols] | c] */
static void dsubnet(flow *f, dwork *w, size_t b, size_t k, const double *c, size_t r)
{
    size_t n = f->n, m = f->m, h = f->hidden;
    size_t d_in = k == 0 ? f->d2 : f->d1, col0 = k == 0 ? f->d1 : 0, wide = d_in + m;
    size_t outw = 2 * sub_half(f, k);
    for (size_t i = 0; i < r; i++) {   /* a few values a row: loops, not memcpy calls */
        float *in = w->in + i * wide;
        for (size_t j = 0; j < d_in; j++)
            in[j] = (float)w->u[i * n + col0 + j];
        for (size_t j = 0; j < m; j++)
            in[d_in + j] = (float)c[i * m + j];
    }
    const float *src = w->in;
    size_t widths[N_LAYERS + 1] = {wide, h, h, outw};
    float *dst[N_LAYERS] = {w->h1, w->h2, w->out};
    for (size_t l = 0; l < N_LAYERS; l++) {
        size_t q = at(b, k, l);
        gsl_matrix_float_const_view X = gsl_matrix_float_const_view_array(src, r, widths[l]);
        gsl_matrix_float_view Y = gsl_matrix_float_view_array(dst[l], r, widths[l + 1]);
        graph_dense_apply(&X.matrix, f->W[q], f->b[q], l == N_LAYERS - 1 ? GRAPH_ACT_IDENTITY : GRAPH_ACT_RELU,
                          &Y.matrix);
        src = dst[l];
    }
}

static double clamp_s(double a) { return CLAMP_K * atan(a / 2.0); }

/* Columns [off, off + d) of the state through the coupling (dir = +1) or its
 * inverse (dir = -1), from the subnet output in w->out. */
static void dcouple(flow *f, dwork *w, size_t off, size_t d, size_t r, int dir)
{
    for (size_t i = 0; i < r; i++) {
        double *u = w->u + i * f->n;
        const float *a = w->out + i * 2 * d;
        for (size_t j = 0; j < d; j++) {
            double s = clamp_s(a[j]);
            if (dir > 0) {
                u[off + j] = u[off + j] * exp(s) + a[d + j];
                w->ld[i] += s;
            } else {
                u[off + j] = (u[off + j] - a[d + j]) * exp(-s);
                w->ld[i] += s;   /* the forward's log-det at the x this returns */
            }
        }
    }
}

/* new column j = old column perm[j] (dir = +1), or back (dir = -1) */
static void dpermute(flow *f, dwork *w, size_t b, size_t r, int dir)
{
    const size_t *p = f->perm + b * (f->n + 1);
    memcpy(w->tmp, w->u, r * f->n * sizeof *w->tmp);
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < f->n; j++) {
            if (dir > 0)
                w->u[i * f->n + j] = w->tmp[i * f->n + p[j]];
            else
                w->u[i * f->n + p[j]] = w->tmp[i * f->n + j];
        }
}

static int check_io(const flow *f, const double *in, const double *c, const double *out, innx_err *err)
{
    if (!in || !out)
        return innx_errf(err, INNX_EINVAL, "flow: no input or output array");
    if (f->m && !c)
        return innx_errf(err, INNX_EINVAL, "flow: the flow is conditional (%zu columns) and got no condition", f->m);
    return 0;
}

/* Rows [r0, r1) of one pass, CHUNK at a time: forward (dir = +1: in = x,
 * out = z) or inverse (dir = -1: in = z, out = x); logdet (may be NULL)
 * gets log|det dz/dx| at x either way. Each part has its own work space. */
typedef struct {
    flow *f;
    const double *in, *c;
    double *out, *logdet;
    size_t r0, r1;
    int dir, st;
} dpass;

static void *dpass_run(void *arg)
{
    dpass *p = arg;
    flow *f = p->f;
    size_t n = f->n;
    dwork w;
    if ((p->st = dwork_alloc(f, &w)) != 0) {
        dwork_free(&w);
        return NULL;
    }
    for (size_t r0 = p->r0; r0 < p->r1; r0 += CHUNK) {
        size_t r = p->r1 - r0 < CHUNK ? p->r1 - r0 : CHUNK;
        const double *cc = f->m ? p->c + r0 * f->m : NULL;
        memcpy(w.u, p->in + r0 * n, r * n * sizeof *w.u);
        memset(w.ld, 0, r * sizeof *w.ld);
        if (p->dir > 0)
            for (size_t b = 0; b < f->blocks; b++) {
                dsubnet(f, &w, b, 0, cc, r);
                dcouple(f, &w, 0, f->d1, r, +1);
                dsubnet(f, &w, b, 1, cc, r);
                dcouple(f, &w, f->d1, f->d2, r, +1);
                dpermute(f, &w, b, r, +1);
            }
        else
            for (size_t b = f->blocks; b-- > 0;) {
                dpermute(f, &w, b, r, -1);
                /* y1 is unchanged by the second half, so subnet 2 sees what it saw forward */
                dsubnet(f, &w, b, 1, cc, r);
                dcouple(f, &w, f->d1, f->d2, r, -1);
                dsubnet(f, &w, b, 0, cc, r);
                dcouple(f, &w, 0, f->d1, r, -1);
            }
        memcpy(p->out + r0 * n, w.u, r * n * sizeof *w.u);
        if (p->logdet)
            memcpy(p->logdet + r0, w.ld, r * sizeof *w.ld);
    }
    dwork_free(&w);
    return NULL;
}

/* One pass over rows, split into contiguous parts of whole chunks over the
 * flow's threads (the caller runs the first); BLAS itself runs serially,
 * as in the graph, so the two kinds of threads do not contend. */
static int dpass_split(flow *f, const double *in, const double *c, size_t rows, double *out, double *logdet,
                       int dir, innx_err *err)
{
    size_t chunks = (rows + CHUNK - 1) / CHUNK, T = f->threads < 1 ? 1 : (size_t)f->threads;
    if (T > chunks)
        T = chunks ? chunks : 1;
    dpass part[FLOW_MAX_THREADS];
    pthread_t th[FLOW_MAX_THREADS];
    int started[FLOW_MAX_THREADS] = {0};
    graph_blas_serial();
    for (size_t k = 0, done = 0; k < T; k++) {
        size_t take = chunks / T + (k < chunks % T);
        part[k] = (dpass){f, in, c, out, logdet, done * CHUNK, (done + take) * CHUNK, dir, 0};
        if (part[k].r1 > rows)
            part[k].r1 = rows;
        done += take;
        if (k > 0)
            started[k] = pthread_create(&th[k], NULL, dpass_run, &part[k]) == 0;
    }
    dpass_run(&part[0]);
    int st = part[0].st;
    for (size_t k = 1; k < T; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        else
            dpass_run(&part[k]);   /* no thread to be had: the caller does it */
        if (!st)
            st = part[k].st;
    }
    return st ? innx_errf(err, st, "flow: out of memory") : 0;
}

int flow_forward(flow *f, const double *x, const double *c, size_t rows, double *z, double *logdet,
                 innx_err *err)
{
    double *zo = z;
    if (!z && !(zo = malloc((rows ? rows : 1) * f->n * sizeof *zo)))
        return innx_errf(err, INNX_ENOMEM, "flow: out of memory");
    int st = check_io(f, x, c, zo, err);
    if (st == 0)
        st = dpass_split(f, x, c, rows, zo, logdet, +1, err);
    if (zo != z)
        free(zo);
    return st;
}

int flow_inverse(flow *f, const double *z, const double *c, size_t rows, double *x, double *logdet,
                 innx_err *err)
{
    int st = check_io(f, z, c, x, err);
    return st ? st : dpass_split(f, z, c, rows, x, logdet, -1, err);
}
