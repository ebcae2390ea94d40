#!/bin/sh
# demo.sh - from a fresh clone on Debian: install what is missing, build cnetc
# in build/, then run the demo over examples/*.cnet.
#
#   sh examples/demo.sh
set -eu
cd "$(dirname "$0")/.."

build() {
	sh tests/install-deps.sh
	[ -f build/build.ninja ] || meson setup build
	ninja -C build
}

# ---- the demo: one line per model ----------------------------------------
# For now cnetc checks each example and prints its one-line summary (inputs,
# output, parameters, constraints and their methods).  This is the step that
# the training issues turn into training each model.
demo() {
	status=0
	for model in examples/*.cnet; do
		if out=$(build/compiler/cnetc check "$model" 2>&1); then
			printf '%s\n' "${out:-$model: ok}"
		else
			printf '%s: FAILED\n%s\n' "$model" "$out"
			status=1
		fi
	done
	return $status
}

build
echo
demo
