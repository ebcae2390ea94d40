#!/bin/sh
# The generated function bodies read as the model (README, "The generated
# code"): each named value's source on one line with the model file's name
# and line above its first instruction, the reverse pass marked once, in
# P_grad only, and parameters read through named pointers, never as raw
# offsets of m->param.  readable.cnet's source would end or splice a C
# comment if copied as it is, and its layer names are reserved in C: its
# code must build warning-free (gcc and clang, -Werror) and keep the names
# apart.
# usage: readable.sh CNETC RUNTIME_DIR EXAMPLES_DIR READABLE.cnet
set -eu
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") rt=$2 ex=$3 odd=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
has() { grep -qxF "$1" "$2" || fail "no line '$1' in $(basename "$2")"; }

"$cnetc" compile "$ex/junction.cnet" -o "$work/j.c"
has '	const real *enc_W = m->param + 0; /* (16, 3) row-major */' "$work/j.c"
has '	const real *corr_W = m->param + 368; /* (3, 16) row-major */' "$work/j.c"
has '	/* routed = R * x  junction.cnet:30 */' "$work/j.c"
has '		/* h = concat(tanh(...), D * x) + concat(tanh(...), D * routed)  junction.cnet:32 */' "$work/j.c"
has '		/* output y: hard mass  junction.cnet:39 */' "$work/j.c"
has '		/* loss huber(y, t, delta = 0.5)  junction.cnet:36 */' "$work/j.c"
has '		/* nonneg: y >= 0  junction.cnet:40 */' "$work/j.c"
# corr has no bias: no pointer to one
! grep -q 'corr_b' "$work/j.c" || fail "corr_b declared"
# no raw offsets into the parameters
! grep -nE 'const real \*p = |(^|[^A-Za-z0-9_])p\[[0-9]' "$work/j.c" || fail "a raw parameter offset"
# the reverse pass: marked once, inside P_grad
n=$(grep -c '/\* ---- reverse pass ---- \*/' "$work/j.c")
[ "$n" = 1 ] || fail "$n reverse-pass marks"
awk '/^void junction_/ { fn = $2 } /---- reverse pass ----/ { print fn }' "$work/j.c" |
	grep -q '^junction_grad(' || fail "the reverse pass is not marked in junction_grad"
# each origin comment is one line of at most 60 characters of source
awk '/cnet:[0-9]+ \*\/$/ { s = $0; sub(/^\t*\/\* /, "", s); sub(/  [^ ]+\.cnet:[0-9]+ \*\/$/, "", s);
	if (length(s) > 60) { print "too long: " s; bad = 1 } } END { exit bad }' "$work/j.c" ||
	fail "an origin comment over 60 characters"

cp "$odd" "$work/we??ird.cnet"
(cd "$work" && "$cnetc" compile 'we??ird.cnet' -o odd.c)
grep -q 'const real \*L_X_W_ = m->param + 0;' "$work/odd.c" || fail "no L_X_W_"
grep -q 'const real \*L__y_b_ = ' "$work/odd.c" || fail "no L__y_b_"
grep -q 'const real \*out_W = ' "$work/odd.c" || fail "no out_W"
grep -q '/\* h = relu(_X(x)) + tanh(__y(x)) \* sum(x) \* .*  we__ird.cnet:10 \*/$' \
	"$work/odd.c" || fail "h's comment"
grep -q '/\* small: sum(y) <= 100  we__ird.cnet:17 \*/$' "$work/odd.c" || fail "small's comment"
ccs=0
for cc in gcc clang; do
	command -v $cc >/dev/null 2>&1 || continue
	ccs=$((ccs + 1))
	$cc -std=c99 -Wall -Wextra -pedantic -Werror -O1 -I"$rt" -c "$work/odd.c" -o "$work/odd_$cc.o" ||
		fail "$cc: warnings"
done
[ $ccs -gt 0 ] || fail "no C compiler"
echo "ok"
