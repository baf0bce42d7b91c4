/* safefile.h: how innx writes every file it makes (CSV, checkpoints,
 * metrics, exports): into a temporary file beside the name (mkstemp, so
 * nothing else is touched), flushed and fsync'd, then renamed over the
 * name or linked to it. After a crash there is the old file or the new
 * one, never a half one; a write that fails leaves no temporary behind.
 * The file gets the mode of the one it replaces, else 0666 less the umask. */
#ifndef INNX_SAFEFILE_H
#define INNX_SAFEFILE_H

#include <stdio.h>
#include <sys/types.h>

#include "innx/error.h"

#define SAFEFILE_EEXIST (-5)   /* safefile_commit(SAFEFILE_NEW): the name is taken */

enum {
    SAFEFILE_REPLACE = 0,      /* rename(): over a file of that name */
    SAFEFILE_NEW = 1           /* link(): never over a file, atomically */
};

typedef struct safefile {
    const char *path;          /* the name (the caller's string) */
    char *tmp;                 /* PATH.tmp.XXXXXX */
    FILE *f;                   /* write here */
    mode_t mode;
} safefile;

/* Create the temporary file for path; errors name path. */
int safefile_open(safefile *s, const char *path, innx_err *err);
/* Flush, fsync, give the mode, close, and put the file under its name
 * (flags: SAFEFILE_REPLACE or SAFEFILE_NEW). A stream error seen on the
 * way is a failed write. Frees s in every case. */
int safefile_commit(safefile *s, int flags, innx_err *err);
/* Drop the temporary file (a write the caller gave up); frees s. */
void safefile_abort(safefile *s);

#endif
