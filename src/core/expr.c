/* expr.c: formulas: a recursive-descent parser to an AST, a postfix tape run
 * over arrays in double with forward-mode derivatives, and a graph builder. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "innx/expr.h"
#include "graph_impl.h"

typedef enum {
    E_NUM, E_VAR, E_NEG, E_ADD, E_SUB, E_MUL, E_DIV, E_POW, E_MIN, E_MAX,
    E_SIN, E_COS, E_TAN, E_ASIN, E_ACOS, E_ATAN, E_SINH, E_COSH, E_TANH,
    E_EXP, E_LOG, E_LOG10, E_SQRT, E_ABS,
    /* noise (systems only): var holds the draw's index */
    E_NORMAL, E_UNIFORM, E_BERNOULLI
} expr_op;

/* Ops with two operands: the tape pops one more for them. */
static int is_binary(expr_op op)
{
    return (op >= E_ADD && op <= E_MAX) || op == E_NORMAL || op == E_UNIFORM;
}

static int is_random(expr_op op)
{
    return op >= E_NORMAL;
}

typedef struct {
    expr_op op;
    double v;          /* E_NUM */
    int var;           /* E_VAR: 0-based */
    int a, b;          /* children, -1 if none */
} expr_node;

struct expr {
    expr_node *n;
    size_t len, cap;
    int root;
    size_t stack_max;  /* operand arrays the postfix run needs */
    size_t n_vars;
    int sys;           /* parsed with syms: slots, not x[] */
    size_t n_draws;
};

static const struct { const char *name; expr_op op; int args; } funcs[] = {
    {"sin", E_SIN, 1},   {"cos", E_COS, 1},   {"tan", E_TAN, 1},     {"asin", E_ASIN, 1},
    {"acos", E_ACOS, 1}, {"atan", E_ATAN, 1}, {"sinh", E_SINH, 1},   {"cosh", E_COSH, 1},
    {"tanh", E_TANH, 1}, {"exp", E_EXP, 1},   {"log", E_LOG, 1},     {"log10", E_LOG10, 1},
    {"sqrt", E_SQRT, 1}, {"abs", E_ABS, 1},   {"pow", E_POW, 2},     {"min", E_MIN, 2},
    {"max", E_MAX, 2},   {"normal", E_NORMAL, 2}, {"uniform", E_UNIFORM, 2},
    {"bernoulli", E_BERNOULLI, 1},
};

/* ---- parser ------------------------------------------------------------ */

typedef struct {
    const char *src, *p;
    expr *e;
    int depth;
    innx_err *err;
    int failed;
    const expr_syms *syms;   /* NULL: the one-formula language */
} parser;

static int fail_at(parser *ps, const char *at, const char *fmt, const char *arg)
{
    if (ps->failed)
        return -1;
    ps->failed = 1;
    int col = (int)(at - ps->src) + 1;
    char what[256];
    snprintf(what, sizeof what, fmt, arg);
    /* echo at most 200 columns around the fault so the caret stays visible */
    int from = col > 150 ? col - 150 : 0;
    innx_errf(ps->err, INNX_EINVAL, "formula:1:%d: %s\n  %.200s\n  %*s^", col, what, ps->src + from,
              col - 1 - from, "");
    return -1;
}

static int add_node(parser *ps, expr_op op, double v, int var, int a, int b)
{
    expr *e = ps->e;
    if (a < 0 && (op != E_NUM && op != E_VAR))
        return -1;
    if (is_binary(op) && b < 0)
        return -1;
    if (e->len == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 32;
        expr_node *nn = realloc(e->n, cap * sizeof *nn);
        if (!nn)
            return fail_at(ps, ps->p, "%sout of memory", "");
        e->n = nn;
        e->cap = cap;
    }
    e->n[e->len] = (expr_node){op, v, var, a, b};
    return (int)e->len++;
}

static void skip_ws(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static int parse_sum(parser *ps);
static int sys_name(parser *ps, const char *at, const char *name);

static int enter(parser *ps)
{
    if (++ps->depth > EXPR_MAX_DEPTH)
        return fail_at(ps, ps->p, "nested deeper than %s levels", "256");
    return 0;
}

static int parse_primary(parser *ps)
{
    skip_ws(ps);
    const char *at = ps->p;
    char c = *ps->p;
    if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)ps->p[1]))) {
        char *end;
        double v = strtod(ps->p, &end);
        /* strtod would read "inf"/"nan"/hex; we only take decimal numbers */
        for (const char *q = ps->p; q < end; q++)
            if (!(isdigit((unsigned char)*q) || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' || *q == '-'))
                return fail_at(ps, q, "unexpected '%c' in a number", (char[]){*q, 0});
        if (!isfinite(v))
            return fail_at(ps, at, "number out of range%s", "");
        ps->p = end;
        return add_node(ps, E_NUM, v, 0, -1, -1);
    }
    if (isalpha((unsigned char)c) || c == '_') {
        char name[32];
        size_t k = 0;
        while (isalnum((unsigned char)*ps->p) || *ps->p == '_') {
            if (k < sizeof name - 1)
                name[k++] = *ps->p;
            ps->p++;
        }
        name[k] = 0;
        if ((size_t)(ps->p - at) >= sizeof name)
            return fail_at(ps, at, "name too long%s", "");
        skip_ws(ps);
        if (*ps->p == '(') {
            for (size_t f = 0; f < sizeof funcs / sizeof *funcs; f++) {
                if (strcmp(funcs[f].name, name) != 0)
                    continue;
                if (is_random(funcs[f].op) && !(ps->syms && ps->syms->allow_random))
                    return fail_at(ps, at, "%s() draws noise: only a system's lines may use it", name);
                ps->p++;
                int a = parse_sum(ps), b = -1;
                if (a < 0)
                    return -1;
                skip_ws(ps);
                if (funcs[f].args == 2) {
                    if (*ps->p != ',')
                        return fail_at(ps, ps->p, "%s() takes two arguments: expected ','", name);
                    ps->p++;
                    if ((b = parse_sum(ps)) < 0)
                        return -1;
                    skip_ws(ps);
                } else if (*ps->p == ',') {
                    return fail_at(ps, ps->p, "%s() takes one argument", name);
                }
                if (*ps->p != ')')
                    return fail_at(ps, ps->p, "expected ')' to close %s(", name);
                ps->p++;
                /* draws are numbered in the order the tape meets them */
                int var = is_random(funcs[f].op) ? (int)ps->e->n_draws++ : 0;
                return add_node(ps, funcs[f].op, 0, var, a, b);
            }
            return fail_at(ps, at, "unknown function '%s'", name);
        }
        if (ps->syms)
            return sys_name(ps, at, name);
        if (!strcmp(name, "pi"))
            return add_node(ps, E_NUM, M_PI, 0, -1, -1);
        if (!strcmp(name, "e"))
            return add_node(ps, E_NUM, M_E, 0, -1, -1);
        if (!strcmp(name, "x"))
            return add_node(ps, E_VAR, 0, 0, -1, -1);
        if (name[0] == 'x' && name[1] >= '1' && name[1] <= '9' && name[2] == 0) {
            int v = name[1] - '1';
            if ((size_t)v + 1 > ps->e->n_vars)
                ps->e->n_vars = (size_t)v + 1;
            return add_node(ps, E_VAR, 0, v, -1, -1);
        }
        for (size_t f = 0; f < sizeof funcs / sizeof *funcs; f++)
            if (!strcmp(funcs[f].name, name))
                return fail_at(ps, ps->p, "expected '(' after %s", name);
        return fail_at(ps, at, "unknown name '%s' (variables: x, x1..x9; constants: pi, e)", name);
    }
    if (c == '(') {
        ps->p++;
        int a = parse_sum(ps);
        if (a < 0)
            return -1;
        skip_ws(ps);
        if (*ps->p != ')')
            return fail_at(ps, ps->p, "expected ')'%s", "");
        ps->p++;
        return a;
    }
    if (c == 0)
        return fail_at(ps, at, "unexpected end of formula%s", "");
    return fail_at(ps, at, "unexpected '%s'", (char[]){c, 0});
}

static int parse_unary(parser *ps);

/* A name inside a system: an input, an earlier line's name, a constant. */
static int sys_name(parser *ps, const char *at, const char *name)
{
    const expr_syms *sy = ps->syms;
    /* x and x<digits> are inputs; xmax and the like are ordinary names */
    int x_like = name[0] == 'x';
    for (const char *q = name + 1; x_like && *q; q++)
        x_like = isdigit((unsigned char)*q);
    if (x_like) {
        size_t v = name[1] == 0 ? 1 : 0;
        int ok = name[1] == 0 ? sy->n_x == 1 : name[1] != '0' && strlen(name) <= 3;
        for (const char *q = name + 1; ok && *q; q++)
            v = 10 * v + (size_t)(*q - '0');
        if (ok && v >= 1 && v <= sy->n_x) {
            if (v > ps->e->n_vars)
                ps->e->n_vars = v;
            return add_node(ps, E_VAR, 0, (int)v - 1, -1, -1);
        }
        char what[160];
        if (sy->n_x == 1)
            snprintf(what, sizeof what, "unknown name '%s' (the input is x)", name);
        else
            snprintf(what, sizeof what, "unknown name '%s' (inputs: x1..x%zu)", name, sy->n_x);
        return fail_at(ps, at, "%s", what);
    }
    for (size_t k = 0; k < sy->n_names; k++) {
        if (!sy->names[k] || strcmp(sy->names[k], name) != 0)
            continue;
        if (k < sy->self) {
            if (sy->n_x + k + 1 > ps->e->n_vars)   /* beyond x[]: slots only */
                ps->e->n_vars = sy->n_x + k + 1;
            return add_node(ps, E_VAR, 0, (int)(sy->n_x + k), -1, -1);
        }
        if (k == sy->self)
            return fail_at(ps, at, "'%s' refers to itself", name);
        return fail_at(ps, at, "'%s' is used before it is defined", name);
    }
    if (!strcmp(name, "pi"))
        return add_node(ps, E_NUM, M_PI, 0, -1, -1);
    if (!strcmp(name, "e"))
        return add_node(ps, E_NUM, M_E, 0, -1, -1);
    for (size_t f = 0; f < sizeof funcs / sizeof *funcs; f++)
        if (!strcmp(funcs[f].name, name))
            return fail_at(ps, ps->p, "expected '(' after %s", name);
    return fail_at(ps, at, "unknown name '%s' (inputs, earlier lines' names, pi, e)", name);
}

/* power := primary ('^' unary)?  -- right-associative, and -x^2 = -(x^2) */
static int parse_power(parser *ps)
{
    if (enter(ps) < 0)
        return -1;
    int a = parse_primary(ps);
    skip_ws(ps);
    if (a >= 0 && *ps->p == '^') {
        ps->p++;
        int b = parse_unary(ps);
        a = b < 0 ? -1 : add_node(ps, E_POW, 0, 0, a, b);
    }
    ps->depth--;
    return a;
}

static int parse_unary(parser *ps)
{
    skip_ws(ps);
    if (*ps->p == '-' || *ps->p == '+') {
        int neg = *ps->p == '-';
        ps->p++;
        if (enter(ps) < 0)
            return -1;
        int a = parse_unary(ps);
        ps->depth--;
        return neg && a >= 0 ? add_node(ps, E_NEG, 0, 0, a, -1) : a;
    }
    return parse_power(ps);
}

static int parse_product(parser *ps)
{
    int a = parse_unary(ps);
    for (;;) {
        skip_ws(ps);
        char c = *ps->p;
        if (a < 0 || (c != '*' && c != '/'))
            return a;
        ps->p++;
        int b = parse_unary(ps);
        a = b < 0 ? -1 : add_node(ps, c == '*' ? E_MUL : E_DIV, 0, 0, a, b);
    }
}

static int parse_sum(parser *ps)
{
    if (enter(ps) < 0)
        return -1;
    int a = parse_product(ps);
    for (;;) {
        skip_ws(ps);
        char c = *ps->p;
        if (a < 0 || (c != '+' && c != '-'))
            break;
        ps->p++;
        int b = parse_product(ps);
        a = b < 0 ? -1 : add_node(ps, c == '+' ? E_ADD : E_SUB, 0, 0, a, b);
    }
    ps->depth--;
    return a;
}

/* Nodes are made children first, so their index order is the postfix
 * order of the tree: the tape runs them on a stack of stack_max arrays. */
static void size_stack(expr *e)
{
    size_t cur = 0, depth = 0;
    for (size_t i = 0; i < e->len; i++) {
        const expr_node *n = &e->n[i];
        if (n->op == E_NUM || n->op == E_VAR)
            cur++;
        else if (n->b >= 0)
            cur--;
        if (cur > depth)
            depth = cur;
    }
    e->stack_max = depth;
}

static expr *parse(const char *src, const expr_syms *syms, innx_err *err);

expr *expr_parse(const char *src, innx_err *err)
{
    return parse(src, NULL, err);
}

expr *expr_parse_syms(const char *src, const expr_syms *syms, innx_err *err)
{
    return parse(src, syms, err);
}

static expr *parse(const char *src, const expr_syms *syms, innx_err *err)
{
    if (!src)
        src = "";
    size_t len = strnlen(src, EXPR_MAX_LEN + 1);
    if (len > EXPR_MAX_LEN) {
        innx_errf(err, INNX_EINVAL, "formula:1:%d: longer than %d characters", EXPR_MAX_LEN + 1,
                  EXPR_MAX_LEN);
        return NULL;
    }
    expr *e = calloc(1, sizeof *e);
    if (!e) {
        innx_errf(err, INNX_ENOMEM, "formula: out of memory");
        return NULL;
    }
    parser ps = {src, src, e, 0, err, 0, syms};
    e->sys = syms != NULL;
    e->root = parse_sum(&ps);
    skip_ws(&ps);
    if (e->root >= 0 && *ps.p != 0) {
        if (*ps.p == ')')
            fail_at(&ps, ps.p, "unmatched ')'%s", "");
        else
            fail_at(&ps, ps.p, "expected an operator before '%s'", (char[]){*ps.p, 0});
        e->root = -1;
    }
    if (e->root < 0 || ps.failed) {
        if (!ps.failed)
            fail_at(&ps, ps.p, "cannot parse here%s", "");
        expr_free(e);
        return NULL;
    }
    e->len = (size_t)e->root + 1;   /* the root is the last node made */
    size_stack(e);
    return e;
}

void expr_free(expr *e)
{
    if (!e)
        return;
    free(e->n);
    free(e);
}

size_t expr_n_vars(const expr *e)
{
    size_t n = e->n_vars;
    for (size_t i = 0; i < e->len && n == 0; i++)
        if (e->n[i].op == E_VAR)
            n = 1;
    return n;
}

/* ---- evaluation: value and d/dx1 over arrays -------------------------- */

#define CHUNK 256

/* One tape instruction over m values: operands a (and b) from the stack,
 * result into a; derivatives by the chain rule (forward mode) unless ad is
 * NULL. The switch sits outside the loops so each loop is a tight one. */
#define LOOP(V, D)                                          \
    for (size_t i = 0; i < m; i++) {                        \
        double a = av[i];                                   \
        (void)a;                                            \
        if (ad) {                                           \
            double da = ad[i];                              \
            (void)da;                                       \
            ad[i] = (D);                                    \
        }                                                   \
        av[i] = (V);                                        \
    }                                                       \
    break;

static void apply(const expr_node *n, double *restrict av, double *restrict ad,
                  const double *restrict bv, const double *restrict bd, size_t m)
{
    switch (n->op) {
    case E_NEG:   LOOP(-a, -da)
    case E_ADD:   LOOP(a + bv[i], da + bd[i])
    case E_SUB:   LOOP(a - bv[i], da - bd[i])
    case E_MUL:   LOOP(a * bv[i], da * bv[i] + a * bd[i])
    case E_DIV:   LOOP(a / bv[i], (da - a / bv[i] * bd[i]) / bv[i])
    /* d(a^b) = b a^(b-1) da + a^b log(a) db; each term only when its
     * factor varies, so (-2)^3 keeps a derivative */
    case E_POW:   LOOP(pow(a, bv[i]), (da != 0.0 ? bv[i] * pow(a, bv[i] - 1.0) * da : 0.0) +
                                      (bd[i] != 0.0 ? pow(a, bv[i]) * log(a) * bd[i] : 0.0))
    /* NaN in either gives NaN: a gap, never a root */
    case E_MIN:   LOOP(isnan(a) || isnan(bv[i]) ? NAN : (a <= bv[i] ? a : bv[i]), a <= bv[i] ? da : bd[i])
    case E_MAX:   LOOP(isnan(a) || isnan(bv[i]) ? NAN : (a >= bv[i] ? a : bv[i]), a >= bv[i] ? da : bd[i])
    case E_SIN:   LOOP(sin(a), cos(a) * da)
    case E_COS:   LOOP(cos(a), -sin(a) * da)
    case E_TAN:   LOOP(tan(a), (1.0 + tan(a) * tan(a)) * da)
    case E_ASIN:  LOOP(asin(a), da / sqrt(1.0 - a * a))
    case E_ACOS:  LOOP(acos(a), -da / sqrt(1.0 - a * a))
    case E_ATAN:  LOOP(atan(a), da / (1.0 + a * a))
    case E_SINH:  LOOP(sinh(a), cosh(a) * da)
    case E_COSH:  LOOP(cosh(a), sinh(a) * da)
    case E_TANH:  LOOP(tanh(a), (1.0 - tanh(a) * tanh(a)) * da)
    case E_EXP:   LOOP(exp(a), exp(a) * da)
    case E_LOG:   LOOP(log(a), da / a)
    case E_LOG10: LOOP(log10(a), da / (a * M_LN10))
    case E_SQRT:  LOOP(sqrt(a), da / (2.0 * sqrt(a)))
    case E_ABS:   LOOP(fabs(a), a > 0 ? da : (a < 0 ? -da : 0.0))
    default:      LOOP(NAN, NAN)
    }
}
#undef LOOP

/* The tape over one chunk of m points; vars holds x1 for each point. */
static void run_chunk(const expr *e, const double *x1, size_t m, double *stack, double *f, double *df)
{
    size_t sp = 0;
    int want_d = df != NULL;
    for (size_t k = 0; k < e->len; k++) {
        const expr_node *n = &e->n[k];
        double *v, *d;
        if (n->op == E_NUM || n->op == E_VAR) {
            v = stack + (2 * sp) * CHUNK;
            d = v + CHUNK;
            sp++;
            int is_x1 = n->op == E_VAR && n->var == 0;
            if (is_x1)
                memcpy(v, x1, m * sizeof *v);
            else
                for (size_t i = 0; i < m; i++)
                    v[i] = n->op == E_NUM ? n->v : 0.0;
            if (want_d)
                for (size_t i = 0; i < m; i++)
                    d[i] = is_x1 ? 1.0 : 0.0;
            continue;
        }
        const double *bv = NULL, *bd = NULL;
        if (n->b >= 0) {
            sp--;
            bv = stack + (2 * sp) * CHUNK;
            bd = bv + CHUNK;
        }
        v = stack + (2 * (sp - 1)) * CHUNK;
        d = want_d ? v + CHUNK : NULL;
        apply(n, v, d, bv, bd, m);
    }
    memcpy(f, stack, m * sizeof *f);
    if (df)
        memcpy(df, stack + CHUNK, m * sizeof *df);
}

void expr_eval_array(const expr *e, const double *x, size_t n, double *f, double *df)
{
    /* a system's formula reading slots past x1 needs expr_eval_frame; one
     * in x1 alone is the 1-variable case and takes this fast path */
    if (e->sys && e->n_vars > 1) {
        for (size_t i = 0; i < n; i++) {
            f[i] = NAN;
            if (df) df[i] = NAN;
        }
        return;
    }
    double local[2 * 8 * CHUNK];
    double *stack = e->stack_max <= 8 ? local : malloc(2 * e->stack_max * CHUNK * sizeof *stack);
    if (!stack) {
        for (size_t i = 0; i < n; i++) {
            f[i] = NAN;
            if (df) df[i] = NAN;
        }
        return;
    }
    for (size_t o = 0; o < n; o += CHUNK) {
        size_t m = n - o < CHUNK ? n - o : CHUNK;
        run_chunk(e, x + o, m, stack, f + o, df ? df + o : NULL);
    }
    if (stack != local)
        free(stack);
}

double expr_eval(const expr *e, const double *x, double *df)
{
    /* one point, all variables: a scalar pass over the nodes */
    double stack_v[EXPR_MAX_LEN + 1], stack_d[EXPR_MAX_LEN + 1];
    double *sv = e->stack_max <= EXPR_MAX_LEN ? stack_v : NULL, *sd = stack_d;
    if (!sv || (e->sys && e->n_vars > 1))
        return NAN;
    size_t sp = 0;
    for (size_t k = 0; k < e->len; k++) {
        const expr_node *n = &e->n[k];
        if (n->op == E_NUM || n->op == E_VAR) {
            sv[sp] = n->op == E_NUM ? n->v : x[n->var];
            sd[sp] = n->op == E_VAR && n->var == 0 ? 1.0 : 0.0;
            sp++;
            continue;
        }
        const double *bv = NULL, *bd = NULL;
        if (n->b >= 0) {
            sp--;
            bv = &sv[sp];
            bd = &sd[sp];
        }
        apply(n, &sv[sp - 1], &sd[sp - 1], bv, bd, 1);
    }
    if (df)
        *df = sd[0];
    return sv[0];
}

/* ---- graph back end ------------------------------------------------------ */

static int is_num(const expr *e, int i, double *v)
{
    if (e->n[i].op != E_NUM)
        return 0;
    *v = e->n[i].v;
    return 1;
}

/* Nodes are built in tape order, so each child's graph node exists before
 * its parent's: no recursion, whatever the depth. */
static int build(const expr *e, graph *g, int x_node, int *slot_node);

int expr_build_graph(const expr *e, graph *g, int x_node)
{
    return e->sys ? -1 : build(e, g, x_node, NULL);
}

int expr_build_graph_slots(const expr *e, graph *g, int x_node, int *slot_node)
{
    if (e->n_draws)   /* a graph is deterministic: no draw has a gradient */
        return -1;
    return build(e, g, x_node, slot_node);
}

static int build(const expr *e, graph *g, int x_node, int *slot_node)
{
    int *id = malloc(e->len * sizeof *id);
    if (!id)   /* on the graph, so that it does not compile (a bare -1 did: test_oom) */
        return graph_fail(g, "graph: out of memory");
    for (size_t k = 0; k < e->len; k++) {
        const expr_node *n = &e->n[k];
        int a = n->a >= 0 ? id[n->a] : -1, b = n->b >= 0 ? id[n->b] : -1;
        double ca = 0, cb = 0;
        int na = n->a >= 0 && is_num(e, n->a, &ca), nb = n->b >= 0 && is_num(e, n->b, &cb);
        int r;
        switch (n->op) {
        case E_NUM:   r = graph_const(g, 1, 1, (float)n->v); break;
        case E_VAR:
            if (!slot_node)
                r = graph_slice(g, x_node, (size_t)n->var, 1);
            else if ((r = slot_node[n->var]) < 0)
                r = slot_node[n->var] = graph_slice(g, x_node, (size_t)n->var, 1);
            break;
        case E_NEG:   r = graph_neg(g, a); break;
        case E_ADD:   r = nb ? graph_offset(g, a, (float)cb) : na ? graph_offset(g, b, (float)ca) : graph_add(g, a, b); break;
        case E_SUB:   r = nb ? graph_offset(g, a, (float)-cb) : na ? graph_offset(g, graph_neg(g, b), (float)ca) : graph_sub(g, a, b); break;
        case E_MUL:   r = nb ? graph_scale(g, a, (float)cb) : na ? graph_scale(g, b, (float)ca) : graph_mul(g, a, b); break;
        case E_DIV:   r = nb ? graph_scale(g, a, (float)(1.0 / cb)) : graph_div(g, a, b); break;
        case E_POW:
            if (nb && cb == 2.0)
                r = graph_square(g, a);
            else if (nb)
                r = graph_pow(g, a, (float)cb);
            else   /* a^b = exp(b log a) */
                r = graph_exp(g, graph_mul(g, b, graph_log(g, a)));
            break;
        case E_MIN:   r = graph_min(g, a, b); break;
        case E_MAX:   r = graph_max(g, a, b); break;
        case E_SIN:   r = graph_sin(g, a); break;
        case E_COS:   r = graph_cos(g, a); break;
        case E_TAN:   r = graph_tan(g, a); break;
        case E_ASIN:  r = graph_asin(g, a); break;
        case E_ACOS:  r = graph_acos(g, a); break;
        case E_ATAN:  r = graph_atan(g, a); break;
        case E_SINH:  r = graph_sinh(g, a); break;
        case E_COSH:  r = graph_cosh(g, a); break;
        case E_TANH:  r = graph_tanh(g, a); break;
        case E_EXP:   r = graph_exp(g, a); break;
        case E_LOG:   r = graph_log(g, a); break;
        case E_LOG10: r = graph_scale(g, graph_log(g, a), (float)(1.0 / M_LN10)); break;
        case E_SQRT:  r = graph_sqrt(g, a); break;
        case E_ABS:   r = graph_abs(g, a); break;
        default:      r = -1; break;
        }
        id[k] = r;
    }
    int out = id[e->root];
    free(id);
    /* a constant formula still gives one value per row */
    if (out >= 0 && e->n[e->root].op == E_NUM)
        out = graph_add(g, graph_scale(g, graph_slice(g, x_node, 0, 1), 0.0f), out);
    return out;
}

/* ---- systems: slots, n tangents, draws ------------------------------------ */

size_t expr_n_draws(const expr *e)
{
    return e->n_draws;
}

int expr_draw_is_normal(const expr *e, size_t k)
{
    for (size_t i = 0; i < e->len; i++)
        if (is_random(e->n[i].op) && (size_t)e->n[i].var == k)
            return e->n[i].op == E_NORMAL;
    return 0;
}

size_t expr_stack_depth(const expr *e)
{
    return e->stack_max;
}

int expr_uses_slot(const expr *e, size_t s)
{
    for (size_t i = 0; i < e->len; i++)
        if (e->n[i].op == E_VAR && (size_t)e->n[i].var == s)
            return 1;
    return 0;
}

/* Value and local partials pa = dr/da, pb = dr/db of one op over m points;
 * v may alias a. The tangents then follow by the chain rule for any number
 * of directions (the 1-variable apply() fuses the two, for speed). */
#define P(V, PA, PB)                                        \
    for (size_t i = 0; i < m; i++) {                        \
        double x = a[i], y = b ? b[i] : 0.0;                \
        (void)x, (void)y;                                   \
        pa[i] = (PA);                                       \
        pb[i] = (PB);                                       \
        v[i] = (V);                                         \
    }                                                       \
    break;

static void partials(const expr_node *n, size_t m, const double *a, const double *b,
                     const double *dr, double *v, double *pa, double *pb)
{
    switch (n->op) {
    case E_NEG:   P(-x, -1.0, 0.0)
    case E_ADD:   P(x + y, 1.0, 1.0)
    case E_SUB:   P(x - y, 1.0, -1.0)
    case E_MUL:   P(x * y, y, x)
    case E_DIV:   P(x / y, 1.0 / y, -x / (y * y))
    case E_POW:   P(pow(x, y), y * pow(x, y - 1.0), pow(x, y) * log(x))
    case E_MIN:   P(isnan(x) || isnan(y) ? NAN : (x <= y ? x : y), x <= y ? 1.0 : 0.0, x <= y ? 0.0 : 1.0)
    case E_MAX:   P(isnan(x) || isnan(y) ? NAN : (x >= y ? x : y), x >= y ? 1.0 : 0.0, x >= y ? 0.0 : 1.0)
    case E_SIN:   P(sin(x), cos(x), 0.0)
    case E_COS:   P(cos(x), -sin(x), 0.0)
    case E_TAN:   P(tan(x), 1.0 + tan(x) * tan(x), 0.0)
    case E_ASIN:  P(asin(x), 1.0 / sqrt(1.0 - x * x), 0.0)
    case E_ACOS:  P(acos(x), -1.0 / sqrt(1.0 - x * x), 0.0)
    case E_ATAN:  P(atan(x), 1.0 / (1.0 + x * x), 0.0)
    case E_SINH:  P(sinh(x), cosh(x), 0.0)
    case E_COSH:  P(cosh(x), sinh(x), 0.0)
    case E_TANH:  P(tanh(x), 1.0 - tanh(x) * tanh(x), 0.0)
    case E_EXP:   P(exp(x), exp(x), 0.0)
    case E_LOG:   P(log(x), 1.0 / x, 0.0)
    case E_LOG10: P(log10(x), 1.0 / (x * M_LN10), 0.0)
    case E_SQRT:  P(sqrt(x), 1.0 / (2.0 * sqrt(x)), 0.0)
    case E_ABS:   P(fabs(x), x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0), 0.0)
    /* dr: the standard draws (N(0,1) or U[0,1)); a negative sd or a p
     * outside [0, 1] is a domain fault like log(-1): NaN */
    case E_NORMAL:    P(y >= 0 ? x + y * dr[i] : NAN, 0.0, 0.0)
    case E_UNIFORM:   P(x + (y - x) * dr[i], 0.0, 0.0)
    case E_BERNOULLI: P(x >= 0 && x <= 1 ? (dr[i] < x ? 1.0 : 0.0) : NAN, 0.0, 0.0)
    default:      P(NAN, NAN, NAN)
    }
}
#undef P

void expr_eval_frame(const expr *e, const expr_frame *f, double *out)
{
    const size_t m = f->m, st = f->stride, T = f->n_tan, q = (1 + T) * st;
    double *pa = f->stack + e->stack_max * q, *pb = pa + st;
    size_t sp = 0;
    for (size_t k = 0; k < e->len; k++) {
        const expr_node *n = &e->n[k];
        if (n->op == E_NUM || n->op == E_VAR) {
            double *v = f->stack + sp++ * q;
            if (n->op == E_VAR) {
                const double *src = f->slots + (size_t)n->var * q;
                if (m == st)   /* a full chunk, or one point: one block */
                    memcpy(v, src, q * sizeof *v);
                else
                    for (size_t j = 0; j <= T; j++)
                        memcpy(v + j * st, src + j * st, m * sizeof *v);
            } else if (m == 1) {   /* one point (projection): no calls */
                v[0] = n->v;
                for (size_t j = 1; j <= T; j++)
                    v[j * st] = 0.0;
            } else {
                for (size_t i = 0; i < m; i++)
                    v[i] = n->v;
                for (size_t j = 1; j <= T; j++)
                    memset(v + j * st, 0, m * sizeof *v);
            }
            continue;
        }
        double *b = NULL;
        if (n->b >= 0)
            b = f->stack + --sp * q;
        double *a = f->stack + (sp - 1) * q;
        const double *dr = is_random(n->op) ? f->draws + (size_t)n->var * st : NULL;
        partials(n, m, a, b, dr, a, pa, pb);
        for (size_t j = 1; j <= T; j++) {
            double *ta = a + j * st;
            const double *tb = b ? b + j * st : NULL;
            if (is_random(n->op)) {   /* documented: a draw's derivative is 0 */
                memset(ta, 0, m * sizeof *ta);
                continue;
            }
            /* a term only where its tangent is non-zero, so a factor that
             * is NaN only off this direction (log of a negative base in
             * (-2)^x1 along x2) leaves the derivative finite */
            for (size_t i = 0; i < m; i++)
                ta[i] = (ta[i] != 0.0 ? pa[i] * ta[i] : 0.0) +
                        (tb && tb[i] != 0.0 ? pb[i] * tb[i] : 0.0);
        }
    }
    if (m == st)
        memcpy(out, f->stack, q * sizeof *out);
    else
        for (size_t j = 0; j <= T; j++)
            memcpy(out + j * st, f->stack + j * st, m * sizeof *out);
}
