#!/bin/sh
# cli_problems.sh: the built-in problems as a user meets them: the list, each
# one's settings (equal to the shipped data/NAME.inn), --set, and the
# three-roots report with its figures.
set -u
innx="${top_builddir:-.}/src/innx"
src="${top_srcdir:-.}"
fail() { echo "FAIL: $*" >&2; exit 1; }

list=$("$innx" problems) || fail "problems exited $?"
[ "$(echo "$list" | wc -l)" -eq 8 ] || fail "want 8 problems: $list"
for n in three-roots sinc sinc-kan spend xsin ik two-moons square; do
    echo "$list" | grep -q "^$n " || fail "$n not listed: $list"
    "$innx" problems --show "$n" | cmp -s - "$src/data/$n.inn" || fail "--show $n differs from data/$n.inn"
done
"$innx" problems --show nope 2>/dev/null; [ $? -eq 2 ] || fail "unknown problem must exit 2"
# the vector built-ins as files: --show ik parses back and runs as ik (its
# system and prior in their sections), and a file's system fault names
# the file's line
"$innx" problems --show ik > ik.$$.inn || fail "--show ik exited $?"
grep -q '^y2 = x1 + 0.5\*sin(x2) + 0.5\*sin(a2) + sin(a3)$' ik.$$.inn || fail "--show ik: no y2 line: $(cat ik.$$.inn)"
grep -q '^x3 = normal(0, 0.5)$' ik.$$.inn || fail "--show ik: no prior for x3: $(cat ik.$$.inn)"
json=$("$innx" train ik.$$.inn --steps 1 --samples 5 --json) || fail "train --show ik's file exited $?"
echo "$json" | grep -q '"problem":"ik","model":"flow:6-64".*"x_dim":4,"y_dim":2,"simulator":false,"nn1":false,"y_star":\[1.5,0.0\]' ||
    fail "--show ik's file: $json"
printf '[problem]\nbase = ik\n[forward]\ny1 = x1\ny2 = x2\ny4 = x4\n' > ik.$$.inn
"$innx" train ik.$$.inn 2>err.$$; rc=$?
[ $rc -eq 2 ] && grep -q "^innx: train: ik.$$.inn:6: y4: y3 is missing" err.$$ || fail "y3 missing: $rc $(cat err.$$)"
"$innx" train ik --set prior.x5=normal\(0,1\) 2>err.$$; rc=$?
[ $rc -eq 2 ] && grep -q "prior.x5: given, but x_dim is 4" err.$$ || fail "prior past x_dim: $rc $(cat err.$$)"
rm -f ik.$$.inn err.$$
# --show points to where the format is documented, and that section exists
"$innx" problems --show sinc | head -n 1 | grep -q "the format: man innx, PROBLEM FILES" ||
    fail "--show's first line: $("$innx" problems --show sinc | head -n 1)"
grep -q '^\.SH PROBLEM FILES$' "$src/man/innx.1" || fail "man innx has no PROBLEM FILES section"

# the article's latent case: three clusters, each polished to its root
json=$("$innx" train three-roots --json) || fail "train three-roots exited $?"
for k in roots clusters top5 mae rmse loss steps stopped_early seconds residual_raw bracketed ci_lo ci_hi; do
    echo "$json" | grep -q "\"$k\":" || fail "--json lacks $k: $json"
done
for r in 0.39702861 2.59522633 6.90769652; do
    echo "$json" | grep -q "\"x\":$r" || fail "root $r missing: $json"
done
echo "$json" | grep -q '"stopped_early":true' || fail "no early stop: $json"
out=$("$innx" train three-roots) || fail "text report exited $?"
echo "$out" | grep -q "roots of f(x) = 0 (.*): 0.3970286 2.5952263 6.9076965$" || fail "text roots: $out"
echo "$out" | grep -q "the classical scan finds 3; the network led to 3 of them" || fail "recall line: $out"
# one raw residual per root: the text's raw res is the JSON's residual_raw
pairs=$(echo "$json" | grep -o '"x":[^,]*,"residual":[^,]*,"residual_raw":[^,]*' |
    awk -F'[:,]' '{ printf "%.10f %.2e\n", $2, $6 }')
[ "$(echo "$pairs" | wc -l)" -eq 3 ] || fail "three roots with residual_raw: $json"
echo "$pairs" | while read -r x raw; do
    echo "$out" | grep -q " $x (res [^)]*)  *$raw  " || { echo "root $x: raw res is not residual_raw $raw" >&2; exit 1; }
done || fail "text and JSON raw residuals differ: $out $json"

# any formula: the branch model finds all six roots of sin(3x) = 0.2 on
# [0, 6], each certified, none spurious
json=$("$innx" train --f 'sin(3*x) - 0.2' --domain 0:6 --json) || fail "train --f exited $?"
echo "$json" | grep -q '"recall":1.0' || fail "train --f recall: $json"
n=$(echo "$json" | sed 's/"queries".*//' | grep -o '"residual":[0-9.e-]*' | wc -l)
[ "$n" -eq 6 ] || fail "train --f: $n roots, want 6: $json"
"$innx" train --f 'sin(3*x' --domain 0:6 2>/dev/null; [ $? -eq 2 ] || fail "bad formula must exit 2"
"$innx" train --f 'x' --domain 1:0 2>/dev/null; [ $? -eq 2 ] || fail "bad domain must exit 2"

# --set overrides any entry; an unknown key is named with the nearest one
json=$("$innx" train three-roots --set stage1.steps=40 --set loss.center=0 --json) || fail "--set exited $?"
echo "$json" | grep -q '"steps":40' || fail "--set stage1.steps: $json"
"$innx" train three-roots --set stage1.stps=5 2>err.$$; rc=$?
[ $rc -eq 2 ] || fail "unknown --set key exit $rc"
grep -q "did you mean 'steps'" err.$$ || fail "message: $(cat err.$$)"
rm -f err.$$
# a problem file: the shipped one trains as the built-in; errors name file and line
json=$("$innx" train "$src/data/three-roots.inn" --set stage1.steps=40 --json) || fail "train FILE.inn exited $?"
echo "$json" | grep -q '"steps":40' || fail "FILE.inn run: $json"
printf '[stage1]\nstps = 4\n' > bad.$$.inn
"$innx" train bad.$$.inn 2>err.$$; rc=$?
[ $rc -eq 2 ] || fail "bad file exit $rc"
grep -q "bad.$$.inn:2: unknown key 'stps'" err.$$ || fail "file message: $(cat err.$$)"
rm -f bad.$$.inn err.$$
# a problem file's table is beside the file, wherever innx runs from
mkdir -p sub.$$
awk 'BEGIN { print "x,y"; for (i = 0; i < 200; i++) { x = 6 * i / 199; printf "%.6f,%.6f\n", x, sin(2 * x) + 0.1 * x } }' \
    > sub.$$/w.csv
printf '[problem]\nbase = spend\nname = wave\n[data]\ntable = w.csv\nx_columns = x\ny_column = y\n' > sub.$$/w.inn
json=$("$innx" train sub.$$/w.inn --set stage1.steps=5 --set stage2.steps=5 --no-joint --json 2>&1) ||
    { rm -rf sub.$$; fail "a file's table beside it: $json"; }
rm -rf sub.$$
echo "$json" | grep -q "\"data\":\"sub.$$/w.csv\",\"rows\":200," || fail "a file's table beside it: $json"
json=$("$innx" bench three-roots --repeats 20 --json) || fail "bench exited $?"
echo "$json" | grep -q '"ms_per_step":' || fail "bench json: $json"
# options before the problem's name work as after it (as for roots and query)
json=$("$innx" train --set stage1.steps=40 --json three-roots) || fail "train with options first exited $?"
echo "$json" | grep -q '"problem":"three-roots".*"steps":40' || fail "train with options first: $json"
json=$("$innx" bench --repeats 20 --json three-roots) || fail "bench with options first exited $?"
echo "$json" | grep -q '"steps":20' || fail "bench with options first: $json"
json=$("$innx" bench --repeats 2 seeds --json three-roots) || fail "bench seeds with options first exited $?"
echo "$json" | grep -q '"problem":"three-roots"' || fail "bench seeds with options first: $json"
# bench seeds: the whole recipe per seed, the same run as train's, each
# seed its own run; every run's clusters polish to all three roots
json=$("$innx" bench seeds three-roots --repeats 3 --seed 4 --json) || fail "bench seeds exited $?"
[ "$(echo "$json" | grep -o '"roots_found":3,"reference_roots":3' | wc -l)" -eq 3 ] || fail "bench seeds roots: $json"
raws=$(echo "$json" | grep -o '"raw":[^,]*' | cut -d: -f2)
[ "$(echo "$raws" | sort -u | wc -l)" -eq 3 ] || fail "bench seeds: the seeds gave the same run: $json"
for r in $raws; do awk -v r="$r" 'BEGIN { exit !(r < 1e-2) }' || fail "bench seeds raw $r >= 1e-2: $json"; done
one=$("$innx" train three-roots --seed 5 --json | grep -o '"top5":\[[^,]*' | cut -d[ -f2)
echo "$json" | grep -q "\"seed\":5,[^}]*\"raw\":$one," || fail "bench seeds seed 5 is not train's run ($one): $json"
echo "$json" | grep -q '"below":{"1e-02":3,' || fail "bench seeds below: $json"
"$innx" bench seeds spend 2>/dev/null; [ $? -eq 2 ] || fail "bench seeds on a table must exit 2"
# a refused run prints its error alone, on one pipe too: no banner that
# promised a run (stdout is buffered there, so it came out after the error)
for args in "spend --data nosuch.$$.csv" "sinc --steps 5 --save /nonexistent/x.safetensors" \
    "xsin --save /nonexistent/x.safetensors"; do
    out=$("$innx" train $args 2>&1 | cat)
    [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "^innx: train " ||
        fail "train $args: want the error alone, got: $out"
done
# reports go by a problem's traits, not its name: a file with sinc-kan's
# recipe under another name takes --range as sinc-kan does
printf '[problem]\nbase = sinc-kan\nname = my-kan\n' > kan.$$.inn
json=$("$innx" train kan.$$.inn --range --set stage1.steps=30 --json 2>&1); rc=$?
rm -f kan.$$.inn
[ "$rc" -eq 0 ] && echo "$json" | grep -q '"case":"sinc-kan-range","problem":"my-kan"' ||
    fail "--range on sinc-kan's recipe named my-kan: exit $rc, $json"
"$innx" train three-roots --range 2>/dev/null; [ $? -eq 2 ] || fail "--range on a G(z) must exit 2"
echo "cli_problems: ok"
