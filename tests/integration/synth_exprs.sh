#!/bin/sh
# synth_exprs.sh CNETC RUNTIME_DIR - a data block's expressions beyond the
# elementwise ones (sum, mean, dot, softmax, concat, slices, consts, a const
# matrix, leaky_relu and elu): the generated generator against synthcheck.c's
# hand-written formulas over the same draws, and the model trains.
set -u
cnetc=$1 rt=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$cnetc" compile "$here/synth_exprs.cnet" -o "$tmp/m.c" --prefix m --precision double || exit 1
${CC:-cc} -std=c99 -O1 -D_POSIX_C_SOURCE=200809L -I"$rt" -I"$tmp" -DSYNTH_C='"m.c"' \
	"$here/synthcheck.c" "$rt"/*.c -lm -o "$tmp/check" || exit 1
"$tmp/check" || exit 1
"$cnetc" run "$here/synth_exprs.cnet" -- --epochs 3 >"$tmp/train.out" 2>&1 ||
	{ cat "$tmp/train.out"; echo "FAIL: the model does not train"; exit 1; }
echo "ok: trains"
