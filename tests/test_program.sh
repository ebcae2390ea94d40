#!/bin/sh
# End-to-end tests of libcnetrt's program driver (SPEC section 8) through the
# hand-written model of tests/handmodel.c.
# usage: test_program.sh HANDMODEL_FLOAT HANDMODEL_DOUBLE HANDMODEL_OTHER
# Prints one line per failed check and exits 1 if any failed.
set -u
LC_ALL=C
export LC_ALL
abspath() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$PWD/$1" ;;
	esac
}
F=$(abspath "$1") D=$(abspath "$2") O=$(abspath "$3")
for prog in "$F" "$D" "$O"; do
	[ -x "$prog" ] || { echo "not an executable: $prog"; exit 1; }
done
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
fails=0
checks=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

check() { # check DESCRIPTION COMMAND...: the command must succeed
	desc=$1
	shift
	checks=$((checks + 1))
	"$@" || fail "$desc"
}

same() { # same DESCRIPTION GOT WANT
	checks=$((checks + 1))
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# expect STATUS MESSAGE COMMAND...: the exit status, and stderr exactly one
# line; MESSAGE is that line, or with STATUS 2 and a train command, the line
# must also leave no output file (keep.txt, passed as --params-out by the
# caller, keeps its old content; out.csv and out.ckpt never appear).
expect() {
	status=$1 want=$2
	shift 2
	printf 'keep\n' >keep.txt
	rm -f out.csv out.ckpt
	"$@" >stdout.txt 2>stderr.txt
	got=$?
	checks=$((checks + 1))
	[ "$got" = "$status" ] || fail "$*: exit status $got, want $status"
	same "$*: stderr" "$(cat stderr.txt)" "$want"
	same "$*: keep.txt untouched" "$(cat keep.txt)" keep
	for f in out.csv out.ckpt *.tmp *.tmp.*; do
		[ -e "$f" ] && fail "$*: left $f behind"
	done
}

# --- data
awk 'BEGIN { print "x,t"
	for (i = 0; i < 40; i++) { x = i / 40; printf "%.6f,%.6f\n", x, 2 * x + 0.5 + 0.05 * sin(7 * i) } }' >train.csv
awk -F, 'NR == 1 { print "x"; next } { print $1 }' train.csv >inputs.csv

# --- help and usage errors
$F --help >help.txt 2>&1
same "--help status" $? 0
for flag in --data --epochs --batch --lr --seed --params-in --params-out --log --save \
	--resume --quiet --help predict eval; do
	check "--help mentions $flag" grep -q -e "$flag" help.txt
done
P=handmodel_f
HINT="Try '$P --help' for more information."
expect 2 "$P: error: unknown option '--bogus'
$HINT" $F --bogus --params-out keep.txt
expect 2 "$P: error: --epochs expects a non-negative integer, got 'ten'
$HINT" $F --epochs ten --params-out keep.txt
expect 2 "$P: error: option '--log' needs a value
$HINT" $F --params-out keep.txt --log
expect 2 "$P: error: option '--quiet' takes no value
$HINT" $F --quiet=yes --params-out keep.txt
expect 2 "$P: error: option '--epochs' given twice
$HINT" $F --epochs 3 --epochs=4 --params-out keep.txt
expect 2 "$P: error: --lr expects a positive number, got '-1'
$HINT" $F --lr -1 --params-out keep.txt
expect 2 "$P: error: predict needs --params-in FILE
$HINT" $F predict --data train.csv
expect 2 "$P: error: option '--epochs' cannot be used with predict
$HINT" $F predict --epochs 3
expect 2 "$P: error: unexpected argument 'extra'
$HINT" $F train extra
expect 2 "$P: error: two outputs are written to 'keep.txt'
$HINT" $F --params-out keep.txt --log keep.txt

# --- training on a CSV: log columns, loss decreasing, outputs in place
check "train on a CSV" $F --data train.csv --epochs 20 --log log.csv --params-out p.txt --quiet
same "log header" "$(head -n 1 log.csv)" \
	"epoch,loss,data_loss,above_viol,above_max,band_viol,band_max,band_lambda0,band_lambda1"
same "log rows numbered 1..20" "$(tail -n +2 log.csv | cut -d, -f1 | tr '\n' ' ')" \
	"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 "
same "log fields per row" "$(awk -F, '{ print NF }' log.csv | sort -u)" 9
check "loss decreases" awk -F, 'NR == 2 { first = $2 } END { exit !($2 < first / 2) }' log.csv
check "multipliers never negative" awk -F, 'NR > 1 && ($8 < 0 || $9 < 0) { bad = 1 } END { exit bad }' log.csv
same "params file" "$(cut -d' ' -f1 p.txt | tr '\n' ' ')" "# # lin.W lin.b # "
same "no temporary files" "$(ls | grep -c '\.tmp')" 0

# --- two runs writing the same files at once: each file is one run's whole
# output (each run writes its own temporary file and renames it into place)
$F --data train.csv --epochs 30 --seed 1 --log a.csv --params-out a.txt --quiet
$F --data train.csv --epochs 40 --seed 2 --log b.csv --params-out b.txt --quiet
whole=0
for i in 1 2 3 4 5; do
	$F --data train.csv --epochs 30 --seed 1 --log c.csv --params-out c.txt --quiet &
	$F --data train.csv --epochs 40 --seed 2 --log c.csv --params-out c.txt --quiet
	wait
	{ cmp -s c.csv a.csv || cmp -s c.csv b.csv; } &&
		{ cmp -s c.txt a.txt || cmp -s c.txt b.txt; } && whole=$((whole + 1))
done
same "concurrent runs leave whole files" "$whole" 5
same "concurrent runs leave no temporary file" "$(ls | grep -c '\.tmp')" 0
# a symlink where the old fixed temporary name (PATH.tmp) was is never
# written through
ln -s victim.txt d.txt.tmp
check "train beside a planted symlink" $F --data train.csv --epochs 2 --params-out d.txt --quiet
check "the symlink's target is not written" test ! -e victim.txt
rm -f d.txt.tmp

# progress lines every 10 epochs and the final report
$F --data train.csv --epochs 20 >progress.txt 2>&1
same "progress status" $? 0
same "progress lines" "$(grep -c '^epoch ' progress.txt)" 2
check "progress format" grep -Eq \
	'^epoch   20  loss [0-9.]+  data [0-9.]+  above [0-9.]+e[-+][0-9]+  band [0-9.]+e[-+][0-9]+$' \
	progress.txt
check "report line" grep -Eq '^final: 40 samples  loss [0-9.e-]+  data loss [0-9.e-]+$' progress.txt
check "report table" grep -Eq '^constraint +mean viol +max viol +satisfied$' progress.txt
check "report rows" grep -Eq '^band +[0-9.]+e[-+][0-9]+ +[0-9.]+e[-+][0-9]+ +[0-9.]+%$' progress.txt
same "--quiet prints nothing" "$($F --data train.csv --epochs 2 --quiet)" ""

# synthetic data (no --data, no files) and full batch
check "train on synthetic data" $F --epochs 3 --quiet --log synth.csv
same "synthetic log rows" "$(wc -l <synth.csv | tr -d ' ')" 4
check "full batch" $F --data train.csv --batch 0 --epochs 3 --quiet

# --- predict: header, one row per sample, from a file or stdin, outputs match w*x + b
$F predict --params-in p.txt --data train.csv >pred.txt 2>predict.err
same "predict status" $? 0
same "predict stderr" "$(cat predict.err)" ""
same "predict header" "$(head -n 1 pred.txt)" y
same "predict rows" "$(wc -l <pred.txt | tr -d ' ')" 41
$F predict --params-in p.txt <inputs.csv >pred_stdin.txt
same "predict from stdin status" $? 0
check "predict from stdin = from file" cmp -s pred.txt pred_stdin.txt
w=$(awk '$1 == "lin.W" { print $2 }' p.txt)
b=$(awk '$1 == "lin.b" { print $2 }' p.txt)
check "predictions are w*x + b" awk -F, -v w="$w" -v b="$b" '
	NR == FNR { if (FNR > 1) x[FNR] = $1; next }
	FNR > 1 { d = $1 - (w * x[FNR] + b); if (d < -1e-5 || d > 1e-5) bad = 1 }
	END { exit bad }' train.csv pred.txt

# --- eval
$F eval --params-in p.txt --data train.csv >eval.txt 2>&1
same "eval status" $? 0
check "eval report" grep -Eq '^eval: 40 samples  loss [0-9.e-]+  data loss [0-9.e-]+$' eval.txt
same "eval rows" "$(grep -Ec '^(above|band) ' eval.txt)" 2

# --- resume: 10 + 10 epochs equal 20 epochs, byte for byte
for prog in "$F" "$D"; do
	for data in "--data train.csv" ""; do
		# shellcheck disable=SC2086
		$prog $data --seed 7 --epochs 20 --log a.csv --params-out a.txt --save a.ckpt --quiet &&
		$prog $data --seed 7 --epochs 10 --log b1.csv --save b.ckpt --quiet &&
		$prog $data --epochs 20 --resume b.ckpt --log b2.csv --params-out b.txt --save b2.ckpt --quiet
		same "resume ($prog $data) status" $? 0
		check "resume ($prog $data): parameters" cmp -s a.txt b.txt
		check "resume ($prog $data): checkpoints" cmp -s a.ckpt b2.ckpt
		same "resume ($prog $data): log rows" "$(tail -n +2 b1.csv; tail -n +2 b2.csv)" \
			"$(tail -n +2 a.csv)"
		same "resume ($prog $data): log header" "$(head -n 1 b2.csv)" "$(head -n 1 a.csv)"
	done
done
check "a float checkpoint" $F --data train.csv --epochs 10 --save f10.ckpt --quiet
check "--epochs equal to the checkpoint's is a no-op" $F --resume f10.ckpt --epochs 10 --quiet \
	--data train.csv

# --- divergence: exit 1, the epoch named, no output
expect 1 "$P: error: loss is inf at epoch 1" \
	$F --data train.csv --lr 1e30 --epochs 5 --params-out keep.txt --log out.csv --save out.ckpt

# --- bad input: exit 2, one line naming file and line, no output file
T="--params-out keep.txt --log out.csv --save out.ckpt --quiet"
printf 'x,target\n0.1,0.2\n' >nocol.csv
printf 'x,t\n0.1,0.2\n0.3,0.4,0.5\n' >fields.csv
printf 'x,t\r\n0.1,0.2\r\n\r\n0.3, abc\r\n' >nan.csv
printf 'x,t\n1,nan\n' >notfinite.csv
printf '\n x , t \n\n' >norows.csv
: >empty.csv
# shellcheck disable=SC2086
{
expect 2 "$P: error: missing.csv: cannot open: No such file or directory" $F --data missing.csv $T
expect 2 "$P: error: nocol.csv:1: missing column 't' (the header has x,target)" $F --data nocol.csv $T
expect 2 "$P: error: fields.csv:3: expected 2 fields (header x,t), got 3" $F --data fields.csv $T
expect 2 "$P: error: nan.csv:4: field 2 ('t') is not a number: 'abc'" $F --data nan.csv $T
expect 2 "$P: error: notfinite.csv:2: field 2 ('t') is not a finite number: 'nan'" \
	$F --data notfinite.csv $T
expect 2 "$P: error: norows.csv:2: no data rows after the header" $F --data norows.csv $T
expect 2 "$P: error: empty.csv:1: empty file: expected a header row naming the columns" \
	$F --data empty.csv $T
expect 2 "$P: error: nocol.csv:1: missing column 't' (the header has x,target)" \
	$F eval --params-in p.txt --data nocol.csv
}
printf 'x\n0.5\n1,2\n' | $F predict --params-in p.txt >stdout.txt 2>stderr.txt
same "predict bad stdin status" $? 2
same "predict bad stdin message" "$(cat stderr.txt)" \
	"$P: error: <stdin>:3: expected 1 field (header x), got 2"
same "predict bad stdin prints nothing" "$(cat stdout.txt)" ""

# parameter files: another model's, a wrong count, a non-number, a missing tensor
$O --epochs 1 --quiet --params-out other.txt --save other.ckpt
printf '# cnet parameters for hand\nlin.W 1 2\nlin.b 0\n' >count.txt
printf 'lin.W 1\nlin.b zero\n' >word.txt
printf '# only W\nlin.W 1\n' >short.txt
printf 'lin.b 1\nlin.W 1\n' >order.txt
printf 'lin.W 1\nlin.b 1\nlin.b 2\n' >extra.txt
# shellcheck disable=SC2086
{
expect 2 "$P: error: other.txt:3: unknown tensor 'fc.W' (model hand has lin.W, lin.b)" \
	$F --params-in other.txt --data train.csv $T
expect 2 "$P: error: count.txt:2: tensor 'lin.W' has 2 values, expected 1" \
	$F --params-in count.txt --data train.csv $T
expect 2 "$P: error: word.txt:2: value 1 of 'lin.b' is not a number: 'zero'" \
	$F --params-in word.txt --data train.csv $T
expect 2 "$P: error: short.txt:2: missing tensor 'lin.b' at the end of the file" \
	$F --params-in short.txt --data train.csv $T
expect 2 "$P: error: order.txt:1: tensor 'lin.b' out of order: expected 'lin.W' first" \
	$F --params-in order.txt --data train.csv $T
expect 2 "$P: error: extra.txt:3: extra line after the last tensor 'lin.b'" \
	$F --params-in extra.txt --data train.csv $T
expect 2 "$P: error: count.txt:2: tensor 'lin.W' has 2 values, expected 1" \
	$F predict --params-in count.txt --data train.csv
}

# checkpoints: truncated, corrupt, another model's, another precision's, too far
size=$(wc -c <f10.ckpt | tr -d ' ')
head -c 50 f10.ckpt >trunc.ckpt
cp f10.ckpt flip.ckpt
printf '\377' | dd of=flip.ckpt bs=1 seek=36 conv=notrunc 2>/dev/null
$D --epochs 1 --quiet --save double.ckpt
printf 'CNETCKPT' >magic.ckpt
# shellcheck disable=SC2086
{
expect 2 "$P: error: trunc.ckpt: truncated checkpoint (50 bytes, expected $size)" \
	$F --resume trunc.ckpt --data train.csv $T
expect 2 "$P: error: flip.ckpt: corrupt checkpoint (checksum mismatch)" \
	$F --resume flip.ckpt --data train.csv $T
expect 2 "$P: error: magic.ckpt: truncated checkpoint (8 bytes, the header alone is 32)" \
	$F --resume magic.ckpt --data train.csv $T
expect 2 "$P: error: train.csv: not a cnet checkpoint (bad magic)" \
	$F --resume train.csv --data train.csv $T
expect 2 "$P: error: other.ckpt: checkpoint of another model (source hash 0123456789abcdef, this program 6a09e667f3bcc908)" \
	$F --resume other.ckpt --data train.csv $T
expect 2 "$P: error: double.ckpt: checkpoint holds double values, this program uses float" \
	$F --resume double.ckpt --data train.csv $T
expect 2 "$P: error: f10.ckpt: the checkpoint is at epoch 10, beyond --epochs 5" \
	$F --resume f10.ckpt --epochs 5 --data train.csv $T
expect 2 "$P: error: nodir/x.csv: cannot write: No such file or directory" \
	$F --data train.csv --epochs 1 --params-out keep.txt --log nodir/x.csv
}

echo "$checks checks, $fails failed"
[ "$fails" = 0 ]
