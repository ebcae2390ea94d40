#!/bin/sh
# A model with a 100-component augmented constraint trains within a fixed
# stack (README, "Stack"): a 50-200-200-100 MLP with `y <= 1 : augmented`
# through `cnetc run`, under the default 8 MiB `ulimit -s` and under 1 MiB.
# Each augmented component once had its own reverse pass in P_grad, whose
# arrays overflowed 8 MiB (SIGSEGV); now one reverse pass serves them all.
# usage: stack.sh CNETC
set -eu
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
cat > aug100.cnet <<'M'
model aug100 {
    input  x[50];
    target t[100];
    layer fc1 = dense(50, 200);
    layer fc2 = dense(200, 200);
    layer fc3 = dense(200, 100);
    y = fc3(tanh(fc2(tanh(fc1(x)))));
    output y;
    loss mse(y, t);
    constraint ub: y <= 1 : augmented;
}
data { samples 128; x = uniform(-1, 1); t = uniform(0, 2); }
train { optimizer adam(lr = 0.001); epochs 2; batch 64; }
M
# build once (the compiler's own stack is not what is tested), then train
"$cnetc" run aug100.cnet -- --epochs 1 --quiet > /dev/null || fail "the first run failed"
for kib in 8192 1024; do
	rc=0
	(ulimit -s "$kib" && "$cnetc" run aug100.cnet -- --epochs 2 --log "log$kib.csv" --quiet) \
		> /dev/null 2> err.txt || rc=$?
	[ "$rc" = 0 ] || fail "training under ulimit -s $kib exited $rc: $(head -n 1 err.txt)"
	[ "$(wc -l < "log$kib.csv")" -ge 3 ] || fail "no log rows under ulimit -s $kib"
	echo "ulimit -s $kib: 2 epochs of a 100-component augmented model trained"
done
