/* cluster.c: k-means (greedy k-means++ seeding, Lloyd, restarts), the
 * silhouette score, centre matching, and PCA; follows sklearn's semantics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#include "innx/cluster.h"

static double dist2(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t j = 0; j < d; j++) {
        double t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

static int all_finite(const double *x, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

/* Scratch for one restart, allocated once for all of them. */
typedef struct {
    double *centres, *centres_new; /* k x d */
    size_t *labels, *labels_old;   /* n */
    size_t *counts;                /* k */
    double *closest, *cand, *best; /* n: k-means++ distances, then Lloyd's */
} km_work;

/* sklearn's greedy k-means++: each new centre is the best (lowest potential)
 * of 2 + log(k) D^2-sampled candidates, which avoids most poor seedings. */
static void seed_pp(const double *x, size_t n, size_t d, size_t k, gsl_rng *r, km_work *w)
{
    size_t trials = 2 + (size_t)log((double)k);
    size_t first = gsl_rng_uniform_int(r, n);
    memcpy(w->centres, x + first * d, d * sizeof *x);
    double pot = 0;
    for (size_t i = 0; i < n; i++) {
        w->closest[i] = dist2(x + i * d, w->centres, d);
        pot += w->closest[i];
    }
    for (size_t c = 1; c < k; c++) {
        double best_pot = INFINITY;
        size_t best_id = 0;
        for (size_t t = 0; t < trials; t++) {
            /* First i whose cumulative D^2 exceeds u * pot (strictly, so a
             * point already chosen, D^2 = 0, is never drawn while pot > 0). */
            double v = gsl_rng_uniform(r) * pot, cum = 0;
            size_t id = n - 1;
            for (size_t i = 0; i < n; i++) {
                cum += w->closest[i];
                if (cum > v) {
                    id = i;
                    break;
                }
            }
            double cp = 0;
            for (size_t i = 0; i < n; i++) {
                double dd = dist2(x + i * d, x + id * d, d);
                w->cand[i] = dd < w->closest[i] ? dd : w->closest[i];
                cp += w->cand[i];
            }
            if (t == 0 || cp < best_pot) {
                best_pot = cp;
                best_id = id;
                double *s = w->best;
                w->best = w->cand;
                w->cand = s;
            }
        }
        double *s = w->closest;
        w->closest = w->best;
        w->best = s;
        pot = best_pot;
        memcpy(w->centres + c * d, x + best_id * d, d * sizeof *x);
    }
}

/* Label each point with its nearest centre and keep the squared distance in
 * dmin. On a tie a point keeps its label (else the lowest index): with
 * duplicate points, lowest-index ties would empty the clusters that the
 * relocation below just filled. */
static void assign(const double *x, size_t n, size_t d, const double *centres, size_t k,
                   size_t *labels, double *dmin)
{
    for (size_t i = 0; i < n; i++) {
        size_t bl = labels[i];
        double best = bl < k ? dist2(x + i * d, centres + bl * d, d) : INFINITY;
        for (size_t c = 0; c < k; c++) {
            double dd = dist2(x + i * d, centres + c * d, d);
            if (dd < best) {
                best = dd;
                bl = c;
            }
        }
        labels[i] = bl < k ? bl : 0;   /* only if every distance overflowed */
        dmin[i] = best;
    }
}

/* New centres as the means of their points. An empty cluster takes the
 * point farthest from its centre (as sklearn), only from a cluster that keeps
 * at least one point: n >= k guarantees one exists. */
static void update(const double *x, size_t n, size_t d, size_t k, km_work *w, double *dmin)
{
    memset(w->counts, 0, k * sizeof *w->counts);
    for (size_t i = 0; i < n; i++)
        w->counts[w->labels[i]]++;
    for (size_t c = 0; c < k; c++) {
        if (w->counts[c])
            continue;
        size_t far = n;
        for (size_t i = 0; i < n; i++)
            if (w->counts[w->labels[i]] > 1 && (far == n || dmin[i] > dmin[far]))
                far = i;
        w->counts[w->labels[far]]--;
        w->labels[far] = c;
        w->counts[c] = 1;
        dmin[far] = 0;   /* it is its own centre now: not picked again */
    }
    memset(w->centres_new, 0, k * d * sizeof *w->centres_new);
    for (size_t i = 0; i < n; i++) {
        double *cc = w->centres_new + w->labels[i] * d;
        for (size_t j = 0; j < d; j++)
            cc[j] += x[i * d + j];
    }
    for (size_t c = 0; c < k; c++)
        for (size_t j = 0; j < d; j++)
            w->centres_new[c * d + j] /= (double)w->counts[c];
}

/* One restart: seed, then Lloyd as sklearn's _kmeans_single_lloyd. Leaves
 * centres, labels and counts in w; returns the inertia. */
static double lloyd(const double *x, size_t n, size_t d, const kmeans_conf *c, double tol,
                    gsl_rng *r, km_work *w, size_t *iters)
{
    size_t k = c->k, it;
    int strict = 0;
    seed_pp(x, n, d, k, r, w);
    double *dmin = w->closest;
    for (size_t i = 0; i < n; i++)
        w->labels[i] = w->labels_old[i] = (size_t)-1;
    for (it = 0; it < c->max_iter; it++) {
        assign(x, n, d, w->centres, k, w->labels, dmin);
        update(x, n, d, k, w, dmin);
        double shift = 0;
        for (size_t q = 0; q < k * d; q++) {
            double t = w->centres_new[q] - w->centres[q];
            shift += t * t;
        }
        double *s = w->centres;
        w->centres = w->centres_new;
        w->centres_new = s;
        if (memcmp(w->labels, w->labels_old, n * sizeof *w->labels) == 0) {
            strict = 1;
            break;
        }
        if (shift <= tol)
            break;
        memcpy(w->labels_old, w->labels, n * sizeof *w->labels);
    }
    *iters = it < c->max_iter ? it + 1 : c->max_iter;
    if (!strict) {
        /* Centres moved on the last step: labels must match them. */
        assign(x, n, d, w->centres, k, w->labels, dmin);
        memset(w->counts, 0, k * sizeof *w->counts);
        for (size_t i = 0; i < n; i++)
            w->counts[w->labels[i]]++;
    }
    double inertia = 0;
    for (size_t i = 0; i < n; i++)
        inertia += dist2(x + i * d, w->centres + w->labels[i] * d, d);
    return inertia;
}

typedef struct {
    const double *c;
    size_t d;
} sort_ctx;

/* Lexicographic order of centres, then index: a total, stable order. */
static int cmp_centre(const void *pa, const void *pb, const sort_ctx *s)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    for (size_t j = 0; j < s->d; j++) {
        double u = s->c[a * s->d + j], v = s->c[b * s->d + j];
        if (u != v)
            return u < v ? -1 : 1;
    }
    return (a > b) - (a < b);
}

/* Renumber so centres' first coordinates ascend. Insertion sort: k is small
 * and qsort has no context argument in C11. */
static void renumber(kmeans_result *res, size_t n, size_t *order, size_t *rank, size_t *cnt,
                     double *tmp)
{
    size_t k = res->k, d = res->d;
    sort_ctx s = {res->centres, d};
    for (size_t c = 0; c < k; c++)
        order[c] = c;
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && cmp_centre(&order[j - 1], &order[j], &s) > 0; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    memcpy(tmp, res->centres, k * d * sizeof *tmp);
    memcpy(cnt, res->counts, k * sizeof *cnt);
    for (size_t c = 0; c < k; c++) {
        rank[order[c]] = c;
        memcpy(res->centres + c * d, tmp + order[c] * d, d * sizeof *tmp);
        res->counts[c] = cnt[order[c]];
    }
    for (size_t i = 0; i < n; i++)
        res->labels[i] = rank[res->labels[i]];
}

int kmeans_fit(const double *x, size_t n, size_t d, const kmeans_conf *c, gsl_rng *r,
               kmeans_result *out, innx_err *err)
{
    memset(out, 0, sizeof *out);
    if (c->k == 0 || c->k > n)
        return innx_errf(err, INNX_EINVAL, "kmeans: need 1 <= k <= n (k = %zu, n = %zu)",
                         c->k, n);
    if (d == 0 || c->n_init == 0 || c->max_iter == 0 || !(c->tol >= 0))
        return innx_errf(err, INNX_EINVAL,
                         "kmeans: need d, n_init, max_iter >= 1 and tol >= 0");
    if (!all_finite(x, n * d))
        return innx_errf(err, INNX_EINVAL, "kmeans: the points must be finite");
    size_t k = c->k;
    km_work w;
    double *buf = malloc((3 * k * d + 3 * n) * sizeof *buf);
    size_t *ibuf = malloc((2 * n + 4 * k) * sizeof *ibuf);
    out->centres = malloc(k * d * sizeof *out->centres);
    out->labels = malloc(n * sizeof *out->labels);
    out->counts = malloc(k * sizeof *out->counts);
    if (!buf || !ibuf || !out->centres || !out->labels || !out->counts) {
        free(buf);
        free(ibuf);
        kmeans_result_free(out);
        return innx_errf(err, INNX_ENOMEM, "kmeans: out of memory");
    }
    w.centres = buf;
    w.centres_new = buf + k * d;
    w.closest = buf + 2 * k * d;
    w.cand = w.closest + n;
    w.best = w.cand + n;
    double *tmp = w.best + n; /* k d, for renumbering */
    w.labels = ibuf;
    w.labels_old = ibuf + n;
    w.counts = ibuf + 2 * n;
    size_t *order = w.counts + k, *rank = order + k, *cnt = rank + k;

    /* sklearn's tol is relative to the data's spread: tol * mean variance. */
    double var = 0;
    for (size_t j = 0; j < d; j++) {
        double m = 0, s = 0;
        for (size_t i = 0; i < n; i++)
            m += x[i * d + j];
        m /= (double)n;
        for (size_t i = 0; i < n; i++)
            s += (x[i * d + j] - m) * (x[i * d + j] - m);
        var += s / (double)n;
    }
    double tol = c->tol * var / (double)d;

    out->k = k;
    out->d = d;
    out->inertia = INFINITY;
    for (size_t run = 0; run < c->n_init; run++) {
        size_t iters;
        double in = lloyd(x, n, d, c, tol, r, &w, &iters);
        if (in < out->inertia) {   /* strict: the earliest of equal runs wins */
            out->inertia = in;
            out->iterations = iters;
            memcpy(out->centres, w.centres, k * d * sizeof *w.centres);
            memcpy(out->labels, w.labels, n * sizeof *w.labels);
            memcpy(out->counts, w.counts, k * sizeof *w.counts);
        }
    }
    renumber(out, n, order, rank, cnt, tmp);
    free(buf);
    free(ibuf);
    return 0;
}

void kmeans_result_free(kmeans_result *res)
{
    free(res->centres);
    free(res->labels);
    free(res->counts);
    res->centres = NULL;
    res->labels = NULL;
    res->counts = NULL;
}

int kmeans_choose_k(const double *x, size_t n, size_t d, size_t kmax, double min_silhouette, gsl_rng *r,
                    kmeans_result *out, double *silhouette, innx_err *err)
{
    memset(out, 0, sizeof *out);
    *silhouette = NAN;
    double best = min_silhouette;
    for (size_t k = 1; k <= kmax && k <= n; k++) {
        if (k > 1 && k >= n)
            break;
        kmeans_result km;
        kmeans_conf c = KMEANS_DEFAULTS(k);
        c.n_init = 4;
        int st = kmeans_fit(x, n, d, &c, r, &km, err);
        if (st != 0) {
            kmeans_result_free(out);
            return st;
        }
        double s = k > 1 ? cluster_silhouette(x, n > 2000 ? 2000 : n, d, km.labels, k) : NAN;
        if (k == 1 || (isfinite(s) && s > best)) {
            if (k > 1)
                best = s, *silhouette = s;
            kmeans_result_free(out);
            *out = km;
        } else {
            kmeans_result_free(&km);
        }
    }
    return 0;
}

double cluster_silhouette(const double *x, size_t n, size_t d, const size_t *labels, size_t k)
{
    if (k < 2 || k >= n)
        return NAN;
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= k)
            return NAN;
    /* sum[i k + c]: summed distance from point i to cluster c; each pair is
     * measured once and added to both ends. */
    double *sum = calloc(n * k, sizeof *sum);
    size_t *cnt = calloc(k, sizeof *cnt);
    if (!sum || !cnt) {
        free(sum);
        free(cnt);
        return NAN;
    }
    for (size_t i = 0; i < n; i++) {
        cnt[labels[i]]++;
        for (size_t j = i + 1; j < n; j++) {
            double dd = sqrt(dist2(x + i * d, x + j * d, d));
            sum[i * k + labels[j]] += dd;
            sum[j * k + labels[i]] += dd;
        }
    }
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t li = labels[i];
        if (cnt[li] < 2)
            continue;   /* a singleton scores 0 */
        double a = sum[i * k + li] / (double)(cnt[li] - 1), b = INFINITY;
        for (size_t c = 0; c < k; c++)
            if (c != li && cnt[c] > 0 && sum[i * k + c] / (double)cnt[c] < b)
                b = sum[i * k + c] / (double)cnt[c];
        double m = a > b ? a : b;
        if (isfinite(b) && m > 0)   /* a = b = 0 (duplicates) scores 0, as sklearn */
            total += (b - a) / m;
    }
    free(sum);
    free(cnt);
    return total / (double)n;
}

typedef struct {
    const double *cost; /* k x k */
    size_t k;
    size_t *cur, *best;
    unsigned char *used;
    double best_cost;
} match_search;

/* Depth-first over permutations in lexicographic order, pruning partial
 * sums that cannot beat the best: the first optimal permutation wins. */
static void match_dfs(match_search *m, size_t i, double partial)
{
    if (partial >= m->best_cost)
        return;
    if (i == m->k) {
        m->best_cost = partial;
        memcpy(m->best, m->cur, m->k * sizeof *m->cur);
        return;
    }
    for (size_t j = 0; j < m->k; j++) {
        if (m->used[j])
            continue;
        m->used[j] = 1;
        m->cur[i] = j;
        match_dfs(m, i + 1, partial + m->cost[i * m->k + j]);
        m->used[j] = 0;
    }
}

int cluster_match(const double *ca, const double *cb, size_t k, size_t d, size_t *perm,
                  innx_err *err)
{
    if (k == 0)
        return 0;
    double *cost = malloc(k * k * sizeof *cost);
    size_t *cur = malloc(k * sizeof *cur);
    unsigned char *used = calloc(2 * k, 1); /* b's used flags, then a's */
    if (!cost || !cur || !used) {
        free(cost);
        free(cur);
        free(used);
        return innx_errf(err, INNX_ENOMEM, "cluster: out of memory");
    }
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            cost[i * k + j] = dist2(ca + i * d, cb + j * d, d);
    if (k <= 8) {
        match_search m = {cost, k, cur, perm, used, INFINITY};
        match_dfs(&m, 0, 0);
        if (!isfinite(m.best_cost)) {   /* NaN or infinite centres */
            for (size_t i = 0; i < k; i++)
                perm[i] = i;
        }
    } else {
        /* Greedy: pair the closest remaining (a, b) until none is left. */
        unsigned char *used_a = used + k;
        for (size_t step = 0; step < k; step++) {
            size_t bi = k, bj = k;
            double bc = INFINITY;
            for (size_t i = 0; i < k; i++) {
                if (used_a[i])
                    continue;
                for (size_t j = 0; j < k; j++)
                    if (!used[j] && (bi == k || cost[i * k + j] < bc)) {
                        bc = cost[i * k + j];
                        bi = i;
                        bj = j;
                    }
            }
            used_a[bi] = used[bj] = 1;
            perm[bi] = bj;
        }
    }
    free(cost);
    free(cur);
    free(used);
    return 0;
}

int pca_fit(const double *x, size_t n, size_t d, size_t m, pca_result *out, innx_err *err)
{
    memset(out, 0, sizeof *out);
    if (n < 2 || d == 0 || m == 0 || m > d)
        return innx_errf(err, INNX_EINVAL, "pca: need n >= 2 and 1 <= m <= d "
                         "(n = %zu, d = %zu, m = %zu)", n, d, m);
    if (!all_finite(x, n * d))
        return innx_errf(err, INNX_EINVAL, "pca: the points must be finite");
    out->d = d;
    out->m = m;
    out->mean = calloc(d, sizeof *out->mean);
    out->components = malloc(m * d * sizeof *out->components);
    out->variance = malloc(m * sizeof *out->variance);
    out->explained = malloc(m * sizeof *out->explained);
    gsl_matrix *xc = gsl_matrix_alloc(n, d), *cov = gsl_matrix_alloc(d, d);
    gsl_matrix *evec = gsl_matrix_alloc(d, d);
    gsl_vector *eval = gsl_vector_alloc(d);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(d);
    int st = 0;
    if (!out->mean || !out->components || !out->variance || !out->explained || !xc || !cov ||
        !evec || !eval || !ws) {
        st = innx_errf(err, INNX_ENOMEM, "pca: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            out->mean[j] += x[i * d + j];
    for (size_t j = 0; j < d; j++)
        out->mean[j] /= (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            gsl_matrix_set(xc, i, j, x[i * d + j] - out->mean[j]);
    /* symmv reads the lower triangle only */
    gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0 / (double)(n - 1), xc, 0.0, cov);
    double total = 0;
    for (size_t j = 0; j < d; j++)
        total += gsl_matrix_get(cov, j, j);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int gs = gsl_eigen_symmv(cov, eval, evec, ws);
    gsl_set_error_handler(old);
    if (gs != GSL_SUCCESS) {
        st = innx_errf(err, INNX_EFAIL, "pca: eigen decomposition failed (%s)",
                       gsl_strerror(gs));
        goto done;
    }
    gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC);
    for (size_t c = 0; c < m; c++) {
        /* fix the sign: the largest-|.| entry (the first of equals) positive */
        size_t big = 0;
        for (size_t j = 1; j < d; j++)
            if (fabs(gsl_matrix_get(evec, j, c)) > fabs(gsl_matrix_get(evec, big, c)))
                big = j;
        double sg = gsl_matrix_get(evec, big, c) < 0 ? -1 : 1;
        for (size_t j = 0; j < d; j++)
            out->components[c * d + j] = sg * gsl_matrix_get(evec, j, c);
        /* a variance is >= 0; rounding can leave -1e-17 for a flat direction */
        double v = gsl_vector_get(eval, c);
        out->variance[c] = v > 0 ? v : 0;
        out->explained[c] = total > 0 ? out->variance[c] / total : 0;
    }
done:
    gsl_eigen_symmv_free(ws);
    gsl_vector_free(eval);
    gsl_matrix_free(evec);
    gsl_matrix_free(cov);
    gsl_matrix_free(xc);
    if (st)
        pca_result_free(out);
    return st;
}

void pca_transform(const pca_result *p, const double *x, size_t n, double *out)
{
    size_t d = p->d, m = p->m;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < m; c++) {
            double s = 0;
            for (size_t j = 0; j < d; j++)
                s += (x[i * d + j] - p->mean[j]) * p->components[c * d + j];
            out[i * m + c] = s;
        }
}

void pca_result_free(pca_result *p)
{
    free(p->mean);
    free(p->components);
    free(p->variance);
    free(p->explained);
    p->mean = p->components = p->variance = p->explained = NULL;
}
