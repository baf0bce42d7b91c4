/* oom_alloc.h: the out-of-memory tests' allocator: malloc and friends of the
 * test program that forward to the next definition and fail on demand. */
#ifndef INNX_OOM_ALLOC_H
#define INNX_OOM_ALLOC_H

/* Counted: malloc, calloc, realloc (to a non-zero size), posix_memalign,
 * aligned_alloc, and through them what libc, GSL, jansson, inih... allocate
 * (glibc calls an interposed malloc from inside itself too). Under ASan its
 * interceptors (strdup, ...) allocate without malloc, so they are not. */

/* From now: the nth allocation (n >= 1) returns NULL with errno ENOMEM;
 * persistent, every allocation from the nth on does (SQLite's two modes).
 * Only the calling thread's allocations count and fail (oom_alloc.c). */
void oom_arm(long n, int persistent);
/* Stop failing; returns how many allocations failed since oom_arm (0: the
 * operation finished before the nth allocation). */
long oom_disarm(void);
/* Allocations counted between the last oom_arm and oom_disarm. */
long oom_count(void);
/* Blocks handed out and not yet freed, over the whole run: the same value
 * before and after an operation that frees what it made means no leak
 * (a leak check that works without ASan). */
long oom_live(void);
/* Blocks libgsl itself leaked since oom_arm: a failure injected into
 * gsl_block_alloc leaks the gsl_matrix/gsl_vector struct its caller
 * allocated (GSL 2.7; see oom_alloc.c). */
long oom_gsl_leaks(void);
/* Whether this program's malloc is the one in use (interposition works).
 * INNX_OOM_TRACE=1 in the environment prints a backtrace of every injected
 * failure to stderr. */
int oom_installed(void);

#endif
