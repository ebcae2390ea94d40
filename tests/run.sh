#!/bin/sh
# run.sh - the test suite, from a fresh clone on Debian: install what is
# missing, build in build/, run `meson test` (its default setup: every suite
# but werror and bench, which CI runs too; tests/meson.build says why).
#
#   sh tests/run.sh [MESON TEST ARGS...]     e.g. --suite parser, --setup full
set -eu
cd "$(dirname "$0")/.."

sh tests/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs "$@"
