/* spend.c: the data case as a task stepped by the CLI, the bench, the tests
 * (and later the TUI): split and scale, fit F: x -> y, fit G: y -> x with F
 * frozen, then score and segment on the held-out part. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "innx/cluster.h"
#include "innx/graph.h"
#include "innx/nn.h"
#include "innx/optim.h"
#include "innx/spend.h"
#include "innx/stats.h"

struct spend_task {
    spend_conf c;
    size_t d, n, n_train, n_test;
    gsl_rng *rng;
    stats_scaler sx, sy;
    double *x_test, *y_test;       /* scaled, test part */
    double *box_lo, *box_hi;       /* scaled */
    nn_model *F, *G;
    /* F's fit: X -> F(X) vs Y */
    graph *gf;
    int f_X, f_Y, f_loss;
    optim_adam *af;
    /* G's fit (F frozen): Y -> G(Y) = X^, recon, cycle F(X^) vs Y, box */
    graph *gg;
    int g_lo, g_hi, g_loss, g_terms[3];
    optim_adam *ag;
    /* Joint fine-tune: both trainable, F's loss + G's loss */
    graph *gj;
    int j_loss;
    optim_adam *aj;
    optim_params joint;            /* F's and G's params in one set */
};

spend_conf spend_conf_default(void)
{
    return (spend_conf){.forward_model = "mlp:3-64-64-1/relu", .inverse_model = "mlp:1-64-64-3/tanh",
                        .test_frac = 0.2, .seed = 42, .steps_forward = 2000, .steps_inverse = 4000,
                        .steps_joint = 0, .lr_forward = 1e-3, .lr_inverse = 1e-3, .lr_joint = 1e-4,
                        .w_recon = 1, .w_cycle = 1, .w_box = 10, .k = 4};
}

static void set_threads(graph *g, int threads)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    graph_set_threads(g, threads > 0 ? threads : (int)(cores > 0 ? cores : 1));
}

static void fill(gsl_matrix_float *m, const double *v)
{
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            gsl_matrix_float_set(m, i, j, (float)v[i * m->size2 + j]);
}

static nn_model *model(const char *s, size_t in, size_t out, gsl_rng *r, innx_err *err)
{
    nn_spec spec;
    if (nn_spec_parse(s, &spec, err) != 0)
        return NULL;
    if (spec.widths[0] != in || spec.widths[spec.n_widths - 1] != out) {
        innx_errf(err, INNX_EINVAL, "spend: model '%s' must map %zu input%s to %zu output%s", s, in,
                  in == 1 ? "" : "s", out, out == 1 ? "" : "s");
        return NULL;
    }
    return nn_alloc(&spec, r, err);
}


spend_task *spend_alloc(const spend_conf *c, const double *x, const double *y, size_t n, size_t d,
                        const double *box_lo, const double *box_hi, innx_err *err)
{
    spend_task *t = calloc(1, sizeof *t);
    if (!t) {
        innx_errf(err, INNX_ENOMEM, "spend: out of memory");
        return NULL;
    }
    t->c = *c;
    t->d = d;
    t->n = n;
    size_t *idx = NULL;
    double *xs = NULL, *ys = NULL;
    if (d == 0 || !(c->test_frac > 0 && c->test_frac < 1)) {
        innx_errf(err, INNX_EINVAL, "spend: need traits and a test share in (0, 1)");
        goto fail;
    }
    t->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!t->rng) {
        innx_errf(err, INNX_ENOMEM, "spend: out of memory");
        goto fail;
    }
    gsl_rng_set(t->rng, c->seed);
    if (stats_split(n, c->test_frac, t->rng, &idx, &t->n_train, err) != 0)
        goto fail;
    t->n_test = n - t->n_train;
    if (t->n_train < 2 || t->n_test < (c->k > 2 ? c->k : 2)) {
        innx_errf(err, INNX_EINVAL, "spend: %zu rows are too few to split %g/%g and find %zu segments",
                  n, 1 - c->test_frac, c->test_frac, c->k);
        goto fail;
    }
    /* Rows in split order: training part first. */
    xs = malloc(n * d * sizeof *xs);
    ys = malloc(n * sizeof *ys);
    t->box_lo = malloc(d * sizeof *t->box_lo);
    t->box_hi = malloc(d * sizeof *t->box_hi);
    if (!xs || !ys || !t->box_lo || !t->box_hi) {
        innx_errf(err, INNX_ENOMEM, "spend: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(xs + i * d, x + idx[i] * d, d * sizeof *xs);
        ys[i] = y[idx[i]];
    }
    if (stats_scaler_fit(&t->sx, xs, t->n_train, d, err) != 0 ||
        stats_scaler_fit(&t->sy, ys, t->n_train, 1, err) != 0)
        goto fail;
    stats_scaler_transform(&t->sx, xs, n);
    stats_scaler_transform(&t->sy, ys, n);
    memcpy(t->box_lo, box_lo, d * sizeof *t->box_lo);
    memcpy(t->box_hi, box_hi, d * sizeof *t->box_hi);
    stats_scaler_transform(&t->sx, t->box_lo, 1);
    stats_scaler_transform(&t->sx, t->box_hi, 1);

    if (!(t->F = model(c->forward_model, d, 1, t->rng, err)) ||
        !(t->G = model(c->inverse_model, 1, d, t->rng, err)))
        goto fail;

    /* Every graph feeds on the same training rows; tests on the rest. */
    t->gf = graph_alloc();
    t->gg = graph_alloc();
    if (!t->gf || !t->gg) {
        innx_errf(err, INNX_ENOMEM, "spend: out of memory");
        goto fail;
    }
    set_threads(t->gf, c->threads);
    set_threads(t->gg, c->threads);
    {
        graph *g = t->gf;
        int X = t->f_X = graph_feed(g, t->n_train, d), Y = t->f_Y = graph_feed(g, t->n_train, 1);
        t->f_loss = graph_mse(g, nn_build(t->F, g, X, 1), Y);
        if (graph_compile(g, t->f_loss, err) != 0)
            goto fail;
        fill(graph_value(g, X), xs);
        fill(graph_value(g, Y), ys);
    }
    {
        graph *g = t->gg;
        int Y = graph_feed(g, t->n_train, 1), X = graph_feed(g, t->n_train, d);
        int lo = t->g_lo = graph_feed(g, 1, d), hi = t->g_hi = graph_feed(g, 1, d);
        int xh = nn_build(t->G, g, Y, 1);
        int fy = nn_build(t->F, g, xh, 0);
        /* box = mean(relu(lo - x^)^2 + relu(x^ - hi)^2): quadratic walls */
        int box = graph_box(g, xh, lo, hi);
        t->g_terms[0] = graph_mse(g, xh, X);
        t->g_terms[1] = graph_mse(g, fy, Y);
        t->g_terms[2] = box;
        t->g_loss = graph_add(g, graph_add(g, graph_scale(g, t->g_terms[0], (float)c->w_recon),
                                           graph_scale(g, t->g_terms[1], (float)c->w_cycle)),
                              graph_scale(g, box, (float)c->w_box));
        if (graph_compile(g, t->g_loss, err) != 0)
            goto fail;
        fill(graph_value(g, Y), ys);
        fill(graph_value(g, X), xs);
        fill(graph_value(g, lo), t->box_lo);
        fill(graph_value(g, hi), t->box_hi);
    }
    t->af = optim_adam_alloc(nn_params(t->F), OPTIM_ADAM_DEFAULTS(c->lr_forward));
    t->ag = optim_adam_alloc(nn_params(t->G), OPTIM_ADAM_DEFAULTS(c->lr_inverse));
    t->x_test = malloc(t->n_test * d * sizeof *t->x_test);
    t->y_test = malloc(t->n_test * sizeof *t->y_test);
    if (!t->af || !t->ag || !t->x_test || !t->y_test) {
        innx_errf(err, INNX_ENOMEM, "spend: out of memory");
        goto fail;
    }
    memcpy(t->x_test, xs + t->n_train * d, t->n_test * d * sizeof *xs);
    memcpy(t->y_test, ys + t->n_train, t->n_test * sizeof *ys);
    free(idx);
    free(xs);
    free(ys);
    return t;
fail:
    free(idx);
    free(xs);
    free(ys);
    spend_free(t);
    return NULL;
}

void spend_free(spend_task *t)
{
    if (!t)
        return;
    optim_adam_free(t->af);
    optim_adam_free(t->ag);
    optim_adam_free(t->aj);
    free(t->joint.val);
    free(t->joint.grad);
    graph_free(t->gf);
    graph_free(t->gg);
    graph_free(t->gj);
    nn_free(t->F);
    nn_free(t->G);
    stats_scaler_free(&t->sx);
    stats_scaler_free(&t->sy);
    free(t->x_test);
    free(t->y_test);
    free(t->box_lo);
    free(t->box_hi);
    if (t->rng)
        gsl_rng_free(t->rng);
    free(t);
}

size_t spend_n_train(const spend_task *t) { return t->n_train; }

double spend_step_forward(spend_task *t)
{
    graph_forward(t->gf);
    double loss = graph_scalar(t->gf, t->f_loss);
    graph_backward(t->gf);
    optim_adam_step(t->af);
    return loss;
}

double spend_step_inverse(spend_task *t, double terms[3])
{
    graph_forward(t->gg);
    double loss = graph_scalar(t->gg, t->g_loss);
    if (terms)
        for (int i = 0; i < 3; i++)
            terms[i] = graph_scalar(t->gg, t->g_terms[i]);
    graph_backward(t->gg);
    optim_adam_step(t->ag);
    return loss;
}

/* The joint graph is built on first use: F's fit and G's fit side by side,
 * both trainable, one Adam over the union of their parameters. */
static int joint_build(spend_task *t, innx_err *err)
{
    const optim_params *pf = nn_params(t->F), *pg = nn_params(t->G);
    t->joint.n = pf->n + pg->n;
    t->joint.val = malloc(t->joint.n * sizeof *t->joint.val);
    t->joint.grad = malloc(t->joint.n * sizeof *t->joint.grad);
    t->gj = graph_alloc();
    if (!t->joint.val || !t->joint.grad || !t->gj)
        return innx_errf(err, INNX_ENOMEM, "spend: out of memory");
    for (size_t i = 0; i < pf->n; i++) {
        t->joint.val[i] = pf->val[i];
        t->joint.grad[i] = pf->grad[i];
    }
    for (size_t i = 0; i < pg->n; i++) {
        t->joint.val[pf->n + i] = pg->val[i];
        t->joint.grad[pf->n + i] = pg->grad[i];
    }
    graph *g = t->gj;
    set_threads(g, t->c.threads);
    size_t d = t->d, n = t->n_train;
    int X = graph_feed(g, n, d), Y = graph_feed(g, n, 1);
    int lo = graph_feed(g, 1, d), hi = graph_feed(g, 1, d);
    int fx = nn_build(t->F, g, X, 1), xh = nn_build(t->G, g, Y, 1), fy = nn_build(t->F, g, xh, 1);
    int box = graph_box(g, xh, lo, hi);
    int gl = graph_add(g, graph_add(g, graph_scale(g, graph_mse(g, xh, X), (float)t->c.w_recon),
                                    graph_scale(g, graph_mse(g, fy, Y), (float)t->c.w_cycle)),
                       graph_scale(g, box, (float)t->c.w_box));
    t->j_loss = graph_add(g, graph_mse(g, fx, Y), gl);
    if (graph_compile(g, t->j_loss, err) != 0)
        return INNX_EINVAL;
    /* The same training rows as the other two graphs. */
    gsl_matrix_float_memcpy(graph_value(g, X), graph_value(t->gf, t->f_X));
    gsl_matrix_float_memcpy(graph_value(g, Y), graph_value(t->gf, t->f_Y));
    gsl_matrix_float_memcpy(graph_value(g, lo), graph_value(t->gg, t->g_lo));
    gsl_matrix_float_memcpy(graph_value(g, hi), graph_value(t->gg, t->g_hi));
    t->aj = optim_adam_alloc(&t->joint, OPTIM_ADAM_DEFAULTS(t->c.lr_joint));
    return t->aj ? 0 : innx_errf(err, INNX_ENOMEM, "spend: out of memory");
}

double spend_step_joint(spend_task *t, innx_err *err)
{
    if (!t->gj && joint_build(t, err) != 0)
        return NAN;
    graph_forward(t->gj);
    double loss = graph_scalar(t->gj, t->j_loss);
    graph_backward(t->gj);
    optim_adam_step(t->aj);
    return loss;
}

int spend_profile(spend_task *t, int on)
{
    return graph_profile(t->gf, on) || graph_profile(t->gg, on) ? INNX_ENOMEM : 0;
}

void spend_profile_print(const spend_task *t, FILE *f)
{
    graph_profile_print(t->gf, f, "forward fit");
    graph_profile_print(t->gg, f, "inverse fit");
}

double spend_flops_forward(const spend_task *t) { return graph_flops(t->gf); }
double spend_flops_inverse(const spend_task *t) { return graph_flops(t->gg); }

/* The silhouette costs O(n^2 d): above SPEND_SILHOUETTE_MAX points it is
 * computed on that many, drawn without replacement from a seeded stream
 * (sklearn's sample_size); 2000 points give it to about +-0.01. */
#define SPEND_SILHOUETTE_MAX 2000

static double silhouette_sampled(const spend_task *t, const double *xs, size_t n, const size_t *labels)
{
    size_t d = t->d, k = t->c.k;
    if (n <= SPEND_SILHOUETTE_MAX)
        return cluster_silhouette(xs, n, d, labels, k);
    size_t m = SPEND_SILHOUETTE_MAX, *all = malloc(n * sizeof *all), *pick = malloc(m * sizeof *pick);
    size_t *lab = malloc(m * sizeof *lab);
    double *sub = malloc(m * d * sizeof *sub), sil = NAN;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (all && pick && lab && sub && r) {
        gsl_rng_set(r, t->c.seed);
        for (size_t i = 0; i < n; i++)
            all[i] = i;
        gsl_ran_choose(r, pick, m, all, n, sizeof *all);
        for (size_t i = 0; i < m; i++) {
            memcpy(sub + i * d, xs + pick[i] * d, d * sizeof *sub);
            lab[i] = labels[pick[i]];
        }
        sil = cluster_silhouette(sub, m, d, lab, k);
    }
    if (r)
        gsl_rng_free(r);
    free(all);
    free(pick);
    free(lab);
    free(sub);
    return sil;
}

/* k-means of n scaled points into r's arrays: labels, counts and the
 * centres in original units (the scaler's inverse). */
static int segments(spend_task *t, const double *xs, size_t n, double *centres_scaled,
                    double *centres, size_t *counts, size_t *labels, double *silhouette,
                    innx_err *err)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return innx_errf(err, INNX_ENOMEM, "spend: out of memory");
    /* Its own stream: the segments do not depend on how many steps ran. */
    gsl_rng_set(r, t->c.seed);
    kmeans_conf kc = KMEANS_DEFAULTS(t->c.k);
    kmeans_result km;
    int st = kmeans_fit(xs, n, t->d, &kc, r, &km, err);
    gsl_rng_free(r);
    if (st != 0)
        return st;
    size_t k = t->c.k, d = t->d;
    memcpy(centres_scaled, km.centres, k * d * sizeof *centres);
    memcpy(centres, km.centres, k * d * sizeof *centres);
    stats_scaler_inverse(&t->sx, centres, k);
    memcpy(counts, km.counts, k * sizeof *counts);
    memcpy(labels, km.labels, n * sizeof *labels);
    kmeans_result_free(&km);
    *silhouette = silhouette_sampled(t, xs, n, labels);
    return 0;
}

int spend_evaluate(spend_task *t, spend_report *r, innx_err *err)
{
    memset(r, 0, sizeof *r);
    size_t n = t->n_test, d = t->d, k = t->c.k;
    r->d = d;
    r->k = k;
    r->n_test = n;
    double *fx = malloc(n * sizeof *fx), *xp = malloc(n * d * sizeof *xp);
    double *cp = malloc(k * d * sizeof *cp), *cr = malloc(k * d * sizeof *cr);
    r->seg_pred = malloc(k * d * sizeof *r->seg_pred);
    r->seg_real = malloc(k * d * sizeof *r->seg_real);
    r->count_pred = malloc(k * sizeof *r->count_pred);
    r->count_real = malloc(k * sizeof *r->count_real);
    r->match = malloc(k * sizeof *r->match);
    r->x_pred = malloc(n * d * sizeof *r->x_pred);
    r->x_real = malloc(n * d * sizeof *r->x_real);
    r->y = malloc(n * sizeof *r->y);
    r->label_pred = malloc(n * sizeof *r->label_pred);
    r->label_real = malloc(n * sizeof *r->label_real);
    r->pca_pred = malloc(n * 2 * sizeof *r->pca_pred);
    r->pca_real = malloc(n * 2 * sizeof *r->pca_real);
    int st = 0;
    if (!fx || !xp || !cp || !cr || !r->seg_pred || !r->seg_real || !r->count_pred ||
        !r->count_real || !r->match || !r->x_pred || !r->x_real || !r->y || !r->label_pred ||
        !r->label_real || !r->pca_pred || !r->pca_real) {
        st = innx_errf(err, INNX_ENOMEM, "spend: out of memory");
        goto done;
    }
    /* Scores in scaled units, as the article reports them. */
    if ((st = nn_eval(t->F, t->x_test, n, fx, err)) != 0)
        goto done;
    r->r2 = stats_r2(t->y_test, fx, n);
    if ((st = nn_eval(t->G, t->y_test, n, xp, err)) != 0 || (st = nn_eval(t->F, xp, n, fx, err)) != 0)
        goto done;
    r->inverse_rmse = stats_rmse(xp, t->x_test, n * d);
    r->cycle_rmse = stats_rmse(fx, t->y_test, n);
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(xp[i])) {
            st = innx_errf(err, INNX_EFAIL, "spend: the inverse network gives non-finite traits");
            goto done;
        }
    /* Segments are found in scaled units (income's dollars would outweigh
     * everything else) and reported in original ones. */
    if ((st = segments(t, xp, n, cp, r->seg_pred, r->count_pred, r->label_pred, &r->silhouette_pred,
                       err)) != 0 ||
        (st = segments(t, t->x_test, n, cr, r->seg_real, r->count_real, r->label_real,
                       &r->silhouette_real, err)) != 0 ||
        (st = cluster_match(cp, cr, k, d, r->match, err)) != 0)
        goto done;
    if (d >= 2) {
        pca_result p;
        if ((st = pca_fit(t->x_test, n, d, 2, &p, err)) != 0)
            goto done;
        pca_transform(&p, t->x_test, n, r->pca_real);
        pca_transform(&p, xp, n, r->pca_pred);
        r->pca_explained[0] = p.explained[0];
        r->pca_explained[1] = p.explained[1];
        pca_result_free(&p);
    }
    memcpy(r->x_pred, xp, n * d * sizeof *xp);
    memcpy(r->x_real, t->x_test, n * d * sizeof *xp);
    memcpy(r->y, t->y_test, n * sizeof *r->y);
    stats_scaler_inverse(&t->sx, r->x_pred, n);
    stats_scaler_inverse(&t->sx, r->x_real, n);
    stats_scaler_inverse(&t->sy, r->y, n);
done:
    free(fx);
    free(xp);
    free(cp);
    free(cr);
    if (st != 0)
        spend_report_free(r);
    return st;
}

void spend_report_free(spend_report *r)
{
    free(r->seg_pred);
    free(r->seg_real);
    free(r->count_pred);
    free(r->count_real);
    free(r->match);
    free(r->x_pred);
    free(r->x_real);
    free(r->y);
    free(r->label_pred);
    free(r->label_real);
    free(r->pca_pred);
    free(r->pca_real);
    memset(r, 0, sizeof *r);
}
