/* error.h: status codes and the error text every fallible function fills.
 * Functions return 0 or a negative INNX_E* status; the caller prints e->msg. */
#ifndef INNX_ERROR_H
#define INNX_ERROR_H

#include <stddef.h>

enum {
    INNX_OK = 0,
    INNX_EFAIL = -1,  /* failure while running (diverged, no convergence) */
    INNX_EINVAL = -2, /* bad input: formula, spec, file, option */
    INNX_ENOMEM = -3, /* allocation failed */
    INNX_EIO = -4     /* read or write failed */
};

typedef struct innx_err {
    char msg[1024];
} innx_err;

/* Format into e (if non-NULL) and return status, so callers can write
 * `return innx_errf(e, INNX_EINVAL, "spec: unknown activation '%s'", s);` */
int innx_errf(innx_err *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
