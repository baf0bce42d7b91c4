/* nn.c: models from a spec string (MLP or KAN) with PyTorch's default init;
 * a model owns its weights and appends itself to any graph on request. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>

#include "act.h"
#include "graph_impl.h"
#include "innx/flow.h"
#include "innx/kan.h"
#include "innx/nn.h"

struct nn_model {
    nn_spec spec;
    size_t n_layers;
    gsl_matrix_float *W[NN_MAX_LAYERS], *b[NN_MAX_LAYERS];   /* MLP */
    gsl_matrix_float *gW[NN_MAX_LAYERS], *gb[NN_MAX_LAYERS];
    kan_layer *kan[NN_MAX_LAYERS];                            /* KAN */
    /* siamese: layer l is another model's (not owned, not in params, its
     * activation act_shared), trained only while train_shared is on */
    int shared[NN_MAX_LAYERS];
    graph_act act_shared;
    int train_shared;
    flow *fl;                                                 /* FLOW */
    optim_params params;
};

static const char *const act_names[] = {
    [GRAPH_ACT_IDENTITY] = "identity", [GRAPH_ACT_TANH] = "tanh",
    [GRAPH_ACT_RELU] = "relu",         [GRAPH_ACT_SOFTPLUS] = "softplus",
    [GRAPH_ACT_SIGMOID] = "sigmoid",   [GRAPH_ACT_SILU] = "silu",
};

const char *nn_act_name(graph_act a)
{
    return (unsigned)a < sizeof act_names / sizeof *act_names ? act_names[a] : "?";
}

/* "kind:w0-w1-...-wn[/opts]"; opts is an activation for MLPs and gGkK (and
 * optionally rLO:HI for the initial grid range) for KANs. */
int nn_spec_parse(const char *s, nn_spec *spec, innx_err *err)
{
    memset(spec, 0, sizeof *spec);
    spec->act = GRAPH_ACT_TANH;
    spec->grid = 5;
    spec->order = 3;
    spec->lo = -1.0;
    spec->hi = 1.0;
    if (!s || !*s)
        return innx_errf(err, INNX_EINVAL, "model: empty spec (expected e.g. mlp:1-128-128-64-1/tanh)");
    const char *p;
    if (strncmp(s, "mlp:", 4) == 0) {
        spec->kind = NN_MLP;
        p = s + 4;
    } else if (strncmp(s, "kan:", 4) == 0) {
        spec->kind = NN_KAN;
        p = s + 4;
    } else if (strncmp(s, "flow:", 5) == 0) {
        spec->kind = NN_FLOW;
        return flow_spec_parse(s, &spec->blocks, &spec->hidden, err);
    } else {
        return innx_errf(err, INNX_EINVAL,
                         "model: '%s': expected 'mlp:' or 'kan:' then widths (e.g. mlp:1-64-1), or flow:BLOCKS-HIDDEN",
                         s);
    }
    for (;;) {
        if (!isdigit((unsigned char)*p))
            return innx_errf(err, INNX_EINVAL, "model: '%s': column %d: expected a layer width",
                             s, (int)(p - s) + 1);
        errno = 0;
        char *end;
        unsigned long w = strtoul(p, &end, 10);
        if (errno || w == 0 || w > 65536)
            return innx_errf(err, INNX_EINVAL, "model: '%s': column %d: width must be 1..65536",
                             s, (int)(p - s) + 1);
        if (spec->n_widths == NN_MAX_LAYERS + 1)
            return innx_errf(err, INNX_EINVAL, "model: '%s': more than %d layers", s, NN_MAX_LAYERS);
        spec->widths[spec->n_widths++] = w;
        p = end;
        if (*p == '-') {
            p++;
            continue;
        }
        break;
    }
    if (spec->n_widths < 2)
        return innx_errf(err, INNX_EINVAL, "model: '%s': need at least an input and an output width", s);
    if (*p == '\0')
        return 0;
    if (*p != '/')
        return innx_errf(err, INNX_EINVAL, "model: '%s': column %d: unexpected '%c'",
                         s, (int)(p - s) + 1, *p);
    p++;
    if (spec->kind == NN_MLP) {
        for (size_t a = 1; a < sizeof act_names / sizeof *act_names; a++)
            if (strcmp(p, act_names[a]) == 0) {
                spec->act = (graph_act)a;
                return 0;
            }
        return innx_errf(err, INNX_EINVAL,
                         "model: '%s': unknown activation '%s' (tanh, relu, softplus, sigmoid, silu)", s, p);
    }
    while (*p) {
        char key = *p++;
        char *end;
        if (key == 'g' || key == 'k') {
            unsigned long v = strtoul(p, &end, 10);
            if (end == p || v == 0 || v > 64)
                return innx_errf(err, INNX_EINVAL, "model: '%s': '%c' needs a number 1..64", s, key);
            if (key == 'g') spec->grid = v; else spec->order = v;
            p = end;
        } else if (key == 'r') {
            double lo = strtod(p, &end);
            if (end == p || *end != ':')
                return innx_errf(err, INNX_EINVAL, "model: '%s': range is rLO:HI", s);
            p = end + 1;
            double hi = strtod(p, &end);
            if (end == p || !(hi > lo))
                return innx_errf(err, INNX_EINVAL, "model: '%s': range needs LO < HI", s);
            spec->lo = lo;
            spec->hi = hi;
            p = end;
        } else {
            return innx_errf(err, INNX_EINVAL,
                             "model: '%s': unknown KAN option '%c' (gN grid, kN order, rLO:HI range)", s, key);
        }
    }
    return 0;
}

void nn_spec_format(const nn_spec *spec, char *buf, size_t len)
{
    if (spec->kind == NN_FLOW) {
        snprintf(buf, len, "flow:%zu-%zu", spec->blocks, spec->hidden);
        return;
    }
    size_t o = (size_t)snprintf(buf, len, "%s:", spec->kind == NN_MLP ? "mlp" : "kan");
    for (size_t i = 0; i < spec->n_widths && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, i ? "-%zu" : "%zu", spec->widths[i]);
    if (o >= len)
        return;
    if (spec->kind == NN_MLP)
        snprintf(buf + o, len - o, "/%s", nn_act_name(spec->act));
    else
        snprintf(buf + o, len - o, "/g%zuk%zu", spec->grid, spec->order);
}

/* nn.Linear's default: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
static void init_uniform(gsl_matrix_float *m, double bound, gsl_rng *r)
{
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            gsl_matrix_float_set(m, i, j, (float)gsl_ran_flat(r, -bound, bound));
}

static int collect_params(nn_model *m)
{
    size_t n = 0;
    for (size_t l = 0; l < m->n_layers; l++)
        n += m->shared[l] ? 0 : m->spec.kind == NN_MLP ? 2 : kan_layer_n_params(m->kan[l]);
    m->params.n = n;
    m->params.val = calloc(n, sizeof *m->params.val);
    m->params.grad = calloc(n, sizeof *m->params.grad);
    if (!m->params.val || !m->params.grad)
        return INNX_ENOMEM;
    size_t k = 0;
    for (size_t l = 0; l < m->n_layers; l++) {
        if (m->shared[l])
            continue;
        if (m->spec.kind == NN_MLP) {
            m->params.val[k] = m->W[l];
            m->params.grad[k++] = m->gW[l];
            m->params.val[k] = m->b[l];
            m->params.grad[k++] = m->gb[l];
        } else {
            kan_layer_params(m->kan[l], m->params.val + k, m->params.grad + k);
            k += kan_layer_n_params(m->kan[l]);
        }
    }
    return 0;
}

nn_model *nn_alloc(const nn_spec *spec, gsl_rng *r, innx_err *err)
{
    nn_model *m = calloc(1, sizeof *m);
    if (!m) {
        innx_errf(err, INNX_ENOMEM, "model: out of memory");
        return NULL;
    }
    m->spec = *spec;
    if (spec->kind == NN_FLOW) {
        /* the flow owns its parameters; the model lends their list */
        if (spec->n_widths != 2 ||
            !(m->fl = flow_alloc(spec->widths[1], spec->widths[0], spec->blocks, spec->hidden, r, err))) {
            if (spec->n_widths != 2)
                innx_errf(err, INNX_EINVAL, "model: a flow's widths (y's m, x's n) are not set");
            free(m);
            return NULL;
        }
        m->params = *flow_params(m->fl);
        return m;
    }
    m->n_layers = spec->n_widths - 1;
    for (size_t l = 0; l < m->n_layers; l++) {
        size_t in = spec->widths[l], out = spec->widths[l + 1];
        if (spec->kind == NN_MLP) {
            m->W[l] = gsl_matrix_float_alloc(in, out);
            m->b[l] = gsl_matrix_float_alloc(1, out);
            m->gW[l] = gsl_matrix_float_calloc(in, out);
            m->gb[l] = gsl_matrix_float_calloc(1, out);
            if (!m->W[l] || !m->b[l] || !m->gW[l] || !m->gb[l])
                goto nomem;
            double bound = 1.0 / sqrt((double)in);
            init_uniform(m->W[l], bound, r);
            init_uniform(m->b[l], bound, r);
        } else {
            m->kan[l] = kan_layer_alloc(in, out, spec->grid, spec->order, spec->lo, spec->hi, r);
            if (!m->kan[l])
                goto nomem;
        }
    }
    if (collect_params(m) != 0)
        goto nomem;
    return m;
nomem:
    innx_errf(err, INNX_ENOMEM, "model: out of memory");
    nn_free(m);
    return NULL;
}

nn_model *nn_alloc_siamese(const nn_spec *spec, nn_model *body, gsl_rng *r, innx_err *err)
{
    const nn_spec *bs = &body->spec;
    int fits = spec->kind == NN_MLP && bs->kind == NN_MLP && spec->n_widths == bs->n_widths && spec->n_widths >= 4;
    for (size_t l = 1; fits && l + 1 < spec->n_widths; l++)
        fits = spec->widths[l] == bs->widths[l];
    if (!fits)
        return innx_errf(err, INNX_EINVAL,
                         "inverse.siamese: G's hidden widths must be NN1's, both MLPs with two hidden layers or more"),
               NULL;
    nn_model *m = nn_alloc(spec, r, err);
    if (!m)
        return NULL;
    /* the hidden-to-hidden layers become NN1's */
    for (size_t l = 1; l + 1 < m->n_layers; l++) {
        gsl_matrix_float_free(m->W[l]), gsl_matrix_float_free(m->b[l]);
        gsl_matrix_float_free(m->gW[l]), gsl_matrix_float_free(m->gb[l]);
        m->W[l] = body->W[l], m->b[l] = body->b[l], m->gW[l] = body->gW[l], m->gb[l] = body->gb[l];
        m->shared[l] = 1;
    }
    m->act_shared = bs->act;
    free(m->params.val);
    free(m->params.grad);
    if (collect_params(m) != 0) {
        nn_free(m);
        innx_errf(err, INNX_ENOMEM, "model: out of memory");
        return NULL;
    }
    return m;
}

void nn_set_train_shared(nn_model *m, int on) { m->train_shared = on; }

void nn_free(nn_model *m)
{
    if (!m)
        return;
    if (m->fl) {
        flow_free(m->fl);   /* its parameter list too */
        free(m);
        return;
    }
    for (size_t l = 0; l < m->n_layers; l++) {
        if (m->shared[l])
            continue;
        if (m->W[l]) gsl_matrix_float_free(m->W[l]);
        if (m->b[l]) gsl_matrix_float_free(m->b[l]);
        if (m->gW[l]) gsl_matrix_float_free(m->gW[l]);
        if (m->gb[l]) gsl_matrix_float_free(m->gb[l]);
        kan_layer_free(m->kan[l]);
    }
    free(m->params.val);
    free(m->params.grad);
    free(m);
}

const nn_spec *nn_get_spec(const nn_model *m) { return &m->spec; }
size_t nn_in(const nn_model *m) { return m->spec.widths[0]; }
size_t nn_out(const nn_model *m) { return m->spec.widths[m->spec.n_widths - 1]; }

size_t nn_n_weights(const nn_model *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->params.n; i++)
        n += m->params.val[i]->size1 * m->params.val[i]->size2;
    return n;
}

/* Appends the layers; with `outs` non-NULL each layer's output node is
 * stored there (the grid update needs every layer's input). */
static int build_layers(nn_model *m, graph *g, int x, int trainable, int *outs)
{
    int h = x;
    for (size_t l = 0; l < m->n_layers; l++) {
        if (m->spec.kind == NN_MLP) {
            int last = l + 1 == m->n_layers, tr = m->shared[l] ? trainable && m->train_shared : trainable;
            int W = graph_param(g, m->W[l], tr ? m->gW[l] : NULL);
            int b = graph_param(g, m->b[l], tr ? m->gb[l] : NULL);
            h = graph_dense(g, h, W, b, last ? GRAPH_ACT_IDENTITY : m->shared[l] ? m->act_shared : m->spec.act);
        } else {
            h = graph_kan(g, h, m->kan[l], trainable);
        }
        if (outs)
            outs[l] = h;
    }
    return h;
}

int nn_build_flow_nll(nn_model *m, graph *g, int x, int c)
{
    return m->fl ? flow_build_nll(m->fl, g, x, c) : -1;
}

flow *nn_flow(nn_model *m) { return m->fl; }

int nn_build(nn_model *m, graph *g, int x, int trainable)
{
    if (m->fl)
        return -1;   /* a flow is built by nn_build_flow_nll */
    return build_layers(m, g, x, trainable, NULL);
}

/* The output and its tangent d out / d x[:, col], built forward-mode so
 * that the tangent's own gradient flows by the ordinary backward. MLP:
 * t_0 = e_col, a_l' = t_{l-1} W_l, t_l = a_l' act'(a_l) (graph_act_deriv
 * at the pre-activation, so hidden layers are dense + act, not fused);
 * KAN: graph_kan_tangent per layer. */
int nn_build_tangent(nn_model *m, graph *g, int x, size_t col, int trainable, int *tangent)
{
    size_t in = nn_in(m);
    *tangent = -1;
    if (col >= in)
        return graph_fail(g, "model: tangent along input %zu of %zu", col + 1, in);
    /* e_col as a 1 x in constant: every row's tangent at the input */
    int e = graph_const(g, 1, 1, 1.0f);
    if (col > 0)
        e = graph_concat(g, graph_const(g, 1, col, 0.0f), e);
    if (col + 1 < in)
        e = graph_concat(g, e, graph_const(g, 1, in - col - 1, 0.0f));
    int h = x, t = e;
    for (size_t l = 0; l < m->n_layers; l++) {
        if (m->spec.kind == NN_MLP) {
            int last = l + 1 == m->n_layers, tr = m->shared[l] ? trainable && m->train_shared : trainable;
            graph_act act = m->shared[l] ? m->act_shared : m->spec.act;
            int W = graph_param(g, m->W[l], tr ? m->gW[l] : NULL);
            int b = graph_param(g, m->b[l], tr ? m->gb[l] : NULL);
            int a = graph_dense(g, h, W, b, GRAPH_ACT_IDENTITY);
            int ta = graph_matmul(g, t, W);
            if (last) {
                h = a;
                t = ta;
            } else {
                h = graph_act_op(g, a, act);
                t = graph_mul(g, ta, graph_act_deriv(g, a, act));
            }
        } else {
            t = graph_kan_tangent(g, h, t, m->kan[l], trainable);
            h = graph_kan(g, h, m->kan[l], trainable);
        }
    }
    *tangent = t;
    return h;
}

const optim_params *nn_params(nn_model *m) { return &m->params; }

gsl_matrix_float *nn_output_bias(nn_model *m)
{
    size_t l = m->n_layers - 1;
    if (m->spec.kind == NN_MLP)
        return m->b[l];
    gsl_matrix_float *val[3], *grad[3];
    kan_layer_params(m->kan[l], val, grad);
    return val[1];
}

int nn_copy(nn_model *dst, const nn_model *src)
{
    if (dst->params.n != src->params.n)
        return INNX_EINVAL;
    for (size_t i = 0; i < src->params.n; i++) {
        const gsl_matrix_float *a = src->params.val[i];
        gsl_matrix_float *b = dst->params.val[i];
        if (a->size1 != b->size1 || a->size2 != b->size2)
            return INNX_EINVAL;
    }
    if (src->spec.kind == NN_KAN) {
        for (size_t l = 0; l < src->n_layers; l++)
            if (kan_layer_copy(dst->kan[l], src->kan[l]) != 0)
                return INNX_EINVAL;
        return 0;
    }
    for (size_t i = 0; i < src->params.n; i++)
        gsl_matrix_float_memcpy(dst->params.val[i], src->params.val[i]);
    return 0;
}

int nn_eval(nn_model *m, const double *x, size_t n, double *out, innx_err *err)
{
    if (n == 0)
        return 0;
    size_t in = nn_in(m), no = nn_out(m);
    graph *g = graph_alloc();
    if (!g)
        return innx_errf(err, INNX_ENOMEM, "model: out of memory");
    int xf = graph_feed(g, n, in);
    int y = nn_build(m, g, xf, 0);
    graph_keep(g, y);
    int st = graph_compile(g, -1, err);
    if (st == 0) {
        gsl_matrix_float *X = graph_value(g, xf);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < in; j++)
                gsl_matrix_float_set(X, i, j, (float)x[i * in + j]);
        graph_forward(g);
        gsl_matrix_float *Y = graph_value(g, y);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < no; j++)
                out[i * no + j] = gsl_matrix_float_get(Y, i, j);
    }
    graph_free(g);
    return st;
}

/* Batched, in double through BLAS: a table's branch model asks for f and
 * f' of 256 rows a step, where a row at a time cost most of the step. The
 * activations are the graph's own in double (act.h), tanh included. */
int nn_eval_f64(const nn_model *m, const double *x, size_t n, double *out, double *dx, innx_err *err)
{
    if (m->spec.kind != NN_MLP)
        return innx_errf(err, INNX_EINVAL, "model: a double-precision pass needs an MLP");
    size_t L = m->n_layers, in = nn_in(m), no = nn_out(m), wmax = 0;
    if (dx && no != 1)
        return innx_errf(err, INNX_EINVAL, "model: d out / d x needs one output");
    if (n == 0)
        return 0;
    for (size_t l = 0; l <= L; l++)
        wmax = m->spec.widths[l] > wmax ? m->spec.widths[l] : wmax;
    /* per layer: its weights in double, its output and act' (kept for the
     * backward pass); two gradient buffers */
    double **W = calloc(L, sizeof *W), **H = calloc(L + 1, sizeof *H), **D = calloc(L, sizeof *D);
    double *g0 = malloc(2 * n * wmax * sizeof *g0);
    int ok = W && H && D && g0;
    for (size_t l = 0; ok && l < L; l++) {
        size_t a = m->spec.widths[l], b = m->spec.widths[l + 1];
        ok = (W[l] = malloc(a * b * sizeof **W)) && (H[l + 1] = malloc(n * b * sizeof **H)) &&
             (D[l] = malloc(n * b * sizeof **D));
    }
    if (!ok) {
        for (size_t l = 0; W && H && D && l < L; l++)
            free(W[l]), free(H[l + 1]), free(D[l]);
        free(W), free(H), free(D), free(g0);
        return innx_errf(err, INNX_ENOMEM, "model: out of memory");
    }
    for (size_t l = 0; l < L; l++) {
        size_t a = m->spec.widths[l], b = m->spec.widths[l + 1], tda = m->W[l]->tda;
        graph_act k = l + 1 == L ? GRAPH_ACT_IDENTITY : m->shared[l] ? m->act_shared : m->spec.act;
        const float *Wf = m->W[l]->data, *bias = m->b[l]->data;
        for (size_t i = 0; i < a; i++)
            for (size_t j = 0; j < b; j++)
                W[l][i * b + j] = Wf[i * tda + j];
        for (size_t r = 0; r < n; r++)
            for (size_t j = 0; j < b; j++)
                H[l + 1][r * b + j] = bias[j];
        gsl_matrix_const_view A = gsl_matrix_const_view_array(l ? H[l] : x, n, a);
        gsl_matrix_const_view B = gsl_matrix_const_view_array(W[l], a, b);
        gsl_matrix_view C = gsl_matrix_view_array(H[l + 1], n, b);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &A.matrix, &B.matrix, 1.0, &C.matrix);
        for (size_t e = 0; e < n * b; e++)
            H[l + 1][e] = act_eval_d(k, H[l + 1][e], &D[l][e]);
    }
    memcpy(out, H[L], n * no * sizeof *out);
    if (dx) {
        /* d out / d h, layer by layer back to x: G <- (G .* act') W^T */
        double *gc = g0, *gp = g0 + n * wmax;
        for (size_t r = 0; r < n; r++)
            gc[r] = 1;
        for (size_t l = L; l-- > 0;) {
            size_t a = m->spec.widths[l], b = m->spec.widths[l + 1];
            for (size_t e = 0; e < n * b; e++)
                gc[e] *= D[l][e];
            gsl_matrix_const_view G = gsl_matrix_const_view_array(gc, n, b);
            gsl_matrix_const_view B = gsl_matrix_const_view_array(W[l], a, b);
            gsl_matrix_view P = gsl_matrix_view_array(gp, n, a);
            gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &G.matrix, &B.matrix, 0.0, &P.matrix);
            double *tmp = gc;
            gc = gp;
            gp = tmp;
        }
        memcpy(dx, gc, n * in * sizeof *dx);
    }
    for (size_t l = 0; l < L; l++)
        free(W[l]), free(H[l + 1]), free(D[l]);
    free(W), free(H), free(D), free(g0);
    return 0;
}

int nn_update_grid(nn_model *m, const gsl_matrix_float *x, innx_err *err)
{
    if (m->spec.kind != NN_KAN)
        return innx_errf(err, INNX_EINVAL, "model: grid update needs a KAN model");
    if (x->size2 != nn_in(m))
        return innx_errf(err, INNX_EINVAL, "model: grid update: %zu input columns, model takes %zu",
                         x->size2, nn_in(m));
    /* Layer l's grid is refit to the activations layer l-1 produces now, so
     * each layer is refit and the next one's inputs recomputed in turn. */
    for (size_t l = 0; l < m->n_layers; l++) {
        graph *g = graph_alloc();
        if (!g)
            return innx_errf(err, INNX_ENOMEM, "model: out of memory");
        int outs[NN_MAX_LAYERS];
        int xf = graph_feed(g, x->size1, x->size2);
        build_layers(m, g, xf, 0, outs);
        int target = l == 0 ? xf : outs[l - 1];
        graph_keep(g, target);
        int st = graph_compile(g, l == 0 ? -1 : outs[l - 1], err);
        if (st == 0) {
            gsl_matrix_float_memcpy(graph_value(g, xf), x);
            graph_forward(g);
            st = kan_layer_update_grid(m->kan[l], graph_value(g, target), err);
        }
        graph_free(g);
        if (st != 0)
            return st;
    }
    return 0;
}
