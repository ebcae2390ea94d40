#!/bin/sh
# install-deps.sh - install what building and testing cnet needs, and only what
# is missing, on Debian (as root, or through sudo).  Non-interactive.
#
#   flex, bison       generate the scanner and parser from grammar/ (bison >= 3.6)
#   meson, ninja      the build
#   pkg-config        lets meson find Criterion
#   libcriterion-dev  the unit-test framework of tests/
#   gcc, libc6-dev    the default C compiler and the C library headers
#   clang             the fuzz target (libFuzzer) and CI's sanitizer build
#   cmake, make       the CMake and Makefile projects of examples/integration/
#   libomp-dev        OpenMP for clang (gcc's libgomp comes with gcc): --threads
#   libopenmpi-dev, openmpi-bin  MPI (mpicc, mpirun): tests/parallel/
#   gfortran          the Fortran host of cnetc export --fortran: tests/export/
#   gcc-arm-none-eabi, libnewlib-arm-none-eabi  the Cortex-M4 cross-compile of
#                     exports and freestanding training (newlib: math.h, string.h)
set -eu

# package:command that proves it is there ("-" = ask dpkg only)
wanted="flex:flex bison:bison meson:meson ninja-build:ninja pkg-config:pkg-config
libcriterion-dev:- gcc:gcc libc6-dev:- clang:clang cmake:cmake make:make libomp-dev:-
libopenmpi-dev:mpicc openmpi-bin:mpirun gfortran:gfortran gcc-arm-none-eabi:arm-none-eabi-gcc
libnewlib-arm-none-eabi:-"

have() {
	pkg=${1%%:*} cmd=${1#*:}
	dpkg -s "$pkg" >/dev/null 2>&1 && return 0
	[ "$cmd" != - ] && command -v "$cmd" >/dev/null 2>&1
}

missing=""
for w in $wanted; do
	have "$w" || missing="$missing ${w%%:*}"
done

# libFuzzer's runtime comes with clang's compiler-rt, a recommended package
# that minimal installs leave out.
fuzzer_runtime_missing() {
	command -v clang >/dev/null 2>&1 || return 1
	lib=$(clang -print-file-name="libclang_rt.fuzzer-$(uname -m).a")
	[ ! -f "$lib" ]
}

if [ -z "$missing" ] && ! fuzzer_runtime_missing; then
	echo "install-deps: everything is installed"
	exit 0
fi

if [ "$(id -u)" = 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "install-deps: missing:$missing; run as root to install them" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: apt-get update"
$as_root apt-get update -qq
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	# shellcheck disable=SC2086
	$as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if fuzzer_runtime_missing; then
	major=$(clang -dumpversion | cut -d. -f1)
	echo "install-deps: installing libclang-rt-$major-dev (libFuzzer)"
	$as_root apt-get install -y -qq --no-install-recommends "libclang-rt-$major-dev" >/dev/null
fi
echo "install-deps: done"
