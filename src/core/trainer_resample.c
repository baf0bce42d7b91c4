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
 * F(x) = y* (man innx, VECTOR PROBLEMS; DESIGN.md). The first round is
 * the flow's own draw; later ones draw it wider, for the weights' sake. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "trainer_impl.h"

#define KERNEL_QUANTILE 0.10   /* h: this quantile of the first round's scaled misses */
#define ESS_SHARE 1.0          /* stop once the weights' effective size is rows x this */
#define WIDEN 1.7              /* rounds after the first draw z ~ N(0, WIDEN^2 I) */

/* log w = log p_h - log q_mix, where q_mix is the density of the rounds'
 * draws taken together (the balance heuristic: the first `first` drawn
 * with z ~ N(0, I), the rest with z ~ N(0, WIDEN^2 I)), so each weight is
 * bounded wherever either draw reaches. The wider draw is what makes the
 * weights trustworthy: the flow's own tails are thin where it has
 * underweighted a mode, and a few proposals there carried it. On ik (one
 * checkpoint, 12 seeds) the elbow-up share of 400 answers, 0.5 in the
 * posterior, ranged 0.46-0.65 drawn with tau = 1 alone, 0.48-0.54 so;
 * C2ST of 1000, seeds 0 and 5-11: mean 0.517 (max 0.546) with tau = 1
 * alone, 0.509 (max 0.541) with WIDEN 1.4, 0.504 (max 0.525) with 1.7. */
static void log_weights(const double *lt, const double *ld, const double *zz, size_t n, size_t first, size_t have,
                        double *lw)
{
    double a = log((double)first / (double)have), b = log((double)(have - first) / (double)have);
    double c = -(double)n * log(WIDEN);
    for (size_t i = 0; i < have; i++) {
        double q1 = a - 0.5 * zz[i], qw = b + c - 0.5 * zz[i] / (WIDEN * WIDEN);
        double lq = have > first ? fmax(q1, qw) + log1p(exp(-fabs(q1 - qw))) : q1;
        double w = lt[i] - ld[i] - lq;   /* the constant (n / 2) log 2 pi cancels */
        lw[i] = isnan(w) ? -INFINITY : w;
    }
}

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
                     trainer_resample_stats *s, innx_err *err)
{
    const problem *p = &t->p;
    size_t n = p->x_dim, m = p->y_dim, M = max_ratio * rows, have = 0;
    memset(s, 0, sizeof *s);
    s->h = s->resim_first = NAN;
    if (!problem_is_flow(p) || !t->sys || fsys_is_random(t->sys) || max_ratio < 1)
        return innx_errf(err, INNX_EINVAL, "resampling needs a flow's density and a deterministic F");
    /* the proposals' arrays grow a round at a time, so a run that reaches
     * its effective size early holds no more than it drew; a round there
     * is no memory for ends the rounds, and those drawn answer. Per
     * proposal: x, log p_h (lt), log|det dz/dx| (ld) and |z|^2 (zz), from
     * which its density under either round's draw follows */
    double *xp = NULL, *lt = NULL, *ld = NULL, *zz = NULL, *lw = NULL, *tw = NULL;
    double *yp = malloc(rows * m * sizeof *yp), *d = malloc(rows * sizeof *d);
    int st = 0;
    if (!yp || !d) {
        st = innx_errf(err, INNX_ENOMEM, "resampling: out of memory");
        goto out;
    }
    for (size_t round = rows; have < M; round = next_round(s->ess, have, rows, M)) {
        if (!grow(&xp, (have + round) * n) || !grow(&lt, have + round) || !grow(&ld, have + round) ||
            !grow(&zz, have + round) || !grow(&lw, have + round) || !grow(&tw, have + round) ||
            (round > rows && (!grow(&yp, round * m) || !grow(&d, round)))) {
            if (have == 0)
                st = innx_errf(err, INNX_ENOMEM, "resampling: out of memory");
            break;
        }
        double *xr = xp + have * n;
        double tau = have == 0 ? 1.0 : WIDEN;
        if ((st = trainer_sample_density(t, ystar, round, tau, r, xr, ld + have, zz + have, err)) != 0)
            goto out;
        if (fsys_eval(t->sys, xr, round, yp, NULL, NULL) != 0) {
            st = innx_errf(err, INNX_ENOMEM, "resampling: out of memory");
            goto out;
        }
        misses(t, yp, ystar, round, d);
        if (have == 0) {
            double sum = 0;   /* the flow's own re-simulation error, summed as report_vector sums it */
            for (size_t i = 0; i < rows; i++) {
                double sq = 0;
                for (size_t k = 0; k < m; k++)
                    sq += (yp[i * m + k] - ystar[k]) * (yp[i * m + k] - ystar[k]);
                sum += sq;
            }
            s->resim_first = sum / (double)rows;
            s->h = kernel_width(d, rows, tw);
        }
        for (size_t i = 0; i < round; i++) {
            double v = -0.5 * (d[i] / s->h) * (d[i] / s->h);   /* log p_h, up to its constant */
            for (size_t j = 0; j < n; j++)
                v += trainer_prior_logpdf(p, j, xr[i * n + j]);
            lt[have + i] = isnan(v) ? -INFINITY : v;
        }
        have += round;
        log_weights(lt, ld, zz, n, rows, have, lw);
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
    free(lt);
    free(ld);
    free(zz);
    free(lw);
    free(yp);
    free(d);
    free(tw);
    return st;
}
