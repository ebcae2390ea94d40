#!/bin/sh
# Regenerate tests/golden/NAME.ast from every examples/NAME.cnet and
# tests/golden/NAME.ir (DIR-NAME.ir) from every examples/NAME.cnet
# (examples/DIR/NAME.cnet).  Use it only on purpose, after a deliberate change
# to the grammar, the AST, the IR, the lowering or the examples, and review
# the diff (git diff tests/golden) before committing.
#
#   sh tests/golden/regen.sh [PATH/TO/cnetc]     (default: build/compiler/cnetc)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cnetc=${1:-$root/build/compiler/cnetc}
[ -x "$cnetc" ] || { echo "regen.sh: no cnetc at $cnetc (build first, or pass its path)" >&2; exit 2; }
regen() { # MODEL.cnet KIND OUT: the dump only (see check.sh)
	# A model that fails the check gets no golden file.
	if ! "$cnetc" check "$1" --dump="$2" >"$3.tmp"; then
		rm -f "$3.tmp"
		echo "regen.sh: ${1#"$root"/} does not pass cnetc check" >&2
		exit 1
	fi
	sh "$root/tests/golden/filter.sh" "$2" <"$3.tmp" >"$3"
	rm -f "$3.tmp"
	echo "wrote ${3#"$root"/}"
}
for f in "$root"/examples/*.cnet; do
	regen "$f" ast "$root/tests/golden/$(basename "$f" .cnet).ast"
done
for f in "$root"/examples/*.cnet "$root"/examples/*/*.cnet; do
	name=${f#"$root"/examples/}
	regen "$f" ir "$root/tests/golden/$(echo "${name%.cnet}" | tr / -).ir"
done
