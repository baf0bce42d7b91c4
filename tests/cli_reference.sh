#!/bin/sh
# cli_reference.sh: `innx roots PROBLEM`, the classical references of a
# vector problem: the square system's ten roots by multistart, each
# certified; the arm's projected points and its rejection reference (every
# kept draw within EPS, then on F(x) = y*); a simulator's rejection run; and
# the refusals of bad input.
set -u
innx="${top_builddir:-.}/src/innx"
fail() { echo "FAIL: $*" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/innx-reference-XXXXXX")
trap 'rm -rf "$dir"' EXIT
num() { echo "$1" | sed -n "s/.*\"$2\":\([-0-9.e]*\).*/\1/p"; }

# square: sin x1 cos x2 = 0 on x1^2 + x2^2 = 16 has exactly ten real roots
# (x1 = 0, +-pi; x2 = +-pi/2); 300 starts find every one, certified, none
# spurious, on two seeds
for seed in 0 7; do
    json=$("$innx" roots square --starts 300 --seed $seed --json 2>"$dir/err") ||
        fail "square seed $seed exited $?: $(cat "$dir/err")"
    echo "$json" | grep -q '"found":10,' || fail "square seed $seed: want 10 roots: $json"
    echo "$json" | grep -q '"certified":10,' || fail "square seed $seed: certified: $json"
    r=$(num "$json" max_residual)
    awk -v r="$r" 'BEGIN { exit !(r <= 1e-12) }' || fail "square seed $seed: residual $r"
    # each root on the circle and on a zero of sin x1 cos x2, to 1e-9
    echo "$json" | grep -o '"roots":\[.*\]\]' | grep -o '\[[-0-9.e]*,[-0-9.e]*\]' | tr -d '[]' |
        awk -F, '{ f = sin($1) * cos($2); g = $1 * $1 + $2 * $2 - 16; if (f * f + g * g > 1e-18) bad++ }
                 END { exit bad > 0 }' || fail "square seed $seed: a root is not one: $json"
done
# the text lists them in order, the first (-3.6787, -1.5708)
out=$("$innx" roots square --starts 300) || fail "square text exited $?"
echo "$out" | grep -q "roots (distinct, certified |F(x) - y\*| <= 1e-12): 10" || fail "square text: $out"
echo "$out" | sed -n 4p | grep -q "^  (-3.678668088, -1.570796327)" || fail "square order: $out"

# the arm (m = 2 < n = 4): multistart's projected points, all certified,
# in the CSV as x1..x4 on F(x) = y*
json=$("$innx" roots ik --y 1.5,0 --starts 200 --out "$dir/ms.csv" --json) || fail "ik multistart exited $?"
echo "$json" | grep -q '"samples":200,"certified":200,"failed":0' || fail "ik multistart: $json"
echo "$json" | grep -q '"clusters":{"count":[1-8],' || fail "ik multistart families: $json"
arm='{ a = $2; b = $2 + $3; c = b + $4;
       h = 0.5 * cos(a) + 0.5 * cos(b) + cos(c) - Y1; v = $1 + 0.5 * sin(a) + 0.5 * sin(b) + sin(c) - Y2;
       if (NR > 1 && (h > T || -h > T || v > T || -v > T)) bad++ }
     END { exit bad > 0 || NR != N + 1 }'
head -1 "$dir/ms.csv" | grep -q '^x1,x2,x3,x4$' || fail "ik CSV header: $(head -1 "$dir/ms.csv")"
awk -F, -v Y1=1.5 -v Y2=0 -v T=1e-9 -v N=200 "$arm" "$dir/ms.csv" || fail "ik multistart CSV is not on F = y*"

# the arm's rejection reference: 300 prior draws within 0.1 of y*, each then
# projected and certified
json=$("$innx" roots ik --y 1.2,0.3 --reject 0.1 --samples 300 --seed 2 --out "$dir/rej.csv" --json) ||
    fail "ik rejection exited $?"
echo "$json" | grep -q '"method":"rejection"' || fail "ik rejection: $json"
echo "$json" | grep -q '"kept":300,' || fail "ik rejection kept: $json"
echo "$json" | grep -q '"certified":300,"failed":0' || fail "ik rejection certified: $json"
d=$(num "$json" max_distance)
awk -v d="$d" 'BEGIN { exit !(d > 0.05 && d < 0.1) }' || fail "ik rejection: max distance $d (want < eps 0.1)"
awk -F, -v Y1=1.2 -v Y2=0.3 -v T=1e-9 -v N=300 "$arm" "$dir/rej.csv" || fail "ik rejection CSV is not on F = y*"
# a seed fixes it
"$innx" roots ik --y 1.2,0.3 --reject 0.1 --samples 300 --seed 2 --out "$dir/rej2.csv" >/dev/null ||
    fail "ik rejection again exited $?"
cmp -s "$dir/rej.csv" "$dir/rej2.csv" || fail "ik rejection: the same seed gave other samples"

# a simulator: two-moons by rejection, y simulated with its noise; the kept
# thetas sit on the moon: |t1 + t2|/sqrt 2 = p1 - y1* with p1 = 0.25 + r cos a
# in [0.25, 0.40], so in [0.84, 1.09] widened by eps
json=$("$innx" roots two-moons --reject 0.05 --samples 400 --out "$dir/tm.csv" --json) ||
    fail "two-moons rejection exited $?"
echo "$json" | grep -q '"simulator":true' || fail "two-moons: simulator: $json"
echo "$json" | grep -q '"kept":400,' || fail "two-moons kept: $json"
echo "$json" | grep -q '"clusters":{"count":2,' || fail "two-moons: want its two moons: $json"
awk -F, 'NR > 1 { s = $1 + $2; if (s < 0) s = -s; s /= sqrt(2); if (s < 0.84 || s > 1.09) bad++ }
         END { exit bad > 0 || NR != 401 }' "$dir/tm.csv" || fail "two-moons: a kept theta is off the moon"

# refusals: exit 2 and a message naming what
"$innx" roots square --y 1 2>"$dir/err"; rc=$?
[ $rc -eq 2 ] && grep -q "give 2" "$dir/err" || fail "wrong --y count: exit $rc: $(cat "$dir/err")"
for eps in 0 -1 x; do
    "$innx" roots ik --reject $eps 2>"$dir/err"; rc=$?
    [ $rc -eq 2 ] && grep -q "radius > 0" "$dir/err" || fail "--reject $eps: exit $rc: $(cat "$dir/err")"
done
"$innx" roots two-moons 2>"$dir/err"; rc=$?
[ $rc -eq 2 ] && grep -q "simulator.*--reject EPS" "$dir/err" || fail "simulator multistart: exit $rc: $(cat "$dir/err")"
"$innx" roots ik --starts 0 2>"$dir/err"; rc=$?
[ $rc -eq 2 ] && grep -q "starts" "$dir/err" || fail "--starts 0: exit $rc: $(cat "$dir/err")"
# the formula path is unchanged
out=$("$innx" roots 'x^2' --domain -2:2 --y 1) || fail "formula roots exited $?"
[ "$(echo "$out" | grep -c '^x = ')" -eq 2 ] || fail "formula roots: $out"
echo "ok"
