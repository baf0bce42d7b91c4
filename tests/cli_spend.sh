#!/bin/sh
# cli_spend.sh: `innx train spend`, `innx bench spend` and `innx gen-spend`
# as a user runs them: JSON keys, --data on a CSV, --out writing through a
# temporary file, and bad input named by file, line and column.
set -u
innx="${top_builddir:-.}/src/innx"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT

# gen-spend: the first rows of the shipped table, then a small file.
"$innx" gen-spend --rows 5 > "$tmp/five.csv" || fail "gen-spend exited $?"
[ "$(wc -l < "$tmp/five.csv")" -eq 6 ] || fail "gen-spend rows: $(cat "$tmp/five.csv")"
head -n 1 "$tmp/five.csv" | grep -qx 'age,education,income,spend' || fail "header: $(head -n 1 "$tmp/five.csv")"
"$innx" gen-spend --rows 600 --seed 3 --out "$tmp/small.csv" --quiet || fail "gen-spend --out exited $?"
[ "$(wc -l < "$tmp/small.csv")" -eq 601 ] || fail "gen-spend --out rows"

# A short train on the built-in table: every documented key, sane values.
json=$("$innx" train spend --steps 150 --json) || fail "train spend exited $?"
for k in r2 inverse_rmse cycle_rmse segments_predicted segments_real steps_forward steps_inverse \
         seconds ms_per_step_forward ms_per_step_inverse segment_match pca_explained; do
    echo "$json" | grep -q "\"$k\":" || fail "no key $k: $json"
done
echo "$json" | grep -q '"steps_forward":150,"steps_inverse":300' || fail "steps: $json"
r2=$(echo "$json" | sed 's/.*"r2":\([-0-9.e]*\).*/\1/')
awk -v v="$r2" 'BEGIN { exit !(v > 0.5 && v < 1) }' || fail "r2 $r2 after 150 steps"

# --data with other column names, and --out with both trait sets.
sed '1s/.*/a,b,c,target/' "$tmp/small.csv" > "$tmp/renamed.csv"
"$innx" train spend --data "$tmp/renamed.csv" --x a,b,c --y target --steps 50 --quiet \
    --out "$tmp/traits.csv" > "$tmp/report.txt" || fail "train --data exited $?"
head -n 1 "$tmp/traits.csv" | grep -qx 'target,a_pred,b_pred,c_pred,segment_pred,a,b,c,segment_real' \
    || fail "--out header: $(head -n 1 "$tmp/traits.csv")"
[ "$(wc -l < "$tmp/traits.csv")" -eq 121 ] || fail "--out rows: $(wc -l < "$tmp/traits.csv")"
ls "$tmp" | grep -q tmp && fail "a temporary file was left: $(ls "$tmp")"

# --out never over the input.
cp "$tmp/small.csv" "$tmp/keep.csv"
"$innx" train spend --data "$tmp/small.csv" --steps 20 --quiet --out "$tmp/small.csv" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "--out over --data must exit 2 (before training), not $rc"
grep -q "refusing to overwrite the input file" "$tmp/err" || fail "message: $(cat "$tmp/err")"
"$innx" train spend --steps 20 --quiet --out "$tmp/no/such/dir.csv" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "--out in a missing directory must exit 2, not $rc"
cmp -s "$tmp/small.csv" "$tmp/keep.csv" || fail "--data file was changed"

# Bad input: exit 2, file:line:col, nothing written.
printf 'age,education,income,spend\n30,2,40000,200\n31,3,abc,210\n' > "$tmp/bad.csv"
for i in $(seq 20); do echo "40,4,60000,250" >> "$tmp/bad.csv"; done
"$innx" train spend --data "$tmp/bad.csv" --out "$tmp/never.csv" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "non-numeric cell exit $rc"
grep -q "bad.csv:3:3:" "$tmp/err" || fail "message: $(cat "$tmp/err")"
[ -e "$tmp/never.csv" ] && fail "--out written despite the error"
printf 'age,education,income\n30,2,40000\n' > "$tmp/nospend.csv"
"$innx" train spend --data "$tmp/nospend.csv" 2>"$tmp/err"; [ $? -eq 2 ] || fail "missing column exit"
grep -q "spend" "$tmp/err" || fail "missing column message: $(cat "$tmp/err")"
"$innx" train spend --x a,b 2>/dev/null; [ $? -eq 2 ] || fail "--x without --data must exit 2"
{ cat "$tmp/small.csv"; echo "44,nan,50000,250"; echo "45,5,inf,260"; } > "$tmp/nan.csv"
"$innx" train spend --data "$tmp/nan.csv" --steps 5 2>"$tmp/err" >/dev/null; rc=$?
[ $rc -eq 2 ] || fail "NaN must be refused without --drop-bad-rows (exit $rc)"
grep -q "nan.csv:602:2:" "$tmp/err" || fail "NaN message: $(cat "$tmp/err")"
out=$("$innx" train spend --data "$tmp/nan.csv" --drop-bad-rows --steps 5) || fail "--drop-bad-rows exited $?"
echo "$out" | grep -q "600 rows (2 bad rows dropped)" || fail "dropped count: $out"
"$innx" train spend --data "$tmp/nope.csv" 2>"$tmp/err"; [ $? -eq 2 ] || fail "missing file exit"
grep -q "nope.csv" "$tmp/err" || fail "missing file message: $(cat "$tmp/err")"

# bench: both timings.
json=$("$innx" bench spend --repeats 5 --json) || fail "bench spend exited $?"
echo "$json" | grep -q '"ms_per_step_forward":' || fail "bench json: $json"
echo "$json" | grep -q '"ms_per_step_inverse":' || fail "bench json: $json"
echo "cli_spend: ok"
