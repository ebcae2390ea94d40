#!/bin/sh
# rows.sh CNETC RUNTIME_DIR SRCDIR - per-point multipliers over the training
# data (one per row, SPEC 10): a row keeps its own multipliers through
# shuffled batches (with the parameters frozen, every row's c is fixed, so
# the multipliers after E epochs do not depend on the order the rows come
# in); two threads give the log of one; a run resumed from a checkpoint is
# bit-identical to an uninterrupted one (the rows' multipliers included);
# a checkpoint of another number of rows is refused in one line.
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
cnetc=$(abs "$1") rt=$(abs "$2") src=$(abs "$3")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cc=${CC:-cc}
omp=""
echo 'int main(void) { return 0; }' >"$tmp/p.c"
$cc -fopenmp "$tmp/p.c" -o "$tmp/p" 2>/dev/null && omp=-fopenmp
build() {
	"$cnetc" compile "$2" -o "$tmp/$1.c" --main || exit 1
	$cc -std=c99 -D_POSIX_C_SOURCE=200809L -O1 $omp -I"$rt" "$tmp/$1.c" "$rt"/*.c -lm -o "$tmp/$1" || exit 1
}
same() {
	if ! cmp -s "$1" "$2"; then
		echo "FAIL: $3: $1 and $2 differ"
		diff "$1" "$2" | head -n 5
		fail=1
	fi
}
cd "$tmp" || exit 1
build rows "$src/rows.cnet"
# frozen parameters (--lr 1e-30): shuffled batches of 6 and one in-order
# batch of all 30 rows visit each row once an epoch, so they hold the same
# multipliers at every epoch's end
./rows --lr 1e-30 --log shuf.csv --quiet || fail=1
./rows --lr 1e-30 --batch 30 --log order.csv --quiet || fail=1
# columns 6-7 and 10-11: cap_lambda_mean/max, pair_lambda_mean/max
cut -d, -f6,7,10,11 shuf.csv >a.txt
cut -d, -f6,7,10,11 order.csv >b.txt
if ! awk -F, 'NR == FNR { for (i = 1; i <= NF; i++) v[FNR, i] = $i; next }
	FNR > 1 { for (i = 1; i <= NF; i++) { d = $i - v[FNR, i]; if (d < 0) d = -d
		if (d > 1e-5 * (1 + (v[FNR, i] < 0 ? -v[FNR, i] : v[FNR, i]))) exit 1 } }' a.txt b.txt; then
	echo "FAIL: shuffled rows lost their multipliers:"
	paste -d'|' a.txt b.txt | head -n 4
	fail=1
fi
if [ "$(sed -n 11p a.txt)" = "$(sed -n 2p a.txt)" ]; then
	echo "FAIL: the multipliers did not move"
	fail=1
fi
# threads
./rows --log t1.csv --quiet || fail=1
if [ -n "$omp" ]; then
	./rows --log t2.csv --quiet --threads 2 || fail=1
	cut -d, -f1,6,7,10,11 t1.csv >a.txt
	cut -d, -f1,6,7,10,11 t2.csv >b.txt
	if ! awk -F, 'NR == FNR { for (i = 1; i <= NF; i++) v[FNR, i] = $i; next }
		FNR > 1 { for (i = 1; i <= NF; i++) { d = $i - v[FNR, i]; if (d < 0) d = -d
			if (d > 1e-4 * (1 + (v[FNR, i] < 0 ? -v[FNR, i] : v[FNR, i]))) exit 1 } }' a.txt b.txt; then
		echo "FAIL: two threads differ from one:"
		paste -d'|' a.txt b.txt | head -n 4
		fail=1
	fi
fi
# resume: 4 epochs, save, 6 more == 10 at once
./rows --epochs 10 --log full.csv --quiet || fail=1
./rows --epochs 4 --save ck.bin --log part1.csv --quiet || fail=1
./rows --epochs 10 --resume ck.bin --log part2.csv --quiet || fail=1
tail -n +2 part2.csv >p2.txt
tail -n +6 full.csv >f2.txt
same f2.txt p2.txt "resumed run (rows' multipliers)"
# a checkpoint of 30 rows, resumed on 24
awk 'BEGIN { print "x0,x1,t"; for (i = 0; i < 24; i++) printf "%g,%g,%g\n", i / 24, 1 - i / 12, i / 48 }' >d24.csv
./rows --epochs 10 --resume ck.bin --data d24.csv --quiet >/dev/null 2>err.txt
rc=$?
want="rows: error: ck.bin: the checkpoint holds per-point multipliers of 30 data rows, the data has 24"
if [ $rc -ne 2 ] || [ "$(head -n 1 err.txt)" != "$want" ]; then
	echo "FAIL: resume on other rows -> $rc: $(cat err.txt)"
	fail=1
fi
exit $fail
