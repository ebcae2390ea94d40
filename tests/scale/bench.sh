#!/bin/sh
# bench.sh - the scaling table of issue 17 (section 3): for each case of
# make_models.sh, cnetc compile's wall time and peak memory, the size of the
# generated C, and the wall time of `cc -O2` on it and of linking it against
# the runtime.  Prints a markdown table (the README's).
#   sh tests/scale/bench.sh BUILD_DIR [N_CONSTRAINTS W CONST_BYTES WIDE]
# BUILD_DIR is the meson build directory (build/, with tests/peak_rss); $CC
# defaults to cc; a step that takes longer than $SCALE_TIMEOUT seconds
# (default 600) is cut.  Wall times: run it on a quiet machine.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
shift
cnetc=$build/compiler/cnetc
peak=$build/tests/peak_rss
cc=${CC:-cc}
limit=${SCALE_TIMEOUT:-600}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$root/tests/scale/make_models.sh" "$work" "$@"
now() { date +%s.%N; }
echo "| case | model file | cnetc compile | cnetc peak memory | C size | cc -O2 -c | link |"
echo "|---|---|---|---|---|---|---|"
for m in wide cons outw consts; do
	src=$(wc -c < "$work/$m.cnet")
	t0=$(now)
	mem=$(timeout "$limit" "$peak" "$cnetc" compile "$work/$m.cnet" -o "$work/$m.c" --main 2>"$work/err") ||
		{ echo "| $m | $src B | failed: $(head -n 1 "$work/err") | | | | |"; continue; }
	t1=$(now)
	ct=$(echo "$t0 $t1" | awk '{ printf "%.2f s", $2 - $1 }')
	size=$(wc -c < "$work/$m.c")
	t0=$(now)
	if timeout "$limit" $cc -O2 -std=c99 -I"$root/runtime" -c "$work/$m.c" -o "$work/$m.o"; then
		t1=$(now)
		$cc "$work/$m.o" -L"$build/runtime" -lcnetrt -lm -o "$work/$m"
		t2=$(now)
		cct=$(echo "$t0 $t1" | awk '{ printf "%.1f s", $2 - $1 }')
		lt=$(echo "$t1 $t2" | awk '{ printf "%.2f s", $2 - $1 }')
	else
		cct="> $limit s (cut)"
		lt="-"
	fi
	echo "| $m | $src B | $ct | $((mem / 1024)) MiB | $((size / 1024)) KiB | $cct | $lt |"
done
