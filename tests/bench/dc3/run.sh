#!/bin/sh
# tests/bench/dc3/run.sh - the DC3 convex QP (dc3.cnet, made by make_dc3.py: 100
# variables, 50 equalities A y = x and 50 inequalities G y <= h, all hard(project))
# as an outside benchmark of hard constraints at scale: prints the build costs
# (cnetc compile, the C's size, cc -O3 -c CPU seconds) and trains it with the
# model's train block, printing the final report (the objective is the loss; every
# row's violation) and the seconds per epoch.
#
#   sh tests/bench/dc3/run.sh [PATH/TO/cnetc] [EPOCHS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cnetc=${1:-$root/build/compiler/cnetc}
epochs=${2:-50}
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s.%N)
"$cnetc" compile "$here/dc3.cnet" -o "$work/dc3.c" --main
t1=$(date +%s.%N)
cpu() { # cpu CMD...: the command's user + system CPU seconds, on stdout
	/usr/bin/env time -f "%U %S" -o "$work/time" "$@" >/dev/null 2>&1 ||
		{ echo "dc3: '$*' failed" >&2; exit 1; }
	awk '{ printf "%.1f", $1 + $2 }' "$work/time"
}
if [ -x /usr/bin/time ]; then
	ccs=$(cpu $cc -O3 -std=c99 -I"$root/runtime" -c "$work/dc3.c" -o "$work/dc3.o")
else
	s0=$(date +%s.%N)
	$cc -O3 -std=c99 -I"$root/runtime" -c "$work/dc3.c" -o "$work/dc3.o"
	ccs=$(awk -v a="$s0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f (wall)", b - a }')
fi
$cc -O3 -std=c99 -D_POSIX_C_SOURCE=200809L -I"$root/runtime" "$work/dc3.o" "$root"/runtime/*.c -lm \
	-o "$work/dc3"
echo "dc3: cnetc compile $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s," \
	"C $(($(wc -c <"$work/dc3.c") / 1024)) KiB, cc -O3 -c $ccs s of CPU"
s0=$(date +%s.%N)
"$work/dc3" --epochs "$epochs" | tail -n 5
s1=$(date +%s.%N)
echo "dc3: $epochs epochs in $(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.1f", b - a }') s"
