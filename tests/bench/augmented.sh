#!/bin/sh
# tests/bench/augmented.sh - the per-epoch cost of an augmented Lagrangian with many
# components against the same model with a quadratic penalty (issue 13): a
# 50-200-200-100 MLP with `y <= 1`, 256 samples, batch 64 (4 steps an
# epoch), float, through `cnetc run`.  Prints CPU milliseconds per epoch,
# the best of 3 runs of EPOCHS epochs (default 200) each.
#   sh tests/bench/augmented.sh [PATH/TO/cnetc] [EPOCHS]
# Not a test: the numbers depend on the machine and its load.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cnetc=${1:-$here/../../build/compiler/cnetc}
cnetc=$(cd "$(dirname "$cnetc")" && pwd)/$(basename "$cnetc")
epochs=${2:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for method in augmented "penalty(quadratic)"; do
	name=$(echo "$method" | cut -c1-3)
	cat > "$name.cnet" <<M
model $name {
    input  x[50];
    target t[100];
    layer fc1 = dense(50, 200);
    layer fc2 = dense(200, 200);
    layer fc3 = dense(200, 100);
    y = fc3(tanh(fc2(tanh(fc1(x)))));
    output y;
    loss mse(y, t);
    constraint ub: y <= 1 : $method;
}
data { samples 256; x = uniform(-1, 1); t = uniform(0, 2); }
train { optimizer adam(lr = 0.001); batch 64; }
M
	"$cnetc" run "$name.cnet" -- --epochs 1 --quiet > /dev/null # build once
	best=
	for r in 1 2 3; do
		# CPU time of the child (the cached program): user + system
		t=$( { /usr/bin/time -f "%U %S" "$cnetc" run "$name.cnet" -- --epochs "$epochs" \
			--quiet > /dev/null; } 2>&1 | tail -n 1 | awk '{ print $1 + $2 }')
		best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }')
	done
	echo "$best $epochs" | awk -v m="$method" '{ printf "%-20s %.2f ms CPU per epoch (best of 3, %d epochs)\n", m, 1000 * $1 / $2, $2 }'
done
