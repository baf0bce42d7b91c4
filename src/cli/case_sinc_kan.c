/* case_sinc_kan.c: `innx train sinc-kan` (article case 2: a KAN inverse of
 * sin(x)/x at y* = 0.95; --range: y in [0.3, 1] beside an MLP) and its bench. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "innx/sinc.h"

#define RANGE_LO 0.3
#define RANGE_HI 1.0
#define RANGE_POINTS 120

/* Trains c, then reads the raw G at n evenly spaced y in [lo, hi]: the
 * largest |sin(x)/x - y| and the y where it occurs. Returns 0, or prints
 * the error and returns an exit code. */
static int range_worst(const char *name, const sinc_conf *c, double lo, double hi, size_t n,
                       long *steps, double *secs, double *worst, double *y_worst)
{
    innx_err err;
    sinc_task *t = sinc_alloc(c, &err);
    if (!t)
        return cli_error(CLI_EXIT_USAGE, name, "%s", err.msg);
    double t0 = cli_now();
    for (long s = 0; s < c->steps && !sinc_should_stop(t); s++)
        if (!isfinite(sinc_step(t))) {
            sinc_free(t);
            return cli_error(CLI_EXIT_FAIL, name, "%s: loss diverged at step %ld", c->model, s);
        }
    sinc_finish(t);
    *secs = cli_now() - t0;
    *steps = sinc_steps_done(t);
    double *y = malloc(2 * n * sizeof *y);
    if (!y) {
        sinc_free(t);
        return cli_error(CLI_EXIT_FAIL, name, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        y[i] = lo + (hi - lo) * (double)i / (double)(n - 1);
    int st = sinc_query(t, y, n, y + n, &err);
    sinc_free(t);
    if (st != 0) {
        free(y);
        return cli_error(CLI_EXIT_FAIL, name, "%s", err.msg);
    }
    *worst = 0;
    *y_worst = y[0];
    for (size_t i = 0; i < n; i++) {
        double r = fabs(sinc_f(y[n + i]) - y[i]);
        if (!(r <= *worst)) {   /* a NaN is the worst */
            *worst = r;
            *y_worst = y[i];
        }
    }
    free(y);
    return 0;
}

/* The article's KAN-over-a-range plot: G: y -> x for y in [0.3, 1.0], the
 * largest raw residual over 120 y, beside an MLP trained the same way
 * (same batch, lr, steps, early stopping; no norm or box term). Near y = 1
 * the inverse is x = +-sqrt(6 (1 - y)), with an infinite slope, so that is
 * where both nets miss most; the y of the worst point is reported. */
static int case_sinc_kan_range(const cli_opts *o)
{
    const char *name = "train sinc-kan";
    sinc_conf k = sinc_conf_kan(), m = sinc_conf_mlp();
    k.const_target = 0;
    k.y_range = m.y_range = 1;
    k.y_lo = m.y_lo = RANGE_LO;
    k.y_hi = m.y_hi = RANGE_HI;
    m.n = k.n;
    m.lr = k.lr;
    m.steps = k.steps;
    m.patience = k.patience;
    m.lr_gamma = k.lr_gamma;
    m.checkpoint = k.checkpoint;
    m.norm_weight = 0;
    m.box_weight = 0;
    if (o->steps > 0) k.steps = m.steps = o->steps;
    if (o->seed >= 0) k.seed = m.seed = (unsigned long)o->seed;
    if (o->model) k.model = o->model;
    k.threads = m.threads = o->threads;
    long ks, ms;
    double kt, mt, kr, mr, ky, my;
    int st = range_worst(name, &k, RANGE_LO, RANGE_HI, RANGE_POINTS, &ks, &kt, &kr, &ky);
    if (st == 0)
        st = range_worst(name, &m, RANGE_LO, RANGE_HI, RANGE_POINTS, &ms, &mt, &mr, &my);
    if (st != 0)
        return st;
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "case", "sinc-kan-range");
        json_num(&j, "y_lo", RANGE_LO);
        json_num(&j, "y_hi", RANGE_HI);
        json_int(&j, "points", RANGE_POINTS);
        json_str(&j, "kan_model", k.model);
        json_int(&j, "kan_steps", ks);
        json_num(&j, "kan_seconds", kt);
        json_num(&j, "kan_max_residual", kr);
        json_num(&j, "kan_y_at_max", ky);
        json_str(&j, "mlp_model", m.model);
        json_int(&j, "mlp_steps", ms);
        json_num(&j, "mlp_seconds", mt);
        json_num(&j, "mlp_max_residual", mr);
        json_num(&j, "mlp_y_at_max", my);
        json_end(&j);
    } else {
        printf("G: y -> x for y in [%g, %g], %zu samples, Adam lr %g, early stop %d\n", RANGE_LO,
               RANGE_HI, k.n, k.lr, k.patience);
        printf("  %-26s %6ld steps %7.2f s   max |sin(x)/x - y| over %d y = %.3e (at y = %.4f)\n",
               k.model, ks, kt, RANGE_POINTS, kr, ky);
        printf("  %-26s %6ld steps %7.2f s   max |sin(x)/x - y| over %d y = %.3e (at y = %.4f)\n",
               m.model, ms, mt, RANGE_POINTS, mr, my);
    }
    return isfinite(kr) && isfinite(mr) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* One y* = 0.95, the recipe of sinc_conf_kan() (its patience is 200, not
 * the article's 50: see sinc.c), reported as `train sinc` does. */
int case_sinc_kan_train(const cli_opts *o)
{
    if (o->range)
        return case_sinc_kan_range(o);
    sinc_conf c = sinc_conf_kan();
    if (o->steps > 0) c.steps = o->steps;
    if (o->seed >= 0) c.seed = (unsigned long)o->seed;
    if (o->model) c.model = o->model;
    c.threads = o->threads;
    return case_sinc_report(o, "train sinc-kan", &c);
}

int case_sinc_kan_bench(const cli_opts *o)
{
    sinc_conf c = sinc_conf_kan();
    return case_sinc_bench_conf(o, "bench sinc-kan", &c);
}
