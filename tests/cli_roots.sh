#!/bin/sh
# cli_roots.sh: `innx roots` as a user types it: roots, JSON, no root, and
# the errors with their exit codes and caret.
set -u
innx="${top_builddir:-.}/src/innx"
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$innx" roots 'sin(x)/x' --domain -10:10 --y 0.95) || fail "roots exited $?"
[ "$(echo "$out" | wc -l)" -eq 2 ] || fail "want 2 roots: $out"
echo "$out" | grep -q "x = 0.55191097862186" || fail "no +0.5519: $out"

json=$("$innx" roots 'tan(x)' --domain 1:5 --json) || fail "roots --json exited $?"
echo "$json" | grep -q '"roots":\[{"x":3.14159265358979' || fail "json: $json"
echo "$json" | grep -q '"bracketed":true' || fail "json bracket flag: $json"

json=$("$innx" roots 'x^2+1' --domain -1:1 --json) || fail "no root must exit 0"
echo "$json" | grep -q '"roots":\[\]' || fail "empty list: $json"

"$innx" roots 'sin(x)+sni(x)' --domain 0:1 2>err.$$; rc=$?
[ $rc -eq 2 ] || fail "bad formula exit $rc"
grep -q "^innx: formula:1:8: unknown function 'sni'" err.$$ || fail "message: $(cat err.$$)"
grep -q '^         ^$' err.$$ || fail "caret: $(cat err.$$)"
"$innx" roots 'x' --domain 2:1 2>/dev/null; [ $? -eq 2 ] || fail "bad domain must exit 2"
"$innx" roots 'x' --domain a:b 2>/dev/null; [ $? -eq 2 ] || fail "non-numeric domain must exit 2"
"$innx" roots 'x' 2>/dev/null; [ $? -eq 2 ] || fail "missing domain must exit 2"
rm -f err.$$
echo "cli_roots: ok"
