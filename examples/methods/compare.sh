#!/bin/sh
# Train examples/methods/*.cnet -- the same model, data and constraint
# (y <= 1) held by a penalty, a Lagrange multiplier, the augmented Lagrangian
# and a hard reparametrisation -- and print their data loss and violation
# side by side as a Markdown table.
#   sh examples/methods/compare.sh [PATH/TO/cnetc]   (default: build/compiler/cnetc)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cnetc=${1:-$here/../../build/compiler/cnetc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| method | data loss | mean violation | max violation | satisfied |"
echo "|---|---|---|---|---|"
for m in penalty lagrangian augmented hard; do
	"$cnetc" run "$here/$m.cnet" > "$work/$m.out"
	data=$(grep '^final:' "$work/$m.out" | sed 's/.*data loss //')
	row=$(grep '^cap ' "$work/$m.out")
	set -- $row
	method=$(grep -o 'cap: y <= 1 : .*;' "$here/$m.cnet" | sed 's/cap: y <= 1 : //; s/;$//')
	echo "| \`$method\` | $data | $2 | $3 | $4 |"
done
