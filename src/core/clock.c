/* clock.c: the monotonic clock every timer in innx reads (clock.h);
 * one copy instead of one per module. */
#include <time.h>

#include "innx/clock.h"

double clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
