#!/bin/sh
# cli_sinc_kan.sh: the KAN sinc case as a user runs it: the article's figures
# (raw residual <= 2e-6 within 2500 steps, polished <= 1e-12), the range run.
set -u
innx="${top_builddir:-.}/src/innx"
fail() { echo "FAIL: $*" >&2; exit 1; }

json=$("$innx" train sinc-kan --json) || fail "train sinc-kan --json exited $?"
for k in steps seconds x_raw residual_raw x_polished residual_polished; do
    echo "$json" | grep -q "\"$k\":" || fail "--json lacks $k: $json"
done
# the figures, read with awk (no jq on the CI image)
echo "$json" | awk -v RS=, -F: '
    $1 ~ /"steps"/ && $2 + 0 > 2500 { bad = 1 }
    $1 ~ /"residual_raw"/ && $2 + 0 > 2e-6 { bad = 1 }
    $1 ~ /"residual_polished"/ && $2 + 0 > 1e-12 { bad = 1 }
    END { exit bad }' || fail "figures off: $json"

json=$("$innx" train sinc-kan --range --steps 40 --json) || fail "train sinc-kan --range exited $?"
for k in kan_max_residual mlp_max_residual kan_y_at_max; do
    echo "$json" | grep -q "\"$k\":" || fail "--range --json lacks $k: $json"
done
"$innx" train sinc-kan --model kan:2-4-1 2>/dev/null; [ $? -eq 2 ] || fail "bad model must exit 2"
echo "cli_sinc_kan: ok"
