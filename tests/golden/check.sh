#!/bin/sh
# Golden tests of `cnetc check --dump=ast` (run by meson; see tests/meson.build).
#
#   check.sh CNETC MODEL.cnet EXPECTED.ast   dump MODEL and diff it against EXPECTED
#   check.sh --complete EXAMPLES GOLDEN NAME...
#                                            every EXAMPLES/*.cnet is one of NAME...
#                                            (a meson test) and has GOLDEN/NAME.ast
#
# The golden file is the AST dump: the first line "program" and the indented
# lines below it.  Whatever cnetc prints after the dump on stdout (the
# checker's one-line model summary) is not part of it.  The model must also
# pass the check (exit status 0).  Regenerate on purpose with regen.sh.
set -u

if [ "${1:-}" = --complete ]; then
	examples=$2 golden=$3
	shift 3
	status=0
	for f in "$examples"/*.cnet; do
		name=$(basename "$f" .cnet)
		case " $* " in
		*" $name "*) ;;
		*) echo "examples/$name.cnet has no golden test: add '$name' to tests/meson.build"; status=1 ;;
		esac
		[ -f "$golden/$name.ast" ] ||
			{ echo "tests/golden/$name.ast is missing: run tests/golden/regen.sh"; status=1; }
	done
	for g in "$golden"/*.ast; do
		name=$(basename "$g" .ast)
		[ -f "$examples/$name.cnet" ] ||
			{ echo "tests/golden/$name.ast has no examples/$name.cnet"; status=1; }
	done
	[ $status = 0 ] && echo "every example has a golden dump ($# examples)"
	exit $status
fi

cnetc=$1 model=$2 expected=$3
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$cnetc" check "$model" --dump=ast >"$out" 2>"$err"
rc=$?
if [ $rc != 0 ]; then
	echo "cnetc check $model exited with status $rc:"
	cat "$err"
	exit 1
fi
if ! awk 'NR == 1 && $0 != "program" { exit 1 } NR > 1 && !/^  / { exit } { print }' "$out" |
	diff -u "$expected" - >"$err"; then
	echo "the AST of $model differs from $expected (regenerate on purpose: sh tests/golden/regen.sh):"
	cat "$err"
	exit 1
fi
echo "ok $(basename "$model")"
