/* kan.c: Kolmogorov-Arnold layers: each edge is w_b silu(x) + a learnable
 * B-spline on a uniform grid; one sgemm over [silu x | basis matrix] each way. */
#include <math.h>
#include <stdint.h>
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
    double *ih;                        /* 1 / h, for the op */
    /* Base weights and spline coefficients are two parameters but one block,
     * [Wb; C] ((in + in nb) x out), so the op is one product over [silu x | B]
     * each way; wb and coef (and their grads) are views into it. */
    gsl_matrix_float *cat, *gcat;
    gsl_matrix_float *wb, *coef, *gwb, *gcoef;   /* in x out, (in nb) x out */
    gsl_matrix_float *bias, *gbias;              /* 1 x out */
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

static void kan_set_grid(kan_layer *L, size_t i, double lo, double h)
{
    L->lo[i] = lo;
    L->h[i] = h;
    L->ih[i] = 1.0 / h;
}

/* rows [r0, r0 + n) of m, sharing its storage */
static gsl_matrix_float *rows_view(gsl_matrix_float *m, size_t r0, size_t n)
{
    return m ? gsl_matrix_float_alloc_from_matrix(m, r0, 0, n, m->size2) : NULL;
}

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
    L->ih = malloc(in * sizeof *L->ih);
    L->cat = mat(in * (L->nb + 1), out);
    L->gcat = mat(in * (L->nb + 1), out);
    L->wb = rows_view(L->cat, 0, in);
    L->coef = rows_view(L->cat, in, in * L->nb);
    L->gwb = rows_view(L->gcat, 0, in);
    L->gcoef = rows_view(L->gcat, in, in * L->nb);
    L->bias = mat(1, out);
    L->gbias = mat(1, out);
    if (!L->lo || !L->h || !L->ih || !L->wb || !L->bias || !L->coef || !L->gwb || !L->gbias ||
        !L->gcoef) {
        kan_layer_free(L);
        return NULL;
    }
    for (size_t i = 0; i < in; i++)
        kan_set_grid(L, i, lo, (hi - lo) / (double)grid);
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
    /* the views before the blocks they look into */
    gsl_matrix_float *m[] = {L->wb, L->coef, L->gwb, L->gcoef, L->cat, L->gcat, L->bias, L->gbias};
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        if (m[i])
            gsl_matrix_float_free(m[i]);
    free(L->lo);
    free(L->h);
    free(L->ih);
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
    for (size_t i = 0; i < src->in; i++)
        kan_set_grid(dst, i, src->lo[i], src->h[i]);
    gsl_matrix_float_memcpy(dst->cat, src->cat);
    gsl_matrix_float_memcpy(dst->bias, src->bias);
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

/* The per-row loops get an AVX2+FMA clone (x86-64-v3) picked at load time,
 * as graph.c's element-wise loops; the default clone keeps the binary
 * portable. */
#if defined(__SANITIZE_THREAD__)
#define KAN_HOT   /* see graph.c: gcc's TSan cannot start with clones */
#elif defined(__GNUC__) && __GNUC__ >= 12 && defined(__x86_64__) && !defined(__clang__)
#define KAN_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#elif defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define KAN_HOT __attribute__((target_clones("avx2", "default")))
#else
#define KAN_HOT
#endif

/* Eight floats as one value (GCC and Clang vector extension): dx's dot
 * products keep eight partial sums, as a float reduction is never
 * reordered by the compiler on its own. */
typedef float kan_v8 __attribute__((vector_size(32)));

static inline void kan_load8(kan_v8 *v, const float *p) { memcpy(v, p, sizeof *v); }

/* Inputs a row's vector pass handles at a time (its scratch on the stack). */
#define KAN_BLOCK 64

/* The work matrix, one row per sample (P = order + 1 functions are non-zero
 * at any x):
 *   [silu x: in][B: in nb][silu' x: in][w: in][B'_0..B'_{P-1}: P in]
 * [silu x | B] is the products' left operand both ways. For each input, w
 * (as a float) is the first of a window of P columns of B, inside that
 * input's nb, holding every non-zero function at x; B'_k is d/dx of the
 * window's k-th function (0 for those that are zero there). So the forward
 * scatters, and the backward gathers, P values per input with no tests,
 * and B' is never stored dense. */
static size_t kan_cols(const kan_layer *L) { return L->in * (L->nb + 3 + L->order + 1); }

/* The backward splits the batch into one slice per graph thread; slices
 * after the first add their d[Wb; C] and db into partials (stacked after
 * the rows above, (in (nb + 1) + 1) x out each) that are summed at the end. */
static size_t kan_slices(const graph *g) { return g->threads > 1 ? (size_t)g->threads : 1; }
static size_t kan_partial_size(const kan_layer *L) { return (L->in * (L->nb + 1) + 1) * L->out; }

static void kan_work(const graph *g, const graph_node *n, size_t *r, size_t *c)
{
    const kan_layer *L = n->aux;
    size_t cols = kan_cols(L), part = (kan_slices(g) - 1) * kan_partial_size(L);
    *r = n->rows + (part + cols - 1) / cols;
    *c = cols;
}

static float *kan_partial(graph_node *n, size_t s)
{
    const kan_layer *L = n->aux;
    return n->work->data + n->rows * n->work->tda + (s - 1) * kan_partial_size(L);
}

/* e^x to ~1e-7 relative for x in [-87, 88] (clamped there, so 2^n stays a
 * normal float): n = round(x / ln 2), e^x = 2^n e^r with a degree-6
 * polynomial for e^r (Cephes' expf). Branch-free, so the row loop that
 * calls it vectorises, which libm's expf does not. */
static inline float kan_expf(float x)
{
    /* written so a NaN lands on -87 too: the int conversion below then
     * stays defined, and silu's x * s still carries the NaN on */
    x = x >= -87.0f ? x : -87.0f;
    x = x <= 88.0f ? x : 88.0f;
    float n = floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t e = ((int32_t)n + 127) * (1 << 23);
    float scale;
    memcpy(&scale, &e, sizeof scale);
    return p * scale;
}

/* One row of the work for the cubic on a uniform grid, in closed form:
 * with t in [0, 1) the position inside x's cell, the four non-zero
 * functions, from the cell's first (m0 = cell - 3), are (1-t)^3/6,
 * (3t^3-6t^2+4)/6, (-3t^3+3t^2+3t+1)/6 and t^3/6. */
KAN_HOT static void kan_row_cubic(const kan_layer *L, const float *xr, float *w)
{
    size_t in = L->in, nb = L->nb;
    float *S = w, *B = w + in, *Sd = B + in * nb, *Wn = Sd + in, *D = Wn + in;
    const double *lo = L->lo, *ih = L->ih, cells = (double)(L->grid + 6);
    const float last = (float)(nb - 4);
    /* The vector pass writes only these locals, which nothing can alias,
     * so the compiler vectorises it without run-time overlap checks. */
    float s_[KAN_BLOCK], sd_[KAN_BLOCK], w_[KAN_BLOCK], V[4][KAN_BLOCK], Dk[4][KAN_BLOCK];
    memset(B, 0, in * nb * sizeof *B);
    for (size_t i0 = 0; i0 < in; i0 += KAN_BLOCK) {
        int ni = in - i0 < KAN_BLOCK ? (int)(in - i0) : KAN_BLOCK;
        float wb = (float)i0 * (float)nb;
        /* vectorised (int index: no vector size_t -> float conversion),
         * every if a select */
        for (int k = 0; k < ni; k++) {
            float x = xr[i0 + k], s = 1.0f / (1.0f + kan_expf(-x));
            s_[k] = x * s;
            sd_[k] = s * (1.0f + x * (1.0f - s));
            /* where x falls, in knot units, in double: a float u ~ 10 would
             * leave t, so the basis, only good to ~1e-6 */
            double u = ((double)x - lo[i0 + k]) * ih[i0 + k] + 3.0;
            /* outside [0, cells) (or NaN): no spline */
            float in_ = (u >= 0.0 ? 1.0f : 0.0f) * (u < cells ? 1.0f : 0.0f);
            double uc = in_ > 0.0f ? u : 0.0, cd = floor(uc);
            float c = (float)cd, t = (float)(uc - cd), t2 = t * t, t3 = t2 * t, omt = 1.0f - t;
            float fih = (float)ih[i0 + k];
            float v[4] = {omt * omt * omt * (1.0f / 6.0f), (3.0f * t3 - 6.0f * t2 + 4.0f) * (1.0f / 6.0f),
                          (-3.0f * t3 + 3.0f * t2 + 3.0f * t + 1.0f) * (1.0f / 6.0f), t3 * (1.0f / 6.0f)};
            float d[4] = {-0.5f * omt * omt, 1.5f * t2 - 2.0f * t, -1.5f * t2 + t + 0.5f, 0.5f * t2};
            /* the window starts at m0 moved inside [0, nb - 4]; the
             * window's k-th function is the cell's (k - sh)-th */
            float m0 = c - 3.0f, mc = m0 < 0.0f ? 0.0f : m0;
            mc = mc > last ? last : mc;
            float sh = m0 - mc;
            w_[k] = wb + (float)k * (float)nb + mc;
            for (int kk = 0; kk < 4; kk++) {
                float q = (float)kk - sh, vv = 0.0f, dd = 0.0f;
                vv = q == 0.0f ? v[0] : vv;
                vv = q == 1.0f ? v[1] : vv;
                vv = q == 2.0f ? v[2] : vv;
                vv = q == 3.0f ? v[3] : vv;
                dd = q == 0.0f ? d[0] : dd;
                dd = q == 1.0f ? d[1] : dd;
                dd = q == 2.0f ? d[2] : dd;
                dd = q == 3.0f ? d[3] : dd;
                V[kk][k] = vv * in_;
                Dk[kk][k] = dd * fih * in_;
            }
        }
        memcpy(S + i0, s_, (size_t)ni * sizeof *S);
        memcpy(Sd + i0, sd_, (size_t)ni * sizeof *Sd);
        memcpy(Wn + i0, w_, (size_t)ni * sizeof *Wn);
        for (size_t q = 0; q < 4; q++)
            memcpy(D + q * in + i0, Dk[q], (size_t)ni * sizeof *D);
        for (int k = 0; k < ni; k++) {
            float *b = B + (int32_t)w_[k];
            b[0] = V[0][k];
            b[1] = V[1][k];
            b[2] = V[2][k];
            b[3] = V[3][k];
        }
    }
}

/* The same for any order, by Cox-de Boor in double (kan_basis_at). */
static void kan_row_general(const kan_layer *L, const float *xr, float *w)
{
    size_t in = L->in, nb = L->nb, K = L->order, P = K + 1, cells = L->grid + 2 * K;
    float *S = w, *B = w + in, *Sd = B + in * nb, *Wn = Sd + in, *D = Wn + in;
    double val[KAN_MAX_ORDER + 1], der[KAN_MAX_ORDER + 1];
    memset(B, 0, in * nb * sizeof *B);
    for (size_t i = 0; i < in; i++) {
        float x = xr[i], s = 1.0f / (1.0f + expf(-x));
        S[i] = x * s;
        Sd[i] = s * (1.0f + x * (1.0f - s));
        long m0 = 0, mc;
        int inside = kan_basis_at(((double)x - L->lo[i]) / L->h[i] + (double)K, K, cells, val, der, &m0) == 0;
        mc = !inside || m0 < 0 ? 0 : m0;
        mc = mc > (long)(nb - P) ? (long)(nb - P) : mc;
        Wn[i] = (float)(i * nb + (size_t)mc);
        for (size_t k = 0; k < P; k++) {
            long q = mc + (long)k - m0;   /* the cell's q-th function */
            int on = inside && q >= 0 && q <= (long)K;
            B[i * nb + (size_t)mc + k] = on ? (float)val[q] : 0.0f;
            D[k * in + i] = on ? (float)(der[q] / L->h[i]) : 0.0f;
        }
    }
}

typedef struct { graph *g; graph_node *n; } kan_job;

/* Rows handled together in the forward: their [silu x | B] (~1 KB a row
 * for 32 inputs) is multiplied while it is still in the cache. */
#define KAN_CHUNK 128

static gsl_matrix_float_view kan_rows(gsl_matrix_float *m, size_t r0, size_t r1, size_t cols)
{
    return gsl_matrix_float_submatrix(m, r0, 0, r1 - r0, cols);
}

/* C += op(A) W. A one-column W (a layer with one output) goes to sgemv:
 * sgemm would copy all of A into its packed layout for a single column. */
static void kan_product(CBLAS_TRANSPOSE_t ta, const gsl_matrix_float *A, const gsl_matrix_float *W,
                        gsl_matrix_float *C)
{
    if (W->size2 == 1 && C->size2 == 1) {
        gsl_vector_float_const_view w = gsl_matrix_float_const_column(W, 0);
        gsl_vector_float_view c = gsl_matrix_float_column(C, 0);
        gsl_blas_sgemv(ta, 1.0f, A, &w.vector, 1.0f, &c.vector);
    } else {
        gsl_blas_sgemm(ta, CblasNoTrans, 1.0f, A, W, 1.0f, C);
    }
}

/* Rows [r0, r1) of the forward: the work, then y = [silu x | B] [Wb; C] + b. */
static void kan_fwd_rows(void *arg, size_t r0, size_t r1)
{
    kan_job *j = arg;
    graph_node *n = j->n;
    const kan_layer *L = n->aux;
    const gsl_matrix_float *X = j->g->nodes[n->in[0]].val;
    for (size_t c0 = r0; c0 < r1; c0 += KAN_CHUNK) {
        size_t c1 = r1 - c0 < KAN_CHUNK ? r1 : c0 + KAN_CHUNK;
        for (size_t r = c0; r < c1; r++) {
            const float *xr = X->data + r * X->tda;
            float *w = n->work->data + r * n->work->tda;
            if (L->order == 3)
                kan_row_cubic(L, xr, w);
            else
                kan_row_general(L, xr, w);
            memcpy(n->val->data + r * n->val->tda, L->bias->data, L->out * sizeof(float));
        }
        gsl_matrix_float_view SB = kan_rows(n->work, c0, c1, L->in * (L->nb + 1));
        gsl_matrix_float_view Y = kan_rows(n->val, c0, c1, L->out);
        kan_product(CblasNoTrans, &SB.matrix, L->cat, &Y.matrix);
    }
}

/* y = [silu x | B(x)] [Wb; C] + b;  B(x) the basis matrix, row r, column i nb + m */
static void kan_fwd(graph *g, graph_node *n)
{
    kan_job j = {g, n};
    graph_parallel_rows(g, n->rows, kan_fwd_rows, &j);
}

/* dx for one row, one output (a network's last layer): vectorised
 * across the inputs, the window's C entries gathered. */
KAN_HOT static void kan_dx_row_1(const kan_layer *L, const float *work, float dy, float *gx)
{
    size_t in = L->in, nb = L->nb;
    const float *Sd = work + in * (nb + 1), *Wn = Sd + in, *D = Wn + in;
    const float *Wb = L->wb->data, *C = L->coef->data;
    float t[KAN_BLOCK];
    for (size_t i0 = 0; i0 < in; i0 += KAN_BLOCK) {
        int ni = in - i0 < KAN_BLOCK ? (int)(in - i0) : KAN_BLOCK;
        for (int k = 0; k < ni; k++) {
            size_t i = i0 + (size_t)k;
            int w = (int)Wn[i];
            t[k] = Sd[i] * Wb[i] + D[i] * C[w] + D[in + i] * C[w + 1] + D[2 * in + i] * C[w + 2] +
                   D[3 * in + i] * C[w + 3];
        }
        for (int k = 0; k < ni; k++)
            gx[i0 + (size_t)k] += dy * t[k];
    }
}

/* Rows [r0, r1) of dx: per input, dy dotted with the row vector
 * silu'(x) Wb[i,.] + sum_k B'_k(x) C[w + k, .] over the input's window.
 * Only P rows of C take part, so this skips the dense dy C^T (in nb wide,
 * mostly zeros) and its trip through memory. */
KAN_HOT static void kan_dx_rows(void *arg, size_t r0, size_t r1)
{
    kan_job *j = arg;
    graph_node *n = j->n;
    const kan_layer *L = n->aux;
    graph_node *NX = &j->g->nodes[n->in[0]];
    size_t in = L->in, nb = L->nb, P = L->order + 1, out = L->out, out8 = out & ~(size_t)7;
    const float *Wb = L->wb->data, *C = L->coef->data;
    for (size_t r = r0; r < r1; r++) {
        const float *work = n->work->data + r * n->work->tda;
        const float *Sd = work + in * (nb + 1), *Wn = Sd + in, *D = Wn + in;
        const float *dy = n->grad->data + r * n->grad->tda;
        float *gx = NX->grad->data + r * NX->grad->tda;
        if (out == 1 && P == 4) {
            kan_dx_row_1(L, work, dy[0], gx);
            continue;
        }
        for (size_t i = 0; i < in; i++) {
            const float *w = Wb + i * out, *cr = C + (size_t)(int32_t)Wn[i] * out;
            float sd = Sd[i], s = 0.0f;
            kan_v8 p = {0}, a, b;
            size_t c = 0;
            if (P == 4) {   /* the cubic, unrolled */
                float d0 = D[i], d1 = D[in + i], d2 = D[2 * in + i], d3 = D[3 * in + i];
                for (; c < out8; c += 8) {
                    kan_load8(&a, w + c);
                    a *= sd;
                    kan_load8(&b, cr + c);
                    a += d0 * b;
                    kan_load8(&b, cr + out + c);
                    a += d1 * b;
                    kan_load8(&b, cr + 2 * out + c);
                    a += d2 * b;
                    kan_load8(&b, cr + 3 * out + c);
                    a += d3 * b;
                    kan_load8(&b, dy + c);
                    p += a * b;
                }
            } else {
                for (; c < out8; c += 8) {
                    kan_load8(&a, w + c);
                    a *= sd;
                    for (size_t k = 0; k < P; k++) {
                        kan_load8(&b, cr + k * out + c);
                        a += D[k * in + i] * b;
                    }
                    kan_load8(&b, dy + c);
                    p += a * b;
                }
            }
            for (; c < out; c++) {
                float v = sd * w[c];
                for (size_t k = 0; k < P; k++)
                    v += D[k * in + i] * cr[k * out + c];
                s += v * dy[c];
            }
            gx[i] += s + ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        }
    }
}

/* One slice of the backward: its rows' d[Wb; C] and db (into the
 * parameters' gradients for slice 0, a partial for the others) and dx. */
static void kan_bwd_slice(graph *g, graph_node *n, size_t s)
{
    kan_layer *L = n->aux;
    graph_node *NX = &g->nodes[n->in[0]];
    size_t ns = kan_slices(g), r0 = n->rows * s / ns, r1 = n->rows * (s + 1) / ns;
    size_t k = L->in * (L->nb + 1), out = L->out;
    gsl_matrix_float_view part = gsl_matrix_float_view_array(s ? kan_partial(n, s) : L->gcat->data, k, out);
    float *db = s ? part.matrix.data + k * out : L->gbias->data;
    if (s)
        memset(part.matrix.data, 0, kan_partial_size(L) * sizeof(float));
    if (r0 == r1)
        return;
    gsl_matrix_float_view SB = kan_rows(n->work, r0, r1, k), dY = kan_rows(n->grad, r0, r1, out);
    kan_product(CblasTrans, &SB.matrix, &dY.matrix, &part.matrix);
    for (size_t r = r0; r < r1; r++)
        for (size_t c = 0; c < out; c++)
            db[c] += n->grad->data[r * n->grad->tda + c];
    if (NX->grad) {
        kan_job j = {g, n};
        kan_dx_rows(&j, r0, r1);
    }
}

/* graph_parallel_rows hands out row ranges; 64 "rows" per slice, and each
 * slice goes to the call whose range holds its first one, so a slice is
 * done exactly once however the range is split. */
static void kan_bwd_slices(void *arg, size_t v0, size_t v1)
{
    kan_job *j = arg;
    for (size_t s = (v0 + 63) / 64; s * 64 < v1; s++)
        kan_bwd_slice(j->g, j->n, s);
}

/* d[Wb; C] += [silu x | B]^T dy, db += sum dy,
 * dx += (dy Wb^T) silu'(x) + sum_m (dy C^T)[., i nb + m] B'_m(x) */
static void kan_bwd(graph *g, graph_node *n)
{
    kan_layer *L = n->aux;
    graph_node *NX = &g->nodes[n->in[0]];
    graph_node *NW = &g->nodes[n->in[1]], *NB = &g->nodes[n->in[2]], *NC = &g->nodes[n->in[3]];
    kan_job j = {g, n};
    if (NW->grad && NB->grad && NC->grad) {
        size_t ns = kan_slices(g), k = L->in * (L->nb + 1) * L->out;
        graph_parallel_rows(g, ns * 64, kan_bwd_slices, &j);
        for (size_t s = 1; s < ns; s++) {
            const float *p = kan_partial(n, s);
            for (size_t e = 0; e < k; e++)
                L->gcat->data[e] += p[e];
            for (size_t c = 0; c < L->out; c++)
                L->gbias->data[c] += p[k + c];
        }
    } else if (NX->grad) {   /* a frozen layer (graph_kan(..., 0)): dx only */
        graph_parallel_rows(g, n->rows, kan_dx_rows, &j);
    }
}

/* forward and d[Wb; C] are products over in (nb + 1) columns; dx touches
 * only the P non-zero functions and the base branch per input */
static double kan_flops(const graph *g, const graph_node *n)
{
    const kan_layer *L = n->aux;
    double rows = (double)n->rows, out = (double)L->out, k = (double)(L->in * (L->nb + 1));
    double f = 4.0 * rows * k * out;
    if (g->nodes[n->in[0]].grad)
        f += 2.0 * rows * (double)(L->in * (L->order + 2)) * out;
    return f;
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

/* ---- the tangent op (gp) ------------------------------------------------ */

/* Forward-mode through a layer: given t = dx/dy (a tangent per row), the
 * layer's output tangent sum_i t_i phi_ij'(x_i), with
 * phi' = wb silu'(x) + sum_m C_m B_m'(x). It is the forward's product with
 * [t silu'(x) | t B'(x)] in place of [silu x | B(x)], so d[Wb; C] is that
 * matrix's transpose times dy; dt and dx need phi' and phi'' (silu'' and
 * B'', the latter from the order-1-lower basis: N''(m, K) = N'(m, K-1) -
 * N'(m+1, K-1) on unit knots). Plain loops, one thread: it is only built
 * while gp is on. Work row:
 *   [t S': in][t B': in nb][S': in][S'': in][w: in][B'_k: P in][B''_k: P in] */
static size_t kant_cols(const kan_layer *L) { return L->in * (L->nb + 4 + 2 * (L->order + 1)); }

static void kant_work(const graph *g, const graph_node *n, size_t *r, size_t *c)
{
    (void)g;
    *r = n->rows;
    *c = kant_cols(n->aux);
}

static void kant_row(const kan_layer *L, const float *xr, const float *tr, float *w)
{
    size_t in = L->in, nb = L->nb, K = L->order, P = K + 1, cells = L->grid + 2 * K;
    float *A = w, *Sd = w + in * (nb + 1), *Sdd = Sd + in, *Wn = Sdd + in, *D = Wn + in, *DD = D + P * in;
    double val[KAN_MAX_ORDER + 1], der[KAN_MAX_ORDER + 1], val1[KAN_MAX_ORDER + 1], der1[KAN_MAX_ORDER + 1];
    memset(A, 0, in * (nb + 1) * sizeof *A);
    for (size_t i = 0; i < in; i++) {
        double x = xr[i], s = 1.0 / (1.0 + exp(-x)), h = L->h[i];
        Sd[i] = (float)(s * (1.0 + x * (1.0 - s)));
        Sdd[i] = (float)(s * (1.0 - s) * (2.0 + x * (1.0 - 2.0 * s)));
        double u = (x - L->lo[i]) / h + (double)K;
        long m0 = 0, m1 = 0, mc;
        int inside = kan_basis_at(u, K, cells, val, der, &m0) == 0;
        if (inside && K >= 1)
            kan_basis_at(u, K - 1, cells, val1, der1, &m1);
        mc = !inside || m0 < 0 ? 0 : m0;
        mc = mc > (long)(nb - P) ? (long)(nb - P) : mc;
        Wn[i] = (float)(i * nb + (size_t)mc);
        A[i] = tr[i] * Sd[i];
        for (size_t k = 0; k < P; k++) {
            long q = mc + (long)k - m0;
            int on = inside && q >= 0 && q <= (long)K;
            double dd = 0;
            if (on && K >= 1)
                dd = (q >= 1 ? der1[q - 1] : 0.0) - (q < (long)K ? der1[q] : 0.0);
            D[k * in + i] = on ? (float)(der[q] / h) : 0.0f;
            DD[k * in + i] = (float)(dd / (h * h));
            A[in + i * nb + (size_t)mc + k] = tr[i] * D[k * in + i];
        }
    }
}

/* y = [t silu'(x) | t B'(x)] [Wb; C] */
static void kant_fwd(graph *g, graph_node *n)
{
    const kan_layer *L = n->aux;
    const gsl_matrix_float *X = g->nodes[n->in[0]].val, *T = g->nodes[n->in[1]].val;
    for (size_t r = 0; r < n->rows; r++)
        kant_row(L, X->data + r * X->tda, T->data + (T->size1 == 1 ? 0 : r) * T->tda,
                 n->work->data + r * n->work->tda);
    gsl_matrix_float_set_zero(n->val);
    gsl_matrix_float_view A = kan_rows(n->work, 0, n->rows, L->in * (L->nb + 1));
    kan_product(CblasNoTrans, &A.matrix, L->cat, n->val);
}

/* d[Wb; C] += A^T dy;  dt_i += sum_j dy_j phi_ij'(x_i);  dx_i += t_i sum_j dy_j phi_ij''(x_i) */
static void kant_bwd(graph *g, graph_node *n)
{
    kan_layer *L = n->aux;
    graph_node *NX = &g->nodes[n->in[0]], *NT = &g->nodes[n->in[1]];
    graph_node *NW = &g->nodes[n->in[2]], *NC = &g->nodes[n->in[3]];
    size_t in = L->in, nb = L->nb, P = L->order + 1, out = L->out;
    if (NW->grad && NC->grad) {
        gsl_matrix_float_view A = kan_rows(n->work, 0, n->rows, in * (nb + 1));
        kan_product(CblasTrans, &A.matrix, n->grad, L->gcat);
    }
    if (!NX->grad && !NT->grad)
        return;
    const float *Wb = L->wb->data, *C = L->coef->data;
    for (size_t r = 0; r < n->rows; r++) {
        const float *w = n->work->data + r * n->work->tda;
        const float *Sd = w + in * (nb + 1), *Sdd = Sd + in, *Wn = Sdd + in, *D = Wn + in, *DD = D + P * in;
        const float *dy = n->grad->data + r * n->grad->tda;
        size_t rt = NT->rows == 1 ? 0 : r;
        const float *tr = NT->val->data + rt * NT->val->tda;
        for (size_t i = 0; i < in; i++) {
            const float *wr = Wb + i * out, *cr = C + (size_t)(int32_t)Wn[i] * out;
            double g1 = 0, g2 = 0;
            for (size_t c = 0; c < out; c++) {
                double a = Sd[i] * wr[c], b = Sdd[i] * wr[c];
                for (size_t k = 0; k < P; k++) {
                    a += D[k * in + i] * cr[k * out + c];
                    b += DD[k * in + i] * cr[k * out + c];
                }
                g1 += a * dy[c];
                g2 += b * dy[c];
            }
            if (NT->grad)
                NT->grad->data[rt * NT->grad->tda + i] += (float)g1;
            if (NX->grad)
                NX->grad->data[r * NX->grad->tda + i] += (float)(tr[i] * g2);
        }
    }
}

static double kant_flops(const graph *g, const graph_node *n)
{
    (void)g;
    const kan_layer *L = n->aux;
    double rows = (double)n->rows, out = (double)L->out, k = (double)(L->in * (L->nb + 1));
    return 4.0 * rows * k * out + 4.0 * rows * (double)(L->in * (L->order + 2)) * out;
}

const graph_op_def graph_op_kan_tangent = {"kan_tangent", kant_work, kant_fwd, kant_bwd, kant_flops};

int graph_kan_tangent(graph *g, int x, int t, kan_layer *L, int trainable)
{
    if (x < 0 || (size_t)x >= g->n || t < 0 || (size_t)t >= g->n)
        return graph_fail(g, "graph: kan_tangent of a failed node");
    graph_node *X = &g->nodes[x], *T = &g->nodes[t];
    if (X->cols != L->in || T->cols != L->in || (T->rows != X->rows && T->rows != 1))
        return graph_fail(g, "graph: kan_tangent: x is %zux%zu, t %zux%zu, the layer takes %zu inputs",
                          X->rows, X->cols, T->rows, T->cols, L->in);
    int in[4] = {x, t, graph_param(g, L->wb, trainable ? L->gwb : NULL),
                 graph_param(g, L->coef, trainable ? L->gcoef : NULL)};
    int i = graph_add_node(g, GRAPH_OP_KAN_TANGENT, in, 4, g->nodes[x].rows, L->out);
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
        kan_set_grid(L, i, lo, (hi - lo) / (double)L->grid);
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
