#!/bin/sh
# every.sh - train --verify-every (SPEC 11).  A soft monotone model on 12
# noisy samples of a wavy curve: plain training (seed 3) leaves verify a
# counterexample; with --verify-every 20 the counterexamples join the
# constraint's points and verify proves it, and the largest decrease of y on
# a grid of 2001 points falls to 0; the same with 2 threads; the log's
# columns; the usage errors, each exit 2 with its exact first line.
# Environment as cli.sh.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CNET_LINK_CC:-cc}
cat > "$tmp/mono.cnet" <<'M'
model mono {
    input  x[1];
    target t[1];
    layer fc1 = dense(1, 16);
    layer fc2 = dense(16, 1);
    y = fc2(tanh(fc1(x)));
    output y;
    loss mse(y, t);
    constraint up: d(y, x) >= 0 : penalty(linear, weight = 1);
}
data {
    samples 12;
    x = uniform(0, 2);
    t = x + 0.4 * sin(6 * x) + normal(0, 0.05);
}
train { optimizer adam(lr = 0.02); epochs 400; log every 100; }
M
sed -e 's/samples 12;/csv "d.csv";/' -e '/x = uniform/d' -e '/t = x +/d' "$tmp/mono.cnet" > "$tmp/csv.cnet"
printf 'x,t\n0,0\n1,1\n' > "$tmp/d.csv"
"$CNETC" compile "$tmp/mono.cnet" --main --counterexamples -o "$tmp/mono.c"
"$CNETC" compile "$tmp/mono.cnet" --main -o "$tmp/plain.c"
"$CNETC" compile "$tmp/csv.cnet" --main --counterexamples -o "$tmp/csv.c"
for m in mono csv plain; do
	$cc -O1 -I"$CNETRT_DIR" "$tmp/$m.c" "$CNETRT_LIB" $CNETRT_LDFLAGS -lm -o "$tmp/$m"
done
awk 'BEGIN { print "x"; for (i = 0; i <= 2000; i++) print 2 * i / 2000 }' > "$tmp/grid.csv"
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
# the largest decrease rate of y between neighbouring grid points
drop() {
	(cd "$tmp" && ./mono predict --params-in "$1" --data grid.csv) |
		awk 'NR > 2 { d = (p - $1) / 0.001; if (d > m) m = d } NR > 1 { p = $1 }
		     END { printf "%.4g", m + 0 }'
}
verdict() { # PARAMS: verify's exit status
	set +e
	(cd "$tmp" && ./mono verify --params-in "$1") > "$tmp/v.out"
	rc=$?
	set -e
	echo "$rc"
}

(cd "$tmp" && ./mono --seed 3 --params-out plain.txt --quiet)
rc=$(verdict plain.txt)
before=$(drop plain.txt)
echo "plain: verify exit $rc: $(cat "$tmp/v.out"); largest decrease on the grid $before"
[ "$rc" = 1 ] || fail "plain training should leave a counterexample (the premise)"

(cd "$tmp" && ./mono --seed 3 --verify-every 20 --params-out every.txt --log log.csv) > "$tmp/every.out"
rc=$(verdict every.txt)
after=$(drop every.txt)
echo "--verify-every 20: verify exit $rc: $(cat "$tmp/v.out"); largest decrease $after"
grep '^verify:' "$tmp/every.out"
[ "$rc" = 0 ] || fail "--verify-every 20 should end proven"
awk -v a="$after" -v b="$before" 'BEGIN { exit !(a < b / 10) }' ||
	fail "the grid's largest decrease did not fall tenfold ($before -> $after)"
grep -q '^verify: up proven ([1-9][0-9]* points), [1-9][0-9]* counterexamples* found$' \
	"$tmp/every.out" || fail "the final report's verify line"
grep -q '^epoch  400 .*  up proven/[1-9]' "$tmp/every.out" || fail "the progress line's status"
head -1 "$tmp/log.csv" | grep -q ',up_verify,up_points$' || fail "the log's header"
sed -n 20p "$tmp/log.csv" | grep -q ',,0$' || fail "the log before the first round: $(sed -n 20p "$tmp/log.csv")"
sed -n 21p "$tmp/log.csv" | grep -Eq ',(proven|violated|unknown),[0-9]+$' ||
	fail "the log at epoch 20: $(sed -n 21p "$tmp/log.csv")"

if (cd "$tmp" && ./mono --threads 2 --epochs 1 --quiet) 2> /dev/null; then
	(cd "$tmp" && ./mono --seed 3 --threads 2 --verify-every 20 --params-out thr.txt --quiet)
	rc=$(verdict thr.txt)
	echo "--threads 2: verify exit $rc: $(cat "$tmp/v.out")"
	[ "$rc" = 0 ] || fail "--verify-every 20 with 2 threads should end proven"
fi

# under MPI (cnetc run --mpi, when mpicc and mpirun exist): rank 0's points on
# every rank; the verdict is the single process's
if command -v mpicc > /dev/null 2>&1 && command -v mpirun > /dev/null 2>&1; then
	OMPI_ALLOW_RUN_AS_ROOT=1
	OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
	(cd "$tmp" && "$CNETC" run --mpi --np 2 mono.cnet -- --seed 3 --verify-every 20 \
		--params-out mpi.txt) > "$tmp/mpi.out" 2>&1 || { cat "$tmp/mpi.out"; fail "MPI run"; }
	rc=$(verdict mpi.txt)
	echo "MPI, 2 ranks: verify exit $rc: $(cat "$tmp/v.out"); $(grep '^verify:' "$tmp/mpi.out")"
	[ "$rc" = 0 ] || fail "--verify-every 20 under MPI should end proven"
	[ "$(grep -c '^verify:' "$tmp/mpi.out")" = 1 ] || fail "MPI: the report not printed once"
fi

expect() { # PROGRAM WANT-FIRST-LINE ARGS...: exit 2, stderr's first line exactly
	prog=$1
	want=$2
	shift 2
	set +e
	(cd "$tmp" && "./$prog" "$@") > "$tmp/out" 2> "$tmp/err"
	rc=$?
	set -e
	if [ "$rc" != 2 ] || [ "$(head -1 "$tmp/err")" != "$want" ] || [ -s "$tmp/out" ]; then
		fail "$prog $*: exit $rc:"
		cat "$tmp/err" "$tmp/out"
	else
		echo "ok: $prog $*: $(head -1 "$tmp/err")"
	fi
}
expect mono "mono: error: --verify-every expects a positive number of epochs, got '0'" --verify-every 0
expect mono "mono: error: --verify-every expects a positive number of epochs, got 'x'" --verify-every x
expect mono "mono: error: --verify-points expects a positive number of points, got '0'" --verify-every 5 --verify-points 0
expect mono "mono: error: --box needs --verify-every N with train" --box x=0:1
expect mono "mono: error: --verify-points needs --verify-every N with train" --verify-points 3
expect mono "mono: error: --budget expects a positive number of boxes, got 0" --verify-every 5 --budget 0
expect mono "mono: error: --box: the model has no input 'z'" --verify-every 5 --box z=0:1
expect mono "mono: error: --verify-every cannot be used with --resume (a checkpoint does not hold the counterexample points)" --verify-every 5 --resume nothing.ckpt
expect csv "csv: error: constraint 'up': no box for input x (the data block has no uniform(a, b) generator for it); give --box x=a:b" --verify-every 5
# a program generated without --counterexamples refuses --verify-every (the
# functions cost a pass per soft constraint, so they are opt-in; cnetc run adds them)
expect plain "plain: error: --verify-every needs the counterexample functions: generate the program with 'cnetc compile --counterexamples' (cnetc run adds it when its arguments have --verify-every)" --verify-every 5
# with a box, the csv model trains
(cd "$tmp" && ./csv --verify-every 5 --box x=0:1 --epochs 10 --quiet) || fail "csv --box x=0:1"
[ "$fails" = 0 ] || exit 1
echo "all ok"
