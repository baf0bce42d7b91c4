/* dataset.h: numeric tables from CSV (libcsv) and back. Columns are chosen by
 * header name; every error names the file, line and column. */
#ifndef INNX_DATASET_H
#define INNX_DATASET_H

#include <stddef.h>

#include "innx/error.h"
#include "innx/safefile.h"

typedef struct dataset {
    size_t rows, cols;
    double *v;          /* rows x cols, row-major, in the order asked for */
    char **names;       /* cols column names */
    size_t dropped;     /* rows skipped by drop_bad_rows */
    size_t first_bad_line; /* line of the first dropped row (0 = none) */
} dataset;

/* Read the n columns named in names (in that order) from the CSV file at
 * path. The first record is the header; a UTF-8 BOM, quoted fields, CRLF or
 * LF line ends and blank lines are accepted. Errors (INNX_EINVAL, or
 * INNX_EIO when the file cannot be read), each message starting
 * "PATH:LINE:COL: " (LINE and COL 1-based; COL counts fields):
 *   - the file is empty, or has a header but no data rows;
 *   - a name asked for is not in the header (the message lists the header);
 *   - a header name is repeated or empty where it is asked for;
 *   - a row has a different number of fields from the header (ragged);
 *   - a cell asked for is empty or not a number ("abc", "1.2.3", "12kg");
 *   - a cell is NaN or +-Inf — with drop_bad_rows the row is skipped instead
 *     and counted in dropped (non-numeric cells too; ragged rows never);
 *   - the file is not CSV text (a NUL byte, or invalid UTF-8 in the header).
 * Returns NULL on error with err filled. */
dataset *dataset_read_csv(const char *path, const char *const *names, size_t n,
                          int drop_bad_rows, innx_err *err);
void dataset_free(dataset *d);
/* A table by its source: a CSV's path, or "" for the built-in table (the
 * article's synthetic customers, = data/spend.csv), read alike. */
dataset *dataset_open(const char *source, const char *const *names, size_t n, int drop_bad_rows,
                      innx_err *err);

/* Split a comma-separated list "age,education,income" into *n names
 * (malloc'd array of malloc'd strings, free with dataset_free_names).
 * Empty items, empty list: INNX_EINVAL. */
int dataset_split_names(const char *list, char ***names, size_t *n, innx_err *err);
void dataset_free_names(char **names, size_t n);

/* Write a table as CSV: header of cols names (quoted by libcsv where
 * needed), then rows of v (row-major) with %.10g, through safefile (a
 * failed write never leaves a half file): flags SAFEFILE_REPLACE, or
 * SAFEFILE_NEW to return SAFEFILE_EEXIST rather than replace a file.
 * Refuses (EINVAL) when path is the same file as protect (the input, may
 * be NULL). */
int dataset_write_csv(const char *path, const char *const *names, size_t cols,
                      const double *v, size_t rows, const char *protect, int flags, innx_err *err);

/* What dataset_write_csv would refuse, checked before any work: path is
 * the protected input, a directory, or in a directory that cannot be
 * written. 0 when a write may go ahead. */
int dataset_check_writable(const char *path, const char *protect, innx_err *err);

#endif
