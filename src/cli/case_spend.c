/* case_spend.c: the report of a table problem (`innx train spend`) and
 * `innx gen-spend`: the article's data case on data/spend.csv or any CSV. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "innx/safefile.h"
#include "innx/dataset.h"
#include "innx/report_table.h"
#include "innx/spend.h"

#define SPEND_GEN_SEED 1        /* data/spend.csv = innx gen-spend --seed 1 */

/* The columns a run reads: d trait names, then y's. */
typedef struct table {
    size_t d;
    char **names;
    size_t n_names;
} table;

static void table_free(table *t) { dataset_free_names(t->names, t->n_names); }

static int table_names(const problem *p, const char *where, table *t)
{
    innx_err err;
    memset(t, 0, sizeof *t);
    char **xn = NULL;
    size_t d = 0;
    if (dataset_split_names(p->x_columns, &xn, &d, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "--x: %s", err.msg);
    t->names = realloc(xn, (d + 1) * sizeof *xn);
    if (!t->names) {
        dataset_free_names(xn, d);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    t->names[d] = strdup(p->y_column);
    t->n_names = d + 1;
    t->d = d;
    if (!t->names[d]) {
        table_free(t);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    return 0;
}

static void json_means(json_out *j, const char *key, const double *m, const size_t *count,
                       const table *t, size_t k)
{
    json_arr_begin(j, key);
    for (size_t s = 0; s < k; s++) {
        json_obj_begin(j, NULL);
        json_int(j, "count", (long)count[s]);
        for (size_t c = 0; c < t->d; c++)
            json_num(j, t->names[c], m[s * t->d + c]);
        json_obj_end(j);
    }
    json_arr_end(j);
}

static void print_report(const report_table *r, const table *t, const char *y_name)
{
    size_t d = t->d;
    printf("segments: k-means (k = %zu) on the test part in scaled units, means in original units\n",
           r->k);
    char head[96];
    snprintf(head, sizeof head, "predicted from %s", y_name);
    printf("  %-*s | real traits\n", (int)(10 + 12 * d), head);
    for (int side = 0; side < 2; side++) {
        printf("%s  seg  count", side ? " |" : "");
        for (size_t c = 0; c < d; c++)
            printf(" %11.11s", t->names[c]);
    }
    printf("\n");
    for (size_t s = 0; s < r->k; s++) {
        size_t m = r->match[s];
        printf("  %3zu  %5zu", s + 1, r->count_pred[s]);
        for (size_t c = 0; c < d; c++)
            printf(" %11.2f", r->seg_pred[s * d + c]);
        printf(" |  %3zu  %5zu", m + 1, r->count_real[m]);
        for (size_t c = 0; c < d; c++)
            printf(" %11.2f", r->seg_real[m * d + c]);
        printf("\n");
    }
    printf("silhouette: predicted %.3f, real %.3f\n", r->silhouette_pred, r->silhouette_real);
    if (d >= 2)
        printf("PCA of the real traits (scaled): PC1 %.1f%%, PC2 %.1f%% of the variance\n",
               100 * r->pca_explained[0], 100 * r->pca_explained[1]);
}

/* --out: the test part with both sets of traits and segments. */
static int write_out(const cli_opts *o, const report_table *r, const table *t, innx_err *err)
{
    size_t d = t->d, cols = 2 * d + 3, n = r->n_test;
    char **names = calloc(cols, sizeof *names);
    double *v = malloc(n * cols * sizeof *v);
    int st = INNX_ENOMEM;
    if (!names || !v)
        goto done;
    size_t c = 0;
    if (!(names[c++] = strdup(t->names[d])))
        goto done;
    for (size_t j = 0; j < d; j++) {
        size_t len = strlen(t->names[j]) + 6;
        if (!(names[c] = malloc(len)))
            goto done;
        snprintf(names[c++], len, "%s_pred", t->names[j]);
    }
    if (!(names[c++] = strdup("segment_pred")))
        goto done;
    for (size_t j = 0; j < d; j++)
        if (!(names[c++] = strdup(t->names[j])))
            goto done;
    if (!(names[c++] = strdup("segment_real")))
        goto done;
    for (size_t i = 0; i < n; i++) {
        double *row = v + i * cols;
        row[0] = r->y[i];
        for (size_t j = 0; j < d; j++) {
            row[1 + j] = r->x_pred[i * d + j];
            row[2 + d + j] = r->x_real[i * d + j];
        }
        /* Both numbered as the report's table: predicted segment s pairs
         * with real segment match[s]. */
        row[1 + d] = (double)(r->label_pred[i] + 1);
        row[2 + 2 * d] = (double)(r->label_real[i] + 1);
    }
    st = dataset_write_csv(o->out, (const char *const *)names, cols, v, n, o->data, SAFEFILE_REPLACE, err);
done:
    if (st == INNX_ENOMEM)
        innx_errf(err, st, "out of memory");
    if (names)
        for (size_t j = 0; j < cols; j++)
            free(names[j]);
    free(names);
    free(v);
    return st;
}

static long stage_steps(const problem *p, problem_stage_kind k)
{
    for (size_t i = 0; i < p->n_stages; i++)
        if (p->stages[i].kind == k)
            return p->stages[i].steps;
    return 0;
}

static void print_header(const char *where, const problem *p, const void *ctx)
{
    long sf = stage_steps(p, PROBLEM_STAGE_FORWARD), sg = stage_steps(p, PROBLEM_STAGE_INVERSE),
         sj = p->n_stages < 3 ? 0 : stage_steps(p, PROBLEM_STAGE_JOINT);
    printf("%s: data %s; x = %s, y = %s\n", where, p->table[0] ? p->table : "built-in (= data/spend.csv)",
           p->x_columns, p->y_column);
    printf("seed %lu; F %s, %ld steps; G %s, %ld steps; joint fine-tune %ld steps (lr %g)\n", p->seed,
           p->forward_model, sf, p->model, sg, sj, sj ? p->stages[2].lr : 0.0);
}

int case_spend_train(const cli_opts *o, problem *p)
{
    char name[80];
    snprintf(name, sizeof name, "train %s", p->name);
    table t;
    innx_err err;
    if (problem_validate(p, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, name, "%s", err.msg);
    int rc = table_names(p, name, &t);
    if (rc)
        return rc;
    const char *source = p->table[0] ? p->table : "built-in (= data/spend.csv)";
    /* A bad --out is found now, not after the training. */
    if (o->out && dataset_check_writable(o->out, o->data, &err) != 0) {
        table_free(&t);
        return cli_error(CLI_EXIT_USAGE, name, "--out: %s", err.msg);
    }
    int text = !o->json && !o->quiet;
    long sf = stage_steps(p, PROBLEM_STAGE_FORWARD), sg = stage_steps(p, PROBLEM_STAGE_INVERSE),
         sj = stage_steps(p, PROBLEM_STAGE_JOINT);
    if (p->n_stages < 3)
        sj = 0;
    double secs, ss[PROBLEM_MAX_STAGES];
    trainer *tr = cli_train_banner(o, name, p, text ? 1000 : 0, &secs, ss, text ? print_header : NULL, NULL);
    if (!tr) {
        table_free(&t);
        return CLI_EXIT_USAGE;
    }
    const trainer_data *td = trainer_get_data(tr);
    if (text) {
        printf("%zu rows", td->n);
        if (td->dropped)
            printf(" (%zu bad rows dropped)", td->dropped);
        printf(", split %zu train / %zu test\n", td->n_train, td->n_test);
    } else if (td->dropped && !o->json) {
        fprintf(stderr, "innx: %s: %zu bad rows dropped\n", name, td->dropped);
    }
    if (trainer_get_state(tr) == TRAINER_DIVERGED) {
        trainer_free(tr);
        table_free(&t);
        return cli_error(CLI_EXIT_FAIL, name, "training diverged");
    }
    report_table r;
    if (report_table_evaluate(tr, &r, &err) != 0) {
        trainer_free(tr);
        table_free(&t);
        return cli_error(CLI_EXIT_FAIL, name, "%s", err.msg);
    }
    size_t n = td->n, dropped = td->dropped;
    long steps = trainer_steps(tr), rollbacks = (long)trainer_n_rollbacks(tr);
    trainer_free(tr);
    if (o->out && write_out(o, &r, &t, &err) != 0) {
        report_table_free(&r);
        table_free(&t);
        return cli_error(CLI_EXIT_FAIL, name, "--out: %s", err.msg);
    }
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "case", "spend");
        json_str(&j, "problem", p->name);
        json_str(&j, "data", source);
        json_int(&j, "rows", (long)n);
        json_int(&j, "dropped", (long)dropped);
        json_int(&j, "seed", (long)p->seed);
        json_overrides(&j, o);
        json_int(&j, "steps_forward", sf);
        json_int(&j, "steps_inverse", sg);
        json_int(&j, "steps_joint", sj);
        json_int(&j, "steps", steps);
        json_int(&j, "rollbacks", rollbacks);
        json_num(&j, "seconds", secs);
        json_num(&j, "ms_per_step", 1e3 * secs / (double)(steps ? steps : 1));
        json_num(&j, "ms_per_step_forward", 1e3 * ss[0] / (double)(sf ? sf : 1));
        json_num(&j, "ms_per_step_inverse", 1e3 * ss[1] / (double)(sg ? sg : 1));
        json_num(&j, "r2", r.r2);
        json_num(&j, "inverse_rmse", r.inverse_rmse);
        json_num(&j, "cycle_rmse", r.cycle_rmse);
        json_means(&j, "segments_predicted", r.seg_pred, r.count_pred, &t, r.k);
        json_means(&j, "segments_real", r.seg_real, r.count_real, &t, r.k);
        json_arr_begin(&j, "segment_match");
        for (size_t s = 0; s < r.k; s++)
            json_arr_num(&j, (double)r.match[s]);
        json_arr_end(&j);
        json_num(&j, "silhouette_predicted", r.silhouette_pred);
        json_num(&j, "silhouette_real", r.silhouette_real);
        json_arr_begin(&j, "pca_explained");
        json_arr_num(&j, r.pca_explained[0]);
        json_arr_num(&j, r.pca_explained[1]);
        json_arr_end(&j);
        json_end(&j);
    } else {
        printf("trained %ld steps in %.2f s (forward %.3f, inverse %.3f ms/step)\n", steps, secs,
               1e3 * ss[0] / (double)(sf ? sf : 1), 1e3 * ss[1] / (double)(sg ? sg : 1));
        printf("R^2 of F on the test part = %.4f; test RMSE (scaled): traits %.4f, cycle F(G(y)) %.4f\n", r.r2,
               r.inverse_rmse, r.cycle_rmse);
        print_report(&r, &t, p->y_column[0] ? p->y_column : "y");
        if (o->out)
            printf("wrote %zu rows to %s\n", r.n_test, o->out);
    }
    report_table_free(&r);
    table_free(&t);
    return CLI_EXIT_OK;
}

int cmd_gen_spend(int argc, char **argv)
{
    const char *name = "gen-spend";
    cli_opts o;
    int rc = cli_parse_opts(name, argc, argv, 1, &o);
    if (rc)
        return rc;
    /* the shared parser knows train's options too: refuse them here */
    if (o.steps > 0 || o.json || o.threads || o.data || o.x_cols || o.y_col || o.drop_bad_rows || o.joint ||
        o.no_joint || o.repeats > 0 || o.model || o.range || o.no_box || o.constant_lr || o.profile || o.n_set)
        return cli_error(CLI_EXIT_USAGE, name, "takes only --seed, --rows, --out and --quiet");
    size_t n = o.rows > 0 ? (size_t)o.rows : SPEND_ROWS;
    unsigned long seed = o.seed >= 0 ? (unsigned long)o.seed : SPEND_GEN_SEED;
    double *v = malloc(n * SPEND_COLS * sizeof *v);
    innx_err err;
    if (!v)
        return cli_error(CLI_EXIT_FAIL, name, "out of memory");
    if (spend_generate(n, seed, v, &err) != 0) {
        free(v);
        return cli_error(CLI_EXIT_USAGE, name, "%s", err.msg);
    }
    if (o.out) {
        rc = dataset_write_csv(o.out, spend_columns, SPEND_COLS, v, n, NULL, SAFEFILE_REPLACE, &err);
        if (rc == 0 && !o.quiet)
            fprintf(stderr, "innx: %s: wrote %zu rows (seed %lu) to %s\n", name, n, seed, o.out);
    } else {
        printf("%s,%s,%s,%s\n", spend_columns[0], spend_columns[1], spend_columns[2], spend_columns[3]);
        for (size_t i = 0; i < n; i++)
            printf("%.10g,%.10g,%.10g,%.10g\n", v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]);
        rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : innx_errf(&err, INNX_EIO, "writing stdout failed");
    }
    free(v);
    return rc ? cli_error(CLI_EXIT_FAIL, name, "%s", err.msg) : CLI_EXIT_OK;
}
