#!/bin/sh
# --stack-arrays 0 moves every array of the training functions into the
# workspace (README, "Stack"): the same training, bit for bit.  Each model is
# compiled with --main with the default and with --stack-arrays 0, built at
# -O0 and trained for 3 epochs in one thread and in two (each thread its own
# workspace): the logs must be identical.  -O0: seconds to compile under the
# sanitizers, where clang -O1 took minutes per model (the CI's sanitizer run
# timed out at 540 s); and no multiply-add fusion, which under `cnetc run`'s
# -ffp-contract=fast may fuse differently in the two versions.  The mono
# model adds the counterexample functions (--counterexamples, --verify-every).
# usage: stack_arrays.sh MODEL.cnet...   (environment: CNETC, CNETRT_DIR,
# CNETRT_LIB, CNETRT_LDFLAGS, CNET_LINK_CC, as verify/every.sh)
set -eu
cc=${CNET_LINK_CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat > "$work/mono.cnet" <<'M'
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
train { optimizer adam(lr = 0.02); epochs 40; }
M
n=0 spilled=0
for m in "$@" "$work/mono.cnet"; do
	for v in a b; do
		flags=""
		[ $v = b ] && flags="--stack-arrays 0"
		# shellcheck disable=SC2086
		"$CNETC" compile "$m" --main --counterexamples $flags -o "$work/$v.c" ||
			fail "$m: cnetc compile $flags"
		# shellcheck disable=SC2086
		$cc -std=c99 -O0 -I"$CNETRT_DIR" "$work/$v.c" "$CNETRT_LIB" $CNETRT_LDFLAGS -lm \
			-o "$work/$v" || fail "$m: cc $flags"
	done
	grep -q "_WORK_SIZE 0 " "$work/a.c" || spilled=$((spilled + 1))
	grep -q "_WORK_SIZE [1-9]" "$work/b.c" || fail "$m: --stack-arrays 0 left no workspace"
	extra=""
	case $m in */mono.cnet) extra="--verify-every 10" ;; esac
	for threads in 1 2; do
		for v in a b; do
			# shellcheck disable=SC2086
			(cd "$(dirname "$m")" && "$work/$v" --epochs 3 --threads $threads $extra \
				--log "$work/$v.csv" --quiet) > "$work/$v.out" 2>&1 ||
				fail "$m ($v, $threads threads): $(head -n 3 "$work/$v.out")"
		done
		cmp -s "$work/a.csv" "$work/b.csv" ||
			fail "$m, $threads thread(s): the log differs with --stack-arrays 0: $(diff "$work/a.csv" "$work/b.csv" | head -n 3)"
		[ "$(wc -l < "$work/a.csv")" -ge 4 ] || fail "$m: no log rows"
	done
	n=$((n + 1))
done
echo "$n models ($spilled with a workspace by default): the same logs with every array in the workspace, in 1 and 2 threads"
