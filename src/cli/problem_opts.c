/* problem_opts.c: a problem as the command line gives it: a built-in name
 * or a problem file loaded, then the options laid over it. Below run.c,
 * explore.c and cli_checkpoint.c, which all start a run from it; it calls
 * none of them. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "innx/problem_ini.h"

int cli_load_problem(const char *name, problem *p, innx_err *err)
{
    size_t n = strlen(name);
    if (n > 4 && !strcmp(name + n - 4, ".inn")) {
        /* a file overrides the default problem: a complete one (as
         * `innx problems --show` writes) sets everything */
        problem base;
        if (problem_builtin(PROBLEM_DEFAULT, &base, err) != 0 || problem_ini_load(name, &base, err) != 0)
            return INNX_EINVAL;
        *p = base;
        return 0;
    }
    return problem_builtin(name, p, err);
}

int cli_apply_opts(const cli_opts *o, const char *where, problem *p)
{
    innx_err err;
    /* the domain and the model first: the options below adjust them */
    if (o->domain) {
        double a, b;
        if (cli_parse_domain(o->domain, &a, &b) != 0 || !(a < b))
            return cli_error(CLI_EXIT_USAGE, where, "--domain: '%s' is not A:B with A < B", o->domain);
        if (!p->formula[0] || p->x_dim != 1)
            return cli_error(CLI_EXIT_USAGE, where, "--domain: for a formula in one variable");
        p->x_lo[0] = a;
        p->x_hi[0] = b;
    }
    /* a table's columns before --auto (which needs its one x) */
    int vec = problem_is_vector(p);
    if (!problem_has_table(p) && (o->data || o->x_cols || o->drop_bad_rows || (o->out && !vec) || o->no_joint))
        return cli_error(CLI_EXIT_USAGE, where,
                         "--data, --x, --drop-bad-rows and --no-joint are for table problems, --out for tables and vector problems");
    if (o->samples > 0 && !vec)
        return cli_error(CLI_EXIT_USAGE, where, "--samples: for a vector problem (its answers per y*)");
    if (problem_has_table(p)) {
        /* (a vector table's --y is y*: its columns are data.y_column's) */
        if (!o->data && (o->x_cols || (o->y_col && !vec) || o->drop_bad_rows))
            return cli_error(CLI_EXIT_USAGE, where, "--x, --y and --drop-bad-rows need --data FILE.csv");
        if (o->data)
            snprintf(p->table, sizeof p->table, "%s", o->data);
        p->drop_bad_rows = o->drop_bad_rows;
        if (o->y_col && !vec)
            snprintf(p->y_column, sizeof p->y_column, "%s", o->y_col);
        if (o->no_joint && p->n_stages == 3)
            p->n_stages = 2;
        if (o->x_cols) {
            char **names;
            size_t d;
            if (dataset_split_names(o->x_cols, &names, &d, &err) != 0)
                return cli_error(CLI_EXIT_USAGE, where, "--x: %s", err.msg);
            if (d > PROBLEM_MAX_X) {
                dataset_free_names(names, d);
                return cli_error(CLI_EXIT_USAGE, where, "--x: at most %d columns", PROBLEM_MAX_X);
            }
            /* a column the problem already names keeps its range (spend's
             * plausible age, education and income); others take the range
             * seen in the data */
            char **old = NULL;
            size_t n_old = 0;
            double lo[PROBLEM_MAX_X], hi[PROBLEM_MAX_X];
            memcpy(lo, p->x_lo, sizeof lo);
            memcpy(hi, p->x_hi, sizeof hi);
            if (p->x_columns[0] && dataset_split_names(p->x_columns, &old, &n_old, &err) != 0)
                n_old = 0;
            snprintf(p->x_columns, sizeof p->x_columns, "%s", o->x_cols);
            char model[sizeof p->model];
            strcpy(model, p->model);
            if (problem_set_x_dim(p, d, &err) != 0) {
                dataset_free_names(old, n_old);
                dataset_free_names(names, d);
                return cli_error(CLI_EXIT_USAGE, where, "--x: %s", err.msg);
            }
            if (o->model)   /* the user's own, checked as given */
                strcpy(p->model, model);
            for (size_t j = 0; j < d; j++)
                for (size_t b = 0; b < n_old && b < PROBLEM_MAX_X; b++)
                    if (!strcmp(names[j], old[b])) {
                        p->x_lo[j] = lo[b];
                        p->x_hi[j] = hi[b];
                    }
            dataset_free_names(old, n_old);
            dataset_free_names(names, d);
        }
    }
    if (o->autom && problem_auto(p, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    if (o->seed >= 0)
        p->seed = (unsigned long)o->seed;
    if (o->threads > 0)
        p->threads = o->threads;
    if (o->steps > 0) {
        if (problem_has_table(p)) {
            /* the recipe's forward : inverse = 1 : 2 */
            for (size_t i = 0; i < p->n_stages; i++)
                if (p->stages[i].kind == PROBLEM_STAGE_FORWARD)
                    p->stages[i].steps = o->steps;
                else if (p->stages[i].kind == PROBLEM_STAGE_INVERSE)
                    p->stages[i].steps = 2 * o->steps;
        } else {
            for (size_t i = 0; i < p->n_stages; i++)
                p->stages[i].steps = o->steps;
        }
    }
    if (o->model)
        snprintf(p->model, sizeof p->model, "%s", o->model);
    if (o->no_box)
        p->lambda[TERM_BOX] = 0;
    if (o->constant_lr)
        for (size_t i = 0; i < p->n_stages; i++)
            p->stages[i].schedule = PROBLEM_LR_CONSTANT;
    /* --set last: it overrides everything, as a problem file would */
    for (size_t i = 0; i < o->n_set; i++)
        if (problem_ini_set(p, o->set[i], &err) != 0)
            return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    return 0;
}
