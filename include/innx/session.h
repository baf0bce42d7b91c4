/* session.h: the trainer in its own thread for a front end. Commands go
 * through a queue drained between two steps; the thread publishes a
 * snapshot (at most every 50 ms and at every state change) that readers copy
 * under a mutex. Nothing else is shared. */
#ifndef INNX_SESSION_H
#define INNX_SESSION_H

#include <stddef.h>

#include "innx/error.h"
#include "innx/problem.h"
#include "innx/report.h"
#include "innx/trainer.h"

typedef enum {
    SESSION_RUNNING = 0,
    SESSION_PAUSED,
    SESSION_EARLY_STOPPED,
    SESSION_DONE,
    SESSION_DIVERGED
} session_state;
const char *session_state_name(session_state s);

#define SESSION_HIST_MAX 1024    /* points per series in a snapshot */
#define SESSION_MAX_MARKS 64     /* lambda changes remembered */
#define SESSION_CURVE_N 512      /* points of a learned F's curve */
#define SESSION_DATA_N 400       /* test rows a data view carries */

/* What a table problem (spend) shows instead of the latent panes: the
 * held-out part's predicted and real traits (original units), both on the
 * real traits' first two principal components (scaled units), and the
 * segments' profiles. Refreshed every 3 s while training (it costs ~0.1 s). */
typedef struct session_data_view {
    size_t n, d, k, n_test;
    char names[PROBLEM_MAX_X][PROBLEM_NAME_LEN];   /* the traits */
    double r2, inverse_rmse, cycle_rmse;
    float pred[SESSION_DATA_N][PROBLEM_MAX_X], real[SESSION_DATA_N][PROBLEM_MAX_X];
    float pca_pred[SESSION_DATA_N][2], pca_real[SESSION_DATA_N][2];
    unsigned char label_pred[SESSION_DATA_N], label_real[SESSION_DATA_N];
    double pca_explained[2];
    double seg_pred[REPORT_MAX_K][PROBLEM_MAX_X], seg_real[REPORT_MAX_K][PROBLEM_MAX_X];
    size_t count_pred[REPORT_MAX_K], count_real[REPORT_MAX_K], match[REPORT_MAX_K];
    double silhouette_pred, silhouette_real;
} session_data_view;

/* What a vector problem shows instead of the one-variable panes: the
 * current answers at y* (SESSION_VECTOR_N samples of the flow, projected
 * and certified where F is deterministic), refreshed about once a second. */
#define SESSION_VECTOR_N 400
#define SESSION_VECTOR_MIN 10   /* fewer say nothing of families or quantiles */
typedef struct session_vector_view {
    size_t n, m, samples, n_certified, k;
    int random;                                  /* a simulator: a posterior */
    double ystar[PROBLEM_MAX_Y];
    double resim_raw, resim_polished;            /* over the samples drawn here (resampled ones if so) */
    int resampled;                               /* importance-resampled from proposals of the flow */
    size_t proposals;
    double mean[PROBLEM_MAX_X], sd[PROBLEM_MAX_X], q05[PROBLEM_MAX_X], q50[PROBLEM_MAX_X], q95[PROBLEM_MAX_X];
    double centroid[16][PROBLEM_MAX_X];
    size_t count[16], count_certified[16];
    float x[SESSION_VECTOR_N][PROBLEM_MAX_X];    /* the answers (polished where F allows) */
    unsigned char label[SESSION_VECTOR_N];       /* each answer's family (REPORT_VECTOR_NO_FAMILY: none) */
    unsigned char certified[SESSION_VECTOR_N];   /* ...projected and certified (deterministic F) */
    int has_y;                                   /* F is known: y_raw (and y_pol unless random) hold */
    float y_raw[SESSION_VECTOR_N][PROBLEM_MAX_Y];   /* F(x) of the raw samples (a simulator: re-simulated) */
    float y_pol[SESSION_VECTOR_N][PROBLEM_MAX_Y];   /* F(x) of the polished answers */
    long step;                                   /* the weights' step */
} session_vector_view;

typedef struct session_snapshot {
    unsigned long generation;        /* rises with every publication */
    char problem[PROBLEM_NAME_LEN];
    char formula[PROBLEM_FORMULA_LEN];
    char model[PROBLEM_TEXT_LEN];
    double x_lo, x_hi;               /* the domain (first component) */
    int latent;                      /* G reads z */
    /* F in one x that the formula panes draw: a formula, or a table's NN1
     * under the branch model (then curve holds it, has_curve set) */
    int has_formula;
    int has_curve;
    double curve[SESSION_CURVE_N];   /* F at SESSION_CURVE_N x evenly over [x_lo, x_hi] */
    long step;
    size_t stage, n_stages;
    problem_stage_kind stage_kind;
    session_state state;
    double steps_per_s, lr;
    double lambda[TERM_N];
    int active[TERM_N];              /* terms the current stage builds */
    int avail[TERM_N];               /* ...or builds once their lambda is set (gp) */
    double term[TERM_N], loss;       /* last step's unweighted terms, total */
    /* The history decimated to hist_n <= width points; series TERM_N is
     * the total. */
    size_t hist_n;
    long hist_step[SESSION_HIST_MAX];
    float hist[TERM_N + 1][SESSION_HIST_MAX];
    size_t n_marks;
    long mark_step[SESSION_MAX_MARKS];   /* steps where a lambda changed */
    /* The latent map and clusters at y_star (valid when has_report). */
    int has_report;
    double y_star;
    report_latent report;
    /* A vector problem (F a formula system, G a flow): its view (valid
     * when has_vector) stands where the one-variable panes are. */
    int vector, has_vector;
    session_vector_view vec;
    /* A table problem's view (valid when has_data). */
    int has_data;
    session_data_view data;
    /* The classical scan's roots of F(x) = y_star (reference). */
    size_t n_ref;
    double ref[REPORT_MAX_ROOTS];
    /* The last query (query_id counts the answered ones). */
    unsigned long query_id;
    report_query query;
    size_t n_rollbacks;
    trainer_rollback rollbacks[TRAINER_MAX_ROLLBACKS];
    /* The last message for the user (refused formula, errors, saved...);
     * message_id rises with each. */
    unsigned long message_id;
    char message[1024];
} session_snapshot;

typedef struct session session;

/* Builds the trainer for p and starts its thread. Flags: start paused;
 * publish no latent report (headless runs that report at the end). */
#define SESSION_START_PAUSED 1
#define SESSION_NO_REPORT 2
session *session_start(const problem *p, int flags, innx_err *err);
/* The same over a trainer already built (a restored checkpoint), which the
 * session takes. stop_at > 0: no step past that one; the run then counts
 * as over for session_wait and the state shows paused (--stop-after). */
session *session_start_trainer(trainer *t, int flags, long stop_at, innx_err *err);
/* The same, with a function the session thread calls after every step
 * (headless per-step output, --metrics): the step's index (0-based, over
 * all stages; a restored trainer goes on from its checkpoint's step), its
 * stage and lr, and the trainer to read the terms
 * (trainer_term, trainer_loss) from; it must not change the trainer. A
 * nonzero return ends the calls (the run goes on). */
typedef struct session_step_info {
    long step;
    size_t stage;
    double lr;
} session_step_info;
typedef int (*session_step_fn)(const trainer *t, const session_step_info *info, void *ctx);
session *session_start_hook(const problem *p, int flags, session_step_fn fn, void *ctx,
                            innx_err *err);
session *session_start_trainer_hook(trainer *t, int flags, long stop_at, session_step_fn fn,
                                    void *ctx, innx_err *err);
/* Quit: the thread ends within one step; frees everything. */
void session_free(session *s);

/* A descriptor that becomes readable when a new snapshot is published;
 * drain it with session_drain_wake(). */
int session_wake_fd(const session *s);
void session_drain_wake(session *s);
/* A vector problem's y* (m values, as many as y has): the answers are
 * drawn again for it. INNX_EINVAL with the count needed otherwise. */
int session_query_vector(session *s, const double *y, size_t m, innx_err *err);
/* How many samples a vector problem's view draws (SESSION_VECTOR_N at
 * first): SESSION_VECTOR_MIN..SESSION_VECTOR_N, else INNX_EINVAL saying so.
 * The view is drawn again at once, paused or not. */
int session_set_samples(session *s, size_t n, innx_err *err);
/* Copy the latest snapshot (cheap to call at every frame). */
void session_snapshot_copy(session *s, session_snapshot *out);
/* Points per series the snapshot's history is decimated to (default 1024). */
void session_set_width(session *s, size_t width);

/* Commands (queued, applied between two steps, in order). */
void session_set_lambda(session *s, problem_term k, double v);
void session_pause(session *s, int paused);      /* 1 pause, 0 resume */
void session_toggle_pause(session *s);
void session_step_once(session *s);              /* one step while paused */
void session_reset(session *s);                  /* next seed, fresh weights */
void session_scale_lr(session *s, double f);
void session_next_stage(session *s);
void session_train_on(session *s);               /* after the end: go on */
void session_set_k(session *s, size_t k);        /* clusters */
void session_query(session *s, double y);        /* roots of F(x) = y */
/* Save a checkpoint between two steps: to path, or with path NULL to
 * ./innx-PROBLEM-STEP.safetensors, never over a file (-1, -2... added).
 * The message says where, or why not. */
void session_save(session *s, const char *path);
/* Switch to another problem / formula. Checked here, in the caller's
 * thread: a bad one returns its error (the parser's message with a caret)
 * and training goes on with the old one. */
int session_set_problem(session *s, const problem *p, innx_err *err);
int session_set_formula(session *s, const char *formula, innx_err *err);

/* Headless use: wait until the run has finished (or `timeout` seconds,
 * < 0 = forever); returns the state. */
session_state session_wait(session *s, double timeout);
/* Stop the thread and hand its trainer to the caller (who frees it);
 * the session is freed. */
trainer *session_detach(session *s);

#endif
