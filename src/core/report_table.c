/* report_table.c: the report of any trained table problem: scores on the
 * held-out part, segments of the predicted and real traits, PCA. */
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
#include "innx/report_table.h"
#include "innx/stats.h"
#include "innx/trainer.h"

/* The silhouette costs O(n^2 d): above REPORT_SILHOUETTE_MAX points it is
 * computed on that many, drawn without replacement from a seeded stream
 * (sklearn's sample_size); 2000 points give it to about +-0.01. */
#define REPORT_SILHOUETTE_MAX 2000

static double silhouette_sampled(size_t d, size_t k, unsigned long seed, const double *xs, size_t n,
                                 const size_t *labels)
{
    if (n <= REPORT_SILHOUETTE_MAX)
        return cluster_silhouette(xs, n, d, labels, k);
    size_t m = REPORT_SILHOUETTE_MAX, *all = malloc(n * sizeof *all), *pick = malloc(m * sizeof *pick);
    size_t *lab = malloc(m * sizeof *lab);
    double *sub = malloc(m * d * sizeof *sub), sil = NAN;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (all && pick && lab && sub && r) {
        gsl_rng_set(r, seed);
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
static int segments(const trainer_data *td, size_t k, unsigned long seed, const double *xs, size_t n,
                    double *centres_scaled, double *centres, size_t *counts, size_t *labels,
                    double *silhouette, innx_err *err)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return innx_errf(err, INNX_ENOMEM, "table report: out of memory");
    /* Its own stream: the segments do not depend on how many steps ran. */
    gsl_rng_set(r, seed);
    kmeans_conf kc = KMEANS_DEFAULTS(k);
    kmeans_result km;
    int st = kmeans_fit(xs, n, td->d, &kc, r, &km, err);
    gsl_rng_free(r);
    if (st != 0)
        return st;
    size_t d = td->d;
    memcpy(centres_scaled, km.centres, k * d * sizeof *centres);
    memcpy(centres, km.centres, k * d * sizeof *centres);
    stats_scaler_inverse(&td->sx, centres, k);
    memcpy(counts, km.counts, k * sizeof *counts);
    memcpy(labels, km.labels, n * sizeof *labels);
    kmeans_result_free(&km);
    *silhouette = silhouette_sampled(d, k, seed, xs, n, labels);
    return 0;
}

int report_table_evaluate(trainer *t, report_table *r, innx_err *err)
{
    memset(r, 0, sizeof *r);
    const trainer_data *td = trainer_get_data(t);
    if (!td)
        return innx_errf(err, INNX_EINVAL, "table report: not a table problem");
    const problem *p = trainer_problem(t);
    size_t n = td->n_test, d = td->d, k = p->k;
    unsigned long seed = p->seed;
    nn_model *F = trainer_nn1(t), *G = trainer_g(t);
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
        st = innx_errf(err, INNX_ENOMEM, "table report: out of memory");
        goto done;
    }
    /* Scores in scaled units, as the article reports them. */
    if ((st = nn_eval(F, td->x_test, n, fx, err)) != 0)
        goto done;
    r->r2 = stats_r2(td->y_test, fx, n);
    if ((st = nn_eval(G, td->y_test, n, xp, err)) != 0 || (st = nn_eval(F, xp, n, fx, err)) != 0)
        goto done;
    r->inverse_rmse = stats_rmse(xp, td->x_test, n * d);
    r->cycle_rmse = stats_rmse(fx, td->y_test, n);
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(xp[i])) {
            st = innx_errf(err, INNX_EFAIL, "table report: the inverse network gives non-finite traits");
            goto done;
        }
    /* Segments are found in scaled units (income's dollars would outweigh
     * everything else) and reported in original ones. */
    if ((st = segments(td, k, seed, xp, n, cp, r->seg_pred, r->count_pred, r->label_pred,
                       &r->silhouette_pred, err)) != 0 ||
        (st = segments(td, k, seed, td->x_test, n, cr, r->seg_real, r->count_real, r->label_real,
                       &r->silhouette_real, err)) != 0 ||
        (st = cluster_match(cp, cr, k, d, r->match, err)) != 0)
        goto done;
    if (d >= 2) {

        pca_result pc;
        if ((st = pca_fit(td->x_test, n, d, 2, &pc, err)) != 0)
            goto done;
        pca_transform(&pc, td->x_test, n, r->pca_real);
        pca_transform(&pc, xp, n, r->pca_pred);
        r->pca_explained[0] = pc.explained[0];
        r->pca_explained[1] = pc.explained[1];
        pca_result_free(&pc);
    }
    memcpy(r->x_pred, xp, n * d * sizeof *xp);
    memcpy(r->x_real, td->x_test, n * d * sizeof *xp);
    memcpy(r->y, td->y_test, n * sizeof *r->y);
    stats_scaler_inverse(&td->sx, r->x_pred, n);
    stats_scaler_inverse(&td->sx, r->x_real, n);
    stats_scaler_inverse(&td->sy, r->y, n);
done:
    free(fx);
    free(xp);
    free(cp);
    free(cr);
    if (st != 0)
        report_table_free(r);
    return st;
}

void report_table_free(report_table *r)
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
