/* fuzz_fsys.c: libFuzzer target for formula systems: any lines either parse or
 * give an error naming where; evaluation, Jacobian, graph and projection never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "innx/fsys.h"
#include "innx/project.h"

#define MAX_LINES 300   /* past FSYS_MAX_LINES, so the limit is reached too */

/* Input: one byte for n (1..17: 17 is refused), then lines `name = src`. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n_x = 1 + data[0] % 17;
    char *s = malloc(size);
    fsys_line *l = malloc(MAX_LINES * sizeof *l);
    if (!s || !l)
        abort();
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    size_t n_lines = 0;
    for (char *p = s; *p || n_lines == 0;) {
        if (n_lines == MAX_LINES)
            break;
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        char *eq = strchr(p, '=');
        const char *src = "";
        if (eq) {
            *eq = 0;
            src = eq + 1;
            while (*src == ' ')
                src++;
        }
        char *end = p + strlen(p);
        while (end > p && end[-1] == ' ')
            *--end = 0;
        while (*p == ' ')
            p++;
        l[n_lines] = (fsys_line){p, src, "fz", (int)n_lines + 1};
        n_lines++;
        if (!nl)
            break;
        p = nl + 1;
    }
    innx_err err;
    fsys *f = fsys_parse(l, n_lines, n_x, &err);
    if (!f) {
        /* every message says where: the file, or "system" */
        if (strncmp(err.msg, "fz", 2) != 0 && strncmp(err.msg, "system", 6) != 0)
            abort();
        goto done;
    }
    size_t n = fsys_n_in(f), m = fsys_n_out(f);
    if (n != n_x || m < 1 || m > FSYS_MAX_Y)
        abort();
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    double x[3 * FSYS_MAX_X], y[3 * FSYS_MAX_Y], J[3 * FSYS_MAX_Y * FSYS_MAX_X];
    for (size_t i = 0; i < 3 * n; i++)
        x[i] = 0.5 + 0.37 * (double)i - 0.11 * (double)(i % 5);
    if (fsys_eval(f, x, 3, y, J, r) != 0 || fsys_eval(f, x, 1, y, NULL, r) != 0)
        abort();
    if (!fsys_is_random(f)) {
        /* deterministic: same values with or without J, a graph, a projection */
        double y2[FSYS_MAX_Y];
        fsys_eval(f, x, 1, y2, J, NULL);
        if (memcmp(y, y2, m * sizeof *y) != 0)
            abort();
        graph *g = graph_alloc();
        int xn = graph_feed(g, 2, n);
        int out = fsys_build_graph(f, g, xn, &err);
        if (out >= 0 && graph_compile(g, graph_sum(g, out), &err) == 0)
            graph_forward(g);
        graph_free(g);
        if (m <= n) {
            project_opts o = {1e-12, 8};
            project_result pr;
            double lo[FSYS_MAX_X], hi[FSYS_MAX_X];
            for (size_t j = 0; j < n; j++)
                lo[j] = -2, hi[j] = 2;
            project_point(fsys_point_fn, f, n, m, y2, lo, hi, x + n, &o, &pr, NULL);
            if (pr.certified && !(pr.residual <= 1e-12))
                abort();
        }
    }
    gsl_rng_free(r);
    fsys_free(f);
done:
    free(l);
    free(s);
    return 0;
}
