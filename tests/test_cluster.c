/* test_cluster.c: k-means on hand-worked and Gaussian-blob cases, restarts,
 * empty clusters, bad input; the silhouette by hand; centre matching; PCA. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "innx/cluster.h"

static gsl_rng *rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

static double d2(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t j = 0; j < d; j++)
        s += (a[j] - b[j]) * (a[j] - b[j]);
    return s;
}

/* What every result must satisfy: counts match labels, the inertia is the
 * labels' own, each label is a nearest centre, first coordinates ascend. */
static void check_consistent(const double *x, size_t n, size_t d, const kmeans_result *res)
{
    size_t k = res->k;
    size_t *cnt = calloc(k, sizeof *cnt);
    double in = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(res->labels[i] < k);
        cnt[res->labels[i]]++;
        double own = d2(x + i * d, res->centres + res->labels[i] * d, d);
        in += own;
        for (size_t c = 0; c < k; c++)
            assert_true(own <= d2(x + i * d, res->centres + c * d, d) + 1e-12);
    }
    for (size_t c = 0; c < k; c++) {
        assert_int_equal(cnt[c], res->counts[c]);
        assert_true(cnt[c] >= 1);
        if (c > 0)
            assert_true(res->centres[(c - 1) * d] <= res->centres[c * d]);
    }
    assert_true(fabs(in - res->inertia) <= 1e-9 * (1 + in));
    free(cnt);
}

/* {0,1,2} and {10,11,12}: centres 1 and 11, inertia 1+0+1 + 1+0+1 = 4,
 * whatever the seed. */
static void test_tiny_1d(void **state)
{
    (void)state;
    double x[] = {10, 0, 11, 1, 12, 2};
    size_t want[] = {1, 0, 1, 0, 1, 0};
    for (unsigned long seed = 1; seed <= 5; seed++) {
        gsl_rng *r = rng(seed);
        kmeans_conf c = KMEANS_DEFAULTS(2);
        kmeans_result res;
        innx_err e;
        assert_int_equal(kmeans_fit(x, 6, 1, &c, r, &res, &e), 0);
        assert_int_equal(res.k, 2);
        assert_int_equal(res.d, 1);
        assert_true(fabs(res.centres[0] - 1) < 1e-12 && fabs(res.centres[1] - 11) < 1e-12);
        assert_true(fabs(res.inertia - 4) < 1e-12);
        assert_memory_equal(res.labels, want, sizeof want);
        assert_int_equal(res.counts[0], 3);
        assert_int_equal(res.counts[1], 3);
        assert_true(res.iterations >= 1 && res.iterations <= c.max_iter);
        kmeans_result_free(&res);
        gsl_rng_free(r);
    }
}

#define NB 4
#define PER 200
static const double truth[NB][3] = {{-10, 0, 0}, {-3, 8, 2}, {4, -6, 5}, {11, 3, -7}};

/* 4 blobs (sigma 0.3) in 3-D, interleaved so labels are not contiguous. */
static double *blobs(unsigned long seed)
{
    double *x = malloc(NB * PER * 3 * sizeof *x);
    gsl_rng *r = rng(seed);
    for (size_t i = 0; i < NB * PER; i++)
        for (size_t j = 0; j < 3; j++)
            x[i * 3 + j] = truth[i % NB][j] + gsl_ran_gaussian(r, 0.3);
    gsl_rng_free(r);
    return x;
}

static void test_blobs(void **state)
{
    (void)state;
    double *x = blobs(7);
    size_t n = NB * PER;
    gsl_rng *r = rng(42);
    kmeans_conf c = KMEANS_DEFAULTS(NB);
    kmeans_result res;
    innx_err e;
    assert_int_equal(kmeans_fit(x, n, 3, &c, r, &res, &e), 0);
    check_consistent(x, n, 3, &res);
    /* every blob is one cluster, distinct blobs distinct clusters */
    size_t map[NB];
    int seen[NB] = {0};
    for (size_t t = 0; t < NB; t++) {
        map[t] = res.labels[t];
        assert_false(seen[map[t]]);
        seen[map[t]] = 1;
    }
    for (size_t i = 0; i < n; i++)
        assert_int_equal(res.labels[i], map[i % NB]);
    /* truth's first coordinates ascend, so renumbering makes map the identity */
    size_t perm[NB];
    assert_int_equal(cluster_match(&truth[0][0], res.centres, NB, 3, perm, &e), 0);
    for (size_t t = 0; t < NB; t++) {
        assert_int_equal(map[t], t);
        assert_int_equal(perm[t], t);
        assert_int_equal(res.counts[t], PER);
        assert_true(sqrt(d2(res.centres + t * 3, truth[t], 3)) < 0.1);
        /* and exactly the blob's sample mean: a k-means fixed point */
        for (size_t j = 0; j < 3; j++) {
            double m = 0;
            for (size_t i = t; i < n; i += NB)
                m += x[i * 3 + j];
            assert_true(fabs(res.centres[t * 3 + j] - m / PER) < 1e-9);
        }
    }
    kmeans_result_free(&res);
    gsl_rng_free(r);
    free(x);
}

static double *uniform(size_t n, size_t d, unsigned long seed)
{
    double *x = malloc(n * d * sizeof *x);
    gsl_rng *r = rng(seed);
    for (size_t i = 0; i < n * d; i++)
        x[i] = gsl_rng_uniform(r);
    gsl_rng_free(r);
    return x;
}

static void test_deterministic(void **state)
{
    (void)state;
    size_t n = 300, d = 2;
    double *x = uniform(n, d, 3);
    kmeans_conf c = KMEANS_DEFAULTS(6);
    kmeans_result a, b;
    gsl_rng *r1 = rng(11), *r2 = rng(11);
    assert_int_equal(kmeans_fit(x, n, d, &c, r1, &a, NULL), 0);
    assert_int_equal(kmeans_fit(x, n, d, &c, r2, &b, NULL), 0);
    check_consistent(x, n, d, &a);
    assert_memory_equal(a.centres, b.centres, 6 * d * sizeof *a.centres);
    assert_memory_equal(a.labels, b.labels, n * sizeof *a.labels);
    assert_memory_equal(a.counts, b.counts, 6 * sizeof *a.counts);
    assert_true(a.inertia == b.inertia && a.iterations == b.iterations);
    kmeans_result_free(&a);
    kmeans_result_free(&b);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
    free(x);
}

/* Uniform points with k = 8 have many local minima. A restart draws only its
 * seeding from the rng, so n_init = 10 must equal the best of ten n_init = 1
 * fits drawn one after the other from the same stream. */
static void test_n_init_keeps_best(void **state)
{
    (void)state;
    size_t n = 200, d = 2, k = 8, differ = 0;
    double *x = uniform(n, d, 5);
    for (unsigned long seed = 1; seed <= 8; seed++) {
        kmeans_conf c10 = KMEANS_DEFAULTS(k), c1 = KMEANS_DEFAULTS(k);
        c1.n_init = 1;
        kmeans_result best, one;
        gsl_rng *ra = rng(seed), *rb = rng(seed);
        assert_int_equal(kmeans_fit(x, n, d, &c10, ra, &best, NULL), 0);
        check_consistent(x, n, d, &best);
        double lo = INFINITY, hi = 0;
        for (int run = 0; run < 10; run++) {
            assert_int_equal(kmeans_fit(x, n, d, &c1, rb, &one, NULL), 0);
            assert_true(best.inertia <= one.inertia);
            lo = fmin(lo, one.inertia);
            hi = fmax(hi, one.inertia);
            kmeans_result_free(&one);
        }
        assert_true(best.inertia == lo);
        if (hi > lo * (1 + 1e-9))
            differ++;
        kmeans_result_free(&best);
        gsl_rng_free(ra);
        gsl_rng_free(rb);
    }
    /* the case really has local minima, else the test proves nothing */
    assert_true(differ > 0);
    free(x);
}

/* tol is relative to the data's variance: scaling the data by 2^-10 (exact
 * in binary) changes neither the path nor the stopping point. */
static void test_tol_scale_free(void **state)
{
    (void)state;
    size_t n = 400, d = 2, k = 5;
    double *x = uniform(n, d, 9), *xs = malloc(n * d * sizeof *xs);
    for (size_t i = 0; i < n * d; i++)
        xs[i] = x[i] / 1024;
    kmeans_conf c = KMEANS_DEFAULTS(k);
    c.n_init = 1;
    c.tol = 1e-2;   /* large enough to stop before the labels settle */
    kmeans_result a, b;
    gsl_rng *r1 = rng(2), *r2 = rng(2);
    assert_int_equal(kmeans_fit(x, n, d, &c, r1, &a, NULL), 0);
    assert_int_equal(kmeans_fit(xs, n, d, &c, r2, &b, NULL), 0);
    assert_int_equal(a.iterations, b.iterations);
    assert_memory_equal(a.labels, b.labels, n * sizeof *a.labels);
    /* labels match the returned centres even when stopped on tol */
    check_consistent(x, n, d, &a);
    /* tol 0: runs to convergence, which takes longer here */
    kmeans_result f;
    c.tol = 0;
    gsl_rng_set(r1, 2);
    assert_int_equal(kmeans_fit(x, n, d, &c, r1, &f, NULL), 0);
    assert_true(f.iterations > a.iterations);
    assert_true(f.inertia <= a.inertia);
    check_consistent(x, n, d, &f);
    kmeans_result_free(&a);
    kmeans_result_free(&b);
    kmeans_result_free(&f);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
    free(x);
    free(xs);
}

/* Duplicates leave seeding no choice but repeated centres, so Lloyd meets
 * empty clusters and must reseed them from other clusters' points. */
static void test_empty_clusters(void **state)
{
    (void)state;
    double same[] = {3, 3, 3, 3, 3};
    double few[] = {0, 0, 0, 0, 5};
    const double *xs[] = {same, few};
    for (size_t t = 0; t < 2; t++)
        for (unsigned long seed = 1; seed <= 4; seed++) {
            gsl_rng *r = rng(seed);
            kmeans_conf c = KMEANS_DEFAULTS(3);
            kmeans_result res;
            assert_int_equal(kmeans_fit(xs[t], 5, 1, &c, r, &res, NULL), 0);
            check_consistent(xs[t], 5, 1, &res);
            assert_true(res.inertia == 0);
            kmeans_result_free(&res);
            gsl_rng_free(r);
        }
}

static void test_bad_input(void **state)
{
    (void)state;
    double x[] = {0, 1, 2};
    gsl_rng *r = rng(1);
    kmeans_result res;
    innx_err e;
    kmeans_conf c = KMEANS_DEFAULTS(4);
    assert_int_equal(kmeans_fit(x, 3, 1, &c, r, &res, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "k"));
    assert_null(res.centres);
    kmeans_result_free(&res);   /* safe after a failure */
    c.k = 0;
    assert_int_equal(kmeans_fit(x, 3, 1, &c, r, &res, &e), INNX_EINVAL);
    c = KMEANS_DEFAULTS(2);
    c.n_init = 0;
    assert_int_equal(kmeans_fit(x, 3, 1, &c, r, &res, &e), INNX_EINVAL);
    c = KMEANS_DEFAULTS(2);
    assert_int_equal(kmeans_fit(x, 3, 0, &c, r, &res, &e), INNX_EINVAL);
    double bad[] = {0, NAN, 2};
    assert_int_equal(kmeans_fit(bad, 3, 1, &c, r, &res, &e), INNX_EINVAL);
    /* k = n is allowed: every point its own centre */
    c = KMEANS_DEFAULTS(3);
    assert_int_equal(kmeans_fit(x, 3, 1, &c, r, &res, &e), 0);
    assert_true(res.inertia == 0);
    kmeans_result_free(&res);
    gsl_rng_free(r);
}

/* x = {0, 2, 5, 9, 20}, labels {0, 0, 1, 1, 2}:
 *   x=0:  a = 2, b = min((5+9)/2, 20) = 7,   s = 5/7
 *   x=2:  a = 2, b = min((3+7)/2, 18) = 5,   s = 3/5
 *   x=5:  a = 4, b = min((5+3)/2, 15) = 4,   s = 0
 *   x=9:  a = 4, b = min((9+7)/2, 11) = 8,   s = 1/2
 *   x=20: alone in its cluster,              s = 0
 * mean = (5/7 + 3/5 + 1/2) / 5 = (127/70) / 5 = 127/350. */
static void test_silhouette(void **state)
{
    (void)state;
    double x[] = {0, 2, 5, 9, 20};
    size_t lab[] = {0, 0, 1, 1, 2};
    assert_true(fabs(cluster_silhouette(x, 5, 1, lab, 3) - 127.0 / 350) < 1e-15);
    /* the same in 2-D, rotated: only distances matter */
    double x2[10];
    for (int i = 0; i < 5; i++) {
        x2[2 * i] = 0.6 * x[i];
        x2[2 * i + 1] = -0.8 * x[i];
    }
    assert_true(fabs(cluster_silhouette(x2, 5, 2, lab, 3) - 127.0 / 350) < 1e-14);
    /* {0,1} vs {10,11}: s_i = 1 - a/b with a = 1 and b = (10+11)/2 for the
     * outer points, (9+10)/2 for the inner ones */
    double y[] = {0, 1, 10, 11};
    size_t ly[] = {0, 0, 1, 1};
    double want = (2 * (1 - 1 / 10.5) + 2 * (1 - 1 / 9.5)) / 4;
    assert_true(fabs(cluster_silhouette(y, 4, 1, ly, 2) - want) < 1e-15);
    /* outside 2 <= k < n, or a label out of range: NaN */
    assert_true(isnan(cluster_silhouette(y, 4, 1, ly, 1)));
    assert_true(isnan(cluster_silhouette(y, 4, 1, ly, 4)));
    size_t lbad[] = {0, 0, 1, 2};
    assert_true(isnan(cluster_silhouette(y, 4, 1, lbad, 2)));
}

static void test_match(void **state)
{
    (void)state;
    innx_err e;
    /* 5 centres in 2-D, b a noisy permutation of a: b[p[i]] ~ a[i] */
    double a[5][2] = {{0, 0}, {5, 1}, {-3, 4}, {2, -6}, {8, 8}}, b[5][2];
    size_t p[5] = {3, 0, 4, 1, 2}, perm[5];
    for (size_t i = 0; i < 5; i++) {
        b[p[i]][0] = a[i][0] + 0.01 * (double)i;
        b[p[i]][1] = a[i][1] - 0.02;
    }
    assert_int_equal(cluster_match(&a[0][0], &b[0][0], 5, 2, perm, &e), 0);
    assert_memory_equal(perm, p, sizeof p);
    /* exhaustive, not greedy: a = {0, 1}, b = {1, 2}. Greedy would pair the
     * exact match 1-1 first (total 0 + 4); the optimum is 0-1, 1-2 (1 + 1). */
    double a1[] = {0, 1}, b1[] = {1, 2};
    size_t q[2];
    assert_int_equal(cluster_match(a1, b1, 2, 1, q, &e), 0);
    assert_int_equal(q[0], 0);
    assert_int_equal(q[1], 1);
    /* k = 12 goes greedy: still right when clusters are well apart */
    double a12[12], b12[12];
    size_t p12[12] = {5, 11, 0, 7, 2, 9, 1, 10, 3, 8, 4, 6}, perm12[12];
    for (size_t i = 0; i < 12; i++) {
        a12[i] = 10.0 * (double)i;
        b12[p12[i]] = a12[i] + 0.5;
    }
    assert_int_equal(cluster_match(a12, b12, 12, 1, perm12, &e), 0);
    assert_memory_equal(perm12, p12, sizeof p12);
}

/* Points on lines through (1, 1, 1): one component holds all the variance,
 * along the line, its largest entry turned positive (-3 for (1, 2, -3)). */
static void test_pca_line(void **state)
{
    (void)state;
    double dirs[6][3] = {{1, 2, -3}, {-3, 1, 2}, {2, -3, 1}, {-1, -2, 3}, {3, -1, -2}, {0, 1, -4}};
    for (int q = 0; q < 6; q++) {
        double x[50 * 3], *u = dirs[q], nu = sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
        int big = 0;
        for (int j = 1; j < 3; j++)
            if (fabs(u[j]) > fabs(u[big]))
                big = j;
        double sg = u[big] < 0 ? -1 : 1;
        for (int i = 0; i < 50; i++) {
            double t = sin(1.3 * i) * 4 + 0.1 * i;
            for (int j = 0; j < 3; j++)
                x[i * 3 + j] = 1 + t * u[j];
        }
        pca_result p;
        innx_err e;
        assert_int_equal(pca_fit(x, 50, 3, 3, &p, &e), 0);
        assert_true(fabs(p.explained[0] - 1) < 1e-12);
        assert_true(p.explained[1] < 1e-12 && p.explained[2] < 1e-12);
        assert_true(p.variance[1] >= 0 && p.variance[2] >= 0);
        for (int j = 0; j < 3; j++)
            assert_true(fabs(p.components[j] - sg * u[j] / nu) < 1e-12);
        pca_result_free(&p);
    }
}

/* Covariance diag(4, 1) rotated by 30 degrees, exactly: the four points
 * mean +- a u1, mean +- b u2 have covariance (2a^2 u1u1' + 2b^2 u2u2') / 3,
 * so a^2 = 6, b^2 = 1.5 (with the n - 1 divisor; n would give 3 and 0.75). */
static void test_pca_rotated(void **state)
{
    (void)state;
    double c = cos(M_PI / 6), s = sin(M_PI / 6), a = sqrt(6), b = sqrt(1.5);
    double u1[2] = {c, s}, u2[2] = {-s, c}, m[2] = {3, -2};
    double x[8] = {m[0] + a * u1[0], m[1] + a * u1[1], m[0] - a * u1[0], m[1] - a * u1[1],
                   m[0] + b * u2[0], m[1] + b * u2[1], m[0] - b * u2[0], m[1] - b * u2[1]};
    pca_result p;
    innx_err e;
    assert_int_equal(pca_fit(x, 4, 2, 2, &p, &e), 0);
    assert_int_equal(p.d, 2);
    assert_int_equal(p.m, 2);
    assert_true(fabs(p.mean[0] - 3) < 1e-15 && fabs(p.mean[1] + 2) < 1e-15);
    assert_true(fabs(p.variance[0] - 4) < 1e-12 && fabs(p.variance[1] - 1) < 1e-12);
    assert_true(fabs(p.explained[0] - 0.8) < 1e-12 && fabs(p.explained[1] - 0.2) < 1e-12);
    /* u1 = (0.866, 0.5) and u2 = (-0.5, 0.866) already have a positive
     * largest entry */
    for (int j = 0; j < 2; j++) {
        assert_true(fabs(p.components[j] - u1[j]) < 1e-12);
        assert_true(fabs(p.components[2 + j] - u2[j]) < 1e-12);
    }
    double t[8];
    pca_transform(&p, m, 1, t);
    assert_true(fabs(t[0]) < 1e-15 && fabs(t[1]) < 1e-15);
    pca_transform(&p, x, 4, t);
    double want[8] = {a, 0, -a, 0, 0, b, 0, -b};
    for (int i = 0; i < 8; i++)
        assert_true(fabs(t[i] - want[i]) < 1e-12);
    pca_result_free(&p);
    /* keep 1 of 2: its shape */
    assert_int_equal(pca_fit(x, 4, 2, 1, &p, &e), 0);
    pca_transform(&p, x, 4, t);
    assert_true(fabs(t[0] - a) < 1e-12 && fabs(t[3]) < 1e-12);
    pca_result_free(&p);
}

/* Random correlated 4-D data: components orthonormal, and the projections'
 * sample variances are the eigenvalues, descending. */
static void test_pca_random(void **state)
{
    (void)state;
    size_t n = 500, d = 4;
    double *x = malloc(n * d * sizeof *x), *t = malloc(n * d * sizeof *t);
    gsl_rng *r = rng(4);
    for (size_t i = 0; i < n; i++) {
        double z0 = gsl_ran_gaussian(r, 3), z1 = gsl_ran_gaussian(r, 1);
        x[i * d + 0] = z0 + 5;
        x[i * d + 1] = 0.5 * z0 + z1;
        x[i * d + 2] = gsl_ran_gaussian(r, 0.2) - z1;
        x[i * d + 3] = gsl_ran_gaussian(r, 2);
    }
    pca_result p;
    assert_int_equal(pca_fit(x, n, d, d, &p, NULL), 0);
    pca_transform(&p, x, n, t);
    double sum = 0;
    for (size_t a = 0; a < d; a++) {
        for (size_t b = 0; b < d; b++) {
            double dot = 0;
            for (size_t j = 0; j < d; j++)
                dot += p.components[a * d + j] * p.components[b * d + j];
            assert_true(fabs(dot - (a == b)) < 1e-12);
        }
        double v = 0, mu = 0;
        for (size_t i = 0; i < n; i++)
            mu += t[i * d + a];
        assert_true(fabs(mu / (double)n) < 1e-12);
        for (size_t i = 0; i < n; i++)
            v += t[i * d + a] * t[i * d + a];
        assert_true(fabs(v / (double)(n - 1) - p.variance[a]) < 1e-10 * p.variance[0]);
        if (a > 0)
            assert_true(p.variance[a] <= p.variance[a - 1]);
        size_t big = 0;
        for (size_t j = 1; j < d; j++)
            if (fabs(p.components[a * d + j]) > fabs(p.components[a * d + big]))
                big = j;
        assert_true(p.components[a * d + big] > 0);
        sum += p.explained[a];
    }
    assert_true(fabs(sum - 1) < 1e-12);
    pca_result_free(&p);
    innx_err e;
    assert_int_equal(pca_fit(x, 1, d, 2, &p, &e), INNX_EINVAL);
    assert_int_equal(pca_fit(x, n, d, 5, &p, &e), INNX_EINVAL);
    assert_int_equal(pca_fit(x, n, d, 0, &p, &e), INNX_EINVAL);
    pca_result_free(&p);
    gsl_rng_free(r);
    free(x);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_1d),
        cmocka_unit_test(test_blobs),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_n_init_keeps_best),
        cmocka_unit_test(test_tol_scale_free),
        cmocka_unit_test(test_empty_clusters),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_silhouette),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_pca_line),
        cmocka_unit_test(test_pca_rotated),
        cmocka_unit_test(test_pca_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
