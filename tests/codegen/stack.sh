#!/bin/sh
# Models train within a fixed stack (README, "Stack"):
# - a 50-200-200-100 MLP with a 100-component augmented constraint
#   (`y <= 1 : augmented`) through `cnetc run`, under the default 8 MiB
#   `ulimit -s` and under 1 MiB.  Each augmented component once had its own
#   reverse pass in P_grad, whose arrays overflowed 8 MiB (SIGSEGV); now one
#   reverse pass serves them all.
# - a 64-8192-16 MLP, whose block values are 256 KiB each at 8 lanes (512 at
#   16): its training functions keep at most --stack-arrays (256 KiB) of
#   arrays on the stack and the rest in the workspace, so it trains under
#   1 MiB in one thread and in two (each thread's stack 1 MiB too).  Before,
#   its P_grad took 2 MiB of stack at 8 lanes.
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
cat > wide.cnet <<'M'
model wide {
    input  x[64];
    target t[16];
    layer fc1 = dense(64, 8192);
    layer fc2 = dense(8192, 16);
    y = fc2(tanh(fc1(x)));
    output y;
    loss mse(y, t);
    constraint ub: y <= 1 : augmented;
}
data { samples 64; x = uniform(-1, 1); t = uniform(0, 2); }
train { optimizer adam(lr = 0.001); epochs 2; batch 32; }
M
"$cnetc" run wide.cnet -- --epochs 1 --quiet > /dev/null || fail "the first run of wide failed"
for threads in 1 2; do
	rc=0
	(ulimit -s 1024 && "$cnetc" run wide.cnet -- --epochs 2 --threads $threads --log wide.csv \
		--quiet) > /dev/null 2> err.txt || rc=$?
	[ "$rc" = 0 ] || fail "wide under ulimit -s 1024, $threads thread(s), exited $rc: $(head -n 1 err.txt)"
	[ "$(wc -l < wide.csv)" -ge 3 ] || fail "no log rows from wide"
	echo "ulimit -s 1024: 2 epochs of a 64-8192-16 model trained in $threads thread(s)"
done
