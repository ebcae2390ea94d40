#!/bin/sh
# Built-in names are not reserved (SPEC 14): each model here names its own
# layers, tensors, inputs, ... after built-in functions.  It checks, its
# generated code compiles warning-free (codegen/werror.sh: gcc and clang,
# -Wall -Wextra -pedantic -Werror), and `cnetc run` trains it for 2 epochs.
# usage: names.sh CNETC RUNTIME_DIR WERROR_SH MODEL.cnet...
set -eu
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
rt=$2 werror=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for model in "$@"; do
	"$cnetc" check "$model" --Werror
	(cd "$work" && "$cnetc" run "$model" -- --epochs 2) >"$work/out" 2>&1 || {
		cat "$work/out"
		echo "FAIL: cnetc run $model"
		exit 1
	}
	grep -q '^final: ' "$work/out" || {
		cat "$work/out"
		echo "FAIL: no final report for $model"
		exit 1
	}
done
sh "$werror" "$cnetc" "$rt" "$@"
