/* main.c: innx's entry point: the explorer with no command, else the
 * subcommands (train, bench, problems, roots, gen-spend) and the help. */
#include <stdio.h>

#include <gsl/gsl_errno.h>
#include <string.h>

#include "config.h"
#include "cli.h"
#include "innx/checkpoint.h"
#include "innx/graph.h"
#include "innx/problem_ini.h"

static const char usage[] =
    "usage: innx [PROBLEM | FILE.inn | FILE.safetensors | --f 'FORMULA' --domain A:B] [--auto] [--ascii]\n"
    "            [--no-color] [--fps N]\n"
    "       innx COMMAND [ARGS]\n"
    "\n"
    "innx trains inverse neural networks: given y = F(x), it learns G with\n"
    "F(G(y)) ~ y and turns what G proposes into polished, checked roots.\n"
    "With no command it opens the explorer on the built-in three-roots problem;\n"
    "on a saved run (FILE.safetensors: the explorer's w, --save) it goes on from it.\n"
    "\n"
    "commands:\n"
    "  train --f 'F' --domain A:B [--y Y1,Y2,...] [options]\n"
    "                          every root of F(x) = Y on [A, B] through the branch\n"
    "                          model G(y, z) (no partitions needed), with the scan's\n"
    "                          and the recall\n"
    "  train PROBLEM [options] train a problem (a built-in or FILE.inn) headless (through the same session\n"
    "                          thread as the explorer) and report\n"
    "  train --resume FILE [options]\n"
    "                          go on from a checkpoint to the end of its plan (--set,\n"
    "                          --steps change the plan); bit for bit the run it came from\n"
    "  train VECTOR [--y Y1,...,Ym] [--samples N] [--out F.csv]\n"
    "                          a vector problem (ik, two-moons, square, a file with\n"
    "                          [forward]): N samples of x for y* from its flow (or\n"
    "                          G(y*, z) of an MLP/KAN G), each\n"
    "                          projected onto F(x) = y* and certified (a simulator:\n"
    "                          a posterior), their statistics and families or roots\n"
    "  draw PROBLEM [--n N] [--seed S] [--out F.csv]\n"
    "                          N draws of x from a problem's prior (x1..xn as CSV):\n"
    "                          the rows to run a simulator of one's own over\n"
    "  query FILE --y Y[,Y...] [--json]\n"
    "                          a checkpoint's certified roots of F(x) = Y (a vector\n"
    "                          problem: --y Y1,...,Ym [--samples N] [--out F.csv])\n"
    "  bench PROBLEM [options] time a problem's steps: median ms/step, GFLOP/s;\n"
    "                          also `bench roots` (all-roots queries/s), `bench query\n"
    "                          PROBLEM` (certified queries/s and recall against the\n"
    "                          scan), `bench auto` (the many-roots recall table) and\n"
    "                          `bench seeds PROBLEM` (the whole recipe on --repeats\n"
    "                          seeds, default 6: each run's raw residual)\n"
    "  problems [--show NAME]  list the built-in problems, or every setting of one\n"
    "  plot FILE [--figures DIR] [--figure-formats svg,png,pdf]\n"
    "                          every pane of a checkpoint as a figure (SVG and PNG)\n"
    "  roots 'F' --domain A:B [--y Y] [--json]\n"
    "                          every root of F(x) = Y on [A, B], polished, checked\n"
    "  roots VECTOR [--y Y1,..] [--starts N | --reject EPS [--samples N]] [--out F]\n"
    "                          the classical reference at y*: multi-start LM from the\n"
    "                          prior (roots; projected points), or rejection (posterior)\n"
    "  gen-spend [--seed S] [--rows N] [--out FILE.csv]\n"
    "                          write the synthetic customer table (data/spend.csv\n"
    "                          is --seed 1, 6534 rows); stdout without --out\n"
    "  help                    this text\n"
    "  --version               version and BLAS in use\n"
    "\n"
    "options of train and bench:\n"
    "  --steps N        train: steps of every stage (a table: forward N, inverse 2N,\n"
    "                   the joint stage keeps its 500)\n"
    "  --set S.K=V      override any setting of the problem (repeatable), e.g.\n"
    "                   --set stage1.steps=50 --set loss.box=10 (innx problems --show)\n"
    "  --seed S         random seed (a seed fixes a run)\n"
    "  --save FILE      train: write a checkpoint (safetensors) at the end\n"
    "  --stop-after M   train: stop at step M (and --save there)\n"
    "  --json           print one JSON object on stdout instead of text\n"
    "  --quiet          no loss lines or progress\n"
    "  --threads N      graph threads (default: chosen from the batch size)\n"
    "  --repeats N      bench: timed steps per stage (default 200; bench roots:\n"
    "                   queries; bench seeds: seeds from --seed on)\n"
    "  --profile        bench: time of every graph node on stderr\n"
    "  --model SPEC     the inverse network, e.g. mlp:1-64-64-1/tanh, kan:1-32-32-1/g5k3\n"
    "  --range          sinc-kan: solve y in [0.3, 1.0] and compare with an MLP\n"
    "  --auto           the branch model (every root) on the problem's one x: a\n"
    "                   formula, or a table's column (NN1 fitted first)\n"
    "  --domain A:B     a formula problem's domain\n"
    "  --y Y1,Y2,...    the branch model: answer these y* (a table: y's column)\n"
    "  --no-box         drop the box term (lambda 0)\n"
    "  --constant-lr    keep Adam's lr fixed (sinc: the article's schedule)\n"
    "  --metrics F.csv  train: every step's unweighted terms, total and lr as CSV\n"
    "  --figures DIR    train: every pane as a figure at the end (innx-PROBLEM-PANE-STEP\n"
    "                   .svg and .png; --figure-formats svg,png,pdf chooses)\n"
    "  --data FILE.csv  a table: the CSV (default: the built-in data/spend.csv)\n"
    "  --x A,B,C        a table: x's columns (spend: age,education,income)\n"
    "  --y NAME         a table: y's column (spend: spend)\n"
    "  --drop-bad-rows  a table: skip rows with NaN/Inf or non-numbers, and say how many\n"
    "  --no-joint       a table: stop after the inverse fit (no joint fine-tune)\n"
    "  --joint          a table: the joint fine-tune (the default; accepted for old scripts)\n"
    "  --out FILE.csv   a table: write the test part's predicted and real traits\n"
    "                   and segments (never over the --data file)\n"
    "\n"
    "exit status: 0 ok, 1 failure while running, 2 bad input.\n"
    "See innx(1) for the problems, the loss terms, the explorer's keys and the JSON keys.\n";

static void list_problems(FILE *f)
{
    fprintf(f, "problems:\n");
    for (size_t i = 0; problem_builtin_name(i); i++)
        fprintf(f, "  %-14s %s\n", problem_builtin_name(i), problem_builtin_summary(i));
}

/* The reports go by what a problem is, not by its name, so that a problem
 * file with a built-in's recipe gets that built-in's report. */
/* --range solves G: y -> x over a range of y: a G of y alone on a formula
 * in one x, one candidate (sinc-kan, sinc) */
static int fits_range(const problem *p)
{
    return p->input == PROBLEM_IN_Y && p->output != PROBLEM_OUT_BRANCH && p->formula[0] && p->x_dim == 1 &&
           p->mixture <= 1 && !problem_has_table(p);
}

/* The report over F's whole range beside a plain regressor (xsin's): the
 * branch model on a formula whose problem asks for it (report = range). */
static int fits_xsin(const cli_opts *o, const problem *p)
{
    return p->output == PROBLEM_OUT_BRANCH && p->formula[0] && !o->y_col && p->report_range;
}

static int train_problem(const cli_opts *o, const char *where, problem *p)
{
    if (o->range && !fits_range(p))
        return cli_error(CLI_EXIT_USAGE, where, "--range is for a G of y alone on a formula in one x (sinc-kan, sinc)");
    if (o->range && (o->save || o->stop_after || o->resume))
        return cli_error(CLI_EXIT_USAGE, where, "--range trains two nets: no --save, --stop-after or --resume");
    if (o->range)
        return case_sinc_kan_range(o, p);
    if (problem_is_vector(p))
        return case_vector_train(o, p);   /* x in R^n, y in R^m (a table's too): samples at y* */
    if (p->batch == PROBLEM_BATCH_TABLE)
        return case_table_train(o, p);
    if (fits_xsin(o, p))
        return case_xsin_train(o, p);
    if (p->output == PROBLEM_OUT_BRANCH)
        return case_auto_train(o, p);
    if (o->y_col && p->input == PROBLEM_IN_Z)
        return cli_error(CLI_EXIT_USAGE, where, "--y: %s's G(z) reads no y; add --auto for G(y, z)", p->name);
    if (o->y_col)
        return case_auto_train(o, p);   /* G(y): one candidate per y*, polished */
    if (p->input != PROBLEM_IN_Y)
        return case_latent_train(o, p);
    return case_point_train(o, p);
}

/* Options may come before the problem's name (train --quiet three-roots),
 * as they may for roots and query: the name moves to argv[1] and the
 * options keep their order behind it. */
static void operand_first(int argc, char **argv)
{
    int i = cli_first_operand(argc, argv, 1);
    if (i <= 1 || i >= argc)
        return;
    char *name = argv[i];
    memmove(argv + 2, argv + 1, (size_t)(i - 1) * sizeof *argv);
    argv[1] = name;
}

static int run_problem(int argc, char **argv, int bench)
{
    const char *cmd = argv[0];
    if (argc >= 2 && !strcmp(argv[1], "--f")) {
        /* innx train --f 'FORMULA' --domain A:B [options]: the roots of a formula */
        char where[64];
        snprintf(where, sizeof where, "%s formula", cmd);
        double a, b;
        if (argc < 5 || strcmp(argv[3], "--domain") != 0)
            return cli_error(CLI_EXIT_USAGE, where, "usage: innx %s --f 'FORMULA' --domain A:B [options]", cmd);
        if (cli_parse_domain(argv[4], &a, &b) != 0)
            return cli_error(CLI_EXIT_USAGE, where, "--domain: '%s' is not A:B", argv[4]);
        problem p;
        innx_err err;
        cli_opts o;
        if (problem_from_formula(argv[2], a, b, &p, &err) != 0)
            return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
        if (cli_parse_opts(where, argc, argv, 5, &o) != 0 || cli_apply_opts(&o, where, &p) != 0 ||
            cli_metrics_check(&o, where, bench, NULL, &p) != 0)
            return CLI_EXIT_USAGE;
        return bench ? cli_bench(&o, where, &p) : case_auto_train(&o, &p);
    }
    int resume = 0;
    for (int i = 1; i < argc && argc >= 2 && argv[1][0] == '-'; i++)
        resume |= !strcmp(argv[i], "--resume") || !strncmp(argv[i], "--resume=", 9);
    if (resume) {
        /* innx train --resume FILE [options]: the checkpoint's problem */
        cli_opts o;
        problem p;
        if (cli_parse_opts(cmd, argc, argv, 1, &o) != 0)
            return CLI_EXIT_USAGE;
        if (bench)
            return cli_error(CLI_EXIT_USAGE, cmd, "--resume is for train");
        if (cli_resume_problem(&o, &p) != 0)
            return CLI_EXIT_USAGE;
        if (cli_metrics_check(&o, cmd, bench, NULL, &p) != 0) {
            checkpoint_free(o.resume_ck);
            return CLI_EXIT_USAGE;
        }
        int st = train_problem(&o, cmd, &p);
        checkpoint_free(o.resume_ck);
        return st;
    }
    if (argc >= 2 && strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0)
        operand_first(argc, argv);
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            printf("usage: innx %s PROBLEM [options]\n", cmd);
            list_problems(stdout);
            return CLI_EXIT_OK;
        }
        cli_error(CLI_EXIT_USAGE, cmd, "which problem? (innx %s PROBLEM)", cmd);
        list_problems(stderr);
        return CLI_EXIT_USAGE;
    }
    char where[64];
    snprintf(where, sizeof where, "%s %s", cmd, argv[1]);
    cli_opts o;
    /* innx bench query|seeds NAME [options]: a problem, then its own bench */
    if (bench && (!strcmp(argv[1], "query") || !strcmp(argv[1], "seeds"))) {
        int seeds = !strcmp(argv[1], "seeds");
        problem p;
        innx_err err;
        operand_first(argc - 1, argv + 1);   /* bench seeds --repeats 3 NAME */
        if (argc < 3 || argv[2][0] == '-')
            return cli_error(CLI_EXIT_USAGE, where, "usage: innx bench %s PROBLEM|FILE.inn [options]", argv[1]);
        snprintf(where, sizeof where, "bench %s %s", argv[1], argv[2]);
        if (cli_load_problem(argv[2], &p, &err) != 0)
            return cli_error(CLI_EXIT_USAGE, where, "%s", err.msg);
        if (cli_parse_opts(where, argc, argv, 3, &o) != 0 || cli_apply_opts(&o, where, &p) != 0 ||
            cli_metrics_check(&o, where, bench, NULL, &p) != 0)
            return CLI_EXIT_USAGE;
        if (o.save || o.stop_after)
            return cli_error(CLI_EXIT_USAGE, where, "--save and --stop-after are for train");
        return seeds ? bench_seeds(&o, &p) : bench_query(&o, &p);
    }
    if (bench && !strcmp(argv[1], "auto")) {
        if (cli_parse_opts(where, argc, argv, 2, &o) != 0 || cli_metrics_check(&o, where, bench, NULL, NULL) != 0)
            return CLI_EXIT_USAGE;
        return bench_auto(&o);
    }
    if (bench && !strcmp(argv[1], "roots")) {
        if (cli_parse_opts(where, argc, argv, 2, &o) != 0 || cli_metrics_check(&o, where, bench, NULL, NULL) != 0)
            return CLI_EXIT_USAGE;
        return bench_roots(&o);
    }
    problem p;
    innx_err err;
    if (cli_load_problem(argv[1], &p, &err) != 0) {
        cli_error(CLI_EXIT_USAGE, cmd, "%s", err.msg);
        return CLI_EXIT_USAGE;
    }
    if (cli_parse_opts(where, argc, argv, 2, &o) != 0 || cli_apply_opts(&o, where, &p) != 0 ||
        cli_metrics_check(&o, where, bench, argv[1], &p) != 0)
        return CLI_EXIT_USAGE;
    if (o.resume)
        return cli_error(CLI_EXIT_USAGE, where, "--resume takes no problem: innx %s --resume FILE", cmd);
    if (bench && (o.save || o.stop_after))
        return cli_error(CLI_EXIT_USAGE, where, "--save and --stop-after are for train");
    if (bench)
        return cli_bench(&o, where, &p);
    return train_problem(&o, where, &p);
}

int cmd_problems(int argc, char **argv)
{
    if (argc == 1) {
        for (size_t i = 0; problem_builtin_name(i); i++)
            printf("%-14s %s\n", problem_builtin_name(i), problem_builtin_summary(i));
        return CLI_EXIT_OK;
    }
    if (argc == 3 && !strcmp(argv[1], "--show")) {
        problem p;
        innx_err err;
        if (problem_builtin(argv[2], &p, &err) != 0)
            return cli_error(CLI_EXIT_USAGE, "problems", "%s", err.msg);
        return problem_ini_write(&p, stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    return cli_error(CLI_EXIT_USAGE, "problems", "usage: innx problems [--show NAME]");
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts on a failed allocation; every caller
     * checks what it gets and says why instead */
    gsl_set_error_handler_off();
    if (argc < 2 || argv[1][0] == '-' || problem_builtin_name(0) == NULL) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            fputs(usage, stdout);
            list_problems(stdout);
            return CLI_EXIT_OK;
        }
        if (argc >= 2 && !strcmp(argv[1], "--version")) {
            printf("innx %s (BLAS: %s, kernels %s)\n", PACKAGE_VERSION, INNX_BLAS_NAME, graph_blas_core());
            if (graph_blas_hint())
                printf("note: %s\n", graph_blas_hint());
            return CLI_EXIT_OK;
        }
        return cli_explore(argc, argv);
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help")) {
        fputs(usage, stdout);
        list_problems(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "roots"))
        return cmd_roots(argc - 1, argv + 1);
    if (!strcmp(cmd, "gen-spend"))
        return cmd_gen_spend(argc - 1, argv + 1);
    if (!strcmp(cmd, "problems"))
        return cmd_problems(argc - 1, argv + 1);
    if (!strcmp(cmd, "query"))
        return cmd_query(argc - 1, argv + 1);
    if (!strcmp(cmd, "draw"))
        return cmd_draw(argc - 1, argv + 1);
    if (!strcmp(cmd, "plot"))
        return cmd_plot(argc - 1, argv + 1);
    if (!strcmp(cmd, "train"))
        return run_problem(argc - 1, argv + 1, 0);
    if (!strcmp(cmd, "bench"))
        return run_problem(argc - 1, argv + 1, 1);
    problem p;
    innx_err err;
    size_t len = strlen(cmd);
    if (problem_builtin(cmd, &p, &err) == 0 || (len > 4 && !strcmp(cmd + len - 4, ".inn")) ||
        cli_is_checkpoint_name(cmd))
        return cli_explore(argc, argv);
    cli_error(CLI_EXIT_USAGE, cmd, "unknown command or problem (see innx --help)");
    return CLI_EXIT_USAGE;
}
