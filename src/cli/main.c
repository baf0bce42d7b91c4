/* main.c: innx's entry point: dispatches subcommands (train, bench, ...) and
 * prints help. The workloads themselves live in one case_*.c file each. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cli.h"

const cli_case cli_cases[] = {
    {"sinc", "MLP inverse of sin(x)/x, answers y* = 0.95 (article case 1)",
     case_sinc_train, case_sinc_bench},
    {"sinc-kan", "KAN inverse of sin(x)/x at y = 0.95; --range: y in [0.3, 1] vs an MLP",
     case_sinc_kan_train, case_sinc_kan_bench},
    {"spend", "data inverse: spend -> customer traits -> segments (article's last case)",
     case_spend_train, case_spend_bench},
    {"roots", "all-roots queries on the three-root function, evaluator vs C",
     NULL, bench_roots},
    {NULL, NULL, NULL, NULL},
};

static const char usage[] =
    "usage: innx COMMAND [ARGS]\n"
    "\n"
    "innx trains inverse neural networks: given y = F(x), it learns G with\n"
    "F(G(y)) ~ y and turns what G proposes into polished, checked roots.\n"
    "\n"
    "commands:\n"
    "  train CASE [options]    train a built-in case headless and report\n"
    "  bench CASE [options]    time a workload: median ms/step and GFLOP/s\n"
    "  roots 'F' --domain A:B [--y Y] [--json]\n"
    "                          every root of F(x) = Y on [A, B], polished, checked\n"
    "  gen-spend [--seed S] [--rows N] [--out FILE.csv]\n"
    "                          write the synthetic customer table (data/spend.csv\n"
    "                          is --seed 1, 6534 rows); stdout without --out\n"
    "  help                    this text\n"
    "  --version               version and BLAS in use\n"
    "\n"
    "options of train and bench:\n"
    "  --steps N        override the recipe's step count\n"
    "  --seed S         random seed (a seed fixes a run)\n"
    "  --json           print one JSON object on stdout instead of text\n"
    "  --quiet          no loss lines or progress\n"
    "  --threads N      threads for the large products (default: all cores)\n"
    "  --repeats N      bench: timed steps (default 200)\n"
    "  --profile        bench spend: time of every graph node on stderr\n"
    "  --model SPEC     the inverse network, e.g. mlp:1-64-64-1/tanh, kan:1-32-32-1/g5k3\n"
    "  --range          sinc-kan: solve y in [0.3, 1.0] and compare with an MLP\n"
    "  --no-box         sinc: drop the box term on the sample domain\n"
    "  --constant-lr    sinc: keep Adam's lr fixed (the article's schedule)\n"
    "  --data FILE.csv  spend: the table (default: the built-in data/spend.csv)\n"
    "  --x A,B,C        spend: trait columns (default age,education,income)\n"
    "  --y NAME         spend: target column (default spend)\n"
    "  --drop-bad-rows  spend: skip rows with NaN/Inf or non-numbers, and say how many\n"
    "  --joint          spend: fine-tune F and G together after the inverse fit\n"
    "  --out FILE.csv   spend: write the test part's predicted and real traits\n"
    "                   and segments (never over the --data file)\n"
    "\n"
    "exit status: 0 ok, 1 failure while running, 2 bad input.\n"
    "See innx(1) for the cases, their figures and the JSON keys.\n";

static void list_cases(FILE *f, int want_bench)
{
    fprintf(f, "cases:\n");
    for (const cli_case *c = cli_cases; c->name; c++)
        if (want_bench ? c->bench != NULL : c->train != NULL)
            fprintf(f, "  %-14s %s\n", c->name, c->summary);
}

static int run_case(int argc, char **argv, int bench)
{
    const char *cmd = argv[0];
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            printf("usage: innx %s CASE [options]\n", cmd);
            list_cases(stdout, bench);
            return CLI_EXIT_OK;
        }
        cli_error(CLI_EXIT_USAGE, cmd, "which case? (innx %s CASE)", cmd);
        list_cases(stderr, bench);
        return CLI_EXIT_USAGE;
    }
    for (const cli_case *c = cli_cases; c->name; c++) {
        if (strcmp(c->name, argv[1]) != 0)
            continue;
        int (*fn)(const cli_opts *) = bench ? c->bench : c->train;
        if (!fn)
            return cli_error(CLI_EXIT_USAGE, cmd, "case '%s' has no %s", c->name, cmd);
        cli_opts o;
        char where[64];
        snprintf(where, sizeof where, "%s %s", cmd, c->name);
        if (cli_parse_opts(where, argc, argv, 2, &o) != 0)
            return CLI_EXIT_USAGE;
        return fn(&o);
    }
    cli_error(CLI_EXIT_USAGE, cmd, "unknown case '%s'", argv[1]);
    list_cases(stderr, bench);
    return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stdout);
        return CLI_EXIT_OK;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage, stdout);
        list_cases(stdout, 0);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("innx %s (BLAS: %s)\n", PACKAGE_VERSION, INNX_BLAS_NAME);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "roots"))
        return cmd_roots(argc - 1, argv + 1);
    if (!strcmp(cmd, "gen-spend"))
        return cmd_gen_spend(argc - 1, argv + 1);
    if (!strcmp(cmd, "train"))
        return run_case(argc - 1, argv + 1, 0);
    if (!strcmp(cmd, "bench"))
        return run_case(argc - 1, argv + 1, 1);
    cli_error(CLI_EXIT_USAGE, cmd, "unknown command (see innx --help)");
    return CLI_EXIT_USAGE;
}
