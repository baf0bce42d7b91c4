/* trainer_impl.h: the trainer's state, private to src/core (trainer.c steps
 * it; trainer_ckpt.c saves and restores it). Nothing outside core includes it. */
#ifndef INNX_TRAINER_IMPL_H
#define INNX_TRAINER_IMPL_H

#include <gsl/gsl_rng.h>

#include "innx/expr.h"
#include "innx/fsys.h"
#include "innx/graph.h"
#include "innx/optim.h"
#include "innx/pieces.h"
#include "innx/trainer.h"

#define BRANCH_KNOTS 32   /* knots of a piece's starting inverse */

typedef struct stage_graph {
    graph *g;
    int loss;
    int term[TERM_N];     /* node of each term, -1 if not built */
    int lam[TERM_N];      /* 1 x 1 feed of each lambda, -1 if none */
    int gin, y, xs;       /* G's input, the target y, known x (grid or table) */
    int zlo, zhi, zc;     /* per-row partition walls and centres */
    int lo, hi;           /* the domain box (1 x d) */
    int sq_lo, sq_span;   /* squash output */
    int xhat;
    int lg, bw, blo, bspan; /* branch model: logit s0, residual weight, piece start and width */
    int gp_built;         /* G's tangent pass is in (gp); kept over rebuilds */
    int pw;               /* a mixture's weights, stacked as its candidates (nM x 1) */
    int yw;               /* a vector y: 1 / y's scale per component (1 x m), the cycle's weights */
    optim_adam *adam;
    optim_params joint;   /* union of NN1's and G's parameters (joint) */
    const optim_params *params;
    size_t rows;          /* the batch (a table's rows, or a drawn batch) */
    int threads;          /* the graph's (graph_set_threads) */
} stage_graph;

/* A field the next steps read is state: trainer_ckpt.c's fields() (or its
 * tensors) must save it, or a resumed run parts from the one it came from
 * (test_checkpoint's test_resume_builtins shows it). */
struct trainer {
    problem p;
    gsl_rng *rng;
    expr *f;
    nn_model *G, *F;
    trainer_data data;
    double *tx, *ty;      /* training rows, scaled (tables) */
    double *box_lo, *box_hi;   /* the domain, in the units G works in */
    size_t rows, g_in;
    stage_graph sg[PROBLEM_MAX_STAGES];
    /* the running stage */
    size_t stage;
    long steps, stage_steps, stage_end;
    trainer_state state;
    double lr_scale, sched_lr;
    optim_plateau plateau;
    optim_early early, best;
    optim_ema ema;
    int early_on, ema_on, best_on, answers_by_best, finished_stage, stop;
    int trained_on;       /* past the plan (train on after the end) */
    int rebase;           /* a lambda changed: the next loss is the new baseline */
    double joint_fwd0;    /* a joint stage: NN1's held-out loss at its start (NaN: none) */
    int joint_undone;     /* ...which its last weights raised past the slack: an earlier checkpoint answers */
    long ck_every, best_at, rolled_at;
    double term[TERM_N], loss, first_loss, loss_avg, avg_min;   /* running mean (fresh batches), its lowest */
    double lambda[TERM_N];
    trainer_history hist;
    size_t n_rollbacks;
    trainer_rollback rollbacks[TRAINER_MAX_ROLLBACKS];
    /* the branch model: f's monotone pieces (z picks one); on a table
     * they are cut on NN1 as the inverse stage begins, so G's code is
     * sized for PIECES_MAX */
    size_t n_pieces, branch_w;    /* G's input: y's shape, then the code */
    size_t *branch_piece;         /* the batch's scratch: each row's piece, */
    double *branch_buf;           /* its place, x, f and f' (batch_n each) */
    pieces_piece pieces[PIECES_MAX];
    /* each piece's starting inverse: the shape of y at BRANCH_KNOTS + 1
     * points evenly spaced in x across it */
    double knot[PIECES_MAX][BRANCH_KNOTS + 1];
    /* the flow model (trainer_flow.c): F as a formula system, x and y's
     * standardisation, a simulation budget (standardised; the first n_sim
     * rows train, the n_val after them validate), the batch's scratch */
    fsys *sys;
    double xloc[PROBLEM_MAX_X], xscale[PROBLEM_MAX_X], yloc[PROBLEM_MAX_Y], yscale[PROBLEM_MAX_Y];
    double *sim_x, *sim_y, *fbuf;
    size_t n_sim, n_val;
};

/* trainer.c: F at node x in the problem's own units (the formula, or a
 * table's NN1, frozen, between its scalers), for the branch model. */
int trainer_build_f_units(trainer *t, graph *g, int x);

/* trainer.c, for trainer_ckpt.c: stage i's graph again (build_stage). */
int trainer_rebuild_stage(trainer *t, size_t i, innx_err *err);

/* trainer.c: free the running stage's early-stop, best and EMA copies
 * (a stage change, the end, and a restore from a checkpoint). */
void trainer_stage_free_state(trainer *t);

/* trainer_branch.c: the branch model's pieces, batch, graph and answers. */
int branch_init(trainer *t, nn_spec *spec, innx_err *err);
/* Cut f into pieces and set their knots (branch_init does it for a
 * formula; a table's trainer at its inverse stage and after a restore). */
int branch_pieces(trainer *t, innx_err *err);
/* The branch model on NN1: pieces wait for the forward fit. */
int branch_on_table(const trainer *t);
void branch_fill_batch(trainer *t, stage_graph *s);
int branch_build(trainer *t, stage_graph *s, graph *g);
int branch_eval(trainer *t, const double *in, size_t n, double *x, innx_err *err);

/* trainer_flow.c: the flow model (a conditional coupling flow over x given
 * y): sets G's widths in spec, parses the system, standardises, draws the
 * simulation budget. */
int tflow_init(trainer *t, nn_spec *spec, innx_err *err);
/* F as the problem's system in t->sys, and y's location and scale from
 * prior draws (the flow's, and G(y, z)'s on a vector problem). */
int tflow_system(trainer *t, innx_err *err);
/* rows prior draws x (raw units) and y = F(x), noise from r. */
int tflow_draw(trainer *t, size_t rows, gsl_rng *r, double *x, double *y);
void tflow_free(trainer *t);
int tflow_fill_batch(trainer *t, stage_graph *s);
int tflow_build(trainer *t, stage_graph *s, graph *g);
size_t tflow_shards(size_t rows, int threads);   /* the shards of a flow's batch (graph_shard_begin) */
double tflow_val_nll(trainer *t);   /* on the held-out simulations, answering weights in */
/* x = the flow's inverse of z ~ N(0, tau^2 I) at y*; ld (may be NULL) each
 * one's log|det dz/dx| in x's units, zz (may be NULL) its |z|^2. */
int tflow_sample(trainer *t, const double *ystar, size_t rows, double tau, gsl_rng *r, double *x, double *ld,
                 double *zz, innx_err *err);

#endif
