#!/bin/sh
# Generated code of every model compiles warning-free with
# -std=c99 -Wall -Wextra -pedantic -Werror under gcc and clang, in float and
# double, with and without --main, unrolled and looped; at -O2 (warnings that
# need the optimiser's analysis), and looped floats also at -O3 -march=native
# and, on x86, at -O3 -mavx2 -mfma (the AVX-512 or AVX and the AVX paths of
# the matrix kernel).
# usage: werror.sh CNETC RUNTIME_DIR MODEL.cnet...
set -eu
cnetc=$1 rt=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ccs=""
for cc in gcc clang; do
	command -v "$cc" >/dev/null 2>&1 && ccs="$ccs $cc"
done
[ -n "$ccs" ] || { echo "no C compiler"; exit 1; }
avx=""
echo 'int main(void) { return 0; }' >"$work/probe.c"
for cc in $ccs; do
	"$cc" -mavx2 -mfma -c "$work/probe.c" -o "$work/probe.o" 2>/dev/null || avx=no
done
[ -z "$avx" ] && avx=" -O3_-mavx2_-mfma"
[ "$avx" = no ] && avx=""
n=0
for model in "$@"; do
	name=$(basename "$model" .cnet)
	for prec in float double; do
		for unroll in 64 0; do
			out="$work/$name-$prec-$unroll"
			"$cnetc" compile "$model" -o "$out.c" --header "$out.h" --main \
				--precision "$prec" --unroll-max "$unroll"
			opts="-O2"
			[ "$prec$unroll" = float0 ] && opts="-O2 -O3_-march=native$avx"
			for cc in $ccs; do
				for o in $opts; do
					o=$(echo "$o" | tr _ ' ')
					if ! "$cc" -std=c99 $o -Wall -Wextra -pedantic -Werror -I"$rt" \
						-c "$out.c" -o "$out.o" 2>"$out.err"; then
						echo "FAIL: $cc $o on $name ($prec, --unroll-max $unroll):"
						head -n 20 "$out.err"
						exit 1
					fi
					n=$((n + 1))
				done
			done
		done
	done
done
echo "$n compilations without a warning"
