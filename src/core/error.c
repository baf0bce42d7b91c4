/* error.c: fills an innx_err with a formatted message.
 * Kept separate so every module can report without pulling in stdio elsewhere. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "innx/error.h"

/* Formatted into a scratch buffer first: a caller that prefixes the
 * message it got (`innx_errf(err, st, "where: %s", err->msg)`) passes the
 * buffer being written as an argument, which vsnprintf may not read
 * (glibc printed "where: where: wh"). */
int innx_errf(innx_err *e, int status, const char *fmt, ...)
{
    if (e) {
        char buf[sizeof e->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        memcpy(e->msg, buf, sizeof buf);
    }
    return status;
}
