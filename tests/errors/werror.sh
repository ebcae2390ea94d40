#!/bin/sh
# The exit status of warnings (SPEC 7, 12): each warn-*.cnet checks and
# compiles with status 0 and its warnings on stderr; with --Werror, check,
# compile and run exit 1, print the warnings as errors ending in [-Werror],
# and compile writes nothing.
# usage: werror.sh CNETC ERRORS_DIR
set -u
cnetc=$1 dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0 n=0
for model in "$dir"/warn-*.cnet; do
	n=$((n + 1))
	"$cnetc" check "$model" >/dev/null 2>"$work/err" || { echo "FAIL: check $model"; fail=1; }
	grep -q ': warning: ' "$work/err" || { echo "FAIL: check $model prints no warning"; fail=1; }
	"$cnetc" compile "$model" -o "$work/ok.c" 2>/dev/null && [ -s "$work/ok.c" ] ||
		{ echo "FAIL: compile $model"; fail=1; }
	for cmd in check compile run; do
		case $cmd in
		check) "$cnetc" check "$model" --Werror ;;
		compile) "$cnetc" compile "$model" --Werror -o "$work/w.c" ;;
		run) "$cnetc" run "$model" --Werror -- --epochs 1 ;;
		esac >/dev/null 2>"$work/err"
		st=$?
		[ $st -eq 1 ] || { echo "FAIL: $cmd --Werror $model exits $st, not 1"; fail=1; }
		grep -q ': error: .* \[-Werror\]$' "$work/err" ||
			{ echo "FAIL: $cmd --Werror $model: no [-Werror] error"; fail=1; }
		! grep -q ': warning: ' "$work/err" || { echo "FAIL: $cmd --Werror $model warns"; fail=1; }
	done
	[ ! -e "$work/w.c" ] || { echo "FAIL: compile --Werror $model wrote its output"; fail=1; }
done
[ $n -gt 0 ] || { echo "FAIL: no warn-*.cnet in $dir"; fail=1; }
[ $fail -eq 0 ] && echo "$n models: warnings exit 0, --Werror exits 1 (check, compile, run)"
exit $fail
