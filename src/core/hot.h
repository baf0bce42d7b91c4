/* hot.h: HOT marks an element-wise loop that gets an AVX2+FMA clone picked
 * at load time; the default clone keeps the binary portable. Not under
 * gcc's ThreadSanitizer: it instruments the clones' resolvers, which the
 * loader runs before TSan has started (a crash before main). Private to
 * src/core. */
#ifndef INNX_HOT_H
#define INNX_HOT_H

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
#define HOT __attribute__((target_clones("avx2", "default")))
#else
#define HOT
#endif

#endif
