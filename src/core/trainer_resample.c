/* trainer_resample.c: the posterior on F(x) = y* from a flow's samples, by
 * importance resampling. A flow's q(x | y*) is close to the posterior but
 * not equal to it (on the arm it weighs the elbow-up and elbow-down
 * solutions 40/60 and puts mass between them); where F is a formula and
 * the prior has a density, the exact target is known up to a constant,
 *   p_h(x) ~ prior(x) exp(-|(F(x) - y*) / (h s)|^2 / 2),
 * and q's own density comes with each sample (flow_inverse's log-det), so
 * proposals weighted by p_h / q and drawn again in proportion to their
 * weights are samples of p_h: the ABC posterior with a Gaussian kernel of
 * width h (s: y's scale per component), which projection then takes onto
 * F(x) = y* (docs/many-roots.md, DESIGN.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "trainer_impl.h"

#define KERNEL_QUANTILE 0.05   /* h: this quantile of the first round's scaled misses */
#define ESS_SHARE 1.0          /* stop once the weights' effective size is rows x this */

/* Effective sample size of weights truncated at mean * sqrt(M) (Ionides
 * 2008: a few huge weights where q's tail is thin would otherwise carry
 * the whole sample). The truncated weights are written to tw. */
static double truncated_ess(const double *lw, size_t M, double *tw)
{
    double mx = -INFINITY, sum = 0, sum2 = 0;
    for (size_t i = 0; i < M; i++)
        mx = fmax(mx, lw[i]);
    if (!isfinite(mx))
        return 0;
    for (size_t i = 0; i < M; i++)
        sum += tw[i] = exp(lw[i] - mx);
    double cap = sum / (double)M * sqrt((double)M);
    sum = 0;
    for (size_t i = 0; i < M; i++) {
        tw[i] = fmin(tw[i], cap);
        sum += tw[i], sum2 += tw[i] * tw[i];
    }
    return sum2 > 0 ? sum * sum / sum2 : 0;
}

/* the scaled miss |(F(x) - y*) / s| of each of rows proposals */
static void misses(const trainer *t, const double *y, const double *ystar, size_t rows, double *d)
{
    size_t m = t->p.y_dim;
    for (size_t i = 0; i < rows; i++) {
        double q = 0;
        for (size_t k = 0; k < m; k++) {
            double e = (y[i * m + k] - ystar[k]) / t->yscale[k];
            q += e * e;
        }
        d[i] = isfinite(q) ? sqrt(q) : INFINITY;
    }
}

/* The next round's size: the effective size grows about in proportion to
 * the proposals, so as many as the last rounds' rate says the target
 * needs, 5 % over (at least a round of rows; doubling while no weight is
 * positive yet), within max in all: a few rounds, not max / rows. */
static size_t next_round(double ess, size_t have, size_t rows, size_t max)
{
    double want = ess > 0 ? (ESS_SHARE * (double)rows / ess * 1.05 - 1) * (double)have : (double)have;
    size_t k = want < (double)rows ? rows : want > (double)(max - have) ? max - have : (size_t)want;
    return k;
}

/* *a resized to k doubles; 0 (and *a as it was) when there is no memory */
static int grow(double **a, size_t k)
{
    double *b = realloc(*a, k * sizeof *b);
    if (b)
        *a = b;
    return b != NULL;
}

static double kernel_width(const double *d, size_t rows, double *sorted)
{
    size_t k = 0;
    for (size_t i = 0; i < rows; i++)
        if (isfinite(d[i]))
            sorted[k++] = d[i];
    if (!k)
        return NAN;
    gsl_sort(sorted, 1, k);
    double h = gsl_stats_quantile_from_sorted_data(sorted, 1, k, KERNEL_QUANTILE);
    return h > 0 ? h : 1e-12;
}

int trainer_resample(trainer *t, const double *ystar, size_t rows, size_t max_ratio, gsl_rng *r, double *x,
                     double *first, trainer_resample_stats *s, innx_err *err)
{
    const problem *p = &t->p;
    size_t n = p->x_dim, m = p->y_dim, M = max_ratio * rows, have = 0;
    memset(s, 0, sizeof *s);
    s->h = NAN;
    if (!problem_is_flow(p) || !t->sys || fsys_is_random(t->sys) || max_ratio < 1)
        return innx_errf(err, INNX_EINVAL, "resampling needs a flow's density and a deterministic F");
    /* the proposals' arrays grow a round at a time, so a run that reaches
     * its effective size early holds no more than it drew; a round there
     * is no memory for ends the rounds, and those drawn answer */
    double *xp = NULL, *lw = NULL, *d = NULL, *tw = NULL, *yp = malloc(rows * m * sizeof *yp);
    int st = 0;
    if (!yp) {
        st = innx_errf(err, INNX_ENOMEM, "resampling: out of memory");
        goto out;
    }
    for (size_t round = rows; have < M; round = next_round(s->ess, have, rows, M)) {
        if (!grow(&xp, (have + round) * n) || !grow(&lw, have + round) || !grow(&d, have + round) ||
            !grow(&tw, have + round) || (round > rows && !grow(&yp, round * m))) {
            if (have == 0)
                st = innx_errf(err, INNX_ENOMEM, "resampling: out of memory");
            break;
        }
        double *xr = xp + have * n, *lq = lw + have;
        if ((st = trainer_sample(t, ystar, round, r, xr, lq, err)) != 0)
            goto out;
        if (fsys_eval(t->sys, xr, round, yp, NULL, NULL) != 0) {
            st = innx_errf(err, INNX_ENOMEM, "resampling: out of memory");
            goto out;
        }
        misses(t, yp, ystar, round, d + have);
        if (have == 0) {
            if (first)
                memcpy(first, xr, rows * n * sizeof *xr);
            s->h = kernel_width(d, rows, tw);
        }
        for (size_t i = have; i < have + round; i++) {
            double w = -lw[i] - 0.5 * (d[i] / s->h) * (d[i] / s->h);   /* log p_h - log q */
            for (size_t j = 0; j < n; j++)
                w += trainer_prior_logpdf(p, j, xp[i * n + j]);
            lw[i] = isnan(w) ? -INFINITY : w;
        }
        have += round;
        s->ess = truncated_ess(lw, have, tw);
        if (s->ess >= ESS_SHARE * (double)rows)
            break;
    }
    s->proposals = have;
    if (st != 0)
        goto out;
    if (!(s->ess > 0)) {   /* nothing in the prior's support near y*: the flow's own samples */
        memcpy(x, xp, rows * n * sizeof *x);
        goto out;
    }
    /* systematic resampling: one uniform, rows equally spaced points on the weights' CDF */
    double total = 0;
    for (size_t i = 0; i < have; i++)
        total += tw[i];
    double step = total / (double)rows, u = gsl_rng_uniform(r) * step, c = 0;
    size_t k = 0;
    for (size_t i = 0; i < have && k < rows; i++)
        for (c += tw[i]; k < rows && u + (double)k * step < c; k++)
            memcpy(x + k * n, xp + i * n, n * sizeof *x);
    for (; k < rows; k++)   /* rounding at the CDF's top */
        memcpy(x + k * n, xp + (have - 1) * n, n * sizeof *x);
out:
    free(xp);
    free(lw);
    free(yp);
    free(d);
    free(tw);
    return st;
}
