#!/bin/sh
# cap.sh - the input size caps and --max-input-size (issue 17):
#  - cnetc refuses a model over its default cap (64 MiB) with one line, exit 2,
#    and --max-input-size admits it; a const CSV over the flag's cap is an
#    error at the const, a flag at its size admits it;
#  - the generated program refuses a data file over its default cap (1 GiB, a
#    sparse file) with one line, exit 2, and --max-input-size sets the cap
#    either way.
# usage: cap.sh CNETC
set -eu
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
say() { echo "FAIL: $*"; fail=1; }

# a valid model, and the same padded with a comment to one byte over 64 MiB
printf 'model m { input x[1]; target t[1]; const K[2] = csv "k.csv";\n' > m.cnet
printf 'layer f = dense(1, 1); y = f(x) + sum(K); output y; loss mse(y, t); }\n' >> m.cnet
printf 'train { epochs 2; }\n' >> m.cnet
cp m.cnet big.cnet
printf '//' >> big.cnet
pad=$((67108864 + 1 - $(wc -c < big.cnet)))
head -c "$pad" /dev/zero | tr '\0' ' ' >> big.cnet
printf '1.%0400d\n2\n' 0 > k.csv # bigger than the model
status=0
"$cnetc" check big.cnet > out.txt 2> err.txt || status=$?
[ "$status" -eq 2 ] || say "a model over 64 MiB: exit $status, want 2"
[ "$(wc -l < err.txt)" -eq 1 ] || say "a model over 64 MiB: not one line: $(cat err.txt)"
grep -q "^cnetc: error: cannot read 'big.cnet': larger than 64 MiB, the most cnetc reads (--max-input-size)$" err.txt ||
	say "a model over 64 MiB: $(cat err.txt)"
echo "default cap: $(cat err.txt)"
"$cnetc" check big.cnet --max-input-size 67108865 > out.txt 2> err.txt ||
	say "--max-input-size 67108865 does not admit the model: $(cat err.txt)"

status=0
"$cnetc" check m.cnet --max-input-size "$(wc -c < m.cnet)" 2> err.txt || status=$?
[ "$status" -eq 1 ] || say "a const CSV over the cap: exit $status, want 1"
grep -q "m.cnet:1:.*error: cannot read 'k.csv': larger than $(wc -c < m.cnet) bytes" err.txt ||
	say "a const CSV over the cap: $(cat err.txt)"
"$cnetc" check m.cnet --max-input-size "$(wc -c < k.csv)" > /dev/null ||
	say "--max-input-size of the const CSV's size does not admit it"
status=0
"$cnetc" check m.cnet --max-input-size "$(($(wc -c < m.cnet) - 1))" 2> err.txt || status=$?
[ "$status" -eq 2 ] || say "--max-input-size below the model's size: exit $status, want 2"

# the program: a sparse data file one byte over 1 GiB is refused by its size
(echo x,t; for i in 1 2 3 4 5 6 7 8; do echo "0.$i,1.$i"; done) > d.csv
cp d.csv huge.csv
truncate -s 1073741825 huge.csv
status=0
"$cnetc" run m.cnet -- --data huge.csv --quiet > out.txt 2> err.txt || status=$?
[ "$status" -eq 2 ] || say "a data file over 1 GiB: exit $status, want 2"
[ "$(cat err.txt)" = "m: error: huge.csv: 1073741825 bytes, more than the 1073741824 the program reads (--max-input-size)" ] ||
	say "a data file over 1 GiB: $(cat err.txt)"
echo "program's default cap: $(cat err.txt)"
size=$(wc -c < d.csv)
status=0
"$cnetc" run m.cnet -- --data d.csv --max-input-size $((size - 1)) --quiet 2> err.txt || status=$?
[ "$status" -eq 2 ] && grep -q "d.csv: $size bytes, more than the $((size - 1))" err.txt ||
	say "--max-input-size below the data's size: exit $status, $(cat err.txt)"
"$cnetc" run m.cnet -- --data d.csv --max-input-size "$size" --quiet ||
	say "--max-input-size of the data's size does not admit it"
status=0
"$cnetc" run m.cnet -- --max-input-size 0 2> err.txt || status=$?
[ "$status" -eq 2 ] || say "--max-input-size 0: exit $status, want 2"
[ "$fail" -eq 0 ] && echo ok
exit "$fail"
