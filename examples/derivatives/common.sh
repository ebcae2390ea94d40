# common.sh - sourced by the scripts of examples/derivatives, with $here set
# to this directory and the script's arguments: [--check] [PATH/TO/cnetc].
# Sets $check (1 with --check) and $cnetc, and moves to a fresh work
# directory, removed at exit.
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
cnetc=${1:-$here/../../build/compiler/cnetc}
case $cnetc in /*) ;; *) cnetc=$PWD/$cnetc ;; esac
[ -x "$cnetc" ] || { echo "$0: no cnetc at $cnetc (build it: ninja -C build compiler/cnetc)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# train NAME [ARGS...]: train NAME.cnet of the work directory through
# `cnetc run`.  These models are built to be trained once, so --unroll-max
# 16: it cuts cc's time on the 32-wide layers about 4x at the same training
# speed (README.md).
train() {
	_name=$1
	shift
	"$cnetc" run "$_name.cnet" --unroll-max 16 -- "$@"
}

# program NAME ARGS...: run NAME's program again (predict, eval): the same
# `cnetc run`, which takes the program it built from its cache.
program() {
	_name=$1
	shift
	"$cnetc" run "$_name.cnet" --unroll-max 16 -- "$@"
}

# final_data_loss FILE: the data loss of a training run's final report
final_data_loss() { sed -n 's/^final:.*data loss //p' "$1"; }
