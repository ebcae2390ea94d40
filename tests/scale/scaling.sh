#!/bin/sh
# scaling.sh - cnetc's cost stays linear in the model, checked without timing
# (issue 17, section 3):
#  - memory: cnetc check of 0.5 MB and of 2 MB of braced constants; the
#    memory above a small model's grows at most 8-fold (linear: 4-fold; the
#    parser that copied every earlier row for each new row: 16-fold and more);
#  - a const table is emitted once, however many functions index it, and
#    the C grows with the constants by about their text;
#  - nothing is unrolled beyond --unroll-max: an output 2048 wide, with a
#    constraint on every component, has as many unrolled statements as one
#    256 wide (the output copy and the constraint's statistics were unrolled
#    per component: 20 times the C);
#  - hard(project) rows of a vector relation cost their matrix data, not code
#    per row: the DC3 model (tests/bench/dc3, 100 rows) makes at most 700 KiB
#    of C (1405 KiB when each row's bound was a division of the whole vector).
# usage: scaling.sh CNETC PEAK_RSS
set -eu
cnetc=$1
peak=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }

sh "$here/make_models.sh" "$work/s" 8 256 500000 16
sh "$here/make_models.sh" "$work/l" 8 2048 2000000 16
base=$("$peak" "$cnetc" check "$work/s/wide.cnet")
m1=$("$peak" "$cnetc" check "$work/s/consts.cnet")
m4=$("$peak" "$cnetc" check "$work/l/consts.cnet")
echo "cnetc check peak memory: small model $base KiB, 0.5 MB of constants $m1 KiB, 2 MB $m4 KiB"
awk -v b="$base" -v a="$m1" -v c="$m4" 'BEGIN {
	r = (c - b) / (a - b > 1 ? a - b : 1)
	printf "memory above the small model grows %.1f-fold for 4-fold the constants\n", r
	exit !(r <= 8)
}' || say "cnetc's memory grows faster than the constants"

"$cnetc" compile "$work/s/consts.cnet" -o "$work/consts.c"
n=$(grep -c "^static const real [A-Za-z0-9_]*_ctab0\[" "$work/consts.c" || true)
[ "$n" -eq 1 ] || say "the const table is emitted $n times, not once"
# and the C grows with the constants by about their text, not by code per
# constant (verify's bound code unrolled a const matrix product per entry:
# 8 times the constants' bytes)
"$cnetc" compile "$work/l/consts.cnet" -o "$work/consts4.c"
awk -v cs="$(wc -c <"$work/consts.c")" -v cl="$(wc -c <"$work/consts4.c")" \
	-v ms="$(wc -c <"$work/s/consts.cnet")" -v ml="$(wc -c <"$work/l/consts.cnet")" 'BEGIN {
	r = (cl - cs) / (ml - ms)
	printf "the C grows by %.2f bytes per byte of constants\n", r
	exit !(r <= 2)
}' || say "the C grows faster than the constants"

# hard(project) rows: the matrices' data, not code per row
"$cnetc" compile "$here/../bench/dc3/dc3.cnet" -o "$work/dc3.c" --main
kib=$(($(wc -c <"$work/dc3.c") / 1024))
echo "the DC3 model: $kib KiB of C"
[ "$kib" -le 700 ] || say "the DC3 model makes $kib KiB of C, more than 700"

# unrolled code names components by number (v3[17][l]), loops by variable
# (v3[j][l]): the same count at both widths, whatever the width
for m in outw; do
	"$cnetc" compile "$work/s/$m.cnet" -o "$work/s.c"
	"$cnetc" compile "$work/l/$m.cnet" -o "$work/l.c"
	s=$(grep -cE '[[][0-9]+[]][[]l[]]' "$work/s.c" || true)
	l=$(grep -cE '[[][0-9]+[]][[]l[]]' "$work/l.c" || true)
	echo "$m: $s unrolled statements at width 256, $l at width 2048"
	[ "$s" -eq "$l" ] || say "$m: code grows with the output's width (unrolled beyond --unroll-max)"
done
[ "$fail" -eq 0 ] && echo ok
exit "$fail"
