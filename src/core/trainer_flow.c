/* trainer_flow.c: the flow model of a vector problem: x drawn from the prior
 * (fresh each step, or a simulation budget drawn once), y = F(x) from the
 * formula system (a simulator's noise included), the nll graph over
 * standardised x and y, and samples x ~ q(x | y*) through the exact inverse. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>

#include "innx/dataset.h"
#include "innx/flow.h"
#include "trainer_impl.h"

/* Draws that fix y's standardisation (a generator of its own, so the run's
 * stream is untouched and a restore recomputes the same numbers). */
#define YSTAT_DRAWS 4096
#define YSTAT_SEED_MIX 0x9e3779b97f4a7c15UL

void trainer_prior_loc_scale(const problem *p, size_t j, double *loc, double *scale)
{
    double a = p->prior[j].a, b = p->prior[j].b;
    switch (p->prior[j].kind) {
    case PROBLEM_PRIOR_NORMAL:
        *loc = a, *scale = b;
        return;
    case PROBLEM_PRIOR_UNIFORM:
        break;
    default:
        a = p->x_lo[j], b = p->x_hi[j];
    }
    *loc = (a + b) / 2;
    *scale = (b - a) / sqrt(12.0);   /* a uniform's sd */
}

double trainer_prior_draw(const problem *p, size_t j, gsl_rng *r)
{
    double a = p->prior[j].a, b = p->prior[j].b;
    switch (p->prior[j].kind) {
    case PROBLEM_PRIOR_NORMAL:
        return a + b * gsl_ran_gaussian_ziggurat(r, 1.0);
    case PROBLEM_PRIOR_UNIFORM:
        return a + (b - a) * gsl_rng_uniform(r);
    default:
        return p->x_lo[j] + (p->x_hi[j] - p->x_lo[j]) * gsl_rng_uniform(r);
    }
}

double trainer_prior_logpdf(const problem *p, size_t j, double x)
{
    double a = p->prior[j].a, b = p->prior[j].b;
    switch (p->prior[j].kind) {
    case PROBLEM_PRIOR_NORMAL:
        return -0.5 * ((x - a) / b) * ((x - a) / b) - log(b * sqrt(2 * M_PI));
    case PROBLEM_PRIOR_UNIFORM:
        break;
    default:
        a = p->x_lo[j], b = p->x_hi[j];
    }
    return x >= a && x <= b ? -log(b - a) : -INFINITY;
}

/* rows prior draws into x (raw units), then y = F(x) with r's noise;
 * both standardised into xs, ys when given. */
static int simulate(trainer *t, size_t rows, gsl_rng *r, double *x, double *y)
{
    const problem *p = &t->p;
    size_t n = p->x_dim;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < n; j++)
            x[i * n + j] = trainer_prior_draw(p, j, r);
    return fsys_eval(t->sys, x, rows, y, NULL, r);
}

static void standardise(const trainer *t, size_t rows, double *x, double *y)
{
    size_t n = t->p.x_dim, m = t->p.y_dim;
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < n; j++)
            x[i * n + j] = (x[i * n + j] - t->xloc[j]) / t->xscale[j];
        for (size_t j = 0; j < m; j++)
            y[i * m + j] = (y[i * m + j] - t->yloc[j]) / t->yscale[j];
    }
}

/* A table's rows as the budget: x's and y's columns by name (y_column
 * lists m of them), the x and y scales from the rows themselves. */
static int table_budget(trainer *t, innx_err *err)
{
    const problem *p = &t->p;
    size_t n = p->x_dim, m = p->y_dim, nx = 0, ny = 0;
    char **xs = NULL, **ys = NULL;
    int st;
    if ((st = dataset_split_names(p->x_columns, &xs, &nx, err)) != 0)
        return innx_errf(err, st, "data.x_columns: %s", err->msg);
    if ((st = dataset_split_names(p->y_column, &ys, &ny, err)) != 0) {
        dataset_free_names(xs, nx);
        return innx_errf(err, st, "data.y_column: %s", err->msg);
    }
    const char *names[PROBLEM_MAX_X + PROBLEM_MAX_Y];
    if (nx != n || ny != m) {
        dataset_free_names(xs, nx);
        dataset_free_names(ys, ny);
        return innx_errf(err, INNX_EINVAL, "data: %zu x columns and %zu y columns for x_dim %zu, y_dim %zu", nx, ny, n, m);
    }
    for (size_t j = 0; j < n; j++)
        names[j] = xs[j];
    for (size_t j = 0; j < m; j++)
        names[n + j] = ys[j];
    dataset *ds = dataset_open(p->table, names, n + m, p->drop_bad_rows, err);
    dataset_free_names(xs, nx);
    dataset_free_names(ys, ny);
    if (!ds)
        return INNX_EINVAL;
    size_t N = ds->rows, nv = (size_t)floor(p->val_frac * (double)N);
    if (nv < 1 || N - nv < 1) {
        dataset_free(ds);
        return innx_errf(err, INNX_EINVAL, "data.table: %zu rows with val_frac %g leave no training or held-out rows", N,
                         p->val_frac);
    }
    t->sim_x = malloc(N * n * sizeof *t->sim_x);
    t->sim_y = malloc(N * m * sizeof *t->sim_y);
    if (!t->sim_x || !t->sim_y) {
        dataset_free(ds);
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < N; i++) {
        memcpy(t->sim_x + i * n, ds->v + i * (n + m), n * sizeof *t->sim_x);
        memcpy(t->sim_y + i * m, ds->v + i * (n + m) + n, m * sizeof *t->sim_y);
    }
    dataset_free(ds);
    /* x's scale: the prior's where one is given, else the rows'; y's the rows' */
    for (size_t j = 0; j < n + m; j++) {
        const double *v = j < n ? t->sim_x + j : t->sim_y + (j - n);
        size_t stride = j < n ? n : m;
        double s1 = 0, s2 = 0;
        for (size_t i = 0; i < N; i++)
            s1 += v[i * stride], s2 += v[i * stride] * v[i * stride];
        double mu = s1 / (double)N, sd = sqrt(fmax(s2 / (double)N - mu * mu, 0));
        sd = sd > 1e-12 ? sd : 1;
        if (j >= n)
            t->yloc[j - n] = mu, t->yscale[j - n] = sd;
        else if (p->prior[j].kind == PROBLEM_PRIOR_DOMAIN)
            t->xloc[j] = mu, t->xscale[j] = sd;
    }
    standardise(t, N, t->sim_x, t->sim_y);
    t->n_sim = N - nv;
    t->n_val = nv;
    return 0;
}

/* F as the problem's system (t->sys), checked against n and m, and y's
 * location and scale from YSTAT_DRAWS prior draws: the flow standardises
 * y by them, and so does G(y, z) on a vector problem (its input and the
 * cycle loss's residual). */
int tflow_system(trainer *t, innx_err *err)
{
    const problem *p = &t->p;
    size_t n = p->x_dim, m = p->y_dim ? p->y_dim : 1;
    int st;
    if (!(t->sys = problem_system(p, err)))
        return INNX_EINVAL;
    if (fsys_n_out(t->sys) != m || fsys_n_in(t->sys) > n)
        return innx_errf(err, INNX_EINVAL, "forward: the system gives %zu outputs of %zu inputs; the problem has y_dim %zu, x_dim %zu",
                         fsys_n_out(t->sys), fsys_n_in(t->sys), m, n);
    /* y's location and scale from prior draws, on a generator of their own */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    double *x = malloc(YSTAT_DRAWS * n * sizeof *x), *y = malloc(YSTAT_DRAWS * m * sizeof *y);
    st = r && x && y ? 0 : INNX_ENOMEM;
    if (st == 0) {
        gsl_rng_set(r, p->seed ^ YSTAT_SEED_MIX);
        st = simulate(t, YSTAT_DRAWS, r, x, y);
    }
    for (size_t j = 0; st == 0 && j < m; j++) {
        double s1 = 0, s2 = 0;
        size_t k = 0;
        for (size_t i = 0; i < YSTAT_DRAWS; i++)
            if (isfinite(y[i * m + j]))
                s1 += y[i * m + j], s2 += y[i * m + j] * y[i * m + j], k++;
        if (k < YSTAT_DRAWS / 2) {
            st = innx_errf(err, INNX_EINVAL, "forward: y%zu is not a number on most prior draws", j + 1);
            break;
        }
        t->yloc[j] = s1 / (double)k;
        t->yscale[j] = sqrt(fmax(s2 / (double)k - t->yloc[j] * t->yloc[j], 0));
        if (!(t->yscale[j] > 1e-12))
            t->yscale[j] = 1;   /* a constant output: nothing to scale */
    }
    free(x);
    free(y);
    if (r)
        gsl_rng_free(r);
    return st == INNX_ENOMEM ? innx_errf(err, st, "out of memory") : st;
}

int tflow_draw(trainer *t, size_t rows, gsl_rng *r, double *x, double *y) { return simulate(t, rows, r, x, y); }

int tflow_init(trainer *t, nn_spec *spec, innx_err *err)
{
    const problem *p = &t->p;
    size_t n = p->x_dim, m = p->y_dim ? p->y_dim : 1;
    for (size_t j = 0; j < n; j++)
        trainer_prior_loc_scale(p, j, &t->xloc[j], &t->xscale[j]);
    spec->n_widths = 2;
    spec->widths[0] = m;
    spec->widths[1] = n;
    int st;
    if (p->table[0]) {
        /* a simulator innx cannot run: its rows are the budget; F, when
         * given too, serves the projection */
        if ((p->system[0] || p->formula[0]) && !(t->sys = problem_system(p, err)))
            return INNX_EINVAL;
        if ((st = table_budget(t, err)) != 0)
            return st;
        if (!(t->fbuf = malloc(p->batch_n * (n + m) * sizeof *t->fbuf)))
            return innx_errf(err, INNX_ENOMEM, "out of memory");
        return 0;
    }
    if ((st = tflow_system(t, err)) != 0)
        return st;
    size_t rows = p->batch_n;
    if (!(t->fbuf = malloc(rows * (n + m) * sizeof *t->fbuf)))
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    if (p->simulations > 0) {
        /* the budget, drawn once from the run's generator: a share is held
         * out to choose the answering weights and to stop early */
        size_t N = p->simulations, nv = (size_t)floor(p->val_frac * (double)N);
        if (nv < 1 || N - nv < 1)
            return innx_errf(err, INNX_EINVAL, "data.simulations: %zu with val_frac %g leaves no training or validation rows",
                             N, p->val_frac);
        if (!(t->sim_x = malloc(N * n * sizeof *t->sim_x)) || !(t->sim_y = malloc(N * m * sizeof *t->sim_y)))
            return innx_errf(err, INNX_ENOMEM, "out of memory");
        if ((st = simulate(t, N, t->rng, t->sim_x, t->sim_y)) != 0)
            return innx_errf(err, st, "out of memory");
        standardise(t, N, t->sim_x, t->sim_y);
        t->n_sim = N - nv;
        t->n_val = nv;
    }
    return 0;
}

void tflow_free(trainer *t)
{
    fsys_free(t->sys);
    free(t->fbuf);
    free(t->sim_x);
    free(t->sim_y);
}

int tflow_fill_batch(trainer *t, stage_graph *s)
{
    size_t n = t->p.x_dim, m = t->p.y_dim, rows = s->rows;
    double *x = t->fbuf, *y = t->fbuf + rows * n;
    if (t->n_sim > 0) {
        /* a minibatch of the training rows, drawn with replacement */
        for (size_t i = 0; i < rows; i++) {
            size_t k = gsl_rng_uniform_int(t->rng, t->n_sim);
            memcpy(x + i * n, t->sim_x + k * n, n * sizeof *x);
            memcpy(y + i * m, t->sim_y + k * m, m * sizeof *y);
        }
    } else {
        int st = simulate(t, rows, t->rng, x, y);
        if (st != 0)
            return st;
        standardise(t, rows, x, y);
    }
    gsl_matrix_float *X = graph_value(s->g, s->xs), *Y = graph_value(s->g, s->y);
    for (size_t i = 0; i < rows * n; i++)
        X->data[i] = (float)x[i];
    for (size_t i = 0; i < rows * m; i++)
        Y->data[i] = (float)(isfinite(y[i]) ? y[i] : 0);   /* (a NaN row would poison the batch) */
    return 0;
}

/* The nll is a mean over rows, so a big batch is built as one shard per
 * thread, each of at least SHARD_ROWS rows (graph_shard_begin), which the
 * threads run whole: one hand-off a pass instead of two a layer. A shard
 * of 128 rows costs more than half of one of 256 (6-128: 2.8 against 3.8
 * ms a step), and on one thread two shards cost ~15 % more than the whole
 * batch, so there are never more shards than threads; as with the other
 * graphs, a thread count fixes the bits. */
#define SHARD_ROWS 256

size_t tflow_shards(size_t rows, int threads)
{
    size_t k = rows / SHARD_ROWS;
    if (k > (size_t)(threads > 0 ? threads : 1))
        k = (size_t)(threads > 0 ? threads : 1);
    return k < 1 ? 1 : k > GRAPH_MAX_SHARDS ? GRAPH_MAX_SHARDS : k;
}

/* nll = sum_k (rows_k / rows) nll_k over the shards' rows */
int tflow_build(trainer *t, stage_graph *s, graph *g)
{
    size_t rows = s->rows, S = tflow_shards(rows, s->threads);
    s->xs = graph_feed(g, rows, t->p.x_dim);
    s->y = graph_feed(g, rows, t->p.y_dim);
    if (S == 1)
        return nn_build_flow_nll(t->G, g, s->xs, s->y);
    int part[GRAPH_MAX_SHARDS];
    float share[GRAPH_MAX_SHARDS];
    for (size_t k = 0; k < S; k++) {
        size_t r0 = rows * k / S, r1 = rows * (k + 1) / S;
        share[k] = (float)((double)(r1 - r0) / (double)rows);
        graph_shard_begin(g);
        part[k] = nn_build_flow_nll(t->G, g, graph_rows(g, s->xs, r0, r1 - r0), graph_rows(g, s->y, r0, r1 - r0));
    }
    graph_shard_end(g);   /* the sum is shared: built after the shards */
    int nll = -1;
    for (size_t k = 0; k < S; k++) {
        int w = graph_scale(g, part[k], share[k]);
        nll = k == 0 ? w : graph_add(g, nll, w);
    }
    return nll;
}

double tflow_val_nll(trainer *t)
{
    size_t n = t->p.x_dim, m = t->p.y_dim, nv = t->n_val;
    double *z = malloc(nv * (n + 1) * sizeof *z), sum = 0;
    innx_err e;
    if (!z || flow_forward(nn_flow(t->G), t->sim_x + t->n_sim * n, t->sim_y + t->n_sim * m, nv, z, z + nv * n, &e) != 0) {
        free(z);
        return NAN;
    }
    for (size_t i = 0; i < nv; i++) {
        double q = 0;
        for (size_t j = 0; j < n; j++)
            q += z[i * n + j] * z[i * n + j];
        sum += 0.5 * q - z[nv * n + i];
    }
    free(z);
    return sum / (double)nv;
}

int tflow_sample(trainer *t, const double *ystar, size_t rows, double tau, gsl_rng *r, double *x, double *ld,
                 double *zz, innx_err *err)
{
    size_t n = t->p.x_dim, m = t->p.y_dim;
    double *z = malloc(rows * n * sizeof *z), *c = malloc(rows * m * sizeof *c);
    if (!z || !c) {
        free(z);
        free(c);
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < n; j++)
            z[i * n + j] = gsl_ran_gaussian_ziggurat(r, tau);
        for (size_t j = 0; j < m; j++)
            c[i * m + j] = (ystar[j] - t->yloc[j]) / t->yscale[j];
    }
    long cores = t->p.threads > 0 ? t->p.threads : sysconf(_SC_NPROCESSORS_ONLN);
    flow_set_threads(nn_flow(t->G), cores > 0 ? (int)cores : 1);
    int st = flow_inverse(nn_flow(t->G), z, c, rows, x, ld, err);
    double unit = 0;   /* log|det dx_std/dx| */
    for (size_t j = 0; j < n; j++)
        unit -= log(t->xscale[j]);
    for (size_t i = 0; st == 0 && i < rows; i++) {
        double q = 0;
        for (size_t j = 0; j < n; j++) {
            x[i * n + j] = t->xloc[j] + t->xscale[j] * x[i * n + j];
            q += z[i * n + j] * z[i * n + j];
        }
        if (ld)
            ld[i] += unit;
        if (zz)
            zz[i] = q;
    }
    free(z);
    free(c);
    return st;
}
