#!/bin/sh
# cli_ik.sh: the arm's recipe still learns in a short run: 300 of its steps
# (its lr schedule and weight average scale with --steps) bring the raw
# re-simulation error at y* = (1.5, 0) from the prior's (~1.2) to ~0.13.
# The full recipe's figures (resim 0.009, C2ST) are measured by hand (see
# DESIGN.md); too long for make check.
set -u
innx="${top_builddir:-.}/src/innx"
fail() { echo "FAIL: $*" >&2; exit 1; }

json=$("$innx" train ik --y 1.5,0 --steps 300 --samples 1000 --json) || fail "ik exited $?"
resim=$(echo "$json" | grep -o '"resim_raw":[-0-9.e]*' | cut -d: -f2)
[ -n "$resim" ] || fail "no resim_raw: $json"
awk -v r="$resim" 'BEGIN { exit !(r < 0.2) }' || fail "ik: resim_raw $resim after 300 steps (want < 0.2; 0.130 when written)"
echo "$json" | grep -q '"certified":1000' || fail "ik: not every sample certified: $json"
