#!/bin/sh
# run.sh - the whole test suite, from a fresh clone on Debian:
# install what is missing, build in build/, run `meson test`.
#
#   sh tests/run.sh [MESON TEST ARGS...]     e.g. --suite parser
set -eu
cd "$(dirname "$0")/.."

sh tests/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs "$@"
