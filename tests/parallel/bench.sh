#!/bin/sh
# bench.sh - steps per second of data-parallel training (tests/parallel/README.md).
#
# usage: tests/parallel/bench.sh CNETC [REPEATS]     (from the top of the repository)
#
# Builds bench_small (64-128-128-8) and bench_mnist (784-256-256-10), each with
# one synthetic batch of 4096 samples per step, as plain programs (gcc -O2
# -fopenmp) and as MPI programs (mpicc -O2 -fopenmp -DCN_MPI), then times
# 1 and 2 threads and 1 and 2 MPI processes.  A step rate is
# (E2 - E1) / (time of E2 epochs - time of E1 epochs), so that start-up (data
# generation, MPI launch) cancels; each time is the best of REPEATS runs
# (default 3), because the machine may be shared.  Prints a Markdown table.
set -eu
cnetc=$1
repeats=${2:-3}
OMPI_ALLOW_RUN_AS_ROOT=1
OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
work=$(mktemp -d "${TMPDIR:-/tmp}/cnet-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT HUP INT TERM
rt=$(ls runtime/*.c)

best() { # best wall time in seconds of REPEATS runs of "$@"
	b=""
	i=0
	while [ $i -lt "$repeats" ]; do
		s=$(date +%s.%N)
		"$@" > /dev/null
		e=$(date +%s.%N)
		b=$(echo "$s $e ${b:-1e9}" | awk '{ t = $2 - $1; print (t < $3 ? t : $3) }')
		i=$((i + 1))
	done
	echo "$b"
}

echo "| model | grad size | setup | steps/s | speed-up | efficiency |"
echo "|---|---|---|---|---|---|"
for m in bench_small:10:60 bench_mnist:1:4; do
	name=${m%%:*}
	e1=$(echo "$m" | cut -d: -f2)
	e2=$(echo "$m" | cut -d: -f3)
	"$cnetc" compile "tests/parallel/$name.cnet" --main -o "$work/$name.c"
	${CC:-cc} -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -fopenmp -Iruntime -o "$work/$name" \
		"$work/$name.c" $rt -lm
	${MPICC:-mpicc} -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -fopenmp -DCN_MPI -Iruntime \
		-o "$work/$name-mpi" "$work/$name.c" $rt -lm
	gsize=$(grep -o "GRAD_SIZE [0-9]*" "$work/$name.c" | cut -d' ' -f2)
	base=""
	for setup in "1 thread" "2 threads" "1 process" "2 processes"; do
		case $setup in
		"1 thread") run="$work/$name --threads 1" ;;
		"2 threads") run="$work/$name --threads 2" ;;
		"1 process") run="${MPIRUN:-mpirun} -np 1 $work/$name-mpi" ;;
		"2 processes") run="${MPIRUN:-mpirun} -np 2 $work/$name-mpi" ;;
		esac
		# shellcheck disable=SC2086
		t1=$(best $run --quiet --epochs "$e1")
		# shellcheck disable=SC2086
		t2=$(best $run --quiet --epochs "$e2")
		rate=$(echo "$t1 $t2 $e1 $e2" | awk '{ printf "%.2f", ($4 - $3) / ($2 - $1) }')
		n=${setup%% *}
		[ "$n" = 1 ] && base=$rate
		echo "$name $gsize $setup $rate $base $n" | awk '{ s = $5 / $6;
			printf "| %s | %s | %s %s | %s | %.2f | %.0f%% |\n", $1, $2, $3, $4, $5, s, 100 * s / $7 }'
	done
done
