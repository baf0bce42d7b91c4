/* case_spend.c: `innx train spend`, `innx bench spend` and `innx gen-spend`:
 * the article's data case on data/spend.csv (or any CSV of that shape). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "innx/dataset.h"
#include "innx/spend.h"

#define SPEND_GEN_SEED 1        /* data/spend.csv = innx gen-spend --seed 1 */
#define SPEND_LOG_FORWARD 400
#define SPEND_LOG_INVERSE 500
#define SPEND_JOINT_STEPS 500   /* --joint: this many steps at lr 1e-4 */

/* The recipe's plausible ranges of the article's three traits; other
 * columns get the range seen in the data. */
static const struct { const char *name; double lo, hi; } known_box[] = {
    {"age", 18, 93}, {"education", 1, 10}, {"income", 0, 300000}};

/* The table a run works on: x (n x d) and y (n), with names and box. */
typedef struct table {
    size_t n, d;
    double *x, *y, *lo, *hi;
    char **names;            /* d trait names then y's */
    size_t n_names, dropped;
    const char *source;
} table;

static void table_free(table *t)
{
    free(t->x);
    free(t->y);
    free(t->lo);
    free(t->hi);
    dataset_free_names(t->names, t->n_names);
}

static int load_table(const cli_opts *o, const char *where, table *t)
{
    innx_err err;
    memset(t, 0, sizeof *t);
    if (!o->data && (o->x_cols || o->y_col || o->drop_bad_rows))
        return cli_error(CLI_EXIT_USAGE, where, "--x, --y and --drop-bad-rows need --data FILE.csv");
    char **xn = NULL;
    size_t d = 0;
    if (dataset_split_names(o->x_cols ? o->x_cols : "age,education,income", &xn, &d, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "--x: %s", err.msg);
    t->names = realloc(xn, (d + 1) * sizeof *xn);
    if (!t->names) {
        dataset_free_names(xn, d);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    t->names[d] = strdup(o->y_col ? o->y_col : "spend");
    t->n_names = d + 1;
    t->d = d;
    if (!t->names[d]) {
        table_free(t);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    double *v;
    if (o->data) {
        dataset *ds = dataset_read_csv(o->data, (const char *const *)t->names, d + 1,
                                       o->drop_bad_rows, &err);
        if (!ds) {
            table_free(t);
            return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
        }
        t->n = ds->rows;
        t->dropped = ds->dropped;
        v = ds->v;
        ds->v = NULL;
        dataset_free(ds);
        t->source = o->data;
    } else {
        /* The built-in table is the generator's output, equal to the
         * shipped data/spend.csv (a test checks), so no path is needed. */
        t->n = SPEND_ROWS;
        v = malloc(t->n * SPEND_COLS * sizeof *v);
        if (!v || spend_generate(t->n, SPEND_GEN_SEED, v, &err) != 0) {
            free(v);
            table_free(t);
            return cli_error(CLI_EXIT_FAIL, where, "built-in table: %s", v ? err.msg : "out of memory");
        }
        t->source = "built-in (= data/spend.csv)";
    }
    t->x = malloc(t->n * d * sizeof *t->x);
    t->y = malloc(t->n * sizeof *t->y);
    t->lo = malloc(d * sizeof *t->lo);
    t->hi = malloc(d * sizeof *t->hi);
    if (!t->x || !t->y || !t->lo || !t->hi) {
        free(v);
        table_free(t);
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    }
    for (size_t i = 0; i < t->n; i++) {
        memcpy(t->x + i * d, v + i * (d + 1), d * sizeof *v);
        t->y[i] = v[i * (d + 1) + d];
    }
    free(v);
    for (size_t j = 0; j < d; j++) {
        t->lo[j] = INFINITY;
        t->hi[j] = -INFINITY;
        for (size_t i = 0; i < t->n; i++) {
            t->lo[j] = fmin(t->lo[j], t->x[i * d + j]);
            t->hi[j] = fmax(t->hi[j], t->x[i * d + j]);
        }
        for (size_t b = 0; b < sizeof known_box / sizeof *known_box; b++)
            if (!strcmp(t->names[j], known_box[b].name)) {
                t->lo[j] = known_box[b].lo;
                t->hi[j] = known_box[b].hi;
            }
    }
    return 0;
}

/* The recipe with the options applied; model specs sized to d traits. */
static spend_conf conf_for(const cli_opts *o, size_t d, char *fwd, char *inv, size_t len)
{
    spend_conf c = spend_conf_default();
    snprintf(fwd, len, "mlp:%zu-64-64-1/relu", d);
    snprintf(inv, len, "mlp:1-64-64-%zu/tanh", d);
    c.forward_model = fwd;
    c.inverse_model = inv;
    if (o->seed >= 0)
        c.seed = (unsigned long)o->seed;
    if (o->steps > 0) {
        c.steps_forward = o->steps;
        c.steps_inverse = 2 * o->steps;   /* the recipe's 2000 : 4000 */
    }
    if (o->joint)
        c.steps_joint = SPEND_JOINT_STEPS;
    c.threads = o->threads;
    return c;
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

static void print_report(const spend_report *r, const table *t)
{
    size_t d = t->d;
    printf("segments: k-means (k = %zu) on the test part in scaled units, means in original units\n",
           r->k);
    printf("  %-*s | real traits\n", (int)(10 + 12 * d), "predicted from spend");
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
static int write_out(const cli_opts *o, const spend_report *r, const table *t, innx_err *err)
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
    st = dataset_write_csv(o->out, (const char *const *)names, cols, v, n, o->data, err);
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

int case_spend_train(const cli_opts *o)
{
    const char *name = "train spend";
    table t;
    int rc = load_table(o, name, &t);
    if (rc)
        return rc;
    char fwd[64], inv[64];
    spend_conf c = conf_for(o, t.d, fwd, inv, sizeof fwd);
    innx_err err;
    /* A bad --out is found now, not after the training. */
    if (o->out && dataset_check_writable(o->out, o->data, &err) != 0) {
        table_free(&t);
        return cli_error(CLI_EXIT_USAGE, name, "--out: %s", err.msg);
    }
    int text = !o->json && !o->quiet;
    double t0 = cli_now();
    spend_task *task = spend_alloc(&c, t.x, t.y, t.n, t.d, t.lo, t.hi, &err);
    if (!task) {
        table_free(&t);
        return cli_error(CLI_EXIT_USAGE, name, "%s", err.msg);
    }
    if (text) {
        printf("%s: data %s, %zu rows", name, t.source, t.n);
        if (t.dropped)
            printf(" (%zu bad rows dropped)", t.dropped);
        printf("; x = ");
        for (size_t j = 0; j < t.d; j++)
            printf("%s%s", j ? "," : "", t.names[j]);
        printf(", y = %s\n", t.names[t.d]);
        printf("split %zu train / %zu test (seed %lu); F %s, %ld steps; G %s, %ld steps%s\n",
               spend_n_train(task), t.n - spend_n_train(task), c.seed, c.forward_model,
               c.steps_forward, c.inverse_model, c.steps_inverse,
               c.steps_joint ? " + joint fine-tune" : "");
    } else if (t.dropped && !o->json) {
        fprintf(stderr, "innx: %s: %zu bad rows dropped\n", name, t.dropped);
    }
    double loss = NAN, tf0 = cli_now();
    for (long s = 0; s < c.steps_forward; s++) {
        loss = spend_step_forward(task);
        if (!isfinite(loss)) {
            rc = cli_error(CLI_EXIT_FAIL, name, "forward fit: loss became %g at step %ld", loss, s);
            goto out;
        }
        if (text && s % SPEND_LOG_FORWARD == 0) {
            cli_progress(o, name, -1, 0, 0);
            printf("forward step %5ld  mse %.6e\n", s, loss);
        }
        if (s % 50 == 0)
            cli_progress(o, "forward", s, c.steps_forward, loss);
    }
    double secs_f = cli_now() - tf0, terms[3] = {NAN, NAN, NAN}, tg0 = cli_now();
    cli_progress(o, name, -1, 0, 0);
    for (long s = 0; s < c.steps_inverse; s++) {
        loss = spend_step_inverse(task, terms);
        if (!isfinite(loss)) {
            rc = cli_error(CLI_EXIT_FAIL, name, "inverse fit: loss became %g at step %ld", loss, s);
            goto out;
        }
        if (text && s % SPEND_LOG_INVERSE == 0) {
            cli_progress(o, name, -1, 0, 0);
            printf("inverse step %5ld  loss %.6e  recon %.4e  cycle %.4e  box %.3e\n", s, loss,
                   terms[0], terms[1], terms[2]);
        }
        if (s % 50 == 0)
            cli_progress(o, "inverse", s, c.steps_inverse, loss);
    }
    double secs_g = cli_now() - tg0;
    for (long s = 0; s < c.steps_joint; s++) {
        loss = spend_step_joint(task, &err);
        if (!isfinite(loss)) {
            rc = cli_error(CLI_EXIT_FAIL, name, "joint fine-tune: %s",
                           isnan(loss) && err.msg[0] ? err.msg : "loss diverged");
            goto out;
        }
    }
    cli_progress(o, name, -1, 0, 0);
    spend_report r;
    if (spend_evaluate(task, &r, &err) != 0) {
        rc = cli_error(CLI_EXIT_FAIL, name, "%s", err.msg);
        goto out;
    }
    double secs = cli_now() - t0;
    if (o->out && write_out(o, &r, &t, &err) != 0) {
        spend_report_free(&r);
        rc = cli_error(CLI_EXIT_FAIL, name, "--out: %s", err.msg);
        goto out;
    }
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "case", "spend");
        json_str(&j, "data", t.source);
        json_int(&j, "rows", (long)t.n);
        json_int(&j, "dropped", (long)t.dropped);
        json_int(&j, "seed", (long)c.seed);
        json_int(&j, "steps_forward", c.steps_forward);
        json_int(&j, "steps_inverse", c.steps_inverse);
        json_int(&j, "steps_joint", c.steps_joint);
        json_num(&j, "seconds", secs);
        json_num(&j, "ms_per_step_forward", 1e3 * secs_f / (double)c.steps_forward);
        json_num(&j, "ms_per_step_inverse", 1e3 * secs_g / (double)c.steps_inverse);
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
        printf("forward: %ld steps in %.2f s (%.3f ms/step); R^2 on the test part = %.4f\n",
               c.steps_forward, secs_f, 1e3 * secs_f / (double)c.steps_forward, r.r2);
        printf("inverse: %ld steps in %.2f s (%.3f ms/step); test RMSE (scaled): traits %.4f, "
               "cycle F(G(y)) %.4f\n",
               c.steps_inverse, secs_g, 1e3 * secs_g / (double)c.steps_inverse, r.inverse_rmse,
               r.cycle_rmse);
        print_report(&r, &t);
        if (o->out)
            printf("wrote %zu rows to %s\n", r.n_test, o->out);
    }
    spend_report_free(&r);
out:
    spend_free(task);
    table_free(&t);
    return rc;
}

static double time_steps(spend_task *task, int inverse, long reps, double *ms)
{
    for (int w = 0; w < 5; w++)
        inverse ? spend_step_inverse(task, NULL) : spend_step_forward(task);
    for (long i = 0; i < reps; i++) {
        double a = cli_now();
        inverse ? spend_step_inverse(task, NULL) : spend_step_forward(task);
        ms[i] = 1e3 * (cli_now() - a);
    }
    return cli_median(ms, (size_t)reps);
}

int case_spend_bench(const cli_opts *o)
{
    const char *name = "bench spend";
    table t;
    int rc = load_table(o, name, &t);
    if (rc)
        return rc;
    char fwd[64], inv[64];
    spend_conf c = conf_for(o, t.d, fwd, inv, sizeof fwd);
    long reps = o->repeats > 0 ? o->repeats : (o->steps > 0 ? o->steps : 200);
    innx_err err;
    spend_task *task = spend_alloc(&c, t.x, t.y, t.n, t.d, t.lo, t.hi, &err);
    double *ms = malloc((size_t)reps * sizeof *ms);
    if (!task || !ms) {
        free(ms);
        spend_free(task);
        table_free(&t);
        return task ? cli_error(CLI_EXIT_FAIL, name, "out of memory")
                    : cli_error(CLI_EXIT_USAGE, name, "%s", err.msg);
    }
    if (o->profile && spend_profile(task, 1) != 0) {
        free(ms);
        spend_free(task);
        table_free(&t);
        return cli_error(CLI_EXIT_FAIL, name, "out of memory");
    }
    double mf = time_steps(task, 0, reps, ms);
    double mg = time_steps(task, 1, reps, ms);
    double gf = spend_flops_forward(task) / (mf * 1e-3) / 1e9;
    double gg = spend_flops_inverse(task) / (mg * 1e-3) / 1e9;
    size_t ntr = spend_n_train(task);
    if (o->profile)
        spend_profile_print(task, stderr);
    free(ms);
    spend_free(task);
    if (o->json) {
        json_out j;
        json_begin(&j, stdout);
        json_str(&j, "workload", "spend");
        json_str(&j, "data", t.source);
        json_int(&j, "batch", (long)ntr);
        json_int(&j, "steps", reps);
        json_num(&j, "ms_per_step_forward", mf);
        json_num(&j, "ms_per_step_inverse", mg);
        json_num(&j, "gflops_forward", gf);
        json_num(&j, "gflops_inverse", gg);
        json_end(&j);
    } else {
        printf("%s: batch %zu, %ld steps each\n", name, ntr, reps);
        printf("forward fit (%s): median %.3f ms/step, %.2f GFLOP/s\n", c.forward_model, mf, gf);
        printf("inverse fit (%s, F frozen): median %.3f ms/step, %.2f GFLOP/s\n", c.inverse_model,
               mg, gg);
    }
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
        rc = dataset_write_csv(o.out, spend_columns, SPEND_COLS, v, n, NULL, &err);
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
