/* opts.c: the options `train` and `bench` share, parsed once for every case
 * so that each case reads a filled cli_opts instead of argv. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "innx/figure.h"

enum { OPT_STEPS = 256, OPT_SEED, OPT_JSON, OPT_QUIET, OPT_THREADS, OPT_DATA, OPT_X, OPT_Y, OPT_AUTO, OPT_DOMAIN,
       OPT_OUT, OPT_DROP, OPT_JOINT, OPT_REPEATS, OPT_MODEL, OPT_RANGE, OPT_NO_BOX,
       OPT_ROWS, OPT_SAMPLES, OPT_PROFILE, OPT_CONSTANT_LR, OPT_NO_JOINT, OPT_SET,
       OPT_SAVE, OPT_STOP_AFTER, OPT_RESUME };
enum { OPT_METRICS = 512 };   /* -- metrics -- */
enum { OPT_FIGURES = 640, OPT_FIGURE_FORMATS };   /* -- figures -- */

static int parse_long(const char *cmd, const char *name, const char *s, long lo, long hi, long *v)
{
    errno = 0;
    char *end;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi)
        return cli_error(CLI_EXIT_USAGE, cmd, "--%s: '%s' is not an integer in [%ld, %ld]",
                         name, s, lo, hi);
    *v = x;
    return 0;
}

/* The table in one place: cli_parse_opts and cli_first_operand read it. */
static const struct option *opts_table(void)
{
    static const struct option longopts[] = {
        {"steps", required_argument, 0, OPT_STEPS},
        {"seed", required_argument, 0, OPT_SEED},
        {"json", no_argument, 0, OPT_JSON},
        {"quiet", no_argument, 0, OPT_QUIET},
        {"threads", required_argument, 0, OPT_THREADS},
        {"data", required_argument, 0, OPT_DATA},
        {"x", required_argument, 0, OPT_X},
        {"y", required_argument, 0, OPT_Y},
        {"auto", no_argument, 0, OPT_AUTO},
        {"domain", required_argument, 0, OPT_DOMAIN},
        {"out", required_argument, 0, OPT_OUT},
        {"drop-bad-rows", no_argument, 0, OPT_DROP},
        {"joint", no_argument, 0, OPT_JOINT},
        {"no-joint", no_argument, 0, OPT_NO_JOINT},
        {"set", required_argument, 0, OPT_SET},
        {"repeats", required_argument, 0, OPT_REPEATS},
        {"model", required_argument, 0, OPT_MODEL},
        {"range", no_argument, 0, OPT_RANGE},
        {"no-box", no_argument, 0, OPT_NO_BOX},
        {"constant-lr", no_argument, 0, OPT_CONSTANT_LR},
        {"metrics", required_argument, 0, OPT_METRICS},
        {"rows", required_argument, 0, OPT_ROWS},
        {"samples", required_argument, 0, OPT_SAMPLES},
        {"profile", no_argument, 0, OPT_PROFILE},
        {"save", required_argument, 0, OPT_SAVE},
        {"stop-after", required_argument, 0, OPT_STOP_AFTER},
        {"resume", required_argument, 0, OPT_RESUME},
        {"figures", required_argument, 0, OPT_FIGURES},
        {"figure-formats", required_argument, 0, OPT_FIGURE_FORMATS},
        {0, 0, 0, 0},
    };
    return longopts;
}

int cli_first_operand(int argc, char **argv, int first)
{
    /* getopt itself, stopping at the first operand ("+"): it knows which
     * options take a value (--steps 5), --opt=value and abbreviations */
    optind = first;
    opterr = 0;
    while (getopt_long(argc, argv, "+:", opts_table(), NULL) != -1)
        ;
    return optind;
}

int cli_parse_opts(const char *cmd, int argc, char **argv, int first, cli_opts *o)
{
    const struct option *longopts = opts_table();
    memset(o, 0, sizeof *o);
    o->steps = -1;
    o->seed = -1;
    o->threads = 0;
    o->repeats = -1;
    o->rows = -1;
    o->samples = -1;
    optind = first;
    opterr = 0;
    long v = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_STEPS:
            if (parse_long(cmd, "steps", optarg, 1, 100000000L, &o->steps)) return CLI_EXIT_USAGE;
            break;
        case OPT_SEED:
            if (parse_long(cmd, "seed", optarg, 0, LONG_MAX, &o->seed)) return CLI_EXIT_USAGE;
            break;
        case OPT_THREADS:
            if (parse_long(cmd, "threads", optarg, 1, 256, &v)) return CLI_EXIT_USAGE;
            o->threads = (int)v;
            break;
        case OPT_REPEATS:
            if (parse_long(cmd, "repeats", optarg, 1, 1000000L, &o->repeats)) return CLI_EXIT_USAGE;
            break;
        case OPT_SAMPLES:
            if (parse_long(cmd, "samples", optarg, 1, 10000000L, &o->samples)) return CLI_EXIT_USAGE;
            break;
        case OPT_ROWS:
            if (parse_long(cmd, "rows", optarg, 2, 100000000L, &o->rows)) return CLI_EXIT_USAGE;
            break;
        case OPT_PROFILE: o->profile = 1; break;
        case OPT_JSON: o->json = 1; break;
        case OPT_QUIET: o->quiet = 1; break;
        case OPT_DATA: o->data = optarg; break;
        case OPT_X: o->x_cols = optarg; break;
        case OPT_Y: o->y_col = optarg; break;
        case OPT_AUTO: o->autom = 1; break;
        case OPT_DOMAIN: o->domain = optarg; break;
        case OPT_OUT: o->out = optarg; break;
        case OPT_DROP: o->drop_bad_rows = 1; break;
        case OPT_JOINT: o->joint = 1; break;
        case OPT_NO_JOINT: o->no_joint = 1; break;
        case OPT_SET:
            if (o->n_set == sizeof o->set / sizeof *o->set)
                return cli_error(CLI_EXIT_USAGE, cmd, "--set: at most %zu", sizeof o->set / sizeof *o->set);
            o->set[o->n_set++] = optarg;
            break;
        case OPT_MODEL: o->model = optarg; break;
        case OPT_RANGE: o->range = 1; break;
        case OPT_NO_BOX: o->no_box = 1; break;
        case OPT_CONSTANT_LR: o->constant_lr = 1; break;
        case OPT_METRICS: o->metrics = optarg; break;
        case OPT_SAVE: o->save = optarg; break;
        case OPT_RESUME: o->resume = optarg; break;
        case OPT_STOP_AFTER:
            if (parse_long(cmd, "stop-after", optarg, 1, LONG_MAX, &o->stop_after)) return CLI_EXIT_USAGE;
            break;
        case OPT_FIGURES: o->figures = optarg; break;
        case OPT_FIGURE_FORMATS:
            if (figure_parse_formats(optarg, &o->figure_formats) != 0)
                return cli_error(CLI_EXIT_USAGE, cmd, "--figure-formats: '%s' is not a list of svg, png, pdf", optarg);
            break;
        case ':':
            return cli_error(CLI_EXIT_USAGE, cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_error(CLI_EXIT_USAGE, cmd, "unknown option '%s' (see innx --help)",
                             argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_error(CLI_EXIT_USAGE, cmd, "unexpected argument '%s'", argv[optind]);
    /* -- figures: one run's panes; bench runs many, --range two nets -- */
    if ((o->figures || o->figure_formats) && (!strncmp(cmd, "bench", 5) || o->range))
        return cli_error(CLI_EXIT_USAGE, cmd, "--figures is for train (without --range) and plot");
    if (o->figure_formats && !o->figures && strcmp(cmd, "plot") != 0)
        return cli_error(CLI_EXIT_USAGE, cmd, "--figure-formats goes with --figures DIR");
    return 0;
}
