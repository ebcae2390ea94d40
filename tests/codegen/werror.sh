#!/bin/sh
# Generated code of every model compiles warning-free with
# -std=c99 -Wall -Wextra -pedantic -Werror under gcc and clang, in float and
# double, with --main, unrolled (--unroll-max 64, the default) and looped
# (--unroll-max 0); looped floats also for the AVX-512 or AVX path of the
# matrix kernel (-march=native) and, on x86, for its AVX path (-mavx2 -mfma);
# without those flags the kernel's 16-byte path is compiled.
#
#   gcc:   -O2 for all four variants, and -O3 -march=native and
#          -O3 -mavx2 -mfma for looped floats.  gcc's -Wmaybe-uninitialized,
#          -Warray-bounds, -Wstringop-* ... come from its optimiser and
#          depend on the level and the target, so every combination counts.
#   clang: the same variants and target flags, at -O0.  clang's warnings
#          come from its front end (Sema, the CFG-based -Wuninitialized and
#          -Wsometimes-uninitialized) and from CodeGen's ABI checks, which
#          run the same at every -O level; LLVM's optimiser adds warnings
#          only for explicit `#pragma clang loop` hints, which the generated
#          code does not use (its unroll pragma is for gcc only), and calls
#          to functions with attribute warning that -O0 keeps, if anything,
#          more often (-O0 also leaves __OPTIMIZE__ undefined: neither
#          the generated code nor runtime/ looks at it).  So -O0 catches what -O2 and -O3 would, in a quarter
#          of the time (clang at -O2/-O3 was a third of the old single
#          werror test: 125 of 380 s on a loaded 2-core machine).
#          -march=native and -mavx2 -mfma still matter to clang: they choose
#          the kernel's #if branch, so each branch goes through its parser.
#
# meson registers one test per model (generated-werror-NAME) so they run in
# parallel, the slowest first; the script takes any number of models.
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
avx=avx
echo 'int main(void) { return 0; }' >"$work/probe.c"
for cc in $ccs; do
	"$cc" -mavx2 -mfma -c "$work/probe.c" -o "$work/probe.o" 2>/dev/null || avx=""
done
n=0 names=""
for model in "$@"; do
	name=$(basename "$model" .cnet)
	names="$names $name"
	for prec in float double; do
		for unroll in 64 0; do
			out="$work/$name-$prec-$unroll"
			"$cnetc" compile "$model" -o "$out.c" --header "$out.h" --main \
				--precision "$prec" --unroll-max "$unroll"
			targets=plain
			[ "$prec$unroll" = float0 ] && targets="plain native $avx"
			for cc in $ccs; do
				for t in $targets; do
					case $cc-$t in
					clang-plain) o="-O0" ;;
					clang-native) o="-O0 -march=native" ;;
					clang-avx) o="-O0 -mavx2 -mfma" ;;
					*-plain) o="-O2" ;;
					*-native) o="-O3 -march=native" ;;
					*-avx) o="-O3 -mavx2 -mfma" ;;
					esac
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
echo "$n compilations without a warning by$ccs:$names"
