/* cmd_roots.c: `innx roots FORMULA --domain A:B [--y Y] [--json]` and the
 * roots benchmark: the classical engine on a formula the user types; a
 * problem's name (or FILE.inn) goes to its vector reference (cmd_reference.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "cli.h"
#include "innx/expr.h"
#include "innx/problem.h"
#include "innx/roots.h"

#define MAX_ROOTS 100000

static int parse_double(const char *s, double *v)
{
    errno = 0;
    char *end;
    *v = strtod(s, &end);
    return errno || end == s || *end || !isfinite(*v) ? -1 : 0;
}

/* "A:B" with finite A < B */
static int parse_domain(const char *s, double *a, double *b)
{
    const char *colon = strchr(s, ':');
    if (!colon)
        return -1;
    char left[128];
    size_t k = (size_t)(colon - s);
    if (k == 0 || k >= sizeof left)
        return -1;
    memcpy(left, s, k);
    left[k] = 0;
    if (parse_double(left, a) || parse_double(colon + 1, b) || !(*a < *b))
        return -1;
    return 0;
}

/* a built-in problem's name or a problem file: not a formula */
static int names_problem(const char *s)
{
    problem p;
    size_t len = strlen(s);
    return problem_builtin(s, &p, NULL) == 0 || (len > 4 && !strcmp(s + len - 4, ".inn"));
}

int cmd_roots(int argc, char **argv)
{
    const char *formula = NULL, *domain = NULL;
    double y = 0, a, b;
    int json = 0;
    if (argc >= 2 && names_problem(argv[1]))
        return cmd_roots_problem(argc, argv);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--json")) {
            json = 1;
        } else if (!strcmp(s, "--domain") || !strcmp(s, "--y")) {
            if (i + 1 >= argc)
                return cli_error(CLI_EXIT_USAGE, "roots", "%s needs a value", s);
            if (!strcmp(s, "--domain"))
                domain = argv[++i];
            else if (parse_double(argv[++i], &y))
                return cli_error(CLI_EXIT_USAGE, "roots", "--y: '%s' is not a finite number", argv[i]);
        } else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            printf("usage: innx roots 'FORMULA' --domain A:B [--y Y] [--json]\n"
                   "       innx roots PROBLEM [--y Y1,..,Ym] [--starts N] [--seed S] [--out F.csv] [--json]\n"
                   "       innx roots PROBLEM --reject EPS [--samples N] [--draws N] [options as above]\n"
                   "every real root of FORMULA = Y (default 0) on [A, B], polished in double;\n"
                   "for a vector problem (a built-in or FILE.inn) its classical reference at y*\n"
                   "(default the problem's): multi-start Levenberg-Marquardt from N prior draws\n"
                   "(default 1000): m = n the distinct roots, m < n the projected points and\n"
                   "their families, each certified at |F(x) - y*| <= 1e-12; --reject EPS: the\n"
                   "prior draws with ||F(x) - y*|| < EPS (a simulator: y simulated with its\n"
                   "noise), N of them (default 1000) within --draws (default 1e9), projected\n"
                   "where F is deterministic: the posterior reference. --out writes x1..xn.\n");
            return CLI_EXIT_OK;
        } else if (s[0] == '-' && s[1] == '-') {
            return cli_error(CLI_EXIT_USAGE, "roots", "unknown option '%s'", s);
        } else if (!formula) {
            formula = s;
        } else {
            return cli_error(CLI_EXIT_USAGE, "roots", "unexpected argument '%s' (quote the formula)", s);
        }
    }
    if (!formula)
        return cli_error(CLI_EXIT_USAGE, "roots", "no formula (innx roots 'sin(x)/x' --domain -10:10 --y 0.95)");
    if (!domain)
        return cli_error(CLI_EXIT_USAGE, "roots", "--domain A:B is required");
    if (parse_domain(domain, &a, &b))
        return cli_error(CLI_EXIT_USAGE, "roots", "--domain: '%s' is not A:B with finite A < B", domain);
    innx_err err;
    expr *e = expr_parse(formula, &err);
    if (!e) {
        fprintf(stderr, "innx: %s\n", err.msg);
        return CLI_EXIT_USAGE;
    }
    if (expr_n_vars(e) > 1) {
        expr_free(e);
        return cli_error(CLI_EXIT_USAGE, "roots", "the formula uses x2..: roots takes f(x) of one variable");
    }
    roots_root *r = malloc(MAX_ROOTS * sizeof *r);
    size_t n = 0;
    int st = r ? roots_scan(roots_expr_fn, e, y, a, b, NULL, r, MAX_ROOTS, &n, &err)
               : innx_errf(&err, INNX_ENOMEM, "roots: out of memory");
    expr_free(e);
    if (st != 0) {
        free(r);
        return cli_error(st == INNX_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL, "roots", "%s", err.msg);
    }
    size_t shown = n < MAX_ROOTS ? n : MAX_ROOTS;
    if (json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "formula", formula);
        json_num(&j, "y", y);
        json_num(&j, "a", a);
        json_num(&j, "b", b);
        json_arr_begin(&j, "roots");
        for (size_t i = 0; i < shown; i++) {
            json_obj_begin(&j, NULL);
            json_num(&j, "x", r[i].x);
            json_num(&j, "residual", r[i].residual);
            json_bool(&j, "bracketed", r[i].bracketed);
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_end(&j);
    } else {
        if (n == 0)
            printf("no root of %s = %g on [%g, %g]\n", formula, y, a, b);
        for (size_t i = 0; i < shown; i++)
            printf("x = %.15g  residual %.1e  %s\n", r[i].x, r[i].residual,
                   r[i].bracketed ? "bracketed" : "even (no sign change)");
    }
    free(r);
    return CLI_EXIT_OK;
}

static double three_c(double x)
{
    return sin(x) - 0.3 * log(x + 1) + 0.1 * exp(-x / 3) + 0.2 * sqrt(x) - 0.5;
}

/* All-roots queries per second on the three-root function over [0, 8] for
 * random y*, and the evaluator's speed against the same function in C. */
int bench_roots(const cli_opts *o)
{
    const char *src = "sin(x) - 0.3*log(x+1) + 0.1*exp(-x/3) + 0.2*sqrt(x) - 0.5";
    innx_err err;
    expr *e = expr_parse(src, &err);
    if (!e)
        return cli_error(CLI_EXIT_FAIL, "bench roots", "%s", err.msg);
    long queries = o->repeats > 0 ? o->repeats : 10000;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, o->seed >= 0 ? (unsigned long)o->seed : 0);
    roots_root r[64];
    size_t n, total = 0;
    double t0 = cli_now();
    for (long q = 0; q < queries; q++) {
        double y = -0.6 + 1.0 * gsl_rng_uniform(rng);   /* f spans about [-0.6, 0.4] on [0, 8] */
        roots_scan(roots_expr_fn, e, y, 0, 8, NULL, r, 64, &n, &err);
        total += n;
    }
    double tq = cli_now() - t0;
    /* evaluator vs compiled C on the same 1e6 points, median of 5 */
    size_t m = 1000000;
    double *x = malloc(3 * m * sizeof *x), te[5], tc[5], sink = 0;
    if (!x) {
        expr_free(e);
        gsl_rng_free(rng);
        return cli_error(CLI_EXIT_FAIL, "bench roots", "out of memory");
    }
    for (size_t i = 0; i < m; i++)
        x[i] = 8.0 * (double)i / (double)m;
    for (int k = 0; k < 5; k++) {
        double t = cli_now();
        expr_eval_array(e, x, m, x + m, NULL);
        te[k] = cli_now() - t;
        t = cli_now();
        for (size_t i = 0; i < m; i++)
            x[2 * m + i] = three_c(x[i]);
        tc[k] = cli_now() - t;
        sink += x[m + 7] + x[2 * m + 7];
    }
    double me = cli_median(te, 5), mc = cli_median(tc, 5);
    double tdual = cli_now();
    expr_eval_array(e, x, m, x + m, x + 2 * m);
    tdual = cli_now() - tdual;
    free(x);
    expr_free(e);
    gsl_rng_free(rng);
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "workload", "roots");
        json_int(&j, "seed", o->seed >= 0 ? o->seed : 0);
        json_overrides(&j, o);
        json_int(&j, "queries", queries);
        json_num(&j, "seconds", tq);
        json_num(&j, "queries_per_second", (double)queries / tq);
        json_num(&j, "mean_roots", (double)total / (double)queries);
        json_num(&j, "evals_per_second", (double)m / me);
        json_num(&j, "evals_per_second_with_derivative", (double)m / tdual);
        json_num(&j, "c_evals_per_second", (double)m / mc);
        json_num(&j, "ratio_vs_c", me / mc);
        json_end(&j);
    } else {
        printf("bench roots: %s on [0, 8], %ld random y*\n", src, queries);
        printf("  all-roots queries: %.0f /s (%.2f roots each on average)\n", (double)queries / tq,
               (double)total / (double)queries);
        printf("  evaluator: %.3g evals/s (%.3g with derivative); compiled C %.3g evals/s; ratio %.2f\n",
               (double)m / me, (double)m / tdual, (double)m / mc, me / mc);
    }
    return sink == 12345.678 ? CLI_EXIT_FAIL : CLI_EXIT_OK;   /* keep the C loop alive */
}
