#!/bin/sh
# demo.sh - from a fresh clone on Debian: install what is missing, build cnetc
# (only cnetc) in build/, then train the seed article's three models and show
# their constraint reports.
#
#   sh examples/demo.sh
set -eu
cd "$(dirname "$0")/.."

# Only cnetc: `cnetc run` compiles the runtime from the sources embedded in
# it (once: its cache, ~/.cache/cnet, keeps the objects and the programs), so
# neither libcnetrt nor the tests need building for the demo.
build() {
	sh tests/install-deps.sh
	[ -f build/build.ninja ] || meson setup build
	ninja -C build compiler/cnetc
}

# ---- the demo ---------------------------------------------------------------
# Train the seed article's three models through `cnetc run` (each generates its
# own data from its data block) and show the constraint reports: the output
# kept above the input by a penalty, y == 2x by a Lagrange multiplier, and a
# non-negative output by construction.
demo() {
	cnetc=build/compiler/cnetc
	echo "== examples/seed_penalty.cnet: y > x by penalty(linear, weight = 0.5)"
	"$cnetc" run examples/seed_penalty.cnet
	for model in seed_lagrangian seed_relu; do
		echo
		echo "== examples/$model.cnet: $(grep -E '^ *constraint ' "examples/$model.cnet" | sed 's/^ *//')"
		"$cnetc" run "examples/$model.cnet" -- --quiet --params-out "build/$model-params.txt"
		"$cnetc" run "examples/$model.cnet" -- eval --params-in "build/$model-params.txt"
	done
}

build
echo
demo
echo
echo "cnetc is build/compiler/cnetc (try: build/compiler/cnetc run examples/junction.cnet);"
echo "'meson install -C build' puts it on PATH (/usr/local/bin)."
