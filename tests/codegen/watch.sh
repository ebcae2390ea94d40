#!/bin/sh
# The training report's two knobs, through `cnetc run`:
#  - runaway multipliers (runtime/watch.c): runaway.cnet's multiplier runs
#    away at epoch 5 -> one warning line naming the constraint, training goes
#    on (exit 0); with --diverge-stop the same line is an error, exit 1, and
#    no output file is written; a model that converges (seed_lagrangian.cnet)
#    gets no warning;
#  - --sat-tol X: the satisfied share counts violations up to X, in the
#    report of train and eval; a negative X is a usage error.
# usage: watch.sh CNETC RUNAWAY.cnet SEED_LAGRANGIAN.cnet
set -eu
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
runaway=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
seed=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

warn="runaway: warning: epoch 5: training runs away under constraint 'twice': data loss"
"$cnetc" run "$runaway" -- --epochs 8 --params-out p.txt --quiet 2>err.txt ||
	fail "a warning stopped training: $(cat err.txt)"
[ "$(wc -l < err.txt)" -eq 1 ] || fail "want one warning line, got: $(cat err.txt)"
case $(cat err.txt) in
"$warn"*"; try per_point = true, the augmented method or a penalty") ;;
*) fail "warning: $(cat err.txt)" ;;
esac
[ -s p.txt ] || fail "no parameters after a warning"
echo "warning: $(cat err.txt)"

status=0
"$cnetc" run "$runaway" -- --epochs 8 --params-out q.txt --log q.csv --diverge-stop \
	2>err.txt >/dev/null || status=$?
[ "$status" -eq 1 ] || fail "--diverge-stop: exit status $status, want 1"
case $(cat err.txt) in
"runaway: error: epoch 5: training runs away under constraint 'twice': data loss"*) ;;
*) fail "--diverge-stop: $(cat err.txt)" ;;
esac
[ ! -e q.txt ] && [ ! -e q.csv ] || fail "--diverge-stop left an output file"
ls ./*.tmp* >/dev/null 2>&1 && fail "--diverge-stop left a temporary file"

"$cnetc" run "$seed" -- --epochs 600 --params-out s.txt >train.txt 2>err.txt
[ ! -s err.txt ] || fail "a converging Lagrangian model warned: $(cat err.txt)"
echo "no warning for seed_lagrangian.cnet"

# satisfied share: eval at the default 1e-6 and at 1 (every |y - 2x| is far
# below 1 after 600 epochs), and the train report at 1
share() { awk '$1 == "twice" { sub("%", "", $4); print $4 }' "$1"; }
"$cnetc" run "$seed" -- eval --params-in s.txt >tight.txt
"$cnetc" run "$seed" -- eval --params-in s.txt --sat-tol 1 >loose.txt
tight=$(share tight.txt) loose=$(share loose.txt)
[ "$loose" = "100.00" ] || fail "--sat-tol 1: satisfied $loose%, want 100.00%"
awk -v t="$tight" 'BEGIN { exit !(t < 50) }' || fail "default 1e-6: satisfied $tight%"
"$cnetc" run "$seed" -- --epochs 600 --sat-tol 1 >train1.txt
[ "$(share train1.txt)" = "100.00" ] || fail "train --sat-tol 1: $(share train1.txt)%"
echo "satisfied: $tight% within 1e-6, $loose% within 1"

status=0
"$cnetc" run "$seed" -- eval --params-in s.txt --sat-tol -1 2>err.txt || status=$?
[ "$status" -eq 2 ] || fail "--sat-tol -1: exit status $status, want 2"
grep -q "^seed_lagrangian: error: --sat-tol expects a non-negative number, got '-1'" err.txt ||
	fail "--sat-tol -1: $(cat err.txt)"
echo "ok"
