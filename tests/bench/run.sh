#!/bin/sh
# Speed of a training step, generated code against PyTorch (CPU, one thread),
# measured in one run: the seed article's 1 -> 10 -> 1 ReLU MLP with its
# linear penalty, 100 samples, full batch, Adam.  Also cnetc and cc compile
# times for that model and for a 784 -> 256 -> 256 -> 10 MLP.
#   sh tests/bench/run.sh [PATH/TO/cnetc]    (default: build/compiler/cnetc)
# PyTorch is Debian's python3-torch (/usr/bin/python3); with OpenBLAS
# (libopenblas0-pthread) installed it uses that.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cnetc=${1:-$root/build/compiler/cnetc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc=${CC:-cc}
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

build() { # model.cnet out flags...
	model=$1 out=$2
	shift 2
	"$cnetc" compile "$model" -o "$work/bm.c" --header "$work/bm.h" --prefix bm
	$cc "$@" -std=c99 -D_POSIX_C_SOURCE=200809L -I"$work" -I"$root/runtime" -DBM_HEADER='"bm.h"' \
		"$here/step.c" "$work/bm.c" "$root"/runtime/*.c -lm -o "$out"
}

seed=$root/examples/seed_penalty.cnet
build "$seed" "$work/step-O2" -O2
build "$seed" "$work/step-native" -O3 -march=native
c2=$("$work/step-O2" 100 2 2>/dev/null)
cn=$("$work/step-native" 100 2 2>/dev/null)
py=$(/usr/bin/python3 "$here/torch_step.py" 100 3)
echo "seed model 1-10-1, 100 samples, full batch, Adam (us per step, best round):"
printf '  %-34s %10s\n' "generated, $cc -O2" "$c2" "generated, $cc -O3 -march=native" "$cn" "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), 1 thread" "$py"
echo "  speedup: $(echo "scale=0; $py / $c2" | bc)x (-O2), $(echo "scale=0; $py / $cn" | bc)x (-march=native)"

cat > "$work/big.cnet" <<'MODEL'
model big {
    input x[784];
    target t[10];
    layer fc1 = dense(784, 256);
    layer fc2 = dense(256, 256);
    layer fc3 = dense(256, 10);
    y = fc3(relu(fc2(relu(fc1(x)))));
    output y;
    loss cross_entropy(y, t);
}
MODEL
echo "compile times (cnetc, then $cc -O2 -c of the generated file):"
for m in "$seed" "$work/big.cnet"; do
	t0=$(now)
	"$cnetc" compile "$m" -o "$work/m.c" --header "$work/m.h"
	t1=$(since "$t0")
	t0=$(now)
	$cc -O2 -std=c99 -I"$work" -I"$root/runtime" -c "$work/m.c" -o "$work/m.o"
	t2=$(since "$t0")
	printf '  %-20s cnetc %.3f s, cc %.3f s, %s bytes of C\n' "$(basename "$m")" "$t1" "$t2" "$(wc -c < "$work/m.c")"
done
