/* cmd_reference.c: `innx roots PROBLEM --y Y1,..,Ym [--starts N] [--reject
 * EPS [--samples N]]`: a vector problem's classical reference at y*
 * (reference.c), as text, --json, and its points in --out's CSV (x1..xn,
 * the columns of train --out's answers, so one C2ST script reads both). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "innx/dataset.h"
#include "innx/reference.h"
#include "innx/safefile.h"

#define WHERE_LEN 96

static int parse_count(const char *where, const char *opt, const char *s, long lo, long hi, long *v)
{
    errno = 0;
    char *end;
    *v = strtol(s, &end, 10);
    if (errno || end == s || *end || *v < lo || *v > hi)
        return cli_error(CLI_EXIT_USAGE, where, "%s: '%s' is not an integer in [%ld, %ld]", opt, s, lo, hi);
    return 0;
}

static void print_text(const reference *r, const problem *p)
{
    printf("%s at y* = ", p->name);
    cli_print_vec(stdout, r->ystar, r->m, 10);
    printf("\n");
    if (r->rejection) {
        printf("rejection from the prior, ||%s - y*|| < %g: kept %zu of %zu draws (%.3g%%) in %.2f s\n",
               r->random ? "y simulated" : "F(x)", r->eps, r->kept, r->tried,
               r->tried ? 100.0 * (double)r->kept / (double)r->tried : 0.0, r->seconds);
        if (r->random)
            printf("%s is a simulator: the kept draws are its posterior (ABC at eps), not projected\n", p->name);
        else
            printf("largest ||F(x) - y*|| of a kept draw %.3g; each projected: certified |F(x) - y*| <= %g: %zu of "
                   "%zu\n", r->max_distance, REFERENCE_CERTIFY, r->n_certified, r->rows);
    } else {
        printf("multistart Levenberg-Marquardt from %zu prior draws in %.2f s: %zu certified, %zu not\n", r->tried,
               r->seconds, r->tried - r->failed, r->failed);
    }
    if (!r->rejection && r->m == r->n) {
        printf("roots (distinct, certified |F(x) - y*| <= %g): %zu%s\n", REFERENCE_CERTIFY, r->found,
               r->found > r->rows ? " (the first listed)" : "");
        for (size_t i = 0; i < r->rows; i++) {
            printf("  ");
            cli_print_vec(stdout, r->x + i * r->n, r->n, 10);
            printf("  residual %.1e\n", r->residual[i]);
        }
        return;
    }
    printf("   x    mean        sd\n");
    for (size_t j = 0; j < r->n; j++)
        printf("  x%-2zu %-11.5g %-11.5g\n", j + 1, r->mean[j], r->sd[j]);
    cli_print_families(r->k, r->silhouette, r->count, r->centroid, r->n, 10);
}

static void json_vec(json_out *j, const char *key, const double *v, size_t n)
{
    json_arr_begin(j, key);
    for (size_t i = 0; i < n; i++)
        json_num(j, NULL, v[i]);
    json_arr_end(j);
}

static void print_json(const reference *r, const problem *p, unsigned long seed)
{
    json_out j;
    json_begin(&j, stdout);
    json_str(&j, "problem", p->name);
    json_str(&j, "method", r->rejection ? "rejection" : "multistart");
    json_int(&j, "seed", (long)seed);
    json_bool(&j, "simulator", r->random);
    json_vec(&j, "y_star", r->ystar, r->m);
    json_int(&j, "tried", (long)r->tried);
    if (r->rejection) {
        json_num(&j, "eps", r->eps);
        json_int(&j, "kept", (long)r->kept);
        json_num(&j, "acceptance", r->tried ? (double)r->kept / (double)r->tried : 0.0);
        json_num(&j, "max_distance", r->max_distance);
    }
    json_int(&j, "samples", (long)r->rows);
    json_int(&j, "certified", (long)r->n_certified);
    json_int(&j, "failed", (long)r->failed);
    double worst = 0;
    for (size_t i = 0; i < r->rows; i++)
        worst = isnan(r->residual[i]) || r->residual[i] <= worst ? worst : r->residual[i];
    json_num(&j, "max_residual", r->random ? NAN : worst);
    if (!r->rejection && r->m == r->n) {
        json_int(&j, "found", (long)r->found);
        json_arr_begin(&j, "roots");
        for (size_t i = 0; i < r->rows; i++)
            json_vec(&j, NULL, r->x + i * r->n, r->n);
        json_arr_end(&j);
    } else {
        json_vec(&j, "mean", r->mean, r->n);
        json_vec(&j, "sd", r->sd, r->n);
        json_obj_begin(&j, "clusters");
        json_int(&j, "count", (long)r->k);
        json_num(&j, "silhouette", r->silhouette);
        json_arr_begin(&j, "centroid");
        for (size_t c = 0; c < r->k; c++)
            json_vec(&j, NULL, r->centroid[c], r->n);
        json_arr_end(&j);
        json_arr_begin(&j, "size");
        for (size_t c = 0; c < r->k; c++)
            json_int(&j, NULL, (long)r->count[c]);
        json_arr_end(&j);
        json_obj_end(&j);
    }
    json_num(&j, "seconds", r->seconds);
    json_end(&j);
}

static int write_csv(const char *out, const char *where, const reference *r)
{
    char names[PROBLEM_MAX_X][24];
    const char *nm[PROBLEM_MAX_X];
    innx_err err;
    for (size_t j = 0; j < r->n; j++) {
        snprintf(names[j], sizeof names[j], "x%zu", j + 1);
        nm[j] = names[j];
    }
    if (dataset_write_csv(out, nm, r->n, r->x, r->rows, NULL, SAFEFILE_REPLACE, &err) != 0)
        return cli_error(CLI_EXIT_FAIL, where, "%s", err.msg);
    return 0;
}

int cmd_roots_problem(int argc, char **argv)
{
    char where[WHERE_LEN];
    snprintf(where, sizeof where, "roots %s", argv[1]);
    problem p;
    innx_err err;
    if (cli_load_problem(argv[1], &p, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    const char *ys_arg = NULL, *out = NULL;
    long starts = 1000, samples = 1000, draws = 0, seed = -1;
    int json = 0, reject = 0;
    double eps = NAN;
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--json")) {
            json = 1;
            continue;
        }
        if (strncmp(s, "--", 2) != 0)
            return cli_error(CLI_EXIT_USAGE, where, "unexpected argument '%s'", s);
        if (strcmp(s, "--y") && strcmp(s, "--starts") && strcmp(s, "--seed") && strcmp(s, "--out") &&
            strcmp(s, "--reject") && strcmp(s, "--samples") && strcmp(s, "--draws"))
            return cli_error(CLI_EXIT_USAGE, where, "unknown option '%s' (innx roots --help)", s);
        if (i + 1 >= argc)
            return cli_error(CLI_EXIT_USAGE, where, "%s needs a value", s);
        const char *v = argv[++i];
        if (!strcmp(s, "--y")) {
            ys_arg = v;
        } else if (!strcmp(s, "--out")) {
            out = v;
        } else if (!strcmp(s, "--starts")) {
            if (parse_count(where, s, v, 1, 100000000, &starts))
                return CLI_EXIT_USAGE;
        } else if (!strcmp(s, "--samples")) {
            if (parse_count(where, s, v, 1, 10000000, &samples))
                return CLI_EXIT_USAGE;
        } else if (!strcmp(s, "--draws")) {
            if (parse_count(where, s, v, 1, 1000000000000L, &draws))
                return CLI_EXIT_USAGE;
        } else if (!strcmp(s, "--seed")) {
            if (parse_count(where, s, v, 0, 4294967295L, &seed))
                return CLI_EXIT_USAGE;
        } else {   /* --reject EPS */
            char *end;
            errno = 0;
            eps = strtod(v, &end);
            if (errno || end == v || *end || !isfinite(eps) || eps <= 0)
                return cli_error(CLI_EXIT_USAGE, where,
                                 "--reject: '%s' is not a radius > 0 (keep prior draws with ||F(x) - y*|| < EPS)", v);
            reject = 1;
        }
    }
    if (problem_validate(&p, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    size_t m = p.y_dim ? p.y_dim : 1;
    double ys[PROBLEM_MAX_Y + 1];
    if (ys_arg) {
        size_t k;
        if (cli_parse_ys(where, ys_arg, ys, PROBLEM_MAX_Y + 1, &k) != 0)
            return CLI_EXIT_USAGE;
        if (k != m)
            return cli_error(CLI_EXIT_USAGE, where, "--y: %zu value%s for y in R^%zu; give %zu (Y1,...,Y%zu)", k,
                             k == 1 ? "" : "s", m, m, m);
    } else {
        memcpy(ys, p.y_target, m * sizeof *ys);
        if (!p.y_dim)
            ys[0] = p.y_star;
    }
    if (out && dataset_check_writable(out, NULL, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    reference_opts o = {(size_t)starts, reject, eps, (size_t)samples, (size_t)draws,
                        seed >= 0 ? (unsigned long)seed : p.seed};
    reference r;
    int st = reference_compute(&p, ys, &o, &r, &err);
    if (st != 0)
        return cli_error(st == INNX_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL, where, "%s", err.msg);
    if (json)
        print_json(&r, &p, o.seed);
    else
        print_text(&r, &p);
    st = CLI_EXIT_OK;
    if (r.rejection && r.kept < (size_t)samples)
        fprintf(stderr, "innx: %s: kept %zu of the %ld samples asked in %zu draws (a larger --reject or --draws)\n",
                where, r.kept, samples, r.tried);
    if (out && (st = write_csv(out, where, &r)) == CLI_EXIT_OK && !json)
        printf("wrote %zu rows (x1..x%zu) to %s\n", r.rows, r.n, out);
    reference_free(&r);
    return st;
}
