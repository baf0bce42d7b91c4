/* case_latent.c: the report of a latent problem G(z) (three-roots): f over
 * 300 evenly spaced z, k-means of the answers with 95% intervals, the five
 * best raw residuals, and each cluster's best candidate polished. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "innx/report.h"

#define LOG_EVERY 200

#define QUERY_K 256   /* codes the query draws */

static size_t add_root(report_root *out, size_t n, const report_root *r)
{
    for (size_t j = 0; j < n; j++)
        if (fabs(out[j].x - r->x) <= 1e-9 * fmax(1, fabs(out[j].x))) {
            if (r->residual_raw < out[j].residual_raw)
                out[j].residual_raw = r->residual_raw;
            return n;
        }
    out[n] = *r;
    return n + 1;
}

/* The clusters' polished roots and the query's, distinct and sorted; a
 * root's residual_raw is the smallest raw residual of every candidate (the
 * map's clusters, the query's codes) that polished to it. */
static size_t distinct_roots(const report_latent *r, const report_query *q, report_root *out)
{
    size_t n = 0;
    for (size_t c = 0; c < r->k; c++)
        if (r->c[c].polished)
            n = add_root(out, n, &r->c[c].root);
    for (size_t i = 0; i < q->n_roots; i++)
        n = add_root(out, n, &q->roots[i]);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && out[j].x < out[j - 1].x; j--) {
            report_root tmp = out[j];
            out[j] = out[j - 1];
            out[j - 1] = tmp;
        }
    return n;
}

static void print_header(const char *where, const problem *p, const void *ctx)
{
    const problem_stage *s = &p->stages[0];
    printf("%s: f(x) = %s on [%g, %g]\n", where, p->formula, p->x_lo[0], p->x_hi[0]);
    printf("G %s, z ~ U[0,1]^%zu, batch %zu fresh each step, %zu partitions; Adam lr %g", p->model, p->z_dim,
           p->batch_n, p->n_parts, s->lr);
    if (s->schedule == PROBLEM_LR_PLATEAU)
        printf(", plateau x%g after %d", s->plateau_factor, s->plateau_patience);
    if (s->patience)
        printf(", early stop %d", s->patience);
    printf(", at most %ld steps, seed %lu\n", s->steps, p->seed);
}

/* The raw residual the text prints for a cluster's root: the root's own
 * (residual_raw in the JSON), so that both say one number for one root. */
static double root_raw(const report_root *roots, size_t n, const report_root *r)
{
    for (size_t j = 0; j < n; j++)
        if (fabs(roots[j].x - r->x) <= 1e-9 * fmax(1, fabs(roots[j].x)))
            return roots[j].residual_raw;
    return r->residual_raw;
}

int case_latent_train(const cli_opts *o, problem *p)
{
    char where[64];
    snprintf(where, sizeof where, "train %s", p->name);
    innx_err err;
    if (problem_validate(p, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    double secs;
    trainer *t = cli_train_banner(o, where, p, o->quiet || o->json ? 0 : LOG_EVERY, &secs, NULL,
                                  o->quiet || o->json ? NULL : print_header, NULL);
    if (!t)
        return CLI_EXIT_USAGE;
    report_latent *r = malloc(sizeof *r);
    if (!r) {
        trainer_free(t);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    int st = report_latent_compute(t, p->y_star, p->k, r, &err);
    /* and a query: K codes through G, each polished and certified */
    report_query *q = malloc(sizeof *q);
    if (st == 0 && (!q || report_query_roots(t, p->y_star, QUERY_K, q, &err) != 0))
        st = q ? INNX_EINVAL : innx_errf(&err, INNX_ENOMEM, "out of memory");
    long steps = trainer_steps(t);
    trainer_state state = trainer_get_state(t);
    int early = state == TRAINER_EARLY_STOPPED;
    double loss = trainer_loss(t);
    trainer_free(t);
    if (st != 0) {
        free(r);
        free(q);
        return cli_error(CLI_EXIT_FAIL, where, "%s", err.msg);
    }
    report_root roots[REPORT_MAX_K + REPORT_MAX_ROOTS];
    size_t n_roots = distinct_roots(r, q, roots);
    /* the classical scan's roots (the query's reference), and how many of
     * them the network led to: within 1e-7 of the domain's width after
     * polishing, 1e-3 before */
    double ref[REPORT_MAX_ROOTS];
    size_t n_ref = q->n_ref, found = 0, found_raw = 0;
    memcpy(ref, q->ref, n_ref * sizeof *ref);
    free(q);
    double w = p->x_hi[0] - p->x_lo[0];
    for (size_t i = 0; i < n_ref; i++) {
        int hit = 0, hit_raw = 0;
        for (size_t j = 0; j < n_roots; j++)
            hit |= fabs(roots[j].x - ref[i]) <= 1e-7 * w;
        for (size_t j = 0; j < r->n; j++)
            hit_raw |= fabs(r->x[j] - ref[i]) <= 1e-3 * w;
        found += hit;
        found_raw += hit_raw;
    }
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "case", p->name);
        json_str(&j, "problem", p->name);
        json_str(&j, "formula", p->formula);
        json_int(&j, "seed", (long)p->seed);
        json_overrides(&j, o);
        json_int(&j, "steps", steps);
        json_bool(&j, "stopped_early", early);
        json_str(&j, "state", trainer_state_name(state));
        json_num(&j, "seconds", secs);
        json_num(&j, "loss", loss);
        json_num(&j, "mae", r->mae);
        json_num(&j, "rmse", r->rmse);
        json_arr_begin(&j, "roots");
        for (size_t i = 0; i < n_roots; i++) {
            json_obj_begin(&j, NULL);
            json_num(&j, "x", roots[i].x);
            json_num(&j, "residual", roots[i].residual);
            json_num(&j, "residual_raw", roots[i].residual_raw);
            json_bool(&j, "bracketed", roots[i].bracketed);
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_arr_begin(&j, "reference_roots");
        for (size_t i = 0; i < n_ref; i++)
            json_arr_num(&j, ref[i]);
        json_arr_end(&j);
        json_num(&j, "recall", n_ref ? (double)found / (double)n_ref : 1.0);
        json_num(&j, "recall_raw", n_ref ? (double)found_raw / (double)n_ref : 1.0);
        json_arr_begin(&j, "clusters");
        for (size_t c = 0; c < r->k; c++) {
            json_obj_begin(&j, NULL);
            json_int(&j, "count", (long)r->c[c].count);
            json_num(&j, "centroid", r->c[c].centroid);
            json_num(&j, "mean_abs_f", r->c[c].mean_abs_f);
            json_num(&j, "ci_lo", r->c[c].ci_lo);
            json_num(&j, "ci_hi", r->c[c].ci_hi);
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_arr_begin(&j, "top5");
        for (size_t i = 0; i < r->n_top; i++)
            json_arr_num(&j, r->top_res[i]);
        json_arr_end(&j);
        json_end(&j);
    } else {
        printf("%s at step %ld in %.3f s (%.3f ms/step), loss %.4g\n",
               early ? "stopped early" : state == TRAINER_DIVERGED ? "diverged" : "done", steps, secs,
               1e3 * secs / (double)(steps ? steps : 1), loss);
        printf("f over %zu evenly spaced z: MAE %.4g, RMSE %.4g\n", r->n, r->mae, r->rmse);
        printf("k-means (k = %zu) of the predicted x:\n", r->k);
        printf("  cluster  count  centroid   mean|f|  95%% CI of mean|f|     best candidate polished      raw res  "
               "bracketed\n");
        for (size_t c = 0; c < r->k; c++) {
            const report_cluster *cl = &r->c[c];
            printf("  %7zu  %5zu  %8.4f  %8.3g  [%8.3g, %8.3g]  ", c + 1, cl->count, cl->centroid, cl->mean_abs_f,
                   cl->ci_lo, cl->ci_hi);
            if (cl->polished)
                printf("%.10f (res %.1e)  %8.2e  %s\n", cl->root.x, cl->root.residual,
                       root_raw(roots, n_roots, &cl->root), cl->root.bracketed ? "yes" : "no");
            else
                printf("%-28s  %8.2e  -\n", "(did not converge)", cl->root.residual_raw);
        }
        printf("five smallest raw residuals of the %zu-code map:", r->n);
        for (size_t i = 0; i < r->n_top; i++)
            printf(" %.2e (x = %.4f)", r->top_res[i], r->top_x[i]);
        printf("\nroots of f(x) = %g (clusters and %d codes, polished, |f - y| <= 1e-12):", p->y_star, QUERY_K);
        for (size_t i = 0; i < n_roots; i++)
            printf(" %.7f", roots[i].x);
        printf("%s\n", n_roots ? "" : " none certified");
        printf("the classical scan finds %zu; the network led to %zu of them (%zu within 1e-3 of the width before "
               "polishing)\n", n_ref, found, found_raw);
    }
    free(r);
    return n_roots > 0 && state != TRAINER_DIVERGED ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
