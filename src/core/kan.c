/* kan.c: Kolmogorov-Arnold layers: each edge is w_b silu(x) + a learnable
 * B-spline on a uniform grid; evaluated as two sgemm's over a basis matrix. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_randist.h>

#include "graph_impl.h"
#include "innx/kan.h"

struct kan_layer {
    size_t in, out, grid, order, nb;   /* nb = grid + order basis functions per input */
    double *lo, *h;                    /* per input: grid start and knot spacing */
    gsl_matrix_float *wb, *bias, *coef;       /* in x out, 1 x out, (in nb) x out */
    gsl_matrix_float *gwb, *gbias, *gcoef;
};

/* Values (and derivatives, in knot units) of the order+1 basis functions
 * that are non-zero at u, a position in knot units from the first knot.
 * *first gets the index of the first of them (negative near the left end);
 * returns -1 when u lies outside the extended grid (all zero there, as in
 * the reference implementation), else 0.
 * Cox-de Boor with unit knot spacing, so every denominator is the degree;
 * d/du N(m,d) = N(m,d-1) - N(m+1,d-1). */
int kan_basis_at(double u, size_t order, size_t n_cells, double *val, double *der, long *first)
{
    if (!(u >= 0.0) || u >= (double)n_cells)
        return -1;
    long cell = (long)u;
    double t = u - (double)cell;          /* position inside the cell, [0, 1) */
    double N[KAN_MAX_ORDER + 1], left[KAN_MAX_ORDER + 1], right[KAN_MAX_ORDER + 1];
    N[0] = 1.0;
    if (der)
        der[0] = 0.0;
    for (size_t j = 1; j <= order; j++) {
        left[j] = t + (double)(j - 1);    /* u - knot[cell + 1 - j] */
        right[j] = (double)j - t;         /* knot[cell + j] - u */
        if (j == order && der)
            for (size_t r = 0; r <= order; r++)
                der[r] = (r >= 1 ? N[r - 1] : 0.0) - (r < order ? N[r] : 0.0);
        double saved = 0.0;
        for (size_t r = 0; r < j; r++) {
            double tmp = N[r] / (double)j;
            N[r] = saved + right[r + 1] * tmp;
            saved = left[j - r] * tmp;
        }
        N[j] = saved;
    }
    memcpy(val, N, (order + 1) * sizeof *val);
    *first = cell - (long)order;
    return 0;
}

static gsl_matrix_float *mat(size_t r, size_t c) { return gsl_matrix_float_calloc(r, c); }

kan_layer *kan_layer_alloc(size_t in, size_t out, size_t grid, size_t order, double lo, double hi,
                           gsl_rng *r)
{
    if (in == 0 || out == 0 || grid == 0 || order > KAN_MAX_ORDER || !(hi > lo))
        return NULL;
    kan_layer *L = calloc(1, sizeof *L);
    if (!L)
        return NULL;
    L->in = in;
    L->out = out;
    L->grid = grid;
    L->order = order;
    L->nb = grid + order;
    L->lo = malloc(in * sizeof *L->lo);
    L->h = malloc(in * sizeof *L->h);
    L->wb = mat(in, out);
    L->bias = mat(1, out);
    L->coef = mat(in * L->nb, out);
    L->gwb = mat(in, out);
    L->gbias = mat(1, out);
    L->gcoef = mat(in * L->nb, out);
    if (!L->lo || !L->h || !L->wb || !L->bias || !L->coef || !L->gwb || !L->gbias || !L->gcoef) {
        kan_layer_free(L);
        return NULL;
    }
    for (size_t i = 0; i < in; i++) {
        L->lo[i] = lo;
        L->h[i] = (hi - lo) / (double)grid;
    }
    /* base branch as nn.Linear; spline coefficients N(0, 0.1) */
    double bound = 1.0 / sqrt((double)in);
    for (size_t i = 0; i < in; i++)
        for (size_t j = 0; j < out; j++)
            gsl_matrix_float_set(L->wb, i, j, (float)gsl_ran_flat(r, -bound, bound));
    for (size_t j = 0; j < out; j++)
        gsl_matrix_float_set(L->bias, 0, j, (float)gsl_ran_flat(r, -bound, bound));
    for (size_t i = 0; i < in * L->nb; i++)
        for (size_t j = 0; j < out; j++)
            gsl_matrix_float_set(L->coef, i, j, (float)gsl_ran_gaussian(r, 0.1));
    return L;
}

void kan_layer_free(kan_layer *L)
{
    if (!L)
        return;
    gsl_matrix_float *m[] = {L->wb, L->bias, L->coef, L->gwb, L->gbias, L->gcoef};
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        if (m[i])
            gsl_matrix_float_free(m[i]);
    free(L->lo);
    free(L->h);
    free(L);
}

size_t kan_layer_in(const kan_layer *L) { return L->in; }
size_t kan_layer_out(const kan_layer *L) { return L->out; }
size_t kan_layer_n_params(const kan_layer *L) { (void)L; return 3; }

void kan_layer_params(kan_layer *L, gsl_matrix_float **val, gsl_matrix_float **grad)
{
    val[0] = L->wb;   grad[0] = L->gwb;
    val[1] = L->bias; grad[1] = L->gbias;
    val[2] = L->coef; grad[2] = L->gcoef;
}

int kan_layer_copy(kan_layer *dst, const kan_layer *src)
{
    if (dst->in != src->in || dst->out != src->out || dst->nb != src->nb || dst->order != src->order)
        return INNX_EINVAL;
    memcpy(dst->lo, src->lo, src->in * sizeof *dst->lo);
    memcpy(dst->h, src->h, src->in * sizeof *dst->h);
    gsl_matrix_float_memcpy(dst->wb, src->wb);
    gsl_matrix_float_memcpy(dst->bias, src->bias);
    gsl_matrix_float_memcpy(dst->coef, src->coef);
    return 0;
}

double kan_layer_eval_edge(const kan_layer *L, size_t i, size_t j, double x)
{
    double val[KAN_MAX_ORDER + 1];
    double s = 1.0 / (1.0 + exp(-x));
    double y = gsl_matrix_float_get(L->wb, i, j) * x * s;
    long m0;
    if (kan_basis_at((x - L->lo[i]) / L->h[i] + (double)L->order, L->order,
                     L->grid + 2 * L->order, val, NULL, &m0) == 0)
        for (size_t r = 0; r <= L->order; r++) {
            long m = m0 + (long)r;
            if (m >= 0 && (size_t)m < L->nb)
                y += val[r] * gsl_matrix_float_get(L->coef, i * L->nb + (size_t)m, j);
        }
    return y;
}

/* ---- the graph op ------------------------------------------------------- */

/* work columns: [B: in nb][B': in nb][silu x: in][silu' x: in][dS: in]
 * [first non-zero basis index per input, as a float; -1e9 if none] */
static void kan_work(const graph *g, const graph_node *n, size_t *r, size_t *c)
{
    const kan_layer *L = n->aux;
    *r = n->rows;
    *c = 2 * L->in * L->nb + 4 * L->in;
}

static gsl_matrix_float_view cols(gsl_matrix_float *w, size_t c0, size_t nc)
{
    return gsl_matrix_float_submatrix(w, 0, c0, w->size1, nc);
}

typedef struct { graph *g; graph_node *n; } kan_job;

/* Rows [r0, r1) of the basis matrix B, B', silu(x) and silu'(x). */
static void kan_basis_rows(void *arg, size_t r0, size_t r1)
{
    kan_job *j = arg;
    graph_node *n = j->n;
    const kan_layer *L = n->aux;
    const gsl_matrix_float *X = j->g->nodes[n->in[0]].val;
    size_t in = L->in, nb = L->nb, K = L->order, cells = L->grid + 2 * K;
    size_t o_bd = in * nb, o_s = 2 * in * nb, o_sd = o_s + in, o_m0 = o_sd + 2 * in;
    double val[KAN_MAX_ORDER + 1], der[KAN_MAX_ORDER + 1];
    for (size_t r = r0; r < r1; r++) {
        float *w = n->work->data + r * n->work->tda;
        const float *xr = X->data + r * X->tda;
        memset(w, 0, 2 * in * nb * sizeof *w);
        for (size_t i = 0; i < in; i++) {
            float x = xr[i];
            float s = 1.0f / (1.0f + expf(-x));
            w[o_s + i] = x * s;
            w[o_sd + i] = s * (1.0f + x * (1.0f - s));
            double u = ((double)x - L->lo[i]) / L->h[i] + (double)K;
            w[o_m0 + i] = -1e9f;
            if (!(u >= 0.0) || u >= (double)cells)
                continue;   /* outside the extended grid: no spline */
            float *b = w + i * nb, *bd = w + o_bd + i * nb;
            float inv_h = (float)(1.0 / L->h[i]);
            long cell = (long)u, m0 = cell - (long)K;
            w[o_m0 + i] = (float)m0;
            if (K == 3) {
                /* uniform cubic B-spline in closed form, t in [0, 1) */
                float t = (float)(u - (double)cell), t2 = t * t, t3 = t2 * t, omt = 1.0f - t;
                float v[4] = {omt * omt * omt / 6.0f, (3.0f * t3 - 6.0f * t2 + 4.0f) / 6.0f,
                              (-3.0f * t3 + 3.0f * t2 + 3.0f * t + 1.0f) / 6.0f, t3 / 6.0f};
                float d[4] = {-0.5f * omt * omt, 1.5f * t2 - 2.0f * t, -1.5f * t2 + t + 0.5f,
                              0.5f * t2};
                for (int q = 0; q < 4; q++) {
                    long m = m0 + q;
                    if (m >= 0 && (size_t)m < nb) {
                        b[m] = v[q];
                        bd[m] = d[q] * inv_h;
                    }
                }
                continue;
            }
            long first;
            kan_basis_at(u, K, cells, val, der, &first);
            for (size_t q = 0; q <= K; q++) {
                long m = first + (long)q;
                if (m >= 0 && (size_t)m < nb) {
                    b[m] = (float)val[q];
                    bd[m] = (float)der[q] * inv_h;
                }
            }
        }
    }
}

/* y = silu(x) Wb + b + B(x) C;  B(x) the basis matrix, row r, column i nb + m */
static void kan_fwd(graph *g, graph_node *n)
{
    const kan_layer *L = n->aux;
    size_t in = L->in, nb = L->nb, o_s = 2 * in * nb;
    kan_job j = {g, n};
    graph_parallel_rows(g, n->rows, kan_basis_rows, &j);
    gsl_matrix_float_view B = cols(n->work, 0, in * nb), S = cols(n->work, o_s, in);
    for (size_t r = 0; r < n->rows; r++)
        memcpy(n->val->data + r * n->val->tda, L->bias->data, L->out * sizeof(float));
    gsl_blas_sgemm(CblasNoTrans, CblasNoTrans, 1.0f, &S.matrix, L->wb, 1.0f, n->val);
    gsl_blas_sgemm(CblasNoTrans, CblasNoTrans, 1.0f, &B.matrix, L->coef, 1.0f, n->val);
}

/* Rows [r0, r1) of dx from dS = dy Wb^T and dB = dy C^T (in the work). */
static void kan_dx_rows(void *arg, size_t r0, size_t r1)
{
    kan_job *j = arg;
    graph_node *n = j->n;
    const kan_layer *L = n->aux;
    graph_node *NX = &j->g->nodes[n->in[0]];
    size_t in = L->in, nb = L->nb, o_bd = in * nb, o_sd = 2 * in * nb + in, o_ds = o_sd + in;
    size_t o_m0 = o_ds + in;
    long K = (long)L->order;
    for (size_t r = r0; r < r1; r++) {
        const float *w = n->work->data + r * n->work->tda;
        float *gx = NX->grad->data + r * NX->grad->tda;
        for (size_t i = 0; i < in; i++) {
            float s = w[o_ds + i] * w[o_sd + i];
            const float *db = w + i * nb, *bd = w + o_bd + i * nb;
            long m0 = (long)w[o_m0 + i];
            /* only the order + 1 basis functions non-zero at x */
            for (long m = m0 < 0 ? 0 : m0; m <= m0 + K && m < (long)nb; m++)
                s += db[m] * bd[m];
            gx[i] += s;
        }
    }
}

/* dWb += silu(x)^T dy, db += sum dy, dC += B^T dy,
 * dx += (dy Wb^T) silu'(x) + sum_m (dy C^T)[., i nb + m] B'_m(x) */
static void kan_bwd(graph *g, graph_node *n)
{
    kan_layer *L = n->aux;
    graph_node *NX = &g->nodes[n->in[0]];
    graph_node *NW = &g->nodes[n->in[1]], *NB = &g->nodes[n->in[2]], *NC = &g->nodes[n->in[3]];
    size_t in = L->in, nb = L->nb, o_s = 2 * in * nb, o_sd = o_s + in, o_ds = o_sd + in;
    gsl_matrix_float_view B = cols(n->work, 0, in * nb), S = cols(n->work, o_s, in);
    if (NW->grad)
        gsl_blas_sgemm(CblasTrans, CblasNoTrans, 1.0f, &S.matrix, n->grad, 1.0f, NW->grad);
    if (NB->grad)
        for (size_t r = 0; r < n->rows; r++)
            for (size_t j = 0; j < n->cols; j++)
                NB->grad->data[j] += n->grad->data[r * n->grad->tda + j];
    if (NC->grad)
        gsl_blas_sgemm(CblasTrans, CblasNoTrans, 1.0f, &B.matrix, n->grad, 1.0f, NC->grad);
    if (!NX->grad)
        return;
    /* B is not needed any more this step: dB = dy C^T overwrites it */
    gsl_matrix_float_view dS = cols(n->work, o_ds, in);
    gsl_blas_sgemm(CblasNoTrans, CblasTrans, 1.0f, n->grad, L->wb, 0.0f, &dS.matrix);
    gsl_blas_sgemm(CblasNoTrans, CblasTrans, 1.0f, n->grad, L->coef, 0.0f, &B.matrix);
    kan_job j = {g, n};
    graph_parallel_rows(g, n->rows, kan_dx_rows, &j);
}

static double kan_flops(const graph *g, const graph_node *n)
{
    const kan_layer *L = n->aux;
    return 6.0 * (double)n->rows * (double)(L->in * (L->nb + 1)) * (double)L->out;
}

const graph_op_def graph_op_kan = {"kan", kan_work, kan_fwd, kan_bwd, kan_flops};

int graph_kan(graph *g, int x, kan_layer *L, int trainable)
{
    if (x < 0 || (size_t)x >= g->n)
        return graph_fail(g, "graph: kan of a failed node");
    if (g->nodes[x].cols != L->in)
        return graph_fail(g, "graph: kan: %zu input columns for a layer of %zu inputs",
                          g->nodes[x].cols, L->in);
    int in[4] = {x, graph_param(g, L->wb, trainable ? L->gwb : NULL),
                 graph_param(g, L->bias, trainable ? L->gbias : NULL),
                 graph_param(g, L->coef, trainable ? L->gcoef : NULL)};
    int i = graph_add_node(g, GRAPH_OP_KAN, in, 4, g->nodes[x].rows, L->out);
    if (i >= 0)
        g->nodes[i].aux = L;
    return i;
}

/* ---- grid update --------------------------------------------------------- */

/* Moves input i's grid to the range the samples x take and re-fits its
 * coefficients by least squares to the spline it had, sampled densely over
 * the new range, so each edge function stays what it was there. */
int kan_layer_update_grid(kan_layer *L, const gsl_matrix_float *x, innx_err *err)
{
    if (x->size2 != L->in)
        return innx_errf(err, INNX_EINVAL, "kan: grid update: %zu columns for %zu inputs", x->size2, L->in);
    if (x->size1 == 0)
        return innx_errf(err, INNX_EINVAL, "kan: grid update: no samples");
    size_t nb = L->nb, K = L->order, cells = L->grid + 2 * K, npts = 8 * nb + 16;
    gsl_matrix *A = gsl_matrix_calloc(npts, nb), *cov = gsl_matrix_alloc(nb, nb);
    gsl_vector *yv = gsl_vector_alloc(npts), *c = gsl_vector_alloc(nb);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(npts, nb);
    double *old = malloc(npts * L->out * sizeof *old);
    int st = 0;
    if (!A || !cov || !yv || !c || !ws || !old) {
        st = innx_errf(err, INNX_ENOMEM, "kan: out of memory");
        goto done;
    }
    double val[KAN_MAX_ORDER + 1];
    for (size_t i = 0; i < L->in && st == 0; i++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t r = 0; r < x->size1; r++) {
            double v = gsl_matrix_float_get(x, r, i);
            if (isfinite(v)) {
                lo = fmin(lo, v);
                hi = fmax(hi, v);
            }
        }
        if (!isfinite(lo)) {
            st = innx_errf(err, INNX_EINVAL, "kan: grid update: input %zu has no finite sample", i);
            break;
        }
        if (hi - lo < 1e-6) {   /* a constant input still needs a grid */
            lo -= 0.5;
            hi += 0.5;
        }
        /* the old spline part of every edge from input i, on the new range */
        for (size_t p = 0; p < npts; p++) {
            double xp = lo + (hi - lo) * (double)p / (double)(npts - 1);
            long m0;
            int inside = kan_basis_at((xp - L->lo[i]) / L->h[i] + (double)K, K, cells, val, NULL, &m0) == 0;
            for (size_t j = 0; j < L->out; j++) {
                double s = 0;
                if (inside)
                    for (size_t q = 0; q <= K; q++) {
                        long m = m0 + (long)q;
                        if (m >= 0 && (size_t)m < nb)
                            s += val[q] * gsl_matrix_float_get(L->coef, i * nb + (size_t)m, j);
                    }
                old[p * L->out + j] = s;
            }
        }
        L->lo[i] = lo;
        L->h[i] = (hi - lo) / (double)L->grid;
        gsl_matrix_set_zero(A);
        for (size_t p = 0; p < npts; p++) {
            double xp = lo + (hi - lo) * (double)p / (double)(npts - 1);
            /* the right end sits on the last grid knot, inside the basis */
            double u = fmin((xp - lo) / L->h[i] + (double)K, (double)(L->grid + K) - 1e-9);
            long m0;
            if (kan_basis_at(u, K, cells, val, NULL, &m0) != 0)
                continue;
            for (size_t q = 0; q <= K; q++) {
                long m = m0 + (long)q;
                if (m >= 0 && (size_t)m < nb)
                    gsl_matrix_set(A, p, (size_t)m, val[q]);
            }
        }
        for (size_t j = 0; j < L->out; j++) {
            double chisq;
            size_t rank;
            for (size_t p = 0; p < npts; p++)
                gsl_vector_set(yv, p, old[p * L->out + j]);
            /* truncated SVD: basis functions barely touching the range are
             * left at zero rather than blown up */
            gsl_multifit_linear_tsvd(A, yv, 1e-10, c, cov, &chisq, &rank, ws);
            for (size_t m = 0; m < nb; m++)
                gsl_matrix_float_set(L->coef, i * nb + m, j, (float)gsl_vector_get(c, m));
        }
    }
done:
    free(old);
    if (ws) gsl_multifit_linear_free(ws);
    if (c) gsl_vector_free(c);
    if (yv) gsl_vector_free(yv);
    if (cov) gsl_matrix_free(cov);
    if (A) gsl_matrix_free(A);
    return st;
}
