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

int spend_generate(size_t n, unsigned long seed, double *out, innx_err *err)
{
    if (n < 2)
        return innx_errf(err, INNX_EINVAL, "gen-spend: need at least 2 rows, not %zu", n);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_ran_discrete_t *pick = r ? gsl_ran_discrete_preproc(4, seg_share) : NULL;
    if (!pick) {
        if (r)
            gsl_rng_free(r);
        return innx_errf(err, INNX_ENOMEM, "gen-spend: out of memory");
    }
    gsl_rng_set(r, seed);
    const double w = sqrt(1.0 - SPEND_RHO * SPEND_RHO);
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double *row = out + i * SPEND_COLS;
        size_t s = gsl_ran_discrete(r, pick);
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
    gsl_ran_discrete_free(pick);
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
