/* fuzz_csv.c: libFuzzer target for the CSV loader: any bytes either load as
 * a table or give an error placed at PATH:LINE:COL; nothing crashes or leaks.
 * dataset_read_csv reads a path, so each input goes to a memfd read through
 * /proc/self/fd. The first byte picks the columns asked for and the mode. */
#define _GNU_SOURCE
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "innx/dataset.h"

static const char *const pool[] = {"x", "y", "a", "b", "age", "education", "income", "spend"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    data++, size--;
    int fd = memfd_create("fuzz_csv", 0);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    /* bits 0-1: 1-4 columns; bits 2-4: the first one in the pool; bit 5:
     * a repeated name; bit 6: drop bad rows */
    const char *names[4];
    size_t n = (sel & 3) + 1;
    for (size_t i = 0; i < n; i++)
        names[i] = pool[(((sel >> 2) & 7) + i) % 8];
    if ((sel & 0x20) && n > 1)
        names[n - 1] = names[0];
    innx_err err;
    dataset *d = dataset_read_csv(path, names, n, (sel >> 6) & 1, &err);
    if (d) {
        if (d->cols != n || !d->rows)
            abort();
        for (size_t i = 0; i < d->rows * d->cols; i++)
            if (!isfinite(d->v[i]))
                abort();
        dataset_free(d);
    } else if (strncmp(err.msg, path, strlen(path)) != 0 || err.msg[strlen(path)] != ':') {
        abort();   /* every error starts PATH:LINE:COL */
    }
    close(fd);
    return 0;
}
