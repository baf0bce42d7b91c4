#!/bin/sh
# cli_figures.sh: figures as a user makes them: `train --figures DIR` writes
# every pane of three-roots, `innx plot` a saved sinc run's, never over a file.
set -u
innx="${top_builddir:-.}/src/innx"
case "$innx" in /*) ;; *) innx="$(pwd)/$innx" ;; esac
fail() { echo "FAIL: $*" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/innx-fig.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
cd "$dir" || exit 1
exit 0
