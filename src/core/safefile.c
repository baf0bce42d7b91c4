/* safefile.c: write beside, fsync, then rename or link (see safefile.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "innx/safefile.h"

int safefile_open(safefile *s, const char *path, innx_err *err)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    size_t len = strlen(path);
    if (!(s->tmp = malloc(len + sizeof ".tmp.XXXXXX")))
        return innx_errf(err, INNX_ENOMEM, "%s: out of memory", path);
    memcpy(s->tmp, path, len);
    memcpy(s->tmp + len, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    /* beside path: rename() and link() are atomic there and never copy */
    int fd = mkstemp(s->tmp);
    if (fd < 0) {
        int e = errno;
        free(s->tmp);
        s->tmp = NULL;
        return innx_errf(err, INNX_EIO, "%s: cannot create a temporary file: %s", path, strerror(e));
    }
    /* mkstemp makes 0600: the new file gets the mode of the one it
     * replaces, or what open() would give (0666 less the umask) */
    struct stat st;
    if (stat(path, &st) == 0) {
        s->mode = st.st_mode & 07777;
    } else {
        mode_t um = umask(077);
        umask(um);
        s->mode = 0666 & ~um;
    }
    if (!(s->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        safefile_abort(s);
        return innx_errf(err, INNX_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    return 0;
}

int safefile_commit(safefile *s, int flags, innx_err *err)
{
    const char *what = NULL;
    int e = 0, fd = fileno(s->f);
    /* fsync before the name changes: after a crash, the old file or the
     * new one, never an empty one under the name */
    if (ferror(s->f) || fflush(s->f) != 0 || fsync(fd) != 0)
        what = "write failed", e = errno ? errno : EIO;
    else if (fchmod(fd, s->mode) != 0)
        what = "cannot set the mode of the temporary file", e = errno;
    if (fclose(s->f) != 0 && !what)
        what = "write failed", e = errno;
    s->f = NULL;
    int status = 0;
    if (!what && flags == SAFEFILE_NEW) {
        /* link() fails if the name was taken since it was chosen */
        if (link(s->tmp, s->path) != 0) {
            e = errno;
            if (e == EEXIST)
                status = innx_errf(err, SAFEFILE_EEXIST, "%s: exists", s->path);
            else
                what = "cannot link the temporary file into place";
        }
    } else if (!what && rename(s->tmp, s->path) != 0) {
        what = "cannot rename the temporary file into place", e = errno;
    }
    if (what)
        status = innx_errf(err, INNX_EIO, "%s: %s: %s", s->path, what, strerror(e));
    if (status != 0 || flags == SAFEFILE_NEW)
        unlink(s->tmp);   /* after link() the name holds the file */
    free(s->tmp);
    s->tmp = NULL;
    return status;
}

void safefile_abort(safefile *s)
{
    if (s->f)
        fclose(s->f);
    if (s->tmp)
        unlink(s->tmp);
    free(s->tmp);
    s->f = NULL;
    s->tmp = NULL;
}
