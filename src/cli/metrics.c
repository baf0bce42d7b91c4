/* metrics.c: `train --metrics FILE.csv`: every step's unweighted terms, total
 * and lr as CSV, streamed into FILE.tmp.XXXXXX beside FILE, fsync'd, renamed. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "cli.h"
#include "innx/safefile.h"
#include "innx/session.h"

struct cli_metrics {
    safefile sf;
    long rows;
    int err_no;       /* the first write error; rows stop after it */
};

/* the same path, or the same file under another name */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || !*b)
        return 0;
    if (!strcmp(a, b))
        return 1;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cli_metrics_check(cli_opts *o, const char *where, int bench, const char *problem_file,
                      const problem *p)
{
    innx_err err;
    if (!o->metrics)
        return 0;
    if (bench)
        return cli_error(CLI_EXIT_USAGE, where, "--metrics is for train, not bench");
    if (o->range)
        return cli_error(CLI_EXIT_USAGE, where, "--metrics does not go with --range (two runs)");
    /* FILE may be replaced (the user named it), but never an input or
     * another output of the run */
    size_t n = problem_file ? strlen(problem_file) : 0;
    const struct {
        const char *path, *what;
    } other[] = {
        {n > 4 && !strcmp(problem_file + n - 4, ".inn") ? problem_file : NULL, "the input file"},
        {o->data, "the input file"},
        {p && p->batch == PROBLEM_BATCH_TABLE ? p->table : NULL, "the input file"},
        {o->resume, "the --resume checkpoint"},
        {o->out, "the --out file"},
        {o->save, "the --save checkpoint"},
    };
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        if (same_file(o->metrics, other[i].path))
            return cli_error(CLI_EXIT_USAGE, where, "--metrics %s: refusing to write over %s %s",
                             o->metrics, other[i].what, other[i].path);
    if (dataset_check_writable(o->metrics, NULL, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "--metrics %s", err.msg);
    return 0;
}

/* libcsv trims unquoted blanks and splits on commas, quotes and line ends */
static int put_name(FILE *f, const char *s)
{
    size_t len = strlen(s);
    int quote = len && (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[len - 1] == ' ');
    return quote ? csv_fwrite(f, s, len) : (fputs(s, f) == EOF ? -1 : 0);
}

cli_metrics *cli_metrics_open(const char *path, const char *where)
{
    innx_err err;
    cli_metrics *m = calloc(1, sizeof *m);
    if (!m) {
        cli_error(CLI_EXIT_FAIL, where, "--metrics %s: out of memory", path);
        return NULL;
    }
    if (safefile_open(&m->sf, path, &err) != 0) {
        cli_error(CLI_EXIT_USAGE, where, "--metrics %s", err.msg);
        free(m);
        return NULL;
    }
    FILE *f = m->sf.f;
    int bad = put_name(f, "step") || putc(',', f) == EOF || put_name(f, "stage") || putc(',', f) == EOF ||
              put_name(f, "lr") || putc(',', f) == EOF || put_name(f, "total");
    for (int k = 0; k < TERM_N && !bad; k++)
        bad = putc(',', f) == EOF || put_name(f, problem_term_name((problem_term)k));
    if (bad || putc('\n', f) == EOF)
        m->err_no = errno ? errno : EIO;
    return m;
}

/* The session thread's hook: one row a step. A term the stage does not
 * build is an empty cell; a rolled-back step has the values it measured. */
int cli_metrics_row(const trainer *t, const session_step_info *in, void *ctx)
{
    cli_metrics *m = ctx;
    if (m->err_no)
        return -1;
    FILE *f = m->sf.f;
    int bad = fprintf(f, "%ld,%zu,%.17g,%.17g", in->step, in->stage + 1, in->lr, trainer_loss(t)) < 0;
    for (int k = 0; k < TERM_N && !bad; k++) {
        double v = trainer_term(t, (problem_term)k);
        bad = isnan(v) ? putc(',', f) == EOF : fprintf(f, ",%.17g", v) < 0;
    }
    if (bad || putc('\n', f) == EOF) {
        m->err_no = errno ? errno : EIO;
        return -1;
    }
    m->rows++;
    return 0;
}

int cli_metrics_close(cli_metrics *m, int keep, const char *where)
{
    if (!m)
        return 0;
    int rc = 0;
    innx_err err;
    if (!keep) {
        safefile_abort(&m->sf);
    } else if (m->err_no) {
        rc = cli_error(CLI_EXIT_FAIL, where, "--metrics %s: write failed: %s", m->sf.path, strerror(m->err_no));
        safefile_abort(&m->sf);
    } else if (safefile_commit(&m->sf, SAFEFILE_REPLACE, &err) != 0) {
        rc = cli_error(CLI_EXIT_FAIL, where, "--metrics %s", err.msg);
    }
    free(m);
    return rc;
}
