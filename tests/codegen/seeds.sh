#!/bin/sh
# The seed article's three examples, trained as shipped (their own data and
# train blocks), hold their constraints: mean violation below 1e-3 for the
# penalty and the Lagrangian, exactly 0 for the hard one (issue 4).
# usage: seeds.sh CNETC EXAMPLES_DIR
set -eu
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ex=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
status=0
# the constraint's row of the final report: label, mean, max, satisfied
check() { # name label limit (a number, or "zero")
	"$cnetc" run "$ex/$1.cnet" > "$1.out"
	row=$(grep "^$2 " "$1.out" | tail -n 1)
	mean=$(echo "$row" | awk '{print $2}')
	if [ "$3" = zero ]; then
		ok=$(awk -v m="$mean" 'BEGIN { print (m + 0 == 0) ? 1 : 0 }')
	else
		ok=$(awk -v m="$mean" -v l="$3" 'BEGIN { print (m + 0 < l + 0) ? 1 : 0 }')
	fi
	if [ -n "$mean" ] && [ "$ok" = 1 ]; then
		echo "ok   $1: $2 mean violation $mean (limit: $3)"
	else
		echo "FAIL $1: $2 mean violation '$mean' (limit: $3)"
		tail -n 5 "$1.out"
		status=1
	fi
}
check seed_penalty above 1e-3
check seed_lagrangian twice 1e-3
check seed_relu nonneg zero
exit $status
