#!/bin/sh
# cli_sweep.sh: a sweep with GNU parallel (docs/benchmarks.md, "Sweeps"): two runs side
# by side, two JSON lines back, each carrying its own override and seed.
set -u
innx="${top_builddir:-.}/src/innx"
srcdir=${top_srcdir:-.}
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v parallel >/dev/null 2>&1; then
    echo "parallel not found"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/innx-sweep.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# 50 steps do not polish sinc's answer, so a run may exit 1 (its verdict);
# the job log says each one's status
parallel --will-cite -j2 --joblog "$tmp/jobs" "$innx" train "$srcdir/data/sinc.inn" --steps 50 \
    --set loss.box={} --json ::: 0.1 10 >"$tmp/out" 2>"$tmp/err"
awk 'NR > 1 && $7 > 1 { bad = 1 } END { exit bad }' "$tmp/jobs" || fail "a run failed: $(cat "$tmp/jobs" "$tmp/err")"
[ "$(wc -l <"$tmp/out")" -eq 2 ] || fail "want 2 lines: $(cat "$tmp/out")"
for v in 0.1 10; do
    line=$(grep -F "\"set\":[\"loss.box=$v\"]" "$tmp/out") || fail "no line with loss.box=$v: $(cat "$tmp/out")"
    [ "$(echo "$line" | wc -l)" -eq 1 ] || fail "loss.box=$v in more than one line"
    for k in '"problem":"sinc"' '"seed":0' '"overrides":{' '"steps":50' '"loss":'; do
        echo "$line" | grep -qF "$k" || fail "loss.box=$v: no $k in $line"
    done
    case $line in "{"*"}") ;; *) fail "not one JSON object: $line" ;; esac
done
# each line parses, where a JSON reader is at hand
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert sorted(r["overrides"]["set"][0] for r in rows) == ["loss.box=0.1", "loss.box=10"], rows
assert all(r["problem"] == "sinc" and r["seed"] == 0 for r in rows)' "$tmp/out" || fail "the lines do not parse as said"
fi
echo "cli_sweep: ok"
