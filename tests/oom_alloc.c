/* oom_alloc.c: malloc, calloc, realloc, free, posix_memalign, aligned_alloc
 * interposed in the test program; each forwards to the next one found. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oom_alloc.h"

/* Symbol interposition, not a wrapper macro nor -Wl,--wrap: the program's
 * own definitions win over libc's for every caller in the process, so GSL's
 * gsl_matrix_float_alloc, jansson, inih and libc itself (strdup, fopen,
 * open_memstream) fail too, though they were linked long before. The next
 * definition (dlsym RTLD_NEXT) is libc's, or ASan's interceptor under
 * --enable-sanitizers, which then still sees (and leak-checks) every block. */
/* Not instrumented (--enable-sanitizers): the dynamic loader calls this
 * malloc while ASan initialises its interceptors, before its shadow memory
 * exists, and an instrumented prologue faulted there. */
#if defined(__GNUC__) && (__GNUC__ >= 8 || defined(__clang__))
#define NO_SAN __attribute__((no_sanitize("address", "undefined")))
#else
#define NO_SAN
#endif

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static int (*next_posix_memalign)(void **, size_t, size_t);
static void *(*next_aligned_alloc)(size_t, size_t);

/* dlsym itself may allocate (glibc's dlerror buffer: a calloc) before the
 * next calloc is known: such requests are served from here, never freed. */
static alignas(max_align_t) unsigned char early[4096];
static size_t early_used;
static _Thread_local int resolving;

/* Only the thread that armed the counter counts and fails: the others'
 * allocations would make the Nth one depend on timing, and ASan starts
 * each new thread with pthread_getattr_np, which mallocs and aborts the
 * program (a CHECK) when that fails. */
static _Thread_local int owner;
static atomic_int armed;
static atomic_long target;       /* 0: nothing fails */
static atomic_int persist;
static atomic_long counted, failed, live, gsl_leaks;

NO_SAN static void *early_alloc(size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (n > sizeof early - early_used)
        return NULL;
    void *p = early + early_used;
    early_used += n;
    return p;   /* static storage: already zero, as calloc's must be */
}

NO_SAN static int is_early(const void *p)
{
    return (const unsigned char *)p >= early && (const unsigned char *)p < early + sizeof early;
}

NO_SAN static void resolve(void)
{
    resolving = 1;
    next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    next_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    next_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    resolving = 0;
    if (!next_malloc || !next_calloc || !next_realloc || !next_free)
        abort();   /* no allocator below this one: nothing can run */
}

/* Where an injected failure happened, to stderr (INNX_OOM_TRACE set):
 * addresses for addr2line -f -e tests/test_oom. backtrace() allocates the
 * first time (it loads libgcc_s): nothing fails meanwhile. */
static _Thread_local int tracing;
NO_SAN static void trace(void)
{
    static int on = -1;
    if (on < 0)
        on = getenv("INNX_OOM_TRACE") != NULL;
    if (!on || tracing)
        return;
    tracing = 1;
    void *pc[32];
    int n = backtrace(pc, 32);
    backtrace_symbols_fd(pc, n, 2);
    write(2, "--\n", 3);
    tracing = 0;
}

/* GSL 2.7's gsl_matrix_alloc and gsl_vector_alloc (every type) malloc
 * their struct, then call gsl_block_alloc, and return NULL without freeing
 * the struct when that fails: a leak inside libgsl that innx cannot free.
 * A failure injected into gsl_block_*alloc (the caller of this malloc) is
 * counted, so that the tests can tell that leak from one of innx's. */
NO_SAN static void note_gsl(void *caller)
{
    Dl_info info;
    if (dladdr(caller, &info) && info.dli_sname && !strncmp(info.dli_sname, "gsl_block", 9) &&
        strstr(info.dli_sname, "alloc"))
        atomic_fetch_add(&gsl_leaks, 1);
}

/* OpenBLAS 0.3.21 does not check its own allocations (its SkylakeX
 * small-matrix path crashed inside sgemm when one failed): like jansson's,
 * they are not failed. */
NO_SAN static int from_openblas(void *caller)
{
    Dl_info info;
    tracing = 1;   /* dladdr must not count (nor fail) */
    int yes = dladdr(caller, &info) && info.dli_fname && strstr(info.dli_fname, "openblas");
    tracing = 0;
    return yes;
}

/* Counts one allocation while armed; 1 if it is to fail. caller: the
 * address malloc returns to. */
NO_SAN static int inject(void *caller)
{
    if (!owner || !atomic_load(&armed) || tracing)
        return 0;
    if (from_openblas(caller))
        return 0;
    long c = atomic_fetch_add(&counted, 1) + 1, n = atomic_load(&target);
    if (n > 0 && (c == n || (c > n && atomic_load(&persist)))) {
        atomic_fetch_add(&failed, 1);
        tracing = 1;   /* dladdr must not count (nor fail) */
        note_gsl(caller);
        tracing = 0;
        trace();
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

NO_SAN static void *born(void *p)
{
    if (p)
        atomic_fetch_add(&live, 1);
    return p;
}

NO_SAN void *malloc(size_t n)
{
    if (resolving)
        return early_alloc(n);
    if (!next_malloc)
        resolve();
    return inject(__builtin_return_address(0)) ? NULL : born(next_malloc(n));
}

NO_SAN void *calloc(size_t m, size_t n)
{
    if (resolving)
        return n && m > SIZE_MAX / n ? NULL : early_alloc(m * n);
    if (!next_calloc)
        resolve();
    return inject(__builtin_return_address(0)) ? NULL : born(next_calloc(m, n));
}

NO_SAN void *realloc(void *p, size_t n)
{
    if (resolving || is_early(p))
        return NULL;   /* not needed while resolving; an early block never grows */
    if (!next_realloc)
        resolve();
    if (n > 0 && inject(__builtin_return_address(0)))
        return NULL;   /* p stays valid, as a real failure leaves it */
    void *q = next_realloc(p, n);
    /* realloc(p, 0) may free p and return NULL (glibc) or a new block (ASan) */
    if (!p && q)
        atomic_fetch_add(&live, 1);
    else if (p && !q && n == 0)
        atomic_fetch_sub(&live, 1);
    return q;
}

NO_SAN void free(void *p)
{
    if (!p || is_early(p))
        return;
    if (!next_free)
        resolve();
    atomic_fetch_sub(&live, 1);
    next_free(p);
}

NO_SAN int posix_memalign(void **out, size_t align, size_t n)
{
    if (!next_posix_memalign)
        resolve();
    if (inject(__builtin_return_address(0)))
        return ENOMEM;
    int st = next_posix_memalign(out, align, n);
    if (st == 0)
        born(*out);
    return st;
}

NO_SAN void *aligned_alloc(size_t align, size_t n)
{
    if (!next_aligned_alloc)
        resolve();
    return inject(__builtin_return_address(0)) ? NULL : born(next_aligned_alloc(align, n));
}

NO_SAN void oom_arm(long n, int persistent)
{
    atomic_store(&failed, 0);
    atomic_store(&counted, 0);
    atomic_store(&gsl_leaks, 0);
    atomic_store(&persist, persistent);
    atomic_store(&target, n);
    owner = 1;
    atomic_store(&armed, 1);
}

NO_SAN long oom_disarm(void)
{
    atomic_store(&armed, 0);
    owner = 0;
    atomic_store(&target, 0);
    return atomic_load(&failed);
}

NO_SAN long oom_count(void) { return atomic_load(&counted); }
NO_SAN long oom_live(void) { return atomic_load(&live); }
NO_SAN long oom_gsl_leaks(void) { return atomic_load(&gsl_leaks); }

NO_SAN int oom_installed(void)
{
    oom_arm(0, 0);
    /* volatile: the compiler may drop a malloc whose block is only freed */
    void *volatile p = malloc(16);
    free(p);
    oom_disarm();
    return oom_count() == 1;
}

/* Allocations no failure is injected into and no count sees, for a library
 * whose own out-of-memory paths are broken: jansson 2.14's lexer asserts
 * (load.c:442, lex_scan_string) when a string buffer's growth fails while
 * it reads a checkpoint's JSON header. innx's side of a failed parse is
 * still tested: every allocation of ours around it fails in turn. */
NO_SAN void *oom_exempt_malloc(size_t n)
{
    if (!next_malloc)
        resolve();
    return next_malloc(n);
}

NO_SAN void oom_exempt_free(void *p)
{
    if (!next_free)
        resolve();
    next_free(p);
}
