#!/bin/sh
# examples/deploy/build.sh end to end, trained 5 epochs, without its
# Cortex-M4 part: export, the --test program, a C host and a Fortran host
# (gfortran, through the --fortran module) that must print the training
# program's predictions exactly.
# usage: deploy.sh CNETC LIBCNETRT.a RUNTIME_DIR
set -eu
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
lib=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
rt=$(cd "$3" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
command -v gfortran >/dev/null 2>&1 || {
	echo "FAIL: no gfortran (tests/install-deps.sh installs it)"
	exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the compiler and sanitizers that built the runtime link against it
CNETC=$cnetc CC=${CNET_LINK_CC:-gcc} FC=gfortran CNETRT_CFLAGS="-I$rt ${CNETRT_SANFLAGS:-}" \
	CNETRT_LIBS="$lib -lm -fopenmp ${CNETRT_SANFLAGS:-}" \
	NO_M4=1 TRAIN_ARGS="--epochs 5" sh "$here/../../examples/deploy/build.sh" "$work/d"
