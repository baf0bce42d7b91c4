/* util.c: small things every headless command shares: error lines, clocks,
 * medians, the progress line and the A:B of --domain. Below every other
 * file of src/cli: it calls none of them. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "innx/clock.h"


int cli_error(int code, const char *where, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "innx: %s: ", where);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

double cli_now(void) { return clock_now(); }

int cli_parse_domain(const char *s, double *a, double *b)
{
    char *end;
    errno = 0;
    *a = strtod(s, &end);
    if (end == s || *end != ':')
        return -1;
    const char *t = end + 1;
    *b = strtod(t, &end);
    return errno || end == t || *end ? -1 : 0;
}

/* the tolerances of cli.h's recall: its only copy */
#define RECALL_TOL 1e-7
#define RECALL_TOL_RAW 1e-3

int cli_found(double x, double ref, double w) { return fabs(x - ref) <= RECALL_TOL * w; }

int cli_found_raw(double x_raw, double ref, double w) { return fabs(x_raw - ref) <= RECALL_TOL_RAW * w; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cli_median(double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void cli_progress(const cli_opts *o, const char *what, long step, long total, double loss)
{
    if (o->quiet || o->json || !isatty(STDERR_FILENO))
        return;
    if (step < 0) {
        fputs("\r\033[K", stderr);
        return;
    }
    if (total > 0)
        fprintf(stderr, "\r\033[K%s: step %ld/%ld  loss %.3e", what, step, total, loss);
    else
        fprintf(stderr, "\r\033[K%s: step %ld  loss %.3e", what, step, loss);
    fflush(stderr);
}

void cli_print_vec(FILE *f, const double *v, size_t n, int digits)
{
    fputc('(', f);
    for (size_t j = 0; j < n; j++)
        fprintf(f, j ? ", %.*g" : "%.*g", digits, v[j]);
    fputc(')', f);
}

void cli_print_families(size_t k, double silhouette, const size_t *count, const double (*centroid)[PROBLEM_MAX_X],
                        size_t n, int digits)
{
    printf("families: %zu", k);
    if (k > 1)
        printf(" (silhouette %.2f)", silhouette);
    printf("\n");
    for (size_t c = 0; c < k; c++) {
        printf("  %zu  %5zu  ", c + 1, count[c]);
        cli_print_vec(stdout, centroid[c], n, digits);
        printf("\n");
    }
}
