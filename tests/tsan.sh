#!/bin/sh
# tsan.sh: builds tests/test_session with ThreadSanitizer in a build dir of
# its own and runs it. Usage: tests/tsan.sh [SRCDIR]  (make check-tsan)
#   TSAN_CC       compiler (default clang; gcc works where its TSan starts)
#   TSAN_BUILDDIR build dir (default a fresh temp dir, removed when clean)
#   INNX_SESSION_CMDS commands per sender in the storm tests (default 1500)
#   TSAN_NO_CLONES=1  drop the target_clones of graph.c / kan.c in the copy
#                 (needed by gcc: see below)
# gcc (12) instruments the target_clones ifunc resolvers, which the loader
# runs while relocating, before the TSan runtime is up: the binary dies
# with SIGSEGV before main (act_bwd[resolver], graph.c). clang builds no
# clones. With gcc, set TSAN_NO_CLONES=1.
# If a plain run dies at start (TSan's fixed shadow layout against the
# kernel's address randomisation), it runs again under setarch -R.
# Exit 0 only if the test passed and TSan reported nothing.
set -u
src=$(cd "${1:-$(dirname "$0")/..}" && pwd)
cc=${TSAN_CC:-clang}
[ -n "$cc" ] || cc=clang
bd=${TSAN_BUILDDIR:-$(mktemp -d "${TMPDIR:-/tmp}/innx-tsan.XXXXXX")}
mkdir -p "$bd" || exit 1
log="$bd/tsan.log"
echo "tsan: $cc ($($cc --version 2>&1 | head -1)), build dir $bd"
# A copy of the sources: a tree configured in place refuses a VPATH build.
rm -rf "$bd/src-copy"
mkdir -p "$bd/src-copy" && (cd "$src" && tar cf - --exclude=.git --exclude='*.o' --exclude='*.a' .) |
    (cd "$bd/src-copy" && tar xf -) || exit 1
cd "$bd/src-copy" || exit 1
if [ -f config.status ]; then make distclean >/dev/null 2>&1 || rm -f config.status; fi
if [ "${TSAN_NO_CLONES:-0}" = 1 ]; then
    sed -i 's/defined(__x86_64__) && !defined(__clang__)/& \&\& !defined(__SANITIZE_THREAD__)/' \
        src/core/graph.c src/core/kan.c || exit 1
    echo "tsan: target_clones off in the copy (graph.c, kan.c)"
fi
[ -x configure ] || autoreconf -fi >autoreconf.log 2>&1 || { echo "tsan: autoreconf failed"; exit 1; }
./configure -q --enable-tsan CC="$cc" >"$bd/configure.log" 2>&1 ||
    { echo "tsan: configure failed, see $bd/configure.log ($bd/src-copy/config.log)"; exit 1; }
make -j2 tests/test_session >"$bd/make.log" 2>&1 ||
    { echo "tsan: build failed, see $bd/make.log"; tail -20 "$bd/make.log"; exit 1; }
bin="$bd/src-copy/tests/test_session"
grep -q -e '-fsanitize=thread' Makefile || { echo "tsan: -fsanitize=thread not in the build"; exit 1; }

export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0 second_deadlock_stack=1}"
how="plain"
"$bin" >"$log" 2>&1
rc=$?
# Died before cmocka's first line: a start failure (e.g. TSan's shadow
# mapping against the address randomisation): again with setarch -R.
if [ $rc -ne 0 ] && ! grep -q "^\[==========\]" "$log"; then
    echo "tsan: a plain run died at start (exit $rc):"
    head -5 "$log"
    how="setarch $(uname -m) -R"
    setarch "$(uname -m)" -R "$bin" >"$log" 2>&1
    rc=$?
fi
races=$(grep -c "WARNING: ThreadSanitizer" "$log")
summary=$(grep -E "^\[  (PASSED|FAILED)  \]" "$log" | tr '\n' ' ')
echo "tsan: ran $bin ($how): exit $rc, $races TSan report(s); $summary"
if [ "$races" -gt 0 ]; then
    grep -A30 "WARNING: ThreadSanitizer" "$log" | head -120
fi
grep -E "commands in|quit at" "$log"
echo "tsan: full log $log"
if [ $rc -ne 0 ] && ! grep -q "^\[==========\]" "$log"; then
    echo "tsan: it dies before main; with gcc that is the instrumented target_clones resolvers: TSAN_NO_CLONES=1 or TSAN_CC=clang"
fi
if [ $rc -eq 0 ] && [ "$races" -eq 0 ]; then
    [ -n "${TSAN_BUILDDIR:-}" ] || rm -rf "$bd"
    exit 0
fi
exit 1
