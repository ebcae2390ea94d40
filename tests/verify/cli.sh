#!/bin/sh
# cli.sh - verify's usage errors (SPEC 11), each one line on stderr and exit 2:
# no box (csv data), a normal-distribution domain without --box, an unknown
# --only label, budget 0, a bad --bounds, a bad --box; then the same model verified with a box.
# Environment as soundness.sh.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CNET_LINK_CC:-cc}
cat > "$tmp/c.cnet" <<'M'
model c {
 input x[1];
 target t[1];
 layer a = dense(1, 4);
 layer b = dense(4, 1);
 y = b(tanh(a(x)));
 output y;
 loss mse(y, t);
 constraint up: y <= 50 : penalty(linear);
 constraint slope: d(y, x) >= -100 over cloud : penalty(linear);
}
data { csv "d.csv"; }
domain cloud { samples 10; x = normal(0, 1); }
train { optimizer adam(lr = 0.01); epochs 3; }
M
printf 'x,t\n0,1\n0.5,2\n1,3\n' > "$tmp/d.csv"
"$CNETC" compile "$tmp/c.cnet" --main -o "$tmp/c.c"
$cc -O0 -I"$CNETRT_DIR" "$tmp/c.c" "$CNETRT_LIB" $CNETRT_LDFLAGS -lm -o "$tmp/c"
(cd "$tmp" && ./c --params-out p.txt --quiet)
fails=0
expect() { # WANT-TEXT ARGS...: exit 2 and one stderr line containing WANT-TEXT
	want=$1
	shift
	set +e
	(cd "$tmp" && ./c verify --params-in p.txt "$@") > "$tmp/out" 2> "$tmp/err"
	rc=$?
	set -e
	lines=$(wc -l < "$tmp/err")
	if [ "$rc" != 2 ] || [ "$lines" != 1 ] || ! grep -qF -- "$want" "$tmp/err" || [ -s "$tmp/out" ]; then
		echo "FAIL: verify $*: exit $rc, $lines stderr lines:"
		cat "$tmp/err" "$tmp/out"
		fails=$((fails + 1))
	else
		echo "ok: verify $*: $(cat "$tmp/err")"
	fi
}
expect "constraint 'up': no box for input x" --only up
expect "constraint 'up': no box for input x"
expect "constraint 'slope': input x is drawn from a normal distribution in domain cloud" --only slope
expect "--only: model c has no constraint 'nope' (up, slope)" --only nope
expect "--budget expects a positive number of boxes, got 0" --box x=0:1 --budget 0
expect "--bounds expects interval or linear, got 'affine'" --box x=0:1 --bounds affine
expect "--box: the model has no input 'z'" --box z=0:1
expect "--box: 'x' expects a:b with finite numbers a <= b, got '2:1'" --box x=2:1
# with a box: both decided
set +e
out=$(cd "$tmp" && ./c verify --params-in p.txt --box x=-1:1)
rc=$?
set -e
echo "$out"
if [ "$rc" != 0 ] || [ "$(echo "$out" | grep -c '^up: proven on x=\[-1,1\] (max g <= ')" != 1 ] ||
	[ "$(echo "$out" | grep -c '^slope: proven on x=\[-1,1\] (max g <= ')" != 1 ]; then
	echo "FAIL: verify --box x=-1:1: exit $rc"
	fails=$((fails + 1))
fi
exit $((fails > 0))
