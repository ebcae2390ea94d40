#!/bin/sh
# soundness.sh COUNT SEED - verify's verdicts checked by predict's code (SPEC 11):
# COUNT random small models (1-3 inputs, one hidden layer, a value, derivative,
# equality or chain constraint), trained a few epochs, verified on a random box;
# a "proven" must survive a dense grid and 100000 random points (check.c), a
# counterexample must violate.  Environment as tests/gen/run.sh:
# CNETC, CNETRT_DIR, CNETRT_LIB, CNET_LINK_CC, CNETRT_LDFLAGS; CHECK_C the
# harness source.
set -eu
count=${1:-12}
seed=${2:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CNET_LINK_CC:-cc}
build() { # NAME.cnet -> NAME (the program) and NAME-check (its main renamed)
	"$CNETC" compile "$tmp/$1.cnet" --main --precision double --prefix m -o "$tmp/$1.c"
	$cc -O0 -I"$CNETRT_DIR" "$tmp/$1.c" "$CNETRT_LIB" $CNETRT_LDFLAGS -lm -o "$tmp/$1"
	$cc -O0 -Dmain=m_program_main -I"$CNETRT_DIR" -c "$tmp/$1.c" -o "$tmp/$1.o"
	$cc -O0 -I"$CNETRT_DIR" "$tmp/$1.o" "$CHECK_C" "$CNETRT_LIB" $CNETRT_LDFLAGS -lm \
		-o "$tmp/$1-check"
}
proven=0 violated=0 unknown=0
i=0
while [ "$i" -lt "$count" ]; do
	i=$((i + 1))
	# model, box and verify arguments from the seed
	awk -v seed=$((seed * 1000 + i)) -v out="$tmp/r$i" 'BEGIN {
		srand(seed)
		n = 1 + int(rand() * 3); h = 2 + int(rand() * 6)
		split("relu tanh sigmoid softplus exp", acts, " "); act = acts[1 + int(rand() * 5)]
		lo = -1 + int(rand() * 3) * 0.5; hi = lo + 0.5 + int(rand() * 3) * 0.5
		kind = int(rand() * 7); eq = 0; meth = "penalty(linear, weight = 0.5)"
		if (kind == 0) con = "y >= x[0]"
		else if (kind == 1) con = "y <= 1.5"
		else if (kind == 2) con = "d(y, x[0]) >= 0"
		else if (kind == 3) { con = "y == 0.3"; eq = 1 }
		else if (kind == 4) con = "-2 <= y <= 2"
		else if (kind == 5) { con = "y >= x[0] - 0.25"; meth = "hard(warmup = 3)" }
		else { con = "y <= 0.5 * x[0] + 1"; meth = "hard" }
		printf "model r {\n input x[%d];\n target t[1];\n layer a = dense(%d, %d);\n", n, n, h > out ".cnet"
		printf " layer b = dense(%d, 1);\n y = b(%s(a(x)));\n output y;\n loss mse(y, t);\n", h, act > out ".cnet"
		printf " constraint c: %s : %s;\n}\n", con, meth > out ".cnet"
		printf "data {\n samples 64;\n x = uniform(%g, %g);\n t = 2 * x[0] + 0.5 + normal(0, 0.1);\n}\n", lo, hi > out ".cnet"
		printf "train {\n optimizer adam(lr = 0.02);\n epochs %d;\n seed %d;\n}\n", 5 + int(rand() * 60), 1 + int(rand() * 100) > out ".cnet"
		# the box: the data block s (no --box) or a random part of it
		box = ""; blo = ""
		for (j = 0; j < n; j++) {
			a = lo; b = hi
			if (rand() < 0.5) { a = lo + (hi - lo) * int(rand() * 4) / 8; b = a + (hi - lo) * (1 + int(rand() * 4)) / 8 }
			box = box (j ? "," : "") "x" (n > 1 ? j : "") "=" a ":" b
			blo = blo " " a " " b
		}
		if (rand() < 0.3) { box = ""; blo = ""; for (j = 0; j < n; j++) blo = blo " " lo " " hi }
		print eq > out ".eq"; print box > out ".box"; print blo > out ".blo"
	}'
	build "r$i"
	(cd "$tmp" && "./r$i" --params-out "r$i.txt" --quiet)
	box=$(cat "$tmp/r$i.box")
	for bounds in interval linear; do
	set +e
	if [ -n "$box" ]; then
		line=$("$tmp/r$i" verify --params-in "$tmp/r$i.txt" --budget 3000 --box "$box" --bounds $bounds)
	else
		line=$("$tmp/r$i" verify --params-in "$tmp/r$i.txt" --budget 3000 --bounds $bounds)
	fi
	rc=$?
	set -e
	echo "r$i $bounds ($(sed -n 's/.*constraint c: \(.*\) :.*/\1/p' "$tmp/r$i.cnet"), box ${box:-from data}): $line"
	case $rc in
	0) proven=$((proven + 1)) ;;
	1) violated=$((violated + 1)) ;;
	3) unknown=$((unknown + 1)) ;;
	*) echo "FAIL: verify exit $rc"; cat "$tmp/r$i.cnet"; exit 1 ;;
	esac
	pt=""
	if [ "$rc" = 1 ]; then
		pt=$(echo "$line" | sed 's/.*violated at //; s/: g = .*//; s/[a-z0-9]*=//g; s/,/ /g')
	fi
	# shellcheck disable=SC2046
	if ! "$tmp/r$i-check" "$tmp/r$i.txt" 0 "$(cat "$tmp/r$i.eq")" "$rc" $(cat "$tmp/r$i.blo") $pt; then
		cat "$tmp/r$i.cnet"
		exit 1
	fi
	done
done
echo "random models: $proven proven, $violated violated, $unknown unknown; every verdict confirmed"
[ "$proven" -gt 0 ] && [ "$violated" -gt 0 ] || { echo "FAIL: expected both verdicts"; exit 1; }

# A hard constraint relating the output to the inputs (language.md, hard
# constraints), proven by the linear bounds on a box 100 times the training
# range's width (intervals alone cannot: max(z, b) - b loses b's relation to
# x), each "proven" checked as above.
cat >"$tmp/h.cnet" <<'EOM'
model r {
 input x[2];
 target t[1];
 layer a = dense(2, 6);
 layer b = dense(6, 1);
 y = b(tanh(a(x)));
 output y;
 loss mse(y, t);
 constraint above: y >= x[0] + 0.5 * x[1] : hard;
}
data {
 samples 64;
 x = uniform(0, 1);
 t = x[0] + x[1] + normal(0, 0.1);
}
train {
 optimizer adam(lr = 0.02);
 epochs 20;
}
EOM
build h
(cd "$tmp" && ./h --params-out h.txt --quiet)
"$tmp/h" verify --params-in "$tmp/h.txt" --box x=-50:50 --only above --timing
"$tmp/h-check" "$tmp/h.txt" 0 0 0 -50 50 -50 50
set +e
"$tmp/h" verify --params-in "$tmp/h.txt" --box x=-50:50 --budget 2000 --bounds interval
rc=$?
set -e
[ "$rc" = 3 ] || { echo "FAIL: intervals alone were expected to stay unknown (exit $rc)"; exit 1; }
echo "hard constraint proven on x=[-50,50]^2 by the linear bounds (intervals: unknown)"

