#!/bin/sh
# equiv.sh - data-parallel training reproduces the single process (issue 7).
#
# usage: equiv.sh CNETC LOGCMP threads|mpi|mpi-resume MODEL.cnet...
#
# threads, mpi: for each model, trains in double precision with the same
# global batch (--batch 32, so there are shuffled or sliced mini-batches and a
# short last one) once in one process and once with --threads 2 (threads) or
# under `cnetc run --mpi --np 2` (mpi); the per-epoch --log and the final
# report's loss and data loss must agree within 1e-5 relative (only the order
# of summation differs; values below 1e-12, e.g. the 1e-18 residuals of an
# equality that holds, are compared absolutely), and the run must print its
# report exactly once.  mpi-resume: a run of the first model resumed under MPI
# from a checkpoint ends with the bit-identical parameters of an uninterrupted
# MPI run, and an error stops every rank and is reported once.  meson runs
# each model and mode, and mpi-resume, as a test of its own (in parallel).
# Exit 0 when all agree, 1 otherwise, 77 (skipped) when mode is mpi or
# mpi-resume and mpicc or mpirun cannot be found.
set -u
if [ $# -lt 4 ]; then
	echo "usage: equiv.sh CNETC LOGCMP threads|mpi|mpi-resume MODEL.cnet..." >&2
	exit 2
fi
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$(pwd)" "$1" ;; esac; }
cnetc=$(abspath "$1")
logcmp=$(abspath "$2")
mode=$3
shift 3

case $mode in
threads | mpi | mpi-resume) ;;
*)
	echo "equiv.sh: unknown mode '$mode'" >&2
	exit 2
	;;
esac
if [ "$mode" != threads ]; then
	for tool in "${MPICC:-mpicc}" "${MPIRUN:-mpirun}"; do
		if ! command -v "${tool%% *}" >/dev/null 2>&1; then
			echo "SKIP: ${tool%% *} not found (tests/install-deps.sh installs OpenMPI)"
			exit 77
		fi
	done
	# OpenMPI refuses root without these; containers run tests as root.
	OMPI_ALLOW_RUN_AS_ROOT=1
	OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
	par="--mpi --np 2"
	parargs=""
else
	par=""
	parargs="--threads 2"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cnet-par.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT HUP INT TERM
cd "$work" || exit 2
status=0
args="--epochs 40 --batch 32"

# final: N samples  loss L  data loss D  ->  a two-line CSV
final_csv() {
	awk '/^final:/ { n++; print "loss,data_loss"; print $5 "," $8 } END { exit n != 1 }' "$1"
}

# run NAME LOG CNETC_OPTIONS -- PROGRAM_ARGS: stdout in NAME.out, status checked
run() {
	name=$1
	shift
	if ! "$cnetc" run "$@" > "$name.out" 2> "$name.err"; then
		echo "FAIL: cnetc run $*"
		cat "$name.err"
		return 1
	fi
}

for model in "$@"; do
	[ "$mode" = mpi-resume ] && break
	m=$(basename "$model" .cnet)
	# shellcheck disable=SC2086
	run "$m-1" "$model" --precision double -- $args --log "$m-1.csv" || { status=1; continue; }
	# shellcheck disable=SC2086
	run "$m-2" $par "$model" --precision double -- $args $parargs --log "$m-2.csv" \
		|| { status=1; continue; }
	printf '%s log: ' "$m"
	"$logcmp" "$m-1.csv" "$m-2.csv" 1e-5 1e-12 || status=1
	if final_csv "$m-1.out" > "$m-1.final" && final_csv "$m-2.out" > "$m-2.final"; then
		printf '%s final report: ' "$m"
		"$logcmp" "$m-1.final" "$m-2.final" 1e-5 1e-12 || status=1
	else
		echo "FAIL: $m: not exactly one final report line"
		cat "$m-2.out"
		status=1
	fi
done

if [ "$mode" = mpi-resume ]; then
	# resume under MPI: 15 epochs, save, resume to 40; the same parameters
	model=$1
	# shellcheck disable=SC2086
	run full $par "$model" -- --epochs 40 --batch 32 --quiet --params-out full.txt \
		&& run half $par "$model" -- --epochs 15 --batch 32 --quiet --save half.ckpt \
		&& run rest $par "$model" -- --epochs 40 --batch 32 --quiet --resume half.ckpt \
			--params-out rest.txt \
		|| status=1
	if [ -f full.txt ] && [ -f rest.txt ] && cmp -s full.txt rest.txt; then
		echo "resume under MPI: parameters identical"
	else
		echo "FAIL: resume under MPI: parameters differ"
		status=1
	fi
	# errors stop every rank, and rank 0 alone reports them
	if "$cnetc" run $par "$model" -- --data missing.csv > err.out 2>&1; then
		echo "FAIL: a missing data file was accepted under MPI"
		status=1
	elif [ "$(grep -c 'missing.csv' err.out)" != 1 ]; then
		echo "FAIL: the error is not reported exactly once:"
		cat err.out
		status=1
	else
		echo "error under MPI: reported once"
	fi
fi
exit $status
