/* dataset.c: numeric tables from CSV files (libcsv) and back, with every
 * error placed at PATH:LINE:COL; writes go through a temp file and rename. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "innx/dataset.h"
#include "innx/safefile.h"
#include "innx/spend.h"

/* The read size. A fuzz build may make it tiny (-DDATASET_CHUNK=5) so that
 * records, quoted fields and line ends cross the chunk boundaries too. */
#ifndef DATASET_CHUNK
#define DATASET_CHUNK (64 * 1024)
#endif
#define CHUNK DATASET_CHUNK

static char *dup_mem(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* A cell as it may appear in a message: at most 40 bytes, control and
 * non-ASCII bytes as '?', so a binary cell cannot garble the terminal. */
static const char *shown(const char *s, size_t len, char out[48])
{
    size_t k = 0;
    for (size_t i = 0; i < len && k < 40; i++)
        out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (len > 40) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

static size_t count_nl(const char *s, size_t len)
{
    size_t n = 0;
    for (const char *p = s; (p = memchr(p, '\n', len - (size_t)(p - s))) != NULL; p++)
        n++;
    return n;
}

/* Plain decimals ("-12.5", "3e-4") with at most 19 digits, an integer part
 * m <= 2^53 and a power of ten |e| <= 22 are m * 10^e or m / 10^-e with one
 * correctly rounded operation on exact operands, so the result is strtod's,
 * bit for bit (Clinger's fast path). glibc's strtod takes ~100 ns on a
 * 10-digit number and dominated loading; anything else falls back to it. */
static int fast_num(const char *s, double *x)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    uint64_t m = 0;
    int digits = 0, any = 0, e = 0, neg = 0;
    if (FLT_EVAL_METHOD != 0)   /* x87 excess precision would round twice */
        return 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    for (; *s >= '0' && *s <= '9'; s++, any = 1) {
        if (m || *s != '0') {
            if (++digits > 19)
                return 0;
            m = 10 * m + (uint64_t)(*s - '0');
        }
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, any = 1) {
            if (m || *s != '0') {
                if (++digits > 19)
                    return 0;
                m = 10 * m + (uint64_t)(*s - '0');
            }
            e--;
        }
    }
    if (!any)
        return 0;
    if (*s == 'e' || *s == 'E') {
        int eneg = 0, ex = 0, n = 0;
        s++;
        if (*s == '-' || *s == '+')
            eneg = *s++ == '-';
        for (; *s >= '0' && *s <= '9'; s++)
            if (++n > 4)
                return 0;
            else
                ex = 10 * ex + (*s - '0');
        if (!n)
            return 0;
        e += eneg ? -ex : ex;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s || m > (UINT64_C(1) << 53) || (m && (e < -22 || e > 22)))
        return 0;
    double v = (double)m;
    if (m)
        v = e < 0 ? v / p10[-e] : v * p10[e];
    *x = neg ? -v : v;
    return 1;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int valid_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t k;
        unsigned cp, min;
        if (c < 0x80) { i++; continue; }
        else if ((c & 0xe0) == 0xc0) { k = 1; cp = c & 0x1f; min = 0x80; }
        else if ((c & 0xf0) == 0xe0) { k = 2; cp = c & 0x0f; min = 0x800; }
        else if ((c & 0xf8) == 0xf0) { k = 3; cp = c & 0x07; min = 0x10000; }
        else return 0;
        if (len - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += k + 1;
    }
    return 1;
}

typedef struct {
    const char *path;
    innx_err *err;
    int status;            /* first error; once set, callbacks do nothing */
    const char *const *names;
    size_t n;
    int drop;

    size_t line;           /* physical line being fed to the parser */
    size_t field;          /* fields seen so far in the current record */
    size_t rec_line;       /* line where the current record started */
    int have_header;

    char **hdr;            /* header fields while the header is read */
    size_t nhdr, hcap;
    int *map;              /* header field -> requested column, or -1 */

    double *row;           /* the current record's requested cells */
    int row_bad;           /* a cell is bad: the record's first such cell */
    size_t bad_line, bad_col;
    char bad_msg[640];
    double *v;
    size_t rows, cap;
    size_t dropped, first_bad_line;
} reader;

static void fail(reader *r, int status, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void fail(reader *r, int status, size_t line, size_t col, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    r->status = innx_errf(r->err, status, "%s:%zu:%zu: %s", r->path, line, col, what);
}

static void header_field(reader *r, const char *s, size_t len)
{
    if (r->nhdr == r->hcap) {
        size_t cap = r->hcap ? 2 * r->hcap : 16;
        char **h = realloc(r->hdr, cap * sizeof *h);
        if (!h) {
            fail(r, INNX_ENOMEM, r->line, r->nhdr + 1, "out of memory");
            return;
        }
        r->hdr = h;
        r->hcap = cap;
    }
    if (!(r->hdr[r->nhdr] = dup_mem(s, len))) {
        fail(r, INNX_ENOMEM, r->line, r->nhdr + 1, "out of memory");
        return;
    }
    r->nhdr++;
}

/* The header is complete: find each requested name exactly once. */
static void header_done(reader *r)
{
    size_t line = r->rec_line;
    for (size_t j = 0; j < r->nhdr; j++) {
        if (!valid_utf8((const unsigned char *)r->hdr[j], strlen(r->hdr[j]))) {
            fail(r, INNX_EINVAL, line, j + 1, "not CSV text: the header is not valid UTF-8");
            return;
        }
    }
    if (!(r->map = malloc(r->nhdr * sizeof *r->map))) {
        fail(r, INNX_ENOMEM, line, 1, "out of memory");
        return;
    }
    for (size_t j = 0; j < r->nhdr; j++)
        r->map[j] = -1;
    for (size_t i = 0; i < r->n; i++) {
        size_t at = r->nhdr;
        for (size_t j = 0; j < r->nhdr; j++) {
            if (strcmp(r->hdr[j], r->names[i]) != 0)
                continue;
            if (at < r->nhdr) {
                fail(r, INNX_EINVAL, line, j + 1,
                     "column '%s' is in the header twice (fields %zu and %zu)",
                     r->names[i], at + 1, j + 1);
                return;
            }
            at = j;
        }
        if (at == r->nhdr) {
            /* list the header so a typo or a wrong delimiter is obvious */
            char list[512];
            size_t k = 0;
            for (size_t j = 0; j < r->nhdr && k < sizeof list - 8; j++) {
                int w = snprintf(list + k, sizeof list - k, "%s'%s'", j ? ", " : "", r->hdr[j]);
                k += w > 0 ? (size_t)w : 0;
            }
            if (k >= sizeof list - 8)
                strcpy(list + sizeof list - 8, " ...");
            fail(r, INNX_EINVAL, line, 1, "no column '%s'; the header has %s", r->names[i], list);
            return;
        }
        if (r->map[at] >= 0) {
            fail(r, INNX_EINVAL, line, at + 1, "column '%s' asked for twice", r->names[i]);
            return;
        }
        r->map[at] = (int)i;
    }
    r->have_header = 1;
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->status)
        return;
    size_t col = ++r->field;
    /* the parser calls back at the field's end; a quoted field may span lines */
    size_t line = r->line - (len ? count_nl(s, len) : 0);
    if (col == 1)
        r->rec_line = line;
    if (!r->have_header) {
        header_field(r, s, len);
        return;
    }
    if (col > r->nhdr) {
        if (col == r->nhdr + 1)
            fail(r, INNX_EINVAL, line, col, "ragged row: more fields than the %zu of the header",
                 r->nhdr);
        return;
    }
    int k = r->map[col - 1];
    if (k < 0 || r->row_bad)
        return;
    const char *name = r->names[k], *cell = s;
    char *end, buf[48];
    double x;
    const char *why = NULL;
    if (!len) {
        why = "empty cell";
    } else if (fast_num(cell, &x)) {
        r->row[k] = x;
        return;
    } else {
        x = strtod(cell, &end);
        while (end > cell && (*end == ' ' || *end == '\t'))
            end++;
        if (end == cell || *end)
            why = "not a number";
        else if (isnan(x))
            why = "NaN";
        else if (isinf(x))
            why = "infinite or out of range";
    }
    if (!why) {
        r->row[k] = x;
        return;
    }
    /* held until the record ends, so a ragged row is reported as ragged */
    r->row_bad = 1;
    r->bad_line = line;
    r->bad_col = col;
    if (r->drop)
        return;
    if (!len)
        snprintf(r->bad_msg, sizeof r->bad_msg, "empty cell in column '%s'", name);
    else
        snprintf(r->bad_msg, sizeof r->bad_msg, "%s: '%s' in column '%s'", why,
                 shown(cell, len, buf), name);
}

static void on_record(int c, void *data)
{
    reader *r = data;
    (void)c;
    if (r->status)
        return;
    size_t nf = r->field;
    r->field = 0;
    int bad = r->row_bad;
    r->row_bad = 0;
    if (!r->have_header) {
        header_done(r);
        return;
    }
    if (nf < r->nhdr) {
        fail(r, INNX_EINVAL, r->rec_line, nf + 1, "ragged row: %zu field%s, the header has %zu",
             nf, nf == 1 ? "" : "s", r->nhdr);
        return;
    }
    if (nf > r->nhdr)   /* already reported at the first extra field */
        return;
    if (bad) {
        if (!r->drop) {
            fail(r, INNX_EINVAL, r->bad_line, r->bad_col, "%s", r->bad_msg);
            return;
        }
        if (!r->dropped++)
            r->first_bad_line = r->rec_line;
        return;
    }
    if (r->rows == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 1024;
        double *v = realloc(r->v, cap * r->n * sizeof *v);
        if (!v) {
            fail(r, INNX_ENOMEM, r->rec_line, 1, "out of memory");
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    memcpy(r->v + r->rows * r->n, r->row, r->n * sizeof *r->row);
    r->rows++;
}

/* Feed one buffer line by line, so r->line is the line of every callback:
 * libcsv itself does not count lines. */
static void feed(reader *r, struct csv_parser *p, const char *s, size_t len)
{
    const char *end = s + len;
    while (s < end && !r->status) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *stop = nl ? nl + 1 : end;
        size_t want = (size_t)(stop - s);
        size_t got = csv_parse(p, s, want, on_field, on_record, r);
        if (r->status)
            return;
        if (got != want) {
            if (csv_error(p) == CSV_EPARSE)
                fail(r, INNX_EINVAL, r->line, r->field + 1,
                     "malformed quotes (a quote inside an unquoted field, or text after a "
                     "closing quote)");
            else
                fail(r, INNX_ENOMEM, r->line, r->field + 1, "%s", csv_strerror(csv_error(p)));
            return;
        }
        if (nl)
            r->line++;
        s = stop;
    }
}

static void read_all(reader *r, FILE *f, struct csv_parser *p, char *buf)
{
    int first = 1;
    size_t got;
    while (!r->status && (got = fread(buf, 1, CHUNK, f)) > 0) {
        const char *s = buf;
        if (first && got >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
            s += 3;
            got -= 3;
        }
        first = 0;
        const char *nul = memchr(s, '\0', got);
        feed(r, p, s, nul ? (size_t)(nul - s) : got);
        if (nul && !r->status)
            fail(r, INNX_EINVAL, r->line, r->field + 1, "not CSV text: a NUL byte");
    }
    if (r->status)
        return;
    if (ferror(f)) {
        fail(r, INNX_EIO, r->line, 1, "read error: %s", strerror(errno));
        return;
    }
    if (csv_fini(p, on_field, on_record, r) != 0 && !r->status) {
        /* the open field is still in the parser's buffer: find where it began */
        size_t start = r->line - count_nl((const char *)p->entry_buf, p->entry_pos);
        fail(r, INNX_EINVAL, start, r->field + 1, "unterminated quoted field");
    }
}

dataset *dataset_read_csv(const char *path, const char *const *names, size_t n,
                          int drop_bad_rows, innx_err *err)
{
    if (!path || !names || !n) {
        innx_errf(err, INNX_EINVAL, "%s:1:1: no columns asked for", path ? path : "(null)");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!names[i] || !*names[i]) {
            innx_errf(err, INNX_EINVAL, "%s:1:1: column %zu asked for has an empty name", path,
                      i + 1);
            return NULL;
        }
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        innx_errf(err, INNX_EIO, "%s:1:1: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    reader r = {.path = path, .err = err, .names = names, .n = n, .drop = drop_bad_rows,
                .line = 1};
    char *buf = malloc(CHUNK);
    r.row = malloc(n * sizeof *r.row);
    struct csv_parser p;
    /* strict: a stray quote in a numeric table means a broken file */
    int ok = csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) == 0;
    /* strtod follows LC_NUMERIC, which a UI's setlocale(LC_ALL, "") may
     * have made "1,5"-style: read numbers in the C locale, this thread only */
    locale_t c_num = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c_num ? uselocale(c_num) : (locale_t)0;

    if (!buf || !r.row || !ok)
        fail(&r, INNX_ENOMEM, 1, 1, "out of memory");
    else
        read_all(&r, f, &p, buf);

    if (c_num) {
        uselocale(old);
        freelocale(c_num);
    }
    if (ok)
        csv_free(&p);
    free(buf);
    fclose(f);

    if (!r.status && !r.have_header)
        fail(&r, INNX_EINVAL, 1, 1, "empty file: no header");
    else if (!r.status && !r.rows && r.dropped)
        fail(&r, INNX_EINVAL, r.first_bad_line, 1,
             "no data rows left: all %zu dropped as bad (the first on this line)", r.dropped);
    else if (!r.status && !r.rows)
        fail(&r, INNX_EINVAL, r.line, 1, "no data rows after the header");

    dataset *d = NULL;
    if (!r.status) {
        d = calloc(1, sizeof *d);
        if (d && (d->names = calloc(n, sizeof *d->names))) {
            d->cols = n;
            for (size_t i = 0; i < n; i++) {
                if (!(d->names[i] = dup_mem(names[i], strlen(names[i])))) {
                    dataset_free(d);
                    d = NULL;
                    break;
                }
            }
        } else {
            free(d);
            d = NULL;
        }
        if (!d) {
            innx_errf(err, INNX_ENOMEM, "%s:1:1: out of memory", path);
        } else {
            double *v = realloc(r.v, r.rows * n * sizeof *v);   /* give back the slack */
            d->v = v ? v : r.v;
            r.v = NULL;
            d->rows = r.rows;
            d->dropped = r.dropped;
            d->first_bad_line = r.first_bad_line;
        }
    }
    for (size_t j = 0; j < r.nhdr; j++)
        free(r.hdr[j]);
    free(r.hdr);
    free(r.map);
    free(r.row);
    free(r.v);
    return d;
}

dataset *dataset_open(const char *source, const char *const *names, size_t n, int drop_bad_rows,
                      innx_err *err)
{
    return source && source[0] ? dataset_read_csv(source, names, n, drop_bad_rows, err)
                               : spend_dataset(names, n, err);
}

void dataset_free(dataset *d)
{
    if (!d)
        return;
    dataset_free_names(d->names, d->cols);
    free(d->v);
    free(d);
}

int dataset_split_names(const char *list, char ***names, size_t *n, innx_err *err)
{
    *names = NULL;
    *n = 0;
    if (!list)
        return innx_errf(err, INNX_EINVAL, "column list: empty");
    size_t cap = 1;
    for (const char *s = list; *s; s++)
        cap += *s == ',';
    char **out = calloc(cap, sizeof *out);
    if (!out)
        return innx_errf(err, INNX_ENOMEM, "column list: out of memory");
    size_t k = 0;
    for (const char *s = list;; s++) {
        const char *e = strchr(s, ',');
        if (!e)
            e = s + strlen(s);
        const char *a = s, *b = e;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (a == b) {
            dataset_free_names(out, k);
            return innx_errf(err, INNX_EINVAL, "column list '%s': item %zu is empty", list, k + 1);
        }
        if (!(out[k] = dup_mem(a, (size_t)(b - a)))) {
            dataset_free_names(out, k);
            return innx_errf(err, INNX_ENOMEM, "column list: out of memory");
        }
        k++;
        if (!*e)
            break;
        s = e;
    }
    *names = out;
    *n = k;
    return 0;
}

void dataset_free_names(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* libcsv trims unquoted spaces and splits on commas, quotes and line ends:
 * such a name must be quoted to read back as itself. */
static int needs_quotes(const char *s)
{
    size_t len = strlen(s);
    return len && (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[0] == '\t' ||
                   s[len - 1] == ' ' || s[len - 1] == '\t');
}

static int write_rows(FILE *f, const char *const *names, size_t cols, const double *v,
                      size_t rows)
{
    for (size_t j = 0; j < cols; j++) {
        if (j && putc(',', f) == EOF)
            return -1;
        const char *s = names[j] ? names[j] : "";
        if (needs_quotes(s) ? csv_fwrite(f, s, strlen(s)) != 0 : fputs(s, f) == EOF)
            return -1;
    }
    if (putc('\n', f) == EOF)
        return -1;
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < cols; j++)
            if (fprintf(f, j ? ",%.10g" : "%.10g", v[i * cols + j]) < 0)
                return -1;
        if (putc('\n', f) == EOF)
            return -1;
    }
    return 0;
}

static int refuse_input(const char *path, const char *protect, innx_err *err)
{
    struct stat st, sp;
    if (protect && stat(path, &st) == 0 && stat(protect, &sp) == 0 && st.st_dev == sp.st_dev &&
        st.st_ino == sp.st_ino)
        return innx_errf(err, INNX_EINVAL, "%s: refusing to overwrite the input file %s", path,
                         protect);
    return 0;
}

int dataset_check_writable(const char *path, const char *protect, innx_err *err)
{
    if (!path || !*path)
        return innx_errf(err, INNX_EINVAL, "no output file named");
    if (refuse_input(path, protect, err) != 0)
        return INNX_EINVAL;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return innx_errf(err, INNX_EINVAL, "%s: is a directory", path);
    /* the temporary file goes next to path */
    size_t len = strlen(path);
    char *dir = malloc(len + 2);
    if (!dir)
        return innx_errf(err, INNX_ENOMEM, "%s: out of memory", path);
    memcpy(dir, path, len + 1);
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int ok = access(dir, W_OK | X_OK) == 0, e = errno;
    int st_ = ok ? 0 : innx_errf(err, INNX_EIO, "%s: cannot write in %s: %s", path, dir, strerror(e));
    free(dir);
    return st_;
}

int dataset_write_csv(const char *path, const char *const *names, size_t cols,
                      const double *v, size_t rows, const char *protect, int flags, innx_err *err)
{
    if (!path || !*path || !names || !cols || (rows && !v))
        return innx_errf(err, INNX_EINVAL, "%s: nothing to write", path ? path : "(null)");
    if (refuse_input(path, protect, err) != 0)
        return INNX_EINVAL;

    safefile sf;
    int status = safefile_open(&sf, path, err);
    if (status != 0)
        return status;
    /* numbers in the C locale whatever the user's: a CSV's decimal point */
    locale_t c_num = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c_num ? uselocale(c_num) : (locale_t)0;
    int bad = write_rows(sf.f, names, cols, v, rows) != 0;
    int e = errno;
    if (c_num) {
        uselocale(old);
        freelocale(c_num);
    }
    if (bad) {
        safefile_abort(&sf);
        return innx_errf(err, INNX_EIO, "%s: write failed: %s", path, strerror(e));
    }
    return safefile_commit(&sf, flags, err);
}
