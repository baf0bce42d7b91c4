/* error.c: fills an innx_err with a formatted message.
 * Kept separate so every module can report without pulling in stdio elsewhere. */
#include <stdarg.h>
#include <stdio.h>

#include "innx/error.h"

int innx_errf(innx_err *e, int status, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}
