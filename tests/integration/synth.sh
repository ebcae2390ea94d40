#!/bin/sh
# synth.sh CNETC - the data block's generator as IR (compiler/lower_data.c):
# every draw is made once per component of the name it binds, in source
# order, even a draw nothing uses (a helper), so the stream never shifts; the
# C it becomes draws in that order whatever C compiler builds it.
set -u
cnetc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/m.cnet" <<'EOM'
model m {
    input x[3];
    target t[1];
    layer fc = dense(3, 1);
    y = fc(x);
    output y;
    loss mse(y, t);
}
data {
    samples 10;
    unused = normal(0, 1);
    x = uniform(0, 1) * 2 + normal(0, 0.5);
    t = x[1] - uniform(-1, 1);
}
EOM
fail=0
# the IR: the draws numbered in the order the RNG makes them
"$cnetc" check "$tmp/m.cnet" --dump=ir | sed -n '/^# generator of the data block$/,$p' |
	grep -o 'RAND_[UN] #[0-9]*' | tr '\n' ' ' >"$tmp/ir"
want='RAND_N #0 RAND_U #1 RAND_N #2 RAND_U #3 RAND_N #4 RAND_U #5 RAND_N #6 RAND_U #7 '
[ "$(cat "$tmp/ir")" = "$want" ] ||
	{ echo "FAIL: the generator's draws: $(cat "$tmp/ir"), expected $want"; fail=1; }
# the C: each draw a statement of its own, in that order, the unused one too
"$cnetc" compile "$tmp/m.cnet" -o "$tmp/m.c" --prefix m || exit 1
sed -n '/^static void m_synth(/,/^}/p' "$tmp/m.c" | grep -o 'cn_rng_.*;' |
	tr '\n' ' ' >"$tmp/c"
u='cn_rng_uniform(r, 0.0, 1.0); cn_rng_normal(r, 0.0, 0.5);'
want="cn_rng_normal(r, 0.0, 1.0); $u $u $u cn_rng_uniform(r, (-1.0), 1.0); "
[ "$(cat "$tmp/c")" = "$want" ] ||
	{ echo "FAIL: P_synth's draws: $(cat "$tmp/c")"; echo "  expected: $want"; fail=1; }
[ $fail = 0 ] && echo "ok: 8 draws in order, the unused one included"
exit $fail
