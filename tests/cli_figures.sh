#!/bin/sh
# cli_figures.sh: figures as a user makes them: `train --figures DIR` writes
# every pane of three-roots and of ik (a vector problem: its pair plot is
# square), `innx plot` a saved sinc run's, never over a file.
set -u
innx="${top_builddir:-.}/src/innx"
case "$innx" in /*) ;; *) innx="$(pwd)/$innx" ;; esac
fail() { echo "FAIL: $*" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/innx-fig.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
cd "$dir" || exit 1

# a PNG: the signature and the size in its IHDR (default 1600 x 1000: 800 x
# 500 at 2x; png_ok FILE W H for another)
png_ok() {
    [ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a ] || return 1
    [ "$(od -An -tu1 -j16 -N8 "$1" | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4, $5*16777216 + $6*65536 + $7*256 + $8 }')" = "${2:-1600} ${3:-1000}" ]
}
# an SVG: well-formed XML (xmllint when there is one) with an svg root
svg_ok() {
    grep -q '<svg' "$1" && tail -c 200 "$1" | grep -q '</svg>' || return 1
    if command -v xmllint > /dev/null 2>&1; then xmllint --noout "$1" || return 1; fi
    return 0
}

mkdir out
"$innx" train three-roots --figures out > tr.txt || fail "train --figures exited $?"
for pane in loss latent fx clusters; do
    set -- out/innx-three-roots-$pane-*.png
    [ -f "$1" ] || fail "no $pane PNG: $(ls out)"
    png_ok "$1" || fail "$1 is not a 1600x1000 PNG"
    svg_ok "${1%.png}.svg" || fail "${1%.png}.svg is not a well-formed SVG"
    grep -q "figure $pane: " tr.txt || fail "train did not say where the $pane figure went"
done
[ -z "$(ls out | grep -v '\.svg$' | grep -v '\.png$')" ] || fail "stray files: $(ls out)"

# a vector problem: the pair plot (1600 x 1600), y-space and the components
mkdir vec
"$innx" train ik --steps 200 --figures vec > ik.txt || fail "train ik --figures exited $?"
for pane in loss latent fx clusters; do
    png="vec/innx-ik-$pane-200.png"
    if [ $pane = latent ]; then png_ok "$png" 1600 1600 || fail "$png is not a 1600x1600 PNG"
    else png_ok "$png" || fail "$png is not a 1600x1000 PNG"; fi
    svg_ok "${png%.png}.svg" || fail "${png%.png}.svg is not a well-formed SVG"
    grep -q "figure $pane: " ik.txt || fail "train ik did not say where the $pane figure went"
done

# innx plot on a saved sinc run, PDF too; again: new names, the old files kept
"$innx" train sinc --steps 300 --save f.safetensors --quiet > /dev/null || fail "sinc --save exited $?"
mkdir plots
"$innx" plot f.safetensors --figures plots --figure-formats svg,png,pdf > p1.txt || fail "plot exited $?"
for pane in loss latent fx clusters; do
    for ext in svg png pdf; do
        [ -s plots/innx-sinc-$pane-300.$ext ] || fail "plot wrote no $pane .$ext: $(ls plots)"
    done
    png_ok plots/innx-sinc-$pane-300.png || fail "sinc $pane PNG"
    head -c 5 plots/innx-sinc-$pane-300.pdf | grep -q '%PDF-' || fail "sinc $pane PDF"
done
cksum plots/innx-sinc-fx-300.png > before
"$innx" plot f.safetensors --figures plots --quiet || fail "second plot exited $?"
[ -s plots/innx-sinc-fx-300-1.png ] || fail "a second plot did not take the next name: $(ls plots)"
[ ! -e plots/innx-sinc-fx-300-1.pdf ] || fail "a PDF without --figure-formats"
cksum plots/innx-sinc-fx-300.png | cmp -s - before || fail "the first figure was replaced"

# bad input: exit 2, nothing trained
"$innx" plot f.safetensors --figures no-such-dir > /dev/null 2>&1; [ $? -eq 2 ] || fail "plot into a missing dir"
"$innx" plot f.safetensors --figure-formats gif > /dev/null 2>&1; [ $? -eq 2 ] || fail "--figure-formats gif"
"$innx" plot nothing.safetensors > /dev/null 2>&1; [ $? -eq 2 ] || fail "plot of a missing file"
"$innx" bench sinc --figures out > /dev/null 2>&1; [ $? -eq 2 ] || fail "bench --figures"
"$innx" train sinc --figures no-such-dir --steps 5 > /dev/null 2>&1; [ $? -eq 2 ] || fail "train --figures into a missing dir"
exit 0
