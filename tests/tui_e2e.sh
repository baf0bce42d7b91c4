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
fail() {
    echo "FAIL: $*" >&2
    echo "--- screen:" >&2
    cap >&2
    exit 1
}

cap() { $T capture-pane -t e2e -p 2>/dev/null; }
title() { cap | head -n 1; }
step() { title | sed -n 's/.* step \([0-9][0-9]*\) .*/\1/p'; }
keys() { $T send-keys -t e2e "$@"; }
# wait_for PATTERN [tenths of a second]: until the screen shows it
wait_for() {
    n=0
    while [ "$n" -lt "${2:-100}" ]; do
        cap | grep -q -- "$1" && return 0
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}
wait_gone() {
    n=0
    while [ "$n" -lt "${2:-50}" ]; do
        cap | grep -q -- "$1" || return 0
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}
finished() { title | grep -Eq "early-stopped|done"; }
# start NAME ENV...: innx in a 120x40 window; its exit code and the tty's
# settings after it land in $dir
args=""   # innx's own arguments for the next start
start() {
    $T kill-server 2>/dev/null
    run_n=$((run_n + 1))
    T="tmux -L innx-e2e-$$-$run_n -f /dev/null"
    $T new-session -d -s e2e -c "$dir" -x 120 -y 40 \
        "env $* '$innx' $args; echo \$? > '$dir/rc'; stty -a > '$dir/stty'; echo EXITED; sleep 600" ||
        fail "tmux would not start"
    rm -f "$dir/rc"
}
wait_exit() {
    n=0
    while [ ! -s "$dir/rc" ] && [ "$n" -lt 100 ]; do
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
wait_for " step [1-9]" || fail "no step taken"

# the step count rises (a run this small may already be over: train on)
s1=$(step)
sleep 0.3
if finished; then
    keys t
fi
sleep 0.3
s2=$(step)
[ "$s2" -gt "$s1" ] || fail "step stuck at $s1 -> $s2"

# space pauses and the count stops (if the run ended first, t trains on paused)
keys Space
sleep 0.3
if finished; then
    keys t
fi
wait_for "paused" 30 || fail "space: no paused state"
s1=$(step)
sleep 1
s2=$(step)
[ "$s1" = "$s2" ] || fail "paused but steps went $s1 -> $s2"
# n takes exactly one step
keys n
wait_for " step $((s1 + 1)) " 20 || fail "n: step $s1 did not become $((s1 + 1))"

# + doubles the selected lambda (cyc, the first term) in the bar; - undoes
wait_for "cyc=5 " || fail "lambda bar: no cyc=5"
keys +
wait_for "cyc=10 " 20 || fail "+ did not show cyc=10"
keys -- -
wait_for "cyc=5 " 20 || fail "- did not bring cyc=5 back"

# after training, y 0 lists the three roots to 4 decimals
keys Space
n=0
while ! finished && [ "$n" -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
finished || fail "three-roots did not finish in 30 s"
# the cluster table fits its 58-column pane whole: each root to 7 decimals
# and mean|f| (the CI column waits for a zoom); the loss legend puts the
# term that makes most of the total (center) right after the total
wait_for "id count  centroid         root  residual  br   mean|f|" 20 || fail "cluster table header: $(cap)"
for r in 0.3970286 2.5952263 6.9076965; do cap | grep -q " $r " || fail "cluster table: no root $r"; done
cap | grep -q "total [0-9.]*  [^ ]* center " || fail "loss legend: center not first after the total"
keys y
wait_for "roots of F(x) = y\*" 20 || fail "y: no prompt"
keys 0 Enter
wait_for "roots (scan 3), [0-9]* candidates" 50 || fail "y 0: no answer"
cap | grep -q " #  *x  residual   raw res  br    vs scan" || fail "y 0: the query table lost a column: $(cap)"
for r in 0.3970 2.5952 6.9077; do
    wait_for "$r" 10 || fail "y 0: no root $r"
done

# f: a bad formula is refused with the parser's caret, the old one stays
keys f
wait_for "f(x) = " 20 || fail "f: no prompt"
keys C-u "sin(x)+sni(x)" Enter
wait_for "unknown function 'sni'" 30 || fail "f: bad formula not refused"
cap | grep -q ' \^ ' || fail "f: no caret"
keys Escape
wait_gone "unknown function" || fail "Esc left the error up"
title | grep -q "three-roots" || fail "the refused formula replaced the problem"
# a good one retrains on it
keys f C-u "cos(x) - 0.2" Enter
wait_for "innx  formula" 50 || fail "f: new formula not taken"
sleep 0.5
[ "$(step)" -gt 0 ] || fail "f: no training on the new formula"

# a refused entry says why above the open prompt; Esc cancels it
keys k
sleep 0.3
keys 9 9 Enter
wait_for "a whole number from 1 to 16 " 20 || fail "k 99: no reason shown"
keys Escape
wait_gone "not accepted" || fail "k: Esc did not cancel"

# ? shows the help, any key closes it
keys ?
wait_for "innx keys" 20 || fail "?: no help"
# the help is the key table itself (keymap.c): Ctrl-L repaints and is listed
cap | grep -q "Ctrl-L *repaint" || fail "?: the help does not list Ctrl-L"
keys Escape
wait_gone "innx keys" || fail "help did not close"

# too small says the size needed; back to 120x40 brings the panes
$T resize-window -t e2e -x 50 -y 14
wait_for "too small" 30 || fail "50x14: no size message"
cap | grep -q "60x16" || fail "50x14: size needed not shown"
$T resize-window -t e2e -x 120 -y 40
wait_for "1 loss" 30 || fail "120x40: panes not back"
wait_gone "too small" || fail "120x40: size message stays"
# 80x24 still holds all four panes (the loss pane back on row 2 says the
# screen was laid out again: tmux keeps the bottom of the old one)
$T resize-window -t e2e -x 80 -y 24
n=0
while ! cap | sed -n 2p | grep -q "1 loss" && [ "$n" -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
cap | sed -n 2p | grep -q "1 loss" || fail "80x24: not laid out again"
cap | grep -q "4 clusters" || fail "80x24: clusters pane gone"
cap | grep -q "1 loss" && cap | grep -q "2 latent" && cap | grep -q "3 f(x)" ||
    fail "80x24: a pane is missing"

# q quits with 0 and a working terminal
keys q
wait_exit

# LANG=C: the same screen without braille (nor box lines) and q still quits
start LC_ALL=C LANG=C
wait_for "innx  three-roots" || fail "LANG=C: no title"
wait_for " step [1-9]" || fail "LANG=C: no step"
sleep 0.5
braille=$(printf '\342[\240-\243]')
cap | LC_ALL=C grep -q "$braille" && fail "LANG=C: braille on screen"
cap | grep -q "+-" || fail "LANG=C: no ASCII box"
keys q
wait_exit

# a table problem shows its own panes: predicted against real traits, the
# PCA of both segmentations, the segment table (a shortened spend file)
"$innx" problems --show spend | sed 's/^steps = 2000$/steps = 40/; s/^steps = 4000$/steps = 60/' > "$dir/short.inn"
args="'$dir/short.inn'"
start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "innx  spend" 30 || fail "spend file: no title"
wait_for "predicted vs real traits" 300 || fail "spend: no traits pane"
wait_for "seg count" 300 || fail "spend: no segment table"
cap | grep -q "PCA of the traits" || fail "spend: no PCA pane"
# y on a table: G's traits polished on NN1 in the status line, not a
# formula's "no root found"
keys y
wait_for "roots of F(x) = y\*" 20 || fail "spend y: no prompt"
keys 60 Enter
wait_for "y\* = 60: G .* -> on NN1 " 50 || fail "spend y: no table answer: $(cap | tail -1)"
keys q
wait_exit
args=""

# a table of (x, y) pairs through the branch model (--auto): NN1's curve
# in the f pane once fitted, and the clusters' roots on it
awk 'BEGIN { print "x,y"; for (i = 0; i < 1000; i++) { x = 6 * i / 999; printf "%.6f,%.6f\n", x, sin(2 * x) + 0.1 * x } }' > "$dir/w.csv"
printf '[problem]\nbase = spend\nname = wave\n[data]\ntable = w.csv\nx_columns = x\ny_column = y\n[stage1]\nsteps = 600\n' > "$dir/w.inn"
args="'$dir/w.inn' --auto"
start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "innx  wave" 30 || fail "table --auto: no title"
wait_for "NN1(x) on \[0, 6\], fitted to the table" 300 || fail "table --auto: no NN1 pane: $(cap)"
wait_for "clusters at y\* = 0: k = " 300 || fail "table --auto: no cluster table: $(cap)"
keys q
wait_exit
args=""

# w saves the running session in the cwd, says where, never over a file
start LC_ALL=C.UTF-8 LANG=C.UTF-8
wait_for "innx  three-roots" || fail "no title for the save test"
keys Space
wait_for "paused" 30 || fail "w: no pause"
keys w
wait_for "saved step [0-9]* to innx-three-roots-[0-9]*.safetensors" 50 || fail "w: no saved message"
keys w
wait_for "saved step [0-9]* to innx-three-roots-[0-9]*-1.safetensors" 50 || fail "w twice: no -1 name"
# x exports the zoomed pane's data as CSV, and asks for a zoom first
keys x
wait_for "zoom a pane first" 20 || fail "x without a zoom: no message"
keys 2 x
wait_for "wrote innx-three-roots-latent-[0-9]*.csv" 20 || fail "x: no wrote message"
keys x
wait_for "wrote innx-three-roots-latent-[0-9]*-1.csv" 20 || fail "x twice: no -1 name"
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
wait_for "SIGTERM: step [0-9]* saved to $dir/state/innx/innx-three-roots-" 20 || fail "SIGTERM: not said where"
start LC_ALL=C.UTF-8 LANG=C.UTF-8 "XDG_STATE_HOME='$dir/state'"
wait_for "innx  three-roots" || fail "no title for the signal test"
pid=$(pgrep -P "$($T display -p -t e2e '#{pane_pid}')") || fail "no innx process"
kill -HUP "$pid"
wait_exit
echo "tui_e2e: ok"
