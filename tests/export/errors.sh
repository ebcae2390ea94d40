#!/bin/sh
# cnetc export's errors: a missing, cut, edited or another model's parameter
# file gets one line naming the file (and the line), exit status 2, and
# leaves no output file; so do usage errors (an unknown flag, no --params,
# export's flags on another command, a prefix Fortran cannot name).
# usage: errors.sh CNETC
set -eu
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
model=$src/examples/seed_relu.cnet
cat >good.txt <<'P'
# hand-written parameters of seed_relu
fc1.W 0.1 0.2 0.3 0.4 0.5 -0.1 -0.2 -0.3 -0.4 -0.5
fc1.b 0 0 0 0 0 0 0 0 0 0
fc2.W 1 1 1 1 1 1 1 1 1 1
fc2.b 0.5
P
"$cnetc" export "$model" --params good.txt -o ok.c || { echo "FAIL: a good file"; exit 1; }
grep -q '^static const seed_relu_real seed_relu_weights\[31\]' ok.c || {
	echo "FAIL: the weights of the default prefix"
	exit 1
}
sed 's/^fc1.b 0 0/fc1.b 0/' good.txt >short.txt
sed 's/^fc2.W 1 1/fc2.W 1 x/' good.txt >nan.txt
sed 's/^fc1.b/fc9.b/' good.txt >name.txt
printf 'fc1.W 1\n' >other.txt
n=0
expect() { # expect STATUS PATTERN CMD...: status, one line matching on stderr, no o.c
	status=$1 pattern=$2
	shift 2
	n=$((n + 1))
	rc=0
	"$@" >out.txt 2>err.txt || rc=$?
	if [ "$rc" != "$status" ] || ! head -n 1 err.txt | grep -q -- "$pattern" || [ -e o.c ]; then
		echo "FAIL: case $n ($*): status $rc, stderr:"
		cat err.txt
		exit 1
	fi
	case "$status" in
	2) [ "$(grep -vc '^cnetc: see' err.txt)" = 1 ] || {
		echo "FAIL: case $n: more than one line"
		cat err.txt
		exit 1
	} ;;
	esac
}
ex() { "$cnetc" export "$model" -o o.c --test o_t.c --header o.h "$@"; }
expect 2 "^cnetc: error: missing.txt: cannot open" ex --params missing.txt
expect 2 "^cnetc: error: short.txt:3: tensor 'fc1.b' has 9 values, expected 10" ex --params short.txt
expect 2 "^cnetc: error: nan.txt:4: value 2 of 'fc2.W' is not a number" ex --params nan.txt
expect 2 "^cnetc: error: name.txt:3: unknown tensor 'fc9.b'" ex --params name.txt
expect 2 "^cnetc: error: other.txt:1: tensor 'fc1.W' has 1 value, expected 10" ex --params other.txt
expect 2 "^cnetc: error: unknown option '--bogus'" ex --params good.txt --bogus
expect 2 "^cnetc: error: 'export' needs --params FILE" ex
expect 2 "^cnetc: error: --params, --weights, --test and --fortran belong to 'export'" \
	"$cnetc" compile "$model" -o o.c --params good.txt
expect 2 "^cnetc: error: 'export' takes no --main, --depfile, --mpi, --freestanding" ex --params good.txt --freestanding
expect 2 "^cnetc: error: --freestanding belongs to 'compile'" "$cnetc" check "$model" --freestanding
expect 2 "^cnetc: error: --fortran needs a prefix" ex --params good.txt --prefix _p --fortran o.f90
for f in o.c o.h o_t.c o.f90; do
	[ ! -e "$f" ] || { echo "FAIL: $f written"; exit 1; }
done
echo "export errors: $n cases, one line each, exit 2, nothing written"
