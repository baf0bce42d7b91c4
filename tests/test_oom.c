/* test_oom.c: out-of-memory paths, SQLite's way: the Nth allocation fails for
 * N = 1, 2, ... until an operation runs with none failing; each must fail cleanly. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include <gsl/gsl_errno.h>

#include "test_helpers.h"

#include "innx/checkpoint.h"
#include "innx/trainer_ckpt.h"
#include "innx/problem_ini.h"
#include "innx/session.h"
#include "innx/report_vector.h"
#include "innx/trainer.h"
#include "innx/reference.h"
#include "oom_alloc.h"

/* Every N up to DENSE, then every STRIDE-th: the large cases (spend's
 * trainer, ~800 allocations, a table generated each time) would take
 * minutes under ASan one by one, and the paths past the first few hundred
 * allocations are the same graph and matrix allocations over again.
 * INNX_OOM_STRIDE=1 runs every N. */
#define DENSE 200
#define STRIDE 7

/* What an operation returns besides 0 and a negative innx status: it went
 * wrong in a way that is a bug (the message says how). */
#define BROKEN 1

static char dir[256];
static long stride = STRIDE;
/* oom_loop's mode: the Nth allocation fails (0), or every one from the
 * Nth on (1: error paths that allocate themselves fail too) */
static int persist;

/* Where op's part under test begins: allocation n fails (0: none). */
static void arm(long n) { oom_arm(n, persist); }

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/innx-test-oom.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    /* jansson asserts inside its lexer when its allocations fail (a library
     * bug): its allocations are exempt, every other stays counted */
    json_set_alloc_funcs(oom_exempt_malloc, oom_exempt_free);
    const char *s = getenv("INNX_OOM_STRIDE");
    if (s && atol(s) > 0)
        stride = atol(s);
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *in_dir(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static int broken(innx_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int broken(innx_err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return BROKEN;
}

/* A trainer that came back must step, or refuse with its reason. */
static int steps_or_refuses(trainer *t, innx_err *e)
{
    trainer_state st = trainer_step(t);
    size_t n = trainer_n_rollbacks(t);
    if (st != TRAINER_RUNNING && (st != TRAINER_DIVERGED || n == 0 || !trainer_rollback_at(t, n - 1)->why[0]))
        return broken(e, "stopped (%s) with no reason given", trainer_state_name(st));
    return 0;
}

/* op sets up what it needs, calls arm(n) where the part under test begins
 * (n = 0: nothing fails), and frees all it made. */
typedef int (*oom_op)(void *ctx, long n, innx_err *e);

/* Runs op with allocation n failing for n = 1, 2, ... (then every
 * stride-th past DENSE) until it runs with no allocation failing, which
 * must succeed. A failure must come back as a negative status and a
 * message; a success in spite of one must leave a working object (op
 * checks it). op frees what it made: the blocks alive after it are the
 * ones before, else it leaked (checked here without ASan too). */
#define ONE 1    /* the Nth allocation fails */
#define FROM 2   /* every one from the Nth on fails */
static void oom_loop1(const char *what, int persistent, oom_op op, void *ctx);

/* oom_loop1 in each mode asked for: the second is run where its error
 * paths are cheap to reach (it costs as much again). */
static void oom_loop(const char *what, int modes, oom_op op, void *ctx)
{
    if (modes & ONE)
        oom_loop1(what, 0, op, ctx);
    if (modes & FROM)
        oom_loop1(what, 1, op, ctx);
}

static void oom_loop1(const char *what, int persistent, oom_op op, void *ctx)
{
    innx_err e;
    persist = persistent;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* once with nothing failing: libc's and GSL's one-time allocations
     * (stdio buffers, thread stacks' TLS) are made before leaks are counted */
    int st = op(ctx, 0, &e);
    oom_disarm();
    long total = oom_count();
    if (st != 0)
        fail_msg("%s: fails with nothing failing: %s", what, e.msg);
    if (total == 0)   /* else the loop below ends at once and proves nothing */
        fail_msg("%s: no allocation counted (is malloc interposed?)", what);
    long n, failed_clean = 0, survived = 0;
    for (n = 1;; n += n < DENSE ? 1 : stride) {
        long live = oom_live();
        memset(&e, 0, sizeof e);
        st = op(ctx, n, &e);
        long failed = oom_disarm();
        /* what libgsl leaks by itself on a failure is not innx's */
        long leaked = oom_live() - live - oom_gsl_leaks();
        if (st == BROKEN)
            fail_msg("%s: allocation %ld failing: %s", what, n, e.msg);
        if (leaked > 0)
            fail_msg("%s: allocation %ld failing: %ld blocks leaked", what, n, leaked);
        if (!failed) {
            if (st != 0)
                fail_msg("%s: fails with nothing failing (after %ld): %s", what, n, e.msg);
            break;
        }
        if (st > 0 || (st < 0 && !e.msg[0]))
            fail_msg("%s: allocation %ld failing: status %d, message '%s'", what, n, st, e.msg);
        if (st < 0)
            failed_clean++;
        else
            survived++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    print_message("%s%s: %ld allocations; %ld failed cleanly, %ld went on without (%.1f s)\n", what,
                  persistent ? " (all from N on)" : "", total, failed_clean, survived,
                  (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
}

/* ---- trainer_alloc, every built-in (build_stage of every stage) ----------- */

/* The built-ins whose trainer takes a while to make and step (spend's
 * table, sinc's 6000 x 128 x 128 products): run in one mode only. */
static int big(const char *name) { return !strcmp(name, "spend") || !strcmp(name, "sinc"); }

/* Armed at n: a trainer for p and its steps; *t is kept for more (NULL
 * when it could not be made). */
static int alloc_and_step(const problem *p, long n, trainer **t, innx_err *e)
{
    arm(n);
    *t = trainer_alloc(p, e);
    if (!*t)
        return e->msg[0] ? INNX_ENOMEM : broken(e, "trainer_alloc: NULL with no message");
    return steps_or_refuses(*t, e);
}

static int op_trainer_alloc(void *ctx, long n, innx_err *e)
{
    trainer *t;
    int st = alloc_and_step(ctx, n, &t, e);
    trainer_free(t);
    return st;
}

static void test_trainer_alloc(void **state)
{
    (void)state;
    for (size_t i = 0; problem_builtin_name(i); i++) {
        problem p = builtin(problem_builtin_name(i));
        char what[64];
        snprintf(what, sizeof what, "trainer_alloc %s", problem_builtin_name(i));
        oom_loop(what, big(problem_builtin_name(i)) ? ONE : ONE | FROM, op_trainer_alloc, &p);
    }
}

/* ---- G(y, z) on a vector problem: the system in the graph, prior draws,
 * samples at y* (the built-ins' vector problems are flows) ----------------- */

static int op_vector_g(void *ctx, long n, innx_err *e)
{
    const problem *p = ctx;
    trainer *t;
    int st = alloc_and_step(p, n, &t, e);
    if (!t)
        return st;
    report_vector r;
    if (st == 0 && (st = report_vector_compute(t, p->y_target, 20, 1, &r, e)) == 0)
        report_vector_free(&r);
    else if (st != 0 && st != BROKEN && !e->msg[0])
        st = broken(e, "report_vector_compute: %d with no message", st);
    trainer_free(t);
    return st;
}

static void test_vector_g(void **state)
{
    (void)state;
    problem p = builtin("ik");
    snprintf(p.model, sizeof p.model, "mlp:4-8-4/tanh");
    p.input = PROBLEM_IN_YZ, p.z_dim = 2, p.batch_n = 32;
    p.lambda[TERM_NLL] = 0, p.lambda[TERM_CYC] = 1, p.lambda[TERM_BOX] = 1;
    oom_loop("G(y, z) on ik", ONE | FROM, op_vector_g, &p);
}

/* ---- the lazy rebuild inside trainer_step (xcyc, gp) ---------------------- */

/* Narrower nets and smaller batches than the built-ins': the same layers,
 * graph shapes and allocation paths, at a fraction of a step's time (gp
 * triples it; spend's table stays, its 5227 training rows). */
static problem small(const char *name)
{
    problem p = builtin(name);
    if (!strcmp(name, "spend")) {
        snprintf(p.forward_model, sizeof p.forward_model, "mlp:3-8-8-1/relu");
        snprintf(p.model, sizeof p.model, "mlp:1-8-8-3/tanh");
        p.threads = 1;   /* a pool per graph costs more than these steps */
        return p;
    }
    if (!strcmp(name, "sinc") || !strcmp(name, "sinc-kan")) {
        const char *m = strstr(p.model, "kan") ? "kan:1-4-4-1/g5k3" : "mlp:1-16-16-8-1/tanh";
        snprintf(p.model, sizeof p.model, "%s", m);
        p.batch_n = 300;
    }
    return p;   /* three-roots and xsin are small already */
}

typedef struct lazy_case {
    problem p;
    problem_term term;
} lazy_case;

static int op_lazy(void *ctx, long n, innx_err *e)
{
    const lazy_case *c = ctx;
    trainer *t = trainer_alloc(&c->p, e);
    if (!t)
        return broken(e, "trainer_alloc with nothing failing: %s", e->msg);
    trainer_step(t);
    trainer_set_lambda(t, c->term, 1);
    arm(n);
    int st = 0;
    trainer_state s = trainer_step(t);
    size_t nr = trainer_n_rollbacks(t);
    if (s == TRAINER_RUNNING) {
        /* built, or went on without the term: its lambda then says 0 */
        if (trainer_term_active(t, c->term) != (trainer_lambda(t, c->term) > 0))
            st = broken(e, "running with %s %s but lambda %g", problem_term_name(c->term),
                        trainer_term_active(t, c->term) ? "built" : "not built", trainer_lambda(t, c->term));
        else
            st = steps_or_refuses(t, e);
    } else if (s != TRAINER_DIVERGED || nr == 0 || !strstr(trainer_rollback_at(t, nr - 1)->why, "out of memory")) {
        st = broken(e, "stopped (%s) without saying out of memory", trainer_state_name(s));
    } else {
        /* stopped with its reason: the next step must not run a broken graph */
        snprintf(e->msg, sizeof e->msg, "%s", trainer_rollback_at(t, nr - 1)->why);
        st = trainer_step(t) == TRAINER_DIVERGED ? INNX_ENOMEM : broken(e, "stepped on after the failed rebuild");
    }
    trainer_free(t);
    return st;
}

static void test_lazy_rebuild(void **state)
{
    (void)state;
    lazy_case cases[] = {
        {small("sinc"), TERM_GP},
        {small("sinc"), TERM_XCYC},
        {small("sinc-kan"), TERM_GP},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char what[128];
        snprintf(what, sizeof what, "trainer_step building %s on %.32s", problem_term_name(cases[i].term),
                 cases[i].p.name);
        oom_loop(what, ONE | FROM, op_lazy, &cases[i]);
    }
}

/* The rebuild failing and every allocation after it (building again
 * without the term too): the step ran on a graph freed and not compiled
 * again (issue 18). It must go on without the term, or stop saying why. */
static void test_rebuild_fails(void **state)
{
    (void)state;
    problem p = small("sinc");
    trainer *t = make(&p);
    trainer_step(t);
    double before = trainer_loss(t);
    trainer_set_lambda(t, TERM_GP, 1);
    oom_arm(1, 1);
    trainer_state s = trainer_step(t);
    long failed = oom_disarm();
    assert_true(failed > 0);
    if (s == TRAINER_RUNNING) {
        assert_false(trainer_term_active(t, TERM_GP));
        assert_true(trainer_lambda(t, TERM_GP) == 0);
        /* the old graph's loss, one Adam step on */
        assert_true(isfinite(trainer_loss(t)) && trainer_loss(t) < 2 * before);
        for (int i = 0; i < 5; i++)
            assert_int_equal(trainer_step(t), TRAINER_RUNNING);
    } else {
        size_t n = trainer_n_rollbacks(t);
        assert_int_equal(s, TRAINER_DIVERGED);
        assert_true(n > 0);
        assert_non_null(strstr(trainer_rollback_at(t, n - 1)->why, "out of memory"));
        assert_int_equal(trainer_step(t), TRAINER_DIVERGED);
    }
    trainer_free(t);
}

/* ---- a stage change (stage_begin's copies) -------------------------------- */

static int op_next_stage(void *ctx, long n, innx_err *e)
{
    const problem *p = ctx;
    trainer *t = trainer_alloc(p, e);
    if (!t)
        return broken(e, "trainer_alloc with nothing failing: %s", e->msg);
    trainer_step(t);
    arm(n);
    int st = 0;
    for (size_t i = 1; i < p->n_stages && st == 0; i++) {
        trainer_next_stage(t);
        trainer_state s = trainer_get_state(t);
        size_t nr = trainer_n_rollbacks(t);
        if (s == TRAINER_RUNNING) {
            st = trainer_stage(t) == i ? steps_or_refuses(t, e)
                                       : broken(e, "running, but in stage %zu, not %zu", trainer_stage(t), i);
        } else if (s != TRAINER_DIVERGED || nr == 0 || !trainer_rollback_at(t, nr - 1)->why[0]) {
            st = broken(e, "stopped (%s) at stage %zu with no reason given", trainer_state_name(s), i);
        } else {
            snprintf(e->msg, sizeof e->msg, "%s", trainer_rollback_at(t, nr - 1)->why);
            st = INNX_ENOMEM;
        }
    }
    trainer_free(t);
    return st;
}

static void test_next_stage(void **state)
{
    (void)state;
    problem p = small("spend");
    oom_loop("trainer_next_stage spend", ONE, op_next_stage, &p);
}

/* ---- a checkpoint load ---------------------------------------------------- */

static int op_ckpt(void *ctx, long n, innx_err *e)
{
    const char *path = ctx;
    arm(n);
    checkpoint *c = checkpoint_read(path, e);
    if (!c)
        return e->msg[0] ? INNX_ENOMEM : broken(e, "checkpoint_read: NULL with no message");
    problem q;
    int st = trainer_checkpoint_problem(c, &q, e);
    trainer *t = st == 0 ? trainer_load(c, &q, e) : NULL;
    checkpoint_free(c);
    if (st != 0)
        return st;
    if (!t)
        return e->msg[0] ? INNX_ENOMEM : broken(e, "trainer_load: NULL with no message");
    st = steps_or_refuses(t, e);
    trainer_free(t);
    return st;
}

/* Saved mid-run: sinc with gp built (the restore rebuilds its graph),
 * spend in its inverse stage (the table made again), xsin (the pieces). */
static void test_checkpoint_load(void **state)
{
    (void)state;
    const char *names[] = {"sinc", "spend", "xsin"};
    for (size_t i = 0; i < 3; i++) {
        problem p = !strcmp(names[i], "xsin") ? builtin(names[i]) : small(names[i]);
        trainer *t = make(&p);
        if (!strcmp(names[i], "sinc"))
            trainer_set_lambda(t, TERM_GP, 0.5);
        for (int s = 0; s < 3; s++)
            trainer_step(t);
        if (!strcmp(names[i], "spend"))
            trainer_next_stage(t);
        trainer_step(t);
        char path[600], what[64];
        snprintf(path, sizeof path, "%s", in_dir(names[i]));
        innx_err e;
        if (trainer_save(t, path, 0, &e) != 0)
            fail_msg("%s", e.msg);
        trainer_free(t);
        snprintf(what, sizeof what, "checkpoint load %s", names[i]);
        oom_loop(what, strcmp(names[i], "spend") ? ONE | FROM : ONE, op_ckpt, path);
    }
}

/* ---- a checkpoint save ---------------------------------------------------- */

typedef struct save_case {
    trainer *t;
    char dir[512], path[600];
    unsigned char *want;   /* the file a save with nothing failing writes */
    size_t want_len;
} save_case;

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *b = NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (*len = (size_t)ftell(f), fseek(f, 0, SEEK_SET) == 0) &&
        (b = malloc(*len + 1)) && fread(b, 1, *len, f) != *len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static size_t n_files(const char *d)
{
    DIR *dir = opendir(d);
    assert_non_null(dir);
    size_t n = 0;
    for (struct dirent *f; (f = readdir(dir));)
        n += strcmp(f->d_name, ".") && strcmp(f->d_name, "..");
    closedir(dir);
    return n;
}

/* Over a file already there: a failed save leaves it as it was and no
 * temporary file beside it; one that succeeds in spite of a failure
 * writes what one with nothing failing writes. */
static int op_save(void *ctx, long n, innx_err *e)
{
    const save_case *c = ctx;
    put(c->path, "the user's file\n");
    arm(n);
    int st = trainer_save(c->t, c->path, 0, e);
    oom_disarm();
    size_t len = 0;
    unsigned char *got = slurp(c->path, &len);
    if (!got)
        st = broken(e, "%s: gone", c->path);
    else if (st != 0 && (len != 16 || memcmp(got, "the user's file\n", 16)))
        st = broken(e, "failed (%s), and the file there was changed", e->msg);
    else if (st == 0 && c->want && (len != c->want_len || memcmp(got, c->want, len)))
        st = broken(e, "saved, but not what a save with nothing failing writes");
    else if (n_files(c->dir) != 1)
        st = broken(e, "a temporary file left in %s (status %d: %s)", c->dir, st, e->msg);
    free(got);
    return st;
}

static void test_checkpoint_save(void **state)
{
    (void)state;
    const char *names[] = {"sinc", "xsin"};
    for (size_t i = 0; i < 2; i++) {
        problem p = small(names[i]);
        save_case c = {make(&p), "", "", NULL, 0};
        if (!strcmp(names[i], "sinc"))
            trainer_set_lambda(c.t, TERM_GP, 0.5);
        for (int s = 0; s < 3; s++)
            trainer_step(c.t);
        snprintf(c.dir, sizeof c.dir, "%s", in_dir("save"));
        assert_int_equal(mkdir(c.dir, 0700), 0);
        snprintf(c.path, sizeof c.path, "%s/x.safetensors", c.dir);
        innx_err e;
        if (trainer_save(c.t, c.path, 0, &e) != 0)
            fail_msg("%s", e.msg);
        c.want = slurp(c.path, &c.want_len);
        assert_non_null(c.want);
        char what[64];
        snprintf(what, sizeof what, "checkpoint save %s", names[i]);
        oom_loop(what, ONE | FROM, op_save, &c);
        free(c.want);
        trainer_free(c.t);
        assert_int_equal(unlink(c.path), 0);
        assert_int_equal(rmdir(c.dir), 0);
    }
}

/* ---- a problem file ------------------------------------------------------- */

typedef struct ini_case {
    const char *path;
    char *want;   /* the file as problem_ini_write gives it */
} ini_case;

static char *ini_text(const problem *p)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(problem_ini_write(p, f), 0);
    fclose(f);
    return text;
}

static int op_ini(void *ctx, long n, innx_err *e)
{
    const ini_case *c = ctx;
    problem q;
    memset(&q, 0, sizeof q);
    arm(n);
    int st = problem_ini_load(c->path, &q, e);
    oom_disarm();
    if (st == 0) {
        /* read in spite of a failure: it must have read it all */
        char *got = ini_text(&q);
        if (strcmp(got, c->want))
            st = broken(e, "read, but not as written");
        free(got);
    }
    return st;
}

static void test_problem_file(void **state)
{
    (void)state;
    for (size_t i = 0; problem_builtin_name(i); i++) {
        problem p = builtin(problem_builtin_name(i));
        ini_case c = {in_dir(problem_builtin_name(i)), ini_text(&p)};
        FILE *f = fopen(c.path, "w");
        assert_non_null(f);
        assert_int_equal(fputs(c.want, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
        char what[64];
        snprintf(what, sizeof what, "problem_ini_load %s", problem_builtin_name(i));
        oom_loop(what, ONE | FROM, op_ini, &c);
        free(c.want);
    }
}

/* ---- a session ------------------------------------------------------------ */

/* Paused, so that its thread waits for commands and allocates nothing of
 * its own: the Nth allocation is the same one every run. The first
 * snapshot (the latent report, or spend's data view) is built in
 * session_start itself. The narrower nets (small()): the trainer's own
 * paths are test_trainer_alloc's. */
static int op_session(void *ctx, long n, innx_err *e)
{
    const problem *p = ctx;
    arm(n);
    session *s = session_start(p, SESSION_START_PAUSED, e);
    if (!s)
        return e->msg[0] ? INNX_ENOMEM : broken(e, "session_start: NULL with no message");
    session_free(s);
    return 0;
}

static void test_session(void **state)
{
    (void)state;
    for (size_t i = 0; problem_builtin_name(i); i++) {
        problem p = small(problem_builtin_name(i));
        char what[64];
        snprintf(what, sizeof what, "session_start %s", problem_builtin_name(i));
        oom_loop(what, strcmp(problem_builtin_name(i), "spend") ? ONE | FROM : ONE, op_session, &p);
    }
}

/* ---- reference_compute: multistart (m = n, m < n) and rejection ------- */

typedef struct ref_case {
    const char *name;
    reference_opts o;
} ref_case;

static int op_reference(void *ctx, long n, innx_err *e)
{
    const ref_case *c = ctx;
    problem p;
    if (problem_builtin(c->name, &p, e) != 0)
        return broken(e, "no built-in");
    arm(n);
    reference r;
    int st = reference_compute(&p, p.y_target, &c->o, &r, e);
    if (st != 0)
        return st;
    int ok = r.rows > 0 && r.x != NULL;
    reference_free(&r);
    return ok ? 0 : broken(e, "reference: no rows");
}

static void test_reference(void **state)
{
    (void)state;
    ref_case cases[] = {
        {"square", {60, 0, 0, 0, 0, 1}},
        {"ik", {40, 0, 0, 0, 0, 1}},
        {"ik", {0, 1, 0.5, 30, 0, 1}},
        {"two-moons", {0, 1, 0.1, 30, 0, 1}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char what[64];
        snprintf(what, sizeof what, "reference %s %s", cases[i].name, cases[i].o.reject ? "rejection" : "multistart");
        oom_loop(what, ONE | FROM, op_reference, &cases[i]);
    }
}

/* The harness itself: interposition is in, and a failure is a failure. */
static void test_allocator(void **state)
{
    (void)state;
    assert_true(oom_installed());
    oom_arm(2, 0);
    void *volatile a = malloc(8), *volatile b = malloc(8), *volatile c = calloc(1, 8);
    assert_int_equal(oom_disarm(), 1);
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    free(a);
    free(c);
    oom_arm(1, 1);
    a = malloc(8);
    b = realloc(NULL, 8);
    assert_int_equal(oom_disarm(), 2);
    assert_null(a);
    assert_null(b);
}

/* LeakSanitizer (--enable-sanitizers, detect_leaks=1) at exit: the
 * gsl_matrix/gsl_vector structs libgsl leaks itself when the allocation
 * of their block fails (oom_alloc.c). This also hides a whole matrix that
 * innx leaked, so oom_loop counts blocks after every run and allows only
 * the ones oom_gsl_leaks() attributes to libgsl. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:gsl_matrix_*alloc\nleak:gsl_vector_*alloc\n";
}

/* A test that failed (cmocka's longjmp, or a signal it caught) while
 * armed must not leave the next one failing its allocations. */
static int disarm(void **state)
{
    (void)state;
    oom_disarm();
    return 0;
}

int main(void)
{
    /* GSL's default handler aborts on a failed allocation
     * (gsl_matrix_float_alloc): innx checks every NULL itself. */
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_allocator, disarm),
        cmocka_unit_test_setup(test_trainer_alloc, disarm),
        cmocka_unit_test_setup(test_vector_g, disarm),
        cmocka_unit_test_setup(test_lazy_rebuild, disarm),
        cmocka_unit_test_setup(test_rebuild_fails, disarm),
        cmocka_unit_test_setup(test_next_stage, disarm),
        cmocka_unit_test_setup(test_checkpoint_load, disarm),
        cmocka_unit_test_setup(test_checkpoint_save, disarm),
        cmocka_unit_test_setup(test_problem_file, disarm),
        cmocka_unit_test_setup(test_session, disarm),
        cmocka_unit_test_setup(test_reference, disarm),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
