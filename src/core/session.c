/* session.c: the trainer's own thread: drains a command queue between two
 * steps and publishes snapshots that front ends copy under a mutex. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "innx/checkpoint.h"
#include "innx/trainer_ckpt.h"
#include "innx/report_table.h"
#include "innx/report_vector.h"
#include "innx/clock.h"
#include "innx/session.h"

#define PUBLISH_EVERY 0.05        /* seconds between two snapshots */
#define QUEUE_CAP 256
#define QUERY_K 32                /* G's candidates per root query */
#define VECTOR_EVERY 1.0          /* seconds between two vector views (400 samples, projected: ~10 ms) */
#define DATA_EVERY 3.0            /* seconds between two data views: k-means (10 restarts, twice), silhouettes and PCA take ~0.1 s */

typedef enum {
    CMD_LAMBDA, CMD_PAUSE, CMD_TOGGLE, CMD_STEP, CMD_RESET, CMD_LR, CMD_NEXT_STAGE,
    CMD_TRAIN_ON, CMD_K, CMD_QUERY, CMD_SWAP, CMD_WIDTH, CMD_SAVE, CMD_QUERY_VEC, CMD_SAMPLES
} cmd_kind;

typedef struct cmd {
    cmd_kind kind;
    int term;
    double v;
    trainer *t;       /* CMD_SWAP: a new trainer built by the sender */
    char *path;       /* CMD_SAVE: the file (malloc'd), NULL = a new name in the cwd */
    double y[PROBLEM_MAX_Y];   /* CMD_QUERY_VEC: y*, term of them */
} cmd;

struct session {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;        /* queue changed, or a run finished */
    int wake[2];
    int flags;
    /* under mu */
    cmd queue[QUEUE_CAP];
    size_t q_head, q_len;
    int quit, finished;
    session_snapshot *pub;
    /* the thread's own */
    trainer *t;
    session_snapshot *work;
    int paused, step_once, started;
    long stop_at;             /* headless --stop-after: no step past it (0 = none) */
    session_step_fn hook;     /* after every step (session_start_hook) */
    void *hook_ctx;
    size_t width, k;
    double y_star;
    unsigned long generation, query_id, message_id;
    char message[1024];
    report_query query;
    size_t n_marks;
    long mark_step[SESSION_MAX_MARKS];
    double last_pub, rate_t;
    long rate_steps;
    double rate;
    int ref_valid;
    long curve_at;                 /* NN1's curve: 1 + the step its stage began, 0 = none */
    double curve[SESSION_CURVE_N];
    double last_data;
    long data_step;
    double y_target[PROBLEM_MAX_Y];   /* a vector problem's y* */
    double last_vec;
    long vec_step;
    size_t vec_samples;            /* samples a vector view draws (session_set_samples) */
    size_t n_ref;
    double ref[REPORT_MAX_ROOTS];
};

const char *session_state_name(session_state s)
{
    static const char *const n[] = {"running", "paused", "early-stopped", "done", "diverged"};
    return s >= 0 && s <= SESSION_DIVERGED ? n[s] : "?";
}

static double now_s(void) { return clock_now(); }

/* Held at --stop-after's step: the run is over for session_wait. */
static int stopped(const session *s) { return s->stop_at > 0 && trainer_steps(s->t) >= s->stop_at; }

static session_state state_of(const session *s)
{
    switch (trainer_get_state(s->t)) {
    case TRAINER_EARLY_STOPPED: return SESSION_EARLY_STOPPED;
    case TRAINER_DONE: return SESSION_DONE;
    case TRAINER_DIVERGED: return SESSION_DIVERGED;
    default: return s->paused || stopped(s) ? SESSION_PAUSED : SESSION_RUNNING;
    }
}

static void say(session *s, const char *msg)
{
    snprintf(s->message, sizeof s->message, "%s", msg);
    s->message_id++;
}

/* A table problem has no formula to scan: G's traits for y polished on
 * NN1 and, with one x column, every x where NN1 gives y; said in one line
 * (the root table is a formula's). */
static void query_table(session *s, double y)
{
    innx_err err;
    report_point r;
    if (report_query_nn1(s->t, y, &r, &err) != 0) {
        say(s, err.msg);
        return;
    }
    char buf[sizeof s->message];
    int n = snprintf(buf, sizeof buf, "y* = %g: G", y);
    for (size_t j = 0; j < r.d; j++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, " %.6g", r.x_raw[j]);
    n += snprintf(buf + n, sizeof buf - (size_t)n, " -> on NN1");
    for (size_t j = 0; j < r.d; j++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, " %.6g", r.x[j]);
    n += snprintf(buf + n, sizeof buf - (size_t)n, " (|NN1 - y| %.1e%s)", r.residual,
                  r.certified ? ", certified" : ", not certified");
    report_query *q = r.d == 1 ? malloc(sizeof *q) : NULL;
    if (q && report_roots_nn1(s->t, y, q, &err) == 0) {
        n += snprintf(buf + n, sizeof buf - (size_t)n, "; every x with NN1(x) = y*, %zu found", q->n_ref);
        for (size_t i = 0; i < q->n_roots && n < (int)sizeof buf - 16; i++)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%.6g", i ? " " : ": ", q->roots[i].x);
    }
    free(q);
    say(s, buf);
}

/* ---- publishing ---------------------------------------------------------- */

/* The table report squeezed into the snapshot: an even sample of the test
 * rows, the segment table. */
static int data_view(session *s, session_data_view *v)
{
    report_table r;
    innx_err err;
    if (report_table_evaluate(s->t, &r, &err) != 0)
        return 0;
    const problem *p = trainer_problem(s->t);
    memset(v, 0, sizeof *v);
    v->d = r.d;
    v->k = r.k < REPORT_MAX_K ? r.k : REPORT_MAX_K;
    v->n_test = r.n_test;
    v->n = r.n_test < SESSION_DATA_N ? r.n_test : SESSION_DATA_N;
    v->r2 = r.r2;
    v->inverse_rmse = r.inverse_rmse;
    v->cycle_rmse = r.cycle_rmse;
    const char *c = p->x_columns;
    for (size_t j = 0; j < r.d && *c; j++) {
        size_t len = strcspn(c, ",");
        snprintf(v->names[j], sizeof v->names[j], "%.*s", (int)len, c);
        c += len + (c[len] == ',');
    }
    for (size_t i = 0; i < v->n; i++) {
        size_t row = i * r.n_test / v->n;
        for (size_t j = 0; j < r.d; j++) {
            v->pred[i][j] = (float)r.x_pred[row * r.d + j];
            v->real[i][j] = (float)r.x_real[row * r.d + j];
        }
        for (int j = 0; j < 2; j++) {
            v->pca_pred[i][j] = r.d >= 2 ? (float)r.pca_pred[row * 2 + j] : 0;
            v->pca_real[i][j] = r.d >= 2 ? (float)r.pca_real[row * 2 + j] : 0;
        }
        v->label_pred[i] = (unsigned char)r.label_pred[row];
        v->label_real[i] = (unsigned char)r.label_real[row];
    }
    v->pca_explained[0] = r.pca_explained[0];
    v->pca_explained[1] = r.pca_explained[1];
    for (size_t k = 0; k < v->k; k++) {
        for (size_t j = 0; j < r.d; j++) {
            v->seg_pred[k][j] = r.seg_pred[k * r.d + j];
            v->seg_real[k][j] = r.seg_real[k * r.d + j];
        }
        v->count_pred[k] = r.count_pred[k];
        v->count_real[k] = r.count_real[k];
        v->match[k] = r.match[k];
    }
    v->silhouette_pred = r.silhouette_pred;
    v->silhouette_real = r.silhouette_real;
    report_table_free(&r);
    return 1;
}

static void decimate(session *s, session_snapshot *w)
{
    const trainer_history *h = trainer_get_history(s->t);
    size_t n = h->n, m = s->width < SESSION_HIST_MAX ? s->width : SESSION_HIST_MAX;
    if (m < 1)
        m = 1;
    if (n <= m) {
        w->hist_n = n;
        memcpy(w->hist_step, h->step, n * sizeof *h->step);
        for (int k = 0; k <= TERM_N; k++)
            memcpy(w->hist[k], h->v[k], n * sizeof *h->v[k]);
        return;
    }
    /* bucket means: point j covers stored points [j n / m, (j + 1) n / m) */
    w->hist_n = m;
    for (size_t j = 0; j < m; j++) {
        size_t a = j * n / m, b = (j + 1) * n / m;
        w->hist_step[j] = h->step[a];
        for (int k = 0; k <= TERM_N; k++) {
            double sum = 0;
            for (size_t i = a; i < b; i++)
                sum += h->v[k][i];
            w->hist[k][j] = (float)(sum / (double)(b - a));
        }
    }
}

/* The branch model on a table: F is NN1, frozen once its pieces are cut. */
static int on_nn1_branch(const trainer *t)
{
    return trainer_get_data(t) && trainer_problem(t)->output == PROBLEM_OUT_BRANCH;
}

static void reference_roots(session *s)
{
    s->ref_valid = 1;
    innx_err err;
    if (report_reference(s->t, s->y_star, s->ref, &s->n_ref, &err) != 0)
        s->n_ref = 0;
}

/* NN1's curve and the scan's roots on it: once per inverse stage (a reset
 * fits NN1 again), as NN1 does not move in it. */
static void nn1_view(session *s)
{
    long begun = trainer_steps(s->t) - trainer_stage_steps(s->t);
    if (s->curve_at == begun + 1)
        return;
    s->curve_at = begun + 1;
    double lo, hi;
    trainer_domain(s->t, &lo, &hi);
    double x[SESSION_CURVE_N];
    for (size_t i = 0; i < SESSION_CURVE_N; i++)
        x[i] = lo + (hi - lo) * (double)i / (SESSION_CURVE_N - 1);
    trainer_roots_fn(s->t, x, SESSION_CURVE_N, s->curve, NULL);
    s->ref_valid = 0;
}

/* A vector problem's answers at y* for the explorer: vec_samples (at most
 * SESSION_VECTOR_N) samples (a seed of their own, so the view does not flicker between two
 * draws of the same weights). */
static int vector_view(session *s, session_vector_view *v)
{
    report_vector r;
    innx_err err;
    const problem *p = trainer_problem(s->t);
    if (report_vector_compute(s->t, s->y_target, s->vec_samples, p->seed + 1, &r, &err) != 0)
        return 0;
    memset(v, 0, sizeof *v);
    v->n = r.n, v->m = r.m, v->samples = r.samples, v->n_certified = r.n_certified, v->random = r.random;
    v->k = r.k < 16 ? r.k : 16;
    memcpy(v->ystar, r.ystar, sizeof v->ystar);
    v->resim_raw = r.resim_drawn, v->resim_polished = r.resim_polished;
    v->resampled = r.resampled && r.ess > 0, v->proposals = r.proposals;
    memcpy(v->mean, r.mean, sizeof v->mean), memcpy(v->sd, r.sd, sizeof v->sd);
    memcpy(v->q05, r.q05, sizeof v->q05), memcpy(v->q50, r.q50, sizeof v->q50), memcpy(v->q95, r.q95, sizeof v->q95);
    for (size_t c = 0; c < v->k; c++) {
        memcpy(v->centroid[c], r.centroid[c], r.n * sizeof(double));
        v->count[c] = r.count[c];
        v->count_certified[c] = r.count_certified[c];
    }
    const double *x = r.x_pol ? r.x_pol : r.x_raw;
    v->has_y = r.y_raw != NULL;
    for (size_t i = 0; i < r.samples && i < SESSION_VECTOR_N; i++) {
        for (size_t j = 0; j < r.n; j++)
            v->x[i][j] = (float)x[i * r.n + j];
        v->label[i] = r.label[i];
        v->certified[i] = r.certified ? r.certified[i] : 0;
        for (size_t j = 0; j < r.m && r.y_raw; j++) {
            v->y_raw[i][j] = (float)r.y_raw[i * r.m + j];
            v->y_pol[i][j] = r.y_pol ? (float)r.y_pol[i * r.m + j] : NAN;
        }
    }
    v->step = trainer_steps(s->t);
    report_vector_free(&r);
    return 1;
}

static void publish(session *s)
{
    session_snapshot *w = s->work;
    trainer *t = s->t;
    const problem *p = trainer_problem(t);
    double now = now_s();
    if (now - s->rate_t >= 0.25 || s->rate_t == 0) {
        long steps = trainer_steps(t);
        if (s->rate_t > 0 && now > s->rate_t)
            s->rate = (double)(steps - s->rate_steps) / (now - s->rate_t);
        s->rate_t = now;
        s->rate_steps = steps;
    }
    w->generation = ++s->generation;
    snprintf(w->problem, sizeof w->problem, "%s", p->name);
    snprintf(w->formula, sizeof w->formula, "%s", p->formula);
    snprintf(w->model, sizeof w->model, "%s", p->model);
    trainer_domain(t, &w->x_lo, &w->x_hi);
    w->latent = p->input != PROBLEM_IN_Y;
    int nn1 = on_nn1_branch(t), cut = nn1 && trainer_n_pieces(t) > 0;
    w->has_formula = (trainer_has_formula(t) && !problem_is_vector(p)) || nn1;   /* (a vector F has no f(x) pane) */
    if (cut)
        nn1_view(s);
    w->has_curve = cut;
    if (cut)
        memcpy(w->curve, s->curve, sizeof w->curve);
    w->step = trainer_steps(t);
    w->stage = trainer_stage(t);
    w->n_stages = p->n_stages;
    w->stage_kind = p->stages[w->stage].kind;
    w->state = state_of(s);
    w->steps_per_s = w->state == SESSION_RUNNING ? s->rate : 0;
    w->lr = trainer_lr(t);
    for (int k = 0; k < TERM_N; k++) {
        w->lambda[k] = trainer_lambda(t, (problem_term)k);
        w->active[k] = trainer_term_active(t, (problem_term)k);
        w->avail[k] = trainer_term_available(t, (problem_term)k);
        w->term[k] = trainer_term(t, (problem_term)k);
    }
    w->loss = trainer_loss(t);
    decimate(s, w);
    w->n_marks = s->n_marks;
    memcpy(w->mark_step, s->mark_step, s->n_marks * sizeof *s->mark_step);
    w->y_star = s->y_star;
    w->has_report = 0;
    /* a vector problem: its samples about once a second, and at the end */
    w->has_vector = 0;
    w->vector = problem_is_vector(p);
    if (!(s->flags & SESSION_NO_REPORT) && w->vector) {
        int due = now - s->last_vec >= VECTOR_EVERY || trainer_finished(t) != 0;
        if (due && s->vec_step != trainer_steps(t)) {
            w->has_vector = vector_view(s, &w->vec);
            s->last_vec = now;
            s->vec_step = trainer_steps(t);
        } else if (s->pub->has_vector) {
            w->has_vector = 1;
            w->vec = s->pub->vec;   /* the thread alone writes pub */
        }
    }
    if (!(s->flags & SESSION_NO_REPORT) && !problem_is_vector(p) && (trainer_has_formula(t) || cut) &&
        trainer_x_dim(t) == 1) {
        innx_err err;
        w->has_report = report_latent_compute(t, s->y_star, s->k, &w->report, &err) == 0;
        if (!s->ref_valid)
            reference_roots(s);
    }
    /* A table problem's view once G has been trained on (the inverse
     * stage), every DATA_EVERY seconds and at the end. */
    if (!(s->flags & SESSION_NO_REPORT) && trainer_get_data(t) && !nn1 && !problem_is_vector(p) &&
        (trainer_stage(t) > 0 || trainer_finished(t))) {
        int due = now - s->last_data >= DATA_EVERY || trainer_finished(t) != 0;
        if (due && s->data_step != trainer_steps(t)) {
            w->has_data = data_view(s, &w->data);
            s->last_data = now;
            s->data_step = trainer_steps(t);
        } else if (s->pub->has_data) {
            w->has_data = 1;
            w->data = s->pub->data;   /* the thread alone writes pub: no lock to read it */
        }
    } else {
        w->has_data = 0;
    }
    w->n_ref = s->n_ref;
    memcpy(w->ref, s->ref, s->n_ref * sizeof *s->ref);
    w->query_id = s->query_id;
    w->query = s->query;
    w->n_rollbacks = trainer_n_rollbacks(t);
    for (size_t i = 0; i < w->n_rollbacks; i++)
        w->rollbacks[i] = *trainer_rollback_at(t, i);
    w->message_id = s->message_id;
    snprintf(w->message, sizeof w->message, "%s", s->message);

    pthread_mutex_lock(&s->mu);
    session_snapshot *old = s->pub;
    s->pub = w;
    s->work = old;
    s->finished = trainer_finished(t) || stopped(s);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    char b = 1;
    ssize_t r = write(s->wake[1], &b, 1);   /* full pipe: a wake-up is pending anyway */
    (void)r;
    s->last_pub = now;
}

/* ---- commands ------------------------------------------------------------ */

static void mark(session *s)
{
    long step = trainer_steps(s->t);
    if (s->n_marks > 0 && s->mark_step[s->n_marks - 1] == step)
        return;
    if (s->n_marks == SESSION_MAX_MARKS) {
        memmove(s->mark_step, s->mark_step + 1, (SESSION_MAX_MARKS - 1) * sizeof *s->mark_step);
        s->n_marks--;
    }
    s->mark_step[s->n_marks++] = step;
}

/* A finished run goes on from its weights when something changes. */
static void train_on(session *s)
{
    const problem *p = trainer_problem(s->t);
    if (trainer_finished(s->t))
        trainer_train_on(s->t, p->stages[p->n_stages - 1].steps);
}

static void swap_trainer(session *s, trainer *t)
{
    trainer_free(s->t);
    s->t = t;
    s->y_star = trainer_problem(t)->y_star;
    s->k = trainer_problem(t)->k;
    s->n_marks = 0;
    s->ref_valid = 0;
    s->curve_at = 0;   /* a new NN1 */
    s->rate_t = 0;
    s->last_data = 0;
    s->data_step = -1;
    memcpy(s->y_target, trainer_problem(t)->y_target, sizeof s->y_target);
    s->last_vec = 0;
    s->vec_step = -1;
    memset(&s->query, 0, sizeof s->query);
}

static void apply(session *s, cmd *c)
{
    innx_err err;
    switch (c->kind) {
    case CMD_LAMBDA:
        trainer_set_lambda(s->t, (problem_term)c->term, c->v);
        mark(s);
        train_on(s);
        break;
    case CMD_PAUSE:
        s->paused = c->v != 0;
        break;
    case CMD_TOGGLE:
        s->paused = !s->paused;
        break;
    case CMD_STEP:
        s->step_once++;
        break;
    case CMD_RESET: {
        problem p = *trainer_problem(s->t);
        for (int k = 0; k < TERM_N; k++)
            p.lambda[k] = trainer_lambda(s->t, (problem_term)k);
        p.seed = p.seed + 1;
        p.k = s->k;
        p.y_star = s->y_star;   /* fresh weights, the same question */
        trainer *t = trainer_alloc(&p, &err);
        if (t) {
            size_t k = s->k;
            swap_trainer(s, t);
            s->k = k;
        } else {
            say(s, err.msg);
        }
        break;
    }
    case CMD_LR:
        trainer_scale_lr(s->t, c->v);
        break;
    case CMD_NEXT_STAGE:
        trainer_next_stage(s->t);
        break;
    case CMD_TRAIN_ON:
        train_on(s);
        break;
    case CMD_K:
        if (c->v >= 1 && c->v <= REPORT_MAX_K)
            s->k = (size_t)c->v;
        break;
    case CMD_QUERY:
        s->y_star = c->v;
        s->ref_valid = 0;
        if (trainer_get_data(s->t) && !on_nn1_branch(s->t)) {
            query_table(s, c->v);
            break;
        }
        if (report_query_roots(s->t, c->v, QUERY_K, &s->query, &err) != 0) {
            memset(&s->query, 0, sizeof s->query);
            s->query.y = c->v;
            say(s, err.msg);
        }
        s->query_id++;
        break;
    case CMD_QUERY_VEC:
        memcpy(s->y_target, c->y, sizeof s->y_target);
        s->vec_step = -1;   /* a new view at once */
        s->last_vec = 0;
        break;
    case CMD_SAMPLES:
        s->vec_samples = (size_t)c->v;
        s->vec_step = -1;
        s->last_vec = 0;
        break;
    case CMD_SWAP:
        swap_trainer(s, c->t);
        c->t = NULL;
        break;
    case CMD_WIDTH:
        s->width = (size_t)c->v;
        break;
    case CMD_SAVE: {
        char path[4096], msg[sizeof s->message];
        int st = c->path ? trainer_save(s->t, c->path, 0, &err)
                         : trainer_save_auto(s->t, ".", path, sizeof path, &err);
        const char *name = c->path ? c->path : path;
        if (st == 0)
            snprintf(msg, sizeof msg, "saved step %ld to %.900s", trainer_steps(s->t),
                     name[0] == '.' && name[1] == '/' ? name + 2 : name);
        else
            snprintf(msg, sizeof msg, "not saved: %.1000s", err.msg);
        say(s, msg);
        free(c->path);
        c->path = NULL;
        break;
    }
    }
}

static void *run(void *arg)
{
    session *s = arg;
    cmd batch[QUEUE_CAP];
    for (;;) {
        size_t n = 0;
        pthread_mutex_lock(&s->mu);
        /* Idle (paused or finished, nothing to do): sleep until a command. */
        while (!s->quit && s->q_len == 0 && !s->step_once &&
               (s->paused || trainer_finished(s->t) || stopped(s)))
            pthread_cond_wait(&s->cv, &s->mu);
        int quit = s->quit;
        while (s->q_len > 0) {
            batch[n++] = s->queue[s->q_head];
            s->q_head = (s->q_head + 1) % QUEUE_CAP;
            s->q_len--;
        }
        if (n)
            pthread_cond_broadcast(&s->cv);   /* room in the queue */
        pthread_mutex_unlock(&s->mu);
        for (size_t i = 0; i < n; i++) {
            if (quit && batch[i].kind == CMD_SWAP) {
                trainer_free(batch[i].t);
                continue;
            }
            if (quit && batch[i].kind == CMD_SAVE) {
                free(batch[i].path);
                continue;
            }
            if (!quit)
                apply(s, &batch[i]);
        }
        if (quit)
            break;
        session_state before = state_of(s);
        int stepped = 0;
        if (!trainer_finished(s->t) && !stopped(s) && (!s->paused || s->step_once)) {
            session_step_info info = {trainer_steps(s->t), trainer_stage(s->t), trainer_lr(s->t)};
            trainer_step(s->t);
            stepped = 1;
            if (s->hook && s->hook(s->t, &info, s->hook_ctx) != 0)
                s->hook = NULL;
            if (s->step_once)
                s->step_once--;
        } else if (s->step_once) {
            s->step_once = 0;   /* nothing left to step */
        }
        /* About to sleep (paused, no step left): the last steps must show. */
        int idle = (s->paused && !s->step_once) || stopped(s);
        if (n || state_of(s) != before || (stepped && idle) || now_s() - s->last_pub >= PUBLISH_EVERY)
            publish(s);
    }
    return NULL;
}

/* ---- the front end's side ------------------------------------------------ */

session *session_start(const problem *p, int flags, innx_err *err)
{
    return session_start_hook(p, flags, NULL, NULL, err);
}

session *session_start_hook(const problem *p, int flags, session_step_fn fn, void *ctx,
                            innx_err *err)
{
    trainer *t = trainer_alloc(p, err);
    if (!t)
        return NULL;
    return session_start_trainer_hook(t, flags, 0, fn, ctx, err);
}

session *session_start_trainer(trainer *t, int flags, long stop_at, innx_err *err)
{
    return session_start_trainer_hook(t, flags, stop_at, NULL, NULL, err);
}

session *session_start_trainer_hook(trainer *t, int flags, long stop_at, session_step_fn fn,
                                    void *ctx, innx_err *err)
{
    const problem *p = trainer_problem(t);
    session *s = calloc(1, sizeof *s);
    if (!s) {
        trainer_free(t);
        innx_errf(err, INNX_ENOMEM, "out of memory");
        return NULL;
    }
    s->wake[0] = s->wake[1] = -1;
    s->t = t;
    s->flags = flags;
    s->hook = fn;
    s->hook_ctx = ctx;
    s->paused = (flags & SESSION_START_PAUSED) != 0;
    s->stop_at = stop_at;
    s->width = SESSION_HIST_MAX;
    s->k = p->k;
    s->y_star = p->y_star;
    s->data_step = -1;
    memcpy(s->y_target, p->y_target, sizeof s->y_target);
    s->vec_step = -1;
    s->vec_samples = SESSION_VECTOR_N;
    s->pub = calloc(1, sizeof *s->pub);
    s->work = calloc(1, sizeof *s->work);
    if (!s->pub || !s->work || pipe(s->wake) != 0) {
        innx_errf(err, INNX_ENOMEM, "session: out of memory or descriptors");
        goto fail;
    }
    for (int i = 0; i < 2; i++)
        fcntl(s->wake[i], F_SETFL, fcntl(s->wake[i], F_GETFL) | O_NONBLOCK);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    /* The first snapshot before the thread runs: a caller may copy it (or
     * set a formula on its domain) as soon as this returns. */
    publish(s);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        innx_errf(err, INNX_EFAIL, "session: cannot start the training thread");
        goto fail;
    }
    s->started = 1;
    return s;
fail:
    if (s->wake[0] >= 0)
        close(s->wake[0]);
    if (s->wake[1] >= 0)
        close(s->wake[1]);
    free(s->pub);
    free(s->work);
    trainer_free(s->t);
    free(s);
    return NULL;
}

static void stop_thread(session *s)
{
    pthread_mutex_lock(&s->mu);
    s->quit = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    /* commands never drained */
    for (size_t i = 0; i < s->q_len; i++) {
        cmd *c = &s->queue[(s->q_head + i) % QUEUE_CAP];
        if (c->kind == CMD_SWAP)
            trainer_free(c->t);
        if (c->kind == CMD_SAVE)
            free(c->path);
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    close(s->wake[0]);
    close(s->wake[1]);
}

trainer *session_detach(session *s)
{
    if (!s)
        return NULL;
    stop_thread(s);
    trainer *t = s->t;
    free(s->pub);
    free(s->work);
    free(s);
    return t;
}

void session_free(session *s) { trainer_free(session_detach(s)); }

int session_wake_fd(const session *s) { return s->wake[0]; }

void session_drain_wake(session *s)
{
    char buf[64];
    while (read(s->wake[0], buf, sizeof buf) > 0)
        ;
}

void session_snapshot_copy(session *s, session_snapshot *out)
{
    pthread_mutex_lock(&s->mu);
    memcpy(out, s->pub, sizeof *out);
    pthread_mutex_unlock(&s->mu);
}

static void send(session *s, cmd c)
{
    pthread_mutex_lock(&s->mu);
    while (s->q_len == QUEUE_CAP && !s->quit)
        pthread_cond_wait(&s->cv, &s->mu);   /* the thread drains between two steps */
    if (s->quit) {
        pthread_mutex_unlock(&s->mu);
        if (c.kind == CMD_SWAP)
            trainer_free(c.t);
        free(c.path);
        return;
    }
    s->queue[(s->q_head + s->q_len) % QUEUE_CAP] = c;
    s->q_len++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void session_set_width(session *s, size_t width) { send(s, (cmd){.kind = CMD_WIDTH, .v = (double)width}); }

void session_set_lambda(session *s, problem_term k, double v)
{
    if (k >= 0 && k < TERM_N && isfinite(v) && v >= 0)
        send(s, (cmd){.kind = CMD_LAMBDA, .term = k, .v = v});
}

void session_pause(session *s, int paused) { send(s, (cmd){.kind = CMD_PAUSE, .v = paused}); }
void session_toggle_pause(session *s) { send(s, (cmd){.kind = CMD_TOGGLE}); }
void session_step_once(session *s) { send(s, (cmd){.kind = CMD_STEP}); }
void session_reset(session *s) { send(s, (cmd){.kind = CMD_RESET}); }

void session_scale_lr(session *s, double f)
{
    if (f > 0 && isfinite(f))
        send(s, (cmd){.kind = CMD_LR, .v = f});
}

void session_next_stage(session *s) { send(s, (cmd){.kind = CMD_NEXT_STAGE}); }

void session_save(session *s, const char *path)
{
    char *copy = NULL;
    if (path && !(copy = strdup(path)))
        return;
    send(s, (cmd){.kind = CMD_SAVE, .path = copy});
}
void session_train_on(session *s) { send(s, (cmd){.kind = CMD_TRAIN_ON}); }
int session_query_vector(session *s, const double *y, size_t m, innx_err *err)
{
    pthread_mutex_lock(&s->mu);
    size_t want = s->pub->has_vector ? s->pub->vec.m : 0;
    pthread_mutex_unlock(&s->mu);
    if (!want)
        return innx_errf(err, INNX_EINVAL, "y*: this problem's y is not a vector (or its answers are not ready yet)");
    if (m != want)
        return innx_errf(err, INNX_EINVAL, "y*: %zu value%s; y has %zu components (e.g. 1.5, 0)", m, m == 1 ? "" : "s", want);
    cmd c = {.kind = CMD_QUERY_VEC};
    memcpy(c.y, y, m * sizeof *y);
    send(s, c);
    return 0;
}

void session_set_k(session *s, size_t k) { send(s, (cmd){.kind = CMD_K, .v = (double)k}); }

int session_set_samples(session *s, size_t n, innx_err *err)
{
    if (n < SESSION_VECTOR_MIN || n > SESSION_VECTOR_N)
        return innx_errf(err, INNX_EINVAL, "samples: a whole number from %d to %d", SESSION_VECTOR_MIN,
                         SESSION_VECTOR_N);
    send(s, (cmd){.kind = CMD_SAMPLES, .v = (double)n});
    return 0;
}

void session_query(session *s, double y)
{
    if (isfinite(y))
        send(s, (cmd){.kind = CMD_QUERY, .v = y});
}

/* The new trainer is built here, in the caller's thread, so that a bad
 * problem is refused with its message before anything changes. */
int session_set_problem(session *s, const problem *p, innx_err *err)
{
    trainer *t = trainer_alloc(p, err);
    if (!t)
        return INNX_EINVAL;
    send(s, (cmd){.kind = CMD_SWAP, .t = t});
    return 0;
}

int session_set_formula(session *s, const char *formula, innx_err *err)
{
    session_snapshot *snap = malloc(sizeof *snap);
    if (!snap)
        return innx_errf(err, INNX_ENOMEM, "out of memory");
    session_snapshot_copy(s, snap);
    double a = snap->x_lo, b = snap->x_hi;
    free(snap);
    problem p;
    if (problem_from_formula(formula, a, b, &p, err) != 0)
        return INNX_EINVAL;
    return session_set_problem(s, &p, err);
}

session_state session_wait(session *s, double timeout)
{
    double end = timeout >= 0 ? now_s() + timeout : INFINITY;
    pthread_mutex_lock(&s->mu);
    while (!s->finished && !s->quit) {
        if (isinf(end)) {
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        double left = end - now_s();
        if (left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double tt = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec + left;
        ts.tv_sec = (time_t)tt;
        ts.tv_nsec = (long)((tt - (double)ts.tv_sec) * 1e9);
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    session_state st = s->pub->state;
    pthread_mutex_unlock(&s->mu);
    return st;
}
