#!/bin/sh
# Training v2 (SPEC 14) end to end in the generated program, on the parity cases' models and data
# (tests/reference/cases/v2_early_stop, v2_sched_step):
#  - --early-stop stops before --epochs, keeps the best epoch's parameters: `eval` of the
#    written parameters on the held-out rows gives the best val_loss of the log, and the
#    final report says where it stopped and which epoch it keeps;
#  - --resume in the middle gives the same log rows and parameters as one run, with early
#    stopping (its state is in the checkpoint) and with a schedule (set from the epoch);
#  - the program's flag errors: --early-stop without validation data, a bad --early-stop,
#    a --val file that cannot be read, validation leaving no training rows: exit 2, no output.
# Each model is built once (cnetc compile --main, then $CC with the runtime's sources).
# usage: train_v2.sh CNETC RUNTIME_DIR CASES_DIR
set -eu
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
rt=$(cd "$2" && pwd)
cases=$(cd "$3" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
build() { # build NAME MODEL.cnet: the program ./NAME
	"$cnetc" compile "$2" -o "$1.c" --main
	${CC:-cc} -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -I"$rt" -o "$1" "$1.c" "$rt"/*.c -lm
}
es=$cases/v2_early_stop
st=$cases/v2_sched_step
build es "$es/model.cnet"
build st "$st/model.cnet"

# --- early stopping keeps the best parameters
./es --data "$es/data.csv" --params-in "$es/init.txt" --epochs 80 \
	--early-stop 3 --log es.csv --params-out best.txt > es.out
rows=$(($(wc -l < es.csv) - 1))
[ "$rows" -lt 80 ] || fail "early stopping did not stop: $rows epochs"
col=$(head -n 1 es.csv | tr ',' '\n' | grep -n '^val_loss$' | cut -d: -f1)
[ -n "$col" ] || fail "no val_loss column: $(head -n 1 es.csv)"
best=$(tail -n +2 es.csv | cut -d, -f1,"$col" | sort -t, -k2 -g | head -n 1)
best_epoch=${best%%,*}
best_loss=${best#*,}
[ "$best_epoch" -eq $((rows - 3)) ] || fail "stopped at $rows, best epoch $best_epoch, patience 3"
grep -q "early stop: stopped at epoch $rows .*keeping the parameters of epoch $best_epoch" es.out ||
	fail "final report: $(grep 'early stop' es.out)"
grep -q "^epoch   $rows  loss .*  val_loss .*  val_data .*  val_pos " es.out ||
	fail "no val figures in the progress line of epoch $rows: $(grep '^epoch' es.out)"
grep -q "^validation: 20 samples  loss $best_loss " es.out ||
	fail "validation report is not the best epoch's ($best_loss): $(grep '^validation' es.out)"
# the held-out rows are the last quarter of data.csv (validation 0.25 of 80 rows)
head -n 1 "$es/data.csv" > val.csv
tail -n 20 "$es/data.csv" >> val.csv
./es eval --params-in best.txt --data val.csv > eval.out
grep -q "^eval: 20 samples  loss $best_loss " eval.out ||
	fail "eval of the kept parameters: $(head -n 1 eval.out), best val_loss $best_loss"
echo "early stop: $rows epochs, kept epoch $best_epoch, eval on the held-out rows = val_loss $best_loss"

# --val FILE: the same rows from a file, every data row trains
./es --data val.csv --val val.csv --params-in "$es/init.txt" --epochs 3 \
	--log vf.csv --quiet
head -n 1 vf.csv | grep -q ",val_loss,val_data_loss,val_pos_viol,val_pos_max$" ||
	fail "log header with --val: $(head -n 1 vf.csv)"

# --- resume: early stopping state and the schedule survive a checkpoint
./es --data "$es/data.csv" --params-in "$es/init.txt" --epochs 6 \
	--early-stop 3 --save half.ckpt --log first.csv --quiet
./es --data "$es/data.csv" --resume half.ckpt --epochs 80 --early-stop 3 \
	--log second.csv --params-out resumed.txt --quiet
cmp best.txt resumed.txt || fail "resumed early stopping keeps other parameters"
tail -n +8 es.csv > a.csv
tail -n +2 second.csv > b.csv
cmp a.csv b.csv || fail "resumed log rows differ"
./st --data "$st/data.csv" --params-in "$st/init.txt" --epochs 12 \
	--params-out full.txt --quiet
./st --data "$st/data.csv" --params-in "$st/init.txt" --epochs 5 \
	--save s.ckpt --quiet
./st --data "$st/data.csv" --resume s.ckpt --epochs 12 \
	--params-out res.txt --quiet
cmp full.txt res.txt || fail "resumed schedule differs from one run"
./st --data "$st/data.csv" --resume s.ckpt --epochs 12 --lr 0.02 \
	--params-out res2.txt --quiet
cmp full.txt res2.txt || fail "--lr equal to the block's changes a resumed schedule"
echo "resume: early stopping 6 + rest, schedule 5 + 7: identical"

# --- flag errors: exit 2, one error line, no output file
expect2() {
	want=$1
	shift
	if "$@" --params-out never.txt > out.txt 2> err.txt; then
		fail "succeeded: $*"
	else
		rc=$?
	fi
	[ "$rc" -eq 2 ] || fail "exit $rc, not 2: $*"
	[ "$(grep -c 'error:' err.txt)" -eq 1 ] || fail "not one error line: $(cat err.txt)"
	grep -q -- "$want" err.txt || fail "message '$(cat err.txt)' lacks '$want'"
	[ ! -e never.txt ] || fail "wrote its parameters: $*"
	echo "error: $(grep 'error:' err.txt)"
}
expect2 "--early-stop 3 needs validation data" ./st --data "$st/data.csv" \
	--early-stop 3
expect2 "--early-stop expects a positive integer, got '0'" ./es --data "$es/data.csv" \
	--early-stop 0
expect2 "nothere.csv: cannot open" ./es --data "$es/data.csv" --val nothere.csv
printf 'x,t\n0.5,1\n' > one.csv
expect2 "validation 0.25 of 1 data row leaves no row to train on" ./es --data one.csv
echo "ok"
