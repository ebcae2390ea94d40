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
# a build/ set up before cnetrt.pc became relocatable: make it so (once)
if meson introspect build --buildoptions | grep -q '"name": "pkgconfig.relocatable", "value": false'; then
	meson configure build -Dpkgconfig.relocatable=true
fi
ninja -C build
meson test -C build --print-errorlogs "$@"
