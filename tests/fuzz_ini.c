/* fuzz_ini.c: libFuzzer target for problem files and --set: any text either
 * parses or gives a "FILE:LINE: " error; what parses writes back to a file
 * that parses to the same settings (write, parse, write: the same text). */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "innx/problem_ini.h"

static char *written(const problem *p, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f || problem_ini_write(p, f) != 0)
        abort();
    fclose(f);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* the first byte: bit 0 starts from a built-in (else a zeroed problem),
     * bit 1 takes the text as one --set assignment */
    unsigned sel = data[0];
    data++, size--;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;

    problem p, before;
    innx_err err;
    memset(&p, 0, sizeof p);
    if ((sel & 1) && problem_builtin(problem_builtin_name((sel >> 2) % problem_n_builtins()), &p,
                                     &err) != 0)
        abort();
    before = p;
    int rc;
    if (sel & 2) {
        rc = problem_ini_set(&p, s, &err);
        if (rc && strncmp(err.msg, "--set ", 6) != 0)
            abort();
    } else {
        rc = problem_ini_parse(s, "fuzz", &p, &err);
        if (rc && strncmp(err.msg, "fuzz:", 5) != 0)
            abort();
    }
    if (rc) {
        if (memcmp(&p, &before, sizeof p) != 0)
            abort();   /* on error *p is left unchanged */
    } else {
        size_t n1, n2;
        char *t1 = written(&p, &n1);
        problem q;
        memset(&q, 0, sizeof q);
        if (problem_ini_parse(t1, "rewritten", &q, &err) != 0) {
            fprintf(stderr, "written text does not parse: %s\n%s", err.msg, t1);
            abort();
        }
        char *t2 = written(&q, &n2);
        if (n1 != n2 || memcmp(t1, t2, n1) != 0) {
            fprintf(stderr, "round trip differs:\n%s\n----\n%s", t1, t2);
            abort();
        }
        free(t1);
        free(t2);
    }
    free(s);
    return 0;
}
