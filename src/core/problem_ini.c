/* problem_ini.c: problem files on libinih (sections, keys, comments, syntax
 * errors) with innx's own values, line numbers and messages; the writer. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "innx/expr.h"
#include "innx/problem_ini.h"

/* ---- the key catalogue ------------------------------------------------ */

enum { S_PROBLEM, S_FORWARD, S_PRIOR, S_DATA, S_INVERSE, S_LOSS, S_PARTITIONS, S_STAGE1, S_STAGE2, S_STAGE3, S_N };
static const char *const sec_names[S_N] = {
    "problem", "forward", "prior", "data", "inverse", "loss", "partitions", "stage1", "stage2", "stage3"
};

typedef enum {
    T_STR,      /* char[size] */
    T_FORMULA,  /* char[size], and the formula parser must accept it */
    T_DBL,      /* double in [lo, hi] (ends open as flagged) */
    T_LONG,     /* long, whole, in [lo, hi] */
    T_INT,      /* int */
    T_SIZE,     /* size_t */
    T_ULONG,    /* unsigned long, any */
    T_ENUM,     /* int (or an enum) indexing names */
    T_BOOL,     /* int, 0 or 1 */
    T_DOMAIN,   /* A:B[, C:D ...] into x_lo/x_hi, applied once x_dim is known */
    T_YRANGE,   /* A:B or auto into y_given, y_lo, y_hi */
    T_STAGES,   /* the number of stages, settled after the whole file */
    T_YSTAR,    /* Y1[, Y2 ...] into y_target (and y_star = Y1) */
    T_MILESTONES
} key_type;

#define LO_OPEN 1
#define HI_OPEN 2

typedef struct ini_key {
    const char *name;
    key_type type;
    size_t off;                 /* in problem, or in problem_stage for stages */
    size_t size;                /* T_STR, T_FORMULA */
    double lo, hi;
    int open;
    const char *const *names;   /* T_ENUM, NULL-terminated */
} ini_key;

static const char *const input_names[] = {"y", "z", "y,z", NULL};
static const char *const output_names[] = {"identity", "softplus", "squash", "branch", NULL};
static const char *const batch_names[] = {"grid-x", "grid-y", "const", "uniform", "table", "branch", NULL};
static const char *const box_names[] = {"l1", "quadratic", NULL};
static const char *const kind_names[] = {"forward", "inverse", "joint", NULL};
static const char *const lr_names[] = {"constant", "multistep", "plateau", NULL};
static const char *const report_names[] = {"y_star", "range", NULL};

#define P(f) offsetof(problem, f)
#define ST(f) offsetof(problem_stage, f)
#define STR(f) P(f), sizeof(((problem *)0)->f)
#define ANY -HUGE_VAL, HUGE_VAL
#define BIG 1e12

static const ini_key problem_keys[] = {
    {"name", T_STR, STR(name), 0, 0, 0, NULL},
    {"summary", T_STR, STR(summary), 0, 0, 0, NULL},
    {"formula", T_FORMULA, STR(formula), 0, 0, 0, NULL},
    /* 0 (unset: a zeroed base) reads back what it writes; validate refuses it */
    {"x_dim", T_SIZE, P(x_dim), 0, 0, PROBLEM_MAX_X, 0, NULL},
    {"domain", T_DOMAIN, 0, 0, 0, 0, 0, NULL},
    {"y_range", T_YRANGE, 0, 0, 0, 0, 0, NULL},
    {"seed", T_ULONG, P(seed), 0, 0, 0, 0, NULL},
    {"threads", T_INT, P(threads), 0, 0, 1024, 0, NULL},
    {"y_dim", T_SIZE, P(y_dim), 0, 0, PROBLEM_MAX_Y, 0, NULL},
    {"y_star", T_YSTAR, 0, 0, ANY, 0, NULL},
    {"samples", T_SIZE, P(samples), 0, 0, 1e8, 0, NULL},
    {"resample", T_SIZE, P(resample), 0, 0, 1000, 0, NULL},
    {"report", T_ENUM, P(report_range), 0, 0, 0, 0, report_names},
    {"k", T_SIZE, P(k), 0, 0, 1000, 0, NULL},
    {"stages", T_STAGES, 0, 0, 0, PROBLEM_MAX_STAGES, 0, NULL},
};
static const ini_key data_keys[] = {
    {"table", T_STR, STR(table), 0, 0, 0, NULL},
    {"x_columns", T_STR, STR(x_columns), 0, 0, 0, NULL},
    {"y_column", T_STR, STR(y_column), 0, 0, 0, NULL},
    {"test_frac", T_DBL, P(test_frac), 0, 0, 1, HI_OPEN, NULL},
    {"drop_bad_rows", T_BOOL, P(drop_bad_rows), 0, 0, 0, 0, NULL},
    {"forward_model", T_STR, STR(forward_model), 0, 0, 0, NULL},
    {"simulations", T_SIZE, P(simulations), 0, 0, 1e9, 0, NULL},
    {"val_frac", T_DBL, P(val_frac), 0, 0, 1, HI_OPEN, NULL},
};
static const ini_key inverse_keys[] = {
    {"model", T_STR, STR(model), 0, 0, 0, NULL},
    {"siamese", T_BOOL, P(siamese), 0, 0, 0, 0, NULL},
    {"input", T_ENUM, P(input), 0, 0, 0, 0, input_names},
    {"z_dim", T_SIZE, P(z_dim), 0, 0, 64, 0, NULL},
    {"output", T_ENUM, P(output), 0, 0, 0, 0, output_names},
    {"mixture", T_SIZE, P(mixture), 0, 0, PROBLEM_MAX_MIXTURE, 0, NULL},
    {"batch", T_ENUM, P(batch), 0, 0, 0, 0, batch_names},
    {"batch_n", T_SIZE, P(batch_n), 0, 0, 1e9, 0, NULL},
    {"y_const", T_DBL, P(y_const), 0, ANY, 0, NULL},
};
/* The term names are problem_term_name's, in problem_term's order (a copy:
 * this file is built and tested without problem.c). */
#define LAMBDA(t) P(lambda) + (size_t)(t) * sizeof(double)
static const ini_key loss_keys[] = {
    {"fwd", T_DBL, LAMBDA(TERM_FWD), 0, 0, HUGE_VAL, 0, NULL},
    {"cyc", T_DBL, LAMBDA(TERM_CYC), 0, 0, HUGE_VAL, 0, NULL},
    {"recon", T_DBL, LAMBDA(TERM_RECON), 0, 0, HUGE_VAL, 0, NULL},
    {"xcyc", T_DBL, LAMBDA(TERM_XCYC), 0, 0, HUGE_VAL, 0, NULL},
    {"box", T_DBL, LAMBDA(TERM_BOX), 0, 0, HUGE_VAL, 0, NULL},
    {"range", T_DBL, LAMBDA(TERM_RANGE), 0, 0, HUGE_VAL, 0, NULL},
    {"center", T_DBL, LAMBDA(TERM_CENTER), 0, 0, HUGE_VAL, 0, NULL},
    {"norm", T_DBL, LAMBDA(TERM_NORM), 0, 0, HUGE_VAL, 0, NULL},
    {"smooth", T_DBL, LAMBDA(TERM_SMOOTH), 0, 0, HUGE_VAL, 0, NULL},
    {"gp", T_DBL, LAMBDA(TERM_GP), 0, 0, HUGE_VAL, 0, NULL},
    {"ent", T_DBL, LAMBDA(TERM_ENT), 0, 0, HUGE_VAL, 0, NULL},
    {"nll", T_DBL, LAMBDA(TERM_NLL), 0, 0, HUGE_VAL, 0, NULL},
    {"box_form", T_ENUM, P(box_quadratic), 0, 0, 0, 0, box_names},
};
_Static_assert(TERM_N == 12, "a new loss term needs its key in loss_keys");
static const ini_key stage_keys[] = {
    {"kind", T_ENUM, ST(kind), 0, 0, 0, 0, kind_names},
    {"steps", T_LONG, ST(steps), 0, 1, BIG, 0, NULL},
    {"lr", T_DBL, ST(lr), 0, 0, HUGE_VAL, LO_OPEN, NULL},
    {"schedule", T_ENUM, ST(schedule), 0, 0, 0, 0, lr_names},
    {"gamma", T_DBL, ST(gamma), 0, 0, HUGE_VAL, 0, NULL},
    {"milestones", T_MILESTONES, ST(milestones), 0, 0, 1, HI_OPEN, NULL},
    {"plateau_factor", T_DBL, ST(plateau_factor), 0, 0, 1, HI_OPEN, NULL},
    {"plateau_patience", T_INT, ST(plateau_patience), 0, 0, 1e9, 0, NULL},
    {"patience", T_INT, ST(patience), 0, 0, 1e9, 0, NULL},
    {"ema_decay", T_DBL, ST(ema_decay), 0, 0, 1, HI_OPEN, NULL},
    {"checkpoint", T_LONG, ST(checkpoint), 0, 0, BIG, 0, NULL},
    {"beta", T_DBL, ST(beta), 0, 0, HUGE_VAL, 0, NULL},
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_KEYS 24
_Static_assert(N_OF(problem_keys) <= MAX_KEYS && N_OF(data_keys) <= MAX_KEYS &&
               N_OF(inverse_keys) <= MAX_KEYS && N_OF(loss_keys) <= MAX_KEYS &&
               N_OF(stage_keys) <= MAX_KEYS, "MAX_KEYS sizes ctx.seen");
_Static_assert(S_STAGE3 - S_STAGE1 + 1 == PROBLEM_MAX_STAGES, "one section per stage");

typedef struct key_table {
    const ini_key *k;
    size_t n;
} key_table;

static key_table sec_keys(int s)
{
    switch (s) {
    case S_PROBLEM: return (key_table){problem_keys, N_OF(problem_keys)};
    case S_DATA: return (key_table){data_keys, N_OF(data_keys)};
    case S_INVERSE: return (key_table){inverse_keys, N_OF(inverse_keys)};
    case S_LOSS: return (key_table){loss_keys, N_OF(loss_keys)};
    case S_PARTITIONS:
    case S_FORWARD:
    case S_PRIOR: return (key_table){NULL, 0};
    default: return (key_table){stage_keys, N_OF(stage_keys)};
    }
}

/* ---- names: lookup and the nearest one -------------------------------- */

/* Edit distance (insert, delete, substitute), for "did you mean". */
static size_t levenshtein(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[65];
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Close enough to suggest: a typo or two, more for long names. */
static int near(const char *typed, size_t d)
{
    size_t len = strlen(typed);
    return d <= (len / 3 > 2 ? len / 3 : 2) && d < len;
}

static int find_section(const char *s)
{
    for (int i = 0; i < S_N; i++)
        if (strcmp(s, sec_names[i]) == 0)
            return i;
    return -1;
}

static const char *nearest_section(const char *s)
{
    const char *best = NULL;
    size_t bd = SIZE_MAX;
    for (int i = 0; i < S_N; i++) {
        size_t d = levenshtein(s, sec_names[i]);
        if (d < bd) {
            bd = d;
            best = sec_names[i];
        }
    }
    return near(s, bd) ? best : NULL;
}

static int find_key(int s, const char *name)
{
    key_table t = sec_keys(s);
    for (size_t i = 0; i < t.n; i++)
        if (strcmp(name, t.k[i].name) == 0)
            return (int)i;
    return -1;
}

static const char *nearest_key(int s, const char *name)
{
    key_table t = sec_keys(s);
    const char *best = NULL;
    size_t bd = SIZE_MAX;
    for (size_t i = 0; i < t.n; i++) {
        size_t d = levenshtein(name, t.k[i].name);
        if (d < bd) {
            bd = d;
            best = t.k[i].name;
        }
    }
    return near(name, bd) ? best : NULL;
}

/* The first section that has this key, for "it belongs in [...]". */
static int section_of_key(const char *name)
{
    for (int s = 0; s < S_N; s++)
        if (find_key(s, name) >= 0)
            return s;
    return -1;
}

/* ---- the parse state -------------------------------------------------- */

typedef struct ctx {
    problem *p;                 /* the working copy, committed on success */
    const char *file;           /* names the text in messages */
    const char *set;            /* the --set assignment, or NULL */
    innx_err *err;
    int status;
    int err_line;
    /* the reader: text, the line inih is on and its raw bytes */
    const char *pos;
    int lineno;
    const char *raw;            /* the current line, blanks and BOM skipped */
    size_t raw_len;             /* without its line end */
    char *val;                  /* the value being decoded (a line's size) */
    /* what this text gave, for the checks that need all of it */
    int seen[S_N][MAX_KEYS];    /* line of each key given */
    size_t base_stages;         /* the base's n_stages */
    size_t base_defined;        /* ... and its prepared stages past them */
    int stage_line[PROBLEM_MAX_STAGES];   /* line of its first header */
    int stage_fresh[PROBLEM_MAX_STAGES];  /* started from the defaults */
    size_t stages;              /* the stages key's value */
    int parts_given;
    int forward_given;          /* the text's first [forward] line replaces the base's system */
    int prior_at[PROBLEM_MAX_X]; /* the line that gave prior xJ (-1: --set) */
    size_t domain_n;
    double dlo[PROBLEM_MAX_X], dhi[PROBLEM_MAX_X];
    /* the pre-pass that finds [problem] base */
    int base_pass, base_line;
    char base[64];
} ctx;

/* The message prefix: FILE:LINE, or the --set assignment. */
static const char *where(const ctx *c, int line, char *buf, size_t n)
{
    if (c->set)
        snprintf(buf, n, "--set %s", c->set);
    else if (line > 0)
        snprintf(buf, n, "%s:%d", c->file, line);
    else
        snprintf(buf, n, "%s", c->file);
    return buf;
}

/* Keeps the first error only: later ones are usually its echoes. */
static int fail(ctx *c, int line, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(ctx *c, int line, int status, const char *fmt, ...)
{
    if (c->status)
        return c->status;
    char w[512], what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    innx_errf(c->err, status, "%s: %s", where(c, line, w, sizeof w), what);
    c->status = status;
    c->err_line = line;
    return status;
}

/* ---- values ----------------------------------------------------------- */

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static const char *skip_blanks(const char *s, const char *end)
{
    while (s < end && is_blank(*s))
        s++;
    return s;
}

/* s trimmed of blanks at both ends, in place. */
static char *trim(char *s)
{
    while (is_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank(s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Decodes the value of the current line into c->val: a quoted string with
 * its escapes, or the text up to an end-of-line comment, trimmed. inih's
 * own value is not used: it is cut at inih's line buffer (200 bytes here)
 * and cannot hold a quoted ';'. */
static int line_value(ctx *c, const char *key)
{
    const char *end = c->raw + c->raw_len, *s = c->raw;
    while (s < end && *s != '=' && *s != ':')
        s++;
    s = skip_blanks(s + 1, end);
    char *o = c->val;
    if (s < end && *s == '"') {
        for (s++;; s++) {
            if (s >= end)
                return fail(c, c->lineno, INNX_EINVAL, "%s: no closing quote", key);
            if (*s == '"')
                break;
            if (*s != '\\') {
                *o++ = *s;
                continue;
            }
            if (++s >= end)
                return fail(c, c->lineno, INNX_EINVAL, "%s: no closing quote", key);
            switch (*s) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case 'n': *o++ = '\n'; break;
            case 't': *o++ = '\t'; break;
            case 'r': *o++ = '\r'; break;
            case 'x': {
                int v = 0;
                for (int i = 0; i < 2; i++) {
                    char h = ++s < end ? *s : '\0';
                    int d = isdigit((unsigned char)h) ? h - '0'
                          : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                          : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
                    if (d < 0)
                        return fail(c, c->lineno, INNX_EINVAL,
                                    "%s: \\x needs two hex digits", key);
                    v = 16 * v + d;
                }
                if (v == 0)
                    return fail(c, c->lineno, INNX_EINVAL, "%s: \\x00 cannot be in a string", key);
                *o++ = (char)v;
                break;
            }
            default:
                return fail(c, c->lineno, INNX_EINVAL, "%s: unknown escape '\\%c'", key, *s);
            }
        }
        s = skip_blanks(s + 1, end);
        if (s < end && *s != ';' && *s != '#')
            return fail(c, c->lineno, INNX_EINVAL, "%s: text after the closing quote", key);
        *o = '\0';
        return 0;
    }
    /* unquoted: up to ';' or '#' after a blank, as inih's inline comments */
    const char *v = s;
    for (; s < end; s++) {
        if ((*s == ';' || *s == '#') && s > v && is_blank(s[-1]))
            break;
        *o++ = *s;
    }
    *o = '\0';
    char *t = trim(c->val);
    memmove(c->val, t, strlen(t) + 1);
    return 0;
}

/* Whole numbers: an optional sign and digits, nothing else. 0 ok, -1 not a
 * whole number, -2 too big for any use here. */
static int parse_whole(const char *s, long long *out)
{
    const char *d = s + (*s == '+' || *s == '-');
    if (!*d)
        return -1;
    for (const char *q = d; *q; q++)
        if (!isdigit((unsigned char)*q))
            return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE)
        return -2;
    *out = v;
    return 0;
}

/* A finite double, the whole string. */
static int parse_double(const char *s, double *out)
{
    char *end;
    if (!*s || is_blank(*s))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (*end)
        return -1;
    if (!isfinite(v))
        return -2;
    *out = v;
    return 0;
}

static void range_text(const ini_key *k, char *buf, size_t n)
{
    if (isinf(k->hi))
        snprintf(buf, n, "%s %.17g", k->open & LO_OPEN ? ">" : ">=", k->lo);
    else if (k->type == T_DBL || k->type == T_MILESTONES)
        snprintf(buf, n, "%c%.17g, %.17g%c", k->open & LO_OPEN ? '(' : '[', k->lo, k->hi,
                 k->open & HI_OPEN ? ')' : ']');
    else
        snprintf(buf, n, "%.17g to %.17g", k->lo, k->hi);
}

static int in_range(const ini_key *k, double v)
{
    if (k->open & LO_OPEN ? !(v > k->lo) : !(v >= k->lo))
        return 0;
    return k->open & HI_OPEN ? v < k->hi : v <= k->hi;
}

static int bad_range(ctx *c, int line, const ini_key *k, const char *v)
{
    char r[128];
    range_text(k, r, sizeof r);
    return fail(c, line, INNX_EINVAL, "%s: %s is out of range (%s)", k->name, v, r);
}

static int get_double(ctx *c, int line, const ini_key *k, const char *v, double *out)
{
    int rc = parse_double(v, out);
    if (rc == -1)
        return fail(c, line, INNX_EINVAL, "%s: '%s' is not a number", k->name, v);
    if (rc == -2)
        return fail(c, line, INNX_EINVAL, "%s: '%s' is not a finite number", k->name, v);
    return in_range(k, *out) ? 0 : bad_range(c, line, k, v);
}

static int get_whole(ctx *c, int line, const ini_key *k, const char *v, long long *out)
{
    int rc = parse_whole(v, out);
    if (rc == -1)
        return fail(c, line, INNX_EINVAL, "%s: '%s' is not a whole number", k->name, v);
    if (rc == -2 || !in_range(k, (double)*out))
        return bad_range(c, line, k, v);
    return 0;
}

/* "A:B" (blanks allowed around both) into lo < hi. */
static int get_interval(ctx *c, int line, const char *key, char *s, double *lo, double *hi)
{
    char *colon = strchr(s, ':');
    if (!colon)
        return fail(c, line, INNX_EINVAL, "%s: '%s' is not a range A:B", key, s);
    *colon = '\0';
    char *a = trim(s), *b = trim(colon + 1);
    int ra = parse_double(a, lo), rb = parse_double(b, hi);
    if (ra || rb)
        return fail(c, line, INNX_EINVAL, "%s: '%s' is not a range A:B of finite numbers",
                    key, ra ? a : b);
    if (!(*lo < *hi))
        return fail(c, line, INNX_EINVAL, "%s: %.17g:%.17g is empty (A must be below B)",
                    key, *lo, *hi);
    return 0;
}

static int get_enum(ctx *c, int line, const ini_key *k, const char *v, int *out)
{
    char compact[PROBLEM_NAME_LEN];
    size_t n = 0;
    for (const char *s = v; *s && n + 1 < sizeof compact; s++)
        if (!is_blank(*s))
            compact[n++] = *s;     /* "y, z" is y,z */
    compact[n] = '\0';
    const char *best = NULL;
    size_t bd = SIZE_MAX;
    char list[256] = "";
    for (int i = 0; k->names[i]; i++) {
        if (strcmp(compact, k->names[i]) == 0) {
            *out = i;
            return 0;
        }
        size_t d = levenshtein(v, k->names[i]);
        if (d < bd) {
            bd = d;
            best = k->names[i];
        }
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 k->names[i]);
    }
    if (near(v, bd))
        return fail(c, line, INNX_EINVAL, "%s: '%s' is not one of %s (did you mean '%s'?)",
                    k->name, v, list, best);
    return fail(c, line, INNX_EINVAL, "%s: '%s' is not one of %s", k->name, v, list);
}

static int get_string(ctx *c, int line, const ini_key *k, const char *v, char *dst)
{
    size_t n = strlen(v);
    if (n >= k->size)
        return fail(c, line, INNX_EINVAL, "%s: %zu characters, at most %zu", k->name, n,
                    k->size - 1);
    if (k->type == T_FORMULA && n > 0) {
        innx_err e;
        expr *x = expr_parse(v, &e);
        if (!x)
            return fail(c, line, INNX_EINVAL, "%s", e.msg);
        expr_free(x);
    }
    /* zero the tail too: a shorter value over a longer base leaves no
     * trace of it, so equal settings are equal bytes */
    memset(dst, 0, k->size);
    memcpy(dst, v, n);
    return 0;
}


/* Sets one key of section s (already known) to the decoded value v. */
static int apply(ctx *c, int s, const char *name, char *v, int line)
{
    problem *p = c->p;
    if (s == S_PARTITIONS)
        return fail(c, line, INNX_EINVAL, "[partitions] takes lines 'z_lo:z_hi = x_lo:x_hi'");
    int ki = find_key(s, name);
    if (ki < 0) {
        /* a key of another section is more likely misplaced than misspelt */
        int other = section_of_key(name);
        const char *near_k = other >= 0 ? NULL : nearest_key(s, name);
        if (near_k)
            return fail(c, line, INNX_EINVAL, "unknown key '%s' in [%s] (did you mean '%s'?)",
                        name, sec_names[s], near_k);
        if (other >= S_STAGE1)
            return fail(c, line, INNX_EINVAL, "unknown key '%s' in [%s] (it belongs in [stageN])",
                        name, sec_names[s]);
        if (other >= 0)
            return fail(c, line, INNX_EINVAL, "unknown key '%s' in [%s] (it belongs in [%s])",
                        name, sec_names[s], sec_names[other]);
        return fail(c, line, INNX_EINVAL, "unknown key '%s' in [%s]", name, sec_names[s]);
    }
    if (c->seen[s][ki] && !c->set)
        return fail(c, line, INNX_EINVAL, "%s: given twice in [%s] (first at line %d)", name,
                    sec_names[s], c->seen[s][ki]);
    c->seen[s][ki] = line > 0 ? line : 1;

    const ini_key *k = &sec_keys(s).k[ki];
    char *base = s >= S_STAGE1 ? (char *)&p->stages[s - S_STAGE1] : (char *)p;
    void *dst = base + k->off;
    long long w = 0;
    double d = 0;
    int e = 0;
    switch (k->type) {
    case T_STR:
    case T_FORMULA:
        return get_string(c, line, k, v, dst);
    case T_DBL:
        if (get_double(c, line, k, v, &d))
            return c->status;
        *(double *)dst = d;
        return 0;
    case T_LONG:
    case T_INT:
    case T_SIZE:
        if (*v == '-' && k->lo >= 0 && parse_whole(v, &w) == 0)
            return bad_range(c, line, k, v);
        if (get_whole(c, line, k, v, &w))
            return c->status;
        if (k->type == T_LONG)
            *(long *)dst = (long)w;
        else if (k->type == T_INT)
            *(int *)dst = (int)w;
        else
            *(size_t *)dst = (size_t)w;
        return 0;
    case T_ULONG: {
        const char *q = v;
        for (; *q; q++)
            if (!isdigit((unsigned char)*q))
                break;
        if (!*v || *q)
            return fail(c, line, INNX_EINVAL, "%s: '%s' is not a whole number >= 0", name, v);
        errno = 0;
        unsigned long long u = strtoull(v, NULL, 10);
        if (errno == ERANGE || u > ULONG_MAX)
            return fail(c, line, INNX_EINVAL, "%s: %s is out of range (0 to %lu)", name, v,
                        ULONG_MAX);
        *(unsigned long *)dst = (unsigned long)u;
        return 0;
    }
    case T_ENUM:
        if (get_enum(c, line, k, v, &e))
            return c->status;
        *(int *)dst = e;
        return 0;
    case T_BOOL:
        if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
            *(int *)dst = 1;
        else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
            *(int *)dst = 0;
        else
            return fail(c, line, INNX_EINVAL, "%s: '%s' is not true or false", name, v);
        return 0;
    case T_MILESTONES: {
        double m[2] = {0, 0};
        if (strcmp(v, "none") != 0 && *v) {
            size_t n = 0;
            for (char *tok = v;; n++) {
                char *comma = strchr(tok, ',');
                if (comma)
                    *comma = '\0';
                if (n >= 2)
                    return fail(c, line, INNX_EINVAL, "%s: at most two fractions", name);
                if (get_double(c, line, k, trim(tok), &m[n]))
                    return c->status;
                if (!comma)
                    break;
                tok = comma + 1;
            }
        }
        memcpy(dst, m, sizeof m);
        return 0;
    }
    case T_YRANGE:
        if (strcmp(v, "auto") == 0) {
            p->y_given = 0;
            return 0;
        }
        if (get_interval(c, line, name, v, &p->y_lo, &p->y_hi))
            return c->status;
        p->y_given = 1;
        return 0;
    case T_DOMAIN: {
        size_t n = 0;
        for (char *tok = v;; n++) {
            char *comma = strchr(tok, ',');
            if (comma)
                *comma = '\0';
            if (n >= PROBLEM_MAX_X)
                return fail(c, line, INNX_EINVAL, "%s: more than %d components", name,
                            PROBLEM_MAX_X);
            char *t = trim(tok);
            if (strcmp(t, "auto") == 0)   /* a table's own range */
                c->dlo[n] = c->dhi[n] = 0;
            else if (get_interval(c, line, name, t, &c->dlo[n], &c->dhi[n]))
                return c->status;
            if (!comma)
                break;
            tok = comma + 1;
        }
        c->domain_n = n + 1;
        return 0;
    }
    case T_STAGES:
        if (get_whole(c, line, k, v, &w))
            return c->status;
        c->stages = (size_t)w;
        return 0;
    case T_YSTAR: {
        /* one number, or y's components comma-separated */
        double ys[PROBLEM_MAX_Y];
        size_t n = 0;
        for (char *save = NULL, *tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (n == PROBLEM_MAX_Y)
                return fail(c, line, INNX_EINVAL, "y_star: more than %d values", PROBLEM_MAX_Y);
            if (parse_double(trim(tok), &ys[n]) != 0 || !isfinite(ys[n]))
                return fail(c, line, INNX_EINVAL, "y_star: '%s' is not a number", trim(tok));
            n++;
        }
        if (n == 0)
            return fail(c, line, INNX_EINVAL, "y_star: expected a number, or y's components comma-separated");
        memset(p->y_target, 0, sizeof p->y_target);
        memcpy(p->y_target, ys, n * sizeof *ys);
        p->y_star = ys[0];
        return 0;
    }
    }
    return fail(c, line, INNX_EINVAL, "%s: not handled", name);
}

/* A [stageN] header: a stage the base has not prepared starts from
 * problem_stage_default with Adam's lr; kind and steps must be given. */
static void stage_header(ctx *c, int s, int line)
{
    size_t i = (size_t)(s - S_STAGE1);
    if (c->stage_line[i])
        return;
    c->stage_line[i] = line > 0 ? line : 1;
    if (i >= c->base_defined) {
        c->p->stages[i] = problem_stage_default(PROBLEM_STAGE_INVERSE, 0, 1e-3);
        c->stage_fresh[i] = 1;
    }
}

/* What needs the whole text: the domain against x_dim, the stage count. */
/* Each prior inside the domain, judged once x_dim and the domain are
 * settled. A prior this text gave is named at its line; one it kept (the
 * base's, or a --set's on a domain) at the domain's line, the change that
 * put it outside. Every prior is checked, not only the text's: the writer
 * writes them all, and what it writes must read back. */
static int priors_fit(ctx *c)
{
    problem *p = c->p;
    int dom_line = c->seen[S_PROBLEM][find_key(S_PROBLEM, "domain")];
    for (size_t j = 0; j < PROBLEM_MAX_X; j++) {
        int at = c->prior_at[j] > 0 ? c->prior_at[j] : dom_line;
        if (j >= p->x_dim) {
            if (c->prior_at[j])
                return fail(c, at, INNX_EINVAL, "prior.x%zu: given, but x_dim is %zu", j + 1, p->x_dim);
            continue;
        }
        innx_err e;
        if (problem_validate_prior(p, j, &e) != 0)
            return fail(c, at, INNX_EINVAL, "%s", e.msg);
    }
    return 0;
}

static int finish(ctx *c)
{
    problem *p = c->p;
    int xd_line = c->seen[S_PROBLEM][find_key(S_PROBLEM, "x_dim")];
    int dom_line = c->seen[S_PROBLEM][find_key(S_PROBLEM, "domain")];
    int xc_line = c->seen[S_DATA][find_key(S_DATA, "x_columns")];
    if (xc_line && !xd_line && p->x_columns[0]) {
        /* other columns than the base's: x_dim, the networks' widths and
         * the domain follow them, as --x does, unless the text sets them */
        size_t d = 1;
        for (const char *q = p->x_columns; *q; q++)
            d += *q == ',';
        if (d != p->x_dim) {
            char m[sizeof p->model], f[sizeof p->forward_model];
            strcpy(m, p->model);
            strcpy(f, p->forward_model);
            innx_err e;
            if (problem_set_x_dim(p, d, &e) != 0)
                return fail(c, xc_line, INNX_EINVAL, "x_columns: %s", e.msg);
            if (c->seen[S_INVERSE][find_key(S_INVERSE, "model")])
                strcpy(p->model, m);
            if (c->seen[S_DATA][find_key(S_DATA, "forward_model")])
                strcpy(p->forward_model, f);
        }
    }
    int yc_line = c->seen[S_DATA][find_key(S_DATA, "y_column")];
    if (yc_line && !c->seen[S_PROBLEM][find_key(S_PROBLEM, "y_dim")] && p->y_column[0] && !p->system[0]) {
        /* several y columns: a multi-output NN1, and G reads them all */
        size_t m = 1;
        for (const char *q = p->y_column; *q; q++)
            m += *q == ',';
        if (m != (p->y_dim ? p->y_dim : 1)) {
            char g[sizeof p->model], f[sizeof p->forward_model];
            strcpy(g, p->model);
            strcpy(f, p->forward_model);
            innx_err e;
            if (problem_set_y_dim(p, m, &e) != 0)
                return fail(c, yc_line, INNX_EINVAL, "y_column: %s", e.msg);
            if (c->seen[S_INVERSE][find_key(S_INVERSE, "model")])
                strcpy(p->model, g);
            if (c->seen[S_DATA][find_key(S_DATA, "forward_model")])
                strcpy(p->forward_model, f);
        }
    }
    if (c->domain_n > 1) {
        if (xd_line && p->x_dim != c->domain_n)
            return fail(c, dom_line, INNX_EINVAL, "domain: %zu components but x_dim = %zu",
                        c->domain_n, p->x_dim);
        p->x_dim = c->domain_n;
    } else if (c->domain_n == 1 && p->x_dim == 0) {
        p->x_dim = 1;
    }
    if (c->domain_n) {
        for (size_t i = 0; i < p->x_dim; i++) {
            p->x_lo[i] = c->dlo[c->domain_n == 1 ? 0 : i];
            p->x_hi[i] = c->dhi[c->domain_n == 1 ? 0 : i];
        }
    }

    /* How many run: the stages key, else a file's [stageN] sections reach
     * at least N (a --set on a stage only changes it); stages past that
     * stay prepared, not run (spend's joint stage until --joint). */
    int st_line = c->seen[S_PROBLEM][find_key(S_PROBLEM, "stages")];
    size_t last = 0;
    for (size_t i = 0; i < PROBLEM_MAX_STAGES; i++)
        if (c->stage_line[i])
            last = i + 1;
    size_t n = c->base_stages;
    if (!c->set && last > n)
        n = last;
    if (st_line)
        n = c->stages;
    /* no gap below the last stage, run or prepared: the writer writes every
     * stage up to the last with steps, and a gap would read back as a
     * stage of 0 steps (found by tests/fuzz_ini: stages = 0 with [stage3]) */
    size_t need = n > last ? n : last;
    for (size_t i = 0; i < need; i++)
        if (i >= c->base_defined && !c->stage_line[i])
            return fail(c, st_line && i < n ? st_line : c->stage_line[last - 1], INNX_EINVAL,
                        "[stage%zu] is missing (a new stage needs its section)", i + 1);
    int kind_k = find_key(S_STAGE1, "kind"), steps_k = find_key(S_STAGE1, "steps");
    for (size_t i = 0; i < PROBLEM_MAX_STAGES; i++) {
        int s = S_STAGE1 + (int)i;
        if (c->stage_fresh[i] && (!c->seen[s][kind_k] || !c->seen[s][steps_k]))
            return fail(c, c->stage_line[i], INNX_EINVAL,
                        "[stage%zu] is a new stage: it needs kind and steps", i + 1);
    }
    p->n_stages = n;
    /* G(y, z) on a vector problem: z spans what y leaves of x, n - m
     * dimensions (at least 1), when this text chose G's input or model
     * and said nothing of z_dim */
    if (!c->seen[S_INVERSE][find_key(S_INVERSE, "z_dim")] && p->input == PROBLEM_IN_YZ &&
        (c->seen[S_INVERSE][find_key(S_INVERSE, "input")] || c->seen[S_INVERSE][find_key(S_INVERSE, "model")]) &&
        (p->system[0] || p->y_dim > 1) && strncmp(p->model, "flow:", 5))
        p->z_dim = p->x_dim > p->y_dim ? p->x_dim - p->y_dim : 1;
    return priors_fit(c);
}

/* ---- the file --------------------------------------------------------- */

/* A section header's name: between '[' and the first ']', blanks trimmed
 * (inih passes it untrimmed; both sides trim). 0 if the line is not one. */
static int header_name(const char *raw, size_t len, char *out, size_t n)
{
    if (len == 0 || raw[0] != '[')
        return 0;
    const char *close = memchr(raw, ']', len);
    if (!close)
        return 0;
    const char *a = raw + 1, *b = close;
    while (a < b && is_blank(*a))
        a++;
    while (b > a && is_blank(b[-1]))
        b--;
    size_t m = (size_t)(b - a) < n - 1 ? (size_t)(b - a) : n - 1;
    memcpy(out, a, m);
    out[m] = '\0';
    return 1;
}

static int check_section(ctx *c, const char *name, int line)
{
    int s = find_section(name);
    if (s >= 0)
        return s;
    if (strncmp(name, "stage", 5) == 0 && isdigit((unsigned char)name[5]))
        fail(c, line, INNX_EINVAL, "unknown section [%s] (stages are [stage1] to [stage%d])",
             name, PROBLEM_MAX_STAGES);
    else if (nearest_section(name))
        fail(c, line, INNX_EINVAL, "unknown section [%s] (did you mean [%s]?)", name,
             nearest_section(name));
    else
        fail(c, line, INNX_EINVAL, "unknown section [%s]", name);
    return -1;
}

/* inih's line source. It keeps the line count (this inih build passes no
 * line number to the handler), drops leading blanks (so no line is taken as
 * a continuation), checks section headers as they come (an empty section
 * has no handler call), and hands a line too long for inih's buffer over as
 * its key alone: the handler reads the value from the raw line. */
static char *reader(char *buf, int num, void *user)
{
    ctx *c = user;
    if (c->status || !*c->pos || num < 8)
        return NULL;
    const char *start = c->pos, *nl = strchr(start, '\n');
    const char *end = nl ? nl : start + strlen(start);
    c->pos = nl ? nl + 1 : end;
    c->lineno++;
    if (c->lineno == 1 && end - start >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0)
        start += 3;
    start = skip_blanks(start, end);
    c->raw = start;
    c->raw_len = (size_t)(end - start);
    if (c->raw_len > 0 && start[c->raw_len - 1] == '\r')
        c->raw_len--;

    char sec[64];
    if (header_name(start, c->raw_len, sec, sizeof sec)) {
        int s = check_section(c, sec, c->lineno);
        if (s < 0)
            return NULL;
        if (s == S_PARTITIONS && !c->parts_given) {
            c->p->n_parts = 0;     /* the file lists them all */
            c->parts_given = 1;
        }
        else if (s >= S_STAGE1)
            stage_header(c, s, c->lineno);
    }

    size_t cap = (size_t)num - 2;   /* room for '\n' and the NUL */
    if (c->raw_len <= cap) {
        memcpy(buf, start, c->raw_len);
        buf[c->raw_len] = '\n';
        buf[c->raw_len + 1] = '\0';
        return buf;
    }
    if (*start == ';' || *start == '#' || *start == '[') {
        memcpy(buf, start, cap);   /* a comment, or a header checked above */
        buf[cap] = '\n';
        buf[cap + 1] = '\0';
        if (*start == '[') {
            const char *close = memchr(start, ']', c->raw_len);
            if (close && (size_t)(close - start) < cap)
                buf[close - start + 1] = '\n', buf[close - start + 2] = '\0';
        }
        return buf;
    }
    size_t k = 0;
    while (k < c->raw_len && start[k] != '=' && start[k] != ':')
        k++;
    if (k + 1 > cap) {
        fail(c, c->lineno, INNX_EINVAL, "a line of %zu characters with no 'key =' near its start",
             c->raw_len);
        return NULL;
    }
    memcpy(buf, start, k + 1);
    buf[k + 1] = '\n';
    buf[k + 2] = '\0';
    return buf;
}

/* One `z_lo:z_hi = x_lo:x_hi` line of [partitions]; split at '=' here, as
 * inih splits at the first ':'. */
static int partition_line(ctx *c)
{
    int line = c->lineno;
    problem *p = c->p;
    if (p->n_parts >= PROBLEM_MAX_PARTS)
        return fail(c, line, INNX_EINVAL, "partitions: more than %d", PROBLEM_MAX_PARTS);
    memcpy(c->val, c->raw, c->raw_len);
    c->val[c->raw_len] = '\0';
    for (char *s = c->val; *s; s++)
        if ((*s == ';' || *s == '#') && s > c->val && is_blank(s[-1])) {
            *s = '\0';
            break;
        }
    char *eq = strchr(c->val, '=');
    if (!eq)
        return fail(c, line, INNX_EINVAL, "partitions: expected 'z_lo:z_hi = x_lo:x_hi'");
    *eq = '\0';
    problem_partition q;
    if (get_interval(c, line, "partition z", trim(c->val), &q.z_lo, &q.z_hi) ||
        get_interval(c, line, "partition x", trim(eq + 1), &q.x_lo, &q.x_hi))
        return c->status;
    if (q.z_lo < 0 || q.z_hi > 1)
        return fail(c, line, INNX_EINVAL, "partition z: %.17g:%.17g is not inside 0:1", q.z_lo,
                    q.z_hi);
    p->parts[p->n_parts++] = q;
    return 0;
}

/* A [forward] line `NAME = FORMULA`, kept as written (in order) in the
 * system, with its file line in system_line; the lines are checked as a
 * system once the whole file is read (problem_validate_system). */
static int forward_line(ctx *c, const char *name, const char *value)
{
    problem *p = c->p;
    int line = c->lineno;
    if (!*name)
        return fail(c, line, INNX_EINVAL, "forward: expected 'NAME = FORMULA'");
    for (const char *q = name; *q; q++)
        if (!(isalnum((unsigned char)*q) || *q == '_') || (q == name && isdigit((unsigned char)*q)))
            return fail(c, line, INNX_EINVAL, "forward: '%s' is not a name (letters, digits, _)", name);
    if (!*value)
        return fail(c, line, INNX_EINVAL, "forward: %s: no formula after '='", name);
    /* the system's lines are split at newlines: a formula holding one (a
     * quoted "\n", or --set) would become two lines when written */
    for (const char *q = value; *q; q++)
        if ((unsigned char)*q < 0x20 && *q != '\t')
            return fail(c, line, INNX_EINVAL, "forward: %s: a formula cannot hold a control character", name);
    if (!c->forward_given && !c->set) {
        p->system[0] = 0;
        memset(p->system_line, 0, sizeof p->system_line);
    }
    c->forward_given = 1;
    char text[PROBLEM_SYSTEM_LEN], *lines = text, *save = NULL;
    int replaced = 0, at[PROBLEM_SYSTEM_LINES];
    size_t o = 0, n = 0;
    /* --set forward.NAME=F replaces NAME's line, else a line is appended */
    snprintf(text, sizeof text, "%s", p->system);
    char out[PROBLEM_SYSTEM_LEN];
    out[0] = 0;
    for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
        char lname[64];
        size_t k = 0;
        while (l[k] && l[k] != ' ' && l[k] != '=' && k < sizeof lname - 1)
            lname[k] = l[k], k++;
        lname[k] = 0;
        if (n == PROBLEM_SYSTEM_LINES)
            break;   /* refused below */
        at[n] = p->system_line[n];
        if (!strcmp(lname, name)) {
            if (!c->set)
                return fail(c, line, INNX_EINVAL, "forward: %s is defined twice", name);
            o += (size_t)snprintf(out + o, o < sizeof out ? sizeof out - o : 0, "%s = %s\n", name, value);
            at[n] = line;
            replaced = 1;
        } else {
            o += (size_t)snprintf(out + o, o < sizeof out ? sizeof out - o : 0, "%s\n", l);
        }
    }
    if (!replaced) {
        if (n < PROBLEM_SYSTEM_LINES)
            at[n] = line;
        n++;
        o += (size_t)snprintf(out + o, o < sizeof out ? sizeof out - o : 0, "%s = %s\n", name, value);
    }
    if (n > PROBLEM_SYSTEM_LINES)
        return fail(c, line, INNX_EINVAL, "forward: more than %d lines", PROBLEM_SYSTEM_LINES);
    if (o >= sizeof out)
        return fail(c, line, INNX_EINVAL, "forward: the system is longer than %d characters", PROBLEM_SYSTEM_LEN - 1);
    if (o > 0)
        out[o - 1] = 0;   /* no newline after the last line */
    memcpy(p->system, out, sizeof p->system);
    memset(p->system_line, 0, sizeof p->system_line);
    memcpy(p->system_line, at, n * sizeof *at);
    return 0;
}

/* A [prior] line `xJ = normal(MU, SD) | uniform(A, B) | domain`. */
static int prior_line(ctx *c, const char *name, const char *value)
{
    problem *p = c->p;
    int line = c->lineno;
    char *end;
    long j = name[0] == 'x' ? strtol(name + 1, &end, 10) : 0;
    if (name[0] != 'x' || j < 1 || j > PROBLEM_MAX_X || *end)
        return fail(c, line, INNX_EINVAL, "prior: '%s' is not x1..x%d", name, PROBLEM_MAX_X);
    char v[256], kind[16];
    snprintf(v, sizeof v, "%s", value);
    char *s = trim(v);
    if (!strcmp(s, "domain")) {
        p->prior[j - 1].kind = PROBLEM_PRIOR_DOMAIN;
        p->prior[j - 1].a = p->prior[j - 1].b = 0;
        c->prior_at[j - 1] = c->set ? -1 : line;
        return 0;
    }
    char *open = strchr(s, '('), *comma = open ? strchr(open, ',') : NULL, *close = comma ? strchr(comma, ')') : NULL;
    size_t kl = open ? (size_t)(open - s) : 0;
    double a, b;
    if (!open || !comma || !close || kl == 0 || kl >= sizeof kind || *trim(close + 1))
        return fail(c, line, INNX_EINVAL, "prior %s: '%s' is not normal(MU, SD), uniform(A, B) or domain", name, s);
    memcpy(kind, s, kl);
    kind[kl] = 0;
    *comma = *close = 0;
    if (parse_double(trim(open + 1), &a) != 0 || parse_double(trim(comma + 1), &b) != 0 || !isfinite(a) ||
        !isfinite(b))
        return fail(c, line, INNX_EINVAL, "prior %s: the parameters of %s(...) must be numbers", name, trim(kind));
    if (!strcmp(trim(kind), "normal")) {
        if (!(b > 0))
            return fail(c, line, INNX_EINVAL, "prior %s: normal's sd %g must be > 0", name, b);
        p->prior[j - 1].kind = PROBLEM_PRIOR_NORMAL;
    } else if (!strcmp(trim(kind), "uniform")) {
        if (!(a < b))
            return fail(c, line, INNX_EINVAL, "prior %s: uniform(%g, %g) needs A < B", name, a, b);
        p->prior[j - 1].kind = PROBLEM_PRIOR_UNIFORM;
    } else {
        return fail(c, line, INNX_EINVAL, "prior %s: '%s' is not normal, uniform or domain", name, trim(kind));
    }
    p->prior[j - 1].a = a;
    p->prior[j - 1].b = b;
    c->prior_at[j - 1] = c->set ? -1 : line;
    return 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    ctx *c = user;
    (void)value;
    if (c->status)
        return 0;
    char sec[64];
    snprintf(sec, sizeof sec, "%s", section);
    char *sname = trim(sec);
    if (!*sname) {
        fail(c, c->lineno, INNX_EINVAL, "'%s' comes before any [section]", name);
        return 0;
    }
    int s = find_section(sname);   /* the reader has refused unknown ones */
    if (s < 0) {
        fail(c, c->lineno, INNX_EINVAL, "unknown section [%s]", sname);
        return 0;
    }
    if (c->base_pass && !(s == S_PROBLEM && !strcmp(name, "base")))
        return 1;   /* the pre-pass reads base alone */
    if (s == S_PARTITIONS)
        return partition_line(c) == 0;
    if (s == S_FORWARD || s == S_PRIOR) {
        if (line_value(c, name))
            return 0;
        return (s == S_FORWARD ? forward_line(c, name, c->val) : prior_line(c, name, c->val)) == 0;
    }
    if (!*name) {
        fail(c, c->lineno, INNX_EINVAL, "a value with no key");
        return 0;
    }
    if (s == S_PROBLEM && !strcmp(name, "base")) {
        /* taken by the pre-pass, before any other key applies */
        if (c->base_pass && c->base_line) {
            fail(c, c->lineno, INNX_EINVAL, "base: given twice (line %d too)", c->base_line);
            return 0;
        }
        if (c->base_pass && !line_value(c, name)) {
            snprintf(c->base, sizeof c->base, "%s", c->val);
            c->base_line = c->lineno;
        }
        return !c->status;
    }
    if (line_value(c, name))
        return 0;
    return apply(c, s, name, c->val, c->lineno) == 0;
}

/* The n-th line (1-based) of text, for a syntax error's message. */
static void nth_line(const char *text, int n, char *out, size_t cap)
{
    const char *s = text;
    for (int i = 1; i < n && s; i++) {
        s = strchr(s, '\n');
        if (s)
            s++;
    }
    if (!s) {
        out[0] = '\0';
        return;
    }
    size_t len = strcspn(s, "\r\n");
    while (len > 0 && is_blank(*s))
        s++, len--;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

/* Numbers are read and written in the C locale whatever the UI set, on this
 * thread only (the same as dataset.c). */
typedef struct c_numeric {
    locale_t c, old;
} c_numeric;

static c_numeric c_numeric_begin(void)
{
    c_numeric l;
    l.c = newlocale(LC_NUMERIC_MASK | LC_CTYPE_MASK, "C", (locale_t)0);
    l.old = l.c ? uselocale(l.c) : (locale_t)0;
    return l;
}

static void c_numeric_end(c_numeric l)
{
    if (l.c) {
        uselocale(l.old);
        freelocale(l.c);
    }
}

/* Stages a problem holds: those it runs and any prepared past them (a
 * stage with steps), as the writer writes and a file may refine. */
static size_t stages_defined(const problem *p)
{
    size_t n = p->n_stages <= PROBLEM_MAX_STAGES ? p->n_stages : PROBLEM_MAX_STAGES;
    for (size_t i = n; i < PROBLEM_MAX_STAGES; i++)
        if (p->stages[i].steps > 0)
            n = i + 1;
    return n;
}

static void ctx_init(ctx *c, problem *work, const char *file, const char *set, innx_err *err)
{
    memset(c, 0, sizeof *c);
    c->p = work;
    c->file = file ? file : "problem";
    c->set = set;
    c->err = err;
    c->base_stages = work->n_stages <= PROBLEM_MAX_STAGES ? work->n_stages : PROBLEM_MAX_STAGES;
    c->base_defined = stages_defined(work);
}

int problem_ini_parse(const char *text, const char *filename, problem *p, innx_err *err)
{
    if (!text || !p)
        return innx_errf(err, INNX_EINVAL, "problem_ini_parse: no text or no problem");
    problem *work = malloc(sizeof *work);
    char *val = malloc(strlen(text) + 1);   /* no value is longer than the text */
    if (!work || !val) {
        free(work);
        free(val);
        return innx_errf(err, INNX_ENOMEM, "%s: out of memory", filename ? filename : "problem");
    }
    *work = *p;
    ctx c;
    /* [problem] base = NAME: the text starts from that built-in instead of
     * p, whatever line base is on; the other lines' errors wait for the
     * main pass */
    ctx_init(&c, work, filename, NULL, err);
    c.pos = text;
    c.val = val;
    c.base_pass = 1;
    ini_parse_stream(reader, &c, handler, &c);
    if (c.status) {
        free(val);
        free(work);
        return c.status;
    }
    if (c.base_line) {
        innx_err e;
        if (problem_builtin(c.base, work, &e) != 0) {
            c.status = 0;
            fail(&c, c.base_line, INNX_EINVAL, "base: %s", e.msg);
            free(val);
            free(work);
            return c.status;
        }
    }
    int base_line = c.base_line;
    ctx_init(&c, work, filename, NULL, err);
    c.base_line = base_line;
    c.pos = text;
    c.val = val;
    c_numeric l = c_numeric_begin();
    int rc = ini_parse_stream(reader, &c, handler, &c);
    c_numeric_end(l);
    if (rc > 0 && (!c.status || rc < c.err_line)) {
        /* inih's own: a line that is neither a header nor key = value */
        char line[64];
        nth_line(text, rc, line, sizeof line);
        c.status = 0;
        if (line[0] == '[')
            fail(&c, rc, INNX_EINVAL, "'%s': a section header needs its closing ']'", line);
        else
            fail(&c, rc, INNX_EINVAL, "'%s' is not 'key = value' nor a [section]", line);
    } else if (rc < 0 && !c.status) {
        fail(&c, 0, INNX_ENOMEM, "out of memory");
    }
    if (!c.status)
        finish(&c);
    if (!c.status && c.forward_given) {
        /* the file's [forward] as a whole: a fault names its own line */
        innx_err e;
        if (problem_validate_system(work, c.file, &e) != 0)
            c.status = innx_errf(err, INNX_EINVAL, "%s", e.msg);
    }
    if (!c.status)
        *p = *work;
    free(val);
    free(work);
    return c.status;
}

int problem_ini_load(const char *path, problem *p, innx_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return innx_errf(err, INNX_EIO, "%s: cannot open: %s", path, strerror(errno));
    /* read up to one byte past the limit: a pipe has no size to ask */
    size_t cap = PROBLEM_INI_MAX_BYTES + 1, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return innx_errf(err, INNX_ENOMEM, "%s: out of memory", path);
    }
    while (n < cap) {
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    int bad = ferror(f);
    int e = errno;
    fclose(f);
    int rc;
    if (bad)
        rc = innx_errf(err, INNX_EIO, "%s: cannot read: %s", path, strerror(e));
    else if (n > PROBLEM_INI_MAX_BYTES)
        rc = innx_errf(err, INNX_EINVAL, "%s: more than %d bytes: not a problem file", path,
                       PROBLEM_INI_MAX_BYTES);
    else if (memchr(buf, '\0', n))
        rc = innx_errf(err, INNX_EINVAL, "%s: has a NUL byte: not a problem file", path);
    else {
        buf[n] = '\0';
        problem *q = malloc(sizeof *q);   /* an error leaves *p as it was */
        if (q)
            *q = *p;
        rc = q ? problem_ini_parse(buf, path, q, err) : innx_errf(err, INNX_ENOMEM, "%s: out of memory", path);
        /* a table the file names is found beside the file, not in the
         * current directory, so a file and its data work from anywhere */
        const char *slash = strrchr(path, '/');
        if (rc == 0 && slash && q->table[0] && q->table[0] != '/' && strcmp(q->table, p->table) != 0) {
            char full[sizeof q->table];
            int len = snprintf(full, sizeof full, "%.*s/%s", (int)(slash - path), path, q->table);
            if (len < 0 || (size_t)len >= sizeof full)
                rc = innx_errf(err, INNX_EINVAL, "%s: table: '%s' beside the file is a path of more than %zu bytes",
                               path, q->table, sizeof full - 1);
            else
                memcpy(q->table, full, sizeof full);
        }
        if (rc == 0)
            *p = *q;
        free(q);
    }
    free(buf);
    return rc;
}

int problem_ini_set(problem *p, const char *assignment, innx_err *err)
{
    const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');
    if (!dot || !eq || dot > eq)
        return innx_errf(err, INNX_EINVAL, "--set %s: expected section.key=value "
                         "(e.g. stage1.steps=50)", assignment);
    char sec[64], key[64];
    size_t ls = (size_t)(dot - assignment), lk = (size_t)(eq - dot - 1);
    if (ls >= sizeof sec || lk >= sizeof key)
        return innx_errf(err, INNX_EINVAL, "--set %s: unknown section or key", assignment);
    memcpy(sec, assignment, ls);
    sec[ls] = '\0';
    memcpy(key, dot + 1, lk);
    key[lk] = '\0';
    char *sname = trim(sec), *kname = trim(key);

    problem work = *p;
    ctx c;
    ctx_init(&c, &work, NULL, assignment, err);
    int s = find_section(sname);
    if (s < 0) {
        /* the whole name's nearest, so train.steps finds stage1.steps */
        int other = section_of_key(kname);
        if (other >= 0)
            return fail(&c, 0, INNX_EINVAL, "unknown section [%s] (did you mean '%s.%s'?)",
                        sname, sec_names[other], kname);
        check_section(&c, sname, 0);
        return c.status;
    }
    if (s == S_PARTITIONS)
        return fail(&c, 0, INNX_EINVAL, "partitions cannot be set from the command line "
                    "(write them in a problem file)");
    if (s == S_FORWARD || s == S_PRIOR) {
        char *fv = strdup(eq + 1);
        if (!fv)
            return innx_errf(err, INNX_ENOMEM, "--set: out of memory");
        int st = s == S_FORWARD ? forward_line(&c, kname, trim(fv)) : prior_line(&c, kname, trim(fv));
        free(fv);
        innx_err e;
        if (st == 0 && s == S_FORWARD && problem_validate_system(&work, NULL, &e) != 0)
            st = fail(&c, 0, INNX_EINVAL, "%s", e.msg);   /* the line against the others */
        if (st == 0 && s == S_PRIOR)
            st = priors_fit(&c);
        if (st == 0)
            *p = work;
        return c.status;
    }
    if (s >= S_STAGE1 && (size_t)(s - S_STAGE1) >= c.base_defined)
        return fail(&c, 0, INNX_EINVAL, "no [%s]: the problem has %zu stage%s", sname,
                    c.base_defined, c.base_defined == 1 ? "" : "s");
    if (s >= S_STAGE1)
        stage_header(&c, s, 0);
    char *val = strdup(eq + 1);
    if (!val)
        return innx_errf(err, INNX_ENOMEM, "--set: out of memory");
    c_numeric l = c_numeric_begin();
    if (apply(&c, s, kname, trim(val), 0) == 0)
        finish(&c);
    c_numeric_end(l);
    free(val);
    if (!c.status)
        *p = work;
    return c.status;
}

/* ---- the writer ------------------------------------------------------- */

/* The shortest %.Ng that reads back to the same double. */
static void fmt_double(char *buf, size_t n, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        if (memcmp(&back, &v, sizeof v) == 0)
            return;
    }
}

/* Quoted only when the plain form would not read back the same (blanks at
 * an end, a comment's start, a leading quote, control characters). */
static void write_string(FILE *f, const char *s)
{
    size_t n = strlen(s);
    int quote = n > 0 && (is_blank(s[0]) || is_blank(s[n - 1]) || s[0] == '"');
    for (const char *q = s; *q && !quote; q++)
        quote = ((*q == ';' || *q == '#') && q > s && is_blank(q[-1])) ||
                (unsigned char)*q < 0x20 || *q == 0x7f;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
        if (*q == '"' || *q == '\\')
            fprintf(f, "\\%c", *q);
        else if (*q == '\n')
            fputs("\\n", f);
        else if (*q == '\t')
            fputs("\\t", f);
        else if (*q == '\r')
            fputs("\\r", f);
        else if (*q < 0x20 || *q == 0x7f)
            fprintf(f, "\\x%02x", *q);
        else
            fputc(*q, f);
    }
    fputc('"', f);
}

/* [forward]'s lines: NAME = FORMULA, the formula as any string is
 * written (quoted when a ';' or '#' after a blank, or a blank at an end,
 * would read back otherwise). */
static void write_system(FILE *f, const char *system)
{
    if (!system[0]) {
        fputs("# none: F is the formula\n", f);
        return;
    }
    for (const char *l = system; *l;) {
        const char *nl = strchr(l, '\n'), *end = nl ? nl : l + strlen(l), *eq = memchr(l, '=', (size_t)(end - l));
        if (!eq) {   /* not from a file: written as it is */
            fprintf(f, "%.*s\n", (int)(end - l), l);
        } else {
            const char *ne = eq;
            while (ne > l && is_blank(ne[-1]))
                ne--;
            /* the reader keeps what follows "= " */
            const char *v = eq + 1 + (eq[1] == ' ');
            char expr[PROBLEM_SYSTEM_LEN];
            snprintf(expr, sizeof expr, "%.*s", (int)(end - v), v);
            fprintf(f, "%.*s = ", (int)(ne - l), l);
            write_string(f, expr);
            fputc('\n', f);
        }
        l = nl ? nl + 1 : end;
    }
}

static void write_key(FILE *f, const ini_key *k, const char *base, const problem *p)
{
    const void *src = base + k->off;
    char a[40], b[40];
    fprintf(f, "%s =", k->name);
    switch (k->type) {
    case T_STR:
    case T_FORMULA:
        if (*(const char *)src)
            fputc(' ', f);
        write_string(f, src);
        break;
    case T_DBL:
        fmt_double(a, sizeof a, *(const double *)src);
        fprintf(f, " %s", a);
        break;
    case T_LONG: fprintf(f, " %ld", *(const long *)src); break;
    case T_INT: fprintf(f, " %d", *(const int *)src); break;
    case T_SIZE: fprintf(f, " %zu", *(const size_t *)src); break;
    case T_ULONG: fprintf(f, " %lu", *(const unsigned long *)src); break;
    case T_BOOL:
        fputs(*(const int *)src ? " true" : " false", f);
        break;
    case T_ENUM: {
        int e = *(const int *)src, n = 0;
        while (k->names[n])
            n++;
        if (e >= 0 && e < n)
            fprintf(f, " %s", k->names[e]);
        else
            fprintf(f, " %d", e);   /* out of the enum: fails on reading, as it should */
        break;
    }
    case T_MILESTONES: {
        const double *m = src;
        if (m[0] == 0 && m[1] == 0) {
            fputs(" none", f);
        } else {
            fmt_double(a, sizeof a, m[0]);
            fmt_double(b, sizeof b, m[1]);
            if (m[1] == 0 && !signbit(m[1]))
                fprintf(f, " %s", a);
            else
                fprintf(f, " %s,%s", a, b);
        }
        break;
    }
    case T_YRANGE:
        if (!p->y_given) {
            fputs(" auto", f);
        } else {
            fmt_double(a, sizeof a, p->y_lo);
            fmt_double(b, sizeof b, p->y_hi);
            fprintf(f, " %s:%s", a, b);
        }
        break;
    case T_DOMAIN:
        for (size_t i = 0; i < p->x_dim && i < PROBLEM_MAX_X; i++) {
            const double zero = 0;
            if (!memcmp(&p->x_lo[i], &zero, sizeof zero) && !memcmp(&p->x_hi[i], &zero, sizeof zero)) {
                fprintf(f, "%s auto", i ? "," : "");
                continue;
            }
            fmt_double(a, sizeof a, p->x_lo[i]);
            fmt_double(b, sizeof b, p->x_hi[i]);
            fprintf(f, "%s %s:%s", i ? "," : "", a, b);
        }
        break;
    case T_STAGES:
        fprintf(f, " %zu", p->n_stages);
        break;
    case T_YSTAR:
        if (p->y_dim <= 1) {
            fmt_double(a, sizeof a, p->y_star);
            fprintf(f, " %s", a);
        } else {
            for (size_t i = 0; i < p->y_dim && i < PROBLEM_MAX_Y; i++) {
                fmt_double(a, sizeof a, p->y_target[i]);
                fprintf(f, "%s %s", i ? "," : "", a);
            }
        }
        break;
    }
    fputc('\n', f);
}

int problem_ini_write(const problem *p, FILE *f)
{
    c_numeric l = c_numeric_begin();
    fputs("# innx problem file (every setting; the format: man innx, PROBLEM FILES)\n", f);
    size_t n_st = stages_defined(p);
    for (int s = 0; s < S_N; s++) {
        if (s >= S_STAGE1 && (size_t)(s - S_STAGE1) >= n_st)
            break;
        fprintf(f, "\n[%s]\n", sec_names[s]);
        if (s >= S_STAGE1 && (size_t)(s - S_STAGE1) >= p->n_stages)
            fprintf(f, "# prepared, not run: stages = %zu\n", p->n_stages);
        if (s == S_FORWARD) {
            write_system(f, p->system);
            continue;
        }
        if (s == S_PRIOR) {
            int any = 0;
            for (size_t i = 0; i < p->x_dim && i < PROBLEM_MAX_X; i++) {
                char a[40], b[40];
                if (p->prior[i].kind == PROBLEM_PRIOR_DOMAIN)
                    continue;
                fmt_double(a, sizeof a, p->prior[i].a);
                fmt_double(b, sizeof b, p->prior[i].b);
                fprintf(f, "x%zu = %s(%s, %s)\n", i + 1, p->prior[i].kind == PROBLEM_PRIOR_NORMAL ? "normal" : "uniform",
                        a, b);
                any = 1;
            }
            if (!any)
                fputs("# every x uniform over the domain\n", f);
            continue;
        }
        if (s == S_PARTITIONS) {
            for (size_t i = 0; i < p->n_parts && i < PROBLEM_MAX_PARTS; i++) {
                const problem_partition *q = &p->parts[i];
                char a[40], b[40], x[40], y[40];
                fmt_double(a, sizeof a, q->z_lo);
                fmt_double(b, sizeof b, q->z_hi);
                fmt_double(x, sizeof x, q->x_lo);
                fmt_double(y, sizeof y, q->x_hi);
                fprintf(f, "%s:%s = %s:%s\n", a, b, x, y);
            }
            if (p->n_parts == 0)
                fputs("# none\n", f);
            continue;
        }
        key_table t = sec_keys(s);
        const char *base = s >= S_STAGE1 ? (const char *)&p->stages[s - S_STAGE1]
                                         : (const char *)p;
        for (size_t i = 0; i < t.n; i++)
            if (t.k[i].type != T_DOMAIN || p->x_dim > 0)   /* no A:B to write */
                write_key(f, &t.k[i], base, p);
    }
    c_numeric_end(l);
    return fflush(f) == 0 && !ferror(f) ? 0 : INNX_EIO;
}
