/* trainer.c: one trainer for every problem: builds each stage's graph once
 * (terms weighted by 1 x 1 lambda feeds), steps it, and keeps the answers. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "innx/dataset.h"
#include "innx/expr.h"
#include "innx/graph.h"
#include "innx/optim.h"
#include "innx/trainer.h"
#include "graph_impl.h"
#include "trainer_impl.h"

/* A loss ten times the best checkpoint's is a blow-up, not noise:
 * full-batch Adam, after thousands of calm steps, can take one giant step
 * that leaves the tanh units saturated for good (sinc, seed 2 on one
 * thread: 8.8e-4 to 0.17 within ten steps at step 8025). */
#define BLOWUP 10.0
#define BLOWUP_FLOOR 1e-4
#define BLOWUP_NATS 10.0
/* Without checkpoints that answer, the weights are still scored this often
 * so that a rollback has somewhere to go. */
#define SAFETY_INTERVAL 100
#define ROLLBACK_LR_WINDOW 1000
#define LOSS_AVG_STEPS 16
/* Products at least this many rows split over the cores; below, a pool
 * costs more than it gives (three-roots: 128 rows). */
#define THREADS_MIN_ROWS 1024

const char *trainer_state_name(trainer_state s)
{
    static const char *const n[] = {"running", "early-stopped", "done", "diverged"};
    return s >= 0 && s <= TRAINER_DIVERGED ? n[s] : "?";
}

/* ---- data ---------------------------------------------------------------- */

/* Reads the table (a CSV, or the built-in one), splits it with the
 * trainer's generator and scales both parts on the training part. y is
 * y_column's m columns (comma-separated): NN1 has m outputs. */
static int load_table(trainer *t, innx_err *err)
{
    problem *p = &t->p;
    char **names = NULL, **ynames = NULL;
    size_t d = 0, m = 0, n;
    double *v = NULL;
    int st;
    if ((st = dataset_split_names(p->x_columns, &names, &d, err)) != 0)
        return innx_errf(err, st, "data.x_columns: %s", err->msg);   /* (innx_errf reads before it writes) */
    if (d != p->x_dim) {
        dataset_free_names(names, d);
        return innx_errf(err, INNX_EINVAL, "data.x_columns: %zu columns but x_dim is %zu", d, p->x_dim);
    }
    if ((st = dataset_split_names(p->y_column, &ynames, &m, err)) != 0) {
        dataset_free_names(names, d);
        return innx_errf(err, st, "data.y_column: %s", err->msg);
    }
    if (m != p->y_dim) {
        dataset_free_names(names, d);
        dataset_free_names(ynames, m);
        return innx_errf(err, INNX_EINVAL, "data.y_column: %zu columns but y_dim is %zu", m, p->y_dim);
    }
    const char *cols[PROBLEM_MAX_X + PROBLEM_MAX_Y];
    for (size_t j = 0; j < d + m; j++)
        cols[j] = j < d ? names[j] : ynames[j - d];
    dataset *ds = dataset_open(p->table, cols, d + m, p->drop_bad_rows, err);
    dataset_free_names(names, d);
    dataset_free_names(ynames, m);
    if (!ds)
        return INNX_EINVAL;
    n = ds->rows;
    t->data.dropped = ds->dropped;
    v = ds->v;
    ds->v = NULL;
    dataset_free(ds);
    t->data.n = n;
    t->data.d = d;
    size_t *idx = NULL, n_train;
    if ((st = stats_split(n, p->test_frac, t->rng, &idx, &n_train, err)) != 0) {
        free(v);
        return st;
    }
    if (n_train < 2 || n - n_train < (p->k > 2 ? p->k : 2)) {
        free(v);
        free(idx);
        return innx_errf(err, INNX_EINVAL, "data: %zu rows are too few to split %g/%g and find %zu segments",
                         n, 1 - p->test_frac, p->test_frac, p->k);
    }
    t->data.n_train = n_train;
    t->data.n_test = n - n_train;
    double *xs = malloc(n * d * sizeof *xs), *ys = malloc(n * m * sizeof *ys);
    if (!xs || !ys) {
        free(v);
        free(idx);
        free(xs);
        free(ys);
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    }
    /* Rows in split order: training part first. */
    for (size_t i = 0; i < n; i++) {
        memcpy(xs + i * d, v + idx[i] * (d + m), d * sizeof *xs);
        memcpy(ys + i * m, v + idx[i] * (d + m) + d, m * sizeof *ys);
    }
    /* A component without a given range takes the one seen in the data. */
    for (size_t j = 0; j < d; j++)
        if (p->x_lo[j] == 0 && p->x_hi[j] == 0) {
            double lo = INFINITY, hi = -INFINITY;
            for (size_t i = 0; i < n; i++) {
                lo = fmin(lo, xs[i * d + j]);
                hi = fmax(hi, xs[i * d + j]);
            }
            p->x_lo[j] = lo;
            p->x_hi[j] = hi > lo ? hi : lo + 1;
        }
    free(v);
    free(idx);
    if ((st = stats_scaler_fit(&t->data.sx, xs, n_train, d, err)) != 0 ||
        (st = stats_scaler_fit(&t->data.sy, ys, n_train, m, err)) != 0) {
        free(xs);
        free(ys);
        return st;
    }
    stats_scaler_transform(&t->data.sx, xs, n);
    stats_scaler_transform(&t->data.sy, ys, n);
    t->tx = xs;
    t->ty = ys;
    t->data.x_test = malloc(t->data.n_test * d * sizeof *xs);
    t->data.y_test = malloc(t->data.n_test * m * sizeof *ys);
    if (!t->data.x_test || !t->data.y_test)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    memcpy(t->data.x_test, xs + n_train * d, t->data.n_test * d * sizeof *xs);
    memcpy(t->data.y_test, ys + n_train * m, t->data.n_test * m * sizeof *ys);
    memcpy(t->box_lo, p->x_lo, d * sizeof *t->box_lo);
    memcpy(t->box_hi, p->x_hi, d * sizeof *t->box_hi);
    stats_scaler_transform(&t->data.sx, t->box_lo, 1);
    stats_scaler_transform(&t->data.sx, t->box_hi, 1);
    return 0;
}

static void fill(gsl_matrix_float *m, const double *v)
{
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            gsl_matrix_float_set(m, i, j, (float)v[i * m->size2 + j]);
}

/* y = F(x) in float through the graph's own ops, as the reference
 * computes its targets (torch.sin on a float32 linspace). */
static int eval_f_float(trainer *t, const gsl_matrix_float *X, gsl_matrix_float *Y, innx_err *err)
{
    graph *g = graph_alloc();
    if (!g)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    int x = graph_feed(g, X->size1, X->size2);
    int y = expr_build_graph(t->f, g, x);
    graph_keep(g, y);
    int st = graph_compile(g, -1, err);
    if (st == 0) {
        gsl_matrix_float_memcpy(graph_value(g, x), X);
        graph_forward(g);
        gsl_matrix_float_memcpy(Y, graph_value(g, y));
    }
    graph_free(g);
    return st;
}

/* The fixed batches: x on a grid and y = F(x), y on a grid, or a constant. */
static int fill_fixed_batch(trainer *t, stage_graph *s, innx_err *err)
{
    const problem *p = &t->p;
    gsl_matrix_float *Y = graph_value(s->g, s->y);
    size_t n = t->rows;
    if (p->batch == PROBLEM_BATCH_GRID_X) {
        gsl_matrix_float *X = gsl_matrix_float_alloc(n, p->x_dim);
        if (!X)
            return innx_errf(err, INNX_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < p->x_dim; j++) {
                double a = p->x_lo[j], b = p->x_hi[j];
                gsl_matrix_float_set(X, i, j, (float)(n > 1 ? a + (b - a) * (double)i / (double)(n - 1) : a));
            }
        if (s->xs >= 0)
            gsl_matrix_float_memcpy(graph_value(s->g, s->xs), X);
        int st = eval_f_float(t, X, Y, err);
        gsl_matrix_float_free(X);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        double a = n > 1 ? (double)i / (double)(n - 1) : 0;
        float yi = p->batch == PROBLEM_BATCH_GRID_Y ? (float)(p->y_lo + (p->y_hi - p->y_lo) * a) : (float)p->y_const;
        gsl_matrix_float_set(Y, i, 0, yi);
    }
    return 0;
}

/* A G(y, z) on a vector problem: G reads y standardised by the scale of
 * F over the prior (square's y2 = x1^2 + x2^2 spans 0..50 where y1 spans
 * -1..1). */
static int vector_g(const trainer *t) { return t->sys && !problem_is_flow(&t->p); }

/* Row i's z ~ U[0,1]^z_dim from column zoff of G's input, and the walls
 * and centre of the partition its first component falls in. */
static void fill_uniform_z(trainer *t, stage_graph *s, gsl_matrix_float *in, size_t i, size_t zoff)
{
    const problem *p = &t->p;
    float z0 = 0;
    for (size_t j = 0; j < (p->input == PROBLEM_IN_Y ? 0 : p->z_dim); j++) {
        /* float, as torch.rand: a z of exactly 1/3 falls where torch's does */
        float z = (float)gsl_rng_uniform(t->rng);
        if (j == 0)
            z0 = z;
        gsl_matrix_float_set(in, i, zoff + j, z);
    }
    if (s->zlo >= 0) {
        const problem_partition *q = &p->parts[p->n_parts - 1];
        for (size_t k = 0; k < p->n_parts; k++)
            if (z0 < (float)p->parts[k].z_hi) {
                q = &p->parts[k];
                break;
            }
        gsl_matrix_float_set(graph_value(s->g, s->zlo), i, 0, (float)q->x_lo);
        gsl_matrix_float_set(graph_value(s->g, s->zhi), i, 0, (float)q->x_hi);
        gsl_matrix_float_set(graph_value(s->g, s->zc), i, 0, (float)((q->x_lo + q->x_hi) / 2));
    }
}

/* The uniform batch, fresh each step: z ~ U[0,1]^d (and y over the range,
 * or the constant), each row's partition walls and centre. On a vector
 * problem y = F(x) of prior draws, m columns (y* itself for a latent
 * G(z)), all drawn before the rows' z. */
static void fill_uniform_batch(trainer *t, stage_graph *s)
{
    const problem *p = &t->p;
    gsl_matrix_float *in = graph_value(s->g, s->gin), *Y = graph_value(s->g, s->y);
    gsl_matrix_float *X = s->xs >= 0 ? graph_value(s->g, s->xs) : NULL;
    size_t m = p->y_dim, zoff = p->input == PROBLEM_IN_YZ ? m : 0;
    if (vector_g(t)) {
        double *xv = t->fbuf, *fy = t->fbuf + t->rows * p->x_dim;
        int drawn = p->input != PROBLEM_IN_Z && tflow_draw(t, t->rows, t->rng, xv, fy) == 0;
        for (size_t i = 0; i < t->rows; i++) {
            for (size_t j = 0; j < m; j++) {
                /* (a row F cannot evaluate asks for y* instead of poisoning the batch) */
                double yj = drawn && isfinite(fy[i * m + j]) ? fy[i * m + j] : p->y_target[j];
                gsl_matrix_float_set(Y, i, j, (float)yj);
                if (p->input != PROBLEM_IN_Z)
                    gsl_matrix_float_set(in, i, j, (float)((yj - t->yloc[j]) / t->yscale[j]));
            }
            fill_uniform_z(t, s, in, i, zoff);
        }
        return;
    }
    for (size_t i = 0; i < t->rows; i++) {
        float yi = (float)p->y_const;
        if (p->input != PROBLEM_IN_Z && !X)
            yi = (float)(p->y_lo + (p->y_hi - p->y_lo) * gsl_rng_uniform(t->rng));
        if (X) {
            /* x drawn over the domain, y = F(x): known pairs */
            double xv[PROBLEM_MAX_X];
            for (size_t j = 0; j < p->x_dim; j++) {
                xv[j] = p->x_lo[j] + (p->x_hi[j] - p->x_lo[j]) * gsl_rng_uniform(t->rng);
                gsl_matrix_float_set(X, i, j, (float)xv[j]);
            }
            yi = (float)expr_eval(t->f, xv, NULL);
        }
        if (p->input != PROBLEM_IN_Z)
            gsl_matrix_float_set(in, i, 0, yi);
        gsl_matrix_float_set(Y, i, 0, yi);
        fill_uniform_z(t, s, in, i, zoff);
    }
}

/* A table's G(y, z): its rows' scaled y, and fresh codes each step. */
static void fill_table_z(trainer *t, stage_graph *s)
{
    gsl_matrix_float *in = graph_value(s->g, s->gin);
    size_t m = t->p.y_dim;
    for (size_t i = 0; i < s->rows; i++) {
        for (size_t j = 0; j < m; j++)
            gsl_matrix_float_set(in, i, j, (float)t->ty[i * m + j]);
        fill_uniform_z(t, s, in, i, m);
    }
}

/* ---- graphs -------------------------------------------------------------- */

static int weighted(graph *g, stage_graph *s, problem_term k, int total)
{
    if (s->term[k] < 0)
        return total;
    s->lam[k] = graph_feed(g, 1, 1);
    int w = graph_mul(g, s->lam[k], s->term[k]);
    return total < 0 ? w : graph_add(g, total, w);
}

/* ---- G's output transform ------------------------------------------------ */

/* One entry per kind of x = T(u): in the graph (and, when du >= 0, its
 * tangent *dx = T'(u) du), in double for answers, and the u that puts x at
 * a fraction a of the domain (where a mixture's candidates start). The
 * branch model's transform is its own (trainer_branch.c). */
typedef struct out_def {
    int (*node)(trainer *t, stage_graph *s, graph *g, int u, int du, int *dx);
    double (*f64)(const trainer *t, size_t j, double u);
    double (*from_frac)(const trainer *t, size_t j, double a);
} out_def;

/* x = u */
static int out_identity(trainer *t, stage_graph *s, graph *g, int u, int du, int *dx)
{
    (void)t, (void)s, (void)g;
    *dx = du;
    return u;
}
static double out_identity64(const trainer *t, size_t j, double u) { (void)t, (void)j; return u; }
static double out_identity_frac(const trainer *t, size_t j, double a)
{
    return t->p.x_lo[j] + (t->p.x_hi[j] - t->p.x_lo[j]) * a;
}

/* x = softplus(u) > 0;  softplus' = sigmoid */
static int out_softplus(trainer *t, stage_graph *s, graph *g, int u, int du, int *dx)
{
    (void)t, (void)s;
    *dx = du >= 0 ? graph_mul(g, du, graph_sigmoid(g, u)) : -1;
    return graph_softplus(g, u);
}
static double out_softplus64(const trainer *t, size_t j, double u)
{
    (void)t, (void)j;
    return u > 20 ? u : log1p(exp(u));   /* torch's threshold, as graph.c */
}
static double out_softplus_frac(const trainer *t, size_t j, double a)
{
    double x = out_identity_frac(t, j, a);
    return x > 1e-3 ? log(expm1(x)) : log(expm1(1e-3));
}

/* x = lo + (hi - lo) sigmoid(u);  squash' = (hi - lo) s (1 - s) */
static int out_squash(trainer *t, stage_graph *s, graph *g, int u, int du, int *dx)
{
    if (s->sq_lo < 0) {
        s->sq_lo = graph_feed(g, 1, t->p.x_dim);
        s->sq_span = graph_feed(g, 1, t->p.x_dim);
    }
    int sg = graph_sigmoid(g, u);
    *dx = du >= 0 ? graph_mul(g, graph_mul(g, du, graph_sub(g, sg, graph_square(g, sg))), s->sq_span) : -1;
    return graph_add(g, graph_mul(g, sg, s->sq_span), s->sq_lo);
}
static double out_squash64(const trainer *t, size_t j, double u)
{
    return t->box_lo[j] + (t->box_hi[j] - t->box_lo[j]) / (1 + exp(-u));
}
static double out_squash_frac(const trainer *t, size_t j, double a) { (void)t, (void)j; return log(a / (1 - a)); }

static const out_def outputs[] = {
    [PROBLEM_OUT_IDENTITY] = {out_identity, out_identity64, out_identity_frac},
    [PROBLEM_OUT_SOFTPLUS] = {out_softplus, out_softplus64, out_softplus_frac},
    [PROBLEM_OUT_SQUASH] = {out_squash, out_squash64, out_squash_frac},
    [PROBLEM_OUT_BRANCH] = {out_identity, out_identity64, out_identity_frac},   /* (not used) */
};

static int transform(trainer *t, stage_graph *s, graph *g, int u, int tan, int *dx)
{
    return outputs[t->p.output].node(t, s, g, u, tan, dx);
}

/* x = G(in) through the output transform. */
static int build_g(trainer *t, stage_graph *s, graph *g, int in)
{
    /* a siamese G trains NN1's shared layers only where NN1 trains */
    nn_set_train_shared(t->G, t->p.stages[s - t->sg].kind == PROBLEM_STAGE_JOINT);
    int dx;
    return transform(t, s, g, nn_build(t->G, g, in, 1), -1, &dx);
}

/* mean over rows of the sum over x's components of dx^2 */
static int gp_of(trainer *t, graph *g, int dx)
{
    int gp = graph_mean(g, graph_square(g, dx));
    return t->p.x_dim > 1 ? graph_scale(g, gp, (float)t->p.x_dim) : gp;
}

/* The same with gp: x = G(in) and *gp = mean ||dx/dy||^2 (y is in's first
 * column), the tangent built forward-mode into the graph
 * (nn_build_tangent) and carried through the output transform. */
static int build_g_gp(trainer *t, stage_graph *s, graph *g, int in, int *gp)
{
    int tan, dx, u = nn_build_tangent(t->G, g, in, 0, 1, &tan);
    int x = transform(t, s, g, u, tan, &dx);
    *gp = gp_of(t, g, dx);
    return x;
}

/* ---- the mixture head ---------------------------------------------------- */

static size_t n_mix(const trainer *t) { return t->p.mixture > 1 ? t->p.mixture : 1; }

/* M copies of a per-row node stacked by rows, as the candidates are (the
 * node itself without a mixture). */
static int rep(const trainer *t, graph *g, int a)
{
    int r = a;
    for (size_t j = 1; j < n_mix(t); j++)
        r = graph_vstack(g, r, a);
    return r;
}

/* mean over rows of sum_j p_j v_j, for v (nM x 1) stacked as the candidates */
static int mix_mean(const trainer *t, stage_graph *s, graph *g, int v)
{
    return graph_scale(g, graph_mean(g, graph_mul(g, s->pw, v)), (float)n_mix(t));
}

/* the mean over columns of each row (n x 1) */
static int row_mean(const trainer *t, graph *g, int v)
{
    size_t d = t->p.x_dim;
    return d > 1 ? graph_matmul(g, v, graph_const(g, d, 1, 1.0f / (float)d)) : v;
}

/* Candidate j starts in the middle of the j-th of M equal slices of the
 * domain (its bias through the output transform's inverse), the logits at
 * 0: candidates that all start alike end on one root (three-roots without
 * partitions: all 96 of a query on x = 0.397), spread they end on three. */
static void mix_spread(trainer *t)
{
    size_t M = n_mix(t), d = t->p.x_dim;
    gsl_matrix_float *b = nn_output_bias(t->G);
    for (size_t j = 0; j < M; j++)
        for (size_t c = 0; c < d; c++)
            gsl_matrix_float_set(b, 0, j * d + c, (float)outputs[t->p.output].from_frac(t, c, ((double)j + 0.5) / (double)M));
    for (size_t j = 0; j < M; j++)
        gsl_matrix_float_set(b, 0, M * d + j, 0.0f);
}

/* G's last layer gives M candidates of d values, then M logits. The
 * candidates come out stacked by rows (row j n + i is candidate j of row
 * i: every x-term of the catalogue sees nM rows, so box, range, center,
 * norm and smooth hold each candidate), s->pw their weights p =
 * softmax(logits) stacked the same way (cyc and recon weigh by them), and
 * ent = log M + mean_rows sum_j p_j log p_j: the KL divergence from
 * uniform weights, sum p log p shifted to be >= 0 (0 when p is uniform),
 * so the total stays positive for the blow-up test and the log axis.
 * want: build the tangent too (gp). */
static int build_g_mix(trainer *t, stage_graph *s, graph *g, int in, int want, int *gp)
{
    size_t M = n_mix(t), d = t->p.x_dim;
    int tan = -1;
    int u = want ? nn_build_tangent(t->G, g, in, 0, 1, &tan) : nn_build(t->G, g, in, 1);
    int logp = graph_logsoftmax(g, graph_slice(g, u, M * d, M)), p = graph_exp(g, logp);
    int X = -1, DX = -1, LP = -1;
    for (size_t j = 0; j < M; j++) {
        int dx, xj = transform(t, s, g, graph_slice(g, u, j * d, d), tan >= 0 ? graph_slice(g, tan, j * d, d) : -1,
                               &dx);
        int lj = graph_slice(g, logp, j, 1);
        X = j ? graph_vstack(g, X, xj) : xj;
        LP = j ? graph_vstack(g, LP, lj) : lj;
        if (tan >= 0)
            DX = j ? graph_vstack(g, DX, dx) : dx;
    }
    s->pw = graph_exp(g, LP);
    s->term[TERM_ENT] = graph_offset(g, graph_scale(g, graph_mean(g, graph_mul(g, p, logp)), (float)M),
                                     (float)log((double)M));
    *gp = tan >= 0 ? gp_of(t, g, DX) : -1;
    return X;
}


/* F at node x: the formula, a vector problem's system, or NN1 (trainable
 * in a joint stage). */
static int build_f(trainer *t, graph *g, int x, int nn1_trainable)
{
    if (t->f)
        return expr_build_graph(t->f, g, x);
    if (vector_g(t)) {
        innx_err e;
        int y = fsys_build_graph(t->sys, g, x, &e);
        return y >= 0 ? y : graph_fail(g, "%s", e.msg);   /* (kept on the graph: it does not compile) */
    }
    return nn_build(t->F, g, x, nn1_trainable);
}

/* xcyc costs a second pass of G over the batch (twice sinc's step), so
 * it is built only while its lambda is not 0: the first time a user sets
 * it, the stage's graph is rebuilt once (the weights and Adam's moments
 * stay). Every other term is built always and reported at lambda 0. */
static int want_xcyc(const trainer *t) { return problem_term_applies(&t->p, TERM_XCYC) && t->lambda[TERM_XCYC] > 0; }
/* gp's tangent pass costs as much again (sinc 18.8 -> 61.6 ms), so it follows xcyc:
 * built from the first step its lambda is not 0, then kept (and reported at
 * lambda 0 too). */
static int want_gp(const trainer *t) { return problem_term_applies(&t->p, TERM_GP) && t->lambda[TERM_GP] > 0; }

/* ---- the loss catalogue --------------------------------------------------- */

/* What a term's builder reads: the stage's nodes so far. x is G's answer
 * (n rows, or nM stacked candidates), y the target, fx = F(x). */
typedef struct term_ctx {
    trainer *t;
    stage_graph *s;
    graph *g;
    int x, y, fx;
    int x0;            /* x's first component (range, then center) */
    int branch_table;  /* the branch model on a table: x in the table's units */
} term_ctx;

/* cyc = mean (F(x) - y)^2; a mixture's mean_rows sum_j p_j (F(x_j) - y)^2.
 * Fused for tables; the formula path keeps sinc's own ops (mean of
 * squares) so its runs reproduce bit for bit. */
static int term_cyc(term_ctx *c)
{
    graph *g = c->g;
    size_t m = c->t->p.y_dim;
    if (n_mix(c->t) > 1 && c->s->yw >= 0) {
        /* each candidate's ||(F(x_j) - y) / y's scale||^2 (a row sum), weighed by p_j */
        int r = graph_square(g, graph_mul(g, graph_sub(g, c->fx, rep(c->t, g, c->y)), c->s->yw));
        return mix_mean(c->t, c->s, g, m > 1 ? graph_matmul(g, r, graph_const(g, m, 1, 1.0f)) : r);
    }
    if (n_mix(c->t) > 1)
        return mix_mean(c->t, c->s, g, graph_square(g, graph_sub(g, c->fx, rep(c->t, g, c->y))));
    if (c->s->yw >= 0) {
        /* a vector y: mean ||(F(x) - y) / y's scale||^2, each component's
         * miss in units of its spread over the prior, so that one output
         * of large values (square's x1^2 + x2^2) does not drown the others */
        int v = graph_mean(g, graph_square(g, graph_mul(g, graph_sub(g, c->fx, c->y), c->s->yw)));
        return m > 1 ? graph_scale(g, v, (float)m) : v;
    }
    if (problem_has_table(&c->t->p)) {   /* (y's columns scaled already) */
        int v = graph_mse(g, c->fx, c->y);
        return m > 1 ? graph_scale(g, v, (float)m) : v;
    }
    return graph_mean(g, graph_square(g, graph_sub(g, c->fx, c->y)));
}

/* recon = mean ||x - x_known||^2 / d (known pairs: a grid or a table) */
static int term_recon(term_ctx *c)
{
    graph *g = c->g;
    stage_graph *s = c->s;
    if (s->xs < 0)
        return -1;
    if (n_mix(c->t) > 1)
        return mix_mean(c->t, s, g, row_mean(c->t, g, graph_square(g, graph_sub(g, c->x, rep(c->t, g, s->xs)))));
    return graph_mse(g, c->x, s->xs);
}

/* xcyc = mean ||G(F(x_known)) - x_known||^2: a second pass of G, so only
 * while its lambda is not 0 (want_xcyc) */
static int term_xcyc(term_ctx *c)
{
    if (!want_xcyc(c->t) || c->s->xs < 0)
        return -1;
    int back = build_g(c->t, c->s, c->g, build_f(c->t, c->g, c->s->xs, 0));
    return graph_mse(c->g, back, c->s->xs);
}

/* norm = mean ||x||^2 (the mean over entries times d); built before box
 * so that gradients sum in sinc's original order (its runs reproduce) */
static int term_norm(term_ctx *c)
{
    size_t d = c->t->p.x_dim;
    int v = graph_mean(c->g, graph_square(c->g, c->x));
    return d > 1 ? graph_scale(c->g, v, (float)d) : v;
}

/* smooth = mean sum_i (x_{i+1} - x_i)^2 */
static int term_smooth(term_ctx *c)
{
    graph *g = c->g;
    size_t d = c->t->p.x_dim;
    int diff = graph_sub(g, graph_slice(g, c->x, 1, d - 1), graph_slice(g, c->x, 0, d - 1));
    return graph_scale(g, graph_mean(g, graph_square(g, diff)), (float)(d - 1));
}

/* box: mean(relu(lo - x) + relu(x - hi)) (L1), or the squared walls, on
 * the domain in G's units */
static int term_box(term_ctx *c)
{
    trainer *t = c->t;
    stage_graph *s = c->s;
    graph *g = c->g;
    size_t d = t->p.x_dim;
    if (t->p.box_quadratic || d > 1) {
        s->lo = graph_feed(g, 1, d);
        s->hi = graph_feed(g, 1, d);
        if (t->p.box_quadratic)
            return graph_box(g, c->x, s->lo, s->hi);
        int below = graph_relu(g, graph_sub(g, s->lo, c->x)), above = graph_relu(g, graph_sub(g, c->x, s->hi));
        return graph_mean(g, graph_add(g, below, above));
    }
    /* one x: sinc's own ops, the bounds as constants; the branch model on
     * a table works in the table's units, not NN1's */
    double blo = t->box_lo[0], bhi = t->box_hi[0];
    if (c->branch_table)
        trainer_domain(t, &blo, &bhi);
    int below = graph_relu(g, graph_scale(g, graph_offset(g, c->x, (float)-blo), -1.0f));
    int above = graph_relu(g, graph_offset(g, c->x, (float)-bhi));
    return graph_mean(g, graph_add(g, below, above));
}

/* range = mean relu(lo_z - x0)^2 + relu(x0 - hi_z)^2, the walls of each
 * row's latent partition (per-row feeds) */
static int term_range(term_ctx *c)
{
    trainer *t = c->t;
    stage_graph *s = c->s;
    graph *g = c->g;
    size_t n = s->rows;
    c->x0 = t->p.x_dim > 1 ? graph_slice(g, c->x, 0, 1) : c->x;
    s->zlo = graph_feed(g, n, 1);
    s->zhi = graph_feed(g, n, 1);
    s->zc = graph_feed(g, n, 1);
    int below = graph_relu(g, graph_sub(g, rep(t, g, s->zlo), c->x0)),
        above = graph_relu(g, graph_sub(g, c->x0, rep(t, g, s->zhi)));
    return graph_mean(g, graph_add(g, graph_square(g, below), graph_square(g, above)));
}

/* center = mean (x0 - the centre of the row's partition)^2 */
static int term_center(term_ctx *c)
{
    return c->s->zc < 0 ? -1 : graph_mse(c->g, c->x0, rep(c->t, c->g, c->s->zc));
}

/* nll = mean(0.5 ||z||^2 - log|det dz/dx|): a flow over (x, y) pairs */
static int term_nll(term_ctx *c) { return tflow_build(c->t, c->s, c->g); }

/* The catalogue's terms that are built on G's answer, in build order (the
 * order fixes how gradients sum, so a run's bits): problem_term_applies
 * says which a problem has. fwd is the forward stage's own; gp and ent are
 * built with G (a tangent pass, a mixture head). A new term is one entry. */
typedef struct term_def {
    problem_term term;
    int (*build)(term_ctx *c);   /* the term's node, or -1 when it cannot be had */
} term_def;

static const term_def catalogue[] = {
    {TERM_CYC, term_cyc},       {TERM_RECON, term_recon}, {TERM_XCYC, term_xcyc},
    {TERM_NORM, term_norm},     {TERM_SMOOTH, term_smooth}, {TERM_BOX, term_box},
    {TERM_RANGE, term_range},   {TERM_CENTER, term_center}, {TERM_NLL, term_nll},
};

static int build_stage(trainer *t, size_t i, innx_err *err)
{
    const problem *p = &t->p;
    const problem_stage *ps = &p->stages[i];
    stage_graph *s = &t->sg[i];
    optim_adam *keep = s->adam;   /* a rebuild keeps Adam's moments */
    int gp_kept = s->gp_built;     /* and gp, once built */
    free(s->joint.val);
    free(s->joint.grad);
    graph_free(s->g);
    memset(s, 0, sizeof *s);
    s->adam = keep;
    for (int k = 0; k < TERM_N; k++)
        s->term[k] = s->lam[k] = -1;
    s->gin = s->y = s->xs = s->zlo = s->zhi = s->zc = s->lo = s->hi = s->sq_lo = s->sq_span = s->xhat = -1;
    s->lg = s->bw = s->blo = s->bspan = -1;
    s->pw = s->yw = -1;
    if (!(s->g = graph_alloc()))
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    graph *g = s->g;
    int table = problem_has_table(p), branch_table = branch_on_table(t) && ps->kind == PROBLEM_STAGE_INVERSE;
    /* a table's rows, but the branch model's inverse stage draws its own */
    size_t n = s->rows = branch_table ? p->batch_n : t->rows, d = p->x_dim, m = p->y_dim;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    /* the threads split a flow's batch into shards when it has room for
     * two (tflow_shards), other graphs' big products by rows */
    int split = problem_is_flow(p) ? tflow_shards(n, 2) > 1 : n >= THREADS_MIN_ROWS;
    int threads = p->threads > 0 ? p->threads : split ? (int)(cores > 0 ? cores : 1) : 1;
    graph_set_threads(g, s->threads = threads);
    int total = -1;

    if (ps->kind != PROBLEM_STAGE_INVERSE) {
        /* fwd = mean (NN1(X) - Y)^2 */
        s->xs = graph_feed(g, n, d);
        s->y = graph_feed(g, n, m);
        s->term[TERM_FWD] = graph_mse(g, nn_build(t->F, g, s->xs, 1), s->y);
        total = weighted(g, s, TERM_FWD, -1);
        s->params = nn_params(t->F);
    }
    if (ps->kind != PROBLEM_STAGE_FORWARD) {
        int x, inv = -1;
        term_ctx c = {t, s, g, -1, -1, -1, -1, branch_table};
        if (problem_is_flow(p)) {
            x = -1;   /* a flow answers by sampling; its one term is nll */
        } else if (p->output == PROBLEM_OUT_BRANCH) {
            x = s->xhat = branch_build(t, s, g);
        } else {
            int y;
            if (vector_g(t)) {
                /* G reads y standardised (then z); the cycle compares F(x) with y */
                s->gin = graph_feed(g, n, t->g_in);
                y = s->y = graph_feed(g, n, m);
                s->yw = graph_feed(g, 1, m);
            } else if (p->input == PROBLEM_IN_Y) {
                /* G reads the target itself */
                s->gin = table && s->y >= 0 ? s->y : graph_feed(g, n, m);
                y = s->y = s->gin;
            } else {
                s->gin = graph_feed(g, n, t->g_in);
                y = s->y = graph_feed(g, n, m);
            }
            if (s->xs < 0 && (table || p->batch == PROBLEM_BATCH_GRID_X ||
                              (p->batch == PROBLEM_BATCH_UNIFORM && p->input == PROBLEM_IN_Y &&
                               want_xcyc(t))))
                s->xs = graph_feed(g, n, d);
            int gp = -1;
            x = s->xhat = n_mix(t) > 1          ? build_g_mix(t, s, g, s->gin, want_gp(t) || gp_kept, &gp)
                        : want_gp(t) || gp_kept ? build_g_gp(t, s, g, s->gin, &gp)
                                                : build_g(t, s, g, s->gin);
            s->term[TERM_GP] = gp;
            s->gp_built = gp >= 0;
            c.fx = build_f(t, g, x, ps->kind == PROBLEM_STAGE_JOINT);
            c.y = y;
        }
        c.x = x;
        /* every term of the catalogue the problem has and G's build did
         * not already make (gp and ent come with G, the branch model's cyc
         * and recon with it) */
        for (size_t k = 0; k < sizeof catalogue / sizeof *catalogue; k++) {
            const term_def *def = &catalogue[k];
            if (s->term[def->term] < 0 && problem_term_applies(p, def->term))
                s->term[def->term] = def->build(&c);
        }
        for (int k = TERM_CYC; k < TERM_N; k++)
            inv = weighted(g, s, (problem_term)k, inv);
        if (ps->kind == PROBLEM_STAGE_JOINT)
            total = graph_add(g, total, ps->beta == 1.0 ? inv : graph_scale(g, inv, (float)ps->beta));
        else
            total = inv;
        if (ps->kind == PROBLEM_STAGE_JOINT) {
            const optim_params *pf = nn_params(t->F), *pg = nn_params(t->G);
            s->joint.n = pf->n + pg->n;
            s->joint.val = malloc(s->joint.n * sizeof *s->joint.val);
            s->joint.grad = malloc(s->joint.n * sizeof *s->joint.grad);
            if (!s->joint.val || !s->joint.grad)
                return innx_errf(err, INNX_ENOMEM, "out of memory");
            memcpy(s->joint.val, pf->val, pf->n * sizeof *pf->val);
            memcpy(s->joint.grad, pf->grad, pf->n * sizeof *pf->grad);
            memcpy(s->joint.val + pf->n, pg->val, pg->n * sizeof *pg->val);
            memcpy(s->joint.grad + pf->n, pg->grad, pg->n * sizeof *pg->grad);
            s->params = &s->joint;
        } else {
            s->params = nn_params(t->G);
        }
    }
    for (int k = 0; k < TERM_N; k++)
        if (s->term[k] >= 0)
            graph_keep(g, s->term[k]);
    s->loss = total;
    if (graph_compile(g, total, err) != 0)
        return INNX_EINVAL;
    /* Feeds that never change */
    if (s->lo >= 0) {
        fill(graph_value(g, s->lo), t->box_lo);
        fill(graph_value(g, s->hi), t->box_hi);
    }
    if (s->yw >= 0) {
        double w[PROBLEM_MAX_Y];
        for (size_t j = 0; j < m; j++)
            w[j] = 1 / t->yscale[j];
        fill(graph_value(g, s->yw), w);
    }
    if (s->sq_lo >= 0) {
        double span[PROBLEM_MAX_X];
        for (size_t j = 0; j < d; j++)
            span[j] = t->box_hi[j] - t->box_lo[j];
        fill(graph_value(g, s->sq_lo), t->box_lo);
        fill(graph_value(g, s->sq_span), span);
    }
    if (table && !branch_table) {   /* (the branch stage draws its rows each step) */
        if (s->xs >= 0)
            fill(graph_value(g, s->xs), t->tx);
        fill(graph_value(g, s->y), t->ty);
    } else if (!table && !problem_is_flow(p) && p->batch != PROBLEM_BATCH_UNIFORM && p->batch != PROBLEM_BATCH_BRANCH &&
               fill_fixed_batch(t, s, err) != 0) {
        return INNX_EINVAL;
    }
    if (!s->adam)
        s->adam = optim_adam_alloc(s->params, OPTIM_ADAM_DEFAULTS(ps->lr));
    else
        optim_adam_rebind(s->adam, s->params);   /* a joint stage's union is new */
    if (!s->adam)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    return 0;
}

/* ---- stages -------------------------------------------------------------- */

void trainer_stage_free_state(trainer *t)
{
    if (t->early_on)
        optim_early_free(&t->early);
    if (t->best_on)
        optim_early_free(&t->best);
    if (t->ema_on)
        optim_ema_free(&t->ema);
    t->early_on = t->best_on = t->ema_on = 0;
}

static double forward_loss(trainer *t)
{
    stage_graph *s = &t->sg[t->stage];
    graph_forward(s->g);
    return graph_scalar(s->g, s->loss);
}

static void set_lambdas(trainer *t)
{
    stage_graph *s = &t->sg[t->stage];
    for (int k = 0; k < TERM_N; k++)
        if (s->lam[k] >= 0)
            graph_value(s->g, s->lam[k])->data[0] = (float)t->lambda[k];
}

/* While a stage runs, the average lives beside the live weights: swap it
 * in to answer and out again (the same call twice). */
static int answer_swap(trainer *t)
{
    if (!t->ema_on || t->finished_stage)
        return 0;
    optim_ema_swap(&t->ema, t->sg[t->stage].params);
    return 1;
}

/* Score the answering weights on the current batch; keep them if their
 * loss is the lowest yet. */
/* NN1's loss on the held-out rows (scaled units), NaN without them. */
static double heldout_fwd(trainer *t)
{
    const trainer_data *d = &t->data;
    size_t k = d->n_test * t->p.y_dim;   /* (the mean over y's columns too, as fwd) */
    if (!t->F || d->n_test == 0)
        return NAN;
    double *y = malloc(k * sizeof *y), sum = 0;
    innx_err e;
    if (!y || nn_eval(t->F, d->x_test, d->n_test, y, &e) != 0) {
        free(y);
        return NAN;
    }
    for (size_t i = 0; i < k; i++)
        sum += (y[i] - d->y_test[i]) * (y[i] - d->y_test[i]);
    free(y);
    return sum / (double)k;
}

/* A joint stage moves NN1 for G's sake; on a table whose map G cannot
 * invert well it made F worse (R^2 0.9998 -> 0.9375 on y = sin 2x + 0.1 x:
 * NN1's held-out MSE 80 times its start). So its weights answer only where
 * NN1's held-out loss is at most JOINT_FWD_SLACK times its value at the
 * stage's start (joint_fwd0): checkpoints above it are not kept, and at
 * the end the answer falls back to the best kept one (the stage's first
 * weights at worst). The slack is the trade the stage exists for: on
 * data/spend.csv it costs 1.4 % of the held-out MSE (R^2 0.853 -> 0.851)
 * and halves the cycle's RMSE (0.0885 -> 0.0432). */
#define JOINT_FWD_SLACK 1.05
static int joint_guarded(const trainer *t)
{
    return t->p.stages[t->stage].kind == PROBLEM_STAGE_JOINT && isfinite(t->joint_fwd0);
}

static void score_checkpoint(trainer *t)
{
    int swapped = answer_swap(t);
    double before = t->best.best, loss;
    set_lambdas(t);
    loss = t->n_val > 0 ? tflow_val_nll(t) : forward_loss(t);   /* a budget: the held-out part judges */
    if (joint_guarded(t) && !(heldout_fwd(t) <= JOINT_FWD_SLACK * t->joint_fwd0))
        loss = INFINITY;   /* never the best */
    optim_early_step(&t->best, t->sg[t->stage].params, loss);
    if (swapped)
        answer_swap(t);
    if (t->best.best < before)
        t->best_at = t->steps;
}

static int stage_begin(trainer *t, size_t i, long steps)
{
    const problem_stage *ps = &t->p.stages[i];
    stage_graph *s = &t->sg[i];
    if (branch_on_table(t) && ps->kind == PROBLEM_STAGE_INVERSE) {
        /* the pieces are cut on NN1 as fitted; a front end shows why not */
        innx_err e;
        if (branch_pieces(t, &e) != 0) {
            trainer_rollback *r = &t->rollbacks[t->n_rollbacks < TRAINER_MAX_ROLLBACKS ? t->n_rollbacks++ : 0];
            r->step = t->steps;
            snprintf(r->why, sizeof r->why, "%.95s", e.msg);
            return INNX_EINVAL;
        }
    }
    trainer_stage_free_state(t);
    t->stage = i;
    t->stage_steps = 0;
    t->stage_end = steps;
    t->finished_stage = 0;
    t->stop = 0;
    t->sched_lr = ps->lr;
    optim_adam_set_lr(s->adam, ps->lr);
    if (ps->schedule == PROBLEM_LR_PLATEAU)
        optim_plateau_init(&t->plateau, ps->plateau_factor, ps->plateau_patience);
    if (ps->patience > 0 && t->n_val == 0) {   /* (a budget stops on its held-out part) */
        if (optim_early_init(&t->early, s->params, ps->patience) != 0)
            return INNX_ENOMEM;
        t->early_on = 1;
    }
    if (ps->ema_decay > 0) {
        if (optim_ema_init(&t->ema, s->params, ps->ema_decay) != 0)
            return INNX_ENOMEM;
        t->ema_on = 1;
    }
    if (optim_early_init(&t->best, s->params, INT_MAX) != 0)
        return INNX_ENOMEM;
    t->best_on = 1;
    t->answers_by_best = ps->checkpoint > 0 || t->n_val > 0;
    t->ck_every = ps->checkpoint > 0 ? ps->checkpoint : SAFETY_INTERVAL;
    if (t->n_val > 0 && ps->checkpoint <= 0)   /* a budget is judged once an epoch */
        t->ck_every = (long)(t->n_sim / t->p.batch_n > 0 ? t->n_sim / t->p.batch_n : 1);
    t->best_at = 0;
    t->joint_fwd0 = ps->kind == PROBLEM_STAGE_JOINT ? heldout_fwd(t) : NAN;
    t->joint_undone = 0;
    return 0;
}

/* Put in the weights that answer: the early-stop best, else the average,
 * and the best scored checkpoint over both when checkpoints answer. */
static void stage_finish(trainer *t)
{
    if (t->finished_stage)
        return;
    const optim_params *p = t->sg[t->stage].params;
    if (t->early_on)
        optim_early_restore(&t->early, p);
    if (t->answers_by_best && t->stage_steps % t->ck_every != 0)
        score_checkpoint(t);
    if (t->ema_on)
        optim_ema_swap(&t->ema, p);
    if (t->answers_by_best)
        optim_early_restore(&t->best, p);
    if (joint_guarded(t) && !(heldout_fwd(t) <= JOINT_FWD_SLACK * t->joint_fwd0)) {
        optim_early_restore(&t->best, p);
        t->answers_by_best = 1;   /* trainer_answer_step says which */
        t->joint_undone = 1;
    }
    t->finished_stage = 1;
}

static void end_stage(trainer *t, int early)
{
    stage_finish(t);
    if (t->stage + 1 < t->p.n_stages) {
        size_t next = t->stage + 1;
        int st = stage_begin(t, next, t->p.stages[next].steps);
        if (st == INNX_ENOMEM) {
            /* stopped with its reason, as a rollback's (stage_begin gives
             * its own when the pieces cannot be cut) */
            trainer_rollback *r = &t->rollbacks[t->n_rollbacks < TRAINER_MAX_ROLLBACKS ? t->n_rollbacks++ : 0];
            r->step = t->steps;
            snprintf(r->why, sizeof r->why, "out of memory starting stage %zu of %zu", next + 1, t->p.n_stages);
        }
        if (st != 0)
            t->state = TRAINER_DIVERGED;
        return;
    }
    t->state = early ? TRAINER_EARLY_STOPPED : TRAINER_DONE;
}

/* The objective changed (a lambda the user set): the loss of the next
 * step is the new baseline. Judged against the old objective's best, a
 * lambda raised on purpose looked like a blow-up (sinc with gp switched on:
 * loss 2.4e-4 -> 12, rolled back, lr halved); the early-stop and plateau
 * counters would likewise stop or decay on a loss that cannot go back to
 * the old best. The current weights become the checkpoint a rollback goes
 * to. */
static void rebase(trainer *t, double loss)
{
    const optim_params *p = t->sg[t->stage].params;
    optim_early_reset(&t->best);
    optim_early_step(&t->best, p, loss);
    t->best_at = t->steps;
    if (t->early_on)
        optim_early_reset(&t->early);
    t->plateau.best = INFINITY;
    t->plateau.num_bad = 0;
    t->first_loss = loss;
    t->loss_avg = t->avg_min = loss;
    t->rebase = 0;
}

#define Y_RANGE_GRID 2000       /* intervals of the one-variable grid */
#define Y_RANGE_SAMPLES 20000   /* points drawn in a box of several */

static int y_range(trainer *t, innx_err *err)
{
    const problem *p = &t->p;
    size_t d = p->x_dim, n = d == 1 ? Y_RANGE_GRID + 1 : Y_RANGE_SAMPLES;
    gsl_rng *r = d > 1 ? gsl_rng_alloc(gsl_rng_mt19937) : NULL;
    if (d > 1 && !r)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    double lo = INFINITY, hi = -INFINITY, xv[PROBLEM_MAX_X];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++)
            xv[j] = r ? p->x_lo[j] + (p->x_hi[j] - p->x_lo[j]) * gsl_rng_uniform(r)
                      : p->x_lo[j] + (p->x_hi[j] - p->x_lo[j]) * (double)i / Y_RANGE_GRID;
        double y = expr_eval(t->f, xv, NULL);
        if (isfinite(y)) {
            lo = fmin(lo, y);
            hi = fmax(hi, y);
        }
    }
    if (r)
        gsl_rng_free(r);
    if (!isfinite(lo))
        return innx_errf(err, INNX_EINVAL, "formula: %s is not defined anywhere on the domain [%g, %g]%s", p->formula,
                         p->x_lo[0], p->x_hi[0], d > 1 ? " x ..." : "");
    t->p.y_lo = lo;
    t->p.y_hi = hi > lo ? hi : lo + 1;
    return 0;
}

/* ---- public -------------------------------------------------------------- */

trainer *trainer_alloc(const problem *p, innx_err *err)
{
    if (problem_validate(p, err) != 0)
        return NULL;
    trainer *t = calloc(1, sizeof *t);
    if (!t) {
        innx_errf(err, INNX_ENOMEM, "out of memory");
        return NULL;
    }
    t->p = *p;
    if (!t->p.y_dim)
        t->p.y_dim = 1;
    t->lr_scale = 1.0;
    memcpy(t->lambda, p->lambda, sizeof t->lambda);
    t->hist.stride = 1;
    size_t d = p->x_dim;
    int table = problem_has_table(p);
    t->box_lo = malloc(d * sizeof *t->box_lo);
    t->box_hi = malloc(d * sizeof *t->box_hi);
    t->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!t->box_lo || !t->box_hi || !t->rng) {
        innx_errf(err, INNX_ENOMEM, "out of memory");
        goto fail;
    }
    gsl_rng_set(t->rng, p->seed);
    if (p->formula[0] && !(t->f = expr_parse(p->formula, err)))
        goto fail;
    if (problem_is_vector(p) && !problem_is_flow(p) && !table) {
        /* G(y, z) on a vector problem: F is the system, in the graph for
         * the cycle loss; a batch is prior draws and their F (fbuf) */
        if (tflow_system(t, err) != 0)
            goto fail;
        if (!(t->fbuf = malloc(p->batch_n * (d + t->p.y_dim) * sizeof *t->fbuf))) {
            innx_errf(err, INNX_ENOMEM, "out of memory");
            goto fail;
        }
    }
    if (table) {
        if (load_table(t, err) != 0)
            goto fail;
        t->rows = t->data.n_train;
    } else {
        memcpy(t->box_lo, p->x_lo, d * sizeof *t->box_lo);
        memcpy(t->box_hi, p->x_hi, d * sizeof *t->box_hi);
        t->rows = p->batch_n;
    }
    /* y's range, when not given: F's over the domain (a grid in one
     * variable; in several, samples over the whole box from a generator of
     * its own, so the run's stream is untouched). Varying x1 alone with the
     * others at 0 looked outside the domain when 0 is not in it. */
    if (!t->p.y_given && t->f && y_range(t, err) != 0)
        goto fail;
    t->g_in = problem_g_in(p);
    nn_spec spec;
    if (table) {
        if (nn_spec_parse(p->forward_model, &spec, err) != 0 || !(t->F = nn_alloc(&spec, t->rng, err)))
            goto fail;
    }
    if (nn_spec_parse(p->model, &spec, err) != 0 ||
        (p->output == PROBLEM_OUT_BRANCH && branch_init(t, &spec, err) != 0) ||
        (problem_is_flow(p) && tflow_init(t, &spec, err) != 0))
        goto fail;
    if (p->mixture > 1)   /* a mixture head: M candidates of x_dim values, then M logits */
        spec.widths[spec.n_widths - 1] = p->mixture * (d + 1);
    if (!(t->G = p->siamese ? nn_alloc_siamese(&spec, t->F, t->rng, err) : nn_alloc(&spec, t->rng, err)))
        goto fail;
    if (p->mixture > 1)
        mix_spread(t);
    for (size_t i = 0; i < p->n_stages; i++)
        if (build_stage(t, i, err) != 0)
            goto fail;
    if (stage_begin(t, 0, p->stages[0].steps) != 0) {
        innx_errf(err, INNX_ENOMEM, "out of memory");
        goto fail;
    }
    return t;
fail:
    trainer_free(t);
    return NULL;
}

void trainer_free(trainer *t)
{
    if (!t)
        return;
    trainer_stage_free_state(t);
    for (size_t i = 0; i < PROBLEM_MAX_STAGES; i++) {
        stage_graph *s = &t->sg[i];
        optim_adam_free(s->adam);
        graph_free(s->g);
        free(s->joint.val);
        free(s->joint.grad);
    }
    nn_free(t->G);
    nn_free(t->F);
    expr_free(t->f);
    tflow_free(t);
    free(t->branch_piece);
    free(t->branch_buf);
    if (t->data.sx.mean)
        stats_scaler_free(&t->data.sx);
    if (t->data.sy.mean)
        stats_scaler_free(&t->data.sy);
    free(t->data.x_test);
    free(t->data.y_test);
    free(t->tx);
    free(t->ty);
    free(t->box_lo);
    free(t->box_hi);
    if (t->rng)
        gsl_rng_free(t->rng);
    free(t);
}

const problem *trainer_problem(const trainer *t) { return &t->p; }

static void history_push(trainer_history *h, long step, const double *v)
{
    if (h->acc_n == 0)
        h->acc_step = step;
    for (int k = 0; k <= TERM_N; k++)
        h->acc[k] += v[k];
    if (++h->acc_n < h->stride)
        return;
    if (h->n == TRAINER_HIST_CAP) {
        /* Full: average neighbours in pairs; each point now spans twice
         * as many steps. */
        for (size_t i = 0; i < h->n / 2; i++) {
            h->step[i] = h->step[2 * i];
            for (int k = 0; k <= TERM_N; k++)
                h->v[k][i] = 0.5f * (h->v[k][2 * i] + h->v[k][2 * i + 1]);
        }
        h->n /= 2;
        h->stride *= 2;
        if (h->acc_n < h->stride)
            return;
    }
    h->step[h->n] = h->acc_step;
    for (int k = 0; k <= TERM_N; k++) {
        h->v[k][h->n] = (float)(h->acc[k] / (double)h->acc_n);
        h->acc[k] = 0;
    }
    h->n++;
    h->acc_n = 0;
}

static void rollback(trainer *t, const char *why, double loss)
{
    const optim_params *p = t->sg[t->stage].params;
    optim_early_restore(&t->best, p);
    optim_adam_reset(t->sg[t->stage].adam);
    if (t->ema_on)
        optim_ema_restart(&t->ema);
    int again = t->n_rollbacks > 0 && t->steps - t->rolled_at < ROLLBACK_LR_WINDOW;
    if (again)
        t->lr_scale *= 0.5;   /* a second blow-up soon after: the lr is too high */
    trainer_rollback *r = &t->rollbacks[t->n_rollbacks++];
    r->step = t->steps;
    snprintf(r->why, sizeof r->why, "%s (loss %.3g): back to step %ld%s", why, loss, t->best_at,
             again ? ", lr halved" : "");
    t->rolled_at = t->steps;
    t->loss_avg = t->avg_min;
    if (t->n_rollbacks == TRAINER_MAX_ROLLBACKS) {
        /* the best weights are in; the (restarted) average is not an answer */
        t->finished_stage = 1;
        t->state = TRAINER_DIVERGED;
    }
}

static int weights_finite(const optim_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const gsl_matrix_float *m = p->val[i];
        for (size_t j = 0; j < m->size1 * m->size2; j++)
            if (!isfinite(m->data[j]))
                return 0;
    }
    return 1;
}

trainer_state trainer_step(trainer *t)
{
    if (t->state != TRAINER_RUNNING)
        return t->state;
    if (((want_xcyc(t) && t->sg[t->stage].term[TERM_XCYC] < 0) ||
         (want_gp(t) && t->sg[t->stage].term[TERM_GP] < 0)) &&
        t->p.stages[t->stage].kind != PROBLEM_STAGE_FORWARD) {
        /* The graph it has stays until the new one is built: if that fails
         * (out of memory), the stage goes on without them on the old one.
         * (Building again without them could fail too, and would leave
         * no compiled graph to step.) */
        stage_graph *s = &t->sg[t->stage], old = *s;
        s->g = NULL;
        s->joint.val = s->joint.grad = NULL;
        innx_err err;
        if (build_stage(t, t->stage, &err) != 0) {
            graph_free(s->g);
            free(s->joint.val);
            free(s->joint.grad);
            *s = old;
            t->lambda[TERM_XCYC] = t->lambda[TERM_GP] = 0;
        } else {
            graph_free(old.g);
            free(old.joint.val);
            free(old.joint.grad);
        }
    }
    const problem_stage *ps = &t->p.stages[t->stage];
    stage_graph *s = &t->sg[t->stage];
    if (problem_is_flow(&t->p))
        tflow_fill_batch(t, s);
    else if (t->p.batch == PROBLEM_BATCH_UNIFORM)
        fill_uniform_batch(t, s);
    else if (t->p.batch == PROBLEM_BATCH_BRANCH && ps->kind == PROBLEM_STAGE_INVERSE)
        branch_fill_batch(t, s);   /* (a table's forward stage reads its rows) */
    else if (t->p.batch == PROBLEM_BATCH_TABLE && t->p.input == PROBLEM_IN_YZ && ps->kind != PROBLEM_STAGE_FORWARD)
        fill_table_z(t, s);
    set_lambdas(t);
    if (ps->schedule == PROBLEM_LR_MULTISTEP) {
        /* milestones are fractions of the stage's steps: the plan's, or a
         * train-on's (stage_end) */
        long ms[2] = {LONG_MAX, LONG_MAX};
        for (int i = 0; i < 2; i++)
            if (ps->milestones[i] > 0)
                ms[i] = lround(ps->milestones[i] * (double)t->stage_end);
        t->sched_lr = optim_multistep_lr(ps->lr, ps->gamma, ms, 2, t->stage_steps);
    }
    optim_adam_set_lr(s->adam, t->sched_lr * t->lr_scale);
    double loss = forward_loss(t);
    /* The stage's first weights are the first checkpoint: a loss that is
     * not a number before any other has somewhere to go back to. */
    if (t->stage_steps == 0 && isfinite(loss) && t->best.best_step == 0) {
        optim_early_step(&t->best, s->params, loss);
        t->best_at = t->steps;
        t->first_loss = loss;
        t->loss_avg = t->avg_min = loss;
    } else if (t->rebase && isfinite(loss) && t->best_on) {
        rebase(t, loss);
    }
    /* A fresh batch each step makes the loss itself noisy (a batch of the
     * branch model at 1e-7 can cost 1e-5), and the best checkpoint's loss,
     * a minimum over such batches, is biased low: a blow-up there is the
     * running mean over about LOSS_AVG_STEPS steps rising ten times above
     * its own lowest. */
    int fresh = t->p.batch == PROBLEM_BATCH_UNIFORM || problem_is_flow(&t->p) ||
                (t->p.batch == PROBLEM_BATCH_BRANCH && ps->kind == PROBLEM_STAGE_INVERSE);
    if (isfinite(loss)) {
        t->loss_avg += (loss - t->loss_avg) / LOSS_AVG_STEPS;
        t->avg_min = fmin(t->avg_min, t->loss_avg);
    }
    /* A rollback needs a scored checkpoint to go to; restarted Adam's first
     * steps are a shock of their own, so no second one within an interval
     * unless the loss is not a number at all. */
    int calm = t->n_rollbacks == 0 || t->steps - t->rolled_at > t->ck_every;
    /* ...and a jump from the float floor of the loss is noise, not a
     * blow-up: it must also be large against the stage's first loss. */
    int large = fresh ? t->loss_avg > BLOWUP * t->avg_min && t->loss_avg > BLOWUP_FLOOR * t->first_loss
                      : loss > BLOWUP * t->best.best && loss > BLOWUP_FLOOR * t->first_loss;
    /* a flow's nll is a log-density, below 0 as often as not: ratios mean
     * nothing there, a rise of BLOWUP_NATS per sample does */
    if (problem_is_flow(&t->p))
        large = t->loss_avg > t->avg_min + BLOWUP_NATS;
    if (t->best.best_step == 0 && !isfinite(loss)) {
        /* nothing to go back to: the first weights already fail */
        trainer_rollback *r = &t->rollbacks[t->n_rollbacks < TRAINER_MAX_ROLLBACKS ? t->n_rollbacks++ : 0];
        r->step = t->steps;
        snprintf(r->why, sizeof r->why, "the loss is not a number at the stage's first step (loss %g)", loss);
        t->finished_stage = 1;
        t->state = TRAINER_DIVERGED;
        return t->state;
    }
    /* This step's terms are what it measured, rolled back or not: a
     * per-step record (--metrics) shows the value that caused a rollback. */
    for (int k = 0; k < TERM_N; k++)
        t->term[k] = s->term[k] >= 0 ? graph_scalar(s->g, s->term[k]) : NAN;
    t->loss = loss;
    if (t->best.best_step > 0 && (!isfinite(loss) || (calm && large))) {
        rollback(t, isfinite(loss) ? "blow-up" : "non-finite loss", loss);
        t->steps++;
        t->stage_steps++;
        return t->state;
    }
    /* The loss belongs to the weights before this update, so the early-stop
     * snapshot is taken here, before Adam moves them (as the reference). */
    if (t->early_on && optim_early_step(&t->early, s->params, loss))
        t->stop = 1;
    graph_backward(s->g);
    optim_adam_step(s->adam);
    if (t->ema_on)
        optim_ema_update(&t->ema, s->params);
    if (ps->schedule == PROBLEM_LR_PLATEAU) {
        optim_adam_set_lr(s->adam, t->sched_lr);
        t->sched_lr = optim_plateau_step(&t->plateau, s->adam, loss);
    }
    double v[TERM_N + 1];
    for (int k = 0; k < TERM_N; k++)
        v[k] = t->term[k];
    v[TERM_N] = loss;
    history_push(&t->hist, t->steps, v);
    t->steps++;
    t->stage_steps++;
    if (t->stage_steps % t->ck_every == 0) {
        if (!weights_finite(s->params))
            rollback(t, "non-finite weights", loss);
        else
            score_checkpoint(t);
        if (t->state != TRAINER_RUNNING)
            return t->state;
        /* a budget stops when its held-out loss has not fallen for
         * `patience` checkpoints (the best one answers) */
        if (t->n_val > 0 && ps->patience > 0 && t->best.wait >= ps->patience)
            t->stop = 1;
    }
    if (t->stop || t->stage_steps >= t->stage_end)
        end_stage(t, t->stop);
    return t->state;
}

trainer_state trainer_get_state(const trainer *t) { return t->state; }
int trainer_finished(const trainer *t) { return t->state != TRAINER_RUNNING; }
long trainer_steps(const trainer *t) { return t->steps; }
size_t trainer_stage(const trainer *t) { return t->stage; }
long trainer_stage_steps(const trainer *t) { return t->stage_steps; }

void trainer_next_stage(trainer *t)
{
    if (t->state == TRAINER_RUNNING)
        end_stage(t, 0);
}

void trainer_train_on(trainer *t, long steps)
{
    if (t->state == TRAINER_RUNNING || steps < 1)
        return;
    /* Starts afresh from the answering weights: new counters, average and
     * checkpoints, and the stage's own lr and schedule over the new steps.
     * Going on at the lr the schedule ended with did nothing visible: a
     * plateau schedule ends three-roots at ~1e-8, where a changed lambda
     * moved no centroid in a thousand steps. */
    if (stage_begin(t, t->stage, steps) != 0)
        return;
    t->trained_on = 1;
    t->state = TRAINER_RUNNING;
    t->n_rollbacks = 0;
}

double trainer_lr(const trainer *t) { return t->sched_lr * t->lr_scale; }

void trainer_scale_lr(trainer *t, double f)
{
    if (f > 0 && isfinite(f))
        t->lr_scale *= f;
}

void trainer_kick_lr(trainer *t, double f) { t->lr_scale *= f; }

void trainer_set_lambda(trainer *t, problem_term k, double v)
{
    if (k >= 0 && k < TERM_N && isfinite(v) && v >= 0 && v != t->lambda[k]) {
        t->lambda[k] = v;
        t->rebase = 1;   /* a new objective: judged from its own first loss */
    }
}

double trainer_lambda(const trainer *t, problem_term k) { return k >= 0 && k < TERM_N ? t->lambda[k] : NAN; }

int trainer_term_active(const trainer *t, problem_term k)
{
    return k >= 0 && k < TERM_N && t->sg[t->stage].term[k] >= 0;
}

int trainer_term_available(const trainer *t, problem_term k)
{
    return trainer_term_active(t, k) ||
           (k == TERM_GP && problem_term_applies(&t->p, k) && t->p.stages[t->stage].kind != PROBLEM_STAGE_FORWARD);
}

double trainer_term(const trainer *t, problem_term k) { return k >= 0 && k < TERM_N ? t->term[k] : NAN; }
double trainer_loss(const trainer *t) { return t->loss; }
const trainer_history *trainer_get_history(const trainer *t) { return &t->hist; }
size_t trainer_n_rollbacks(const trainer *t) { return t->n_rollbacks; }

const trainer_rollback *trainer_rollback_at(const trainer *t, size_t i)
{
    return i < t->n_rollbacks ? &t->rollbacks[i] : NULL;
}

long trainer_answer_step(const trainer *t) { return t->answers_by_best ? t->best_at : 0; }
int trainer_joint_undone(const trainer *t) { return t->joint_undone; }
double trainer_flops(const trainer *t) { return graph_flops(t->sg[t->stage].g); }
size_t trainer_g_in(const trainer *t) { return t->g_in; }
size_t trainer_x_dim(const trainer *t) { return t->p.x_dim; }
int trainer_has_formula(const trainer *t) { return t->f != NULL; }
nn_model *trainer_g(trainer *t) { return t->G; }
nn_model *trainer_nn1(trainer *t) { return t->F; }


const trainer_data *trainer_get_data(const trainer *t)
{
    return problem_has_table(&t->p) ? &t->data : NULL;
}

size_t trainer_g_candidates(const trainer *t) { return n_mix(t); }

int trainer_eval_g(trainer *t, const double *in, size_t n, double *x, innx_err *err)
{
    if (problem_is_flow(&t->p))
        return innx_errf(err, INNX_EINVAL, "a flow answers with samples of x for a y* (trainer_sample)");
    if (t->p.output == PROBLEM_OUT_BRANCH) {
        int swapped = answer_swap(t), st = branch_eval(t, in, n, x, err);
        if (swapped)
            answer_swap(t);
        return st;
    }
    size_t gi = t->g_in, d = t->p.x_dim, ny = t->p.input == PROBLEM_IN_Z ? 0 : t->p.y_dim;
    int table = t->p.batch == PROBLEM_BATCH_TABLE;
    double *buf = NULL;
    const double *use = in;
    if ((table || vector_g(t)) && ny > 0) {
        /* G reads scaled y: a table's scaler, a vector problem's spread over the prior */
        if (!(buf = malloc(n * gi * sizeof *buf)))
            return innx_errf(err, INNX_ENOMEM, "out of memory");
        memcpy(buf, in, n * gi * sizeof *buf);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < ny; j++)
                buf[i * gi + j] = table ? (buf[i * gi + j] - t->data.sy.mean[j]) / t->data.sy.scale[j]
                                        : (buf[i * gi + j] - t->yloc[j]) / t->yscale[j];
        use = buf;
    }
    size_t M = n_mix(t);
    double *u = M > 1 ? malloc(n * M * (d + 1) * sizeof *u) : x;
    if (!u) {
        free(buf);
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    }
    int swapped = answer_swap(t);
    int st = nn_eval(t->G, use, n, u, err);
    if (swapped)
        answer_swap(t);
    free(buf);
    if (M > 1) {
        /* row i's M (d + 1) outputs: candidate j is x's row i M + j; the logits go */
        for (size_t i = 0; st == 0 && i < n; i++)
            memcpy(x + i * M * d, u + i * M * (d + 1), M * d * sizeof *x);
        free(u);
        n *= M;
    }
    if (st != 0)
        return st;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = outputs[t->p.output].f64(t, j, x[i * d + j]);
    if (table)
        stats_scaler_inverse(&t->data.sx, x, n);
    return 0;
}

/* G(y*, z) for rows codes z ~ U[0, 1]^z_dim, its latent distribution in
 * training: the codes spread the answers over the solutions the cycle
 * loss found, with no likelihood behind them (not a posterior). */
static int sample_g(trainer *t, const double *ystar, size_t rows, gsl_rng *r, double *x, innx_err *err)
{
    const problem *p = &t->p;
    size_t gi = t->g_in, m = p->y_dim, zoff = p->input == PROBLEM_IN_Z ? 0 : m, M = n_mix(t), d = p->x_dim;
    if (p->input == PROBLEM_IN_Z)
        for (size_t j = 0; j < m; j++)
            if (ystar[j] != p->y_target[j])
                return innx_errf(err, INNX_EINVAL, "y*: a latent G(z) answers the y* it was trained for "
                                                   "(problem.y_star); train it again for another");
    /* a mixture head gives M candidates a code: every candidate is a
     * sample (its weight says which fits the code best, not which exists) */
    size_t codes = (rows + M - 1) / M;
    double *in = malloc(codes * gi * sizeof *in), *all = M > 1 ? malloc(codes * M * d * sizeof *all) : x;
    if (!in || !all) {
        free(in);
        if (M > 1)
            free(all);
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < codes; i++) {
        memcpy(in + i * gi, ystar, zoff * sizeof *in);
        for (size_t j = zoff; j < gi; j++)
            in[i * gi + j] = gsl_rng_uniform(r);
    }
    int st = trainer_eval_g(t, in, codes, all, err);
    if (M > 1) {
        if (st == 0)
            memcpy(x, all, rows * d * sizeof *x);
        free(all);
    }
    free(in);
    return st;
}

/* x outside the support of the prior (a uniform prior's [a, b], the
 * domain's box; a normal prior has none) */
static int outside_prior(const trainer *t, const double *lo, const double *hi, const double *x)
{
    for (size_t j = 0; j < t->p.x_dim; j++) {
        int kind = t->p.prior[j].kind;
        double a = kind == PROBLEM_PRIOR_UNIFORM ? t->p.prior[j].a : lo[j];
        double b = kind == PROBLEM_PRIOR_UNIFORM ? t->p.prior[j].b : hi[j];
        if (kind != PROBLEM_PRIOR_NORMAL && !(x[j] >= a && x[j] <= b))
            return 1;
    }
    return 0;
}

/* The posterior is zero outside the prior's support, a flow's density is
 * not: near a bounded prior's edge it leaks mass across (two-moons'
 * observation 5 lies at a corner of [-1, 1]^2: 30 % of the samples fell
 * outside and C2ST against the reference was 0.71). As sbi's NPE does,
 * the samples outside are drawn again, at most SUPPORT_ROUNDS times; what
 * still lies outside then is kept (the report counts it as it is). */
#define SUPPORT_ROUNDS 100

static int flow_sample(trainer *t, const double *ystar, size_t rows, double tau, gsl_rng *r, double *x, double *ld,
                       double *zz, innx_err *err)
{
    int st = tflow_sample(t, ystar, rows, tau, r, x, ld, zz, err);
    if (st != 0)
        return st;
    size_t n = t->p.x_dim, *idx = NULL, bad = 0;
    double lo[PROBLEM_MAX_X], hi[PROBLEM_MAX_X], *xb = NULL, *lb = NULL, *zb = NULL;
    trainer_domain(t, lo, hi);
    for (int round = 0; round < SUPPORT_ROUNDS; round++) {
        bad = 0;
        for (size_t i = 0; i < rows; i++)
            if (outside_prior(t, lo, hi, x + i * n)) {
                if (!idx && !(idx = malloc(rows * sizeof *idx))) {
                    st = innx_errf(err, INNX_ENOMEM, "samples: out of memory");
                    goto out;
                }
                idx[bad++] = i;
            }
        if (bad == 0)
            break;
        if ((!xb && !(xb = malloc(bad * n * sizeof *xb))) ||   /* the first round has the most */
            (ld && !lb && !(lb = malloc(bad * sizeof *lb))) || (zz && !zb && !(zb = malloc(bad * sizeof *zb)))) {
            st = innx_errf(err, INNX_ENOMEM, "samples: out of memory");
            goto out;
        }
        if ((st = tflow_sample(t, ystar, bad, tau, r, xb, lb, zb, err)) != 0)
            goto out;
        for (size_t k = 0; k < bad; k++) {
            memcpy(x + idx[k] * n, xb + k * n, n * sizeof *x);
            if (ld)
                ld[idx[k]] = lb[k];
            if (zz)
                zz[idx[k]] = zb[k];
        }
    }
out:
    free(idx);
    free(xb);
    free(lb);
    free(zb);
    return st;
}

int trainer_sample(trainer *t, const double *ystar, size_t rows, gsl_rng *r, double *x, innx_err *err)
{
    if (!problem_is_vector(&t->p))
        return innx_errf(err, INNX_EINVAL, "samples: %s's y is one number: its answers are the roots at y*", t->p.name);
    if (!problem_is_flow(&t->p))
        return sample_g(t, ystar, rows, r, x, err);
    return trainer_sample_density(t, ystar, rows, 1.0, r, x, NULL, NULL, err);
}

int trainer_sample_density(trainer *t, const double *ystar, size_t rows, double tau, gsl_rng *r, double *x,
                           double *ld, double *zz, innx_err *err)
{
    if (!problem_is_flow(&t->p))
        return innx_errf(err, INNX_EINVAL, "samples: G(y, z) has no density q(x | y*); a flow has");
    int swapped = answer_swap(t), st = flow_sample(t, ystar, rows, tau, r, x, ld, zz, err);
    if (swapped)
        answer_swap(t);
    return st;
}

const fsys *trainer_system(const trainer *t) { return t->sys; }

int trainer_eval_f(trainer *t, const double *x, size_t n, double *y, innx_err *err)
{
    size_t d = t->p.x_dim;
    if (t->sys && !fsys_is_random(t->sys))
        return fsys_eval(t->sys, x, n, y, NULL, NULL) == 0 ? 0 : innx_errf(err, INNX_ENOMEM, "out of memory");
    if (!t->f && !t->F)
        return innx_errf(err, INNX_EINVAL, "%s has no F to evaluate (a simulator, or a flow on a table)", t->p.name);
    if (t->f) {
        for (size_t i = 0; i < n; i++)
            y[i] = expr_eval(t->f, x + i * d, NULL);
        return 0;
    }
    double *xs = malloc(n * d * sizeof *xs);
    if (!xs)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    memcpy(xs, x, n * d * sizeof *xs);
    stats_scaler_transform(&t->data.sx, xs, n);
    int st = nn_eval(t->F, xs, n, y, err);
    free(xs);
    if (st == 0)
        stats_scaler_inverse(&t->data.sy, y, n);
    return st;
}


/* Central differences of the loss on the current batch against one
 * backward pass, over every stride-th entry of each trainable parameter;
 * the loss is float, so eps is not tiny. */
double trainer_check_grad(trainer *t, size_t stride, double eps)
{
    stage_graph *s = &t->sg[t->stage];
    const optim_params *p = s->params;
    set_lambdas(t);
    graph_forward(s->g);
    graph_backward(s->g);
    double worst = 0;
    for (size_t i = 0; i < p->n; i++) {
        gsl_matrix_float *W = p->val[i], *G = p->grad[i];
        size_t len = W->size1 * W->size2;
        for (size_t e = i % (stride ? stride : 1); e < len; e += stride ? stride : 1) {
            float w = W->data[e];
            double a = G->data[e];
            W->data[e] = (float)(w + eps);
            double up = forward_loss(t);
            W->data[e] = (float)(w - eps);
            double down = forward_loss(t);
            W->data[e] = w;
            double n = (up - down) / ((double)(float)(w + eps) - (double)(float)(w - eps));
            double err = fabs(a - n) / fmax(1.0, fmax(fabs(a), fabs(n)));
            if (!(err <= worst))
                worst = err;
        }
    }
    forward_loss(t);
    return worst;
}

double trainer_eval_loss(trainer *t)
{
    int swapped = answer_swap(t);
    set_lambdas(t);
    double loss = forward_loss(t);
    if (swapped)
        answer_swap(t);
    return loss;
}

int trainer_profile(trainer *t, int on)
{
    for (size_t i = 0; i < t->p.n_stages; i++)
        if (graph_profile(t->sg[i].g, on) != 0)
            return INNX_ENOMEM;
    return 0;
}

void trainer_profile_print(const trainer *t, FILE *f)
{
    for (size_t i = 0; i < t->p.n_stages; i++)
        graph_profile_print(t->sg[i].g, f, problem_stage_kind_name(t->p.stages[i].kind));
}

/* trainer_ckpt.c: stage i's graph built again as the lambdas and gp_built
 * now say, so that a restored trainer holds the lazily built terms (xcyc,
 * gp) the saved one had. */
int trainer_rebuild_stage(trainer *t, size_t i, innx_err *err) { return build_stage(t, i, err); }
