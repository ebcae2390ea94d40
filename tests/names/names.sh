#!/bin/sh
# Built-in names are not reserved (SPEC 14): each model here names its own
# layers, tensors, inputs, ... after built-in functions.  It checks without
# a warning, its generated code (float and double, with main) compiles
# warning-free under gcc and clang with -std=c99 -Wall -Wextra -pedantic
# -Werror (-O0: name clashes are the front end's business), and `cnetc run`
# trains it for 2 epochs.
# usage: names.sh CNETC RUNTIME_DIR MODEL.cnet...
set -eu
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
rt=$2
shift 2
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
ccs=""
for cc in gcc clang; do
	command -v "$cc" >/dev/null 2>&1 && ccs="$ccs $cc"
done
[ -n "$ccs" ] || { echo "no C compiler"; exit 1; }
for model in "$@"; do
	name=$(basename "$model" .cnet)
	for prec in float double; do
		out="$work/$name-$prec"
		"$cnetc" compile "$model" -o "$out.c" --header "$out.h" --main --precision "$prec"
		for cc in $ccs; do
			"$cc" -std=c99 -O0 -Wall -Wextra -pedantic -Werror -I"$rt" -c "$out.c" \
				-o "$out.o" 2>"$out.err" || {
				head -n 20 "$out.err"
				echo "FAIL: $cc on $name ($prec)"
				exit 1
			}
		done
	done
done
echo "checked, trained and compiled warning-free by$ccs: $*"
