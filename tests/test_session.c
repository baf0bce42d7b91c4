/* test_session.c: the trainer's thread under fire. Sender threads send
 * thousands of random mixed commands while the main thread copies snapshots
 * and checks what must hold (generations rise, steps only rise except after
 * a reset or a switch, queries are all answered, a last lambda reads back,
 * quit ends within a step); a headless run gives the bits of a trainer
 * stepped directly; the wake descriptor wakes; step-once steps once.
 * tests/tsan.sh runs it under ThreadSanitizer. INNX_SESSION_CMDS sets the
 * commands per sender (default 1500). */
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_helpers.h"

#include "innx/session.h"

/* Quit must end within one step: a generous bound (a full sinc step is
 * ~12 ms; under ThreadSanitizer it can take a second). */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifdef UNDER_TSAN
#define QUIT_MAX_S 10.0
#else
#define QUIT_MAX_S 2.0
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* A small sinc: a small net and batch, so that its steps take moments. */
static problem small_sinc(long steps)
{
    problem p = builtin("sinc");
    snprintf(p.model, sizeof p.model, "mlp:1-16-1/tanh");
    p.batch_n = 200;
    p.stages[0].steps = steps;
    p.stages[0].checkpoint = 20;
    return p;
}

static session *start(const problem *p, int flags)
{
    innx_err e;
    session *s = session_start(p, flags, &e);
    if (!s)
        fail_msg("%s", e.msg);
    return s;
}

static session_snapshot *snap_alloc(void)
{
    session_snapshot *w = calloc(1, sizeof *w);
    assert_non_null(w);
    return w;
}

/* Copies snapshots until pred holds or `timeout` seconds pass; 1 if it held. */
typedef int (*snap_pred)(const session_snapshot *w, const void *arg);
static int wait_for(session *s, session_snapshot *w, snap_pred pred, const void *arg, double timeout)
{
    double end = now_s() + timeout;
    for (;;) {
        session_snapshot_copy(s, w);
        if (pred(w, arg))
            return 1;
        if (now_s() > end)
            return 0;
        struct pollfd pf = {.fd = session_wake_fd(s), .events = POLLIN};
        poll(&pf, 1, 10);
        session_drain_wake(s);
    }
}

static int step_at_least(const session_snapshot *w, const void *arg) { return w->step >= *(const long *)arg; }
static int query_id_is(const session_snapshot *w, const void *arg)
{
    return w->query_id >= *(const unsigned long *)arg;
}
static int is_running(const session_snapshot *w, const void *arg)
{
    (void)arg;
    return w->state == SESSION_RUNNING;
}

/* ---- the command storm ---------------------------------------------------- */

static const char *const bad_formulas[] = {
    "sin(x", "x +* 2", "foo(x)", "x ^", "(x - 1))", "exp(x, 2)", "x1 + x2", "",
};
#define N_BAD (sizeof bad_formulas / sizeof *bad_formulas)
static const char *const good_formulas[] = {"x*x - 2", "cos(x) - 0.2", "x^3 - 4*x", "sin(x)/x - 0.5"};
#define N_GOOD (sizeof good_formulas / sizeof *good_formulas)
static const double lambda_values[] = {0, 0.25, 0.5, 1, 2, 5, 10};

typedef struct storm {
    session *s;
    int n_cmds;
    /* The sender counts a reset or a switch before it sends it, so a
     * reader that loads the count after copying a snapshot counts every
     * restart the snapshot can show. */
    atomic_long restarts, queries, step_onces, bad_refused, senders_done;
} storm;

typedef struct sender {
    storm *st;
    uint64_t rng;
    int lr_level;          /* net x2 / 2 this sender sent, kept in [-2, 2] */
    char fail[1400];       /* cmocka asserts only in the main thread */
} sender;

static uint32_t rnd(sender *q)
{
    q->rng ^= q->rng << 13;
    q->rng ^= q->rng >> 7;
    q->rng ^= q->rng << 17;
    return (uint32_t)(q->rng >> 16);
}

static void sender_fail(sender *q, const char *fmt, const char *a, const char *b)
{
    if (!q->fail[0])
        snprintf(q->fail, sizeof q->fail, fmt, a, b);
}

static void *send_storm(void *arg)
{
    sender *q = arg;
    storm *st = q->st;
    session *s = st->s;
    innx_err e;
    for (int i = 0; i < st->n_cmds; i++) {
        uint32_t r = rnd(q) % 1000;
        if (r < 200) {
            session_set_lambda(s, (problem_term)(rnd(q) % TERM_N), lambda_values[rnd(q) % 7]);
        } else if (r < 270) {
            session_pause(s, 1);
        } else if (r < 360) {
            session_pause(s, 0);
        } else if (r < 420) {
            session_toggle_pause(s);
        } else if (r < 500) {
            atomic_fetch_add(&st->step_onces, 1);
            session_step_once(s);
        } else if (r < 505) {
            atomic_fetch_add(&st->restarts, 1);
            session_reset(s);
        } else if (r < 575) {
            int up = rnd(q) % 2 ? q->lr_level < 2 : q->lr_level <= -2;
            q->lr_level += up ? 1 : -1;
            session_scale_lr(s, up ? 2.0 : 0.5);
        } else if (r < 590) {
            session_next_stage(s);
        } else if (r < 650) {
            session_train_on(s);
        } else if (r < 700) {
            session_set_k(s, rnd(q) % 20);   /* 0 and > REPORT_MAX_K are ignored */
        } else if (r < 850) {
            atomic_fetch_add(&st->queries, 1);
            session_query(s, -0.5 + (double)(rnd(q) % 1000) / 1000.0);
        } else if (r < 920) {
            session_set_width(s, rnd(q) % 1500);
        } else if (r < 990) {
            const char *f = bad_formulas[rnd(q) % N_BAD];
            e.msg[0] = 0;
            if (session_set_formula(s, f, &e) == 0)
                sender_fail(q, "bad formula '%s' accepted%s", f, "");
            else if (strncmp(e.msg, "formula", 7) != 0)
                sender_fail(q, "bad formula '%s': not the parser's message: %s", f, e.msg);
            else if (strchr(f, '2') == NULL && f[0] && strchr(e.msg, '^') == NULL)
                sender_fail(q, "bad formula '%s': no caret in: %s", f, e.msg);
            atomic_fetch_add(&st->bad_refused, 1);
        } else if (r < 997) {
            const char *f = good_formulas[rnd(q) % N_GOOD];
            atomic_fetch_add(&st->restarts, 1);
            if (session_set_formula(s, f, &e) != 0)
                sender_fail(q, "good formula '%s' refused: %s", f, e.msg);
        } else {
            problem p = small_sinc(300);
            atomic_fetch_add(&st->restarts, 1);
            if (session_set_problem(s, &p, &e) != 0)
                sender_fail(q, "problem refused: %s%s", e.msg, "");
        }
        if (i % 2)
            sleep_s(1e-3);   /* let steps run between the commands */
    }
    atomic_fetch_add(&st->senders_done, 1);
    return NULL;
}

typedef struct checker {
    long drops;            /* steps seen going down */
    long copies, distinct;
} checker;

static int is_bad_formula(const char *f)
{
    for (size_t i = 0; i < N_BAD; i++)
        if (bad_formulas[i][0] && strcmp(f, bad_formulas[i]) == 0)
            return 1;
    return 0;
}

/* What must hold between two copies a (older) and b. `restarts` and
 * `queries` are loaded after b was copied. */
static void check_pair(checker *c, const session_snapshot *a, const session_snapshot *b, long restarts,
                       long queries)
{
    c->copies++;
    if (b->generation == a->generation) {
        /* the same publication: the same bytes */
        assert_memory_equal(a, b, sizeof *a);
        return;
    }
    c->distinct++;
    assert_true(b->generation > a->generation);
    if (b->step < a->step) {
        /* only a reset or a switch restarts the count, once each at most */
        c->drops++;
        if (c->drops > restarts)
            fail_msg("step fell %ld -> %ld (gen %lu -> %lu): %ld drops, %ld restarts sent", a->step, b->step,
                     a->generation, b->generation, c->drops, restarts);
    }
    assert_true(b->query_id >= a->query_id);
    assert_true(b->query_id <= (unsigned long)queries);
    assert_true(b->message_id >= a->message_id);
    /* the snapshot itself */
    assert_true(b->step >= 0);
    assert_true(b->state >= SESSION_RUNNING && b->state <= SESSION_DIVERGED);
    assert_true(b->n_stages >= 1 && b->n_stages <= PROBLEM_MAX_STAGES);
    assert_true(b->stage < b->n_stages);
    assert_true(b->lr > 0 && isfinite(b->lr));
    for (int k = 0; k < TERM_N; k++)
        assert_true(b->lambda[k] >= 0 && isfinite(b->lambda[k]));
    assert_true(b->hist_n <= SESSION_HIST_MAX);
    for (size_t i = 1; i < b->hist_n; i++)
        assert_true(b->hist_step[i] > b->hist_step[i - 1]);
    if (b->hist_n)
        assert_true(b->hist_step[b->hist_n - 1] < b->step);
    assert_true(b->n_marks <= SESSION_MAX_MARKS);
    for (size_t i = 0; i < b->n_marks; i++) {
        assert_true(b->mark_step[i] <= b->step);
        if (i)
            assert_true(b->mark_step[i] > b->mark_step[i - 1]);
    }
    assert_true(b->n_rollbacks <= TRAINER_MAX_ROLLBACKS);
    assert_true(b->n_ref <= REPORT_MAX_ROOTS);
    assert_false(is_bad_formula(b->formula));
    assert_non_null(memchr(b->message, 0, sizeof b->message));
}

static int env_int(const char *name, int def)
{
    const char *v = getenv(name);
    return v && atoi(v) > 0 ? atoi(v) : def;
}

static void storm_run(const problem *p, int n_senders)
{
    storm st = {.s = start(p, 0), .n_cmds = env_int("INNX_SESSION_CMDS", 1500)};
    session *s = st.s;
    sender q[2];
    pthread_t th[2];
    assert_true(n_senders >= 1 && n_senders <= 2);
    for (int i = 0; i < n_senders; i++) {
        memset(&q[i], 0, sizeof q[i]);
        q[i].st = &st;
        q[i].rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
        assert_int_equal(pthread_create(&th[i], NULL, send_storm, &q[i]), 0);
    }
    session_snapshot *a = snap_alloc(), *b = snap_alloc();
    checker c = {0};
    session_snapshot_copy(s, a);
    double t0 = now_s();
    while (atomic_load(&st.senders_done) < n_senders) {
        struct pollfd pf = {.fd = session_wake_fd(s), .events = POLLIN};
        poll(&pf, 1, (int)(c.copies % 3));   /* 0-2 ms: copies between and at publications */
        if (c.copies % 2)
            session_drain_wake(s);
        session_snapshot_copy(s, b);
        check_pair(&c, a, b, atomic_load(&st.restarts), atomic_load(&st.queries));
        session_snapshot *t = a;
        a = b;
        b = t;
    }
    for (int i = 0; i < n_senders; i++) {
        pthread_join(th[i], NULL);
        if (q[i].fail[0])
            fail_msg("sender %d: %s", i, q[i].fail);
    }
    double storm_s = now_s() - t0;

    /* Quiet now. Pause, set two lambdas and ask one more query: once the
     * query is answered, every command before it was applied. */
    const double l_cyc = 1.0 / 3.0, l_norm = 0.0625, y_last = 0.123456789;
    session_pause(s, 1);
    session_set_lambda(s, TERM_CYC, l_cyc);
    session_set_lambda(s, TERM_NORM, l_norm);
    session_set_lambda(s, TERM_BOX, -1);     /* refused: stays */
    session_set_lambda(s, TERM_BOX, NAN);    /* refused: stays */
    session_set_k(s, 2);
    atomic_fetch_add(&st.queries, 1);
    session_query(s, y_last);
    unsigned long nq = (unsigned long)atomic_load(&st.queries);
    assert_true(wait_for(s, b, query_id_is, &nq, 10.0));
    check_pair(&c, a, b, atomic_load(&st.restarts), atomic_load(&st.queries));
    assert_int_equal(b->query_id, nq);          /* every query answered, once */
    assert_true(b->query.y == y_last);          /* and the last is the last sent */
    assert_true(b->lambda[TERM_CYC] == l_cyc);  /* reads back exactly */
    assert_true(b->lambda[TERM_NORM] == l_norm);
    assert_true(b->state != SESSION_RUNNING);
    double box = b->lambda[TERM_BOX];

    /* Paused holds: only the step-once presses still owed step (each at
     * most one step), then nothing moves for 100 ms. */
    long paused_at = b->step, owed = atomic_load(&st.step_onces);
    for (int i = 0;; i++) {
        assert_true(i < 100);
        sleep_s(0.1);
        session_snapshot_copy(s, a);
        check_pair(&c, b, a, atomic_load(&st.restarts), atomic_load(&st.queries));
        assert_true(a->step - paused_at <= owed);
        assert_true(a->state != SESSION_RUNNING);
        assert_true(a->lambda[TERM_BOX] == box);
        int still = a->step == b->step;
        session_snapshot *t = a;
        a = b;
        b = t;
        if (still)
            break;
    }
    paused_at = b->step;
    sleep_s(0.1);
    session_snapshot_copy(s, a);
    check_pair(&c, b, a, atomic_load(&st.restarts), atomic_load(&st.queries));
    assert_int_equal(a->step, paused_at);

    /* Resume (train on if it had finished): training goes on. */
    session_pause(s, 0);
    session_train_on(s);
    long want = paused_at + 5;
    assert_true(wait_for(s, b, step_at_least, &want, 10.0));
    check_pair(&c, a, b, atomic_load(&st.restarts), atomic_load(&st.queries));
    assert_true(b->lambda[TERM_CYC] == l_cyc);

    /* End every stage: session_wait returns the finished state. */
    for (size_t i = 0; i < b->n_stages; i++)
        session_next_stage(s);
    double t1 = now_s();
    session_state fin = session_wait(s, 10.0);
    double wait_s = now_s() - t1;
    assert_true(fin == SESSION_DONE || fin == SESSION_EARLY_STOPPED || fin == SESSION_DIVERGED);
    assert_true(wait_s < 5.0);
    session_snapshot_copy(s, a);
    assert_int_equal(a->state, fin);

    /* Quit while it trains: within a step. */
    session_train_on(s);
    assert_true(wait_for(s, b, is_running, NULL, 10.0));
    double t2 = now_s();
    session_free(s);
    double quit_s = now_s() - t2;
    assert_true(quit_s < QUIT_MAX_S);
    print_message("%s: %d x %d commands in %.2f s, %ld copies (%ld distinct), %ld step drops / %ld restarts, "
                  "%ld queries, %ld bad formulas refused; wait %.3f s, quit %.3f s\n",
                  p->name, n_senders, st.n_cmds, storm_s, c.copies, c.distinct, c.drops,
                  (long)atomic_load(&st.restarts), (long)nq, (long)atomic_load(&st.bad_refused), wait_s, quit_s);
    /* The check on steps must have had something to check. */
    assert_true(c.distinct >= 10);
    free(a);
    free(b);
}

static void test_storm_three_roots(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    storm_run(&p, 1);
}

static void test_storm_sinc_two_senders(void **state)
{
    (void)state;
    problem p = small_sinc(600);
    storm_run(&p, 2);
}

/* ---- same bits, step once, wake, quit -------------------------------------- */

static void same_bits(const problem *p, int flags)
{
    innx_err e;
    trainer *d = trainer_alloc(p, &e);
    if (!d)
        fail_msg("%s", e.msg);
    while (!trainer_finished(d))
        trainer_step(d);
    session *s = start(p, flags);
    session_state st = session_wait(s, 60.0);
    assert_int_equal(st, trainer_get_state(d) == TRAINER_DONE ? SESSION_DONE : SESSION_EARLY_STOPPED);
    session_snapshot *w = snap_alloc();
    session_snapshot_copy(s, w);
    trainer *t = session_detach(s);
    assert_non_null(t);
    assert_int_equal(trainer_steps(t), trainer_steps(d));
    double la = trainer_loss(t), lb = trainer_loss(d);
    assert_memory_equal(&la, &lb, sizeof la);
    assert_memory_equal(&w->loss, &lb, sizeof lb);
    assert_int_equal(w->step, trainer_steps(d));
    for (int k = 0; k < TERM_N; k++) {
        double x = trainer_term(t, (problem_term)k), y = trainer_term(d, (problem_term)k);
        assert_memory_equal(&x, &y, sizeof x);
    }
    /* and the answering weights */
    double y = p->y_star, xa[1], xb[1];
    if (trainer_g_in(t) == 1) {
        assert_int_equal(trainer_eval_g(t, &y, 1, xa, &e), 0);
        assert_int_equal(trainer_eval_g(d, &y, 1, xb, &e), 0);
        assert_memory_equal(xa, xb, sizeof xa);
    }
    trainer_free(t);
    trainer_free(d);
    free(w);
}

/* A headless run through the session gives the bits of stepping the
 * trainer directly (and the reports published on the way change nothing). */
static void test_headless_same_bits(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    p.stages[0].steps = 300;
    same_bits(&p, SESSION_NO_REPORT);
    same_bits(&p, 0);
    p = builtin("three-roots");   /* early stop */
    p.stages[0].patience = 30;
    same_bits(&p, SESSION_NO_REPORT);
    p = small_sinc(300);
    same_bits(&p, SESSION_NO_REPORT);
    same_bits(&p, 0);
}

/* -- step hook (session_start_hook, --metrics) -- */
typedef struct hook_log {
    long n, bad;
    double loss[400], lr[400];
    size_t stage[400];
    int stop_at;          /* return nonzero at this call (0 = never) */
} hook_log;

static int hook_fn(const trainer *t, const session_step_info *in, void *ctx)
{
    hook_log *h = ctx;
    if (in->step != h->n || h->n >= 400)
        h->bad++;
    else {
        h->loss[h->n] = trainer_loss(t);
        h->lr[h->n] = in->lr;
        h->stage[h->n] = in->stage;
    }
    h->n++;
    return h->stop_at && h->n == h->stop_at;
}

/* The hook sees every step once, in order, in the session thread, with the
 * trainer's own values (a direct trainer's, bit for bit) and the step's lr;
 * a nonzero return ends the calls and not the run. */
static void test_step_hook(void **state)
{
    (void)state;
    problem p = small_sinc(300);
    static hook_log h;
    memset(&h, 0, sizeof h);
    innx_err e;
    session *s = session_start_hook(&p, SESSION_NO_REPORT, hook_fn, &h, &e);
    if (!s)
        fail_msg("%s", e.msg);
    assert_int_equal(session_wait(s, 60.0), SESSION_DONE);
    trainer *t = session_detach(s);
    assert_int_equal(h.n, 300);
    assert_int_equal(h.bad, 0);
    trainer *d = trainer_alloc(&p, &e);
    assert_non_null(d);
    for (long i = 0; i < 300; i++) {
        double lr = trainer_lr(d);
        trainer_step(d);
        double l = trainer_loss(d);
        assert_memory_equal(&h.loss[i], &l, sizeof l);
        assert_memory_equal(&h.lr[i], &lr, sizeof lr);
        assert_int_equal(h.stage[i], 0);
    }
    assert_true(h.lr[0] > h.lr[299]);   /* the multistep schedule shows */
    trainer_free(d);
    trainer_free(t);

    memset(&h, 0, sizeof h);
    h.stop_at = 10;
    s = session_start_hook(&p, SESSION_NO_REPORT, hook_fn, &h, &e);
    assert_non_null(s);
    assert_int_equal(session_wait(s, 60.0), SESSION_DONE);
    t = session_detach(s);
    assert_int_equal(h.n, 10);
    assert_int_equal(trainer_steps(t), 300);
    trainer_free(t);
}

/* Started paused, it does not step; each step-once is one step, the same
 * step as the trainer's; session_wait on a paused run times out. */
static void test_step_once(void **state)
{
    (void)state;
    problem p = small_sinc(300);
    session *s = start(&p, SESSION_START_PAUSED);
    session_snapshot *w = snap_alloc();
    sleep_s(0.05);
    session_snapshot_copy(s, w);
    assert_int_equal(w->state, SESSION_PAUSED);
    assert_int_equal(w->step, 0);
    double t0 = now_s();
    assert_int_equal(session_wait(s, 0.2), SESSION_PAUSED);
    double waited = now_s() - t0;
    assert_true(waited >= 0.19 && waited < QUIT_MAX_S);
    for (int i = 0; i < 25; i++)
        session_step_once(s);
    long want = 25;
    assert_true(wait_for(s, w, step_at_least, &want, 10.0));
    sleep_s(0.1);
    session_snapshot_copy(s, w);
    assert_int_equal(w->step, 25);
    assert_int_equal(w->state, SESSION_PAUSED);
    trainer *t = session_detach(s);
    innx_err e;
    trainer *d = trainer_alloc(&p, &e);
    assert_non_null(d);
    for (int i = 0; i < 25; i++)
        trainer_step(d);
    double la = trainer_loss(t), lb = trainer_loss(d);
    assert_memory_equal(&la, &lb, sizeof la);
    trainer_free(t);
    trainer_free(d);
    free(w);
}

/* The wake descriptor becomes readable after a publication, and stays
 * quiet while nothing is published. */
static void test_wake_fd(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    session *s = start(&p, SESSION_START_PAUSED);
    int fd = session_wake_fd(s);
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&pf, 1, 2000), 1);   /* the first snapshot */
    session_drain_wake(s);
    session_snapshot *w = snap_alloc();
    session_snapshot_copy(s, w);
    unsigned long gen = w->generation;
    assert_true(gen >= 1);
    pf.revents = 0;
    assert_int_equal(poll(&pf, 1, 100), 0);    /* paused and idle: nothing */
    session_set_k(s, 2);
    assert_int_equal(poll(&pf, 1, 2000), 1);
    assert_true(pf.revents & POLLIN);
    session_drain_wake(s);
    session_snapshot_copy(s, w);
    assert_true(w->generation > gen);
    pf.revents = 0;
    assert_int_equal(poll(&pf, 1, 0), 0);      /* drained */
    session_free(s);
    free(w);
}

/* A vector problem's view: paused, a sample count set and a y* given are
 * drawn again at once; a count out of range and a y* of the wrong length
 * are refused with what would do. */
static int vec_samples_are(const session_snapshot *w, const void *arg)
{
    return w->has_vector && w->vec.samples == *(const size_t *)arg;
}
static int vec_ystar_is(const session_snapshot *w, const void *arg)
{
    const double *y = arg;
    return w->has_vector && w->vec.ystar[0] == y[0] && w->vec.ystar[1] == y[1];
}

static void test_vector_view_settings(void **state)
{
    (void)state;
    problem p = builtin("ik");
    session *s = start(&p, SESSION_START_PAUSED);
    session_snapshot *w = snap_alloc();
    session_step_once(s);
    size_t want = SESSION_VECTOR_N;
    assert_true(wait_for(s, w, vec_samples_are, &want, 60.0));
    assert_int_equal(w->vec.n, 4);
    assert_int_equal(w->vec.m, 2);
    innx_err e;
    assert_int_equal(session_set_samples(s, 50, &e), 0);
    want = 50;
    assert_true(wait_for(s, w, vec_samples_are, &want, 60.0));
    assert_int_equal(w->state, SESSION_PAUSED);
    assert_int_equal(session_set_samples(s, SESSION_VECTOR_N + 1, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "from 10 to 400"));
    assert_int_equal(session_set_samples(s, 9, &e), INNX_EINVAL);
    double y[2] = {1.4, 0.2};
    assert_int_equal(session_query_vector(s, y, 1, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "y has 2 components"));
    assert_int_equal(session_query_vector(s, y, 2, &e), 0);
    assert_true(wait_for(s, w, vec_ystar_is, y, 60.0));
    assert_int_equal(w->vec.samples, 50);   /* the count stays with a new y* */
    session_free(s);
    free(w);
}

/* The vector view comes by trait, not by model: an MLP G(y, z) on the
 * arm gets it as the flow does, its samples projected and certified, and
 * no one-variable pane. */
static void test_vector_view_g(void **state)
{
    (void)state;
    problem p = builtin("ik");
    snprintf(p.model, sizeof p.model, "mlp:4-16-4/tanh");
    p.input = PROBLEM_IN_YZ, p.z_dim = 2, p.batch_n = 64;
    p.lambda[TERM_NLL] = 0, p.lambda[TERM_CYC] = 1;
    session *s = start(&p, SESSION_START_PAUSED);
    session_snapshot *w = snap_alloc();
    session_step_once(s);
    size_t want = SESSION_VECTOR_N;
    assert_true(wait_for(s, w, vec_samples_are, &want, 60.0));
    assert_true(w->vector);
    assert_false(w->has_formula);
    assert_false(w->has_report);
    assert_int_equal(w->vec.n, 4);
    assert_int_equal(w->vec.m, 2);
    assert_false(w->vec.random);
    assert_true(w->vec.n_certified > SESSION_VECTOR_N / 2);
    session_free(s);
    free(w);
}

/* Quit on the full sinc (6000 points, a 128-128-64 net, two graph
 * threads): session_free returns within a step. */
static void test_quit_sinc(void **state)
{
    (void)state;
    problem p = builtin("sinc");
    session *s = start(&p, 0);
    session_snapshot *w = snap_alloc();
    long want = 3;
    assert_true(wait_for(s, w, step_at_least, &want, 30.0));
    double t0 = now_s();
    session_free(s);
    double quit_s = now_s() - t0;
    print_message("sinc: quit at step >= %ld in %.3f s\n", w->step, quit_s);
    assert_true(quit_s < QUIT_MAX_S);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wake_fd),
        cmocka_unit_test(test_step_once),
        cmocka_unit_test(test_vector_view_settings),
        cmocka_unit_test(test_vector_view_g),
        cmocka_unit_test(test_headless_same_bits),
        cmocka_unit_test(test_step_hook),
        cmocka_unit_test(test_quit_sinc),
        cmocka_unit_test(test_storm_three_roots),
        cmocka_unit_test(test_storm_sinc_two_senders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
