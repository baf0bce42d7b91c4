/* spend_data.c: the synthetic customer table shipped as data/spend.csv.
 *
 * The article's table is not ours to ship, so this makes one of the same
 * shape and character (see data/README.md): four latent segments along one
 * life-stage / affluence axis, so the three traits are strongly correlated
 * with each other and with spend, which is what lets spend alone point back
 * to plausible traits and lets k-means find the segments again. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "innx/spend.h"

const char *const spend_columns[SPEND_COLS] = {"age", "education", "income", "spend"};

/* Segment shares and means (age, years of education 1-10, income), and the
 * within-segment spread of each trait. */
static const double seg_share[4] = {0.24, 0.31, 0.28, 0.17};
static const double seg_mean[4][3] = {
    {33, 2.4, 48e3}, {45, 4.3, 70e3}, {56, 5.9, 92e3}, {68, 7.9, 120e3}};
static const double seg_sd[3] = {5.5, 1.0, 9.5e3};
/* Within a segment the traits share a normal with weight rho. */
#define SPEND_RHO 0.5
/* Share of spend's variance explained by the traits before clipping; the
 * rest is Student-t noise (6 degrees of freedom: a few big spenders and
 * small ones beyond a normal's tails). */
#define SPEND_SIGNAL 0.85

static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* A segment by Walker's alias method, as gsl_ran_discrete_preproc and
 * gsl_ran_discrete do it (the same arithmetic in the same order, so the
 * same draws: data/spend.csv does not change), on the stack: GSL 2.7's
 * preproc uses its mallocs unchecked and crashed when one failed (found
 * by test_oom). f[k] is Knuth's (k + F[k]) / K. */
typedef struct { double f[4]; size_t a[4]; } seg_alias;

static void seg_alias_init(seg_alias *g)
{
    enum { K = 4 };
    double e[K], total = 0, mean = 1.0 / K;
    size_t big[K], small[K], nb = 0, ns = 0;
    for (size_t k = 0; k < K; k++)
        total += seg_share[k];
    for (size_t k = 0; k < K; k++)
        e[k] = seg_share[k] / total;
    for (size_t k = 0; k < K; k++) {
        if (e[k] < mean)
            small[ns++] = k;
        else
            big[nb++] = k;
    }
    while (ns > 0) {
        size_t s = small[--ns];
        if (nb == 0) {
            g->a[s] = s;
            g->f[s] = 1.0;
            break;
        }
        size_t b = big[--nb];
        g->a[s] = b;
        g->f[s] = K * e[s];
        double d = mean - e[s];
        e[s] += d;
        e[b] -= d;
        if (e[b] < mean)
            small[ns++] = b;
        else if (e[b] > mean)
            big[nb++] = b;
        else {
            g->a[b] = b;
            g->f[b] = 1.0;
        }
    }
    while (nb > 0) {
        size_t b = big[--nb];
        g->a[b] = b;
        g->f[b] = 1.0;
    }
    for (size_t k = 0; k < K; k++)
        g->f[k] = (g->f[k] + (double)k) / K;
}

static size_t seg_pick(const seg_alias *g, gsl_rng *r)
{
    double u = gsl_rng_uniform(r);
    size_t c = (size_t)(u * 4);
    double f = g->f[c];
    return f == 1.0 || u < f ? c : g->a[c];
}

int spend_generate(size_t n, unsigned long seed, double *out, innx_err *err)
{
    if (n < 2)
        return innx_errf(err, INNX_EINVAL, "gen-spend: need at least 2 rows, not %zu", n);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return innx_errf(err, INNX_ENOMEM, "gen-spend: out of memory");
    seg_alias pick;
    seg_alias_init(&pick);
    gsl_rng_set(r, seed);
    const double w = sqrt(1.0 - SPEND_RHO * SPEND_RHO);
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double *row = out + i * SPEND_COLS;
        size_t s = seg_pick(&pick, r);
        double common = gsl_ran_gaussian(r, 1.0);
        for (int j = 0; j < 3; j++)
            row[j] = seg_mean[s][j] + seg_sd[j] * (SPEND_RHO * common + w * gsl_ran_gaussian(r, 1.0));
        row[0] = clamp(round(row[0]), 18, 93);
        row[1] = clamp(round(row[1]), 1, 10);
        row[2] = fmax(0.0, 100.0 * round(row[2] / 100.0));
        /* The signal: increasing in every trait, income most, with a gentle
         * bend in income (a monotone, not linear, forward map). */
        double za = (row[0] - 50) / 13, ze = (row[1] - 5) / 2.1, zi = (row[2] - 80e3) / 26e3;
        double sig = 0.30 * za + 0.30 * ze + 0.55 * zi + 0.10 * tanh(zi);
        row[3] = sig;   /* standardised below */
        s1 += sig;
        s2 += sig * sig;
    }
    double mean = s1 / (double)n, sd = sqrt(fmax(s2 / (double)n - mean * mean, 1e-300));
    const double a = sqrt(SPEND_SIGNAL), b = sqrt((1.0 - SPEND_SIGNAL) / 1.5); /* t6 has variance 1.5 */
    for (size_t i = 0; i < n; i++) {
        double *row = out + i * SPEND_COLS;
        double z = a * (row[3] - mean) / sd + b * gsl_ran_tdist(r, 6.0);
        row[3] = clamp(round(100.0 * (280.0 + 70.0 * z)) / 100.0, 31, 521);
    }
    gsl_rng_free(r);
    return 0;
}

/* The generator's seed for the built-in table: data/spend.csv is
 * `innx gen-spend --seed 1`, and a test checks the two are equal. */
#define SPEND_BUILTIN_SEED 1

dataset *spend_dataset(const char *const *names, size_t n, innx_err *err)
{
    size_t col[SPEND_COLS];
    if (n == 0 || n > SPEND_COLS) {
        innx_errf(err, INNX_EINVAL, "built-in table: %zu columns asked for; it has %d (age, education, income, spend)",
                  n, SPEND_COLS);
        return NULL;
    }
    for (size_t j = 0; j < n; j++) {
        size_t c = 0;
        while (c < SPEND_COLS && strcmp(names[j], spend_columns[c]) != 0)
            c++;
        if (c == SPEND_COLS) {
            innx_errf(err, INNX_EINVAL,
                      "built-in table: no column '%.64s' (it has age, education, income, spend; "
                      "name a CSV with data.table for others)",
                      names[j]);
            return NULL;
        }
        col[j] = c;
    }
    dataset *d = calloc(1, sizeof *d);
    double *all = malloc(SPEND_ROWS * SPEND_COLS * sizeof *all);
    if (d)
        d->names = calloc(n, sizeof *d->names);
    if (d && d->names)
        d->v = malloc(SPEND_ROWS * n * sizeof *d->v);
    if (!d || !all || !d->names || !d->v) {
        free(all);
        dataset_free(d);
        innx_errf(err, INNX_ENOMEM, "out of memory");
        return NULL;
    }
    d->cols = n;
    for (size_t j = 0; j < n; j++)
        if (!(d->names[j] = strdup(spend_columns[col[j]]))) {
            free(all);
            dataset_free(d);
            innx_errf(err, INNX_ENOMEM, "out of memory");
            return NULL;
        }
    int st = spend_generate(SPEND_ROWS, SPEND_BUILTIN_SEED, all, err);
    if (st != 0) {
        free(all);
        dataset_free(d);
        return NULL;
    }
    for (size_t i = 0; i < SPEND_ROWS; i++)
        for (size_t j = 0; j < n; j++)
            d->v[i * n + j] = all[i * SPEND_COLS + col[j]];
    d->rows = SPEND_ROWS;
    free(all);
    return d;
}
