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
# Today cnetc checks each example and prints its one-line summary (inputs,
# outputs, parameters, constraints and their methods).  Once code generation
# lands, this is the step that trains each model instead.
demo() {
	status=0
	for model in examples/*.cnet; do
		printf '%-30s ' "$model:"
		if out=$(build/compiler/cnetc check "$model" 2>&1); then
			printf '%s\n' "${out:-ok}"
		else
			printf 'FAILED\n%s\n' "$out"
			status=1
		fi
	done
	return $status
}

build
echo
demo
