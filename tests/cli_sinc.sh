#!/bin/sh
# cli_sinc.sh: the headless front end as a user runs it: a short sinc run in
# text and JSON, the bench, and the exit codes for bad input.
set -u
innx="${top_builddir:-.}/src/innx"
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$innx" train sinc --steps 500 --quiet) || fail "train sinc exited $?"
echo "$out" | grep -q "x\* (Newton, double)= 0.551910978" || fail "no polished root in: $out"

json=$("$innx" train sinc --steps 500 --json) || fail "train sinc --json exited $?"
for k in steps seconds loss answer_step rollbacks x_raw residual_raw x_polished residual_polished; do
    echo "$json" | grep -q "\"$k\":" || fail "--json lacks $k: $json"
done
echo "$json" | grep -q '"steps":500' || fail "steps not 500: $json"

# the schedule is shown, and --constant-lr drops it
out=$("$innx" train sinc --steps 20 2>&1 | head -n 1)
echo "$out" | grep -q "Adam lr 0.002 (x0.5 at steps 10 and 15), 20 steps" || fail "no schedule in: $out"
out=$("$innx" train sinc --steps 20 --constant-lr 2>&1 | head -n 1)
echo "$out" | grep -q "Adam lr 0.002, 20 steps" || fail "--constant-lr still decays: $out"

json=$("$innx" bench sinc --repeats 5 --json) || fail "bench sinc exited $?"
for k in workload steps ms_per_step gflops; do
    echo "$json" | grep -q "\"$k\":" || fail "bench --json lacks $k: $json"
done

"$innx" train sinc --steps nope 2>err.$$; rc=$?
grep -q "innx: train sinc: --steps: 'nope'" err.$$ || fail "bad --steps message: $(cat err.$$)"
rm -f err.$$
[ $rc -eq 2 ] || fail "bad --steps exit $rc, want 2"
"$innx" train nosuchcase 2>/dev/null; [ $? -eq 2 ] || fail "unknown case must exit 2"
"$innx" train sinc --model mlp:2-4-1 2>/dev/null; [ $? -eq 2 ] || fail "bad model must exit 2"
"$innx" frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown command must exit 2"
"$innx" --help | grep -q "train PROBLEM" || fail "--help lacks train"
echo "cli_sinc: ok"
