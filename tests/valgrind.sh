#!/bin/sh
# valgrind.sh: runs short innx commands (train, roots, checkpoints: --save,
# --resume, query) under valgrind memcheck; any memory
# error or definite/indirect leak fails (make check-valgrind; not in make check).
# Usage: tests/valgrind.sh   (top_builddir / top_srcdir from the environment,
# else the current directory). Exit 77 (skip) when valgrind is not installed.
#   VALGRIND  the valgrind command (default valgrind)
set -u
vgbin=${VALGRIND:-valgrind}
if ! command -v "$vgbin" >/dev/null 2>&1; then
    echo "valgrind not found"
    exit 77
fi
bd=${top_builddir:-.}
sd=${top_srcdir:-.}
innx=$bd/src/innx
[ -x "$innx" ] || { echo "valgrind.sh: no $innx (build first)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/innx-vg.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# OpenBLAS picks its kernels from cpuid, which valgrind answers for the CPU
# it emulates; its own threads are off (the graph owns the threading).
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS

fails=0
run() {
    name=$1
    shift
    start=$(date +%s)
    "$vgbin" -q --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        --suppressions="$sd/tests/valgrind.supp" --num-callers=30 \
        --log-file="$tmp/$name.vg" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
    secs=$(( $(date +%s) - start ))
    # memcheck writes every error it reports into the log; exit 1 with an
    # empty log is the run's own verdict (a short run may not polish its
    # answer), anything else (2, a signal) fails
    if [ "$rc" -le 1 ] && [ ! -s "$tmp/$name.vg" ]; then
        echo "valgrind: ok   $name (exit $rc, ${secs} s)"
    else
        echo "valgrind: FAIL $name (exit $rc, ${secs} s): $*"
        cat "$tmp/$name.vg"
        tail -n 5 "$tmp/$name.err"
        fails=$((fails + 1))
    fi
}

# Memcheck runs OpenBLAS's sgemm kernels some 1000x slower than natively
# (sinc's 128-wide layers: ~4 s a step at 1024 rows), and its threads take
# turns on one lock while the graph pool's workers spin for the next job
# (~0.4 ms, DESIGN.md), which crawls: so sinc runs its 200 steps on a
# 32-wide net, a 256-row batch and one thread (the same ops, graph, trainer
# and session code), and the pool is checked on a short run of its own
# (1024 rows: the threaded size).
run train-sinc "$innx" train sinc --steps 200 --threads 1 --model mlp:1-32-32-1/tanh \
    --set inverse.batch_n=256 --json --quiet --metrics "$tmp/sinc.csv"
run train-sinc-pool "$innx" train sinc --steps 10 --threads 2 --model mlp:1-32-32-1/tanh \
    --set inverse.batch_n=1024 --json --quiet
run roots "$innx" roots 'sin(x) - 0.3*log(x + 1) + 0.1*exp(-x/3) + 0.2*sqrt(x) - 0.5' \
    --domain 0:20 --json
run train-three-roots "$innx" train three-roots --steps 200 --json --quiet \
    --metrics "$tmp/three-roots.csv"
# checkpoints: save at a stop, resume to the end (with --metrics), query
run train-save "$innx" train three-roots --steps 60 --stop-after 30 --save "$tmp/c.st" --json --quiet
run train-resume "$innx" train --resume "$tmp/c.st" --json --quiet --metrics "$tmp/resumed.csv"
run query "$innx" query "$tmp/c.st" --y 0,0.2 --json
# bad input must not leak either (exit 2 is expected: run() sees rc 2)
"$vgbin" -q --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --suppressions="$sd/tests/valgrind.supp" \
    --log-file="$tmp/bad-set.vg" "$innx" train sinc --steps 5 --set loss.nosuch=1 \
    >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ ! -s "$tmp/bad-set.vg" ]; then
    echo "valgrind: ok   bad-set (exit 2)"
else
    echo "valgrind: FAIL bad-set (exit $rc, want 2)"
    cat "$tmp/bad-set.vg"
    fails=$((fails + 1))
fi

echo "valgrind: $fails failed"
[ "$fails" -eq 0 ]
