/* test_checkpoint.c: the safetensors file (round trip, every way a file can
 * be broken refused with its message) and a trainer saved mid-run and
 * restored stepping on bit for bit as the uninterrupted run. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_helpers.h"

#include "innx/checkpoint.h"
#include "innx/trainer_ckpt.h"
#include "innx/session.h"
#include "innx/trainer.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/innx-test-ckpt.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
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
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*len + 1);
    assert_true(fread(b, 1, *len, f) == *len);
    fclose(f);
    return b;
}

/* ---- the format ------------------------------------------------------------ */

static void test_round_trip(void **state)
{
    (void)state;
    innx_err e;
    checkpoint *c = checkpoint_alloc();
    float f[6] = {1, -2, 3.5f, NAN, INFINITY, -0.0f};
    double d[3] = {0.1, -1e300, 5e-324};
    int64_t l[2] = {-1, INT64_MAX};
    unsigned char u[5] = {0, 1, 2, 254, 255};
    size_t s23[2] = {2, 3}, s3 = 3, s2 = 2, s5 = 5;
    assert_int_equal(checkpoint_add(c, "a", CHECKPOINT_F32, 2, s23, f, &e), 0);
    assert_int_equal(checkpoint_add(c, "b", CHECKPOINT_F64, 1, &s3, d, &e), 0);
    assert_int_equal(checkpoint_add(c, "c", CHECKPOINT_I64, 1, &s2, l, &e), 0);
    assert_int_equal(checkpoint_add(c, "d", CHECKPOINT_U8, 1, &s5, u, &e), 0);
    assert_int_not_equal(checkpoint_add(c, "a", CHECKPOINT_U8, 1, &s5, u, &e), 0);   /* twice */
    assert_int_equal(checkpoint_set_meta(c, "k", "v \"quoted\"\n", &e), 0);
    assert_int_equal(checkpoint_write(c, in_dir("rt.safetensors"), 0, &e), 0);
    /* the name is taken: NO_REPLACE leaves it alone */
    assert_int_equal(checkpoint_write(c, in_dir("rt.safetensors"), CHECKPOINT_NO_REPLACE, &e), CHECKPOINT_EEXIST);
    checkpoint_free(c);

    size_t len;
    unsigned char *b = slurp(in_dir("rt.safetensors"), &len);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | b[i];
    assert_true(n % 8 == 0 && 8 + n + 24 + 24 + 16 + 5 == len);
    assert_true(b[8] == '{');
    free(b);

    c = checkpoint_read(in_dir("rt.safetensors"), &e);
    if (!c)
        fail_msg("%s", e.msg);
    float f2[6];
    double d2[3];
    int64_t l2[2];
    unsigned char u2[5];
    assert_int_equal(checkpoint_get(c, "a", CHECKPOINT_F32, 2, s23, f2, &e), 0);
    assert_memory_equal(f, f2, sizeof f);
    assert_int_equal(checkpoint_get(c, "b", CHECKPOINT_F64, 1, &s3, d2, &e), 0);
    assert_memory_equal(d, d2, sizeof d);
    assert_int_equal(checkpoint_get(c, "c", CHECKPOINT_I64, 1, &s2, l2, &e), 0);
    assert_memory_equal(l, l2, sizeof l);
    assert_int_equal(checkpoint_get(c, "d", CHECKPOINT_U8, 1, &s5, u2, &e), 0);
    assert_memory_equal(u, u2, sizeof u);
    assert_string_equal(checkpoint_meta(c, "k"), "v \"quoted\"\n");
    assert_string_equal(checkpoint_meta(c, "format"), CHECKPOINT_FORMAT);
    /* wrong dtype, wrong shape: named */
    assert_int_not_equal(checkpoint_get(c, "a", CHECKPOINT_F64, 2, s23, NULL, &e), 0);
    assert_non_null(strstr(e.msg, "tensor a is F32, expected F64"));
    size_t s32[2] = {3, 2};
    assert_int_not_equal(checkpoint_get(c, "a", CHECKPOINT_F32, 2, s32, NULL, &e), 0);
    assert_non_null(strstr(e.msg, "has shape [2, 3] but the problem's network needs [3, 2]"));
    checkpoint_free(c);
}

/* A hand-made file: header text, then len data bytes of 0, the CRC right
 * unless crc is given. */
static checkpoint *parse_made(const char *tensors, size_t data_len, const char *version, const char *crc,
                              innx_err *e)
{
    unsigned char *data = calloc(data_len + 1, 1);
    char crcbuf[16];
    if (!crc) {
        /* crc32 of zeros: through the writer of an equal-sized U8 tensor */
        checkpoint *w = checkpoint_alloc();
        size_t s = data_len;
        checkpoint_add(w, "z", CHECKPOINT_U8, 1, &s, data, e);
        checkpoint_write(w, in_dir("crc.tmp"), 0, e);
        checkpoint_free(w);
        checkpoint *r = checkpoint_read(in_dir("crc.tmp"), e);
        assert_non_null(r);
        snprintf(crcbuf, sizeof crcbuf, "%s", checkpoint_meta(r, "crc32"));
        checkpoint_free(r);
        crc = crcbuf;
    }
    char h[2048];
    snprintf(h, sizeof h, "{%s%s\"__metadata__\":{\"format\":\"innx-checkpoint\",\"format_version\":\"%s\",\"crc32\":\"%s\"}}",
             tensors, tensors[0] ? "," : "", version, crc);
    size_t n = strlen(h), len = 8 + n + data_len;
    unsigned char *b = malloc(len);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(b + 8, h, n);
    memcpy(b + 8 + n, data, data_len);
    checkpoint *c = checkpoint_parse(b, len, "made", e);
    free(b);
    free(data);
    return c;
}

static void expect_refused(checkpoint *c, const innx_err *e, const char *what)
{
    if (c)
        fail_msg("accepted; expected '%s'", what);
    if (!strstr(e->msg, what) || strncmp(e->msg, "made: ", 6) != 0)
        fail_msg("message '%s' lacks '%s'", e->msg, what);
}

static void test_refused(void **state)
{
    (void)state;
    innx_err e;
    checkpoint *c = parse_made("\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "1", NULL, &e);
    if (!c)
        fail_msg("%s", e.msg);
    checkpoint_free(c);
    expect_refused(parse_made("\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "2", NULL, &e), &e,
                   "format version 2, this innx reads version 1");
    expect_refused(parse_made("\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "1", "deadbeef", &e),
                   &e, "corrupt (CRC32");
    expect_refused(parse_made("\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}", 8, "1", NULL, &e), &e,
                   "F32 [3] does not fill its 8 bytes");
    expect_refused(parse_made("\"a\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]}", 8, "1", NULL, &e), &e,
                   "dtype 'BF16'");
    expect_refused(parse_made("\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                              "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}", 12, "1", NULL, &e),
                   &e, "overlap");
    expect_refused(parse_made("\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                              "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}", 12, "1", NULL, &e),
                   &e, "gap");
    expect_refused(parse_made("\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 12, "1", NULL, &e), &e,
                   "the tensors account for 8");
    expect_refused(parse_made("\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}", 8, "1", NULL, &e), &e,
                   "truncated");
    expect_refused(parse_made("\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
                              "\"data_offsets\":[0,8]}", 8, "1", NULL, &e), &e, "does not fill");
    expect_refused(parse_made("\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}", 0, "1", NULL, &e), &e,
                   "not a size");
    expect_refused(parse_made("\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}", 4, "1", NULL, &e), &e,
                   "not [begin, end]");
    expect_refused(parse_made("\"a\":[]", 0, "1", NULL, &e), &e, "not an object");
    /* bytes that are not safetensors at all */
    expect_refused(checkpoint_parse((const unsigned char *)"x,y\n1,2\n", 8, "made", &e), &e, "not a safetensors file");
    expect_refused(checkpoint_parse((const unsigned char *)"abc", 3, "made", &e), &e, "not a safetensors file");
    unsigned char absurd[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}'};
    expect_refused(checkpoint_parse(absurd, sizeof absurd, "made", &e), &e, "absurd");
    unsigned char longer[16] = {200, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    expect_refused(checkpoint_parse(longer, sizeof longer, "made", &e), &e, "truncated");
    unsigned char notjson[16] = {8, 0, 0, 0, 0, 0, 0, 0, '{', 'x', 'x', 'x', 'x', 'x', 'x', 'x'};
    expect_refused(checkpoint_parse(notjson, sizeof notjson, "made", &e), &e, "not a safetensors file (header");
    unsigned char plain[16] = {2, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    expect_refused(checkpoint_parse(plain, 10, "made", &e), &e, "not an innx checkpoint");
    /* a missing file, a directory */
    assert_null(checkpoint_read(in_dir("nosuch"), &e));
    assert_non_null(strstr(e.msg, "No such file"));
    assert_null(checkpoint_read(dir, &e));
    assert_non_null(strstr(e.msg, "not a regular file"));
}

/* ---- the trainer ----------------------------------------------------------- */

static void same_weights(trainer *a, trainer *b)
{
    const optim_params *pa = nn_params(trainer_g(a)), *pb = nn_params(trainer_g(b));
    assert_int_equal(pa->n, pb->n);
    for (size_t i = 0; i < pa->n; i++)
        assert_memory_equal(pa->val[i]->data, pb->val[i]->data,
                            pa->val[i]->size1 * pa->val[i]->size2 * sizeof(float));
}

static void xcyc_on(trainer *t, long step);

/* Runs p straight, and again with a save at `at` and a restore; hook
 * (may be NULL) acts on all of them before each step (it is given the
 * step). The two end in the same bits: weights, losses, history, and the
 * files saved at the end. */
static void resume_matches(problem p, long at, void (*hook)(trainer *, long))
{
    innx_err e;
    trainer *a = make(&p), *b = make(&p);
    long steps = 0;
    for (; !trainer_finished(a); steps++) {
        if (hook)
            hook(a, steps);
        trainer_step(a);
    }
    for (long s = 0; s < at && !trainer_finished(b); s++) {
        if (hook)
            hook(b, s);
        trainer_step(b);
    }
    assert_int_equal(trainer_save(b, in_dir("mid.safetensors"), 0, &e), 0);
    trainer_free(b);
    checkpoint *c = checkpoint_read(in_dir("mid.safetensors"), &e);
    if (!c)
        fail_msg("%s", e.msg);
    problem q;
    assert_int_equal(trainer_checkpoint_problem(c, &q, &e), 0);
    trainer *r = trainer_load(c, &q, &e);
    if (!r)
        fail_msg("%s", e.msg);
    checkpoint_free(c);
    assert_int_equal(trainer_steps(r), at);
    for (long s = at; !trainer_finished(r); s++) {
        if (hook)
            hook(r, s);
        trainer_step(r);
    }
    assert_int_equal(trainer_steps(r), trainer_steps(a));
    assert_int_equal(trainer_get_state(r), trainer_get_state(a));
    double la = trainer_loss(a), lr = trainer_loss(r);
    assert_memory_equal(&la, &lr, sizeof la);
    same_weights(a, r);
    if (hook == xcyc_on)   /* the lazily built term is in on both sides */
        assert_true(trainer_term_active(a, TERM_XCYC) && trainer_term_active(r, TERM_XCYC));
    assert_int_equal(trainer_save(a, in_dir("a.safetensors"), 0, &e), 0);
    assert_int_equal(trainer_save(r, in_dir("r.safetensors"), 0, &e), 0);
    size_t na, nr;
    unsigned char *ba = slurp(in_dir("a.safetensors"), &na), *br = slurp(in_dir("r.safetensors"), &nr);
    assert_int_equal(na, nr);
    assert_memory_equal(ba, br, na);
    free(ba);
    free(br);
    trainer_free(a);
    trainer_free(r);
}

/* sinc shortened: the EMA, the scored checkpoints, MultiStepLR */
static void test_resume_sinc(void **state)
{
    (void)state;
    problem p = builtin("sinc");
    snprintf(p.model, sizeof p.model, "mlp:1-32-32-1/tanh");
    p.batch_n = 500;
    p.stages[0].steps = 400;
    p.stages[0].checkpoint = 50;
    resume_matches(p, 200, NULL);
}

/* three-roots: a fresh batch from the generator each step, the plateau
 * schedule and early stopping (it stops early near step 600) */
static void test_resume_three_roots(void **state)
{
    (void)state;
    problem p = builtin("three-roots");
    resume_matches(p, 150, NULL);
    resume_matches(p, 450, NULL);
}

/* Every built-in problem, shortened, stopped half-way and restored: the
 * same bits as the run in one go (a new piece of trainer state that a
 * checkpoint misses shows here). */
static void test_resume_builtins(void **state)
{
    (void)state;
    for (size_t i = 0; problem_builtin_name(i); i++) {
        problem p = builtin(problem_builtin_name(i));
        long total = 0;
        for (size_t k = 0; k < p.n_stages; k++) {
            p.stages[k].steps = p.batch == PROBLEM_BATCH_TABLE ? 25 : 120;
            if (p.stages[k].checkpoint > 0)
                p.stages[k].checkpoint = 10;
            total += p.stages[k].steps;
        }
        if (p.batch_n > 1000)
            p.batch_n = 1000;
        resume_matches(p, total / 2 + 3, NULL);
        if (p.batch == PROBLEM_BATCH_TABLE) {
            p.siamese = 1;   /* G's hidden layers are NN1's */
            resume_matches(p, total / 2 + 3, NULL);
            resume_matches(p, total - 10, NULL);   /* in the joint stage */
        }
    }
}

/* xcyc on at step 50; off again at 80 (its graph stays built) */
static void xcyc_on(trainer *t, long step)
{
    if (step == 50)
        trainer_set_lambda(t, TERM_XCYC, 0.5);
    if (step == 80)
        trainer_set_lambda(t, TERM_XCYC, 0);
}

/* gp on at 30, off at 60; xcyc on at 40 */
static void gp_on(trainer *t, long step)
{
    if (step == 30)
        trainer_set_lambda(t, TERM_GP, 0.01);
    if (step == 40)
        trainer_set_lambda(t, TERM_XCYC, 0.5);
    if (step == 60)
        trainer_set_lambda(t, TERM_GP, 0);
}

/* xcyc turned on live: its graph is built when next stepped, and a uniform
 * batch of known x then draws x from the generator; both before and after
 * the save. */
/* gp switched on in spend's joint stage (a rebuilt joint graph: Adam
 * rebinds to the new union of NN1's and G's parameters) */
static void joint_gp(trainer *t, long step)
{
    if (step == 55)
        trainer_set_lambda(t, TERM_GP, 0.01);
}

static void test_resume_joint_gp(void **state)
{
    (void)state;
    problem p = builtin("spend");
    for (size_t k = 0; k < p.n_stages; k++)
        p.stages[k].steps = 25;
    resume_matches(p, 65, joint_gp);   /* saved with gp built in the joint graph */
    resume_matches(p, 52, joint_gp);   /* turned on after the restore */
}

static void test_resume_xcyc(void **state)
{
    (void)state;
    problem p = builtin("sinc");
    snprintf(p.model, sizeof p.model, "mlp:1-16-1/tanh");
    p.batch = PROBLEM_BATCH_UNIFORM;
    p.batch_n = 200;
    p.stages[0].steps = 200;
    p.stages[0].checkpoint = 20;
    resume_matches(p, 100, xcyc_on);   /* built, off again, saved */
    resume_matches(p, 70, xcyc_on);    /* built and on when saved */
    resume_matches(p, 30, xcyc_on);    /* turned on after the restore */
    resume_matches(p, 100, gp_on);     /* gp's tangent pass kept at lambda 0 */
    resume_matches(p, 50, gp_on);
    p.mixture = 3;                     /* a mixture head: ent, gp through it */
    p.lambda[TERM_ENT] = 0.1;
    resume_matches(p, 100, gp_on);
}

/* A file from before a term existed (no lambda.ent, term.ent,
 * history.ent, history.acc.ent) still loads: the term starts as the
 * problem says and its history empty; training goes on as from the full
 * file. */
static void test_older_file(void **state)
{
    (void)state;
    innx_err e;
    problem p = builtin("three-roots");
    trainer *t = make(&p);
    for (int i = 0; i < 40; i++)
        trainer_step(t);
    assert_int_equal(trainer_save(t, in_dir("new.safetensors"), 0, &e), 0);
    trainer_free(t);
    checkpoint *c = checkpoint_read(in_dir("new.safetensors"), &e), *old = checkpoint_alloc();
    assert_non_null(c);
    for (size_t i = 0; i < checkpoint_n_tensors(c); i++) {
        const checkpoint_tensor *x = checkpoint_tensor_at(c, i);
        if (!strcmp(x->name, "history.ent"))
            continue;
        void *buf = malloc(x->end - x->begin + 1);
        assert_int_equal(checkpoint_get(c, x->name, x->dtype, x->ndim, x->shape, buf, &e), 0);
        assert_int_equal(checkpoint_add(old, x->name, x->dtype, x->ndim, x->shape, buf, &e), 0);
        free(buf);
    }
    const char *key, *value;
    for (size_t i = 0; (key = checkpoint_meta_at(c, i, &value)); i++)
        if (!strstr(key, ".ent") || !strcmp(key, "problem"))
            assert_int_equal(checkpoint_set_meta(old, key, value, &e), 0);
    assert_int_equal(checkpoint_write(old, in_dir("old.safetensors"), 0, &e), 0);
    checkpoint_free(old);
    checkpoint *o = checkpoint_read(in_dir("old.safetensors"), &e);
    if (!o)
        fail_msg("%s", e.msg);
    assert_null(checkpoint_meta(o, "lambda.ent"));
    problem q;
    assert_int_equal(trainer_checkpoint_problem(o, &q, &e), 0);
    trainer *a = trainer_load(c, &q, &e), *b = trainer_load(o, &q, &e);
    if (!a || !b)
        fail_msg("%s", e.msg);
    assert_true(isnan(trainer_get_history(b)->v[TERM_ENT][0]));
    for (int i = 0; i < 40; i++) {
        trainer_step(a);
        trainer_step(b);
    }
    double la = trainer_loss(a), lb = trainer_loss(b);
    assert_memory_equal(&la, &lb, sizeof la);
    same_weights(a, b);
    trainer_free(a);
    trainer_free(b);
    checkpoint_free(c);
    checkpoint_free(o);
}

/* A checkpoint against a problem with another network: refused with the
 * tensor's name and both shapes; with a table (spend, three stages, NN1)
 * the forward net's tensors come too. */
static void test_shape_mismatch(void **state)
{
    (void)state;
    innx_err e;
    problem p = builtin("three-roots");
    trainer *t = make(&p);
    for (int i = 0; i < 10; i++)
        trainer_step(t);
    assert_int_equal(trainer_save(t, in_dir("tr.safetensors"), 0, &e), 0);
    trainer_free(t);
    checkpoint *c = checkpoint_read(in_dir("tr.safetensors"), &e);
    assert_non_null(c);
    problem q;
    assert_int_equal(trainer_checkpoint_problem(c, &q, &e), 0);
    snprintf(q.model, sizeof q.model, "mlp:1-64-128-1/tanh");
    assert_null(trainer_load(c, &q, &e));
    assert_non_null(strstr(e.msg, "tensor G.0.weight has shape [1, 128] but the problem's network needs [1, 64]"));
    assert_int_equal(trainer_checkpoint_problem(c, &q, &e), 0);
    snprintf(q.model, sizeof q.model, "mlp:1-3000-3000-1/tanh");   /* more than the file holds: not built */
    assert_null(trainer_load(c, &q, &e));
    assert_non_null(strstr(e.msg, "networks have 9006000 weights or more, the file's data holds"));
    assert_int_equal(trainer_checkpoint_problem(c, &q, &e), 0);
    snprintf(q.model, sizeof q.model, "mlp:1-128-1/tanh");   /* a layer fewer */
    assert_null(trainer_load(c, &q, &e));
    assert_non_null(strstr(e.msg, "tr.safetensors: "));
    checkpoint_free(c);
}

/* The session saves between two steps: auto names never over a file. */
static void test_session_save(void **state)
{
    (void)state;
    innx_err e;
    problem p = builtin("three-roots");
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    session *s = session_start(&p, SESSION_START_PAUSED | SESSION_NO_REPORT, &e);
    assert_non_null(s);
    session_snapshot *snap = malloc(sizeof *snap);
    for (int k = 0; k < 3; k++) {
        session_save(s, NULL);
        /* wait for its message */
        for (int i = 0; i < 500; i++) {
            session_snapshot_copy(s, snap);
            if (snap->message_id == (unsigned long)k + 1)
                break;
            usleep(10000);
        }
        assert_int_equal(snap->message_id, k + 1);
        const char *want[] = {"saved step 0 to innx-three-roots-0.safetensors",
                              "saved step 0 to innx-three-roots-0-1.safetensors",
                              "saved step 0 to innx-three-roots-0-2.safetensors"};
        assert_string_equal(snap->message, want[k]);
    }
    free(snap);
    session_free(s);
    struct stat st;
    assert_int_equal(stat("innx-three-roots-0-2.safetensors", &st), 0);
    assert_int_equal(chdir(cwd), 0);
}

/* The headless path: a session stopped at step M (session_start_trainer's
 * stop step) holds exactly there, saves through its SAVE command the same
 * bytes as a trainer stepped M times directly, and a session over the
 * restored trainer runs on to the end of the plan as the direct one. */
static void wait_message(session *s, session_snapshot *snap, unsigned long id)
{
    for (int i = 0; i < 1000; i++) {
        session_snapshot_copy(s, snap);
        if (snap->message_id >= id)
            return;
        usleep(10000);
    }
    fail_msg("no message %lu from the session", id);
}

static void test_session_stop_resume(void **state)
{
    (void)state;
    innx_err e;
    problem p = builtin("sinc");
    snprintf(p.model, sizeof p.model, "mlp:1-32-32-1/tanh");
    p.batch_n = 500;
    p.stages[0].steps = 300;
    p.stages[0].checkpoint = 50;
    session *s = session_start_trainer(make(&p), SESSION_NO_REPORT, 150, &e);
    assert_non_null(s);
    session_snapshot *snap = malloc(sizeof *snap);
    assert_int_equal(session_wait(s, 60), SESSION_PAUSED);
    usleep(20000);   /* and it stays there */
    session_snapshot_copy(s, snap);
    assert_int_equal(snap->step, 150);
    session_save(s, in_dir("sess.safetensors"));
    wait_message(s, snap, 1);
    assert_non_null(strstr(snap->message, "saved step 150 to "));
    trainer *t = session_detach(s);
    assert_int_equal(trainer_steps(t), 150);
    trainer_free(t);

    trainer *d = make(&p);
    for (int i = 0; i < 150; i++)
        trainer_step(d);
    assert_int_equal(trainer_save(d, in_dir("direct.safetensors"), 0, &e), 0);
    size_t na, nb;
    unsigned char *a = slurp(in_dir("sess.safetensors"), &na), *b = slurp(in_dir("direct.safetensors"), &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(a);
    free(b);
    while (!trainer_finished(d))
        trainer_step(d);

    checkpoint *c = checkpoint_read(in_dir("sess.safetensors"), &e);
    assert_non_null(c);
    problem q;
    assert_int_equal(trainer_checkpoint_problem(c, &q, &e), 0);
    trainer *r = trainer_load(c, &q, &e);
    checkpoint_free(c);
    assert_non_null(r);
    s = session_start_trainer(r, SESSION_NO_REPORT, 0, &e);
    assert_non_null(s);
    assert_int_equal(session_wait(s, 60), SESSION_DONE);
    r = session_detach(s);
    assert_int_equal(trainer_steps(r), trainer_steps(d));
    double ld = trainer_loss(d), lr = trainer_loss(r);
    assert_memory_equal(&ld, &lr, sizeof ld);
    same_weights(d, r);
    trainer_free(d);
    trainer_free(r);
    free(snap);
}

/* The autosave directory is made under $XDG_STATE_HOME. */
static void test_autosave_dir(void **state)
{
    (void)state;
    innx_err e;
    char d[1024];
    setenv("XDG_STATE_HOME", in_dir("state/deeper"), 1);
    assert_int_equal(trainer_autosave_dir(d, sizeof d, &e), 0);
    assert_string_equal(d, in_dir("state/deeper/innx"));
    struct stat st;
    assert_int_equal(stat(d, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    unsetenv("XDG_STATE_HOME");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_resume_sinc),
        cmocka_unit_test(test_resume_three_roots),
        cmocka_unit_test(test_resume_xcyc),
        cmocka_unit_test(test_resume_joint_gp),
        cmocka_unit_test(test_resume_builtins),
        cmocka_unit_test(test_shape_mismatch),
        cmocka_unit_test(test_older_file),
        cmocka_unit_test(test_session_save),
        cmocka_unit_test(test_session_stop_resume),
        cmocka_unit_test(test_autosave_dir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
