#!/bin/sh
# cli_layers.sh: src/cli's front-end floor calls one way (DESIGN.md,
# Layers): explore.c and run.c over cli_checkpoint.c over problem_opts.c
# over util.c. A file calling a function defined in a file of its own rank
# or above (a circle, as run.c <-> explore.c was) fails, naming the call.
set -u
src="${top_srcdir:-.}/src/cli"
fail() { echo "FAIL: $*" >&2; exit 1; }

# FILE RANK, bottom first
ranks='util.c 0
problem_opts.c 1
cli_checkpoint.c 2
run.c 3
explore.c 3'

# the functions a file defines for others: a definition line at the left
# margin that is not static
defs() {
    sed -n '/^static/!s/^[a-z][a-z_ ]*[ *]\([a-z_][a-z_0-9]*\)(.*/\1/p' "$src/$1"
}

echo "$ranks" | while read -r a ra; do
    [ -f "$src/$a" ] || { echo "FAIL: $a is missing" >&2; exit 1; }
    echo "$ranks" | while read -r b rb; do
        [ "$a" = "$b" ] && continue
        [ "$rb" -ge "$ra" ] || continue
        for f in $(defs "$b"); do
            if grep -n "\\b$f(" "$src/$a" > /dev/null; then
                echo "FAIL: $a calls $f of $b ($b is not below $a): $(grep -n "\\b$f(" "$src/$a" | head -n 1)" >&2
                exit 1
            fi
        done
    done || exit 1
done || exit 1
# the check sees definitions at all (else it passes vacuously)
[ -n "$(defs run.c)" ] && [ -n "$(defs util.c)" ] || fail "no definitions found in $src"
defs cli_checkpoint.c | grep -qx cli_save || fail "cli_save not seen in cli_checkpoint.c"
exit 0
