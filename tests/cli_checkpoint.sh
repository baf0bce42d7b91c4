#!/bin/sh
# cli_checkpoint.sh: checkpoints as a user drives them: --save, --stop-after
# and --resume giving the uninterrupted run's bits, innx query, the exit codes
# for broken files, and the autosave on SIGTERM.
set -u
innx="${top_builddir:-.}/src/innx"
case "$innx" in /*) ;; *) innx="$(pwd)/$innx" ;; esac
corpus="${top_srcdir:-.}/tests/ckpt_corpus"
case "$corpus" in /*) ;; *) corpus="$(pwd)/$corpus" ;; esac
fail() { echo "FAIL: $*" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/innx-ckpt.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
cd "$dir" || exit 1
# the JSON without its timings
strip() { sed 's/"[a-z_]*seconds[a-z_]*":[-0-9.e]*,//g; s/"ms_per_step[a-z_]*":[-0-9.e]*,//g; s/"overrides":{[^}]*},//g'; }
loss() { sed -n 's/.*"loss":\([^,}]*\).*/\1/p'; }

# THE test: stopped at 200 and resumed is the run of 400 steps, bit for bit
# (the JSON's loss, and the whole checkpoint at the end: every weight, Adam's
# moments, the EMA, the history, the generator)
"$innx" train sinc --steps 400 --json --save full.safetensors > full.json || fail "sinc 400 exited $?"
"$innx" train sinc --steps 400 --stop-after 200 --save c.safetensors --json > half.json ||
    fail "sinc --stop-after exited $?"
grep -q '"steps":200' half.json || fail "--stop-after 200 did not stop at 200: $(cat half.json)"
[ -s c.safetensors ] || fail "--save wrote nothing"
"$innx" train --resume c.safetensors --json --save resumed.safetensors > resumed.json ||
    fail "--resume exited $?"
[ "$(loss < full.json)" = "$(loss < resumed.json)" ] ||
    fail "resumed loss $(loss < resumed.json) is not the full run's $(loss < full.json)"
[ "$(strip < full.json)" = "$(strip < resumed.json)" ] ||
    fail "resumed report differs: $(cat full.json) vs $(cat resumed.json)"
cmp -s full.safetensors resumed.safetensors || fail "resumed weights differ from the full run's"

# three-roots: a fresh batch from the generator each step, ReduceLROnPlateau
# and early stopping (it stops early at the default steps)
"$innx" train three-roots --json --save t_full.safetensors > t_full.json || fail "three-roots exited $?"
"$innx" train three-roots --stop-after 300 --save t.safetensors --quiet > /dev/null || fail "three-roots --stop-after"
"$innx" train --resume t.safetensors --json --save t_res.safetensors > t_res.json || fail "three-roots --resume"
grep -q '"stopped_early":true' t_full.json || fail "three-roots did not stop early: $(cat t_full.json)"
[ "$(strip < t_full.json)" = "$(strip < t_res.json)" ] ||
    fail "three-roots resumed differs: $(cat t_full.json) vs $(cat t_res.json)"
cmp -s t_full.safetensors t_res.safetensors || fail "three-roots resumed weights differ"

# a formula through the branch model (its pieces, its own batch)
"$innx" train --f 'cos(3*x) - x/4' --domain 0:6 --json --save b_full.safetensors > b_full.json || fail "--f exited $?"
"$innx" train --f 'cos(3*x) - x/4' --domain 0:6 --stop-after 1234 --save b.safetensors --quiet > /dev/null ||
    fail "--f --stop-after"
"$innx" train --resume b.safetensors --json --save b_res.safetensors > b_res.json || fail "--f --resume"
[ "$(strip < b_full.json)" = "$(strip < b_res.json)" ] ||
    fail "--f resumed differs: $(cat b_full.json) vs $(cat b_res.json)"
cmp -s b_full.safetensors b_res.safetensors || fail "--f resumed weights differ"

# xsin: --save and --resume keep the branch model, the regressor beside it
# trains afresh each time
"$innx" train xsin --steps 300 --json --save x_full.safetensors > x_full.json || fail "xsin exited $?"
"$innx" train xsin --steps 300 --stop-after 150 --save x.safetensors --quiet > /dev/null || fail "xsin --stop-after"
"$innx" train --resume x.safetensors --json --save x_res.safetensors > x_res.json || fail "xsin --resume exited $?"
[ "$(strip < x_full.json | sed 's/,"seconds":[-0-9.e]*}$/}/')" = "$(strip < x_res.json | sed 's/,"seconds":[-0-9.e]*}$/}/')" ] ||
    fail "xsin resumed differs: $(cat x_full.json) vs $(cat x_res.json)"
cmp -s x_full.safetensors x_res.safetensors || fail "xsin resumed branch model differs"

# text output says where it saved; --set goes over the checkpoint's problem
out=$("$innx" train --resume c.safetensors --set stage1.steps=450 --save more.safetensors) || fail "resume --set"
echo "$out" | grep -q "saved step 450 to more.safetensors" || fail "no saved line in: $out"
# a lambda --set over the checkpoint replaces the live one saved
"$innx" train --resume c.safetensors --set loss.norm=0.5 --set stage1.steps=201 --save lam.safetensors --quiet \
    > /dev/null 2>&1   # one step more: the answer need not polish (exit 1)
[ -s lam.safetensors ] || fail "resume --set loss.norm saved nothing"
grep -a -q '"lambda.norm":"0.5"' lam.safetensors || fail "--set loss.norm=0.5 did not reach the trainer"
grep -a -q '"lambda.norm":"0.0001"' c.safetensors || fail "sinc's saved lambda.norm is not 1e-4"

# a safetensors reader sees the tensors and the metadata
if command -v python3 >/dev/null 2>&1; then
    python3 - c.safetensors <<'EOF' || fail "python cannot read the checkpoint as safetensors"
import json, struct, sys
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n])
m = h.pop('__metadata__')
assert m['format'] == 'innx-checkpoint' and m['step'] == '200', m
assert h['G.0.weight']['dtype'] == 'F32' and h['G.0.weight']['shape'] == [1, 128], h['G.0.weight']
assert h['rng']['dtype'] == 'U8' and h['history.total']['dtype'] == 'F64' and h['history.cyc']['shape'] == [200]
end = max(t['data_offsets'][1] for t in h.values())
assert 8 + n + end == len(b)
EOF
fi

# innx query: certified roots from the saved model, text and JSON
out=$("$innx" query t_full.safetensors --y 0,0.1) || fail "query exited $?"
echo "$out" | grep -q "y = 0: 3 certified roots" || fail "query: not three roots at y = 0: $out"
json=$("$innx" query t_full.safetensors --y 0 --json) || fail "query --json exited $?"
echo "$json" | grep -q '"queries":\[{"y":0.0,"roots":\[{"x":0.397' || fail "query --json: $json"

# a table with one x column, y = sin 2x + 0.1x sampled on [0, 6]: query
# gives G's point and every x with NN1(x) = y, each near the formula's own
# root (NN1 is a fit: within 0.01) and certified on NN1
awk 'BEGIN { print "x,y"; for (i = 0; i < 1000; i++) { x = 6 * i / 999; printf "%.6f,%.6f\n", x, sin(2 * x) + 0.1 * x } }' > w.csv
"$innx" train spend --data w.csv --x x --y y --set stage1.steps=1500 --set stage2.steps=50 --no-joint \
    --save w.safetensors --quiet > /dev/null || fail "1-D table train exited $?"
json=$("$innx" query w.safetensors --y 0.3 --json) || fail "1-D table query exited $?"
xs=$(echo "$json" | grep -o '"roots_nn1":\[.*\]' | grep -o '"x":[^,]*' | cut -d: -f2)
[ "$(echo "$xs" | wc -l)" -eq 4 ] || fail "1-D table: want 4 roots of NN1(x) = 0.3: $json"
printf '0.144775750505215\n1.49527313382993\n3.13484995164259\n4.80303655938178\n' > w.roots
echo "$xs" | paste -d' ' - w.roots | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 0.01) exit 1 }' ||
    fail "1-D table: roots $xs not within 0.01 of sin 2x + 0.1x = 0.3's"
echo "$json" | grep -o '"roots_nn1":\[.*\]' | grep -o '"residual":[^,]*' | cut -d: -f2 |
    awk '{ if ($1 > 1e-12) exit 1 }' || fail "1-D table: a root of NN1 not certified: $json"
"$innx" query w.safetensors --y 1.2 | grep -q "NN1(x) = y on \[0, 6\] (the classical scan on NN1, not G), 2 found" ||
    fail "1-D table text query: $("$innx" query w.safetensors --y 1.2)"

# the branch model on the same table (--auto): NN1 first, then G over
# NN1's five monotone pieces; every y* it is asked finds all the scan's
# roots of NN1(x) = y*; stopped in the branch stage and resumed, the same
# bits; a query on the file answers on NN1
printf '[problem]\nbase = spend\nname = wave\n[data]\ntable = w.csv\nx_columns = x\ny_column = y\n' > w.inn
json=$("$innx" train w.inn --auto --set stage1.steps=800 --set stage2.steps=800 --json --save wb.safetensors) ||
    fail "train w.inn --auto exited $?"
echo "$json" | grep -q '"forward":"nn1"' && echo "$json" | grep -q '"pieces":5,' || fail "table --auto: $json"
echo "$json" | grep -q '"recall_all":1.0' || fail "table --auto: not every root: $json"
"$innx" train w.inn --auto --set stage1.steps=800 --set stage2.steps=800 --stop-after 1200 --save wb_half.safetensors \
    --quiet > /dev/null || fail "table --auto --stop-after exited $?"
"$innx" train --resume wb_half.safetensors --save wb_res.safetensors --quiet > /dev/null || fail "table --auto resume"
cmp -s wb.safetensors wb_res.safetensors || fail "table --auto: the resumed run's weights differ"
out=$("$innx" query wb.safetensors --y 0.3) || fail "query on the table's branch model exited $?"
echo "$out" | grep -q "roots are of NN1(x) = y" && echo "$out" | grep -q "y = 0.3: 4 certified roots (the scan finds 4)" ||
    fail "query on the table's branch model: $out"
# bench query on the table: G's certified roots against the scan on NN1
json=$("$innx" bench query w.inn --set stage1.steps=800 --set stage2.steps=800 --repeats 200 --json) ||
    fail "bench query w.inn exited $?"
rec=$(echo "$json" | grep -o '"recall":[^,]*' | cut -d: -f2)
awk -v r="$rec" 'BEGIN { exit !(r >= 0.99) }' || fail "bench query on a table: recall $rec: $json"
echo "$json" | grep -q '"not_in_reference":0' || fail "bench query on a table: roots the scan lacks: $json"
# with a joint stage, NN1 would move under its pieces: refused
"$innx" train spend --data w.csv --x x --y y --set inverse.output=branch --set inverse.batch=branch \
    --set inverse.input=y,z --set inverse.batch_n=256 2> err; rc=$?
[ "$rc" -eq 2 ] && grep -q "the branch model on a table needs forward stages first" err ||
    fail "branch model with a joint stage: exit $rc, $(cat err)"

# broken files: each a message naming the file, exit 2
bad() {   # bad FILE PATTERN
    "$innx" train --resume "$1" > /dev/null 2> err; rc=$?
    [ "$rc" -eq 2 ] || fail "--resume $1 exited $rc, want 2 ($(cat err))"
    grep -q "innx: train: $1: .*$2" err || fail "--resume $1: message '$(cat err)' lacks '$2'"
    "$innx" query "$1" --y 0 > /dev/null 2>&1; rc=$?
    [ "$rc" -eq 2 ] || fail "query $1 exited $rc, want 2"
}
size=$(wc -c < t.safetensors)
head -c $((size - 100)) t.safetensors > truncated.safetensors
bad truncated.safetensors "truncated"
head -c 500 t.safetensors > short.safetensors
bad short.safetensors "truncated"
# one bit of the last byte (data) flipped
cp t.safetensors flipped.safetensors
last=$(od -An -tu1 -j $((size - 1)) -N1 t.safetensors | tr -d ' ')
printf "$(printf '\\%03o' $((last ^ 1)))" | dd of=flipped.safetensors bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
bad flipped.safetensors "corrupt (CRC32"
perl -0777 -pe 's/"format_version":"1"/"format_version":"9"/' t.safetensors > version.safetensors
bad version.safetensors "format version 9"
printf '\377\377\377\377\377\377\377\177{}' > absurd.safetensors
bad absurd.safetensors "absurd"
echo "x,y" > notst.safetensors
bad notst.safetensors "not a safetensors file"
"$innx" train --resume c.safetensors --set inverse.model=mlp:1-32-1/tanh > /dev/null 2> err; rc=$?
[ "$rc" -eq 2 ] || fail "shape mismatch exited $rc"
grep -q "c.safetensors: tensor G.0.weight has shape \[1, 128\] but the problem's network needs \[1, 32\]" err ||
    fail "shape mismatch message: $(cat err)"
"$innx" train --resume nosuch.safetensors 2> err; [ $? -eq 2 ] || fail "missing file must exit 2"
grep -q "nosuch.safetensors: No such file" err || fail "missing file message: $(cat err)"
"$innx" train sinc --resume c.safetensors 2>/dev/null; [ $? -eq 2 ] || fail "--resume with a problem must exit 2"
"$innx" train sinc --stop-after 0 2>/dev/null; [ $? -eq 2 ] || fail "--stop-after 0 must exit 2"
"$innx" train sinc --steps 5 --save "$dir/no/such/dir/x.safetensors" > /dev/null 2> err; [ $? -eq 2 ] ||
    fail "unwritable --save must exit 2"

# the fuzzer's seed corpus: the valid files load and answer, the broken
# ones are refused with exit 2
for f in "$corpus"/*; do
    "$innx" query "$f" --y 0 > /dev/null 2>&1; rc=$?
    case "$(basename "$f")" in
    valid-*) [ "$rc" -eq 0 ] || fail "corpus: $f exited $rc (regenerate it if the format grew)" ;;
    *) [ "$rc" -eq 2 ] || fail "corpus: $f exited $rc, want 2" ;;
    esac
done

# SIGTERM during a headless run: an autosave under $XDG_STATE_HOME/innx,
# and where it went on stderr; it resumes
XDG_STATE_HOME="$dir/state" "$innx" train sinc --steps 100000 --quiet 2> sig.err &
pid=$!
sleep 1.5
kill -TERM $pid
wait $pid; rc=$?
[ "$rc" -eq 143 ] || fail "SIGTERM: exit $rc, want 143 (killed by TERM) ($(cat sig.err))"
saved=$(ls "$dir"/state/innx/innx-sinc-*.safetensors 2>/dev/null | head -n 1)
[ -n "$saved" ] || fail "SIGTERM: no autosave in $dir/state/innx ($(cat sig.err))"
grep -q "SIGTERM: step [0-9]* saved to $saved" sig.err || fail "SIGTERM message: $(cat sig.err)"
"$innx" query "$saved" --y 0.95 > /dev/null 2>&1; rc=$?
[ "$rc" -eq 0 ] || fail "the autosave does not load (query exit $rc)"

# Ctrl-C (SIGINT) likewise, with --metrics: the rows so far are kept under
# FILE's name and no temporary file is left
rm -rf "$dir/state"
XDG_STATE_HOME="$dir/state" "$innx" train sinc --steps 100000 --quiet --metrics int.csv 2> sig.err &
pid=$!
sleep 1.5
kill -INT $pid
n=0   # a run that ignored it would go on for minutes: give it 10 s
while kill -0 $pid 2>/dev/null && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
kill -0 $pid 2>/dev/null && { kill -KILL $pid; fail "SIGINT: innx went on training"; }
wait $pid; rc=$?
[ "$rc" -eq 130 ] || fail "SIGINT: exit $rc, want 130 (killed by INT) ($(cat sig.err))"
grep -q "SIGINT: step [0-9]* saved to $dir/state/innx/innx-sinc-" sig.err || fail "SIGINT message: $(cat sig.err)"
[ "$(wc -l < int.csv)" -gt 2 ] || fail "SIGINT: the metrics rows were not kept"
ls int.csv.tmp.* > /dev/null 2>&1 && fail "SIGINT left a temporary file: $(ls int.csv.tmp.*)"
# innx FILE.safetensors: the explorer goes on from a saved run (here sinc's
# 400 steps, done): the title names the problem and the saved step, not a
# fresh start at 0; without a terminal it says so (exit 2)
"$innx" full.safetensors < /dev/null > /dev/null 2> err; rc=$?
[ "$rc" -eq 2 ] && grep -q "explorer: the explorer needs a terminal" err ||
    fail "innx FILE.safetensors without a terminal: exit $rc, $(cat err)"
if command -v tmux > /dev/null 2>&1; then
    T="tmux -L innx-ckpt-$$ -f /dev/null"
    $T new-session -d -s t -x 120 -y 40 "$innx" full.safetensors || fail "tmux would not start"
    n=0
    while [ "$n" -lt 50 ] && ! $T capture-pane -p -t t 2>/dev/null | head -n 1 | grep -q " innx "; do
        sleep 0.1; n=$((n + 1))
    done
    title=$($T capture-pane -p -t t 2>/dev/null | head -n 1)
    screen=$($T capture-pane -p -t t 2>/dev/null)
    $T kill-server 2>/dev/null
    echo "$title" | grep -q " innx  sinc  inverse 1/1  step 400 .* done" ||
        fail "innx full.safetensors: title '$title', screen: $screen"
fi
echo "cli_checkpoint: ok"
