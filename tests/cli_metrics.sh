#!/bin/sh
# cli_metrics.sh: train --metrics FILE.csv: a row per step, the header, the
# last total equal to the JSON's loss, and what it refuses to write over.
set -u
innx="${top_builddir:-.}/src/innx"
srcdir=$(cd "${top_srcdir:-.}" && pwd)
innx=$(cd "$(dirname "$innx")" && pwd)/innx
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/innx-metrics.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# the last row's total against the JSON's loss, to 6 digits
check_run() {   # FILE STEPS JSON
    rows=$(($(wc -l <"$1") - 1))
    [ "$rows" -eq "$2" ] || fail "$1: $rows rows, want $2"
    head -n 1 "$1" | grep -q '^step,stage,lr,total,fwd,cyc,recon,xcyc,box,' || fail "$1: header $(head -n 1 "$1")"
    last=$(tail -n 1 "$1" | cut -d, -f4)
    loss=$(echo "$3" | sed -n 's/.*"loss":\([^,}]*\).*/\1/p')
    [ -n "$loss" ] || [ "${4:-}" = noloss ] || fail "no loss in $3"
    [ -z "$loss" ] || awk -v a="$last" -v b="$loss" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b;
        exit !(d <= 1e-6 * m) }' || fail "$1: last total $last, JSON loss $loss"
    steps=$(echo "$3" | sed -n 's/.*"steps":\([0-9]*\).*/\1/p')
    [ "$steps" = "$2" ] || fail "JSON steps $steps, want $2"
    ls "$1".tmp.* >/dev/null 2>&1 && fail "a temporary file was left: $(ls "$1".tmp.*)"
    return 0
}

json=$("$innx" train three-roots --steps 150 --json --metrics m.csv) || fail "three-roots exited $?"
check_run m.csv 150 "$json"
# step numbers run 0..149, stage 1
awk -F, 'NR > 1 && ($1 != NR - 2 || $2 != 1) { exit 1 }' m.csv || fail "step/stage columns wrong"

# sinc's schedule halves the lr at 1/2 and 3/4 of the steps: the column shows it
# (40 steps do not polish: exit 1 is the run's verdict, not the file's)
json=$("$innx" train sinc --steps 40 --json --metrics m.csv); rc=$?
[ $rc -le 1 ] || fail "sinc exited $rc"
check_run m.csv 40 "$json"
[ "$(sed -n 2p m.csv | cut -d, -f3)" = 0.002 ] || fail "first lr $(sed -n 2p m.csv | cut -d, -f3)"
[ "$(tail -n 1 m.csv | cut -d, -f3)" = 0.00050000000000000001 ] || fail "last lr $(tail -n 1 m.csv | cut -d, -f3)"

# several stages (spend: forward 20, inverse 40): rows over all of them
# (spend's report has no single loss)
json=$("$innx" train spend --steps 20 --no-joint --json --metrics m.csv) || fail "spend exited $?"
check_run m.csv 60 "$json" noloss
[ "$(cut -d, -f2 m.csv | sort -u | tr '\n' ' ')" = "1 2 stage " ] || fail "spend stages: $(cut -d, -f2 m.csv | sort -u)"

# a run stopped and resumed: the rows of each part, numbered on
"$innx" train three-roots --steps 100 --stop-after 40 --save c.st --quiet --metrics a.csv >/dev/null ||
    fail "--stop-after exited $?"
json=$("$innx" train --resume c.st --json --metrics b.csv) || fail "--resume exited $?"
[ "$(($(wc -l <a.csv) - 1))" -eq 40 ] || fail "a.csv: $(wc -l <a.csv) lines"
[ "$(($(wc -l <b.csv) - 1))" -eq 60 ] || fail "b.csv: $(wc -l <b.csv) lines"
[ "$(sed -n 2p b.csv | cut -d, -f1)" = 40 ] || fail "the resumed rows start at $(sed -n 2p b.csv | cut -d, -f1)"
"$innx" train --resume c.st --metrics c.st 2>err; rc=$?
[ $rc -eq 2 ] && grep -q "refusing to write over the --resume checkpoint" err || fail "over --resume: exit $rc $(cat err)"
"$innx" train three-roots --steps 5 --save s.st --metrics s.st 2>err; rc=$?
[ $rc -eq 2 ] && grep -q "refusing to write over the --save checkpoint" err || fail "over --save: exit $rc $(cat err)"

# refusals: exit 2 with a message, nothing written
cp "$srcdir/data/sinc.inn" mine.inn
cp mine.inn mine.orig
"$innx" train mine.inn --steps 5 --metrics mine.inn 2>err; rc=$?
[ $rc -eq 2 ] || fail "--metrics over the problem file: exit $rc"
grep -q "innx: train mine.inn: --metrics mine.inn: refusing to write over the input file" err || fail "message: $(cat err)"
cmp -s mine.inn mine.orig || fail "the problem file was changed"
ln -s mine.inn alias.csv
"$innx" train mine.inn --steps 5 --metrics alias.csv 2>err; rc=$?
[ $rc -eq 2 ] || fail "--metrics over the problem file by a symlink: exit $rc"
cp "$srcdir/data/spend.csv" t.csv
"$innx" train spend --steps 5 --data t.csv --metrics t.csv 2>err; rc=$?
[ $rc -eq 2 ] && grep -q "refusing to write over the input file t.csv" err || fail "over --data: exit $rc $(cat err)"
cmp -s t.csv "$srcdir/data/spend.csv" || fail "the --data file was changed"
mkdir d
"$innx" train sinc --steps 5 --metrics d 2>err; rc=$?
[ $rc -eq 2 ] && grep -q "is a directory" err || fail "a directory: exit $rc $(cat err)"
"$innx" train sinc --steps 5 --metrics nosuchdir/m.csv 2>err; rc=$?
[ $rc -eq 2 ] && grep -q "cannot write in nosuchdir" err || fail "no directory: exit $rc $(cat err)"
"$innx" bench sinc --repeats 2 --metrics bench.csv 2>err; rc=$?
[ $rc -eq 2 ] && grep -q "for train, not bench" err || fail "bench: exit $rc $(cat err)"
[ ! -e bench.csv ] || fail "bench wrote bench.csv"
# a bad problem after the check: no file, no temporary file
"$innx" train sinc --steps 5 --set inverse.model=mlp:3-4-1 --metrics bad.csv 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "bad model: exit $rc"
ls bad.csv* >/dev/null 2>&1 && fail "a bad run left $(ls bad.csv*)"
# the file the user named may be replaced (and keeps its mode)
echo old >m.csv
chmod 640 m.csv
"$innx" train three-roots --steps 10 --quiet --metrics m.csv >/dev/null || fail "over m.csv exited $?"
[ "$(wc -l <m.csv)" -eq 11 ] || fail "m.csv not replaced"
[ "$(stat -c %a m.csv)" = 640 ] || fail "mode $(stat -c %a m.csv), want 640"
echo "cli_metrics: ok"
