/* graph.c: the static reverse-mode autodiff graph: builders, compile, and the
 * op table (one entry per op: forward, backward, a one-line formula). */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_blas.h>

#include "act.h"
#include "graph_impl.h"
#include "hot.h"
#include "innx/clock.h"

#define NODE(g, i) (&(g)->nodes[(i)])
#define IN(g, n, k) (&(g)->nodes[(n)->in[k]])
#define PTR(m, i) ((m)->data + (i) * (m)->tda)

/* ---- worker pool ------------------------------------------------------ */

/* The big products split by batch rows over a few threads of the graph's own:
 * OpenBLAS gains little from its threads on 6000 x 128 x 128, while two row
 * halves each run at a core's full speed. Partial sums are added in a fixed
 * order, so results do not depend on timing. */
struct graph_pool {
    int n;                        /* threads including the caller */
    pthread_t *th;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_uint gen;              /* bumped once per job */
    atomic_int pending;           /* workers still on the current job */
    atomic_int sleepers;          /* workers blocked on go */
    atomic_int quit;
    void (*fn)(void *arg, int tid, int n);
    void *arg;
};

/* A step hands the pool a job every few tens of microseconds, and waking a
 * thread blocked on a condition variable costs about as much; so a worker
 * spins this many polls for the next job before it sleeps, and the caller
 * spins as long for the last worker. Idle graphs sleep. */
#define POOL_SPIN 20000

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

typedef struct { struct graph_pool *p; int tid; } pool_worker;

static void *pool_main(void *a)
{
    pool_worker *w = a;
    struct graph_pool *p = w->p;
    unsigned seen = 0;
    for (;;) {
        for (int i = 0; i < POOL_SPIN && atomic_load(&p->gen) == seen && !atomic_load(&p->quit); i++)
            cpu_relax();
        if (atomic_load(&p->gen) == seen && !atomic_load(&p->quit)) {
            /* sleepers is raised before gen is read again, and pool_run
             * bumps gen before it reads sleepers (both sequentially
             * consistent), so one of the two always sees the other. */
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->sleepers, 1);
            while (atomic_load(&p->gen) == seen && !atomic_load(&p->quit))
                pthread_cond_wait(&p->go, &p->mu);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->quit))
            break;
        seen = atomic_load(&p->gen);
        p->fn(p->arg, w->tid, p->n);
        if (atomic_fetch_sub(&p->pending, 1) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
    free(w);
    return NULL;
}

static void pool_free(struct graph_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->quit, 1);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n; i++)
        pthread_join(p->th[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    free(p->th);
    free(p);
}

static struct graph_pool *pool_alloc(int n)
{
    struct graph_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->th = calloc((size_t)n, sizeof *p->th);
    if (!p->th) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->gen, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->quit, 0);
    p->n = 1;
    for (int i = 1; i < n; i++) {
        pool_worker *w = malloc(sizeof *w);
        if (!w)
            break;
        w->p = p;
        w->tid = i;
        if (pthread_create(&p->th[i], NULL, pool_main, w) != 0) {
            free(w);
            break;
        }
        p->n = i + 1;
    }
    return p;
}

/* The graph owns the threading of its products (graph_set_threads; one
 * thread means one): BLAS threads of its own inside them would only contend
 * with the pool's (spinning) workers. */
#ifdef HAVE_OPENBLAS
void openblas_set_num_threads(int n);
char *openblas_get_corename(void);
static void blas_single_thread(void) { openblas_set_num_threads(1); }
void graph_blas_serial(void) { blas_single_thread(); }
const char *graph_blas_core(void) { return openblas_get_corename(); }
#else
static void blas_single_thread(void) {}
void graph_blas_serial(void) {}
const char *graph_blas_core(void) { return "gslcblas"; }
#endif

/* OpenBLAS 0.3.21 (Debian 12) takes a CPU newer than its tables (here
 * Emerald Rapids, family 6 model 207) for an old one and runs its SSE3
 * kernels: a 512 x 128 x 128 sgemm took 945 us there and 123 us with the
 * AVX-512 ones (innx bench ik: 24.4 against 8.2 ms/step). Its dynamic
 * build reads OPENBLAS_CORETYPE once, in its constructor, before any code
 * of ours runs (setting it from .preinit_array is undone: libc's own
 * initialisation resets environ after that array has run). So when it
 * fell back to "Prescott" on a CPU with AVX-512 (F, CD, BW, DQ, VL: what
 * the SkylakeX kernels use) and the user set no OPENBLAS_CORETYPE, the
 * program runs itself again with SkylakeX, the sgemm kernels OpenBLAS
 * itself picks on every AVX-512 CPU it knows; INNX_BLAS_REEXEC marks the
 * second run, which takes both variables out of its environment again. A
 * CPU OpenBLAS knows keeps OpenBLAS's choice. */
#if defined(HAVE_OPENBLAS) && defined(__linux__) && defined(__x86_64__) && defined(__GNUC__) && \
    !defined(__SANITIZE_THREAD__)
#include <unistd.h>
#define BLAS_REEXEC 1
static int blas_core_chosen;

static int cpu_has_avx512(void)
{
    __builtin_cpu_init();   /* (libgcc's constructor may not have run yet) */
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
}

/* glibc passes main's arguments to an executable's constructors */
__attribute__((constructor)) static void blas_core_choose(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *again = getenv("INNX_BLAS_REEXEC");
    if (again) {
        blas_core_chosen = !strcmp(openblas_get_corename(), "SkylakeX");
        if (!strcmp(again, "2"))
            unsetenv("OPENBLAS_NUM_THREADS");
        unsetenv("INNX_BLAS_REEXEC");
        unsetenv("OPENBLAS_CORETYPE");
        return;
    }
    if (argc < 1 || !argv || !argv[0] || getenv("OPENBLAS_CORETYPE") || strcmp(openblas_get_corename(), "Prescott") != 0 ||
        !cpu_has_avx512())
        return;
    /* BLAS runs single-threaded anyway (graph_blas_serial): started with
     * threads, OpenBLAS's idle workers spin on the second core for a while
     * (a fresh `innx query ik` resampled in ~155 ms beside them, ~112 ms
     * without) */
    int threads = getenv("OPENBLAS_NUM_THREADS") == NULL;
    if (setenv("OPENBLAS_CORETYPE", "SkylakeX", 1) != 0 || setenv("INNX_BLAS_REEXEC", threads ? "2" : "1", 1) != 0 ||
        (threads && setenv("OPENBLAS_NUM_THREADS", "1", 1) != 0))
        return;
    /* the file's own name, so that ps and top still say innx (exec of
     * /proc/self/exe itself names the process "exe") */
    char path[4096];
    ssize_t len = readlink("/proc/self/exe", path, sizeof path - 1);
    if (len > 0 && (size_t)len < sizeof path - 1) {
        path[len] = '\0';
        execv(path, argv);
    }
    execv("/proc/self/exe", argv);
    unsetenv("INNX_BLAS_REEXEC");   /* (no /proc: go on with Prescott) */
    unsetenv("OPENBLAS_CORETYPE");
    if (threads)
        unsetenv("OPENBLAS_NUM_THREADS");
}
#endif

const char *graph_blas_hint(void)
{
#ifdef BLAS_REEXEC
    if (blas_core_chosen)
        return "innx chose OpenBLAS's SkylakeX kernels for this AVX-512 CPU, which OpenBLAS took for a generic one "
               "(OPENBLAS_CORETYPE overrides)";
#endif
    const char *core = graph_blas_core();
    if (!core || strcmp(core, "Prescott") != 0 || getenv("OPENBLAS_CORETYPE"))
        return NULL;
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx512f"))
        return "OpenBLAS runs its generic SSE3 kernels on this CPU; OPENBLAS_CORETYPE=SkylakeX makes it ~4x faster";
    if (__builtin_cpu_supports("avx2"))
        return "OpenBLAS runs its generic SSE3 kernels on this CPU; OPENBLAS_CORETYPE=Haswell makes it faster";
#endif
    return NULL;
}

/* Run fn(arg, tid, n) on every thread (the caller is tid 0) and wait. */
static void pool_run(struct graph_pool *p, void (*fn)(void *, int, int), void *arg)
{
    if (!p || p->n == 1) {
        fn(arg, 0, 1);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    atomic_store(&p->pending, p->n - 1);
    atomic_fetch_add(&p->gen, 1);   /* publishes fn and arg */
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
    }
    fn(arg, 0, p->n);
    for (int i = 0; i < POOL_SPIN && atomic_load(&p->pending) > 0; i++)
        cpu_relax();
    if (atomic_load(&p->pending) > 0) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->pending) > 0)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

static void row_range(size_t rows, int tid, int n, size_t *r0, size_t *r1)
{
    *r0 = rows * (size_t)tid / (size_t)n;
    *r1 = rows * (size_t)(tid + 1) / (size_t)n;
}

typedef struct {
    size_t rows;
    void (*fn)(void *, size_t, size_t);
    void *arg;
} rows_job;

static void rows_part(void *a, int tid, int n)
{
    rows_job *j = a;
    size_t r0, r1;
    row_range(j->rows, tid, n, &r0, &r1);
    if (r0 < r1)
        j->fn(j->arg, r0, r1);
}

void graph_parallel_rows(graph *g, size_t rows, void (*fn)(void *arg, size_t r0, size_t r1), void *arg)
{
    rows_job j = {rows, fn, arg};
    if (g->pool && rows >= 64 && !g->in_shards)
        pool_run(g->pool, rows_part, &j);
    else
        fn(arg, 0, rows);
}

int graph_set_threads(graph *g, int n)
{
    if (g->compiled)
        return INNX_EINVAL;
    g->threads = n < 1 ? 1 : (n > 64 ? 64 : n);
    return 0;
}

/* ---- building ---------------------------------------------------------- */

graph *graph_alloc(void)
{
    graph *g = calloc(1, sizeof *g);
    if (g) {
        g->loss = -1;
        g->threads = 1;
    }
    return g;
}

void graph_free(graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        graph_node *n = &g->nodes[i];
        if (!n->borrowed) {
            if (n->val) gsl_matrix_float_free(n->val);
            if (n->grad) gsl_matrix_float_free(n->grad);
        } else if (n->sum_into && n->grad) {
            gsl_matrix_float_free(n->grad);   /* a shard's own; the caller's is sum_into */
        }
        if (n->work) gsl_matrix_float_free(n->work);
    }
    pool_free(g->pool);
    free(g->sum_node);
    free(g->sum_start);
    free(g->sum_cum);
    free(g->prof);
    free(g->nodes);
    free(g->order);
    free(g);
}

int graph_fail(graph *g, const char *fmt, ...)
{
    if (!g->err_set) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->err.msg, sizeof g->err.msg, fmt, ap);
        va_end(ap);
        g->err_set = 1;
    }
    return -1;
}

int graph_add_node(graph *g, int op, const int *in, int n_in, size_t rows, size_t cols)
{
    for (int k = 0; k < n_in; k++)
        if (in[k] < 0 || (size_t)in[k] >= g->n)
            return graph_fail(g, "graph: %s: input %d is not a node", graph_ops[op]->name, k);
    if (g->compiled)
        return graph_fail(g, "graph: %s added after compile", graph_ops[op]->name);
    if (rows == 0 || cols == 0)
        return graph_fail(g, "graph: %s: empty shape", graph_ops[op]->name);
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 64;
        graph_node *nn = realloc(g->nodes, cap * sizeof *nn);
        if (!nn)
            return graph_fail(g, "graph: out of memory");
        g->nodes = nn;
        g->cap = cap;
    }
    int shard = g->shard_open ? g->n_shards - 1 : -1;
    for (int k = 0; k < n_in; k++) {
        int other = g->nodes[in[k]].shard;
        if (other >= 0 && shard >= 0 && other != shard)
            return graph_fail(g, "graph: %s of shard %d reads a node of shard %d", graph_ops[op]->name, shard, other);
    }
    graph_node *n = &g->nodes[g->n];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->shard = shard;
    for (int k = 0; k < GRAPH_MAX_IN; k++)
        n->in[k] = k < n_in ? in[k] : -1;
    n->rows = rows;
    n->cols = cols;
    return (int)g->n++;
}

static int bad(graph *g, int a) { return a < 0 || (size_t)a >= g->n; }

int graph_shard_begin(graph *g)
{
    if (g->compiled || g->shards_closed)
        return graph_fail(g, "graph: a shard begun after the shards ended");
    if (g->n_shards == GRAPH_MAX_SHARDS)
        return graph_fail(g, "graph: more than %d shards", GRAPH_MAX_SHARDS);
    g->shard_node[g->n_shards++] = g->n;
    g->shard_open = 1;
    return 0;
}

int graph_shard_end(graph *g)
{
    if (!g->shard_open)
        return graph_fail(g, "graph: shards ended before one began");
    g->shard_node[g->n_shards] = g->n;
    g->shard_open = 0;
    g->shards_closed = 1;
    return 0;
}

int graph_feed(graph *g, size_t rows, size_t cols)
{
    return graph_add_node(g, GRAPH_OP_FEED, NULL, 0, rows, cols);
}

int graph_const(graph *g, size_t rows, size_t cols, float v)
{
    int i = graph_add_node(g, GRAPH_OP_CONST, NULL, 0, rows, cols);
    if (i >= 0)
        NODE(g, i)->c[0] = v;
    return i;
}

int graph_param(graph *g, gsl_matrix_float *val, gsl_matrix_float *grad)
{
    if (!val)
        return graph_fail(g, "graph: param without storage");
    if (grad && (grad->size1 != val->size1 || grad->size2 != val->size2))
        return graph_fail(g, "graph: param gradient shape differs from value");
    int i = graph_add_node(g, GRAPH_OP_PARAM, NULL, 0, val->size1, val->size2);
    if (i >= 0) {
        graph_node *n = NODE(g, i);
        n->val = val;
        n->grad = grad;
        n->borrowed = 1;
    }
    return i;
}

static int binary(graph *g, int op, int a, int b)
{
    if (bad(g, a) || bad(g, b))
        return graph_fail(g, "graph: %s of a failed node", graph_ops[op]->name);
    const graph_node *A = NODE(g, a), *B = NODE(g, b);
    size_t r = A->rows > B->rows ? A->rows : B->rows;
    size_t c = A->cols > B->cols ? A->cols : B->cols;
    if ((A->rows != r && A->rows != 1) || (B->rows != r && B->rows != 1) ||
        (A->cols != c && A->cols != 1) || (B->cols != c && B->cols != 1))
        return graph_fail(g, "graph: %s: shapes %zux%zu and %zux%zu do not broadcast",
                          graph_ops[op]->name, A->rows, A->cols, B->rows, B->cols);
    int in[2] = {a, b};
    return graph_add_node(g, op, in, 2, r, c);
}

int graph_add(graph *g, int a, int b) { return binary(g, GRAPH_OP_ADD, a, b); }
int graph_sub(graph *g, int a, int b) { return binary(g, GRAPH_OP_SUB, a, b); }
int graph_mul(graph *g, int a, int b) { return binary(g, GRAPH_OP_MUL, a, b); }
int graph_div(graph *g, int a, int b) { return binary(g, GRAPH_OP_DIV, a, b); }
int graph_min(graph *g, int a, int b) { return binary(g, GRAPH_OP_MIN, a, b); }
int graph_max(graph *g, int a, int b) { return binary(g, GRAPH_OP_MAX, a, b); }

int graph_matmul(graph *g, int a, int w)
{
    if (bad(g, a) || bad(g, w))
        return graph_fail(g, "graph: matmul of a failed node");
    if (NODE(g, a)->cols != NODE(g, w)->rows)
        return graph_fail(g, "graph: matmul: %zux%zu times %zux%zu", NODE(g, a)->rows,
                          NODE(g, a)->cols, NODE(g, w)->rows, NODE(g, w)->cols);
    int in[2] = {a, w};
    return graph_add_node(g, GRAPH_OP_MATMUL, in, 2, NODE(g, a)->rows, NODE(g, w)->cols);
}

int graph_add_bias(graph *g, int a, int bias)
{
    if (bad(g, a) || bad(g, bias))
        return graph_fail(g, "graph: add_bias of a failed node");
    if (NODE(g, bias)->rows != 1 || NODE(g, bias)->cols != NODE(g, a)->cols)
        return graph_fail(g, "graph: add_bias: bias %zux%zu for %zu columns", NODE(g, bias)->rows,
                          NODE(g, bias)->cols, NODE(g, a)->cols);
    int in[2] = {a, bias};
    return graph_add_node(g, GRAPH_OP_ADD_BIAS, in, 2, NODE(g, a)->rows, NODE(g, a)->cols);
}

int graph_dense(graph *g, int x, int w, int b, graph_act act)
{
    if (bad(g, x) || bad(g, w) || bad(g, b))
        return graph_fail(g, "graph: dense of a failed node");
    const graph_node *X = NODE(g, x), *W = NODE(g, w), *B = NODE(g, b);
    if (X->cols != W->rows || B->rows != 1 || B->cols != W->cols)
        return graph_fail(g, "graph: dense: x %zux%zu, W %zux%zu, b %zux%zu", X->rows, X->cols,
                          W->rows, W->cols, B->rows, B->cols);
    int in[3] = {x, w, b};
    int i = graph_add_node(g, GRAPH_OP_DENSE, in, 3, X->rows, W->cols);
    if (i >= 0)
        NODE(g, i)->ia[0] = (size_t)act;
    return i;
}

static int unary(graph *g, int op, int a)
{
    if (bad(g, a))
        return graph_fail(g, "graph: %s of a failed node", graph_ops[op]->name);
    int in[1] = {a};
    return graph_add_node(g, op, in, 1, NODE(g, a)->rows, NODE(g, a)->cols);
}

static int unary_c(graph *g, int op, int a, float c)
{
    int i = unary(g, op, a);
    if (i >= 0)
        NODE(g, i)->c[0] = c;
    return i;
}

int graph_neg(graph *g, int a) { return unary(g, GRAPH_OP_NEG, a); }
int graph_scale(graph *g, int a, float c) { return unary_c(g, GRAPH_OP_SCALE, a, c); }
int graph_offset(graph *g, int a, float c) { return unary_c(g, GRAPH_OP_OFFSET, a, c); }
int graph_square(graph *g, int a) { return unary(g, GRAPH_OP_SQUARE, a); }
int graph_pow(graph *g, int a, float p) { return unary_c(g, GRAPH_OP_POW, a, p); }
int graph_act_op(graph *g, int a, graph_act act)
{
    int i = unary(g, GRAPH_OP_ACT, a);
    if (i >= 0)
        NODE(g, i)->ia[0] = (size_t)act;
    return i;
}
int graph_tanh(graph *g, int a) { return graph_act_op(g, a, GRAPH_ACT_TANH); }
int graph_relu(graph *g, int a) { return graph_act_op(g, a, GRAPH_ACT_RELU); }
int graph_softplus(graph *g, int a) { return graph_act_op(g, a, GRAPH_ACT_SOFTPLUS); }
int graph_sigmoid(graph *g, int a) { return graph_act_op(g, a, GRAPH_ACT_SIGMOID); }
int graph_silu(graph *g, int a) { return graph_act_op(g, a, GRAPH_ACT_SILU); }
int graph_act_deriv(graph *g, int a, graph_act act)
{
    int i = unary(g, GRAPH_OP_ACT_D, a);
    if (i >= 0)
        NODE(g, i)->ia[0] = (size_t)act;
    return i;
}
int graph_sin(graph *g, int a) { return unary(g, GRAPH_OP_SIN, a); }
int graph_cos(graph *g, int a) { return unary(g, GRAPH_OP_COS, a); }
int graph_tan(graph *g, int a) { return unary(g, GRAPH_OP_TAN, a); }
int graph_asin(graph *g, int a) { return unary(g, GRAPH_OP_ASIN, a); }
int graph_acos(graph *g, int a) { return unary(g, GRAPH_OP_ACOS, a); }
int graph_atan(graph *g, int a) { return unary(g, GRAPH_OP_ATAN, a); }
int graph_sinh(graph *g, int a) { return unary(g, GRAPH_OP_SINH, a); }
int graph_cosh(graph *g, int a) { return unary(g, GRAPH_OP_COSH, a); }
int graph_exp(graph *g, int a) { return unary(g, GRAPH_OP_EXP, a); }
int graph_log(graph *g, int a) { return unary(g, GRAPH_OP_LOG, a); }
int graph_sqrt(graph *g, int a) { return unary(g, GRAPH_OP_SQRT, a); }
int graph_abs(graph *g, int a) { return unary(g, GRAPH_OP_ABS, a); }

static int reduce(graph *g, int op, int a)
{
    if (bad(g, a))
        return graph_fail(g, "graph: %s of a failed node", graph_ops[op]->name);
    int in[1] = {a};
    return graph_add_node(g, op, in, 1, 1, 1);
}
int graph_sum(graph *g, int a) { return reduce(g, GRAPH_OP_SUM, a); }
int graph_mean(graph *g, int a) { return reduce(g, GRAPH_OP_MEAN, a); }

int graph_concat(graph *g, int a, int b)
{
    if (bad(g, a) || bad(g, b))
        return graph_fail(g, "graph: concat of a failed node");
    if (NODE(g, a)->rows != NODE(g, b)->rows)
        return graph_fail(g, "graph: concat: %zu rows and %zu rows", NODE(g, a)->rows, NODE(g, b)->rows);
    int in[2] = {a, b};
    return graph_add_node(g, GRAPH_OP_CONCAT, in, 2, NODE(g, a)->rows,
                          NODE(g, a)->cols + NODE(g, b)->cols);
}

int graph_slice(graph *g, int a, size_t col0, size_t ncols)
{
    if (bad(g, a))
        return graph_fail(g, "graph: slice of a failed node");
    if (ncols == 0 || col0 + ncols > NODE(g, a)->cols)
        return graph_fail(g, "graph: slice: columns [%zu, %zu) of %zu", col0, col0 + ncols,
                          NODE(g, a)->cols);
    int in[1] = {a};
    int i = graph_add_node(g, GRAPH_OP_SLICE, in, 1, NODE(g, a)->rows, ncols);
    if (i >= 0)
        NODE(g, i)->ia[0] = col0;
    return i;
}

int graph_vstack(graph *g, int a, int b)
{
    if (bad(g, a) || bad(g, b))
        return graph_fail(g, "graph: vstack of a failed node");
    if (NODE(g, a)->cols != NODE(g, b)->cols)
        return graph_fail(g, "graph: vstack: %zu columns and %zu columns", NODE(g, a)->cols, NODE(g, b)->cols);
    int in[2] = {a, b};
    return graph_add_node(g, GRAPH_OP_VSTACK, in, 2, NODE(g, a)->rows + NODE(g, b)->rows, NODE(g, a)->cols);
}

int graph_logsoftmax(graph *g, int a) { return unary(g, GRAPH_OP_LOGSOFTMAX, a); }

/* ---- compile, run ------------------------------------------------------ */

void graph_requires_grad(graph *g, int node)
{
    if (!bad(g, node))
        NODE(g, node)->grad_requested = 1;
}

void graph_keep(graph *g, int node)
{
    if (!bad(g, node))
        NODE(g, node)->needed = 1;
}

/* The shards' parameter nodes grouped by the caller's gradient they add
 * into (each group in node order, that is shard order), so that threads
 * can each take whole groups and a group's sum is the same on any count. */
static int group_sums(graph *g, innx_err *err)
{
    size_t lo = g->shard_node[0], hi = g->shard_node[g->n_shards], n = 0, G = 0;
    for (size_t i = lo; i < hi; i++)
        n += g->nodes[i].sum_into != NULL;
    g->sum_node = malloc((n ? n : 1) * sizeof *g->sum_node);
    g->sum_start = malloc((n + 1) * sizeof *g->sum_start);
    g->sum_cum = malloc((n + 1) * sizeof *g->sum_cum);
    char *taken = calloc(hi - lo + 1, 1);
    if (!g->sum_node || !g->sum_start || !g->sum_cum || !taken) {
        free(taken);
        return innx_errf(err, INNX_ENOMEM, "graph: out of memory");
    }
    size_t q = 0, cum = 0;
    for (size_t i = lo; i < hi; i++) {
        const graph_node *a = &g->nodes[i];
        if (!a->sum_into || taken[i - lo])
            continue;
        g->sum_start[G] = q;
        g->sum_cum[G++] = cum;
        cum += a->rows * a->cols;
        for (size_t k = i; k < hi; k++)
            if (g->nodes[k].sum_into == a->sum_into) {
                taken[k - lo] = 1;
                g->sum_node[q++] = (int)k;
            }
    }
    g->sum_start[G] = q;
    g->sum_cum[G] = cum;
    g->n_sum_groups = G;
    free(taken);
    return 0;
}

/* The shards' places in the order; each shard parameter's gradient of its
 * own (the caller's is the sum of them, added after the shards ran); no
 * gradient from a shard into a shared node (two shards would add into it
 * at once). */
static int compile_shards(graph *g, innx_err *err)
{
    size_t S = (size_t)g->n_shards, k = 0;
    for (size_t s = 0; s <= S; s++) {
        while (k < g->n_order && (size_t)g->order[k] < g->shard_node[s])
            k++;
        g->shard_ord[s] = k;
    }
    for (size_t i = g->shard_node[0]; i < g->shard_node[S]; i++) {
        graph_node *n = &g->nodes[i];
        if (!n->needed)
            continue;
        for (int k2 = 0; k2 < GRAPH_MAX_IN && n->in[k2] >= 0; k2++) {
            const graph_node *a = NODE(g, n->in[k2]);
            if (a->shard < 0 && a->wants_grad && a->grad)
                return innx_errf(err, INNX_EINVAL, "graph: shard %d's %s takes a gradient into shared node %d",
                                 n->shard, graph_ops[n->op]->name, n->in[k2]);
        }
        if (n->op == GRAPH_OP_PARAM && n->grad) {
            n->sum_into = n->grad;
            if (!(n->grad = gsl_matrix_float_calloc(n->rows, n->cols))) {
                n->grad = n->sum_into;
                n->sum_into = NULL;
                return innx_errf(err, INNX_ENOMEM, "graph: out of memory");
            }
        }
    }
    return group_sums(g, err);
}

int graph_compile(graph *g, int loss, innx_err *err)
{
    if (g->err_set)
        return innx_errf(err, INNX_EINVAL, "%s", g->err.msg);
    if (g->compiled)
        return innx_errf(err, INNX_EINVAL, "graph: compiled twice");
    if (g->shard_open)
        return innx_errf(err, INNX_EINVAL, "graph: compiled with shard %d not ended", g->n_shards);
    if (loss >= 0) {
        if (bad(g, loss))
            return innx_errf(err, INNX_EINVAL, "graph: loss is not a node");
        if (NODE(g, loss)->rows != 1 || NODE(g, loss)->cols != 1)
            return innx_errf(err, INNX_EINVAL, "graph: loss must be 1x1, is %zux%zu",
                             NODE(g, loss)->rows, NODE(g, loss)->cols);
        NODE(g, loss)->needed = 1;
    }
    /* Needed: backwards from the outputs (construction order is topological). */
    for (size_t i = g->n; i-- > 0;) {
        graph_node *n = &g->nodes[i];
        if (!n->needed)
            continue;
        for (int k = 0; k < GRAPH_MAX_IN && n->in[k] >= 0; k++)
            NODE(g, n->in[k])->needed = 1;
    }
    /* Gradients flow from feeds and trainable params downstream. */
    for (size_t i = 0; i < g->n; i++) {
        graph_node *n = &g->nodes[i];
        if (n->op == GRAPH_OP_FEED)
            n->wants_grad = n->grad_requested;
        else if (n->op == GRAPH_OP_PARAM)
            n->wants_grad = n->grad != NULL;
        else
            for (int k = 0; k < GRAPH_MAX_IN && n->in[k] >= 0; k++)
                n->wants_grad |= NODE(g, n->in[k])->wants_grad;
    }
    /* A gradient read by exactly one product (the usual dense -> dense
     * chain) is written by that product's backward (beta = 0) instead of
     * being zeroed and accumulated: a full pass over the batch saved. */
    for (size_t i = 0; i < g->n; i++) {
        graph_node *n = &g->nodes[i];
        if (!n->needed)
            continue;
        for (int k = 0; k < GRAPH_MAX_IN && n->in[k] >= 0; k++)
            NODE(g, n->in[k])->grad_assign++;   /* count consumers for now */
    }
    for (size_t i = 0; i < g->n; i++) {
        graph_node *n = &g->nodes[i];
        int sole = n->grad_assign == 1;
        n->grad_assign = 0;
        if (!sole || n->borrowed)
            continue;
        for (size_t j = i + 1; j < g->n; j++) {
            graph_node *u = &g->nodes[j];
            if (u->needed && (u->op == GRAPH_OP_DENSE || u->op == GRAPH_OP_MATMUL) && u->in[0] == (int)i)
                n->grad_assign = 1;
        }
    }
    g->order = malloc((g->n ? g->n : 1) * sizeof *g->order);
    if (!g->order)
        return innx_errf(err, INNX_ENOMEM, "graph: out of memory");
    g->n_order = 0;
    for (size_t i = 0; i < g->n; i++) {
        graph_node *n = &g->nodes[i];
        if (!n->needed)
            continue;
        g->order[g->n_order++] = (int)i;
        if (!n->borrowed) {
            n->val = gsl_matrix_float_calloc(n->rows, n->cols);
            if (!n->val)
                return innx_errf(err, INNX_ENOMEM, "graph: out of memory");
            if (n->op == GRAPH_OP_CONST)
                gsl_matrix_float_set_all(n->val, n->c[0]);
            if (n->wants_grad && loss >= 0) {
                n->grad = gsl_matrix_float_calloc(n->rows, n->cols);
                if (!n->grad)
                    return innx_errf(err, INNX_ENOMEM, "graph: out of memory");
            }
        }
        const graph_op_def *d = graph_ops[n->op];
        if (d->work_shape) {
            size_t r = 0, c = 0;
            d->work_shape(g, n, &r, &c);
            if (r && c && !(n->work = gsl_matrix_float_calloc(r, c)))
                return innx_errf(err, INNX_ENOMEM, "graph: out of memory");
        }
    }
    if (g->n_shards > 0 && compile_shards(g, err) != 0)
        return INNX_EINVAL;
    blas_single_thread();
    int threads = g->n_shards > 0 && g->threads > g->n_shards ? g->n_shards : g->threads;
    if (threads > 1 && !(g->pool = pool_alloc(threads)))
        return innx_errf(err, INNX_ENOMEM, "graph: cannot start threads");
    g->loss = loss;
    g->compiled = 1;
    return 0;
}

static double now_s(void) { return clock_now(); }

static void forward_range(graph *g, size_t k0, size_t k1)
{
    for (size_t k = k0; k < k1; k++) {
        graph_node *n = NODE(g, g->order[k]);
        if (!graph_ops[n->op]->forward)
            continue;
        double t0 = g->prof ? now_s() : 0;
        graph_ops[n->op]->forward(g, n);
        if (g->prof)
            g->prof[2 * (size_t)g->order[k]] += now_s() - t0;
    }
}

static void zero_range(graph *g, size_t k0, size_t k1)
{
    for (size_t k = k0; k < k1; k++) {
        graph_node *n = NODE(g, g->order[k]);
        if (n->grad && !n->grad_assign)
            gsl_matrix_float_set_zero(n->grad);
    }
}

static void backward_range(graph *g, size_t k0, size_t k1)
{
    for (size_t k = k1; k-- > k0;) {
        graph_node *n = NODE(g, g->order[k]);
        if (!n->grad || !graph_ops[n->op]->backward)
            continue;
        double t0 = g->prof ? now_s() : 0;
        graph_ops[n->op]->backward(g, n);
        if (g->prof)
            g->prof[2 * (size_t)g->order[k] + 1] += now_s() - t0;
    }
}

/* The shards, thread tid taking every nt-th: forward (then clearing the
 * shard's gradients for the backward to come, on the same thread), or
 * backward. */
typedef struct { graph *g; int backward; } shards_job;

static void shards_part(void *a, int tid, int nt)
{
    shards_job *j = a;
    graph *g = j->g;
    for (int s = tid; s < g->n_shards; s += nt) {
        size_t k0 = g->shard_ord[s], k1 = g->shard_ord[s + 1];
        if (j->backward) {
            backward_range(g, k0, k1);
        } else {
            forward_range(g, k0, k1);
            zero_range(g, k0, k1);
        }
    }
}

/* caller's gradient += each shard's own, a group of whole gradients to a
 * thread (split by their sizes), each group in shard order */
static void sums_part(void *a, int tid, int nt)
{
    graph *g = a;
    size_t total = g->sum_cum[g->n_sum_groups];
    for (size_t j = 0; j < g->n_sum_groups; j++) {
        if (g->sum_cum[j] * (size_t)nt / (total ? total : 1) != (size_t)tid)
            continue;
        for (size_t q = g->sum_start[j]; q < g->sum_start[j + 1]; q++) {
            graph_node *n = NODE(g, g->sum_node[q]);
            gsl_matrix_float_add(n->sum_into, n->grad);
        }
    }
}

static void run_shards(graph *g, int backward)
{
    shards_job j = {g, backward};
    g->in_shards = 1;
    pool_run(g->pool, shards_part, &j);
    if (backward)
        pool_run(g->pool, sums_part, g);
    g->in_shards = 0;
}

void graph_forward(graph *g)
{
    if (g->n_shards == 0) {
        forward_range(g, 0, g->n_order);
        return;
    }
    forward_range(g, 0, g->shard_ord[0]);
    run_shards(g, 0);
    g->shards_zeroed = 1;
    forward_range(g, g->shard_ord[g->n_shards], g->n_order);
}

void graph_backward(graph *g)
{
    if (g->loss < 0 || !NODE(g, g->loss)->grad)
        return;   /* nothing trainable reaches the loss */
    size_t first = g->n_shards ? g->shard_ord[0] : g->n_order, last = g->n_shards ? g->shard_ord[g->n_shards] : g->n_order;
    /* the shards' own gradients were cleared by the forward, in parallel,
     * unless a backward has run since */
    zero_range(g, 0, first);
    if (!g->shards_zeroed)
        zero_range(g, first, last);
    zero_range(g, last, g->n_order);
    g->shards_zeroed = 0;
    for (size_t j = 0; j < g->n_sum_groups; j++)
        gsl_matrix_float_set_zero(NODE(g, g->sum_node[g->sum_start[j]])->sum_into);
    gsl_matrix_float_set(NODE(g, g->loss)->grad, 0, 0, 1.0f);
    backward_range(g, last, g->n_order);
    if (g->n_shards)
        run_shards(g, 1);
    backward_range(g, 0, first);
}

int graph_profile(graph *g, int on)
{
    free(g->prof);
    g->prof = on ? calloc(2 * (g->n ? g->n : 1), sizeof *g->prof) : NULL;
    return on && !g->prof ? INNX_ENOMEM : 0;
}

void graph_profile_print(const graph *g, FILE *f, const char *title)
{
    if (!g->prof)
        return;
    double total = 0;
    for (size_t i = 0; i < 2 * g->n; i++)
        total += g->prof[i];
    fprintf(f, "%s: time by node (forward + backward), %.3f s in all\n", title, total);
    for (size_t k = 0; k < g->n_order; k++) {
        int i = g->order[k];
        const graph_node *n = &g->nodes[i];
        double t = g->prof[2 * (size_t)i] + g->prof[2 * (size_t)i + 1];
        if (t >= 0.005 * total)
            fprintf(f, "  %4d %-10s %6zu x %-4zu  fwd %5.1f%%  bwd %5.1f%%\n", i, graph_ops[n->op]->name,
                    n->rows, n->cols, 100 * g->prof[2 * (size_t)i] / total,
                    100 * g->prof[2 * (size_t)i + 1] / total);
    }
}

gsl_matrix_float *graph_value(graph *g, int node) { return bad(g, node) ? NULL : NODE(g, node)->val; }
gsl_matrix_float *graph_grad(graph *g, int node) { return bad(g, node) ? NULL : NODE(g, node)->grad; }
double graph_scalar(graph *g, int node) { return gsl_matrix_float_get(NODE(g, node)->val, 0, 0); }
size_t graph_n_nodes(const graph *g) { return g->n; }

int graph_shape(const graph *g, int node, size_t *rows, size_t *cols)
{
    if (node < 0 || (size_t)node >= g->n)
        return INNX_EINVAL;
    *rows = g->nodes[node].rows;
    *cols = g->nodes[node].cols;
    return 0;
}

double graph_flops(const graph *g)
{
    double f = 0;
    for (size_t k = 0; k < g->n_order; k++) {
        const graph_node *n = &g->nodes[g->order[k]];
        if (graph_ops[n->op]->flops)
            f += graph_ops[n->op]->flops(g, n);
        else
            f += 2.0 * (double)(n->rows * n->cols);
    }
    return f;
}

double graph_check_grad(graph *g, const int *wrt, size_t n_wrt, double eps)
{
    double worst = 0;
    graph_forward(g);
    graph_backward(g);
    for (size_t w = 0; w < n_wrt; w++) {
        graph_node *n = NODE(g, wrt[w]);
        if (!n->grad)
            return INFINITY;   /* nothing to check is a failed check */
        /* Copy the analytic gradient: forward() below does not touch it, but
         * keep the check independent of that. */
        size_t len = n->rows * n->cols;
        float *an = malloc(len * sizeof *an);
        if (!an)
            return INFINITY;
        for (size_t i = 0; i < n->rows; i++)
            for (size_t j = 0; j < n->cols; j++)
                an[i * n->cols + j] = gsl_matrix_float_get(n->grad, i, j);
        for (size_t i = 0; i < n->rows; i++)
            for (size_t j = 0; j < n->cols; j++) {
                float *p = gsl_matrix_float_ptr(n->val, i, j), x0 = *p;
                *p = (float)(x0 + eps);
                graph_forward(g);
                double lp = graph_scalar(g, g->loss);
                *p = (float)(x0 - eps);
                graph_forward(g);
                double lm = graph_scalar(g, g->loss);
                *p = x0;
                double num = (lp - lm) / (2 * eps), a = an[i * n->cols + j];
                double e = fabs(a - num) / fmax(1.0, fmax(fabs(a), fabs(num)));
                if (!(e <= worst))
                    worst = e;    /* NaN propagates as a failure */
            }
        free(an);
    }
    graph_forward(g);
    return worst;
}

/* ---- element-wise kernels ---------------------------------------------- */


float graph_fast_tanh(float x) { return act_tanh_f(x); }

/* The kernels below come twice: an inline body (_in) for the row loops
 * that fuse several of them into one clone, and a HOT wrapper for the
 * callers of one. */
static inline void add_row_in(float *restrict y, const float *restrict b, size_t n)
{
    for (size_t j = 0; j < n; j++)
        y[j] += b[j];
}

/* y = act(y) in place over n values; `pre` keeps the input when the
 * derivative needs it (SiLU). */
static inline void act_forward_in(graph_act act, float *restrict y, float *restrict pre, size_t n)
{
    switch (act) {
    case GRAPH_ACT_IDENTITY:
        break;
    case GRAPH_ACT_TANH:
        for (size_t i = 0; i < n; i++)
            y[i] = act_tanh_f(y[i]);
        break;
    case GRAPH_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = y[i] > 0.0f ? y[i] : 0.0f;
        break;
    case GRAPH_ACT_SOFTPLUS:
        for (size_t i = 0; i < n; i++)
            y[i] = act_softplus_f(y[i]);
        break;
    case GRAPH_ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            y[i] = act_sigmoid_f(y[i]);
        break;
    case GRAPH_ACT_SILU:
        for (size_t i = 0; i < n; i++) {
            pre[i] = y[i];
            y[i] = y[i] * act_sigmoid_f(y[i]);
        }
        break;
    }
}

/* d = dy * act'(.) computed from the output y (or the kept input). */
/* d may be dy itself (dense computes dz in place over its gradient). */
static inline void act_backward_in(graph_act act, const float *restrict y,
                                   const float *restrict pre, const float *dy, float *d, size_t n)
{
    switch (act) {
    case GRAPH_ACT_IDENTITY:
        if (d != dy)
            memcpy(d, dy, n * sizeof *d);
        break;
    case GRAPH_ACT_TANH:       /* 1 - y^2 */
        for (size_t i = 0; i < n; i++)
            d[i] = dy[i] * (1.0f - y[i] * y[i]);
        break;
    case GRAPH_ACT_RELU:       /* [y > 0] */
        for (size_t i = 0; i < n; i++)
            d[i] = y[i] > 0.0f ? dy[i] : 0.0f;
        break;
    case GRAPH_ACT_SOFTPLUS:   /* sigmoid(x) = 1 - exp(-y) */
        for (size_t i = 0; i < n; i++)
            d[i] = dy[i] * -expm1f(-y[i]);
        break;
    case GRAPH_ACT_SIGMOID:    /* y (1 - y) */
        for (size_t i = 0; i < n; i++)
            d[i] = dy[i] * y[i] * (1.0f - y[i]);
        break;
    case GRAPH_ACT_SILU:       /* s (1 + x (1 - s)), s = sigmoid(x) */
        for (size_t i = 0; i < n; i++) {
            float s = act_sigmoid_f(pre[i]);
            d[i] = dy[i] * s * (1.0f + pre[i] * (1.0f - s));
        }
        break;
    }
}

HOT static void add_row(float *restrict y, const float *restrict b, size_t n) { add_row_in(y, b, n); }

HOT static void act_forward(graph_act act, float *restrict y, float *restrict pre, size_t n)
{
    act_forward_in(act, y, pre, n);
}

HOT static void act_backward(graph_act act, const float *restrict y, const float *restrict pre,
                             const float *dy, float *d, size_t n)
{
    act_backward_in(act, y, pre, dy, d, n);
}

/* y = act(y + b) row by row, b a row vector: one pass over the product
 * (one clone for the whole loop, the two kernels inlined in it). */
HOT static void bias_act_forward(graph_act act, float *y, const float *b, float *pre, size_t rows,
                                 size_t cols)
{
    for (size_t i = 0; i < rows; i++) {
        float *yr = y + i * cols;
        add_row_in(yr, b, cols);
        act_forward_in(act, yr, pre ? pre + i * cols : NULL, cols);
    }
}

/* dz = dy act'(.) row by row, and db += column sums of dz in the same pass
 * (one clone for the whole loop, the two kernels inlined in it). */
HOT static void act_backward_colsum(graph_act act, const float *y, const float *pre,
                                    const float *dy, float *dz, size_t rows, size_t cols,
                                    float *db)
{
    for (size_t i = 0; i < rows; i++) {
        size_t o = i * cols;
        act_backward_in(act, y + o, pre ? pre + o : NULL, dy + o, dz + o, cols);
        if (db)
            add_row_in(db, dz + o, cols);
    }
}

/* ---- leaves ------------------------------------------------------------ */

static const graph_op_def op_feed = {"feed", NULL, NULL, NULL, NULL};
static const graph_op_def op_const = {"const", NULL, NULL, NULL, NULL};
static const graph_op_def op_param = {"param", NULL, NULL, NULL, NULL};

/* ---- broadcasting binary ops ------------------------------------------- */

/* Offsets into an operand of shape (ar, ac) broadcast to (r, c). */
typedef struct { size_t rs, cs; } bstride;

static bstride strides(const gsl_matrix_float *m)
{
    bstride s = {m->size1 == 1 ? 0 : m->tda, m->size2 == 1 ? 0 : 1};
    return s;
}

#define BINARY_FWD(fname, EXPR)                                                    \
    HOT static void fname(graph *g, graph_node *n)                                 \
    {                                                                              \
        const gsl_matrix_float *A = IN(g, n, 0)->val, *B = IN(g, n, 1)->val;       \
        bstride sa = strides(A), sb = strides(B);                                  \
        for (size_t i = 0; i < n->rows; i++) {                                     \
            float *y = PTR(n->val, i);                                             \
            const float *pa = A->data + i * sa.rs, *pb = B->data + i * sb.rs;      \
            if (sa.cs && sb.cs) {                                                  \
                for (size_t j = 0; j < n->cols; j++) {                             \
                    float a = pa[j], b = pb[j];                                    \
                    y[j] = (EXPR);                                                 \
                }                                                                  \
            } else {                                                               \
                for (size_t j = 0; j < n->cols; j++) {                             \
                    float a = pa[j * sa.cs], b = pb[j * sb.cs];                    \
                    y[j] = (EXPR);                                                 \
                }                                                                  \
            }                                                                      \
        }                                                                          \
    }

/* Backward: da += DA, db += DB at each broadcast position (sums over the
 * broadcast dimension fall out of the accumulation). */
#define BINARY_BWD(fname, DA, DB)                                                  \
    HOT static void fname(graph *g, graph_node *n)                                 \
    {                                                                              \
        graph_node *NA = IN(g, n, 0), *NB = IN(g, n, 1);                           \
        const gsl_matrix_float *A = NA->val, *B = NB->val;                         \
        bstride sa = strides(A), sb = strides(B);                                  \
        for (size_t i = 0; i < n->rows; i++) {                                     \
            const float *dy = PTR(n->grad, i), *yv = PTR(n->val, i);               \
            const float *pa = A->data + i * sa.rs, *pb = B->data + i * sb.rs;      \
            float *ga = NA->grad ? NA->grad->data + i * sa.rs : NULL;              \
            float *gb = NB->grad ? NB->grad->data + i * sb.rs : NULL;              \
            for (size_t j = 0; j < n->cols; j++) {                                 \
                float a = pa[j * sa.cs], b = pb[j * sb.cs], d = dy[j], y = yv[j];  \
                (void)a; (void)b; (void)y;                                         \
                if (ga) ga[j * sa.cs] += (DA);                                     \
                if (gb) gb[j * sb.cs] += (DB);                                     \
            }                                                                      \
        }                                                                          \
    }

/* y = a + b;  da += dy, db += dy */
BINARY_FWD(add_fwd, a + b)
BINARY_BWD(add_bwd, d, d)
/* y = a - b;  da += dy, db -= dy */
BINARY_FWD(sub_fwd, a - b)
BINARY_BWD(sub_bwd, d, -d)
/* y = a b;  da += dy b, db += dy a */
BINARY_FWD(mul_fwd, a * b)
BINARY_BWD(mul_bwd, d * b, d * a)
/* y = a / b;  da += dy / b, db -= dy a / b^2 */
BINARY_FWD(div_fwd, a / b)
BINARY_BWD(div_bwd, d / b, -d * a / (b * b))
/* y = min(a, b);  the gradient goes to the smaller (a on ties) */
BINARY_FWD(min_fwd, a <= b ? a : b)
BINARY_BWD(min_bwd, a <= b ? d : 0.0f, a <= b ? 0.0f : d)
/* y = max(a, b);  the gradient goes to the larger (a on ties) */
BINARY_FWD(max_fwd, a >= b ? a : b)
BINARY_BWD(max_bwd, a >= b ? d : 0.0f, a >= b ? 0.0f : d)

static const graph_op_def op_add = {"add", NULL, add_fwd, add_bwd, NULL};
static const graph_op_def op_sub = {"sub", NULL, sub_fwd, sub_bwd, NULL};
static const graph_op_def op_mul = {"mul", NULL, mul_fwd, mul_bwd, NULL};
static const graph_op_def op_div = {"div", NULL, div_fwd, div_bwd, NULL};
static const graph_op_def op_min = {"min", NULL, min_fwd, min_bwd, NULL};
static const graph_op_def op_max = {"max", NULL, max_fwd, max_bwd, NULL};

/* ---- matrix products --------------------------------------------------- */

/* Thin products: when the inner size k or the outer size m of A (n x k)
 * times W (k x m) is at most THIN (a network's first and last layers),
 * the reference CBLAS (gslcblas) is slow, so these loops do them: row by
 * row, each an axpy or an 8-way dot that the compiler vectorises. Column
 * buffers of W live on the stack up to THIN_K floats; wider ones go to
 * BLAS. OpenBLAS does products of two or more columns faster (its small-
 * matrix kernels: a flow:6-64 subnet's 256 x 64 x 4 forward in 5.8 us
 * against 15 us here, the first layer's dW = A^T dY in 1.7 us against
 * 9.4). With it only a side of 1 stays thin (a one-variable network's
 * first or last layer, 300 x 16 x 1: forward 1.1 us here against 1.5,
 * backward 2.8 against 1.4, a wash at these sizes), which keeps those
 * networks' results to the bit (tests/test_trainer's lr-3 sinc run). */
#define THIN 4
#define THIN_K 512

HOT static float dot8(const float *a, const float *b, size_t k)
{
    float s[8] = {0};
    size_t l = 0;
    for (; l + 8 <= k; l += 8)
        for (int u = 0; u < 8; u++)
            s[u] += a[l + u] * b[l + u];
    float t = 0;
    for (; l < k; l++)
        t += a[l] * b[l];
    return t + ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

HOT static void axpy(float *y, float a, const float *x, size_t m)
{
    for (size_t j = 0; j < m; j++)
        y[j] += a * x[j];
}

#ifdef HAVE_OPENBLAS
static int thin(size_t k, size_t m) { return (k == 1 || m == 1) && k <= THIN_K; }
#else
static int thin(size_t k, size_t m) { return (k <= THIN || m <= THIN) && k <= THIN_K; }
#endif

/* W's columns, transposed into wt (m x k) */
static void columns(const gsl_matrix_float *W, float *wt)
{
    for (size_t l = 0; l < W->size1; l++)
        for (size_t j = 0; j < W->size2; j++)
            wt[j * W->size1 + l] = *(PTR(W, l) + j);
}

/* Y = A W (or Y += A W) */
HOT static void thin_mm(const gsl_matrix_float *A, const gsl_matrix_float *W, gsl_matrix_float *Y,
                        int accumulate)
{
    size_t n = Y->size1, k = A->size2, m = Y->size2;
    if (m <= THIN) {
        float wt[THIN * THIN_K];
        columns(W, wt);
        for (size_t i = 0; i < n; i++) {
            const float *a = PTR(A, i);
            float *y = PTR(Y, i);
            for (size_t j = 0; j < m; j++)
                y[j] = (accumulate ? y[j] : 0.0f) + dot8(a, wt + j * k, k);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const float *a = PTR(A, i);
        float *y = PTR(Y, i);
        if (!accumulate)
            memset(y, 0, m * sizeof *y);
        for (size_t l = 0; l < k; l++)
            axpy(y, a[l], PTR(W, l), m);
    }
}

/* dA (+)= dY W^T and dW += A^T dY, either may be NULL */
HOT static void thin_mm_backward(const gsl_matrix_float *A, const gsl_matrix_float *W,
                                 const gsl_matrix_float *dY, gsl_matrix_float *dA, int assign,
                                 gsl_matrix_float *dW)
{
    size_t n = dY->size1, k = W->size1, m = W->size2;
    if (m <= THIN) {
        float wt[THIN * THIN_K], gt[THIN * THIN_K];
        columns(W, wt);
        memset(gt, 0, m * k * sizeof *gt);
        for (size_t i = 0; i < n; i++) {
            const float *d = PTR(dY, i), *a = PTR(A, i);
            if (dA) {
                float *da = PTR(dA, i);
                if (assign)
                    memset(da, 0, k * sizeof *da);
                for (size_t j = 0; j < m; j++)
                    axpy(da, d[j], wt + j * k, k);
            }
            if (dW)
                for (size_t j = 0; j < m; j++)
                    axpy(gt + j * k, d[j], a, k);
        }
        if (dW)
            for (size_t l = 0; l < k; l++)
                for (size_t j = 0; j < m; j++)
                    *(PTR(dW, l) + j) += gt[j * k + l];
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const float *d = PTR(dY, i), *a = PTR(A, i);
        if (dA) {
            float *da = PTR(dA, i);
            for (size_t l = 0; l < k; l++)
                da[l] = (assign ? 0.0f : da[l]) + dot8(d, PTR(W, l), m);
        }
        if (dW)
            for (size_t l = 0; l < k; l++)
                axpy(PTR(dW, l), a[l], d, m);
    }
}

/* OpenBLAS runs a product of up to about 10^6 multiply-adds on its small-
 * matrix kernels, which neither pack the operands nor clear C first; a
 * 256 x 64 x 64 product is just over. Y = A W and dW += A^T dY take half
 * the rows at a time then (two halves: 13 against 19 us, 20 against 26
 * us), and dA = dY W^T too, as a plain product with W^T (matmul_backward);
 * not when the parts would be under SMALL_ROWS rows (512 x 128 x 128 in 9
 * parts was slower). */
#define SMALL_MNK 1000000
#define SMALL_ROWS 128
#define SMALL_KM (SMALL_MNK / SMALL_ROWS)   /* k m of a product split: parts >= 2, rows >= 128 */

static size_t row_parts(size_t n, size_t k, size_t m)
{
#ifdef HAVE_OPENBLAS
    size_t parts = (size_t)ceil((double)n * (double)k * (double)m / (double)SMALL_MNK);
    return parts > 1 && n / parts >= SMALL_ROWS ? parts : 1;
#else
    (void)n, (void)k, (void)m;
    return 1;
#endif
}

/* Y = A W */
static void matmul_into(const gsl_matrix_float *A, const gsl_matrix_float *W, gsl_matrix_float *Y,
                        int accumulate)
{
    size_t n = A->size1, parts = row_parts(n, A->size2, W->size2);
    if (thin(A->size2, W->size2)) {
        thin_mm(A, W, Y, accumulate);
        return;
    }
    for (size_t p = 0; p < parts; p++) {
        size_t r0 = n * p / parts, r1 = n * (p + 1) / parts;
        gsl_matrix_float_const_view a = gsl_matrix_float_const_submatrix(A, r0, 0, r1 - r0, A->size2);
        gsl_matrix_float_view y = gsl_matrix_float_submatrix(Y, r0, 0, r1 - r0, Y->size2);
        gsl_blas_sgemm(CblasNoTrans, CblasNoTrans, 1.0f, &a.matrix, W, accumulate ? 1.0f : 0.0f,
                       &y.matrix);
    }
}

/* dA += dY W^T;  dW += A^T dY */
static void matmul_backward(graph_node *NA, graph_node *NW, const gsl_matrix_float *dY)
{
    if (thin(NW->val->size1, NW->val->size2)) {
        thin_mm_backward(NA->val, NW->val, dY, NA->grad, NA->grad_assign, NW->grad);
        return;
    }
    size_t n = dY->size1, k = NW->val->size1, m = NW->val->size2, parts = row_parts(n, k, m);
    float beta = NA->grad_assign ? 0.0f : 1.0f;
    if (NA->grad && parts > 1 && k * m <= SMALL_KM) {
        /* In parts, dA = dY W^T is faster as dY (W^T) with W^T written out:
         * the small kernels' plain product beats their transposed one
         * (256 x 64 x 64: 14-16 us in halves, 20-22 us whole as before). */
        float wt[SMALL_KM];
        columns(NW->val, wt);
        gsl_matrix_float_const_view w = gsl_matrix_float_const_view_array(wt, m, k);
        for (size_t p = 0; p < parts; p++) {
            size_t r0 = n * p / parts, r1 = n * (p + 1) / parts;
            gsl_matrix_float_const_view d = gsl_matrix_float_const_submatrix(dY, r0, 0, r1 - r0, m);
            gsl_matrix_float_view a = gsl_matrix_float_submatrix(NA->grad, r0, 0, r1 - r0, k);
            gsl_blas_sgemm(CblasNoTrans, CblasNoTrans, 1.0f, &d.matrix, &w.matrix, beta, &a.matrix);
        }
    } else if (NA->grad) {
        gsl_blas_sgemm(CblasNoTrans, CblasTrans, 1.0f, dY, NW->val, beta, NA->grad);
    }
    if (!NW->grad)
        return;
    for (size_t p = 0; p < parts; p++) {   /* the parts summed in a fixed order */
        size_t r0 = n * p / parts, r1 = n * (p + 1) / parts;
        gsl_matrix_float_const_view a =
            gsl_matrix_float_const_submatrix(NA->val, r0, 0, r1 - r0, NA->val->size2);
        gsl_matrix_float_const_view d = gsl_matrix_float_const_submatrix(dY, r0, 0, r1 - r0, dY->size2);
        gsl_blas_sgemm(CblasTrans, CblasNoTrans, 1.0f, &a.matrix, &d.matrix, 1.0f, NW->grad);
    }
}

static double matmul_flops(const graph *g, const graph_node *n)
{
    double k = (double)g->nodes[n->in[0]].cols;
    return 6.0 * (double)n->rows * k * (double)n->cols;   /* 2nkm forward, 4nkm backward */
}

/* Y = A W;  dA += dY W^T, dW += A^T dY */
static void matmul_fwd(graph *g, graph_node *n) { matmul_into(IN(g, n, 0)->val, IN(g, n, 1)->val, n->val, 0); }
static void matmul_bwd(graph *g, graph_node *n) { matmul_backward(IN(g, n, 0), IN(g, n, 1), n->grad); }
static const graph_op_def op_matmul = {"matmul", NULL, matmul_fwd, matmul_bwd, matmul_flops};

/* y = a + b (b a row);  da += dy, db += column sums of dy */
static void add_bias_fwd(graph *g, graph_node *n)
{
    const gsl_matrix_float *A = IN(g, n, 0)->val, *B = IN(g, n, 1)->val;
    for (size_t i = 0; i < n->rows; i++) {
        const float *a = PTR(A, i);
        float *y = PTR(n->val, i);
        for (size_t j = 0; j < n->cols; j++)
            y[j] = a[j] + B->data[j];
    }
}

static void colsum_into(const gsl_matrix_float *D, float *out)
{
    for (size_t i = 0; i < D->size1; i++) {
        const float *d = PTR(D, i);
        for (size_t j = 0; j < D->size2; j++)
            out[j] += d[j];
    }
}

static void add_bias_bwd(graph *g, graph_node *n)
{
    graph_node *NA = IN(g, n, 0), *NB = IN(g, n, 1);
    if (NA->grad)
        gsl_matrix_float_add(NA->grad, n->grad);
    if (NB->grad)
        colsum_into(n->grad, NB->grad->data);
}
static const graph_op_def op_add_bias = {"add_bias", NULL, add_bias_fwd, add_bias_bwd, NULL};

/* Dense's work: for SiLU the pre-activation (rows x cols), then per extra
 * thread a partial dW (k x cols) and db (1 x cols). dz = dy act' is made in
 * place over the node's gradient, which nothing reads after this op. */
static size_t dense_threads(const graph *g, const graph_node *n)
{
    /* Below ~1 MFLOP a layer is not worth a thread hand-off. The bias and
     * activation passes cost about 16 flops an output whatever k is, which
     * is what a thin first layer (k = 1..3) spends its time on. */
    double work = (double)n->rows * (double)n->cols * (double)(g->nodes[n->in[0]].cols + 16);
    return work >= 1e6 && g->threads > 1 && n->shard < 0 ? (size_t)g->threads : 1;
}

static void dense_work(const graph *g, const graph_node *n, size_t *r, size_t *c)
{
    size_t k = g->nodes[n->in[0]].cols;
    *r = (n->ia[0] == GRAPH_ACT_SILU ? n->rows : 0) + (dense_threads(g, n) - 1) * (k + 1);
    *c = n->cols;
}

static gsl_matrix_float_view rows_of(gsl_matrix_float *m, size_t r0, size_t r1)
{
    return gsl_matrix_float_submatrix(m, r0, 0, r1 - r0, m->size2);
}

typedef struct { graph *g; graph_node *n; } dense_job;

/* y = act(x W + b) on this thread's rows */
static void dense_fwd_part(void *arg, int tid, int nt)
{
    dense_job *j = arg;
    graph *g = j->g;
    graph_node *n = j->n;
    size_t r0, r1;
    row_range(n->rows, tid, nt, &r0, &r1);
    if (r0 == r1)
        return;
    gsl_matrix_float *X = IN(g, n, 0)->val, *W = IN(g, n, 1)->val, *B = IN(g, n, 2)->val;
    gsl_matrix_float_view x = rows_of(X, r0, r1), y = rows_of(n->val, r0, r1);
    matmul_into(&x.matrix, W, &y.matrix, 0);
    float *pre = n->ia[0] == GRAPH_ACT_SILU ? n->work->data + r0 * n->cols : NULL;
    bias_act_forward((graph_act)n->ia[0], y.matrix.data, B->data, pre, r1 - r0, n->cols);
}

void graph_dense_apply(const gsl_matrix_float *X, const gsl_matrix_float *W, const gsl_matrix_float *B,
                       graph_act act, gsl_matrix_float *Y)
{
    matmul_into(X, W, Y, 0);
    bias_act_forward(act, Y->data, B->data, NULL, Y->size1, Y->size2);
}

/* y = act(x W + b);  dz = dy act'(z), dx += dz W^T, dW += x^T dz, db += sum dz */
static void dense_fwd(graph *g, graph_node *n)
{
    dense_job j = {g, n};
    if (dense_threads(g, n) > 1)
        pool_run(g->pool, dense_fwd_part, &j);
    else
        dense_fwd_part(&j, 0, 1);
}

static void dense_bwd_part(void *arg, int tid, int nt)
{
    dense_job *j = arg;
    graph *g = j->g;
    graph_node *n = j->n;
    graph_node *NX = IN(g, n, 0), *NW = IN(g, n, 1), *NB = IN(g, n, 2);
    size_t r0, r1, k = NX->cols, m = n->cols;
    row_range(n->rows, tid, nt, &r0, &r1);
    size_t base = n->ia[0] == GRAPH_ACT_SILU ? n->rows : 0;
    /* thread 0 adds straight into the gradients; the others into partials */
    float *pW = NULL, *pb = NULL;
    if (tid > 0) {
        pW = n->work->data + (base + (size_t)(tid - 1) * (k + 1)) * m;
        pb = pW + k * m;
        memset(pW, 0, (k + 1) * m * sizeof *pW);
    }
    if (r0 == r1)
        return;
    const float *pre = n->ia[0] == GRAPH_ACT_SILU ? n->work->data + r0 * m : NULL;
    float *dz = n->grad->data + r0 * m;
    float *db = NB->grad ? (tid > 0 ? pb : NB->grad->data) : NULL;
    act_backward_colsum((graph_act)n->ia[0], n->val->data + r0 * m, pre, n->grad->data + r0 * m,
                        dz, r1 - r0, m, db);
    gsl_matrix_float_view dzv = gsl_matrix_float_view_array(dz, r1 - r0, m);
    gsl_matrix_float_view xv = rows_of(NX->val, r0, r1);
    graph_node part_x = *NX, part_w = *NW;
    part_x.val = &xv.matrix;
    gsl_matrix_float_view gx;
    if (NX->grad) {
        gx = rows_of(NX->grad, r0, r1);
        part_x.grad = &gx.matrix;
    }
    gsl_matrix_float_view gw;
    if (NW->grad && tid > 0) {
        gw = gsl_matrix_float_view_array(pW, k, m);
        part_w.grad = &gw.matrix;
    }
    matmul_backward(&part_x, &part_w, &dzv.matrix);
}

static void dense_bwd(graph *g, graph_node *n)
{
    dense_job j = {g, n};
    size_t nt = dense_threads(g, n);
    if (nt == 1) {
        dense_bwd_part(&j, 0, 1);
        return;
    }
    pool_run(g->pool, dense_bwd_part, &j);
    graph_node *NW = IN(g, n, 1), *NB = IN(g, n, 2);
    size_t k = IN(g, n, 0)->cols, m = n->cols;
    size_t base = n->ia[0] == GRAPH_ACT_SILU ? n->rows : 0;
    for (size_t t = 1; t < nt; t++) {
        const float *pW = n->work->data + (base + (t - 1) * (k + 1)) * m;
        if (NW->grad)
            add_row(NW->grad->data, pW, k * m);
        if (NB->grad)
            add_row(NB->grad->data, pW + k * m, m);
    }
}
static const graph_op_def op_dense = {"dense", dense_work, dense_fwd, dense_bwd, matmul_flops};

/* ---- unary ops --------------------------------------------------------- */

#define UNARY(fname, FWD, BWD)                                                     \
    HOT static void fname##_fwd(graph *g, graph_node *n)                           \
    {                                                                              \
        const float c = n->c[0];                                                   \
        (void)c;                                                                   \
        const gsl_matrix_float *X = IN(g, n, 0)->val;                              \
        for (size_t i = 0; i < n->rows; i++) {                                     \
            const float *xp = PTR(X, i);                                           \
            float *yp = PTR(n->val, i);                                            \
            for (size_t j = 0; j < n->cols; j++) {                                 \
                float x = xp[j];                                                   \
                yp[j] = (FWD);                                                     \
            }                                                                      \
        }                                                                          \
    }                                                                              \
    HOT static void fname##_bwd(graph *g, graph_node *n)                           \
    {                                                                              \
        const float c = n->c[0];                                                   \
        (void)c;                                                                   \
        graph_node *NX = IN(g, n, 0);                                              \
        if (!NX->grad)                                                             \
            return;                                                                \
        for (size_t i = 0; i < n->rows; i++) {                                     \
            const float *xp = PTR(NX->val, i), *yp = PTR(n->val, i);               \
            const float *dp = PTR(n->grad, i);                                     \
            float *gp = PTR(NX->grad, i);                                          \
            for (size_t j = 0; j < n->cols; j++) {                                 \
                float x = xp[j], y = yp[j], d = dp[j];                             \
                (void)x; (void)y;                                                  \
                gp[j] += (BWD);                                                    \
            }                                                                      \
        }                                                                          \
    }                                                                              \
    static const graph_op_def op_##fname = {#fname, NULL, fname##_fwd, fname##_bwd, NULL};

UNARY(neg, -x, -d)                               /* y = -x;       dx -= dy */
UNARY(scale, c * x, c * d)                       /* y = c x;      dx += c dy */
UNARY(offset, x + c, d)                          /* y = x + c;    dx += dy */
UNARY(square, x * x, 2.0f * x * d)               /* y = x^2;      dx += 2 x dy */
UNARY(pow, powf(x, c), d * c * powf(x, c - 1.0f)) /* y = x^c;     dx += c x^(c-1) dy */
UNARY(sin, sinf(x), d * cosf(x))                 /* y = sin x;    dx += cos x dy */
UNARY(cos, cosf(x), -d * sinf(x))                /* y = cos x;    dx -= sin x dy */
UNARY(tan, tanf(x), d * (1.0f + y * y))          /* y = tan x;    dx += (1 + y^2) dy */
UNARY(asin, asinf(x), d / sqrtf(1.0f - x * x))   /* y = asin x;   dx += dy / sqrt(1 - x^2) */
UNARY(acos, acosf(x), -d / sqrtf(1.0f - x * x))  /* y = acos x;   dx -= dy / sqrt(1 - x^2) */
UNARY(atan, atanf(x), d / (1.0f + x * x))        /* y = atan x;   dx += dy / (1 + x^2) */
UNARY(sinh, sinhf(x), d * coshf(x))              /* y = sinh x;   dx += cosh x dy */
UNARY(cosh, coshf(x), d * sinhf(x))              /* y = cosh x;   dx += sinh x dy */
UNARY(exp, expf(x), d * y)                       /* y = e^x;      dx += y dy */
UNARY(log, logf(x), d / x)                       /* y = log x;    dx += dy / x */
UNARY(sqrt, sqrtf(x), d * 0.5f / y)              /* y = sqrt x;   dx += dy / (2 y) */
UNARY(abs, fabsf(x), x > 0.0f ? d : (x < 0.0f ? -d : 0.0f)) /* y = |x|; dx += sign(x) dy */

/* y = act(x);  dx += dy act'(x) (tanh relu softplus sigmoid silu) */
static void act_work(const graph *g, const graph_node *n, size_t *r, size_t *c)
{
    *r = n->ia[0] == GRAPH_ACT_SILU ? n->rows : 0;
    *c = n->cols;
}

static void act_fwd(graph *g, graph_node *n)
{
    gsl_matrix_float_memcpy(n->val, IN(g, n, 0)->val);
    act_forward((graph_act)n->ia[0], n->val->data, n->work ? n->work->data : NULL,
                n->rows * n->cols);
}

HOT static void act_bwd(graph *g, graph_node *n)
{
    graph_node *NX = IN(g, n, 0);
    if (!NX->grad)
        return;
    size_t len = n->rows * n->cols;
    const float *pre = n->work ? n->work->data : NULL;
    const float *y = n->val->data, *dy = n->grad->data;
    float *gx = NX->grad->data;
    /* Reuse act_backward on small chunks to accumulate without scratch. */
    float tmp[256];
    for (size_t o = 0; o < len; o += 256) {
        size_t m = len - o < 256 ? len - o : 256;
        act_backward((graph_act)n->ia[0], y + o, pre ? pre + o : NULL, dy + o, tmp, m);
        for (size_t i = 0; i < m; i++)
            gx[o + i] += tmp[i];
    }
}
static const graph_op_def op_act = {"act", act_work, act_fwd, act_bwd, NULL};


/* y = act'(x);  dx += dy act''(x) */
static void act_d_fwd(graph *g, graph_node *n)
{
    const float *x = IN(g, n, 0)->val->data;
    float *y = n->val->data, d2;
    for (size_t i = 0; i < n->rows * n->cols; i++)
        act_d12_f((graph_act)n->ia[0], x[i], &y[i], &d2);
}

static void act_d_bwd(graph *g, graph_node *n)
{
    graph_node *NX = IN(g, n, 0);
    if (!NX->grad)
        return;
    const float *x = NX->val->data, *dy = n->grad->data;
    float *gx = NX->grad->data, d1, d2;
    for (size_t i = 0; i < n->rows * n->cols; i++) {
        act_d12_f((graph_act)n->ia[0], x[i], &d1, &d2);
        gx[i] += dy[i] * d2;
    }
}
static const graph_op_def op_act_d = {"act_d", NULL, act_d_fwd, act_d_bwd, NULL};

/* ---- reductions -------------------------------------------------------- */

static double total(const gsl_matrix_float *X)
{
    double s = 0;   /* double: a 6000-row mean in float loses digits */
    for (size_t i = 0; i < X->size1; i++) {
        const float *x = PTR(X, i);
        for (size_t j = 0; j < X->size2; j++)
            s += x[j];
    }
    return s;
}

static void spread(graph_node *NX, float v)
{
    if (!NX->grad)
        return;
    for (size_t i = 0; i < NX->rows; i++) {
        float *gx = PTR(NX->grad, i);
        for (size_t j = 0; j < NX->cols; j++)
            gx[j] += v;
    }
}

/* y = sum x;  dx += dy */
static void sum_fwd(graph *g, graph_node *n) { n->val->data[0] = (float)total(IN(g, n, 0)->val); }
static void sum_bwd(graph *g, graph_node *n) { spread(IN(g, n, 0), n->grad->data[0]); }
static const graph_op_def op_sum = {"sum", NULL, sum_fwd, sum_bwd, NULL};

/* y = mean x;  dx += dy / N */
static void mean_fwd(graph *g, graph_node *n)
{
    const graph_node *X = IN(g, n, 0);
    n->val->data[0] = (float)(total(X->val) / (double)(X->rows * X->cols));
}
static void mean_bwd(graph *g, graph_node *n)
{
    graph_node *X = IN(g, n, 0);
    spread(X, (float)(n->grad->data[0] / (double)(X->rows * X->cols)));
}
static const graph_op_def op_mean = {"mean", NULL, mean_fwd, mean_bwd, NULL};

/* ---- columns ----------------------------------------------------------- */

/* y = [a | b];  da += dy[:, :ca], db += dy[:, ca:] */
static void concat_fwd(graph *g, graph_node *n)
{
    const gsl_matrix_float *A = IN(g, n, 0)->val, *B = IN(g, n, 1)->val;
    for (size_t i = 0; i < n->rows; i++) {
        memcpy(PTR(n->val, i), PTR(A, i), A->size2 * sizeof(float));
        memcpy(PTR(n->val, i) + A->size2, PTR(B, i), B->size2 * sizeof(float));
    }
}

static void concat_bwd(graph *g, graph_node *n)
{
    graph_node *NA = IN(g, n, 0), *NB = IN(g, n, 1);
    for (size_t i = 0; i < n->rows; i++) {
        const float *d = PTR(n->grad, i);
        if (NA->grad)
            for (size_t j = 0; j < NA->cols; j++) PTR(NA->grad, i)[j] += d[j];
        if (NB->grad)
            for (size_t j = 0; j < NB->cols; j++) PTR(NB->grad, i)[j] += d[NA->cols + j];
    }
}
static const graph_op_def op_concat = {"concat", NULL, concat_fwd, concat_bwd, NULL};

/* y = [a; b];  da += dy[:ra, :], db += dy[ra:, :] */
static void vstack_fwd(graph *g, graph_node *n)
{
    const gsl_matrix_float *A = IN(g, n, 0)->val, *B = IN(g, n, 1)->val;
    for (size_t i = 0; i < A->size1; i++)
        memcpy(PTR(n->val, i), PTR(A, i), n->cols * sizeof(float));
    for (size_t i = 0; i < B->size1; i++)
        memcpy(PTR(n->val, A->size1 + i), PTR(B, i), n->cols * sizeof(float));
}

static void vstack_bwd(graph *g, graph_node *n)
{
    graph_node *NA = IN(g, n, 0), *NB = IN(g, n, 1);
    for (size_t i = 0; i < n->rows; i++) {
        graph_node *NI = i < NA->rows ? NA : NB;
        if (!NI->grad)
            continue;
        float *gi = PTR(NI->grad, i < NA->rows ? i : i - NA->rows);
        const float *d = PTR(n->grad, i);
        for (size_t j = 0; j < n->cols; j++)
            gi[j] += d[j];
    }
}
static const graph_op_def op_vstack = {"vstack", NULL, vstack_fwd, vstack_bwd, NULL};

/* y = x - log sum_k e^(x_k), row by row (shifted by the row's max);
 * dx = dy - softmax(x) sum_k dy_k, softmax(x) = e^y */
static void logsoftmax_fwd(graph *g, graph_node *n)
{
    const gsl_matrix_float *X = IN(g, n, 0)->val;
    for (size_t i = 0; i < n->rows; i++) {
        const float *x = PTR(X, i);
        float *y = PTR(n->val, i), m = x[0];
        for (size_t j = 1; j < n->cols; j++)
            m = x[j] > m ? x[j] : m;
        double s = 0;
        for (size_t j = 0; j < n->cols; j++)
            s += exp((double)x[j] - m);
        float ls = (float)log(s);   /* (x - m) first: exact, so large logits keep their digits */
        for (size_t j = 0; j < n->cols; j++)
            y[j] = (x[j] - m) - ls;
    }
}

static void logsoftmax_bwd(graph *g, graph_node *n)
{
    graph_node *NX = IN(g, n, 0);
    if (!NX->grad)
        return;
    for (size_t i = 0; i < n->rows; i++) {
        const float *y = PTR(n->val, i), *d = PTR(n->grad, i);
        float *gx = PTR(NX->grad, i);
        double s = 0;
        for (size_t j = 0; j < n->cols; j++)
            s += d[j];
        for (size_t j = 0; j < n->cols; j++)
            gx[j] += d[j] - expf(y[j]) * (float)s;
    }
}
static const graph_op_def op_logsoftmax = {"logsoftmax", NULL, logsoftmax_fwd, logsoftmax_bwd, NULL};

/* y = a[:, c0:c0+m];  da[:, c0:c0+m] += dy */
static void slice_fwd(graph *g, graph_node *n)
{
    const gsl_matrix_float *A = IN(g, n, 0)->val;
    for (size_t i = 0; i < n->rows; i++)
        memcpy(PTR(n->val, i), PTR(A, i) + n->ia[0], n->cols * sizeof(float));
}

static void slice_bwd(graph *g, graph_node *n)
{
    graph_node *NA = IN(g, n, 0);
    if (!NA->grad)
        return;
    for (size_t i = 0; i < n->rows; i++) {
        const float *d = PTR(n->grad, i);
        float *ga = PTR(NA->grad, i) + n->ia[0];
        for (size_t j = 0; j < n->cols; j++)
            ga[j] += d[j];
    }
}
static const graph_op_def op_slice = {"slice", NULL, slice_fwd, slice_bwd, NULL};

int graph_rows(graph *g, int a, size_t row0, size_t nrows)
{
    if (bad(g, a))
        return graph_fail(g, "graph: rows of a failed node");
    if (nrows == 0 || row0 + nrows > NODE(g, a)->rows)
        return graph_fail(g, "graph: rows: [%zu, %zu) of %zu", row0, row0 + nrows, NODE(g, a)->rows);
    int in[1] = {a};
    int i = graph_add_node(g, GRAPH_OP_ROWS, in, 1, nrows, NODE(g, a)->cols);
    if (i >= 0)
        NODE(g, i)->ia[0] = row0;
    return i;
}

/* y = a[r0 : r0 + rows];  da[r0 : r0 + rows] += dy */
static void rows_fwd(graph *g, graph_node *n)
{
    const gsl_matrix_float *A = IN(g, n, 0)->val;
    for (size_t i = 0; i < n->rows; i++)
        memcpy(PTR(n->val, i), PTR(A, n->ia[0] + i), n->cols * sizeof(float));
}

static void rows_bwd(graph *g, graph_node *n)
{
    graph_node *NA = IN(g, n, 0);
    if (!NA->grad)
        return;
    for (size_t i = 0; i < n->rows; i++)
        add_row(PTR(NA->grad, n->ia[0] + i), PTR(n->grad, i), n->cols);
}
static const graph_op_def op_rows = {"rows", NULL, rows_fwd, rows_bwd, NULL};

/* ---- the table --------------------------------------------------------- */

const graph_op_def *const graph_ops[GRAPH_N_OPS] = {
    [GRAPH_OP_FEED] = &op_feed,       [GRAPH_OP_CONST] = &op_const,
    [GRAPH_OP_PARAM] = &op_param,     [GRAPH_OP_ADD] = &op_add,
    [GRAPH_OP_SUB] = &op_sub,         [GRAPH_OP_MUL] = &op_mul,
    [GRAPH_OP_DIV] = &op_div,         [GRAPH_OP_MIN] = &op_min,
    [GRAPH_OP_MAX] = &op_max,         [GRAPH_OP_MATMUL] = &op_matmul,
    [GRAPH_OP_ADD_BIAS] = &op_add_bias, [GRAPH_OP_DENSE] = &op_dense,
    [GRAPH_OP_NEG] = &op_neg,         [GRAPH_OP_SCALE] = &op_scale,
    [GRAPH_OP_OFFSET] = &op_offset,   [GRAPH_OP_SQUARE] = &op_square,
    [GRAPH_OP_POW] = &op_pow,         [GRAPH_OP_ACT] = &op_act,
    [GRAPH_OP_SIN] = &op_sin,         [GRAPH_OP_COS] = &op_cos,
    [GRAPH_OP_TAN] = &op_tan,         [GRAPH_OP_ASIN] = &op_asin,
    [GRAPH_OP_ACOS] = &op_acos,       [GRAPH_OP_ATAN] = &op_atan,
    [GRAPH_OP_SINH] = &op_sinh,       [GRAPH_OP_COSH] = &op_cosh,
    [GRAPH_OP_EXP] = &op_exp,         [GRAPH_OP_LOG] = &op_log,
    [GRAPH_OP_SQRT] = &op_sqrt,       [GRAPH_OP_ABS] = &op_abs,
    [GRAPH_OP_SUM] = &op_sum,         [GRAPH_OP_MEAN] = &op_mean,
    [GRAPH_OP_CONCAT] = &op_concat,   [GRAPH_OP_SLICE] = &op_slice,
    [GRAPH_OP_KAN] = &graph_op_kan,
    [GRAPH_OP_MSE] = &graph_op_mse,
    [GRAPH_OP_BOX] = &graph_op_box,
    [GRAPH_OP_ACT_D] = &op_act_d,
    [GRAPH_OP_KAN_TANGENT] = &graph_op_kan_tangent,
    [GRAPH_OP_VSTACK] = &op_vstack,
    [GRAPH_OP_LOGSOFTMAX] = &op_logsoftmax,
    [GRAPH_OP_ROWS] = &op_rows,
    [GRAPH_OP_FLOW_COUPLING] = &graph_op_flow_coupling,
    [GRAPH_OP_FLOW_GATHER] = &graph_op_flow_gather,
    [GRAPH_OP_FLOW_NLL] = &graph_op_flow_nll,
};
