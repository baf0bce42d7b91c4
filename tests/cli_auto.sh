#!/bin/sh
# cli_auto.sh: many roots as a user meets them: any formula's roots found
# by the branch model with no partitions given (close roots, a double
# root, a pole, a damped oscillation), each certified and none spurious;
# three-roots --auto on [0, 8] and [0, 20]; queries at several y*; the
# query benchmark's recall; xsin against the article's figures; bad input.
set -u
innx="${top_builddir:-.}/src/innx"
fail() { echo "FAIL: $*" >&2; exit 1; }
num() { echo "$1" | sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" | head -n1; }
top() { echo "$1" | sed 's/"queries".*//'; }   # the first y*'s part of a report
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# formula | domain | roots at y = 0
while IFS='|' read -r f d want; do
    json=$("$innx" train --f "$f" --domain "$d" --json) || fail "train --f '$f' exited $?"
    t=$(top "$json")
    echo "$t" | grep -q '"recall":1.0,' || fail "'$f': recall below 1: $json"
    n=$(echo "$t" | grep -o '"residual":[0-9.e-]*' | wc -l)
    [ "$n" -eq "$want" ] || fail "'$f': $n roots, want $want: $json"
    for r in $(echo "$t" | grep -o '"residual":[0-9.e-]*' | cut -d: -f2); do
        le "$r" 1e-12 || fail "'$f': a root with |f - y| = $r > 1e-12"
    done
done <<'LIST'
(x - 1)*(x - 1.1)*(x - 3)|0:4|3
(x - 2)^2|0:4|1
1/(x - 1) - 2|0:3|1
exp(-0.2*x)*sin(3*x)|0:10|10
LIST

# three-roots with no partitions: all three on [0, 8], all seven on [0, 20]
json=$("$innx" train three-roots --auto --json) || fail "three-roots --auto exited $?"
[ "$(top "$json" | grep -o '"residual":' | wc -l)" -eq 3 ] || fail "three-roots --auto: want 3 roots: $json"
echo "$json" | grep -q '"recall":1.0,' || fail "three-roots --auto recall: $json"
json=$("$innx" train three-roots --auto --domain 0:20 --json) || fail "--domain 0:20 exited $?"
[ "$(top "$json" | grep -o '"residual":' | wc -l)" -eq 7 ] || fail "three-roots on [0, 20]: want 7 roots: $json"

# queries at several y*: each with its roots; recall over all of them
json=$("$innx" train three-roots --auto --y 0,0.3,-1 --json) || fail "--y exited $?"
[ "$(echo "$json" | grep -o '"y":[-0-9]' | wc -l)" -eq 4 ] || fail "--y: want the top level and 3 queries: $json"
echo "$json" | grep -q '"recall_all":1.0' || fail "--y recall: $json"
text=$("$innx" train three-roots --auto --y 0.3 --quiet) || fail "--y text exited $?"
echo "$text" | grep -q "roots of f(x) = 0.3" || fail "--y text: $text"
"$innx" train three-roots --auto --y 0,abc 2>/dev/null; [ $? -eq 2 ] || fail "a bad --y must exit 2"
"$innx" train three-roots --y 0.5 2>/dev/null; [ $? -eq 2 ] || fail "--y on a G(z) must exit 2"
"$innx" train spend --auto 2>/dev/null; [ $? -eq 2 ] || fail "--auto on a table must exit 2"

# the query benchmark: recall on random y* against the scan
json=$("$innx" bench query three-roots --repeats 2000 --json) || fail "bench query exited $?"
r=$(num "$json" recall)
le 0.99 "$r" || fail "bench query recall $r < 0.99: $json"
for k in queries_per_second scan_queries_per_second; do
    echo "$json" | grep -q "\"$k\":" || fail "bench query: no $k: $json"
done

# xsin: the article's two RMSEs (regressor ~1.1, inverse <= 0.04), polished
# to 1e-9, every root over 100 y*
json=$("$innx" train xsin --json) || fail "train xsin exited $?"
le "$(num "$json" rmse_inverse)" 0.04 || fail "xsin raw RMSE: $json"
le "$(num "$json" rmse_inverse_polished)" 1e-9 || fail "xsin polished RMSE: $json"
le 0.99 "$(num "$json" recall)" || fail "xsin recall: $json"
r=$(num "$json" rmse_regressor_to_x)
le 0.5 "$r" && le "$r" 2 || fail "xsin regressor RMSE $r far from the article's 1.1: $json"
echo "ok"
