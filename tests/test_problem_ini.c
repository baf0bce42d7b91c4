/* test_problem_ini.c: problem files: a full round trip (write, parse, every
 * field equal), each error's FILE:LINE message, --set, size limits, edges. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "innx/problem_ini.h"

/* A problem with every field set, none to a default, with values that
 * print badly (thirds, tiny, huge, -0) and strings that need quoting. */
static void full_problem(problem *p)
{
    memset(p, 0, sizeof *p);
    strcpy(p->name, "every-field");
    strcpy(p->summary, " lead blank; \"quoted\" # not a comment \\ tab\there\nnew line ");
    /* a formula longer than inih's 200-byte line buffer */
    strcpy(p->formula, "sin(x1)*x2+x3");
    while (strlen(p->formula) + 3 < PROBLEM_FORMULA_LEN)
        strcat(p->formula, "+x1");
    p->x_dim = 4;
    p->x_lo[0] = 0.1;
    p->x_hi[0] = 1.0 / 3;
    p->x_lo[1] = -1e-300;
    p->x_hi[1] = 2.5e8;
    p->x_lo[2] = -0.0;
    p->x_hi[2] = 300000;
    p->x_lo[3] = p->x_hi[3] = 0;   /* a table's range: auto */
    p->y_given = 1;
    p->y_lo = -0.25;
    p->y_hi = 1.0 / 7;
    strcpy(p->table, "data/odd name ;here.csv");
    strcpy(p->x_columns, "a;b,c");
    strcpy(p->y_column, "spend");
    p->test_frac = 0.2;
    p->drop_bad_rows = 1;
    strcpy(p->forward_model, "mlp:3-64-64-1/silu");
    strcpy(p->model, "kan:3-16-3/g5k3");
    p->input = PROBLEM_IN_YZ;
    p->z_dim = 2;
    p->output = PROBLEM_OUT_SQUASH;
    p->batch = PROBLEM_BATCH_TABLE;
    p->batch_n = 777;
    p->y_const = 0.3;
    for (int t = 0; t < TERM_N; t++)
        p->lambda[t] = 0.1 * (t + 1) + 1e-17 * t;
    p->box_quadratic = 1;
    p->n_parts = 3;
    p->parts[0] = (problem_partition){0, 1.0 / 3, 0, 2.5};
    p->parts[1] = (problem_partition){1.0 / 3, 2.0 / 3, 2.5, 5.1};
    p->parts[2] = (problem_partition){2.0 / 3, 1, 5.1, 8};
    p->n_stages = 3;
    p->stages[0] = (problem_stage){PROBLEM_STAGE_FORWARD, 1500, 1e-3, PROBLEM_LR_CONSTANT,
                                   0.1, {0, 0}, 0.1, 10, 0, 0, 0, 1};
    p->stages[1] = (problem_stage){PROBLEM_STAGE_INVERSE, 20000, 2e-3, PROBLEM_LR_MULTISTEP,
                                   0.5, {0.5, 0.75}, 0.3, 7, 300, 0.999, 500, 0.7};
    p->stages[2] = (problem_stage){PROBLEM_STAGE_JOINT, 400, 1.0 / 3000, PROBLEM_LR_PLATEAU,
                                   0.25, {0.125, 0}, 0.5, 25, 40, 0.99, 100, 0.05};
    p->y_star = 0.95;
    p->k = 4;
    p->seed = ULONG_MAX;
    p->threads = 2;
}

#define SAME(f) assert_memory_equal(&a->f, &b->f, sizeof a->f)
#define SAME_TEXT(f) assert_string_equal(a->f, b->f)

/* Every setting, bit for bit (not the struct: its padding is no setting,
 * nor the bytes past a string's end). */
static void assert_same(const problem *a, const problem *b)
{
    SAME_TEXT(name); SAME_TEXT(summary); SAME_TEXT(formula);
    SAME(x_dim);
    for (size_t i = 0; i < a->x_dim; i++) {
        SAME(x_lo[i]);
        SAME(x_hi[i]);
    }
    SAME(y_given); SAME(y_lo); SAME(y_hi);
    SAME_TEXT(table); SAME_TEXT(x_columns); SAME_TEXT(y_column); SAME(test_frac);
    SAME(drop_bad_rows); SAME_TEXT(forward_model);
    SAME_TEXT(model); SAME(input); SAME(z_dim); SAME(output);
    SAME(batch); SAME(batch_n); SAME(y_const);
    SAME(lambda); SAME(box_quadratic);
    SAME(n_parts);
    for (size_t i = 0; i < a->n_parts; i++)
        SAME(parts[i]);
    SAME(n_stages);
    /* the stages run and the ones prepared past them */
    size_t held = a->n_stages;
    for (size_t i = held; i < PROBLEM_MAX_STAGES; i++)
        if (a->stages[i].steps > 0)
            held = i + 1;
    for (size_t i = 0; i < held; i++) {
        SAME(stages[i].kind); SAME(stages[i].steps); SAME(stages[i].lr);
        SAME(stages[i].schedule); SAME(stages[i].gamma); SAME(stages[i].milestones);
        SAME(stages[i].plateau_factor); SAME(stages[i].plateau_patience);
        SAME(stages[i].patience); SAME(stages[i].ema_decay); SAME(stages[i].checkpoint);
        SAME(stages[i].beta);
    }
    SAME(y_star); SAME(k); SAME(seed); SAME(threads);
    SAME(y_dim); SAME_TEXT(system); SAME(simulations); SAME(val_frac); SAME(samples); SAME(report_range);
    for (size_t i = 0; i < PROBLEM_MAX_X; i++) {
        SAME(prior[i].kind); SAME(prior[i].a); SAME(prior[i].b);
    }
    for (size_t i = 0; a->y_dim > 1 && i < a->y_dim; i++)   /* (m = 1: y_star is y*) */
        SAME(y_target[i]);
}

/* p as a problem file, in a malloc'd string. */
static char *written(const problem *p)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    assert_int_equal(problem_ini_write(p, f), 0);
    fclose(f);
    return buf;
}

static void test_round_trip(void **state)
{
    (void)state;
    problem a, b;
    innx_err e;
    full_problem(&a);
    char *text = written(&a);
    /* the long formula went out on one line, the odd strings quoted */
    assert_non_null(strstr(text, "formula = sin(x1)*x2+x3+x1"));
    assert_non_null(strstr(text, "table = \"data/odd name ;here.csv\""));
    assert_non_null(strstr(text, "x_columns = a;b,c\n"));
    assert_non_null(strstr(text, "domain = 0.1:0.3333333333333333, -1e-300:250000000, "
                                 "-0:300000, auto\n"));
    assert_non_null(strstr(text, "drop_bad_rows = true\n"));
    memset(&b, 0, sizeof b);
    if (problem_ini_parse(text, "rt.inn", &b, &e) != 0)
        fail_msg("%s\n%s", e.msg, text);
    assert_same(&a, &b);

    /* over a different base every setting is the file's again: more
     * stages and partitions in the base, y_given off, other strings */
    problem base;
    full_problem(&base);
    strcpy(base.formula, "x");
    base.n_parts = 5;
    base.y_given = 0;
    base.stages[1].steps = 3;
    problem one = a;
    one.n_stages = 1;
    one.n_parts = 0;
    free(text);
    text = written(&one);
    assert_int_equal(problem_ini_parse(text, "rt.inn", &base, &e), 0);
    assert_same(&one, &base);

    /* y's range from F: written as auto, the base's numbers kept */
    a.y_given = 0;
    free(text);
    text = written(&a);
    assert_non_null(strstr(text, "y_range = auto\n"));
    memset(&b, 0, sizeof b);
    b.y_lo = 7;
    assert_int_equal(problem_ini_parse(text, "rt.inn", &b, &e), 0);
    assert_int_equal(b.y_given, 0);
    assert_true(b.y_lo == 7);
    free(text);

    /* written twice: the same bytes */
    char *t1 = written(&b), *t2;
    problem c;
    memset(&c, 0, sizeof c);
    assert_int_equal(problem_ini_parse(t1, "rt.inn", &c, &e), 0);
    t2 = written(&c);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
}

/* Every built-in (and a problem from a formula) written and read back is
 * the same problem, over a zeroed base and over itself, and still valid. */
static void test_builtins(void **state)
{
    (void)state;
    innx_err e;
    problem a, b;
    for (size_t i = 0; i <= problem_n_builtins(); i++) {
        if (i < problem_n_builtins())
            assert_int_equal(problem_builtin(problem_builtin_name(i), &a, &e), 0);
        else
            assert_int_equal(problem_from_formula("x^3 - 2*x", -2, 2, &a, &e), 0);
        char *text = written(&a);
        memset(&b, 0, sizeof b);
        if (problem_ini_parse(text, a.name, &b, &e) != 0)
            fail_msg("%s\n%s", e.msg, text);
        assert_same(&a, &b);
        if (problem_validate(&b, &e) != 0)
            fail_msg("%s: %s", a.name, e.msg);
        assert_int_equal(problem_ini_parse(text, a.name, &a, &e), 0);
        assert_same(&a, &b);
        free(text);
    }
    /* the loss keys are problem_term_name's */
    for (int t = 0; t < TERM_N; t++) {
        char line[64];
        snprintf(line, sizeof line, "[loss]\n%s = 123\n", problem_term_name((problem_term)t));
        memset(&b, 0, sizeof b);
        assert_int_equal(problem_ini_parse(line, "terms", &b, &e), 0);
        assert_true(b.lambda[t] == 123);
    }
}

/* The file forms a person writes: comments, blanks, `key: value`, CRLF,
 * a BOM, indentation, one A:B for every component, one milestone. */
static void test_forms(void **state)
{
    (void)state;
    problem p;
    innx_err e;
    memset(&p, 0, sizeof p);
    const char *text =
        "\xef\xbb\xbf# a comment\r\n"
        "; another\r\n"
        "[ problem ]\r\n"
        "  name: three-roots   ; inline comment\r\n"
        "formula = (x - 1)*(x - 4)*(x - 7)  # and another\r\n"
        "x_dim = 4\r\n"
        "domain = 0:8\r\n"
        "\r\n"
        "[inverse]\n"
        "input = y, z\n"
        "[loss]\n"
        "fwd = 1\ncyc = 2\nrecon = 3\nxcyc = 4\nbox = 5\nrange = 6\ncenter = 7\nnorm = 8\nsmooth = 9\n"
        "[partitions]\n"
        "0:0.5 = 0:4\n"
        " 0.5 : 1 = 4 : 8 ; right half\n"
        "[stage1]\n"
        "kind = inverse\n"
        "steps = 20000\n"
        "milestones = 0.5\n";
    if (problem_ini_parse(text, "forms.inn", &p, &e) != 0)
        fail_msg("%s", e.msg);
    assert_string_equal(p.name, "three-roots");
    assert_string_equal(p.formula, "(x - 1)*(x - 4)*(x - 7)");
    assert_int_equal(p.x_dim, 4);
    for (int i = 0; i < 4; i++)
        assert_true(p.x_lo[i] == 0 && p.x_hi[i] == 8);
    assert_int_equal(p.input, PROBLEM_IN_YZ);
    /* the loss keys follow problem_term's order */
    assert_true(p.lambda[TERM_FWD] == 1 && p.lambda[TERM_CYC] == 2 && p.lambda[TERM_RECON] == 3);
    assert_true(p.lambda[TERM_XCYC] == 4 && p.lambda[TERM_BOX] == 5 && p.lambda[TERM_RANGE] == 6);
    assert_true(p.lambda[TERM_CENTER] == 7 && p.lambda[TERM_NORM] == 8);
    assert_true(p.lambda[TERM_SMOOTH] == 9);
    assert_int_equal(p.n_parts, 2);
    assert_true(p.parts[1].z_lo == 0.5 && p.parts[1].z_hi == 1);
    assert_true(p.parts[1].x_lo == 4 && p.parts[1].x_hi == 8);
    assert_int_equal(p.n_stages, 1);
    /* a new stage starts from problem_stage_default, Adam's lr */
    problem_stage d = problem_stage_default(PROBLEM_STAGE_INVERSE, 20000, 1e-3);
    assert_true(p.stages[0].lr == d.lr && p.stages[0].gamma == d.gamma);
    assert_true(p.stages[0].plateau_factor == d.plateau_factor);
    assert_int_equal(p.stages[0].plateau_patience, d.plateau_patience);
    assert_true(p.stages[0].milestones[0] == 0.5 && p.stages[0].milestones[1] == 0);
    assert_true(p.stages[0].beta == d.beta && p.stages[0].ema_decay == d.ema_decay);
    assert_int_equal(p.stages[0].patience, d.patience);
    assert_int_equal(p.stages[0].checkpoint, d.checkpoint);

    /* a file overrides only what it gives */
    problem q = p;
    assert_int_equal(problem_ini_parse("[stage1]\nsteps = 50\n[partitions]\n", "o.inn", &q, &e), 0);
    assert_int_equal(q.stages[0].steps, 50);
    assert_int_equal(q.stages[0].kind, PROBLEM_STAGE_INVERSE);
    assert_int_equal(q.n_parts, 0);    /* an empty [partitions]: none */
    assert_string_equal(q.formula, p.formula);
    assert_int_equal(q.x_dim, 4);
    /* several components set x_dim; stages = 0 drops them all */
    assert_int_equal(problem_ini_parse("[problem]\ndomain = 18:93, 1:10, 0:300000\nstages = 0\n",
                                       "o.inn", &q, &e), 0);
    assert_int_equal(q.x_dim, 3);
    assert_true(q.x_lo[2] == 0 && q.x_hi[2] == 300000);
    assert_int_equal(q.n_stages, 0);
}

/* Parsing text over a zeroed problem fails with exactly msg, and leaves
 * the problem as it was. */
static void fails_with(const char *text, const char *msg)
{
    problem p, before;
    innx_err e;
    full_problem(&p);
    p.n_stages = 1;     /* and no stage prepared past it */
    memset(&p.stages[1], 0, 2 * sizeof p.stages[1]);
    before = p;
    memset(&e, 0, sizeof e);
    int rc = problem_ini_parse(text, "t.inn", &p, &e);
    if (rc == 0)
        fail_msg("accepted: %s", text);
    assert_int_equal(rc, INNX_EINVAL);
    if (strcmp(e.msg, msg) != 0)
        fail_msg("for %s\n got: %s\nwant: %s", text, e.msg, msg);
    assert_memory_equal(&p, &before, sizeof p);
}

static void test_errors(void **state)
{
    (void)state;
    fails_with("[stage1]\nsteps = 5\nstps = 5\n",
               "t.inn:3: unknown key 'stps' in [stage1] (did you mean 'steps'?)");
    fails_with("[problem]\nname = a\n[stgae1]\n",
               "t.inn:3: unknown section [stgae1] (did you mean [stage1]?)");
    fails_with("[problem]\n[wibble]\n", "t.inn:2: unknown section [wibble]");
    fails_with("[stage4]\n", "t.inn:1: unknown section [stage4] (stages are [stage1] to [stage3])");
    fails_with("[stage1]\nsteps = abc\n", "t.inn:2: steps: 'abc' is not a whole number");
    fails_with("[stage1]\nsteps = 1.5\n", "t.inn:2: steps: '1.5' is not a whole number");
    fails_with("[stage1]\nsteps = -5\n", "t.inn:2: steps: -5 is out of range (1 to 1000000000000)");
    fails_with("[problem]\nx_dim = 17\n", "t.inn:2: x_dim: 17 is out of range (0 to 16)");
    fails_with("[stage1]\nlr = 0\n", "t.inn:2: lr: 0 is out of range (> 0)");
    fails_with("[data]\ntest_frac = 1\n", "t.inn:2: test_frac: 1 is out of range ([0, 1))");
    fails_with("[loss]\nbox = -1\n", "t.inn:2: box: -1 is out of range (>= 0)");
    fails_with("[loss]\nbox = inf\n", "t.inn:2: box: 'inf' is not a finite number");
    fails_with("[inverse]\ny_const = 1,5\n", "t.inn:2: y_const: '1,5' is not a number");
    fails_with("[problem]\nseed = -1\n", "t.inn:2: seed: '-1' is not a whole number >= 0");
    fails_with("[inverse]\nbatch = grid\n",
               "t.inn:2: batch: 'grid' is not one of grid-x, grid-y, const, uniform, table, branch "
               "(did you mean 'grid-x'?)");
    fails_with("[loss]\nbox_form = l2\n",
               "t.inn:2: box_form: 'l2' is not one of l1, quadratic (did you mean 'l1'?)");
    fails_with("[problem]\nsteps = 5\n",
               "t.inn:2: unknown key 'steps' in [problem] (it belongs in [stageN])");
    fails_with("[problem]\nmodel = mlp\n",
               "t.inn:2: unknown key 'model' in [problem] (it belongs in [inverse])");
    fails_with("[problem]\ndomain = 0-8\n", "t.inn:2: domain: '0-8' is not a range A:B");
    fails_with("[problem]\ndomain = 8:0\n", "t.inn:2: domain: 8:0 is empty (A must be below B)");
    fails_with("[problem]\nx_dim = 2\ndomain = 0:1, 0:2, 0:3\n",
               "t.inn:3: domain: 3 components but x_dim = 2");
    fails_with("[problem]\ny_range = 0:x\n",
               "t.inn:2: y_range: 'x' is not a range A:B of finite numbers");
    fails_with("[problem]\nname = a-name-that-is-far-too-long-for-it\n",
               "t.inn:2: name: 34 characters, at most 31");
    fails_with("[problem]\nname = a\nname = b\n",
               "t.inn:3: name: given twice in [problem] (first at line 2)");
    fails_with("name = a\n", "t.inn:1: 'name' comes before any [section]");
    fails_with("[problem]\n\nname\n", "t.inn:3: 'name' is not 'key = value' nor a [section]");
    fails_with("[problem\n", "t.inn:1: '[problem': a section header needs its closing ']'");
    fails_with("[problem]\n= 3\n", "t.inn:2: a value with no key");
    fails_with("[problem]\nsummary = \"open\n", "t.inn:2: summary: no closing quote");
    fails_with("[problem]\nsummary = \"a\" b\n", "t.inn:2: summary: text after the closing quote");
    fails_with("[problem]\nsummary = \"a\\q\"\n", "t.inn:2: summary: unknown escape '\\q'");
    fails_with("[partitions]\n0:2 = 0:1\n", "t.inn:2: partition z: 0:2 is not inside 0:1");
    fails_with("[partitions]\n0:1\n", "t.inn:2: partitions: expected 'z_lo:z_hi = x_lo:x_hi'");
    fails_with("[stage1]\nmilestones = 0.5,0.75,0.9\n", "t.inn:2: milestones: at most two fractions");
    fails_with("[stage1]\nmilestones = 0.5,1\n", "t.inn:2: milestones: 1 is out of range ([0, 1))");
    fails_with("[stage2]\nkind = joint\n",
               "t.inn:1: [stage2] is a new stage: it needs kind and steps");
    fails_with("[stage3]\nkind = joint\nsteps = 5\n",
               "t.inn:1: [stage2] is missing (a new stage needs its section)");
    fails_with("[problem]\nstages = 2\n", "t.inn:2: [stage2] is missing (a new stage needs its section)");
    /* tests/fuzz_ini: a prepared stage past a gap parsed, and its written
     * file did not (the gap came back as a stage of 0 steps) */
    fails_with("[problem]\nstages = 0\n[stage3]\nkind = inverse\nsteps = 4000\n",
               "t.inn:3: [stage2] is missing (a new stage needs its section)");
    fails_with("[problem]\nstages = 1\n[stage3]\nkind = inverse\nsteps = 4000\n",
               "t.inn:3: [stage2] is missing (a new stage needs its section)");
    fails_with("[problem]\ndomain = auto, 0:1, 3\n", "t.inn:2: domain: '3' is not a range A:B");
    fails_with("[data]\ndrop_bad_rows = maybe\n", "t.inn:2: drop_bad_rows: 'maybe' is not true or false");
    /* a line past inih's buffer that is not key = value */
    char *longline = malloc(600);
    memset(longline, 'a', 500);
    strcpy(longline + 500, "\n");
    char *text = malloc(700);
    snprintf(text, 700, "[problem]\n%s", longline);
    fails_with(text, "t.inn:2: a line of 500 characters with no 'key =' near its start");
    free(text);
    free(longline);

    /* the formula parser's message, behind the file's place */
    problem p;
    innx_err e;
    memset(&p, 0, sizeof p);
    assert_int_equal(problem_ini_parse("[problem]\nformula = sin(x\n", "t.inn", &p, &e),
                     INNX_EINVAL);
    assert_memory_equal(e.msg, "t.inn:2: formula:1:", strlen("t.inn:2: formula:1:"));
    /* no file name: "problem" */
    assert_int_equal(problem_ini_parse("[x]\n", NULL, &p, &e), INNX_EINVAL);
    assert_string_equal(e.msg, "problem:1: unknown section [x]");
}

/* A vector problem: [forward]'s lines in order (intermediates too),
 * [prior]'s laws, y* as a vector, the budget; every fault by file:line. */
static void test_vector(void **state)
{
    (void)state;
    const char *text = "[problem]\nbase = ik\nname = arm2\ny_star = 1, 0.5\n"
                       "[forward]\nb = x2 - x3 ; a comment\ny1 = cos(b) + x1\ny2 = sin(b)\n"
                       "[prior]\nx2 = uniform(-1, 1)\n[data]\nsimulations = 500\n";
    problem p;
    innx_err e;
    memset(&p, 0, sizeof p);
    if (problem_ini_parse(text, "v.inn", &p, &e) != 0)
        fail_msg("%s", e.msg);
    assert_string_equal(p.system, "b = x2 - x3\ny1 = cos(b) + x1\ny2 = sin(b)");
    assert_int_equal(p.y_dim, 2);
    assert_true(p.y_target[0] == 1 && p.y_target[1] == 0.5 && p.y_star == 1);
    assert_int_equal(p.prior[1].kind, PROBLEM_PRIOR_UNIFORM);
    assert_true(p.prior[1].a == -1 && p.prior[1].b == 1);
    assert_int_equal(p.prior[0].kind, PROBLEM_PRIOR_NORMAL);   /* the base's */
    assert_int_equal(p.simulations, 500);
    if (problem_validate(&p, &e) != 0)
        fail_msg("%s", e.msg);
    /* written and read back: the same problem */
    char *w = written(&p);
    problem q;
    memset(&q, 0, sizeof q);
    assert_int_equal(problem_ini_parse(w, "w.inn", &q, &e), 0);
    assert_same(&p, &q);
    free(w);
    /* --set replaces a line by its name, or appends one */
    assert_int_equal(problem_ini_set(&p, "forward.y2=sin(b) + 1", &e), 0);
    assert_non_null(strstr(p.system, "y2 = sin(b) + 1"));
    assert_int_equal(problem_ini_set(&p, "prior.x3=normal(0.1, 2)", &e), 0);
    assert_int_equal(p.prior[2].kind, PROBLEM_PRIOR_NORMAL);
    /* faults: each names where and what */
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"[problem]\nbase = ik\n[forward]\ny1 = x1\ny1 = x2\n", "forward: y1 is defined twice"},
        {"[problem]\nbase = ik\n[forward]\n2y = x1\n", "is not a name"},
        {"[problem]\nbase = ik\n[prior]\nx2 = gamma(1, 2)\n", "is not normal, uniform or domain"},
        {"[problem]\nbase = ik\n[prior]\nx2 = normal(0)\n", "is not normal(MU, SD), uniform(A, B) or domain"},
        {"[problem]\nbase = ik\n[prior]\nx2 = uniform(1, -1)\n", "needs A < B"},
        {"[problem]\nbase = ik\n[prior]\nx17 = normal(0, 1)\n", "is not x1..x16"},
        {"[problem]\nbase = ik\ny_star = 1, zebra\n", "y_star: 'zebra' is not a number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(&q, 0, sizeof q);
        if (problem_ini_parse(bad[i].text, "b.inn", &q, &e) == 0)
            fail_msg("accepted: %s", bad[i].text);
        if (!strstr(e.msg, bad[i].want) || strncmp(e.msg, "b.inn:", 6) != 0)
            fail_msg("for %s got: %s", bad[i].text, e.msg);
    }
    /* ...and what only the whole problem shows */
    static const struct {
        const char *text, *want;
    } invalid[] = {
        {"[problem]\nbase = ik\n[forward]\ny1 = x1\ny3 = x2\n", "y3"},
        {"[problem]\nbase = ik\n[forward]\ny1 = c + x1\nc = x2\ny2 = x3\n", "y1"},
        {"[problem]\nbase = ik\n[prior]\nx2 = uniform(-9, 1)\n", "prior.x2: uniform(A, B) must lie inside the domain"},
        {"[problem]\nbase = ik\n[prior]\nx2 = normal(7, 1)\n", "prior.x2: normal's mean must lie inside"},
        {"[problem]\nbase = ik\nx_dim = 2\ndomain = -1:1, -1:1\n", "x3"},
        {"[problem]\nbase = square\nx_dim = 1\ndomain = -1:1\n", ""},
        /* G(y, z) by the cycle loss cannot learn a simulator's posterior */
        {"[problem]\nbase = two-moons\n[inverse]\nmodel = mlp:2-8-2/tanh\n", "a simulator"},
        /* G reads y's two components, then z's n - m = 2 */
        {"[problem]\nbase = ik\n[inverse]\nmodel = mlp:3-8-4/tanh\ninput = y,z\n", "must map 4 inputs"},
        {"[problem]\nbase = ik\n[inverse]\nmodel = mlp:2-8-4/tanh\n[loss]\ngp = 1\n", "loss.gp"},
    };
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        memset(&q, 0, sizeof q);
        if (problem_ini_parse(invalid[i].text, "b.inn", &q, &e) != 0) {
            assert_non_null(strstr(e.msg, invalid[i].want));
            continue;
        }
        if (problem_validate(&q, &e) == 0)
            fail_msg("valid: %s", invalid[i].text);
        if (!strstr(e.msg, invalid[i].want))
            fail_msg("for %s got: %s", invalid[i].text, e.msg);
    }
    /* an MLP G(y, z) on a vector problem: z_dim follows n - m unless given */
    memset(&q, 0, sizeof q);
    assert_int_equal(problem_ini_parse("[problem]\nbase = ik\n[inverse]\nmodel = mlp:4-8-4/tanh\ninput = y,z\n"
                                       "[loss]\nnll = 0\ncyc = 1\n", "g.inn", &q, &e), 0);
    assert_int_equal(q.z_dim, 2);
    if (problem_validate(&q, &e) != 0)
        fail_msg("%s", e.msg);
    memset(&q, 0, sizeof q);
    assert_int_equal(problem_ini_parse("[problem]\nbase = ik\n[inverse]\nmodel = mlp:5-8-4/tanh\ninput = y,z\n"
                                       "z_dim = 3\n", "g.inn", &q, &e), 0);
    assert_int_equal(q.z_dim, 3);
    /* a table's two y columns: y_dim 2, NN1 gives both, G reads both */
    memset(&q, 0, sizeof q);
    assert_int_equal(problem_ini_parse("[problem]\nbase = spend\n[data]\ny_column = y1,y2\n", "g.inn", &q, &e), 0);
    assert_int_equal(q.y_dim, 2);
    assert_string_equal(q.forward_model, "mlp:3-64-64-2/relu");
    assert_string_equal(q.model, "mlp:2-64-64-3/tanh");
    assert_true(problem_is_vector(&q));
}

/* Vector faults found only once the whole file is read still name the
 * file's line: the system's (y3 missing, a name before its line, an
 * output past y16), a prior's (outside the domain, past x_dim), or the
 * domain's when it put a kept prior outside. --set says the assignment. */
static void test_vector_lines(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"[problem]\nbase = ik\n[forward]\ny1 = x1\ny2 = x2\ny4 = x4\n",
         "v.inn:6: y4: y3 is missing (outputs run y1..y4)"},
        {"[problem]\nbase = ik\n[forward]\ny1 = x1\n\ny1 = x2\ny2 = x3\n", "v.inn:6: forward: y1 is defined twice"},
        {"[problem]\nbase = ik\n[forward]\na = x1\ny1 = b + a\nb = x2\ny2 = a\n",
         "v.inn:5: y1: formula:1:1: 'b' is used before it is defined"},
        {"[problem]\nbase = ik\n[forward]\ny1 = x1\ny17 = x2\n", "v.inn:5: y17: at most 16 outputs (y1..y16)"},
        {"[problem]\nbase = ik\n[forward]\ny1 = x1 +\ny2 = x2\n", "v.inn:4: y1: formula:1:"},
        {"[problem]\nbase = ik\n[forward]\ny1 = \"x1\\n+ 1\"\n", "v.inn:4: forward: y1: a formula cannot hold a control character"},
        {"[problem]\nbase = ik\ny_dim = 17\n", "v.inn:3: y_dim: 17 is out of range (0 to 16)"},
        {"[problem]\nbase = ik\n[prior]\nx1 = normal(0, 0.1)\n\nx2 = uniform(-9, 1)\n",
         "v.inn:6: prior.x2: uniform(A, B) must lie inside the domain -3.14159:3.14159"},
        {"[problem]\nbase = ik\n[prior]\nx3 = normal(4, 1)\n",
         "v.inn:4: prior.x3: normal's mean must lie inside (and its sd be > 0) the domain -3.14159:3.14159"},
        {"[problem]\nbase = ik\n[prior]\nx5 = normal(0, 1)\n", "v.inn:4: prior.x5: given, but x_dim is 4"},
        {"[prior]\nx1 = uniform(0, 1)\n[problem]\nbase = ik\ndomain = 2:3, -1:1, -1:1, -1:1\n",
         "v.inn:2: prior.x1: uniform(A, B) must lie inside the domain 2:3"},
        {"[problem]\nbase = two-moons\ndomain = 0:1, -1:1\n",
         "v.inn:3: prior.x1: uniform(A, B) must lie inside the domain 0:1"},
        {"[problem]\nbase = ik\n[prior]\nx2 = uniform(-1)\n",
         "v.inn:4: prior x2: 'uniform(-1)' is not normal(MU, SD), uniform(A, B) or domain"},
        {"[problem]\nbase = ik\n[prior]\nx2 = normal(0, -1)\n", "v.inn:4: prior x2: normal's sd -1 must be > 0"},
    };
    problem p, before;
    innx_err e;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(&p, 0, sizeof p);
        before = p;
        if (problem_ini_parse(bad[i].text, "v.inn", &p, &e) == 0)
            fail_msg("accepted: %s", bad[i].text);
        if (strncmp(e.msg, bad[i].want, strlen(bad[i].want)) != 0)
            fail_msg("for %s\nwant: %s\ngot:  %s", bad[i].text, bad[i].want, e.msg);
        assert_memory_equal(&p, &before, sizeof p);
    }

    /* the lines keep their file lines, and a written system reads back */
    memset(&p, 0, sizeof p);
    const char *text = "[problem]\nbase = ik\n[forward]\n\na2 = x2 + x3\ny1 = x1 ; why\ny2 = a2\n";
    assert_int_equal(problem_ini_parse(text, "v.inn", &p, &e), 0);
    assert_string_equal(p.system, "a2 = x2 + x3\ny1 = x1\ny2 = a2");
    assert_int_equal(p.system_line[0], 5);
    assert_int_equal(p.system_line[1], 6);
    assert_int_equal(p.system_line[2], 7);
    assert_int_equal(p.system_line[3], 0);
    char *w = written(&p);
    assert_non_null(strstr(w, "\n[forward]\na2 = x2 + x3\ny1 = x1\ny2 = a2\n"));
    problem q;
    memset(&q, 0, sizeof q);
    assert_int_equal(problem_ini_parse(w, "w.inn", &q, &e), 0);
    assert_string_equal(q.system, p.system);
    free(w);
    /* a line's fault by its file line, or by its place without a file */
    strcpy(p.system, "a2 = x2 + x3\ny1 = x1 ; 2\ny2 = a2");
    assert_int_equal(problem_validate_system(&p, NULL, &e), INNX_EINVAL);
    assert_true(strncmp(e.msg, "[forward]:2: y1: formula:1:4: ", 30) == 0);
    assert_int_equal(problem_validate_system(&p, "v.inn", &e), INNX_EINVAL);
    assert_true(strncmp(e.msg, "v.inn:6: y1: formula:1:4: ", 26) == 0);
    /* text a file could not have given is written so that it reads as it
     * was (quoted), and the reader then names its fault */
    w = written(&p);
    assert_non_null(strstr(w, "\ny1 = \"x1 ; 2\"\n"));
    assert_int_equal(problem_ini_parse(w, "w.inn", &q, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, ": y1: formula:1:4: "));
    free(w);

    /* --set: a replaced line takes no file line; each fault names the
     * assignment, and the problem is left as it was */
    assert_int_equal(problem_builtin("ik", &p, &e), 0);
    assert_int_equal(problem_ini_set(&p, "forward.y2=x1 + sin(a3)", &e), 0);
    assert_non_null(strstr(p.system, "\ny2 = x1 + sin(a3)"));
    assert_int_equal(p.system_line[3], 0);
    static const struct {
        const char *set, *want;
    } sets[] = {
        {"forward.y4=x1", "--set forward.y4=x1: [forward]:5: y4: y3 is missing (outputs run y1..y4)"},
        {"forward.y2=x1\n+1", "--set forward.y2=x1\n+1: forward: y2: a formula cannot hold a control character"},
        {"forward.a2=a3", "--set forward.a2=a3: [forward]:1: a2: formula:1:1: 'a3' is used before it is defined"},
        {"prior.x1=uniform(-2, 1)", "--set prior.x1=uniform(-2, 1): prior.x1: uniform(A, B) must lie inside the domain -1.5:1.5"},
        {"prior.x5=normal(0, 1)", "--set prior.x5=normal(0, 1): prior.x5: given, but x_dim is 4"},
        {"problem.domain=-1:1, -1:1, -1:1, 0.5:1", "--set problem.domain=-1:1, -1:1, -1:1, 0.5:1: prior.x4: normal's mean"},
        {"problem.y_dim=17", "--set problem.y_dim=17: y_dim: 17 is out of range (0 to 16)"},
    };
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
        before = p;
        if (problem_ini_set(&p, sets[i].set, &e) == 0)
            fail_msg("accepted: %s", sets[i].set);
        if (strncmp(e.msg, sets[i].want, strlen(sets[i].want)) != 0)
            fail_msg("for %s\nwant: %s\ngot:  %s", sets[i].set, sets[i].want, e.msg);
        assert_memory_equal(&p, &before, sizeof p);
    }
    /* y* as a vector: y_star stays y_target[0]'s twin through --set, and a
     * one-variable problem writes and reads one number */
    assert_int_equal(problem_ini_set(&p, "problem.y_star=0.25, -1", &e), 0);
    assert_true(p.y_target[0] == 0.25 && p.y_target[1] == -1 && p.y_star == 0.25);
    assert_int_equal(problem_builtin("sinc", &p, &e), 0);
    assert_int_equal(problem_ini_set(&p, "problem.y_star=0.5", &e), 0);
    assert_true(p.y_star == 0.5 && p.y_target[0] == 0.5 && p.y_dim == 1);
    w = written(&p);
    assert_non_null(strstr(w, "\ny_star = 0.5\n"));
    free(w);
}

static void test_set(void **state)
{
    (void)state;
    problem p, before;
    innx_err e;
    full_problem(&p);
    assert_int_equal(problem_ini_set(&p, "stage1.steps=50", &e), 0);
    assert_int_equal(p.stages[0].steps, 50);
    assert_int_equal(problem_ini_set(&p, "loss.box=10", &e), 0);
    assert_true(p.lambda[TERM_BOX] == 10);
    assert_int_equal(problem_ini_set(&p, "inverse.model=mlp:1-64-1/tanh", &e), 0);
    assert_string_equal(p.model, "mlp:1-64-1/tanh");
    assert_int_equal(problem_ini_set(&p, "problem.formula = x^3 - 2*x ", &e), 0);
    assert_string_equal(p.formula, "x^3 - 2*x");
    /* a value is taken as written: a ';' is no comment here */
    assert_int_equal(problem_ini_set(&p, "problem.summary=a ; b", &e), 0);
    assert_string_equal(p.summary, "a ; b");
    assert_int_equal(problem_ini_set(&p, "problem.domain=0:1,2:3", &e), 0);
    assert_int_equal(p.x_dim, 2);
    assert_true(p.x_lo[1] == 2 && p.x_hi[1] == 3);
    assert_int_equal(problem_ini_set(&p, "problem.domain=-1:1", &e), 0);
    assert_int_equal(p.x_dim, 2);
    assert_true(p.x_lo[1] == -1 && p.x_hi[1] == 1);
    assert_int_equal(problem_ini_set(&p, "problem.stages=2", &e), 0);
    assert_int_equal(p.n_stages, 2);
    /* the third stays prepared: settable, and runs again with stages=3 */
    assert_int_equal(problem_ini_set(&p, "stage3.steps=9", &e), 0);
    assert_int_equal(p.n_stages, 2);
    assert_int_equal(problem_ini_set(&p, "problem.stages=3", &e), 0);
    assert_int_equal(p.n_stages, 3);
    assert_int_equal(p.stages[2].steps, 9);
    assert_int_equal(problem_ini_set(&p, "problem.stages=2", &e), 0);
    memset(&p.stages[2], 0, sizeof p.stages[2]);
    /* the same key twice is an override, not an error */
    assert_int_equal(problem_ini_set(&p, "stage2.steps=7", &e), 0);
    assert_int_equal(problem_ini_set(&p, "stage2.steps=8", &e), 0);
    assert_int_equal(p.stages[1].steps, 8);

    before = p;
    struct { const char *set, *msg; } bad[] = {
        {"stage1.stps=50", "--set stage1.stps=50: unknown key 'stps' in [stage1] "
                           "(did you mean 'steps'?)"},
        {"train.steps=50", "--set train.steps=50: unknown section [train] "
                           "(did you mean 'stage1.steps'?)"},
        {"lost.box=1", "--set lost.box=1: unknown section [lost] (did you mean 'loss.box'?)"},
        {"stgae1.zzz=1", "--set stgae1.zzz=1: unknown section [stgae1] (did you mean [stage1]?)"},
        {"stage1.steps=abc", "--set stage1.steps=abc: steps: 'abc' is not a whole number"},
        {"stage3.steps=5", "--set stage3.steps=5: no [stage3]: the problem has 2 stages"},
        {"problem.stages=3", "--set problem.stages=3: [stage3] is missing "
                             "(a new stage needs its section)"},
        {"steps=5", "--set steps=5: expected section.key=value (e.g. stage1.steps=50)"},
        {"stage1.steps", "--set stage1.steps: expected section.key=value (e.g. stage1.steps=50)"},
        {"partitions.0:1=0:1", "--set partitions.0:1=0:1: partitions cannot be set from the "
                               "command line (write them in a problem file)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(problem_ini_set(&p, bad[i].set, &e), INNX_EINVAL);
        if (strcmp(e.msg, bad[i].msg) != 0)
            fail_msg(" got: %s\nwant: %s", e.msg, bad[i].msg);
        assert_memory_equal(&p, &before, sizeof p);
    }
}

/* A temporary file holding n bytes of text (repeated comment lines). */
static char *temp_file(size_t n)
{
    char *path = strdup("/tmp/test_problem_ini_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    const char line[] = "# padding padding padding padding padding padding padding pad\n";
    size_t left = n;
    while (left >= sizeof line - 1) {
        fputs(line, f);
        left -= sizeof line - 1;
    }
    for (; left > 1; left--)
        fputc('#', f);
    if (left)
        fputc('\n', f);
    fclose(f);
    return path;
}

/* [problem] base = NAME: the text starts from that built-in, wherever the
 * line is; other x columns than the base's carry x_dim, the networks'
 * widths and the domain with them (as --x), unless the text sets them; a
 * table the batch would not read is refused by validation. */
static void test_base(void **state)
{
    (void)state;
    problem p, sinc;
    innx_err e;
    assert_int_equal(problem_builtin("sinc", &sinc, &e), 0);
    assert_int_equal(problem_builtin("three-roots", &p, &e), 0);
    assert_int_equal(problem_ini_parse("[loss]\ncyc = 2\n[problem]\nbase = sinc\n", "t.inn", &p, &e), 0);
    assert_string_equal(p.name, "sinc");
    assert_string_equal(p.model, sinc.model);
    assert_true(p.lambda[TERM_CYC] == 2);
    assert_true(p.lambda[TERM_NORM] == sinc.lambda[TERM_NORM]);

    /* a one-column table over spend: x_dim 1, the widths, the data's range */
    assert_int_equal(problem_builtin("three-roots", &p, &e), 0);
    const char *one = "[problem]\nbase = spend\nname = wave\n[data]\ntable = w.csv\nx_columns = x\ny_column = y\n";
    assert_int_equal(problem_ini_parse(one, "t.inn", &p, &e), 0);
    assert_int_equal(p.x_dim, 1);
    assert_string_equal(p.model, "mlp:1-64-64-1/tanh");
    assert_string_equal(p.forward_model, "mlp:1-64-64-1/relu");
    assert_true(p.x_lo[0] == 0 && p.x_hi[0] == 0);
    assert_int_equal(problem_validate(&p, &e), 0);
    /* ...but a model or a domain the text gives stays */
    assert_int_equal(problem_builtin("spend", &p, &e), 0);
    assert_int_equal(problem_ini_parse("[data]\nx_columns = a,b\n[inverse]\nmodel = kan:1-8-2/g5k3\n"
                                       "[problem]\ndomain = 0:1\n", "t.inn", &p, &e), 0);
    assert_int_equal(p.x_dim, 2);
    assert_string_equal(p.model, "kan:1-8-2/g5k3");
    assert_string_equal(p.forward_model, "mlp:2-64-64-1/relu");
    assert_true(p.x_lo[1] == 0 && p.x_hi[1] == 1);

    /* a table over three-roots' uniform batch would never be read */
    assert_int_equal(problem_builtin("three-roots", &p, &e), 0);
    assert_int_equal(problem_ini_parse("[data]\ntable = w.csv\n", "t.inn", &p, &e), 0);
    assert_int_equal(problem_validate(&p, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "data.table: 'w.csv' is given but inverse.batch is not table"));
    assert_non_null(strstr(e.msg, "base = spend"));

    fails_with("[problem]\nbase = nosuch\n",
               "t.inn:2: base: unknown problem 'nosuch' (built-in: three-roots, sinc, sinc-kan, spend, xsin, ik, two-moons, square)");
    fails_with("[problem]\nbase = sinc\nname = a\nbase = spend\n", "t.inn:4: base: given twice (line 2 too)");
}

static void test_files(void **state)
{
    (void)state;
    problem p, before;
    innx_err e;
    full_problem(&p);
    before = p;

    /* empty: nothing changes */
    assert_int_equal(problem_ini_parse("", "empty.inn", &p, &e), 0);
    char *path = temp_file(0);
    assert_int_equal(problem_ini_load(path, &p, &e), 0);
    assert_memory_equal(&p, &before, sizeof p);
    unlink(path);
    free(path);

    /* at the limit: read; one byte over: refused, naming the file */
    path = temp_file(PROBLEM_INI_MAX_BYTES);
    assert_int_equal(problem_ini_load(path, &p, &e), 0);
    unlink(path);
    free(path);
    path = temp_file(PROBLEM_INI_MAX_BYTES + 1);
    assert_int_equal(problem_ini_load(path, &p, &e), INNX_EINVAL);
    char want[256];
    snprintf(want, sizeof want, "%s: more than 1048576 bytes: not a problem file", path);
    assert_string_equal(e.msg, want);
    unlink(path);
    free(path);

    /* a written file loads back; an error in a file names it */
    path = strdup("/tmp/test_problem_ini_XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    assert_int_equal(problem_ini_write(&before, f), 0);
    fclose(f);
    memset(&p, 0, sizeof p);
    assert_int_equal(problem_ini_load(path, &p, &e), 0);
    /* the file's relative table is beside the file, in /tmp */
    assert_string_equal(p.table, "/tmp/data/odd name ;here.csv");
    strcpy(p.table, before.table);
    assert_same(&before, &p);
    /* a relative table is the file's directory's, an absolute one stays,
     * and a table the file does not name is not moved */
    static const struct { const char *text, *before, *table; } tables[] = {
        {"[data]\ntable = sub/w.csv\n", "", "/tmp/sub/w.csv"},
        {"[data]\ntable = /abs/w.csv\n", "", "/abs/w.csv"},
        {"[problem]\nname = y\n", "here.csv", "here.csv"},
    };
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        strcpy(p.table, tables[i].before);
        f = fopen(path, "w");
        fputs(tables[i].text, f);
        fclose(f);
        assert_int_equal(problem_ini_load(path, &p, &e), 0);
        assert_string_equal(p.table, tables[i].table);
    }
    f = fopen(path, "w");
    fputs("[problem]\nname = x\n\n[stage1]\nkind = forward\nsteps = 1e4\n", f);
    fclose(f);
    assert_int_equal(problem_ini_load(path, &p, &e), INNX_EINVAL);
    snprintf(want, sizeof want, "%s:6: steps: '1e4' is not a whole number", path);
    assert_string_equal(e.msg, want);
    /* a NUL byte: not text */
    f = fopen(path, "wb");
    fwrite("[problem]\0\n", 1, 11, f);
    fclose(f);
    assert_int_equal(problem_ini_load(path, &p, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "has a NUL byte"));
    unlink(path);
    /* gone: an I/O error naming it */
    assert_int_equal(problem_ini_load(path, &p, &e), INNX_EIO);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    assert_string_equal(e.msg, want);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_builtins),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_vector),
        cmocka_unit_test(test_vector_lines),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
