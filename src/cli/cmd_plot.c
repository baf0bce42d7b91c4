/* cmd_plot.c: figures on the command line: `train --figures DIR` at the end
 * of a run, and `innx plot CHECKPOINT` from a saved one, through the session. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "innx/checkpoint.h"
#include "innx/trainer_ckpt.h"
#include "innx/figure.h"
#include "innx/session.h"

int cli_figures_check(const cli_opts *o, const char *where)
{
    if (!o->figures)
        return 0;
    struct stat st;
    /* refused before training: a long run should not end in "no such directory" */
    if (stat(o->figures, &st) != 0 || !S_ISDIR(st.st_mode))
        return cli_error(CLI_EXIT_USAGE, where, "--figures: '%s' is not a directory", o->figures);
    if (access(o->figures, W_OK | X_OK) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "--figures: '%s' is not writable", o->figures);
    return 0;
}

static void nap(void)
{
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* A paused session on t takes one snapshot with the report (its first
 * publication computes the latent map, the clusters and the data view),
 * then answers y* once so the f(x) figure carries certified roots as the
 * explorer's does after `y`. t comes back in *t (NULL if the session
 * could not start: it freed it). */
static int snapshot_of(trainer **t, session_snapshot *snap, innx_err *err)
{
    session *s = session_start_trainer(*t, SESSION_START_PAUSED, 0, err);
    *t = NULL;
    if (!s)
        return INNX_EFAIL;
    session_snapshot_copy(s, snap);
    /* a table's G answers with traits, not roots: its panes show no query */
    if (snap->has_formula && !snap->has_data) {
        session_query(s, snap->has_report ? snap->report.y : snap->y_star);
        for (int i = 0; i < 6000; i++) {   /* a minute at most: a query takes milliseconds */
            session_snapshot_copy(s, snap);
            if (snap->query_id > 0)
                break;
            nap();
        }
    }
    *t = session_detach(s);
    return 0;
}

int cli_figures_write(const cli_opts *o, const char *where, trainer **t)
{
    if (!o->figures)
        return 0;
    session_snapshot *snap = malloc(sizeof *snap);
    innx_err err;
    if (!snap)
        return cli_error(CLI_EXIT_FAIL, where, "out of memory");
    if (snapshot_of(t, snap, &err) != 0) {
        free(snap);
        return cli_error(CLI_EXIT_FAIL, where, "--figures: %s", err.msg);
    }
    unsigned formats = o->figure_formats ? o->figure_formats : FIGURE_DEFAULT_FORMATS;
    int rc = 0;
    for (int p = 0; p < FIGURE_PANE_N; p++) {
        char written[4 * 4400];
        int st = figure_write_pane(snap, p, o->figures, formats, written, sizeof written, &err);
        if (st == INNX_EINVAL) {
            /* a pane with nothing to show (no latent map for sinc's
             * table...) is said, not fatal */
            if (!o->json)
                fprintf(stderr, "innx: %s: no %s figure: %s\n", where, figure_pane_name(p), err.msg);
            continue;
        }
        if (st != 0) {
            rc = cli_error(CLI_EXIT_FAIL, where, "--figures: %s", err.msg);
            break;
        }
        if (!o->json && !o->quiet)
            printf("figure %s: %s\n", figure_pane_name(p), written);
    }
    free(snap);
    return rc;
}

/* ---- innx plot ------------------------------------------------------------ */

int cmd_plot(int argc, char **argv)
{
    const char *where = "plot";
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: innx plot CHECKPOINT.safetensors [--figures DIR] [--figure-formats svg,png,pdf] [--quiet]\n"
               "every pane of a saved run as a figure (default: SVG and PNG in .)\n");
        return CLI_EXIT_OK;
    }
    if (argc < 2 || argv[1][0] == '-')
        return cli_error(CLI_EXIT_USAGE, where, "usage: innx plot CHECKPOINT.safetensors [--figures DIR] "
                                                "[--figure-formats svg,png,pdf]");
    const char *file = argv[1];
    cli_opts o;
    if (cli_parse_opts(where, argc, argv, 2, &o) != 0)
        return CLI_EXIT_USAGE;
    /* plot reads a run: a training option here would be ignored, so it is refused */
    if (o.steps > 0 || o.seed >= 0 || o.save || o.resume || o.metrics || o.stop_after || o.n_set || o.data ||
        o.model || o.json)
        return cli_error(CLI_EXIT_USAGE, where, "plot takes --figures DIR, --figure-formats LIST and --quiet");
    if (!o.figures)
        o.figures = ".";
    if (cli_figures_check(&o, where) != 0)
        return CLI_EXIT_USAGE;
    innx_err err;
    checkpoint *c = checkpoint_read(file, &err);
    if (!c)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    problem p;
    trainer *t = NULL;
    if (trainer_checkpoint_problem(c, &p, &err) == 0)
        t = trainer_load(c, &p, &err);
    checkpoint_free(c);
    if (!t)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    if (!o.quiet)
        printf("%s: %s at step %ld\n", file, p.name, trainer_steps(t));
    int rc = cli_figures_write(&o, where, &t);
    trainer_free(t);
    return rc;
}
