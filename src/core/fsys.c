/* fsys.c: formula systems: lines `name = expr` checked and parsed once, then
 * run line by line over chunks of samples with n forward-mode tangents. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "innx/expr.h"
#include "innx/fsys.h"

#define FSYS_NAME_MAX 31
/* Samples per pass: big enough to amortise the tape's dispatch, small
 * enough that slots x tangents stay in cache. */
#define FSYS_CHUNK 128

struct fsys {
    size_t n, m, n_lines, n_draws, depth;
    expr **e;               /* one per line */
    size_t *draw0;          /* line k's first draw */
    size_t *out_line;       /* y_(i+1) is line out_line[i] */
    unsigned char *normal;  /* draw k is N(0, 1) (else U[0, 1)) */
};

static const char *reserved[] = {
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "log10",
    "sqrt", "abs", "pow", "min", "max", "normal", "uniform", "bernoulli", "pi", "e",
};

/* "FILE:LINE" of a line, for the head of its messages. */
static const char *where(const fsys_line *l, char *buf, size_t len)
{
    snprintf(buf, len, "%s:%d", l->file ? l->file : "system", l->line);
    return buf;
}

/* 0 for a name made of digits after its first letter c ("x12" for 'x'):
 * that value (> 0, no leading zero, at most 3 digits), -1 for an
 * ill-formed one ("x0", "x05"), -2 for other names. The bare letter is 0. */
static int indexed(const char *name, char c)
{
    if (name[0] != c)
        return -2;
    if (name[1] == 0)
        return 0;
    for (const char *q = name + 1; *q; q++)
        if (!isdigit((unsigned char)*q))
            return -2;
    if (name[1] == '0' || strlen(name) > 4)
        return -1;
    return atoi(name + 1);
}

/* The line-level checks: a well-formed, unreserved name; returns its output
 * index (0 for y, k for yk) or -1 for an intermediate, -2 on error. */
static int check_name(const fsys_line *l, innx_err *err)
{
    char at[300];
    const char *nm = l->name;
    where(l, at, sizeof at);
    if (!nm || !*nm)
        return innx_errf(err, INNX_EINVAL, "%s: a line without a name", at), -2;
    size_t len = strlen(nm);
    int ok = isalpha((unsigned char)nm[0]) || nm[0] == '_';
    for (size_t i = 1; ok && i < len; i++)
        ok = isalnum((unsigned char)nm[i]) || nm[i] == '_';
    if (!ok)
        return innx_errf(err, INNX_EINVAL, "%s: '%.40s': a name is a letter or '_', then letters, digits, '_'",
                         at, nm), -2;
    if (len > FSYS_NAME_MAX)
        return innx_errf(err, INNX_EINVAL, "%s: %.40s...: name longer than %d characters", at, nm,
                         FSYS_NAME_MAX), -2;
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (!strcmp(reserved[i], nm))
            return innx_errf(err, INNX_EINVAL, "%s: %s: a reserved name (function or constant)", at, nm), -2;
    if (indexed(nm, 'x') != -2)
        return innx_errf(err, INNX_EINVAL, "%s: %s: x and x1..x%d name the inputs, not a line", at, nm,
                         FSYS_MAX_X), -2;
    int k = indexed(nm, 'y');
    if (k == -1)
        return innx_errf(err, INNX_EINVAL, "%s: %s: outputs are named y1..y%d (or y alone)", at, nm,
                         FSYS_MAX_Y), -2;
    if (k > FSYS_MAX_Y)
        return innx_errf(err, INNX_EINVAL, "%s: %s: at most %d outputs (y1..y%d)", at, nm, FSYS_MAX_Y,
                         FSYS_MAX_Y), -2;
    return k >= 0 ? k : -1;
}

void fsys_free(fsys *s)
{
    if (!s)
        return;
    for (size_t k = 0; k < s->n_lines; k++)
        expr_free(s->e[k]);
    free(s->e);
    free(s->draw0);
    free(s->out_line);
    free(s->normal);
    free(s);
}

fsys *fsys_parse(const fsys_line *lines, size_t n_lines, size_t n_x, innx_err *err)
{
    if (n_x < 1 || n_x > FSYS_MAX_X) {
        innx_errf(err, INNX_EINVAL, "system: %zu inputs: a system has 1 to %d (x1..x%d)", n_x, FSYS_MAX_X,
                  FSYS_MAX_X);
        return NULL;
    }
    if (n_lines == 0 || !lines) {
        innx_errf(err, INNX_EINVAL, "system: no lines: name an output y (or y1..ym)");
        return NULL;
    }
    if (n_lines > FSYS_MAX_LINES) {
        char at[300];
        innx_errf(err, INNX_EINVAL, "%s: more than %d lines", where(&lines[FSYS_MAX_LINES], at, sizeof at),
                  FSYS_MAX_LINES);
        return NULL;
    }
    fsys *s = calloc(1, sizeof *s);
    const char **names = calloc(n_lines, sizeof *names);
    int *outk = calloc(n_lines, sizeof *outk);
    if (!s || !names || !outk)
        goto nomem;
    s->n = n_x;
    s->e = calloc(n_lines, sizeof *s->e);
    s->draw0 = calloc(n_lines, sizeof *s->draw0);
    s->out_line = calloc(FSYS_MAX_Y, sizeof *s->out_line);
    if (!s->e || !s->draw0 || !s->out_line)
        goto nomem;
    s->n_lines = n_lines;

    /* First every name: a formula may then be told that a name it uses
     * comes later ("used before it is defined"), not merely unknown. */
    long bare_y = -1, line_of[FSYS_MAX_Y + 1];
    for (int i = 0; i <= FSYS_MAX_Y; i++)
        line_of[i] = -1;
    for (size_t k = 0; k < n_lines; k++) {
        char at[300], at0[300];
        const fsys_line *l = &lines[k];
        if ((outk[k] = check_name(l, err)) == -2)
            goto fail;
        for (size_t j = 0; j < k; j++)
            if (!strcmp(names[j], l->name)) {
                innx_errf(err, INNX_EINVAL, "%s: %s: defined twice (first at %s)", where(l, at, sizeof at), l->name,
                          where(&lines[j], at0, sizeof at0));
                goto fail;
            }
        names[k] = l->name;
        if (outk[k] == 0)
            bare_y = (long)k;
        else if (outk[k] > 0)
            line_of[outk[k]] = (long)k;
    }
    int top = 0;
    for (int i = 1; i <= FSYS_MAX_Y; i++)
        if (line_of[i] >= 0)
            top = i;
    if (bare_y >= 0 && top > 0) {
        char at[300];
        innx_errf(err, INNX_EINVAL, "%s: y: both y and y%d given: name one output y, or y1..ym",
                  where(&lines[bare_y], at, sizeof at), top);
        goto fail;
    }
    if (bare_y < 0 && top == 0) {   /* no line to blame: the file */
        innx_errf(err, INNX_EINVAL, "%s: no output line: name one y, or y1..ym",
                  lines[0].file ? lines[0].file : "system");
        goto fail;
    }
    if (bare_y >= 0) {
        s->m = 1;
        s->out_line[0] = (size_t)bare_y;
    } else {
        s->m = (size_t)top;
        for (int i = 1; i <= top; i++) {
            if (line_of[i] < 0) {
                char at[300];
                innx_errf(err, INNX_EINVAL, "%s: y%d: y%d is missing (outputs run y1..y%d)",
                          where(&lines[line_of[top]], at, sizeof at), top, i, top);
                goto fail;
            }
            s->out_line[i - 1] = (size_t)line_of[i];
        }
    }

    for (size_t k = 0; k < n_lines; k++) {
        expr_syms sy = {n_x, names, n_lines, k, 1};
        innx_err pe;
        s->e[k] = expr_parse_syms(lines[k].src, &sy, &pe);
        if (!s->e[k]) {
            char at[300];
            innx_errf(err, INNX_EINVAL, "%s: %s: %s", where(&lines[k], at, sizeof at), names[k], pe.msg);
            goto fail;
        }
        s->draw0[k] = s->n_draws;
        s->n_draws += expr_n_draws(s->e[k]);
        if (expr_stack_depth(s->e[k]) > s->depth)
            s->depth = expr_stack_depth(s->e[k]);
    }
    if (s->n_draws) {
        if (!(s->normal = malloc(s->n_draws)))
            goto nomem;
        for (size_t k = 0; k < n_lines; k++)
            for (size_t d = 0; d < expr_n_draws(s->e[k]); d++)
                s->normal[s->draw0[k] + d] = (unsigned char)expr_draw_is_normal(s->e[k], d);
    }
    free(names);
    free(outk);
    return s;
nomem:
    innx_errf(err, INNX_ENOMEM, "system: out of memory");
fail:
    free(names);
    free(outk);
    fsys_free(s);
    return NULL;
}

fsys *fsys_from_formula(const char *src, innx_err *err)
{
    fsys *s = calloc(1, sizeof *s);
    if (s) {
        s->e = calloc(1, sizeof *s->e);
        s->draw0 = calloc(1, sizeof *s->draw0);
        s->out_line = calloc(1, sizeof *s->out_line);
    }
    if (!s || !s->e || !s->draw0 || !s->out_line) {
        fsys_free(s);
        innx_errf(err, INNX_ENOMEM, "formula: out of memory");
        return NULL;
    }
    s->n = s->m = s->n_lines = 1;
    expr_syms sy = {1, NULL, 0, 0, 0};
    if (!(s->e[0] = expr_parse_syms(src, &sy, err))) {
        fsys_free(s);
        return NULL;
    }
    s->depth = expr_stack_depth(s->e[0]);
    return s;
}

size_t fsys_n_in(const fsys *s)
{
    return s->n;
}

size_t fsys_n_out(const fsys *s)
{
    return s->m;
}

int fsys_is_random(const fsys *s)
{
    return s->n_draws > 0;
}

int fsys_eval(const fsys *s, const double *x, size_t rows, double *y, double *J, gsl_rng *r)
{
    if (s->n_draws && !r)
        return INNX_EINVAL;
    if (rows == 0)
        return 0;
    if (s->n == 1 && s->n_lines == 1 && !s->n_draws) {
        /* f(x): the 1-variable tape fuses value and derivative, ~1.5x the
         * speed of the general n-tangent one */
        expr_eval_array(s->e[0], x, rows, y, J);
        return 0;
    }
    const size_t n = s->n, m = s->m, T = J ? n : 0, C = rows < FSYS_CHUNK ? rows : FSYS_CHUNK;
    const size_t q = (1 + T) * C, n_slots = n + s->n_lines;
    /* slots, then the tape's stack (+2 arrays of partials), then the draws */
    size_t need = n_slots * q + (s->depth * (1 + T) + 2) * C + s->n_draws * C;
    double local[4096];
    double *buf = need <= sizeof local / sizeof *local ? local : malloc(need * sizeof *buf);
    if (!buf)
        return INNX_ENOMEM;
    double *slots = buf, *stack = slots + n_slots * q, *draws = stack + (s->depth * (1 + T) + 2) * C;
    /* the inputs' tangents are the unit directions, set once */
    for (size_t j = 0; j < n; j++)
        for (size_t t = 0; t < T; t++)
            for (size_t i = 0; i < C; i++)
                slots[j * q + (1 + t) * C + i] = t == j ? 1.0 : 0.0;
    for (size_t o = 0; o < rows; o += C) {
        size_t mm = rows - o < C ? rows - o : C;
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < mm; i++)
                slots[j * q + i] = x[(o + i) * n + j];
        /* sample-major, so the draws do not depend on the chunking */
        for (size_t i = 0; i < mm; i++)
            for (size_t d = 0; d < s->n_draws; d++)
                draws[d * C + i] = s->normal[d] ? gsl_ran_gaussian_ziggurat(r, 1.0) : gsl_rng_uniform(r);
        for (size_t k = 0; k < s->n_lines; k++) {
            expr_frame f = {mm, C, T, slots, draws + s->draw0[k] * C, stack};
            expr_eval_frame(s->e[k], &f, slots + (n + k) * q);
        }
        for (size_t c = 0; c < m; c++) {
            const double *v = slots + (n + s->out_line[c]) * q;
            for (size_t i = 0; i < mm; i++)
                y[(o + i) * m + c] = v[i];
            for (size_t t = 0; t < T; t++)
                for (size_t i = 0; i < mm; i++)
                    J[((o + i) * m + c) * n + t] = v[(1 + t) * C + i];
        }
    }
    if (buf != local)
        free(buf);
    return 0;
}

int fsys_build_graph(const fsys *s, graph *g, int x_node, innx_err *err)
{
    if (s->n_draws)
        return innx_errf(err, INNX_EINVAL,
                         "system: draws noise (normal, uniform, bernoulli): a simulator has no graph; "
                         "learn it as NN1 from samples"), -1;
    size_t n_slots = s->n + s->n_lines;
    int *node = malloc(n_slots * sizeof *node);
    unsigned char *need = calloc(s->n_lines, 1);
    int out = -1;
    if (!node || !need) {
        innx_errf(err, INNX_ENOMEM, "system: out of memory");
        goto done;
    }
    for (size_t k = 0; k < n_slots; k++)
        node[k] = -1;
    /* only the lines an output depends on: a line reads earlier ones only,
     * so one backward sweep marks them all */
    for (size_t c = 0; c < s->m; c++)
        need[s->out_line[c]] = 1;
    for (size_t k = s->n_lines; k-- > 0;)
        if (need[k])
            for (size_t j = 0; j < k; j++)
                if (expr_uses_slot(s->e[k], s->n + j))
                    need[j] = 1;
    for (size_t k = 0; k < s->n_lines; k++)
        if (need[k] && (node[s->n + k] = expr_build_graph_slots(s->e[k], g, x_node, node)) < 0) {
            innx_errf(err, INNX_EFAIL, "system: building line %zu into the graph failed", k + 1);
            goto done;
        }
    out = node[s->n + s->out_line[0]];
    for (size_t c = 1; c < s->m && out >= 0; c++)
        out = graph_concat(g, out, node[s->n + s->out_line[c]]);
    if (out < 0)
        innx_errf(err, INNX_EFAIL, "system: joining the outputs in the graph failed");
done:
    free(node);
    free(need);
    return out;
}

int fsys_point_fn(void *ctx, const double *x, double *y, double *J)
{
    const fsys *s = ctx;
    int rc = fsys_eval(s, x, 1, y, J, NULL);
    if (rc)
        return rc;
    for (size_t i = 0; i < s->m; i++)
        if (!isfinite(y[i]))
            return INNX_EFAIL;
    return 0;
}

int fsys_sim_fn(void *ctx, const double *x, double *y, double *J)
{
    const fsys_sim *sim = ctx;
    int rc = fsys_eval(sim->s, x, 1, y, J, sim->r);
    if (rc)
        return rc;
    for (size_t i = 0; i < sim->s->m; i++)
        if (!isfinite(y[i]))
            return INNX_EFAIL;
    return 0;
}
