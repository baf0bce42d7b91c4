/* clock.h: one monotonic clock in seconds for every timer (steps/s, ms/step,
 * waits, frame pacing), so each place reads the same source. */
#ifndef INNX_CLOCK_H
#define INNX_CLOCK_H

/* Seconds from CLOCK_MONOTONIC (not wall time: it never jumps back). */
double clock_now(void);

#endif
