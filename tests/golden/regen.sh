#!/bin/sh
# Regenerate tests/golden/NAME.ast from every examples/NAME.cnet.  Use it only
# on purpose, after a deliberate change to the grammar, the AST or the
# examples, and review the diff (git diff tests/golden) before committing.
#
#   sh tests/golden/regen.sh [PATH/TO/cnetc]     (default: build/compiler/cnetc)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cnetc=${1:-$root/build/compiler/cnetc}
[ -x "$cnetc" ] || { echo "regen.sh: no cnetc at $cnetc (build first, or pass its path)" >&2; exit 2; }
for f in "$root"/examples/*.cnet; do
	name=$(basename "$f" .cnet)
	out="$root/tests/golden/$name.ast"
	# The dump only: "program" and its indented lines (see check.sh).  A model
	# that fails the check gets no golden file.
	if ! "$cnetc" check "$f" --dump=ast >"$out.tmp"; then
		rm -f "$out.tmp"
		echo "regen.sh: examples/$name.cnet does not pass cnetc check" >&2
		exit 1
	fi
	awk 'NR == 1 && $0 != "program" { exit 1 } NR > 1 && !/^  / { exit } { print }' \
		"$out.tmp" >"$out"
	rm -f "$out.tmp"
	echo "wrote tests/golden/$name.ast"
done
