/* problem.h: what to solve, with no training state: the forward map, the
 * domain, G's shape, how a batch is made, the loss terms and the stages. */
#ifndef INNX_PROBLEM_H
#define INNX_PROBLEM_H

#include <stddef.h>

#include "innx/error.h"

#define PROBLEM_MAX_X 16         /* inputs of F (components of x) */
#define PROBLEM_MAX_Y 16         /* outputs of F (components of y) */
#define PROBLEM_SYSTEM_LEN 4096
#define PROBLEM_SYSTEM_LINES 256 /* lines of a [forward] system (fsys's own limit) */
#define PROBLEM_MAX_PARTS 32      /* latent partitions */
#define PROBLEM_MAX_STAGES 3
#define PROBLEM_MAX_MIXTURE 16   /* components of a mixture head */
#define PROBLEM_NAME_LEN 32
#define PROBLEM_TEXT_LEN 256
#define PROBLEM_FORMULA_LEN 1024

/* The loss catalogue. Each term is one node of the stage's graph, weighted
 * by a 1 x 1 lambda feed that the trainer sets before every step. */
typedef enum {
    TERM_FWD = 0,  /* mean ||NN1(x) - y||^2 */
    TERM_CYC,      /* mean ||F(G(y, z)) - y||^2, F the formula or NN1 */
    TERM_RECON,    /* mean ||G(y) - x||^2 over known pairs */
    TERM_XCYC,     /* mean ||G(F(x)) - x||^2, the literal cycle */
    TERM_BOX,      /* domain walls: L1 sum relu(a-x)+relu(x-b), or squared */
    TERM_RANGE,    /* squared walls of each sample's own latent partition */
    TERM_CENTER,   /* mean (x - centre of the sample's partition)^2 */
    TERM_NORM,     /* mean ||x||^2 (minimum norm) */
    TERM_SMOOTH,   /* mean sum_i (x_{i+1} - x_i)^2 */
    TERM_GP,       /* mean ||dx/dy||^2, exact (a tangent pass of G); G must read y */
    TERM_ENT,      /* mean over rows of sum_j p_j log p_j over a mixture head's weights */
    TERM_NLL,      /* a flow's mean(0.5 ||z||^2 - log|det dz/dx|) over (x, y) pairs */
    TERM_N
} problem_term;

const char *problem_term_name(problem_term t);   /* "fwd", "cyc", ... */
int problem_term_parse(const char *s);           /* name -> term, -1 if none */

/* What G reads. z ~ U[0,1]^z_dim. */
typedef enum { PROBLEM_IN_Y = 0, PROBLEM_IN_Z, PROBLEM_IN_YZ } problem_input;
/* G's output transform: u, softplus(u) (x > 0), a + (b - a) sigmoid(u), or
 * the branch model: z picks one of f's monotone pieces [c, c + D] and
 * x = c + D sigmoid(logit s0(t) + u), t the secant position of y in the
 * piece's range and s0 its shape (DESIGN.md, "Many roots"). */
typedef enum { PROBLEM_OUT_IDENTITY = 0, PROBLEM_OUT_SOFTPLUS, PROBLEM_OUT_SQUASH, PROBLEM_OUT_BRANCH } problem_output;

/* How a step's batch is made. */
typedef enum {
    PROBLEM_BATCH_GRID_X = 0, /* fixed: n x evenly over the domain, y = F(x) (float) */
    PROBLEM_BATCH_GRID_Y,     /* fixed: n y evenly over [y_lo, y_hi] */
    PROBLEM_BATCH_CONST,      /* fixed: n copies of y_const */
    PROBLEM_BATCH_UNIFORM,    /* fresh every step: z ~ U[0,1], y ~ U[y_lo, y_hi] or y_const */
    PROBLEM_BATCH_TABLE,      /* a table's training rows (scaled) */
    PROBLEM_BATCH_BRANCH      /* fresh every step: a piece uniformly, x uniform in it, y = F(x) */
} problem_batch;

typedef enum { PROBLEM_STAGE_FORWARD = 0, PROBLEM_STAGE_INVERSE, PROBLEM_STAGE_JOINT } problem_stage_kind;
typedef enum { PROBLEM_LR_CONSTANT = 0, PROBLEM_LR_MULTISTEP, PROBLEM_LR_PLATEAU } problem_lr;

typedef struct problem_stage {
    problem_stage_kind kind;
    long steps;                /* at most this many */
    double lr;
    problem_lr schedule;
    double gamma;              /* multistep: lr * gamma at each milestone */
    double milestones[2];      /* as fractions of steps; 0 = unused */
    double plateau_factor;     /* plateau: lr * factor after patience bad steps */
    int plateau_patience;
    int patience;              /* early stop on the loss; 0 = off */
    double ema_decay;          /* answers from an average of G's weights; 0 = off */
    long checkpoint;           /* score the answering weights every N steps; 0 = off */
    double beta;               /* joint: L_fwd + beta L */
} problem_stage;

/* z in [z_lo, z_hi) maps to x in [x_lo, x_hi] (first component). */
typedef struct problem_partition {
    double z_lo, z_hi, x_lo, x_hi;
} problem_partition;

typedef struct problem {
    char name[PROBLEM_NAME_LEN];
    char summary[PROBLEM_TEXT_LEN];
    /* The forward map: a formula in x (or x1..xn), or NN1 learned from a
     * table (formula empty), or both. */
    char formula[PROBLEM_FORMULA_LEN];
    size_t x_dim;
    /* The domain; for a table, a component with lo = hi = 0 takes the
     * range seen in the data. */
    double x_lo[PROBLEM_MAX_X], x_hi[PROBLEM_MAX_X];
    int y_given;               /* else y's range is F's over the domain */
    double y_lo, y_hi;
    /* A table (PROBLEM_BATCH_TABLE): the CSV (empty = the built-in
     * generated one), x's columns (comma-separated) and y's, the held-out
     * share and NN1's spec. */
    char table[PROBLEM_TEXT_LEN];
    char x_columns[PROBLEM_TEXT_LEN];
    char y_column[PROBLEM_NAME_LEN];
    double test_frac;
    int drop_bad_rows;         /* skip rows with NaN/Inf or non-numbers */
    char forward_model[PROBLEM_TEXT_LEN];
    /* G */
    char model[PROBLEM_TEXT_LEN];
    int siamese;               /* a table: G's hidden-to-hidden layers are NN1's (shared) */
    problem_input input;
    size_t z_dim;
    problem_output output;
    /* A mixture head: G gives `mixture` candidates x_1..x_M and weights
     * p = softmax(logits) per row (0 or 1 = one x, no head). */
    size_t mixture;
    /* The batch */
    problem_batch batch;
    size_t batch_n;
    double y_const;
    /* Loss */
    double lambda[TERM_N];
    int box_quadratic;         /* box as squared walls (else L1) */
    size_t n_parts;
    problem_partition parts[PROBLEM_MAX_PARTS];
    /* Stages, run in order */
    size_t n_stages;
    problem_stage stages[PROBLEM_MAX_STAGES];
    /* Reports */
    double y_star;             /* the target a run answers at the end */
    size_t k;                  /* clusters of the answers */
    unsigned long seed;
    int threads;               /* graph threads; 0 = chosen from the problem's size */
    /* Vector problems: y in R^y_dim given by `system` (lines `name = expr`
     * separated by newlines; outputs y1..ym), x drawn from a prior per
     * component, a simulation budget, the vector y* and the answers. */
    /* What a headless run reports: the answers at y* (0), or over F's whole
     * range beside a plain regressor (1: the article's xsin report). */
    int report_range;
    size_t y_dim;              /* m; 1 (or 0, read as 1) for every one-variable problem */
    char system[PROBLEM_SYSTEM_LEN];
    /* system_line[i]: the line of the file that gave the system's line i,
     * so that a fault found after the whole file is read still names
     * FILE:LINE; 0 where no file gave it (a built-in, --set). Messages
     * only: not written, and no part of what the problem is. */
    int system_line[PROBLEM_SYSTEM_LINES];
    struct { int kind; double a, b; } prior[PROBLEM_MAX_X];   /* PROBLEM_PRIOR_* */
    size_t simulations;        /* 0: fresh draws every step; N: the training set, drawn once */
    double val_frac;           /* the budget's held-out share (default 0.1) */
    /* y* as a vector. y_star is y_target[0]'s twin, kept so every
     * one-variable path reads one number: whoever sets y* sets both (the
     * file's y_star, --set problem.y_star, the built-ins), and for m = 1
     * the file writes y_star alone. */
    double y_target[PROBLEM_MAX_Y];
    size_t samples;            /* answers drawn per y* (default 1000) */
    size_t resample;           /* a flow on a deterministic F: at most this many proposals per
                                  answer, importance-resampled to the posterior (default 32;
                                  0: the flow's samples as they are) */
} problem;
enum { PROBLEM_PRIOR_DOMAIN = 0, PROBLEM_PRIOR_UNIFORM, PROBLEM_PRIOR_NORMAL };

/* A stage with PyTorch's defaults: constant lr, no early stop, no EMA. */
problem_stage problem_stage_default(problem_stage_kind kind, long steps, double lr);
/* "forward", "inverse", "joint" (the problem file's kind values), "?" else */
const char *problem_stage_kind_name(problem_stage_kind kind);

/* Built-in problems, by name; three-roots is the default. */
int problem_builtin(const char *name, problem *p, innx_err *err);
size_t problem_n_builtins(void);
const char *problem_builtin_name(size_t i);     /* NULL past the end */
const char *problem_builtin_summary(size_t i);
#define PROBLEM_DEFAULT "three-roots"

/* A problem on any formula in one variable on [a, b]: the branch model
 * G(y, z) over y in F's range, which finds every root by itself. Fails
 * with the parser's message. */
int problem_from_formula(const char *formula, double a, double b, problem *p, innx_err *err);
/* The same forward map and domain as p, solved by the branch model (the
 * `--auto` variant of a formula problem). */
int problem_auto(problem *p, innx_err *err);
/* F is NN1 learned from a table: a table's batch, or the branch model
 * with no formula. */
int problem_has_table(const problem *p);
/* G's inputs per row: y's y_dim, z's z_dim, or y then z (the branch model
 * widens its own by f's piece count). */
size_t problem_g_in(const problem *p);
/* F of a vector problem as a formula system: [forward]'s lines, or the
 * one-line formula as y = formula; the parser's message (file:line) else. */
struct fsys *problem_system(const problem *p, innx_err *err);
/* The hook a problem file calls once the whole file is read (and --set
 * forward.NAME after each line): the system's lines alone, whatever x_dim
 * and y_dim say (problem_validate compares those), through the system's
 * parser: each a name, none twice, outputs y1..ym with none missing (or y
 * alone), no name used before its line, each formula's syntax. Messages
 * read FILE:LINE: NAME: what, with the lines' file lines (system_line);
 * [forward]:I (the system's I-th line) where file is NULL or a line has
 * none. 0 when there is no system. */
int problem_validate_system(const problem *p, const char *file, innx_err *err);
/* Prior j (0-based) against the domain: uniform(A, B) inside it, normal's
 * mean inside it (and sd > 0); the domain default always fits. The message
 * names prior.xJ and the domain; a problem file adds its line. */
int problem_validate_prior(const problem *p, size_t j, innx_err *err);
/* G is a conditional coupling flow (model flow:BLOCKS-HIDDEN). */
int problem_is_flow(const problem *p);
/* y is a vector (or F a [forward] system, or G a flow): answered by
 * samples at y* (report_vector), whatever G is. */
int problem_is_vector(const problem *p);
/* A table's x columns changed to d of them: x_dim = d, G's last width and
 * NN1's first become d (their hidden layers and activations stay), and the
 * domain becomes the data's own range. INNX_EINVAL if d is out of range or
 * a spec is not `kind:W-...-W/...`. */
int problem_set_x_dim(problem *p, size_t d, innx_err *err);

/* A table's y columns changed to m of them: y_dim = m, NN1's last width
 * and G's first (y's m, then z) follow. INNX_EINVAL as problem_set_x_dim. */
int problem_set_y_dim(problem *p, size_t m, innx_err *err);

/* Checks what must hold before a trainer is built (dimensions, ranges,
 * steps, the formula parses, the model spec fits); the message names the
 * setting. */
int problem_validate(const problem *p, innx_err *err);

/* Which terms a problem's inverse graph builds (1) or cannot have (0). */
int problem_term_applies(const problem *p, problem_term t);

#endif
