/* json.c: the --json output of every command, as a jansson tree printed on
 * one line by json_end. Non-finite numbers become null so every line parses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid:
 * no overlong forms, no surrogates, nothing past U+10FFFF (RFC 3629). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned long c;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        c = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        c = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return len;
}

/* A copy of s with every byte that is not valid UTF-8 replaced by U+FFFD:
 * jansson refuses such strings, and a file name in a foreign encoding must
 * still give a line that parses rather than no line. NULL if out of memory. */
static char *utf8_fix(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *out = malloc(3 * n + 1);   /* each bad byte grows to 3 */
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len((const unsigned char *)s + i, n - i);
        if (len == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, s + i, len);
            o += len;
            i += len;
        }
    }
    out[o] = '\0';
    return out;
}

static json_t *string_value(const char *s)
{
    json_t *v = json_string(s ? s : "");
    if (!v && s) {
        char *fixed = utf8_fix(s);
        if (fixed)
            v = json_string(fixed);
        free(fixed);
    }
    return v;
}

/* Puts v (a new reference, NULL if its allocation failed) under key k of
 * the open object, or at the end of the open array (k ignored there).
 * Returns v (borrowed) or NULL. */
static json_t *add(json_out *j, const char *k, json_t *v)
{
    json_t *top = j->stack[j->depth];
    int rc = -1;
    if (j->skip || !top) {
        json_decref(v);
        return NULL;
    }
    if (!v) {
        j->failed = 1;
        return NULL;
    }
    if (json_is_array(top)) {
        rc = json_array_append(top, v);
    } else {
        const char *key = k ? k : "";
        /* jansson would keep only the later value; the hand-written
         * writer printed both, so a caller that repeats a key is a bug
         * to see, not to lose data over silently */
        if (json_object_get(top, key))
            fprintf(stderr, "innx: json: key '%s' written twice (the later value kept)\n", key);
        rc = json_object_set(top, key, v);
        if (rc != 0) {
            char *fixed = utf8_fix(key);
            rc = fixed ? json_object_set(top, fixed, v) : -1;
            free(fixed);
        }
    }
    json_decref(v);   /* the container holds it now, if it took it */
    if (rc != 0) {
        j->failed = 1;
        return NULL;
    }
    return v;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

void json_begin(json_out *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->skip = 0;
    j->stack[0] = json_object();
    j->failed = j->stack[0] == NULL;
}

void json_end(json_out *j)
{
    /* JSON_PRESERVE_ORDER is jansson's default since 2.8; said anyway, as
     * the tests and sweeps read the keys in the order the code gives them. */
    if (j->failed || !j->stack[0] ||
        json_dumpf(j->stack[0], j->f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
        fputs("innx: json: out of memory writing the report\n", stderr);
    else
        fputc('\n', j->f);
    fflush(j->f);
    json_decref(j->stack[0]);
    j->stack[0] = NULL;
    j->depth = 0;
}

void json_num(json_out *j, const char *k, double v) { add(j, k, num(v)); }
void json_int(json_out *j, const char *k, long v) { add(j, k, json_integer((json_int_t)v)); }
void json_str(json_out *j, const char *k, const char *s) { add(j, k, string_value(s)); }
void json_bool(json_out *j, const char *k, int v) { add(j, k, json_boolean(v)); }
void json_arr_num(json_out *j, double v) { add(j, NULL, num(v)); }

/* Past the fixed depth a container and everything in it are dropped (and
 * the closes still balance), as no report nests anywhere near that deep. */
static void open_(json_out *j, const char *k, json_t *c)
{
    if (j->skip || j->depth + 1 >= JSON_OUT_DEPTH) {
        json_decref(c);
        j->skip++;
        return;
    }
    if (add(j, k, c)) {
        j->stack[++j->depth] = c;
    } else {
        /* nothing to add into: later values drop until the matching close */
        j->skip++;
    }
}

static void close_(json_out *j)
{
    if (j->skip > 0)
        j->skip--;
    else if (j->depth > 0)
        j->depth--;
}

void json_obj_begin(json_out *j, const char *k) { open_(j, k, json_object()); }
void json_obj_end(json_out *j) { close_(j); }
void json_arr_begin(json_out *j, const char *k) { open_(j, k, json_array()); }
void json_arr_end(json_out *j) { close_(j); }

/* -- overrides: what a report was run with -- */
void json_overrides(json_out *j, const cli_opts *o)
{
    json_obj_begin(j, "overrides");
    json_arr_begin(j, "set");
    for (size_t i = 0; i < o->n_set; i++)
        json_str(j, NULL, o->set[i]);
    json_arr_end(j);
    if (o->steps > 0)
        json_int(j, "steps", o->steps);
    if (o->seed >= 0)
        json_int(j, "seed", o->seed);
    if (o->threads > 0)
        json_int(j, "threads", o->threads);
    if (o->repeats > 0)
        json_int(j, "repeats", o->repeats);
    if (o->model)
        json_str(j, "model", o->model);
    if (o->no_box)
        json_bool(j, "no_box", 1);
    if (o->constant_lr)
        json_bool(j, "constant_lr", 1);
    if (o->range)
        json_bool(j, "range", 1);
    if (o->data)
        json_str(j, "data", o->data);
    if (o->x_cols)
        json_str(j, "x", o->x_cols);
    if (o->y_col)
        json_str(j, "y", o->y_col);
    if (o->drop_bad_rows)
        json_bool(j, "drop_bad_rows", 1);
    if (o->no_joint)
        json_bool(j, "no_joint", 1);
    if (o->out)
        json_str(j, "out", o->out);
    if (o->metrics)
        json_str(j, "metrics", o->metrics);
    if (o->save)
        json_str(j, "save", o->save);
    if (o->stop_after > 0)
        json_int(j, "stop_after", o->stop_after);
    if (o->resume)
        json_str(j, "resume", o->resume);
    json_obj_end(j);
}

void json_run_header(json_out *j, const char *key, const char *value, const problem *p, const cli_opts *o)
{
    if (key)
        json_str(j, key, value);
    json_str(j, "problem", p->name);
    json_int(j, "seed", (long)p->seed);
    if (o)
        json_overrides(j, o);
}
