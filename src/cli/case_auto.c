/* case_auto.c: the branch model's reports: every root of F(x) = y* for
 * each --y, polished and certified, beside the classical scan with the
 * recall (innx train --f, NAME --auto); and innx bench query. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_rng.h>

#include "cli.h"
#include "innx/report.h"

#define LOG_EVERY 500
#define MAX_Y 64
#define BENCH_QUERIES 10000
#define BENCH_K 32

int cli_parse_ys(const char *where, const char *s, double *ys, size_t cap, size_t *n)
{
    *n = 0;
    if (!s)
        return 0;
    const char *p = s;
    for (;;) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || (*end && *end != ','))
            return cli_error(CLI_EXIT_USAGE, where, "--y: '%s': column %d: expected a number (Y1,Y2,...)", s,
                             (int)(end - s) + 1);
        if (*n == cap)
            return cli_error(CLI_EXIT_USAGE, where, "--y: at most %zu values", cap);
        ys[(*n)++] = v;
        if (!*end)
            return 0;
        p = end + 1;
    }
}

/* Codes a query draws: enough that every piece gets one (stratified). */
static size_t query_k(trainer *t)
{
    size_t P = trainer_n_pieces(t);
    return P > BENCH_K ? P : BENCH_K;
}

/* How many of the reference roots the query found, polished and raw
 * (cli_found, cli_found_raw). */
void cli_query_recall(const report_query *q, double w, size_t *found, size_t *found_raw)
{
    *found = *found_raw = 0;
    for (size_t i = 0; i < q->n_ref; i++) {
        int hit = 0, hit_raw = 0;
        for (size_t j = 0; j < q->n_roots; j++) {
            hit |= cli_found(q->roots[j].x, q->ref[i], w);
            hit_raw |= cli_found_raw(q->roots[j].x_raw, q->ref[i], w);
        }
        *found += hit;
        *found_raw += hit_raw;
    }
}

static void json_query(json_out *j, const report_query *q, double w)
{
    size_t found, found_raw;
    cli_query_recall(q, w, &found, &found_raw);
    json_num(j, "y", q->y);
    json_arr_begin(j, "roots");
    for (size_t i = 0; i < q->n_roots; i++) {
        json_obj_begin(j, NULL);
        json_num(j, "x", q->roots[i].x);
        json_num(j, "residual", q->roots[i].residual);
        json_num(j, "residual_raw", q->roots[i].residual_raw);
        json_bool(j, "bracketed", q->roots[i].bracketed);
        json_obj_end(j);
    }
    json_arr_end(j);
    json_arr_begin(j, "reference_roots");
    for (size_t i = 0; i < q->n_ref; i++)
        json_arr_num(j, q->ref[i]);
    json_arr_end(j);
    json_num(j, "recall", q->n_ref ? (double)found / (double)q->n_ref : 1.0);
    json_num(j, "recall_raw", q->n_ref ? (double)found_raw / (double)q->n_ref : 1.0);
}

static void print_query(const report_query *q, double w, const char *f)
{
    size_t found, found_raw;
    cli_query_recall(q, w, &found, &found_raw);
    printf("\nroots of %s(x) = %g (%zu candidates, polished, |%s - y| <= 1e-12):\n", f, q->y, q->n_candidates, f);
    printf("  %22s  %9s  %9s  %s\n", "x", "residual", "raw", "bracketed");
    for (size_t i = 0; i < q->n_roots; i++)
        printf("  %22.15g  %9.1e  %9.1e  %s\n", q->roots[i].x, q->roots[i].residual, q->roots[i].residual_raw,
               q->roots[i].bracketed ? "yes" : "no (even)");
    if (!q->n_roots)
        printf("  none\n");
    printf("the classical scan finds %zu; found %zu (%zu by G's raw answer within 1e-3 of the width)\n", q->n_ref,
           found, found_raw);
}

static void print_header(const char *where, const problem *p, const void *ctx)
{
    const problem_stage *s = &p->stages[p->n_stages - 1];
    if (problem_has_table(p))
        printf("%s: F = NN1 %s fitted to %s (x = %s, y = %s, %ld steps), then\n", where, p->forward_model,
               p->table[0] ? p->table : "the built-in table", p->x_columns, p->y_column, p->stages[0].steps);
    else
        printf("%s: f(x) = %s on [%g, %g]\n", where, p->formula, p->x_lo[0], p->x_hi[0]);
    printf("G %s %s, batch %zu, Adam lr %g, %ld steps, seed %lu\n", p->model,
           p->output == PROBLEM_OUT_BRANCH ? "over f's monotone pieces (the branch model)" : "reading y",
           p->batch_n, s->lr, s->steps, p->seed);
}

int case_auto_train(const cli_opts *o, problem *p)
{
    char where[64];
    snprintf(where, sizeof where, "train %s", p->name);
    innx_err err;
    double ys[MAX_Y];
    size_t n_y = 0;
    /* a table's --y names its column; its y* come from NN1 (below) */
    int table = problem_has_table(p);
    if (!table && cli_parse_ys(where, o->y_col, ys, MAX_Y, &n_y) != 0)
        return CLI_EXIT_USAGE;
    if (n_y == 0 && !table)
        ys[n_y++] = p->y_star;
    double secs;
    trainer *t = cli_report_train(o, where, p, LOG_EVERY, print_header, &secs);
    if (!t)
        return CLI_EXIT_USAGE;
    double dom_lo, dom_hi;
    trainer_domain(t, &dom_lo, &dom_hi);
    if (table)   /* NN1 at nine x across the domain: y* it surely reaches */
        for (; n_y < 9; n_y++) {
            double x = dom_lo + (dom_hi - dom_lo) * (double)(n_y + 1) / 10;
            trainer_roots_fn(t, &x, 1, &ys[n_y], NULL);
        }
    report_query *q = malloc(n_y * sizeof *q);
    if (!q) {
        trainer_free(t);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    double t0 = cli_now();
    int st = 0;
    for (size_t i = 0; st == 0 && i < n_y; i++)
        st = report_query_roots(t, ys[i], query_k(t), &q[i], &err);
    double answer = cli_now() - t0;
    long steps = trainer_steps(t);
    trainer_state state = trainer_get_state(t);
    size_t P = trainer_n_pieces(t);
    double loss = trainer_loss(t);
    trainer_free(t);
    if (st != 0) {
        free(q);
        return cli_error(CLI_EXIT_FAIL, where, "%s", err.msg);
    }
    double w = dom_hi - dom_lo;
    size_t all = 0, hit = 0;
    for (size_t i = 0; i < n_y; i++) {
        size_t f, fr;
        cli_query_recall(&q[i], w, &f, &fr);
        all += q[i].n_ref;
        hit += f;
    }
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_run_header(&j, "case", "auto", p, o);
        if (table) {
            json_str(&j, "forward", "nn1");
            json_str(&j, "table", p->table);
        } else {
            json_str(&j, "formula", p->formula);
        }
        json_num(&j, "domain_lo", dom_lo);
        json_num(&j, "domain_hi", dom_hi);
        json_int(&j, "pieces", (long)P);
        json_int(&j, "steps", steps);
        json_str(&j, "state", trainer_state_name(state));
        json_num(&j, "seconds", secs + answer);
        json_num(&j, "train_seconds", secs);
        json_num(&j, "loss", loss);
        json_query(&j, &q[0], w);   /* the first y*, at the top level */
        json_arr_begin(&j, "queries");
        for (size_t i = 0; i < n_y; i++) {
            json_obj_begin(&j, NULL);
            json_query(&j, &q[i], w);
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_num(&j, "recall_all", all ? (double)hit / (double)all : 1.0);
        json_end(&j);
    } else {
        printf("%s at step %ld in %.3f s (%.3f ms/step), loss %.4g", state == TRAINER_DIVERGED ? "diverged" : "done",
               steps, secs, 1e3 * secs / (double)(steps ? steps : 1), loss);
        if (P)
            printf("; %zu monotone pieces", P);
        printf("\n");
        for (size_t i = 0; i < n_y; i++)
            print_query(&q[i], w, table ? "NN1" : "f");
        if (n_y > 1)
            printf("\nrecall over the %zu y*: %zu of %zu\n", n_y, hit, all);
    }
    free(q);
    return state != TRAINER_DIVERGED ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* innx bench query NAME: the trained branch model against the scan on
 * the same random y* over F's range. */
int bench_query(const cli_opts *o, problem *p)
{
    char where[64];
    snprintf(where, sizeof where, "bench query %s", p->name);
    innx_err err;
    if (p->output != PROBLEM_OUT_BRANCH && problem_auto(p, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    cli_opts quiet = *o;
    quiet.quiet = 1;
    double secs;
    trainer *t = cli_train(&quiet, where, p, 0, &secs, NULL);
    if (!t)
        return CLI_EXIT_USAGE;
    const problem *tp = trainer_problem(t);
    double y_lo = tp->y_lo, y_hi = tp->y_hi;
    size_t n = o->repeats > 0 ? (size_t)o->repeats : BENCH_QUERIES, K = query_k(t);
    double *ys = malloc(n * sizeof *ys);
    report_query *q = malloc(sizeof *q);
    double *ref = malloc(n * REPORT_MAX_ROOTS * sizeof *ref);
    size_t *n_ref = malloc(n * sizeof *n_ref);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!ys || !q || !ref || !n_ref || !rng) {
        free(ys), free(q), free(ref), free(n_ref), gsl_rng_free(rng), trainer_free(t);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    gsl_rng_set(rng, p->seed + 1);
    for (size_t i = 0; i < n; i++)
        ys[i] = y_lo + (y_hi - y_lo) * gsl_rng_uniform(rng);
    gsl_rng_free(rng);
    /* the scan, timed on the same y* (and kept as the reference) */
    int st = 0;
    double t0 = cli_now();
    for (size_t i = 0; st == 0 && i < n; i++)
        st = report_reference(t, ys[i], ref + i * REPORT_MAX_ROOTS, &n_ref[i], &err);
    double scan = cli_now() - t0;
    double dlo, dhi;
    trainer_domain(t, &dlo, &dhi);   /* a table's own, in its units */
    double w = dhi - dlo;
    size_t all = 0, hit = 0, extra = 0;
    double query = 0;
    for (size_t i = 0; st == 0 && i < n; i++) {
        double t1 = cli_now();
        st = report_query_candidates(t, ys[i], K, q, &err);
        query += cli_now() - t1;
        q->n_ref = n_ref[i];
        memcpy(q->ref, ref + i * REPORT_MAX_ROOTS, n_ref[i] * sizeof *ref);
        size_t f, fr;
        cli_query_recall(q, w, &f, &fr);
        all += q->n_ref;
        hit += f;
        extra += q->n_roots > f ? q->n_roots - f : 0;
    }
    size_t P = trainer_n_pieces(t);
    trainer_free(t);
    free(ys), free(q), free(ref), free(n_ref);
    if (st != 0)
        return cli_error(CLI_EXIT_FAIL, where, "%s", err.msg);
    double qps = (double)n / query, sps = (double)n / scan, rec = all ? (double)hit / (double)all : 1.0;
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_run_header(&j, "bench", "query", p, o);
        json_str(&j, "formula", p->formula);
        json_int(&j, "pieces", (long)P);
        json_int(&j, "k", (long)K);
        json_int(&j, "queries", (long)n);
        json_num(&j, "train_seconds", secs);
        json_num(&j, "queries_per_second", qps);
        json_num(&j, "scan_queries_per_second", sps);
        json_num(&j, "recall", rec);
        json_int(&j, "reference_roots", (long)all);
        json_int(&j, "not_in_reference", (long)extra);
        json_end(&j);
    } else {
        if (p->formula[0])
            printf("%s: f(x) = %s on [%g, %g], %zu monotone pieces, trained in %.2f s\n", where, p->formula, dlo,
                   dhi, P, secs);
        else
            printf("%s: F = NN1 fitted to %s on [%g, %g], %zu monotone pieces, trained in %.2f s\n", where,
                   p->table[0] ? p->table : "the built-in table", dlo, dhi, P, secs);
        printf("%zu random y* over [%g, %g], K = %zu codes, polished and certified:\n", n, y_lo, y_hi, K);
        printf("  branch model  %10.0f queries/s  recall %.4f (%zu of %zu scan roots; %zu certified roots the scan "
               "lacks)\n", qps, rec, hit, all, extra);
        printf("  roots_scan    %10.0f queries/s\n  ratio %.1fx\n", sps, qps / sps);
    }
    return CLI_EXIT_OK;
}

/* innx bench auto: the recall table (docs/many-roots.md): each formula trained from
 * scratch, then y = 0 and nine more y* = f(x) at x spread over the
 * domain (the forward map's own values: over F's range a pole's would
 * all be huge). */
static const struct {
    const char *f;
    double a, b;
} auto_table[] = {
    {"(x - 1)*(x - 1.1)*(x - 3)", 0, 4},                 /* close roots */
    {"(x - 1)^2 - 1e-8", 0, 2},                          /* two roots 2e-4 apart */
    {"x^3 - 2*x + 0.5", -2, 2},
    {"sin(x) + sin(2.3*x)", 0, 10},                      /* sums of sines */
    {"cos(5*x) - 0.3", 0, 6.3},
    {"cos(3*x) - 0.5*x + 0.2", -2, 3},
    {"exp(-0.2*x)*sin(3*x)", 0, 10},                     /* damped */
    {"exp(-x/2)*sin(4*x) + 0.1", 0, 5},
    {"sin(x)/x - 0.2", 0.001, 20},                       /* sinc-like */
    {"x*sin(x + exp(x))", -3, 3},
    {"sin(x^2) - 0.3", 0, 4},
    {"(x - 2)^2", 0, 4},                                 /* a double root */
    {"1/(x - 1) - 2", 0, 3},                             /* a pole */
    {"tan(x) - 1", 0, 7},                                /* poles */
    {"sin(1/x)", 0.05, 1},
    {"sin(x) - 0.3*log(x + 1) + 0.1*exp(-x/3) + 0.2*sqrt(x) - 0.5", 0, 20},
};

int bench_auto(const cli_opts *o)
{
    const char *where = "bench auto";
    size_t n_f = sizeof auto_table / sizeof *auto_table, all = 0, hit = 0, raw = 0, extra = 0;
    int json = o->json;
    if (!json)
        printf("%-58s %6s %5s %6s %7s %7s %6s %6s\n", "formula on [a, b]", "pieces", "roots", "recall", "raw",
               "extra", "train", "answer");
    double worst = 0;
    for (size_t i = 0; i < n_f; i++) {
        problem p;
        innx_err err;
        if (problem_from_formula(auto_table[i].f, auto_table[i].a, auto_table[i].b, &p, &err) != 0)
            return cli_error(CLI_EXIT_FAIL, where, "%s", err.msg);
        if (cli_apply_opts(o, where, &p) != 0)
            return CLI_EXIT_USAGE;
        cli_opts quiet = *o;
        quiet.quiet = 1;
        double secs;
        trainer *t = cli_train(&quiet, where, &p, 0, &secs, NULL);
        if (!t)
            return CLI_EXIT_FAIL;
        double w = p.x_hi[0] - p.x_lo[0], t0 = cli_now();
        size_t f_all = 0, f_hit = 0, f_raw = 0, f_extra = 0;
        report_query q;
        for (int k = 0; k < 10; k++) {
            double y = 0, xk = p.x_lo[0] + w * (k - 0.5) / 9.0;
            if (k > 0 && (trainer_eval_f(t, &xk, 1, &y, &err) != 0 || !isfinite(y)))
                continue;
            if (report_query_roots(t, y, query_k(t), &q, &err) != 0) {
                trainer_free(t);
                return cli_error(CLI_EXIT_FAIL, where, "%s: %s", auto_table[i].f, err.msg);
            }
            size_t f, fr;
            cli_query_recall(&q, w, &f, &fr);
            f_all += q.n_ref;
            f_hit += f;
            f_raw += fr;
            f_extra += q.n_roots > f ? q.n_roots - f : 0;
        }
        double answer = cli_now() - t0;
        size_t P = trainer_n_pieces(t);
        trainer_free(t);
        all += f_all, hit += f_hit, raw += f_raw, extra += f_extra;
        double rec = f_all ? (double)f_hit / (double)f_all : 1, rr = f_all ? (double)f_raw / (double)f_all : 1;
        if (secs + answer > worst)
            worst = secs + answer;
        if (json) {
            json_out j;
            json_begin(&j, stdout);
            json_run_header(&j, "bench", "auto", &p, o);
            json_str(&j, "formula", auto_table[i].f);
            json_num(&j, "domain_lo", auto_table[i].a);
            json_num(&j, "domain_hi", auto_table[i].b);
            json_int(&j, "pieces", (long)P);
            json_int(&j, "reference_roots", (long)f_all);
            json_num(&j, "recall", rec);
            json_num(&j, "recall_raw", rr);
            json_int(&j, "not_in_reference", (long)f_extra);
            json_num(&j, "train_seconds", secs);
            json_num(&j, "answer_seconds", answer);
            json_end(&j);
        } else {
            char name[80];
            snprintf(name, sizeof name, "%s on [%g, %g]", auto_table[i].f, auto_table[i].a, auto_table[i].b);
            printf("%-58.58s %6zu %5zu %6.3f %7.3f %7zu %5.2fs %5.3fs\n", name, P, f_all, rec, rr, f_extra, secs,
                   answer);
        }
    }
    if (!json)
        printf("all %zu formulas, 10 y* each: recall %.4f (%zu of %zu), raw %.4f, %zu certified roots the scan lacks; "
               "slowest %.2f s\n", n_f, all ? (double)hit / (double)all : 1, hit, all,
               all ? (double)raw / (double)all : 1, extra, worst);
    return CLI_EXIT_OK;
}
