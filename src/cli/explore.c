/* explore.c: `innx [PROBLEM | FILE.safetensors | --f 'FORMULA' --domain A:B] [--auto] [--ascii]
 * [--no-color] [--fps N]`: picks the problem and opens the explorer. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tui.h"

int cli_explore(int argc, char **argv)
{
    const char *where = "explorer", *name = PROBLEM_DEFAULT, *formula = NULL, *domain = NULL;
    tui_opts o = {0, 0, 10, 0, NULL};
    int autom = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--auto")) {
            autom = 1;
        } else if (!strcmp(a, "--ascii")) {
            o.ascii = 1;
        } else if (!strcmp(a, "--no-color")) {
            o.no_color = 1;
        } else if (!strcmp(a, "--fps") || !strcmp(a, "--f") || !strcmp(a, "--domain") ||
                   !strcmp(a, "--frames")) {
            if (i + 1 >= argc)
                return cli_error(CLI_EXIT_USAGE, where, "option '%s' needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--f")) {
                formula = v;
            } else if (!strcmp(a, "--domain")) {
                domain = v;
            } else {
                char *end;
                double x = strtod(v, &end);
                if (end == v || *end || !(x >= 1 && x <= 60))
                    return cli_error(CLI_EXIT_USAGE, where, "%s: '%s' is not a number in [1, 60]", a,
                                     v);
                if (!strcmp(a, "--fps"))
                    o.fps = x;
                else
                    o.max_frames = (long)x;
            }
        } else if (a[0] == '-') {
            return cli_error(CLI_EXIT_USAGE, where, "unknown option '%s' (see innx --help)", a);
        } else if (i == 1) {
            name = a;
        } else {
            return cli_error(CLI_EXIT_USAGE, where, "unexpected argument '%s'", a);
        }
    }
    problem p;
    innx_err err;
    if (cli_is_checkpoint_name(name)) {
        /* a saved run (the explorer's w, --save, an autosave): the session
         * goes on from its trainer, as train --resume does headless */
        if (formula || domain || autom)
            return cli_error(CLI_EXIT_USAGE, where, "%s is a saved run: no --f, --domain or --auto", name);
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))   /* before reading it: tui_run would not take it */
            return cli_error(CLI_EXIT_USAGE, where, "the explorer needs a terminal; innx query %s --y Y answers "
                             "from it headless", name);
        if (!(o.restored = cli_checkpoint_open(name, where, &p)))
            return CLI_EXIT_USAGE;
        return tui_run(&p, &o);
    }
    if (formula || domain) {
        double lo, hi;
        if (!formula || !domain)
            return cli_error(CLI_EXIT_USAGE, where, "--f FORMULA and --domain A:B go together");
        if (cli_parse_domain(domain, &lo, &hi) != 0)
            return cli_error(CLI_EXIT_USAGE, where, "--domain: '%s' is not A:B", domain);
        if (problem_from_formula(formula, lo, hi, &p, &err) != 0)
            return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    } else if (cli_load_problem(name, &p, &err) != 0) {
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    }
    /* the branch model on the problem's one x (a formula or a table's column) */
    if (autom && p.output != PROBLEM_OUT_BRANCH && problem_auto(&p, &err) != 0)
        return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
    return tui_run(&p, &o);
}
