#!/bin/sh
# cli_docs.sh: the reference cannot drift from the program. Every option
# of --help is in the man page; every problem-file setting that
# `problems --show` prints has a bold entry under its section in the man
# page's PROBLEM FILES, and each loss term an item in LOSS TERMS; every
# JSON field the CLI writes (the literal keys of src/cli's json_* calls,
# and the keys of real --json runs) is named in backquotes in
# docs/json.md; every relative link of README.md and docs/ leads to a
# file. (The explorer's keys against the man page: test_keys.)
set -u
innx="${top_builddir:-.}/src/innx"
src="${top_srcdir:-.}"
man="$src/man/innx.1"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT

# -- --help's options in the man page (roff writes - as \-)
"$innx" --help > "$tmp/help" || fail "--help exited $?"
opts=$(grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u)
[ -n "$opts" ] || fail "no options in --help"
for o in $opts; do
    r=$(echo "$o" | sed 's/-/\\\\-/g')
    grep -q -- "$r" "$man" || fail "--help's $o is not in man/innx.1"
done

# -- problem-file settings: the bold words of PROBLEM FILES, each under the
# section last named in bold before it ([stage1] [stage2] [stage3] as one)
awk '
/^\.SH / { on = ($0 == ".SH PROBLEM FILES"); next }
!on || !/^\.(B|BR|RB|BI|IB) / { next }
{
    m = $1; line = substr($0, length(m) + 2); n = 0
    while (length(line) > 0) {
        sub(/^ +/, "", line)
        if (line == "") break
        if (substr(line, 1, 1) == "\"") {
            e = index(substr(line, 2), "\""); if (e == 0) e = length(line)
            a[++n] = substr(line, 2, e - 1); line = substr(line, e + 2)
        } else {
            e = index(line, " "); if (e == 0) e = length(line) + 1
            a[++n] = substr(line, 1, e - 1); line = substr(line, e)
        }
    }
    first = (m == ".B") ? -1 : (m == ".BR" || m == ".BI") ? 1 : 2
    for (i = 1; i <= n; i++) {
        if (first > 0 && i % 2 != first % 2) continue
        gsub(/\\-/, "-", a[i])
        k = split(a[i], w, " ")
        for (j = 1; j <= k; j++) {
            x = w[j]; gsub(/^\(|[,.;:)]+$/, "", x)
            if (x ~ /^\[stage[0-9]\]$/) { cur = "stage"; print "section", cur }
            else if (x ~ /^\[[a-z]+\]$/) { cur = substr(x, 2, length(x) - 2); print "section", cur }
            else if (x != "") print cur, x
        }
    }
}' "$man" | sort -u > "$tmp/man_settings"
grep -q '^problem name$' "$tmp/man_settings" || fail "PROBLEM FILES not read: $(head "$tmp/man_settings")"
for n in $("$innx" problems | awk '{ print $1 }'); do
    "$innx" problems --show "$n" > "$tmp/show" || fail "--show $n exited $?"
    awk '
    /^\[/ { s = substr($0, 2, index($0, "]") - 2); if (s ~ /^stage[0-9]$/) s = "stage"
            print "section", s; next }
    /^[a-z_]+ =/ && s != "forward" && s != "prior" && s != "partitions" { print s, $1 }
    ' "$tmp/show"
done | sort -u > "$tmp/settings"
[ "$(wc -l < "$tmp/settings")" -gt 50 ] || fail "too few settings: $(cat "$tmp/settings")"
missing=$(comm -23 "$tmp/settings" "$tmp/man_settings")
[ -z "$missing" ] || fail "settings without a bold entry in man innx, PROBLEM FILES: $missing"
# each loss term (a [loss] lambda) has an item of its own in LOSS TERMS
awk '/^\.SH / { on = ($0 == ".SH LOSS TERMS"); next }
     on && tp && /^\.B / { print $2 } { tp = /^\.TP/ }' "$man" | sort -u > "$tmp/man_terms"
sed -n 's/^loss \([a-z]*\)$/\1/p' "$tmp/settings" | grep -vx box_form > "$tmp/terms"
[ "$(wc -l < "$tmp/terms")" -ge 12 ] || fail "too few loss terms: $(cat "$tmp/terms")"
missing=$(comm -23 "$tmp/terms" "$tmp/man_terms")
[ -z "$missing" ] || fail "loss terms without an item in man innx, LOSS TERMS: $missing"

# -- JSON fields: the literal keys in the source, and those of real runs
# (cheap ones: a few steps each; computed keys such as ms_per_step_joint
# and data's column names only show here)
sed -n 's/.*json_\(num\|int\|str\|bool\|obj_begin\|arr_begin\|vec\|group\|means\|run_header\)([^,]*, "\([A-Za-z0-9_]*\)".*/\2/p' \
    "$src"/src/cli/*.c > "$tmp/keys"
[ "$(wc -l < "$tmp/keys")" -gt 100 ] || fail "too few literal keys in src/cli: $(wc -l < "$tmp/keys")"
cd "$tmp" || fail "cd $tmp"
case "$innx" in /*) ;; *) innx="$OLDPWD/$innx" ;; esac
: > runs.jsonl
run() { "$innx" "$@" --json >> runs.jsonl || fail "$* --json exited $?"; }
# a run too short to answer exits 1 (not polished) but still writes its line
run_short() {
    n=$(wc -l < runs.jsonl); "$innx" "$@" --json >> runs.jsonl; rc=$?
    [ $rc -le 1 ] && [ "$(wc -l < runs.jsonl)" -gt "$n" ] || fail "$* --json exited $rc"
}
run train three-roots --steps 30
run train three-roots --auto --steps 20
run_short train sinc --steps 10 --set inverse.batch_n=500
run train sinc-kan --range --steps 10
run train xsin --steps 10
run train spend --steps 3 --set stage3.steps=2
run train two-moons --steps 3 --samples 20
run train square --steps 3 --samples 20
run roots 'sin(x)' --domain 0:7
run bench spend --repeats 2
run bench seeds three-roots --repeats 1 --set stage1.steps=30
"$innx" train ik --steps 3 --samples 10 --save ik.safetensors --quiet > /dev/null || fail "train ik --save"
run query ik.safetensors --y 1.2,0.3 --samples 10
"$innx" train three-roots --steps 30 --save t.safetensors --quiet > /dev/null || fail "train three-roots --save"
run query t.safetensors --y 0
grep -oE '"([^"\\]|\\.)*":' runs.jsonl | sed 's/^"//; s/":$//' >> keys
cd "$OLDPWD" || fail "cd back"
for k in $(sort -u "$tmp/keys"); do
    grep -qF -- "\`$k\`" "$src/docs/json.md" || fail "JSON field $k is not in docs/json.md"
done

# -- links of README.md and docs/*.md (relative ones) lead to files
for f in "$src"/README.md "$src"/docs/*.md "$src"/docs/*/*.md; do
    [ -f "$f" ] || continue
    dir=$(dirname "$f")
    for l in $(grep -oE '\]\([^)#]+' "$f" | sed 's/^](//'); do
        case "$l" in http://*|https://*|mailto:*) continue ;; esac
        [ -e "$dir/$l" ] || fail "$f links to $l, which does not exist"
    done
done
grep -q '](docs/explorer.png)' "$src/README.md" || fail "README shows no screenshot"
exit 0
