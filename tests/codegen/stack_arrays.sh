#!/bin/sh
# --stack-arrays 0 moves every array of the training functions into the
# workspace (README, "Stack"): the same training, bit for bit.  Each model is
# compiled with --main with the default and with --stack-arrays 0, built at
# -O0 and trained for 3 epochs in one thread and in two (each thread its own
# workspace): the logs must be identical.  A model given as verify:PATH is
# trained with --verify-every 1, so its counterexample points join epochs 2
# and 3 (the functions --counterexamples adds).  -O0: seconds to compile under the
# sanitizers, where clang -O1 took minutes per model (the CI's sanitizer run
# timed out at 540 s); and no multiply-add fusion, which under `cnetc run`'s
# -ffp-contract=fast may fuse differently in the two versions.
# usage: stack_arrays.sh [verify:]MODEL.cnet...   (environment: CNETC, CNETRT_DIR,
# CNETRT_LIB, CNETRT_LDFLAGS, CNET_LINK_CC, as verify/every.sh)
set -eu
cc=${CNET_LINK_CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
n=0 spilled=0
for arg in "$@"; do
	m=${arg#verify:}
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
	[ "$m" = "$arg" ] || extra="--verify-every 1"
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
		[ "$m" = "$arg" ] || awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /_points$/) c = i }
			END { exit !(c && $c > 0) }' "$work/a.csv" ||
			fail "$m: no counterexample points joined the training"
	done
	n=$((n + 1))
done
echo "$n models ($spilled with a workspace by default): the same logs with every array in the workspace, in 1 and 2 threads"
