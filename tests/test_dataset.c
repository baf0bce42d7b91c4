/* test_dataset.c: CSV in and out: BOM, quotes, CRLF, blank lines; one test per
 * kind of bad input, each error placed at PATH:LINE:COL; atomic writes. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "innx/dataset.h"

/* Every test works in its own fresh directory, removed afterwards. */
typedef struct {
    char dir[64];
    char path[256];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    strcpy(fx->dir, "/tmp/innx-test-dataset-XXXXXX");
    if (!fx || !mkdtemp(fx->dir))
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    DIR *d = opendir(fx->dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", fx->dir, e->d_name);
            if (remove(p) != 0)
                rmdir(p);
        }
    }
    if (d)
        closedir(d);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

/* Write len bytes (len 0: strlen) to DIR/name; returns the path. */
static const char *put(fixture *fx, const char *name, const char *bytes, size_t len)
{
    snprintf(fx->path, sizeof fx->path, "%s/%s", fx->dir, name);
    FILE *f = fopen(fx->path, "wb");
    assert_non_null(f);
    if (!len)
        len = strlen(bytes);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return fx->path;
}

static dataset *read_ok(const char *path, const char *cols, int drop)
{
    innx_err e;
    char **names;
    size_t n;
    assert_int_equal(dataset_split_names(cols, &names, &n, &e), 0);
    dataset *d = dataset_read_csv(path, (const char *const *)names, n, drop, &e);
    dataset_free_names(names, n);
    if (!d)
        fail_msg("%s", e.msg);
    return d;
}

/* Reading must fail with a message "PATH:LINE:COL: ..." containing what. */
static void read_bad(const char *path, const char *cols, int drop, size_t line, size_t col,
                     const char *what)
{
    innx_err e;
    char **names, want[512];
    size_t n;
    assert_int_equal(dataset_split_names(cols, &names, &n, &e), 0);
    dataset *d = dataset_read_csv(path, (const char *const *)names, n, drop, &e);
    dataset_free_names(names, n);
    if (d) {
        dataset_free(d);
        fail_msg("%s read without error", path);
    }
    snprintf(want, sizeof want, "%s:%zu:%zu: ", path, line, col);
    if (strncmp(e.msg, want, strlen(want)) != 0 || !strstr(e.msg, what))
        fail_msg("want '%s...%s', got '%s'", want, what, e.msg);
}

static void test_good(void **state)
{
    fixture *fx = *state;
    /* BOM, CRLF, quoted names and cells, an unused text column, spaces,
     * blank lines in the middle and at the end, columns asked out of order */
    const char *csv = "\xef\xbb\xbfid,\"x 1\",label,y\r\n"
                      "1, 0.5 ,\"hello, world\",-2\r\n"
                      "\r\n"
                      "2,\" 1e3 \",plain,\"3.25\"\r\n"
                      "3,-0x1p-2,\"say \"\"hi\"\"\",+7\r\n"
                      "\r\n\r\n";
    dataset *d = read_ok(put(fx, "good.csv", csv, 0), "y, x 1", 0);
    assert_int_equal(d->rows, 3);
    assert_int_equal(d->cols, 2);
    assert_string_equal(d->names[0], "y");
    assert_string_equal(d->names[1], "x 1");
    double want[] = {-2, 0.5, 3.25, 1000, 7, -0.25};
    for (int i = 0; i < 6; i++)
        assert_true(d->v[i] == want[i]);
    assert_int_equal(d->dropped, 0);
    assert_int_equal(d->first_bad_line, 0);
    dataset_free(d);

    /* LF, no newline after the last row, one column */
    d = read_ok(put(fx, "lf.csv", "a,b\n1,2\n3,4", 0), "b", 0);
    assert_int_equal(d->rows, 2);
    assert_true(d->v[0] == 2 && d->v[1] == 4);
    dataset_free(d);
}

static void test_missing_file(void **state)
{
    fixture *fx = *state;
    char path[300];
    snprintf(path, sizeof path, "%s/nope.csv", fx->dir);
    read_bad(path, "a", 0, 1, 1, strerror(ENOENT));
}

static void test_empty_file(void **state)
{
    fixture *fx = *state;
    read_bad(put(fx, "empty.csv", "", 0), "a", 0, 1, 1, "empty file");
    read_bad(put(fx, "blank.csv", "\xef\xbb\xbf\n  \r\n\n", 0), "a", 0, 1, 1, "empty file");
}

static void test_header_only(void **state)
{
    fixture *fx = *state;
    read_bad(put(fx, "h.csv", "a,b\n\n", 0), "a", 0, 3, 1, "no data rows");
    read_bad(put(fx, "h2.csv", "a,b", 0), "b", 0, 1, 1, "no data rows");
}

static void test_missing_column(void **state)
{
    fixture *fx = *state;
    const char *p = put(fx, "m.csv", "age,education,income\n1,2,3\n", 0);
    read_bad(p, "age,incme", 0, 1, 1, "no column 'incme'; the header has 'age', 'education', 'income'");
    /* a semicolon file is one column: the listing shows why */
    p = put(fx, "semi.csv", "age;income\n1;2\n", 0);
    read_bad(p, "age", 0, 1, 1, "'age;income'");
}

static void test_duplicate_name(void **state)
{
    fixture *fx = *state;
    const char *p = put(fx, "d.csv", "a,b,a\n1,2,3\n", 0);
    read_bad(p, "a", 0, 1, 3, "column 'a' is in the header twice (fields 1 and 3)");
    read_bad(p, "b,b", 0, 1, 2, "asked for twice");
    dataset *d = read_ok(p, "b", 0);   /* a repeat not asked for is harmless */
    assert_true(d->rows == 1 && d->v[0] == 2);
    dataset_free(d);
    /* an empty header name is only an error where it is asked for */
    d = read_ok(put(fx, "e.csv", "a,,c\n1,2,3\n", 0), "c", 0);
    dataset_free(d);
}

static void test_ragged(void **state)
{
    fixture *fx = *state;
    const char *p = put(fx, "few.csv", "a,b,c\n1,2,3\n4,5\n", 0);
    read_bad(p, "a", 0, 3, 3, "ragged row: 2 fields, the header has 3");
    read_bad(p, "a", 1, 3, 3, "ragged row");   /* never dropped */
    p = put(fx, "many.csv", "a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n", 0);
    read_bad(p, "a", 0, 3, 4, "ragged row: more fields than the 3 of the header");
    read_bad(p, "a", 1, 3, 4, "ragged row");
    /* a row of one empty field among three: blank lines are skipped, "," is not */
    read_bad(put(fx, "comma.csv", "a,b,c\n1,2,3\n,\n", 0), "a", 0, 3, 3, "ragged");
}

static void test_not_a_number(void **state)
{
    fixture *fx = *state;
    const char *bad[] = {"abc", "1.2.3", "12kg", "1 2", "--1"};
    char csv[128];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(csv, sizeof csv, "a,b\n1,2\n3,%s\n", bad[i]);
        char what[64];
        snprintf(what, sizeof what, "not a number: '%s' in column 'b'", bad[i]);
        read_bad(put(fx, "nan.csv", csv, 0), "a,b", 0, 3, 2, what);
    }
    /* an unused column may hold anything */
    dataset *d = read_ok(put(fx, "t.csv", "a,b\n1,abc\n", 0), "a", 0);
    dataset_free(d);
}

static void test_empty_cell(void **state)
{
    fixture *fx = *state;
    read_bad(put(fx, "e.csv", "a,b\n1,2\n3,\n", 0), "a,b", 0, 3, 2, "empty cell in column 'b'");
    read_bad(put(fx, "e2.csv", "a,b\n1,2\n  ,4\n", 0), "b,a", 0, 3, 1, "empty cell in column 'a'");
    read_bad(put(fx, "e3.csv", "a,b\n1,\"\"\n", 0), "b", 0, 2, 2, "empty cell");
}

static void test_nan(void **state)
{
    fixture *fx = *state;
    read_bad(put(fx, "n.csv", "a,b\n1,2\n3,NaN\n", 0), "a,b", 0, 3, 2, "NaN: 'NaN' in column 'b'");
    read_bad(put(fx, "n2.csv", "a,b\n1,-nan\n", 0), "b", 0, 2, 2, "NaN");
}

static void test_inf(void **state)
{
    fixture *fx = *state;
    read_bad(put(fx, "i.csv", "a,b\n1,2\ninf,3\n", 0), "b,a", 0, 3, 1, "infinite");
    read_bad(put(fx, "i2.csv", "a,b\n1,-Infinity\n", 0), "b", 0, 2, 2, "infinite");
    read_bad(put(fx, "i3.csv", "a,b\n1,1e999\n", 0), "b", 0, 2, 2, "out of range");
}

static void test_not_csv(void **state)
{
    fixture *fx = *state;
    static const char bin[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0";
    read_bad(put(fx, "bin", bin, sizeof bin - 1), "a", 0, 1, 1, "not CSV text: a NUL byte");
    read_bad(put(fx, "nul.csv", "a,b\n1,2\n3,\0\n", 12), "a", 0, 3, 2, "NUL byte");
    /* UTF-16: NUL bytes */
    read_bad(put(fx, "u16.csv", "\xff\xfe" "a\0,\0b\0\n\0", 10), "a", 0, 1, 1, "NUL byte");
    /* Latin-1 header */
    read_bad(put(fx, "l1.csv", "a,caf\xe9\n1,2\n", 0), "a", 0, 1, 2, "not valid UTF-8");
    dataset *d = read_ok(put(fx, "u8.csv", "a,caf\xc3\xa9\n1,2\n", 0), "caf\xc3\xa9", 0);
    assert_true(d->v[0] == 2);
    dataset_free(d);
}

static void test_quotes(void **state)
{
    fixture *fx = *state;
    read_bad(put(fx, "q.csv", "a,b\n1,2\n3,4\"5\n", 0), "a", 0, 3, 2, "malformed quotes");
    read_bad(put(fx, "q2.csv", "a,b\n1,2\n3,\"4\n5,6\n", 0), "a", 0, 3, 2, "unterminated quoted field");
}

static void test_drop_bad_rows(void **state)
{
    fixture *fx = *state;
    const char *csv = "a,b,note\n"
                      "1,2,ok\n"
                      "3,nan,x\n"           /* line 3: first bad */
                      "4,5,ok\n"
                      "inf,6,x\n"
                      "\"\",7,x\n"
                      "8,abc,x\n"
                      "9,10,\"multi\nline\"\n"
                      "-1e999,11,x\n";
    dataset *d = read_ok(put(fx, "drop.csv", csv, 0), "b,a", 1);
    assert_int_equal(d->rows, 3);
    assert_int_equal(d->dropped, 5);
    assert_int_equal(d->first_bad_line, 3);
    double want[] = {2, 1, 5, 4, 10, 9};
    for (int i = 0; i < 6; i++)
        assert_true(d->v[i] == want[i]);
    dataset_free(d);
    /* the cell that is bad only in a column not asked for does not drop */
    d = read_ok(put(fx, "drop2.csv", "a,b\n1,x\n2,y\n", 0), "a", 1);
    assert_true(d->rows == 2 && d->dropped == 0 && d->first_bad_line == 0);
    dataset_free(d);
    read_bad(put(fx, "all.csv", "a\nnan\n\nx\n", 0), "a", 1, 2, 1, "all 2 dropped");
}

/* Numbers must read exactly as strtod reads them, whatever their form
 * (the reader has a fast path for plain decimals). */
static void test_numbers_exact(void **state)
{
    fixture *fx = *state;
    enum { N = 20000 };
    static const char *fmt[] = {"%.10g", "%.17g", "%.3f", "%.20e", "%a", "%.0f", "%g"};
    static const char *lit[] = {"0", "-0", "+.5", "1.", "007", "1e22", "1e23", "9007199254740993",
                                "0.1", "1e-22", "1e-23", "123456789012345678901234",
                                "4.9e-324", "1.7976931348623157e308", "0.000000000000000000001",
                                " 2.5	", "1E+2", "1e0005"};
    size_t nlit = sizeof lit / sizeof *lit;
    char (*cell)[64] = malloc((N + nlit) * sizeof *cell);
    char path[300];
    snprintf(path, sizeof path, "%s/num.csv", fx->dir);
    FILE *f = fopen(path, "w");
    fputs("x\n", f);
    uint64_t z = 88172645463325252u;   /* xorshift64: random bit patterns */
    size_t n = 0;
    while (n < N) {
        z ^= z << 13, z ^= z >> 7, z ^= z << 17;
        double v;
        memcpy(&v, &z, sizeof v);
        if (!isfinite(v))
            continue;
        if (n % 2)   /* also ordinary magnitudes */
            v = ldexp((double)(z >> 11), (int)(z % 80) - 90);
        snprintf(cell[n], sizeof cell[n], fmt[n % 7], v);
        fprintf(f, "\"%s\"\n", cell[n]);
        n++;
    }
    for (size_t i = 0; i < nlit; i++, n++) {
        strcpy(cell[n], lit[i]);
        fprintf(f, "\"%s\"\n", cell[n]);
    }
    fclose(f);
    dataset *d = read_ok(path, "x", 0);
    assert_int_equal(d->rows, n);
    for (size_t i = 0; i < n; i++) {
        double want = strtod(cell[i], NULL);
        if (memcmp(&want, &d->v[i], sizeof want) != 0)
            fail_msg("'%s': %.17g, strtod %.17g", cell[i], d->v[i], want);
    }
    dataset_free(d);
    free(cell);
}

/* Lines count physical lines: a quoted newline moves later rows down,
 * and a cell spanning lines is placed where it starts. */
static void test_line_numbers(void **state)
{
    fixture *fx = *state;
    const char *lf = "a,note,b\n"
                     "1,\"two\nlines\",2\n"
                     "3,\"and\nthree\nlines\",4\n"
                     "5,x,oops\n";
    read_bad(put(fx, "l.csv", lf, 0), "a,b", 0, 7, 3, "'oops'");
    const char *crlf = "a,note,b\r\n"
                       "\r\n"
                       "1,\"two\r\nlines\",2\r\n"
                       "5,x,oops\r\n";
    read_bad(put(fx, "c.csv", crlf, 0), "a,b", 0, 5, 3, "'oops'");
    read_bad(put(fx, "c2.csv", "a,b\r\n1,2\r\n\"3\r\nx\",4\r\n", 0), "a", 0, 3, 1,
             "not a number: '3??x'");
    read_bad(put(fx, "c3.csv", "a,b\r\n1,\"x\r\ny\"\r\n7\r\n", 0), "a", 0, 4, 2, "ragged row: 1 field");
    /* a header spanning lines */
    read_bad(put(fx, "h.csv", "\"a\nb\",c\n1,2\n3\n", 0), "c", 0, 4, 2, "ragged");
}

/* A UI may set a locale where the decimal point is ','; files are still C.
 * Skipped without de_DE or fr_FR (localedef + LOCPATH provide one). */
static void test_locale(void **state)
{
    fixture *fx = *state;
    const char *loc = setlocale(LC_NUMERIC, "de_DE.UTF-8");
    if (!loc)
        loc = setlocale(LC_NUMERIC, "fr_FR.UTF-8");
    if (!loc)
        skip();
    /* 1.5e-30 is past the reader's fast path: strtod reads it */
    dataset *d = read_ok(put(fx, "l.csv", "a\n1.5\n1.5e-30\n", 0), "a", 0);
    assert_true(d->v[0] == 1.5 && d->v[1] == 1.5e-30);
    const char *names[] = {"a"};
    innx_err e;
    char out[300];
    snprintf(out, sizeof out, "%s/out.csv", fx->dir);
    assert_int_equal(dataset_write_csv(out, names, 1, d->v, 2, NULL, SAFEFILE_REPLACE, &e), 0);
    setlocale(LC_NUMERIC, "C");
    dataset_free(d);
    d = read_ok(out, "a", 0);
    assert_true(d->rows == 2 && d->v[0] == 1.5 && d->v[1] == 1.5e-30);
    dataset_free(d);
}

static void test_split_names(void **state)
{
    (void)state;
    innx_err e;
    char **names;
    size_t n;
    assert_int_equal(dataset_split_names("age,education,income", &names, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "age");
    assert_string_equal(names[2], "income");
    dataset_free_names(names, n);
    assert_int_equal(dataset_split_names("  a b ,\tc", &names, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "a b");
    assert_string_equal(names[1], "c");
    dataset_free_names(names, n);
    assert_int_equal(dataset_split_names("x", &names, &n, &e), 0);
    assert_int_equal(n, 1);
    dataset_free_names(names, n);
    const char *bad[] = {"", "  ", "a,,b", "a, ,b", ",a", "a,"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(dataset_split_names(bad[i], &names, &n, &e), INNX_EINVAL);
        assert_null(names);
        assert_int_equal(n, 0);
        assert_non_null(strstr(e.msg, "is empty"));
    }
    assert_int_equal(dataset_split_names(NULL, &names, &n, &e), INNX_EINVAL);
}

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void test_write_round_trip(void **state)
{
    fixture *fx = *state;
    const char *names[] = {"x", "y, in m", "say \"z\"", " pad"};
    enum { R = 50, C = 4 };
    double v[R * C];
    for (int i = 0; i < R * C; i++)
        v[i] = (i % 2 ? -1 : 1) * pow(10, i % 13 - 6) * (1 + i / 7.0);
    v[0] = 0;
    v[1] = 1.5;
    v[2] = -2.25e-300;
    v[3] = 123456789;
    char out[300];
    snprintf(out, sizeof out, "%s/out.csv", fx->dir);
    innx_err e;
    assert_int_equal(dataset_write_csv(out, names, C, v, R, NULL, SAFEFILE_REPLACE, &e), 0);
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    mode_t um = umask(022);
    umask(um);
    assert_int_equal(st.st_mode & 0777, 0666 & ~um);   /* not mkstemp's 0600 */
    assert_int_equal(count_files(fx->dir), 1);   /* no temp file left */

    dataset *d = dataset_read_csv(out, names, C, 0, &e);
    if (!d)
        fail_msg("%s", e.msg);
    assert_int_equal(d->rows, R);
    assert_int_equal(d->cols, C);
    for (int i = 0; i < R * C; i++)
        assert_true(v[i] == d->v[i] || fabs(v[i] - d->v[i]) <= 1e-9 * fabs(v[i]));
    assert_true(d->v[0] == 0 && d->v[1] == 1.5 && d->v[2] == -2.25e-300 && d->v[3] == 123456789);
    dataset_free(d);

    /* overwrite an existing file: replaced whole */
    assert_int_equal(dataset_write_csv(out, names, 1, v, 1, NULL, SAFEFILE_REPLACE, &e), 0);
    d = dataset_read_csv(out, names, 1, 0, &e);
    assert_non_null(d);
    assert_true(d->rows == 1 && d->cols == 1 && d->v[0] == 0);
    dataset_free(d);
    assert_int_equal(count_files(fx->dir), 1);
}

static void test_write_fails_cleanly(void **state)
{
    fixture *fx = *state;
    const char *names[] = {"a"};
    double v[] = {1};
    innx_err e;
    char out[300];
    snprintf(out, sizeof out, "%s/no/such/dir/out.csv", fx->dir);
    assert_int_equal(dataset_write_csv(out, names, 1, v, 1, NULL, SAFEFILE_REPLACE, &e), INNX_EIO);
    assert_non_null(strstr(e.msg, strerror(ENOENT)));
    assert_int_equal(count_files(fx->dir), 0);

    /* the rename fails (a directory is in the way): the temp file goes */
    snprintf(out, sizeof out, "%s/sub", fx->dir);
    assert_int_equal(mkdir(out, 0700), 0);
    put(fx, "sub/keep", "x", 0);
    assert_int_equal(dataset_write_csv(out, names, 1, v, 1, NULL, SAFEFILE_REPLACE, &e), INNX_EIO);
    assert_non_null(strstr(e.msg, "cannot rename"));
    assert_int_equal(count_files(fx->dir), 1);
    assert_int_equal(count_files(out), 1);
    snprintf(out, sizeof out, "%s/sub/keep", fx->dir);
    unlink(out);
    snprintf(out, sizeof out, "%s/sub", fx->dir);
    rmdir(out);

    /* SAFEFILE_NEW never replaces: the name is taken, the file stays, no
     * temporary is left; a free name is written */
    char taken[300];
    strcpy(taken, put(fx, "taken.csv", "a\n7\n", 0));
    assert_int_equal(dataset_write_csv(taken, names, 1, v, 1, NULL, SAFEFILE_NEW, &e), SAFEFILE_EEXIST);
    assert_non_null(strstr(e.msg, "exists"));
    assert_int_equal(count_files(fx->dir), 1);
    dataset *t = dataset_read_csv(taken, names, 1, 0, &e);
    assert_non_null(t);
    assert_true(t->v[0] == 7);
    dataset_free(t);
    snprintf(out, sizeof out, "%s/free.csv", fx->dir);
    assert_int_equal(dataset_write_csv(out, names, 1, v, 1, NULL, SAFEFILE_NEW, &e), 0);
    assert_int_equal(count_files(fx->dir), 2);
    unlink(out);
    unlink(taken);

    /* the disk fills up half way (a file size limit): the file there stays
     * as it was, and no temp file is left */
    const char *keep = "a\n42\n";
    char target[300];
    strcpy(target, put(fx, "target.csv", keep, 0));
    enum { R = 1000 };
    double *big = calloc(R, sizeof *big);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 512;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);   /* get EFBIG, not a signal */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = dataset_write_csv(target, names, 1, big, R, NULL, SAFEFILE_REPLACE, &e);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    free(big);
    assert_int_equal(rc, INNX_EIO);
    assert_non_null(strstr(e.msg, "write failed"));
    assert_int_equal(count_files(fx->dir), 1);
    FILE *f = fopen(target, "rb");
    char buf[64] = {0};
    assert_int_equal(fread(buf, 1, sizeof buf, f), strlen(keep));
    fclose(f);
    assert_string_equal(buf, keep);
}

static void test_write_protect(void **state)
{
    fixture *fx = *state;
    const char *csv = "a,b\n1,2\n";
    const char *in = put(fx, "in.csv", csv, 0);
    char inpath[300], other[300], link[300];
    strcpy(inpath, in);
    const char *names[] = {"a"};
    double v[] = {9};
    innx_err e;
    snprintf(other, sizeof other, "%s/./in.csv", fx->dir);
    assert_int_equal(dataset_write_csv(other, names, 1, v, 1, inpath, SAFEFILE_REPLACE, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "refusing to overwrite the input file"));
    snprintf(link, sizeof link, "%s/link.csv", fx->dir);
    assert_int_equal(symlink("in.csv", link), 0);
    assert_int_equal(dataset_write_csv(link, names, 1, v, 1, inpath, SAFEFILE_REPLACE, &e), INNX_EINVAL);
    assert_int_equal(dataset_write_csv(inpath, names, 1, v, 1, link, SAFEFILE_REPLACE, &e), INNX_EINVAL);
    /* the input is as it was, and nothing else appeared */
    FILE *f = fopen(inpath, "rb");
    char buf[64] = {0};
    assert_int_equal(fread(buf, 1, sizeof buf, f), strlen(csv));
    fclose(f);
    assert_string_equal(buf, csv);
    assert_int_equal(count_files(fx->dir), 2);
    /* another path is fine */
    snprintf(other, sizeof other, "%s/out.csv", fx->dir);
    assert_int_equal(dataset_write_csv(other, names, 1, v, 1, inpath, SAFEFILE_REPLACE, &e), 0);
}

/* The up-front check refuses what the write would, and writes nothing. */
static void test_check_writable(void **state)
{
    fixture *fx = *state;
    char in[300], out[300], missing[300];
    strcpy(in, put(fx, "in.csv", "a\n1\n", 0));
    snprintf(out, sizeof out, "%s/out.csv", fx->dir);
    snprintf(missing, sizeof missing, "%s/no/such/out.csv", fx->dir);
    innx_err e;
    assert_int_equal(dataset_check_writable(out, in, &e), 0);
    assert_int_equal(count_files(fx->dir), 1);
    assert_int_equal(dataset_check_writable(in, in, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "refusing to overwrite the input file"));
    assert_int_equal(dataset_check_writable(fx->dir, NULL, &e), INNX_EINVAL);
    assert_non_null(strstr(e.msg, "is a directory"));
    assert_int_equal(dataset_check_writable(missing, NULL, &e), INNX_EIO);
    assert_non_null(strstr(e.msg, "cannot write in"));
    assert_int_equal(dataset_check_writable("", NULL, &e), INNX_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_check_writable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ragged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_cell, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quotes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_bad_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locale, setup, teardown),
        cmocka_unit_test(test_split_names),
        cmocka_unit_test_setup_teardown(test_write_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_fails_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_protect, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
