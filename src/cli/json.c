/* json.c: a minimal writer for the one-line JSON objects --json prints.
 * Non-finite numbers become null so every line parses. */
#include <math.h>
#include <stdio.h>

#include "cli.h"

static void sep(json_out *j)
{
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = 0;
}

static void str(json_out *j, const char *s)
{
    fputc('"', j->f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(j->f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(j->f, "\\u%04x", *p);
        else
            fputc(*p, j->f);
    }
    fputc('"', j->f);
}

static void key(json_out *j, const char *k)
{
    sep(j);
    if (k) {
        str(j, k);
        fputc(':', j->f);
    }
}

static void num(json_out *j, double v)
{
    if (isfinite(v))
        fprintf(j->f, "%.17g", v);
    else
        fputs("null", j->f);
}

void json_begin(json_out *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->first[0] = 1;
    fputc('{', f);
}

void json_end(json_out *j)
{
    fputs("}\n", j->f);
    fflush(j->f);
}

void json_num(json_out *j, const char *k, double v) { key(j, k); num(j, v); }
void json_int(json_out *j, const char *k, long v) { key(j, k); fprintf(j->f, "%ld", v); }
void json_str(json_out *j, const char *k, const char *s) { key(j, k); str(j, s); }
void json_bool(json_out *j, const char *k, int v) { key(j, k); fputs(v ? "true" : "false", j->f); }

static void open_(json_out *j, const char *k, char c)
{
    key(j, k);
    fputc(c, j->f);
    if (j->depth < 15)
        j->depth++;
    j->first[j->depth] = 1;
}

static void close_(json_out *j, char c)
{
    fputc(c, j->f);
    if (j->depth > 0)
        j->depth--;
}

void json_obj_begin(json_out *j, const char *k) { open_(j, k, '{'); }
void json_obj_end(json_out *j) { close_(j, '}'); }
void json_arr_begin(json_out *j, const char *k) { open_(j, k, '['); }
void json_arr_end(json_out *j) { close_(j, ']'); }
void json_arr_num(json_out *j, double v) { sep(j); num(j, v); }
