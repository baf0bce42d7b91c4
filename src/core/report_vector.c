/* report_vector.c: a vector problem's answers at y*: the flow's samples,
 * projected onto F(x) = y* by project_point and certified, their families
 * and roots; for a simulator the posterior's statistics and predictive check. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "innx/clock.h"
#include "innx/cluster.h"
#include "innx/fsys.h"
#include "innx/project.h"
#include "innx/report_vector.h"

void report_vector_free(report_vector *r)
{
    free(r->x_raw);
    free(r->x_pol);
    free(r->res_raw);
    free(r->res_pol);
    free(r->certified);
    free(r->y_raw);
    free(r->y_pol);
    free(r->label);
    memset(r, 0, sizeof *r);
}

/* max_i |y_i - y*_i| and ||y - y*||^2 of one sample */
static void miss(const double *y, const double *ys, size_t m, double *maxabs, double *sq)
{
    *maxabs = 0, *sq = 0;
    for (size_t i = 0; i < m; i++) {
        double d = y[i] - ys[i];
        *maxabs = isfinite(d) ? fmax(*maxabs, fabs(d)) : INFINITY;
        *sq += d * d;
    }
}

/* the families: k-means with k chosen by the data (cluster.c: k > 1 only
 * where its silhouette is clearly positive, 0.5) */
static int families(report_vector *r, const double *x, size_t n, gsl_rng *rng, innx_err *err)
{
    kmeans_result keep;
    int st = kmeans_choose_k(x, n, r->n, 8, 0.5, rng, &keep, &r->silhouette, err);
    if (st != 0)
        return st;
    r->k = keep.k;
    for (size_t j = 0; j < r->k; j++) {
        memcpy(r->centroid[j], keep.centres + j * r->n, r->n * sizeof(double));
        r->count[j] = keep.counts[j];
    }
    for (size_t i = 0; i < n; i++) {
        r->label[i] = (unsigned char)keep.labels[i];
        if (r->certified && r->certified[i])
            r->count_certified[keep.labels[i]]++;
    }
    kmeans_result_free(&keep);
    return 0;
}

static void marginals(report_vector *r, const double *x, size_t n)
{
    double *col = malloc(n * sizeof *col);
    if (!col)
        return;
    for (size_t j = 0; j < r->n; j++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(x[i * r->n + j]))
                col[k++] = x[i * r->n + j];
        if (!k) {
            r->mean[j] = r->sd[j] = r->q05[j] = r->q50[j] = r->q95[j] = NAN;
            continue;
        }
        gsl_sort(col, 1, k);
        r->mean[j] = gsl_stats_mean(col, 1, k);
        r->sd[j] = k > 1 ? gsl_stats_sd(col, 1, k) : 0;
        r->q05[j] = gsl_stats_quantile_from_sorted_data(col, 1, k, 0.05);
        r->q50[j] = gsl_stats_quantile_from_sorted_data(col, 1, k, 0.50);
        r->q95[j] = gsl_stats_quantile_from_sorted_data(col, 1, k, 0.95);
    }
    free(col);
}

int report_vector_compute(trainer *t, const double *ystar, size_t samples, unsigned long seed, report_vector *r,
                          innx_err *err)
{
    const problem *p = trainer_problem(t);
    const fsys *sys = trainer_system(t);
    memset(r, 0, sizeof *r);
    if (!problem_is_vector(p))
        return innx_errf(err, INNX_EINVAL, "%s's y is one number: its answers are roots, not samples", p->name);
    size_t n = p->x_dim, m = p->y_dim, N = samples;
    r->n = n, r->m = m, r->samples = N;
    /* no F (a flow trained on a table's rows) is answered as a simulator's
     * posterior, without re-simulation; F learned from a table (NN1) is
     * re-simulated through, but not projected onto: it is F's fit */
    r->random = !sys || fsys_is_random(sys);
    r->learned = !sys && trainer_nn1(t) != NULL;
    int have_f = sys || r->learned;
    memcpy(r->ystar, ystar, m * sizeof *ystar);
    r->x_raw = malloc(N * n * sizeof *r->x_raw);
    r->res_raw = malloc(N * sizeof *r->res_raw);
    r->label = malloc(N);
    double *y = malloc(N * m * sizeof *y);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    int st = INNX_ENOMEM;
    if (!r->x_raw || !r->res_raw || !r->label || !y || !rng)
        goto out;
    memset(r->label, REPORT_VECTOR_NO_FAMILY, N);
    gsl_rng_set(rng, seed);
    double t0 = clock_now();
    /* a flow on a deterministic F: its samples weighed against the
     * posterior and drawn again (trainer_resample); resim_raw stays the
     * flow's own, the first round of proposals */
    r->resampled = !r->random && problem_is_flow(p) && p->resample > 0;
    r->proposals = N, r->ess = (double)N, r->kernel_h = NAN;
    if (r->resampled) {
        trainer_resample_stats rs;
        st = trainer_resample(t, ystar, N, p->resample, rng, r->x_raw, &rs, err);
        r->proposals = rs.proposals, r->ess = rs.ess, r->kernel_h = rs.h, r->resim_raw = rs.resim_first;
    } else {
        st = trainer_sample(t, ystar, N, rng, r->x_raw, err);
    }
    r->seconds_sample = clock_now() - t0;
    if (st != 0)
        goto out;
    double sum = 0;
    /* re-simulate: F with its noise for a simulator (a predictive draw) */
    if (sys && (st = fsys_eval(sys, r->x_raw, N, y, NULL, r->random ? rng : NULL)) != 0)
        goto out;
    if (r->learned && (st = trainer_eval_f(t, r->x_raw, N, y, err)) != 0)
        goto out;
    for (size_t i = 0; i < N; i++) {
        double sq = NAN;
        if (have_f)
            miss(y + i * m, ystar, m, &r->res_raw[i], &sq);
        else
            r->res_raw[i] = NAN;
        sum += sq;
    }
    r->resim_drawn = sum / (double)N;
    if (!r->resampled)
        r->resim_raw = r->resim_drawn;
    r->resim_polished = NAN;
    const double *answers = r->x_raw;
    if (!have_f) {
        for (size_t j = 0; j < m; j++)
            r->pred_mean[j] = r->pred_sd[j] = r->pred_z[j] = NAN;
    } else if (r->random) {
        /* the posterior predictive: mean and sd of y simulated from the samples */
        for (size_t j = 0; j < m; j++) {
            double s1 = 0, s2 = 0;
            for (size_t i = 0; i < N; i++)
                s1 += y[i * m + j], s2 += y[i * m + j] * y[i * m + j];
            r->pred_mean[j] = s1 / (double)N;
            r->pred_sd[j] = sqrt(fmax(s2 / (double)N - r->pred_mean[j] * r->pred_mean[j], 0));
            r->pred_z[j] = (ystar[j] - r->pred_mean[j]) / (r->pred_sd[j] > 0 ? r->pred_sd[j] : 1);
        }
    } else {
        r->x_pol = malloc(N * n * sizeof *r->x_pol);
        r->res_pol = malloc(N * sizeof *r->res_pol);
        r->certified = calloc(N, 1);
        r->y_pol = malloc(N * m * sizeof *r->y_pol);
        st = INNX_ENOMEM;
        if (!r->x_pol || !r->res_pol || !r->certified || !r->y_pol)
            goto out;
        memcpy(r->x_pol, r->x_raw, N * n * sizeof *r->x_pol);
        double lo[PROBLEM_MAX_X], hi[PROBLEM_MAX_X];
        trainer_domain(t, lo, hi);
        project_opts o = PROJECT_DEFAULTS;
        o.tol = REPORT_VECTOR_CERTIFY;
        t0 = clock_now();
        sum = 0;
        for (size_t i = 0; i < N; i++) {
            project_result pr;
            double *xi = r->x_pol + i * n, *yi = r->y_pol + i * m, sq;
            for (size_t j = 0; j < n; j++)   /* a sample outside the domain starts on its wall */
                xi[j] = isfinite(xi[j]) ? fmin(fmax(xi[j], lo[j]), hi[j]) : (lo[j] + hi[j]) / 2;
            int ps = project_point(fsys_point_fn, (void *)sys, n, m, ystar, lo, hi, xi, &o, &pr, err);
            if (ps == INNX_EINVAL) {
                st = ps;
                goto out;
            }
            r->certified[i] = ps == 0 && pr.certified;
            r->n_certified += r->certified[i];
            fsys_point_fn((void *)sys, xi, yi, NULL);
            miss(yi, ystar, m, &r->res_pol[i], &sq);
            sum += sq;
        }
        r->seconds_project = clock_now() - t0;
        r->resim_polished = sum / (double)N;
        answers = r->x_pol;
        if (m == n) {
            /* isolated roots: the distinct certified ones */
            for (size_t i = 0; i < N && r->n_roots < REPORT_VECTOR_MAX_ROOTS; i++) {
                if (!r->certified[i])
                    continue;
                const double *xi = r->x_pol + i * n;
                size_t k = 0;
                for (; k < r->n_roots; k++) {
                    int same = 1;
                    for (size_t j = 0; j < n && same; j++)
                        same = fabs(r->roots[k][j] - xi[j]) <= 1e-7 * (1 + fabs(xi[j]));
                    if (same)
                        break;
                }
                if (k == r->n_roots)
                    memcpy(r->roots[r->n_roots++], xi, n * sizeof *xi);
            }
        }
    }
    marginals(r, answers, N);
    if (!r->random && m == n && r->n_roots > 0) {
        /* isolated roots: a family is a root and the samples polished to it */
        r->k = r->n_roots < REPORT_VECTOR_MAX_K ? r->n_roots : REPORT_VECTOR_MAX_K;
        r->silhouette = NAN;
        for (size_t c = 0; c < r->k; c++)
            memcpy(r->centroid[c], r->roots[c], n * sizeof(double));
        for (size_t i = 0; i < N; i++)
            for (size_t c = 0; r->certified[i] && c < r->k; c++) {
                int same = 1;
                for (size_t j = 0; j < n && same; j++)
                    same = fabs(r->roots[c][j] - r->x_pol[i * n + j]) <= 1e-7 * (1 + fabs(r->x_pol[i * n + j]));
                if (same) {
                    r->count[c]++;
                    r->count_certified[c]++;
                    r->label[i] = (unsigned char)c;
                    break;
                }
            }
        st = 0;
    } else {
        st = families(r, answers, N, rng, err);
    }
out:
    if (st == INNX_ENOMEM)
        innx_errf(err, st, "out of memory");
    if (have_f && st == 0)
        r->y_raw = y;   /* kept: the re-simulated F(x) of each raw sample */
    else
        free(y);
    if (rng)
        gsl_rng_free(rng);
    if (st != 0)
        report_vector_free(r);
    return st;
}
