#!/bin/sh
# Golden tests of `cnetc check --dump=ast` and `--dump=ir` (run by meson; see
# tests/meson.build).
#
#   check.sh CNETC MODEL.cnet EXPECTED.ast   dump MODEL's AST and diff it against EXPECTED
#   check.sh CNETC MODEL.cnet EXPECTED.ir    dump MODEL's IR and diff it against EXPECTED
#   check.sh --complete EXAMPLES GOLDEN NAME...
#                                            every EXAMPLES/*.cnet is one of NAME...
#                                            (a meson test) and has GOLDEN/NAME.ast
#   check.sh --complete-ir EXAMPLES GOLDEN NAME...
#                                            every EXAMPLES/*.cnet and EXAMPLES/DIR/*.cnet
#                                            is one of NAME... (NAME or DIR/NAME) and has
#                                            GOLDEN/NAME.ir (GOLDEN/DIR-NAME.ir)
#
# An AST golden file is the AST dump: the first line "program" and the
# indented lines below it.  An IR golden file is the IR dump: the lines of
# instructions ("%N[SIZE] = ..." and indented roots) and the "# ..." lines
# that head each further IR (domains, constraints' g, generators).
# Whatever else cnetc prints on stdout (the checker's one-line model summary)
# is not part of either.  The model must also pass the check (exit status 0).
# Regenerate on purpose with regen.sh.
set -u

complete() { # ext examples golden names...: the list, the files, no strays
	ext=$1 examples=$2 golden=$3
	shift 3
	status=0
	models=$(ls "$examples"/*.cnet)
	[ "$ext" = ir ] && models="$models $(ls "$examples"/*/*.cnet)"
	files=" "
	for f in $models; do
		name=${f#"$examples"/}
		name=${name%.cnet}
		case " $* " in
		*" $name "*) ;;
		*) echo "examples/$name.cnet has no golden $ext test: add '$name' to tests/meson.build"; status=1 ;;
		esac
		g=$(echo "$name" | tr / -)
		files="$files$g "
		[ -f "$golden/$g.$ext" ] ||
			{ echo "tests/golden/$g.$ext is missing: run tests/golden/regen.sh"; status=1; }
	done
	for g in "$golden"/*."$ext"; do
		name=$(basename "$g" ."$ext")
		case $files in
		*" $name "*) ;;
		*) echo "tests/golden/$name.$ext has no example"; status=1 ;;
		esac
	done
	[ $status = 0 ] && echo "every example has a golden $ext dump ($# examples)"
	exit $status
}

case "${1:-}" in
--complete) shift; complete ast "$@" ;;
--complete-ir) shift; complete ir "$@" ;;
esac

cnetc=$1 model=$2 expected=$3
kind=${expected##*.}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$cnetc" check "$model" --dump="$kind" >"$out" 2>"$err"
rc=$?
if [ $rc != 0 ]; then
	echo "cnetc check $model exited with status $rc:"
	cat "$err"
	exit 1
fi
if ! sh "$(dirname "$0")/filter.sh" "$kind" <"$out" | diff -u "$expected" - >"$err"; then
	echo "the $kind dump of $model differs from $expected (regenerate on purpose: sh tests/golden/regen.sh):"
	cat "$err"
	exit 1
fi
echo "ok $(basename "$model") $kind"
