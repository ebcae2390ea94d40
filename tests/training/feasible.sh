#!/bin/sh
# Feasibility at run time (SPEC 12; language.md, "Feasibility"): hard bounds
# computed from the inputs (y >= x with y <= 0.5) leave the inputs x > 0.5
# with no feasible output.  The program counts them:
#  - training's final report and eval end with "hard: N of M samples infeasible";
#  - predict prints the outputs, then one warning line on stderr with the count
#    and the first such row, and exits 0 (3 with --strict);
#  - a feasible model says 0 and predict stays silent; a model whose hard
#    bounds are constants (never infeasible: cnetc refuses bounds out of
#    order) has no such line.
# usage: feasible.sh CNETC RUNTIME_DIR
set -eu
cnetc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
rt=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
mkdir rt
(cd rt && ${CC:-cc} -std=c99 -D_POSIX_C_SOURCE=200809L -O1 -I"$rt" -c "$rt"/*.c)
build() { # build NAME MODEL.cnet: the program ./NAME
	"$cnetc" compile "$2" -o "$1.c" --main
	${CC:-cc} -std=c99 -O1 -I"$rt" -o "$1" "$1.c" rt/*.o -lm
}
model() { # model NAME CONSTRAINTS
	cat > "$1.cnet" <<EOM
model $1 {
    input  x[1];
    target t[1];
    layer fc1 = dense(1, 8);
    layer fc2 = dense(8, 1);
    y = fc2(tanh(fc1(x)));
    output y;
    loss mse(y, t);
$2
}
train { optimizer adam(lr = 0.01); epochs 5; seed 1; }
EOM
}
model inf "    constraint above: y >= x : hard;
    constraint cap: y <= 0.5 : hard;"
model ok "    constraint above: y >= x : hard;
    constraint cap: y <= x + 2 : hard(clamp);"
model fixed "    constraint cap: y <= 0.5 : hard;"
build inf inf.cnet
build ok ok.cnet
build fixed fixed.cnet
# x above 0.5 (three rows: 0.51, 0.7 and 1) has no feasible output; x = 0.5 has one
printf 'x,t\n0.1,0\n0.7,0\n0.5,0\n0.3,0\n1,0\n0.2,0\n0.51,0\n' > data.csv

./inf --data data.csv --params-out p.txt > train.out
grep -qx "hard: 3 of 7 samples infeasible" train.out ||
	fail "train: $(tail -n 3 train.out)"
./inf eval --params-in p.txt --data data.csv > eval.out
[ "$(tail -n 1 eval.out)" = "hard: 3 of 7 samples infeasible" ] || fail "eval: $(cat eval.out)"
rc=0
./inf predict --params-in p.txt --data data.csv > pred.out 2> pred.err || rc=$?
[ "$rc" -eq 0 ] || fail "predict exits $rc without --strict"
[ "$(wc -l < pred.out)" -eq 8 ] || fail "predict: $(cat pred.out)"
[ "$(cat pred.err)" = "inf: warning: hard: 3 of 7 samples infeasible (the first: row 2)" ] ||
	fail "predict's warning: $(cat pred.err)"
rc=0
./inf predict --params-in p.txt --data data.csv --strict > strict.out 2> strict.err || rc=$?
[ "$rc" -eq 3 ] || fail "predict --strict exits $rc, not 3"
cmp -s pred.out strict.out || fail "predict --strict changed the outputs"
cmp -s pred.err strict.err || fail "predict --strict changed the warning"
# the infeasible rows' outputs: the last bound applied (0.5), the feasible ones' x or above
awk -F, 'NR > 1 && ($1 + 0 > 0.5 + 1e-6 || $1 + 0 < 0) { exit 1 }' pred.out ||
	fail "outputs above 0.5: $(cat pred.out)"

./ok --data data.csv --params-out q.txt > ok.out
grep -qx "hard: 0 of 7 samples infeasible" ok.out || fail "feasible model: $(tail -n 2 ok.out)"
./ok predict --params-in q.txt --data data.csv --strict > /dev/null 2> ok.err ||
	fail "predict --strict of a feasible model failed"
[ ! -s ok.err ] || fail "a feasible model warns: $(cat ok.err)"

./fixed --data data.csv > fixed.out
! grep -q "^hard:" fixed.out || fail "constant bounds report feasibility: $(grep '^hard' fixed.out)"
rc=0
./fixed predict --params-in p.txt --data data.csv --strict > /dev/null 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "constant bounds: predict --strict exits $rc"
echo "feasibility: counts in train, eval and predict; --strict exits 3"
