/* stats.c: the seeded train/test split, StandardScaler, R^2 and RMSE the data
 * cases share; scaler and R^2 follow sklearn, edge cases included. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "innx/stats.h"

int stats_split(size_t n, double test_frac, gsl_rng *r, size_t **idx, size_t *n_train,
                innx_err *err)
{
    *idx = NULL;
    *n_train = 0;
    if (n == 0)
        return innx_errf(err, INNX_EINVAL, "split: no rows to split");
    if (!(test_frac >= 0 && test_frac <= 1))
        return innx_errf(err, INNX_EINVAL, "split: the test fraction must be in [0, 1] (got %g)",
                         test_frac);
    size_t *p = malloc(n * sizeof *p);
    if (!p)
        return innx_errf(err, INNX_ENOMEM, "split: out of memory");
    for (size_t i = 0; i < n; i++)
        p[i] = i;
    gsl_ran_shuffle(r, p, n, sizeof *p);
    *idx = p;
    *n_train = n - (size_t)round(test_frac * (double)n);
    return 0;
}

int stats_scaler_fit(stats_scaler *s, const double *x, size_t n, size_t d, innx_err *err)
{
    s->d = 0;
    s->mean = s->scale = NULL;
    if (n == 0 || d == 0)
        return innx_errf(err, INNX_EINVAL, "scaler: need at least one row and one column");
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return innx_errf(err, INNX_EINVAL, "scaler: the values must be finite");
    s->mean = malloc(d * sizeof *s->mean);
    s->scale = malloc(d * sizeof *s->scale);
    if (!s->mean || !s->scale) {
        stats_scaler_free(s);
        return innx_errf(err, INNX_ENOMEM, "scaler: out of memory");
    }
    s->d = d;
    for (size_t j = 0; j < d; j++) {
        /* Summing offsets from the first value makes a constant column's mean
         * exact (0.1 + 0.1 + 0.1 != 0.3) and its variance exactly 0. */
        double x0 = x[j], sh = 0;
        for (size_t i = 0; i < n; i++)
            sh += x[i * d + j] - x0;
        double m = x0 + sh / (double)n, v = 0;
        for (size_t i = 0; i < n; i++)
            v += (x[i * d + j] - m) * (x[i * d + j] - m);
        v /= (double)n;
        /* sklearn's _is_constant_feature: a variance within rounding of 0
         * is 0, else a near-constant column would be blown up by 1/1e-17. */
        double nd = (double)n, em = nd * m * DBL_EPSILON;
        double ub = nd * DBL_EPSILON * v + em * em;
        s->mean[j] = m;
        s->scale[j] = v <= ub ? 1 : sqrt(v);
    }
    return 0;
}

void stats_scaler_free(stats_scaler *s)
{
    free(s->mean);
    free(s->scale);
    s->mean = s->scale = NULL;
    s->d = 0;
}

void stats_scaler_transform(const stats_scaler *s, double *x, size_t n)
{
    size_t d = s->d;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (x[i * d + j] - s->mean[j]) / s->scale[j];
}

void stats_scaler_inverse(const stats_scaler *s, double *x, size_t n)
{
    size_t d = s->d;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = x[i * d + j] * s->scale[j] + s->mean[j];
}

double stats_r2(const double *y, const double *pred, size_t n)
{
    if (n == 0)
        return NAN;
    double m = 0, res = 0, tot = 0;
    for (size_t i = 0; i < n; i++)
        m += y[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) {
        res += (y[i] - pred[i]) * (y[i] - pred[i]);
        tot += (y[i] - m) * (y[i] - m);
    }
    /* A constant y: sklearn (force_finite) says 1 for a perfect fit, else 0. */
    if (tot == 0)
        return res == 0 ? 1 : 0;
    return 1 - res / tot;
}

double stats_rmse(const double *a, const double *b, size_t n)
{
    if (n == 0)
        return NAN;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(s / (double)n);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void stats_view_range(const double *v, size_t n, double keep, double *lo, double *hi)
{
    double *s = malloc(n * sizeof *s);
    size_t m = 0;
    for (size_t i = 0; s && i < n; i++)
        if (isfinite(v[i]))
            s[m++] = v[i];
    *lo = *hi = keep;
    if (m > 0) {
        qsort(s, m, sizeof *s, cmp_double);
        *lo = fmin(keep, s[m * 2 / 100]);
        *hi = fmax(keep, s[m - 1 - m * 2 / 100]);
    }
    free(s);
}
