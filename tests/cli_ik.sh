#!/bin/sh
# cli_ik.sh: the arm's recipe still learns in a short run: 300 of its steps
# (its lr schedule and weight average scale with --steps) bring the raw
# re-simulation error at y* = (1.5, 0) from the prior's (~1.2) to ~0.13.
# The full recipe's figures (resim 0.0057, C2ST 0.52) are measured by hand (see
# DESIGN.md, docs/benchmarks.md); too long for make check.
set -u
innx="${top_builddir:-.}/src/innx"
fail() { echo "FAIL: $*" >&2; exit 1; }

json=$("$innx" train ik --y 1.5,0 --steps 300 --samples 1000 --json) || fail "ik exited $?"
resim=$(echo "$json" | grep -o '"resim_raw":[-0-9.e]*' | cut -d: -f2)
[ -n "$resim" ] || fail "no resim_raw: $json"
awk -v r="$resim" 'BEGIN { exit !(r < 0.2) }' || fail "ik: resim_raw $resim after 300 steps (want < 0.2; 0.130 when written)"
echo "$json" | grep -q '"certified":1000' || fail "ik: not every sample certified: $json"

# the answers are importance-resampled from more of the flow's samples
# (ess is the weights' effective size, never more than the proposals);
# resample = 0 answers with the flow's own
num() { echo "$1" | grep -o "\"$2\":[-0-9.e]*" | cut -d: -f2; }
prop=$(num "$json" proposals) ess=$(num "$json" ess)
[ -n "$prop" ] && [ -n "$ess" ] || fail "no proposals or ess: $json"
awk -v p="$prop" -v e="$ess" 'BEGIN { exit !(p > 1000 && p <= 32000 && e > 100 && e <= p) }' ||
    fail "ik: $prop proposals, effective size $ess (want 1000 < proposals <= 32000, 100 < ess <= proposals)"
json0=$("$innx" train ik --y 1.5,0 --steps 300 --samples 1000 --set problem.resample=0 --json) || fail "resample=0 exited $?"
[ "$(num "$json0" proposals)" = 1000 ] || fail "resample = 0 drew more than the answers: $json0"
[ "$(num "$json0" resim_raw)" = "$resim" ] || fail "resim_raw is the flow's own either way: $resim against $json0"
