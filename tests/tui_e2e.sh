#!/bin/sh
# tui_e2e.sh: the explorer as a person uses it, the real binary in a private
# tmux server: keys in with send-keys, what is on screen from capture-pane.
set -u
innx="${INNX_TUI:-${top_builddir:-.}/src/innx}"
case "$innx" in /*) ;; *) innx="$(pwd)/$innx" ;; esac

command -v tmux >/dev/null 2>&1 || { echo "tui_e2e: no tmux: skipped"; exit 77; }
# Without a terminal the explorer says so and exits 2; that message also
# tells that this build has the explorer wired in at all.
msg=$("$innx" </dev/null 2>&1 >/dev/null); rc=$?
case "$msg" in
*"needs a terminal"*) ;;
*) echo "tui_e2e: innx with no argument does not open the explorer: skipped"; exit 77 ;;
esac
[ "$rc" -eq 2 ] || { echo "FAIL: no terminal must exit 2, got $rc" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/innx-e2e.XXXXXX")
# One tmux server per start: a server still shutting down refuses clients.
run_n=0
T="tmux -L innx-e2e-$$-$run_n -f /dev/null"
cleanup() { $T kill-server 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
# E2E_KEEP_GOING=1 reports every failing check instead of stopping at the
# first (to see which checks an old build fails)
fail() {
    echo "FAIL: $*" >&2
    echo "--- screen:" >&2
    cap >&2
    [ -n "${E2E_KEEP_GOING:-}" ] && { failed=1; return 1; }
    exit 1
}
failed=0

cap() { $T capture-pane -t e2e -p 2>/dev/null; }
title() { cap | head -n 1; }
step() { title | sed -n 's/.* step \([0-9][0-9]*\) .*/\1/p'; }
keys() { $T send-keys -t e2e "$@"; }
# Every wait is for a state the screen shows, never for a time: under load
# (two cores shared with a build) a run may be over before a key lands, or
# far from it. The counts are tenths of a second; 600 = a minute.
# wait_for PATTERN [tenths]: until the screen shows it
wait_for() {
    n=0
    while [ "$n" -lt "${2:-300}" ]; do
        cap | grep -q -- "$1" && return 0
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}
wait_gone() {
    n=0
    while [ "$n" -lt "${2:-300}" ]; do
        cap | grep -q -- "$1" || return 0
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}
# wait_title EREGEX [tenths]: until the title bar matches
wait_title() {
    n=0
    while [ "$n" -lt "${2:-300}" ]; do
        title | grep -Eq -- "$1" && return 0
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}
finished() { title | grep -Eq "early-stopped|done"; }
wait_finished() { wait_title "early-stopped|done" "${1:-600}"; }
# wait_steps_past N: the step count passes N; a run that is over meanwhile
# is trained on (t), however often that happens
wait_steps_past() {
    n=0
    while [ "$n" -lt 300 ]; do
        s=$(step)
        [ -n "$s" ] && [ "$s" -gt "$1" ] && return 0
        finished && keys t
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}
# pause_run: the run paused, whether it was still going or already over.
# Space sets the session's pause; a run that ended first shows its end
# instead, and t then trains on, paused.
pause_run() {
    keys Space
    wait_title "paused|early-stopped|done" || fail "space: neither paused nor over"
    finished && keys t
    wait_title "paused" || fail "space: no paused state"
}
# lr_of: the lr the title shows
lr_of() { title | sed -n 's/.* lr \([0-9.e+-]*\) .*/\1/p'; }
# select_term NAME: the lambda bar's keys until e's prompt names it (the
# selection itself is only a colour)
select_term() {
    i=0
    while [ "$i" -lt 12 ]; do
        keys e
        wait_for "lambda [a-z]* = " 50 || fail "e: no prompt"
        cap | tail -n 1 | grep -q "lambda $1 = " && { keys Escape; wait_gone "lambda [a-z]* = " 50; return 0; }
        keys Escape
        wait_gone "lambda [a-z]* = " 50 || fail "e: Esc left the prompt"
        keys Right
        i=$((i + 1))
    done
    fail "no way to select $1 with the arrow keys"
}
# centroids: pane 2's legend ("c0 0.769  c1 3.28  c2 5.92")
centroids() { cap | sed -n 3p | grep -o "c[0-9] [-0-9.e]*" | tr '\n' ' '; }
# start NAME ENV...: innx in a 120x40 window ($cols x $rows when set); its exit code and the tty's
# settings after it land in $dir (rc last, renamed into place: wait_exit
# read an empty stty when rc came first)
args=""   # innx's own arguments for the next start
start() {
    $T kill-server 2>/dev/null
    run_n=$((run_n + 1))
    T="tmux -L innx-e2e-$$-$run_n -f /dev/null"
    rm -f "$dir/rc"
    $T new-session -d -s e2e -c "$dir" -x "${cols:-120}" -y "${rows:-40}" \
        "env $* '$innx' $args; r=\$?; stty -a > '$dir/stty'; echo \$r > '$dir/rc.new'; mv '$dir/rc.new' '$dir/rc'; echo EXITED; sleep 600" ||
        fail "tmux would not start"
}
wait_exit() {
    n=0
    while [ ! -s "$dir/rc" ] && [ "$n" -lt 300 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    [ -s "$dir/rc" ] || fail "innx did not exit"
    [ "$(cat "$dir/rc")" = 0 ] || fail "exit status $(cat "$dir/rc")"
    # curses left the line discipline as it found it
    grep -q -- " icanon" "$dir/stty" && grep -q -- " echo " "$dir/stty" ||
        fail "terminal not restored: $(cat "$dir/stty")"
}

start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "innx  three-roots" || fail "no title on three-roots"
wait_title " step [1-9]" || fail "no step taken"

# the step count rises (a run this small may already be over: train on)
s1=$(step)
wait_steps_past "$s1" || fail "step stuck at $s1"

# space pauses and the count stops
pause_run
s1=$(step)
sleep 1
s2=$(step)
[ "$s1" = "$s2" ] || fail "paused but steps went $s1 -> $s2"
# n takes exactly one step
keys n
wait_title " step $((s1 + 1)) " || fail "n: step $s1 did not become $((s1 + 1))"

# + doubles the selected lambda (cyc, the first term) in the bar; - undoes
wait_for "cyc=5 " || fail "lambda bar: no cyc=5"
keys +
wait_for "cyc=10 " || fail "+ did not show cyc=10"
keys -- -
wait_for "cyc=5 " || fail "- did not bring cyc=5 back"
# the title shows the lr the run trains at: ] doubles it, [ halves it back
lr1=$(lr_of)
keys ]
n=0
while [ "$(lr_of)" = "$lr1" ] && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
lr2=$(lr_of)
awk -v a="$lr1" -v b="$lr2" 'BEGIN { exit !(b > 1.99 * a && b < 2.01 * a) }' || fail "]: lr $lr1 -> $lr2"
keys [
n=0
while [ "$(lr_of)" = "$lr2" ] && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
[ "$(lr_of)" = "$lr1" ] || fail "[: lr $lr2 -> $(lr_of), not $lr1"

# after training, y 0 lists the three roots to 4 decimals
keys Space
wait_finished || fail "three-roots did not finish in a minute"
# the cluster table fits its 58-column pane whole: each root to 7 decimals
# and mean|f| (the CI column waits for a zoom); the loss legend puts the
# term that makes most of the total (center) right after the total
wait_for "id count  centroid         root  residual  br   mean|f|" || fail "cluster table header"
for r in 0.3970286 2.5952263 6.9076965; do wait_for " $r " 50 || fail "cluster table: no root $r"; done
cap | grep -q "total [0-9.]*  [^ ]* center " || fail "loss legend: center not first after the total"
# a term the stage weighs (range, lambda 10) is listed before one switched
# off (norm, lambda 0), even at half width where not all fit
legend=$(cap | sed -n 3p | sed 's/││.*//')
echo "$legend" | grep -q " range " || fail "loss legend: range (lambda 10) left out: $legend"
echo "$legend" | grep -q " norm .* range " && fail "loss legend: norm (lambda 0) before range: $legend"
keys y
wait_for "roots of F(x) = y\*" || fail "y: no prompt"
keys 0 Enter
wait_for "roots (scan 3), [0-9]* candidates" || fail "y 0: no answer"
cap | grep -q " #  *x  residual   raw res  br    vs scan" || fail "y 0: the query table lost a column: $(cap)"
for r in 0.3970 2.5952 6.9077; do
    wait_for "$r" 50 || fail "y 0: no root $r"
done

# a run that is over trains on at its stage's lr (a train-on too): paused,
# so the lr is the one the next step takes, not one the schedule has decayed
pause_run
wait_title "lr 1.00e-03  paused" || fail "train on: the title's lr is not the stage's 1e-3: $(title)"
keys Space
wait_finished || fail "three-roots did not finish after the train-on"

# a lambda changed after the end acts: the run trains on and G's answers
# move (the lr had decayed to ~1e-8, and centroids stayed put)
select_term center
c1=$(centroids)
[ -n "$c1" ] || fail "no centroids in pane 2's legend"
keys e
wait_for "lambda center = " 50 || fail "e: no prompt for center"
keys C-u 0 Enter
wait_for "center=0 " || fail "e 0: the bar does not show center=0"
wait_title "running" 100 || finished || fail "lambda change: no training"
wait_finished || fail "no end after the lambda change"
n=0
while [ "$(centroids)" = "$c1" ] && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
[ "$(centroids)" != "$c1" ] || fail "center 30 -> 0 after the end: the centroids stay at $c1"

# bad numbers are refused with what is wrong, above the open prompt
keys y
wait_for "roots of F(x) = y\*" || fail "y: no prompt"
keys abc Enter
wait_for "y\*: 'abc' is not a number" || fail "y abc: no reason shown"
keys Escape
wait_gone "not accepted" || fail "y: Esc did not cancel"
keys e
wait_for "lambda [a-z]* = " || fail "e: no prompt"
keys C-u -3 Enter
wait_for "lambda: -3 is negative" || fail "e -3: no reason shown"
keys C-u foo Enter
wait_for "lambda: 'foo' is not a number" || fail "e foo: no reason shown"
keys Escape
wait_gone "not accepted" || fail "e: Esc did not cancel"

# f: a bad formula is refused with the parser's caret, the old one stays
keys f
wait_for "f(x) = " || fail "f: no prompt"
keys C-u "sin(x)+sni(x)" Enter
wait_for "unknown function 'sni'" || fail "f: bad formula not refused"
cap | grep -q ' \^ ' || fail "f: no caret"
keys Escape
wait_gone "unknown function" || fail "Esc left the error up"
title | grep -q "three-roots" || fail "the refused formula replaced the problem"
# a good one retrains on it
keys f C-u "cos(x) - 0.2" Enter
wait_for "innx  formula" || fail "f: new formula not taken"
wait_title " step [1-9]" || fail "f: no training on the new formula"

# a query, then a new formula: pane 4 shows the new clusters (the query is
# gone) and x writes those, not the old query's empty table
keys y
wait_for "roots of F(x) = y\*" || fail "y: no prompt"
keys 0.2 Enter
wait_for "y\* = 0.2: [0-9]* root" || fail "y 0.2: no answer"
keys f C-u "x^3 - 2*x" Enter
wait_for "training on f(x) = x^3 - 2\*x" || fail "f: x^3 - 2*x not taken"
wait_gone "y\* = 0.2: [0-9]* root" || fail "the old query stays on the new formula"
wait_for "clusters at y\* = [-0-9.e]*: k = " || fail "x^3 - 2*x: no clusters"
keys 4
wait_for "95% CI of mean|f|" || fail "4: no zoom on the clusters"
keys x
wait_for "wrote innx-formula-clusters-[0-9]*.csv" || fail "4 x: no wrote message"
csv=$dir/$(cap | tail -n 1 | sed -n 's/.*wrote \(innx-formula-clusters-[0-9]*\.csv\).*/\1/p')
[ -f "$csv" ] || fail "4 x: no $csv"
head -n 1 "$csv" | grep -q "^cluster,count,centroid," || fail "4 x: not the cluster table: $(head -n 1 "$csv")"
k=$(cap | sed -n 's/.*clusters at y\* = [-0-9.e]*: k = \([0-9]*\),.*/\1/p' | head -n 1)
[ "$(($(wc -l < "$csv") - 1))" = "$k" ] || fail "4 x: $csv has $(($(wc -l < "$csv") - 1)) rows, the pane $k clusters"
keys 4

# a refused entry says why above the open prompt, the panes' borders
# whole under it; Esc cancels it
keys k
wait_for "clusters k = " || fail "k: no prompt"
keys C-u 9 9 Enter
wait_for "a whole number from 1 to 16 " || fail "k 99: no reason shown"
border=$(cap | sed -n 38p)
echo "$border" | grep -Eq '^╰─+╯╰─+╯$' || fail "the message box lies on the panes' bottom border: $border"
keys Escape
wait_gone "not accepted" || fail "k: Esc did not cancel"

# ? shows the help, any key closes it
keys ?
wait_for "innx keys" || fail "?: no help"
# the help is the key table itself (keymap.c): Ctrl-L repaints and is listed
cap | grep -q "Ctrl-L *repaint" || fail "?: the help does not list Ctrl-L"
keys Escape
wait_gone "innx keys" || fail "help did not close"

# too small says the size needed; back to 120x40 brings the panes
$T resize-window -t e2e -x 50 -y 14
wait_for "too small" || fail "50x14: no size message"
cap | grep -q "60x16" || fail "50x14: size needed not shown"
$T resize-window -t e2e -x 120 -y 40
wait_for "1 loss" || fail "120x40: panes not back"
wait_gone "too small" || fail "120x40: size message stays"
# 80x24 still holds all four panes (the loss pane back on row 2 says the
# screen was laid out again: tmux keeps the bottom of the old one)
$T resize-window -t e2e -x 80 -y 24
n=0
while ! cap | sed -n 2p | grep -q "1 loss" && [ "$n" -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
cap | sed -n 2p | grep -q "1 loss" || fail "80x24: not laid out again"
cap | grep -q "4 clusters" || fail "80x24: clusters pane gone"
cap | grep -q "1 loss" && cap | grep -q "2 latent" && cap | grep -q "3 f(x)" ||
    fail "80x24: a pane is missing"
# the title keeps its lr and state whole at 80 columns
title | grep -Eq " lr [0-9]\.[0-9][0-9]e[-+][0-9][0-9]  (running|paused|early-stopped|done)" ||
    fail "80x24: the title lost the lr or the state: $(title)"

# q quits with 0 and a working terminal
keys q
wait_exit

# a blow-up (] until the lr is 16384 times too high) rolls back, and the
# title says where to, the step whole (at 120 columns it was cut after "back")
start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "innx  three-roots" || fail "no title for the rollback test"
keys ] ] ] ] ] ] ] ] ] ] ] ] ] ]
wait_title "rollback" || fail "lr x 16384: no rollback in the title: $(title)"
title | grep -Eq "rollback at [0-9]+: (.*: )?back to step [0-9]+(, lr halved)? *$" ||
    fail "the rollback's step is cut: $(title)"
# at 80 columns, over (the longest state), the title keeps the lr and the
# state whole and the rollback whole or not at all ("early-stopped" was cut)
wait_title "early-stopped|done|diverged" 600 || fail "no end after the rollbacks: $(title)"
$T resize-window -t e2e -x 80 -y 24
n=0
while ! cap | sed -n 2p | grep -q "1 loss" && [ "$n" -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
title | grep -Eq " lr [0-9]\.[0-9][0-9]e[-+][0-9][0-9]  (early-stopped|done|diverged)( +rollback [0-9]+->[0-9]+)? *$" ||
    fail "80x24: the title lost the lr, the state or half a rollback: $(title)"
keys q
wait_exit

# LANG=C: the same screen without braille (nor box lines) and q still quits
start LC_ALL=C LANG=C
wait_for "innx  three-roots" || fail "LANG=C: no title"
wait_title " step [1-9]" || fail "LANG=C: no step"
braille=$(printf '\342[\240-\243]')
cap | LC_ALL=C grep -q "$braille" && fail "LANG=C: braille on screen"
cap | grep -q "+-" || fail "LANG=C: no ASCII box"
keys q
wait_exit

# sinc-kan at its y* 0.95: G's answer lies outside the domain, and the
# explorer says so (as the headless run does), not only "1 failed"
args="sinc-kan"
start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "innx  sinc-kan" || fail "no title for sinc-kan"
wait_finished 1200 || fail "sinc-kan did not finish in two minutes"
keys y
wait_for "roots of F(x) = y\*" || fail "sinc-kan y: no prompt"
keys 0.95 Enter
wait_for "y\* = 0.95: [0-9]* roots* (scan 1)" || fail "sinc-kan y 0.95: no answer"
if cap | grep -q "[1-9][0-9]* failed"; then
    wait_for "failed: G's answer -*[0-9.]* lies outside the domain" 50 ||
        fail "sinc-kan y 0.95: a failed candidate and no reason"
    cap | grep -q "\[0.001, 10\]" || fail "sinc-kan: the domain is not said"
fi
keys q
wait_exit

# sinc, k 3: clusters that polish to the one root of sin(x)/x = 0.95 in the
# domain are one root in pane 3's legend, not three
args="sinc"
start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "innx  sinc" || fail "no title for sinc"
keys k
wait_for "clusters k = " || fail "sinc k: no prompt"
keys C-u 3 Enter
wait_for "k = 3," || fail "sinc k 3: no three clusters"
n=0
while [ "$(cap | grep -c " 0\.5519110 ")" -lt 2 ] && [ "$n" -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
[ "$(cap | grep -c " 0\.5519110 ")" -ge 2 ] || fail "sinc k 3: fewer than two clusters polish to 0.5519110"
cap | grep -q "roots 1 " || fail "sinc k 3: pane 3 counts $(cap | grep -o "roots [0-9]*" | head -n 1), not 1 distinct"
keys q
wait_exit

# xsin's linear loss axis: every y label whole and once (0.00012 was cut to
# "0.0001", twice)
args="xsin"
start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "innx  xsin" || fail "no title for xsin"
wait_finished 1200 || fail "xsin did not finish in two minutes"
keys l
wait_for "1 loss (linear)" || fail "l: no linear axis"
labels=$(cap | sed -n '3,18p' | LC_ALL=C sed -n 's/^\xe2\x94\x82\(......\) .*/\1/p' | tr -d ' ' | grep .)
[ "$(echo "$labels" | wc -l)" -ge 2 ] || fail "xsin linear: fewer than two y labels: $labels"
dup=$(echo "$labels" | sort | uniq -d)
[ -z "$dup" ] || fail "xsin linear: y label $dup twice"
keys q
wait_exit
args=""

# A vector problem (x in R^n, y in R^m) at COLS x ROWS: the pair plot of
# the samples at y* (every row of variables named left of its grid: all
# four of ik's at 120x40, a pair a page at 80x24, paged with < and >),
# y-space and the statistics; y takes a vector and refuses a wrong count
# with the count it needs, and the plot is drawn for the new y*; s sets the
# number of samples. Nothing here depends on the run still going.
# vector_checks NAME COLS ROWS BORDER GRID_ROWS ENV...
vector_checks() {
    name=$1 cols=$2 rows=$3 box=$4 grid=$5
    shift 5
    args="$name"
    start "$@"
    at="$name ${cols}x$rows"
    wait_for "innx  $name " || fail "$at: no title"
    # (its title drops y* when y* does not fit whole: two-moons' at 80x24)
    wait_for "2 pair plot of x" 600 || fail "$at: no pair plot"
    wait_for " samples, \(certified\|a posterior\)" 600 || fail "$at: no samples in the table"
    cap | grep -q "3 y-space: " || fail "$at: no y-space pane"
    cap | grep -q " x2  *[-0-9]" || fail "$at: no statistics of x2"
    n=$(cap | grep -c "$box${box}x[0-9] ")
    [ "$n" = "$grid" ] || fail "$at: the pair plot names $n rows of variables, not $grid"
    if [ "$box" = "|" ]; then
        cap | LC_ALL=C grep -q "$(printf '\342[\240-\243]')" && fail "$at: braille under LANG=C"
    fi
    keys y
    wait_for "samples of x for y\*" || fail "$at: y: no prompt"
    keys 1 Enter
    wait_for "y\*: 1 value; y has 2 components" || fail "$at: y 1: not refused with the count"
    keys C-u 1.4,0.2 Enter
    wait_for "2 pair plot of x at y\* (1.4, 0.2)" 600 || fail "$at: y 1.4,0.2: the pair plot is not for it"
    wait_gone "not accepted" || fail "$at: y 1.4,0.2: the refusal stays"
    keys s
    wait_for "samples at y\* = " || fail "$at: s: no prompt"
    keys C-u 5 Enter
    wait_for "samples: a whole number from 10 to 400" || fail "$at: s 5: not refused"
    keys C-u 50 Enter
    wait_for "$box 50 samples, " 600 || fail "$at: s 50: the table does not count 50 samples"
    keys q
    wait_exit
}
vector_checks ik 120 40 "│" 4 LC_ALL=C.UTF-8 LANG=C.UTF-8
vector_checks ik 80 24 "│" 2 LC_ALL=C.UTF-8 LANG=C.UTF-8
# at 80x24 ik's six pairs are six pages; < on the first wraps to the last
start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "pairs 1/6 < >" 600 || fail "ik 80x24: the pair plot does not page"
keys ">"
wait_for "pairs 2/6 < >" || fail "ik 80x24: > did not turn the page"
keys "<" "<"
wait_for "pairs 6/6 < >" || fail "ik 80x24: < did not wrap to the last page"
keys q
wait_exit
vector_checks two-moons 120 40 "|" 2 LC_ALL=C LANG=C
vector_checks two-moons 80 24 "│" 2 LC_ALL=C.UTF-8 LANG=C.UTF-8
cols="" rows="" args=""

# a table problem shows its own panes: predicted against real traits, the
# PCA of both segmentations, the segment table (a shortened spend file;
# the forward fit long enough to be paused in)
"$innx" problems --show spend | sed 's/^steps = 2000$/steps = 300/; s/^steps = 4000$/steps = 60/' > "$dir/short.inn"
args="'$dir/short.inn'"
start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "innx  spend" || fail "spend file: no title"
# during the forward fit nothing about G is known: a dash, never "nan"
keys Space
wait_title "paused" || fail "spend: no pause"
title | grep -q " forward 1/" || fail "spend: the 300-step forward fit was over before a pause: $(title)"
cap | grep -qiw "nan" && fail "spend, forward stage: nan on screen: $(cap | grep -iw nan)"
cap | grep -q "RMSE —" || fail "spend, forward stage: no dash for the RMSE"
cap | grep -q "PC1 —, PC2 —" || fail "spend, forward stage: no dash for the PCs"
keys Space
wait_for "predicted vs real traits (test part, RMSE [0-9]" 1200 || fail "spend: no traits pane"
wait_for "seg count" 1200 || fail "spend: no segment table"
cap | grep -q "PCA of the traits" || fail "spend: no PCA pane"
# the exports number segments as the screen does, from 1
keys 4 x
wait_for "wrote innx-spend-clusters-[0-9]*.csv" || fail "spend 4 x: no wrote message"
csv=$dir/$(cap | tail -n 1 | sed -n 's/.*wrote \(innx-spend-clusters-[0-9-]*\.csv\).*/\1/p')
head -n 1 "$csv" | grep -q "^segment,count_pred," || fail "spend 4 x: header $(head -n 1 "$csv")"
awk -F, 'NR > 1 && ($1 < 1 || $1 != NR - 1) { bad = 1 } END { exit bad || NR < 2 }' "$csv" ||
    fail "spend 4 x: segments not numbered 1..k: $(cut -d, -f1 "$csv" | tr '\n' ' ')"
keys 3 x
wait_for "wrote innx-spend-fx-[0-9]*.csv" || fail "spend 3 x: no wrote message"
csv=$dir/$(cap | tail -n 1 | sed -n 's/.*wrote \(innx-spend-fx-[0-9-]*\.csv\).*/\1/p')
awk -F, 'NR > 1 && ($3 < 1 || $6 < 1) { bad = 1 } END { exit bad || NR < 2 }' "$csv" ||
    fail "spend 3 x: a segment numbered 0 in $csv"
keys Escape
# y on a table: G's traits polished on NN1 in the status line, not a
# formula's "no root found"
keys y
wait_for "roots of F(x) = y\*" || fail "spend y: no prompt"
keys 60 Enter
wait_for "y\* = 60: G .* -> on NN1 " || fail "spend y: no table answer: $(cap | tail -1)"
keys q
wait_exit
args=""

# a table of (x, y) pairs through the branch model (--auto): NN1's curve
# in the f pane once fitted, and the clusters' roots on it
awk 'BEGIN { print "x,y"; for (i = 0; i < 1000; i++) { x = 6 * i / 999; printf "%.6f,%.6f\n", x, sin(2 * x) + 0.1 * x } }' > "$dir/w.csv"
printf '[problem]\nbase = spend\nname = wave\n[data]\ntable = w.csv\nx_columns = x\ny_column = y\n[stage1]\nsteps = 600\n' > "$dir/w.inn"
args="'$dir/w.inn' --auto"
start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "innx  wave" || fail "table --auto: no title"
wait_for "NN1(x) on \[0, 6\], fitted to the table" 1200 || fail "table --auto: no NN1 pane: $(cap)"
wait_for "clusters at y\* = 0: k = " 1200 || fail "table --auto: no cluster table: $(cap)"
keys q
wait_exit
args=""

# w saves the session in the cwd, says where, never over a file (paused
# first, whether three-roots is still going or already over)
start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "innx  three-roots" || fail "no title for the save test"
pause_run
keys w
wait_for "saved step [0-9]* to innx-three-roots-[0-9]*.safetensors" || fail "w: no saved message"
keys w
wait_for "saved step [0-9]* to innx-three-roots-[0-9]*-1.safetensors" || fail "w twice: no -1 name"
# x exports the zoomed pane's data as CSV, and asks for a zoom first
keys x
wait_for "zoom a pane first" || fail "x without a zoom: no message"
keys 2 x
wait_for "wrote innx-three-roots-latent-[0-9]*.csv" || fail "x: no wrote message"
keys x
wait_for "wrote innx-three-roots-latent-[0-9]*-1.csv" || fail "x twice: no -1 name"
keys q
wait_exit
ls "$dir"/innx-three-roots-*-1.safetensors >/dev/null 2>&1 || fail "w: no file in the cwd"
csv=$(ls "$dir"/innx-three-roots-latent-*[0-9].csv | head -n1)
[ "$(head -n1 "$csv")" = "z,x,f_minus_y,cluster" ] || fail "x: header of $csv"
[ "$(wc -l < "$csv")" -eq 301 ] || fail "x: $csv should hold the 300 codes"

# SIGTERM (and the same handler serves SIGHUP) ends it cleanly with 0, the
# run autosaved under $XDG_STATE_HOME/innx
start LC_ALL=C.UTF-8 LANG=C.UTF-8 "XDG_STATE_HOME='$dir/state'"
wait_for "innx  three-roots" || fail "no title for the signal test"
pid=$(pgrep -P "$($T display -p -t e2e '#{pane_pid}')") || fail "no innx process"
kill -TERM "$pid"
wait_exit
ls "$dir"/state/innx/innx-three-roots-*.safetensors >/dev/null 2>&1 || fail "SIGTERM: no autosave"
wait_for "SIGTERM: step [0-9]* saved to $dir/state/innx/innx-three-roots-" || fail "SIGTERM: not said where"
start LC_ALL=C.UTF-8 LANG=C.UTF-8 "XDG_STATE_HOME='$dir/state'"
wait_for "innx  three-roots" || fail "no title for the signal test"
pid=$(pgrep -P "$($T display -p -t e2e '#{pane_pid}')") || fail "no innx process"
kill -HUP "$pid"
wait_exit
[ "$failed" = 0 ] || exit 1
echo "tui_e2e: ok"
