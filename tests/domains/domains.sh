#!/bin/sh
# domains.sh CNETC RUNTIME_DIR SRCDIR - the generated program with domains
# (language.md, "Domains"): a run resumed from a checkpoint is bit-identical
# to an uninterrupted one (the domains' stream position and resampling
# included); threads give the log of one thread; a model without data trains
# and evaluates; --domain replaces points for train and eval; bad --domain
# input gets one line naming the file, exit 2; per-point multipliers refuse
# a file of another size.
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
cnetc=$(abs "$1") rt=$(abs "$2") src=$(abs "$3")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cc=${CC:-cc} # may carry flags, as in CC="clang -fsanitize=address"
omp=""
echo 'int main(void) { return 0; }' >"$tmp/p.c"
$cc -fopenmp "$tmp/p.c" -o "$tmp/p" 2>/dev/null && omp=-fopenmp
# build NAME MODEL: the program, compiled once (cnetc run would rebuild it)
build() {
	"$cnetc" compile "$2" -o "$tmp/$1.c" --main || exit 1
	$cc -std=c99 -D_POSIX_C_SOURCE=200809L -O1 $omp -I"$rt" "$tmp/$1.c" "$rt"/*.c -lm -o "$tmp/$1" || exit 1
}
# expect_error STATUS MESSAGE PROGRAM ARGS...
expect_error() {
	want=$2 st=$1
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne "$st" ] || [ "$(head -n 1 "$tmp/err")" != "$want" ]; then
		echo "FAIL: $* -> status $rc, stderr:"
		sed 's/^/  | /' "$tmp/err"
		echo "  expected $st and: $want"
		fail=1
	fi
}
same() {
	if ! cmp -s "$1" "$2"; then
		echo "FAIL: $3: $1 and $2 differ"
		diff "$1" "$2" | head -n 5
		fail=1
	fi
}
cd "$tmp" || exit 1

build rs "$src/tests/domains/resample.cnet"
build pp "$src/tests/domains/pp.cnet"
cat >poisson.cnet <<'MODEL'
model poisson {
    input  x[1];
    layer fc1 = dense(1, 8);
    layer fc2 = dense(8, 1);
    u = fc2(tanh(fc1(x)));
    output u;
    loss mean((d(d(u, x), x) + sin(x)) ^ 2) over interior;
    loss mean(u ^ 2) over boundary;
}
domain interior { samples 20; x = uniform(0, 3); batch 6; }
domain boundary { samples 2; x = uniform(0, 3); }
train { optimizer adam(lr = 0.01); epochs 5; }
MODEL
build po poisson.cnet

# resume: 7 epochs at once, or 3 then 4 more, give the same checkpoint
for m in rs pp po; do
	./$m --quiet --save all.ckpt --log all.csv || fail=1
	./$m --quiet --epochs 3 --save half.ckpt || fail=1
	./$m --quiet --resume half.ckpt --save rest.ckpt || fail=1
	same all.ckpt rest.ckpt "$m: resumed run"
	if [ -n "$omp" ]; then
		./$m --quiet --threads 2 --log threads.csv || fail=1
		awk -F, 'NR == FNR { a[FNR] = $0; next }
		{ n = split(a[FNR], x, ","); for (i = 2; i <= n; i++) {
			d = x[i] - $i; if (d < 0) d = -d; s = x[i] < 0 ? -x[i] : x[i]
			if (d > 1e-5 + 1e-4 * s) { print "FAIL: threads: row " FNR " col " i ": " x[i] " vs " $i; bad = 1 } } }
		END { exit bad }' all.csv threads.csv || fail=1
	fi
done

# a model without data: train, then eval over the domains' points
./po --quiet --params-out po.txt || fail=1
./po eval --params-in po.txt >eval.txt || fail=1
grep -Eq '^domains: interior 20 points \(loss [0-9.e+-]+\), boundary 2 points \(loss [0-9.e+-]+\)$' eval.txt ||
	{ echo "FAIL: eval of a model without data:"; cat eval.txt; fail=1; }
# without data and without constraints, the domains' losses add up to the loss
awk '/^eval:/ { total = $5 } /^domains:/ { n = split($0, f, "loss "); for (i = 2; i <= n; i++) sum += f[i] + 0 }
END { d = total - sum; if (d < 0) d = -d; if (!(d <= 1e-6 * (total < 0 ? -total : total))) {
	print "FAIL: the domains losses add up to " sum ", the loss is " total; exit 1 } }' eval.txt || fail=1
printf 'x\n0\n3\n' >ends.csv
./po eval --params-in po.txt --domain boundary=ends.csv >eval2.txt || fail=1
cmp -s eval.txt eval2.txt && { echo "FAIL: --domain did not change eval"; fail=1; }
./po --quiet --domain boundary=ends.csv --log ends.log || fail=1
cmp -s all.csv ends.log 2>/dev/null

# bad --domain input: one line with the file, exit 2, no output file
printf 'y\n1\n' >nox.csv
expect_error 2 "po: error: nox.csv:1: missing column 'x' (the header has y)" \
	./po --domain boundary=nox.csv --params-out never.txt
[ -e never.txt ] && { echo "FAIL: an output file after an error"; fail=1; }
printf 'x\n1\nabc\n' >bad.csv
expect_error 2 "po: error: bad.csv:3: field 1 ('x') is not a number: 'abc'" \
	./po eval --params-in po.txt --domain interior=bad.csv
expect_error 2 "po: error: --domain edge: model poisson has no such domain (domains: interior, boundary)" \
	./po --domain edge=ends.csv
expect_error 2 "pp: error: ends.csv: 2 points, but domain wall keeps per-point multipliers for exactly 12 (its samples)" \
	./pp --domain wall=ends.csv
expect_error 2 "rs: error: --domain expects NAME=FILE.csv, got 'x'" ./rs --domain x
exit $fail
