#!/bin/sh
# cli.sh CNETC SRCDIR - every misuse of cnetc's command line gets the
# message "cnetc: error: ..." (exact text below), the pointer to --help and
# exit status 2, and leaves no file behind; --help of cnetc and of a
# generated program names every flag their sources define.
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
cnetc=$(abs "$1") src=$(abs "$2")
model=$src/examples/seed_penalty.cnet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cd "$tmp" || exit 1
hint="cnetc: see 'cnetc --help'"

# expect MESSAGE ARGS...: cnetc ARGS fails with MESSAGE, the hint, status 2
expect() {
	want="cnetc: error: $1
$hint"
	shift
	"$cnetc" "$@" >out 2>err
	rc=$?
	got=$(cat err)
	if [ $rc -ne 2 ] || [ "$got" != "$want" ]; then
		echo "FAIL: cnetc $*"
		echo "  status $rc, stderr:"
		sed 's/^/  | /' err
		echo "  expected status 2, stderr:"
		echo "$want" | sed 's/^/  | /'
		fail=1
	fi
	[ -s out ] && { echo "FAIL: cnetc $* wrote to stdout"; fail=1; }
}

expect "no command given"
expect "unknown command 'frob' (known: check, compile, run, export)" frob "$model"
expect "unknown option '--bogus'" compile "$model" --bogus
expect "unknown option '-x'" -x
expect "unknown dump 'foo' (known: ast, lowered, ir, layout)" check "$model" --dump=foo
expect "'compile' needs a model file" compile
expect "option '-o' needs a value" compile "$model" -o
expect "option '--header' needs a value" compile "$model" --header
expect "option '--prefix' needs a value" compile "$model" --prefix
expect "option '--precision' needs a value" compile "$model" --precision
expect "option '--depfile' needs a value" compile "$model" --depfile
expect "option '--unroll-max' needs a value" compile "$model" --unroll-max
expect "option '--main' takes no value" compile "$model" --main=yes
expect "prefix '9lives' is not a C identifier" compile "$model" --prefix 9lives
long=$(printf 'p%0200d' 0)
expect "prefix 'p000000000000000000000000000000000000000...' is longer than 200 characters" \
	compile "$model" --prefix "$long"
expect "precision must be 'float' or 'double', not 'quad'" compile "$model" --precision=quad
expect "--unroll-max needs a number from 0 to 1000000, not '-1'" compile "$model" --unroll-max -1
expect "--lanes needs a number from 1 to 256, not '0'" compile "$model" --lanes 0
expect "--stack-arrays needs a number of KiB from 0 to 1048576, not '-1'" compile "$model" --stack-arrays -1
expect "option '--vector-bits' needs a value" compile "$model" --vector-bits
expect "--vector-bits must be 128, 256 or 512, not '384'" compile "$model" --vector-bits 384
expect "unexpected argument 'extra'" compile "$model" extra
expect "output options belong to 'compile', 'run' and 'export'" check "$model" -o x.c
expect "--depfile belongs to 'compile'" run "$model" --depfile x.d
expect "'--' passes arguments to the program of 'cnetc run' only" check "$model" --
expect "cannot read 'missing.cnet': No such file or directory" compile missing.cnet
expect "cannot read 'missing.cnet': No such file or directory" run missing.cnet
mkdir adir
expect "cannot read 'adir': Is a directory" check adir
expect "cannot write 'nodir/m.c': No such file or directory" compile "$model" -o nodir/m.c
expect "cannot write 'nodir/m.h': No such file or directory" compile "$model" -o m1.c --header nodir/m.h
expect "cannot write 'nodir/m.d': No such file or directory" compile "$model" -o m2.c --depfile nodir/m.d
expect "cannot write 'adir': Is a directory" compile "$model" -o adir
# nothing half-written: only what the script made, and the outputs that
# were complete before the failing one (m1.c is not written: the header
# comes first; m2.c is, before its depfile)
left=$(ls | tr '\n' ' ')
[ "$left" = "adir err m2.c out " ] || { echo "FAIL: files left behind: $left"; fail=1; }

# --vector-bits only chooses the default block: one vector of reals, two for
# models whose layers go through the matrix kernel; --lanes overrides it
same() { # what, args of one compile, then --, args of the other
	a="" b="" side=a what=$1
	shift
	for x in "$@"; do
		[ "$x" = -- ] && { side=b; continue; }
		eval "$side=\"\$$side \$x\""
	done
	"$cnetc" compile $a -o same1.c && "$cnetc" compile $b -o same2.c &&
		cmp -s same1.c same2.c || { echo "FAIL: $what"; fail=1; }
	rm -f same1.c same2.c
}
wide=$src/tests/bench/models/mnist.cnet
same "256 bits is the default" "$model" -- "$model" --vector-bits 256
same "512 bits: 16 float lanes" "$model" --vector-bits 512 -- "$model" --lanes 16
same "128 bits: 2 double lanes" "$model" --vector-bits 128 --precision double -- \
	"$model" --lanes 2 --precision double
same "matrix-kernel models: two vectors" "$wide" --vector-bits 512 -- "$wide" --lanes 32
same "--lanes overrides" "$model" --vector-bits 512 --lanes 5 -- "$model" --lanes 5
"$cnetc" compile "$model" --vector-bits 512 -o v512.c && "$cnetc" compile "$model" -o v256.c &&
	! cmp -s v512.c v256.c || { echo "FAIL: --vector-bits 512 changes nothing"; fail=1; }
rm -f v512.c v256.c

# --help names every option the parser knows
"$cnetc" --help >help || { echo "FAIL: cnetc --help"; fail=1; }
for opt in $(grep -o 'is_opt(a, "[^"]*")\|strcmp(a, "--[a-z-]*")\|strncmp(a, "--[a-z]*=' "$src/compiler/main.c" \
	     | sed 's/.*"\(-[^"=]*\).*/\1/' | sort -u); do
	grep -q -- "$opt" help || { echo "FAIL: cnetc --help does not list $opt"; fail=1; }
done
# and so does the generated program's, for every entry of the flag table
"$cnetc" run "$model" -- --help >phelp || { echo "FAIL: program --help"; fail=1; }
flags=$(sed -n '/^} flags\[NUM_FLAGS\] = {/,/^};/p' "$src/runtime/main.c" | grep -o '{"[a-z-]*"' | tr -d '{"')
[ -n "$flags" ] || { echo "FAIL: no flag table in runtime/main.c"; fail=1; }
for f in $flags; do
	grep -q -- "--$f" phelp || { echo "FAIL: the program's --help does not list --$f"; fail=1; }
done

# the header documents where each input, target and output sits in a sample
cat >layout.cnet <<'EOM'
model layout {
    input  p[2];
    input  q[1];
    target t[3];
    layer fc = dense(3, 3);
    y = fc(concat(p, q));
    output y;
    loss mse(y, t);
}
EOM
"$cnetc" compile layout.cnet -o layout.c --header layout.h || { echo "FAIL: compile layout.cnet"; fail=1; }
while IFS= read -r line; do
	grep -qxF -- "$line" layout.h || { echo "FAIL: layout.h lacks '$line'"; fail=1; }
done <<'EOM'
 * x (inputs), per sample:
 *   [0..1]  p[2] (CSV columns p0..p1)
 *   [2]  q
 *   [0..2]  t[3] (CSV columns t0..t2)
 * y (outputs), per sample:
EOM
grep -qF ' * of n starts at x + i * layout_NUM_INPUTS' layout.h ||
	{ echo "FAIL: layout.h does not say the layout is sample-major"; fail=1; }

# a program's option or mode given to `cnetc run` itself: the error, then
# the command with the program's arguments after --
expect_note() { # ERROR NOTE ARGS...
	want="cnetc: error: $1
cnetc: note: program options go after '--': $2
$hint"
	shift 2
	"$cnetc" "$@" >out 2>err
	rc=$?
	if [ $rc -ne 2 ] || [ "$(cat err)" != "$want" ]; then
		echo "FAIL: cnetc $* (status $rc):"
		sed 's/^/  | /' err
		echo "  expected:"
		echo "$want" | sed 's/^/  | /'
		fail=1
	fi
}
expect_note "unknown option '--epochs'" "cnetc run m.cnet -- --epochs 5" run m.cnet --epochs 5
expect_note "unknown option '--epochs=5'" "cnetc run m.cnet -- --epochs=5 --quiet" \
	run m.cnet --epochs=5 --quiet
expect_note "unexpected argument 'eval'" "cnetc run m.cnet -- eval --params-in p.txt" \
	run m.cnet eval --params-in p.txt
expect_note "unknown option '--lr'" "cnetc run --no-cache m.cnet -- --lr 0.1 --quiet" \
	run --no-cache --lr 0.1 m.cnet -- --quiet
# every option of the program's flag table gets the note
for f in $flags; do
	[ "$f" = help ] && continue
	# an option of both (before '--' it caps what cnetc reads) gets none
	[ "$f" = max-input-size ] && continue
	"$cnetc" run m.cnet "--$f" 1 2>err
	grep -q "^cnetc: note: program options go after '--': cnetc run m.cnet -- --$f 1\$" err ||
		{ echo "FAIL: no hint for --$f"; fail=1; }
done
# cnetc's own unknown options get none
expect "unknown option '--bogus'" run m.cnet --bogus
expect "--no-cache and --verbose belong to 'run'" check "$model" --no-cache
expect "--no-cache and --verbose belong to 'run'" compile "$model" -v
rm -f out err

[ $fail -eq 0 ] && echo "cli: ok"
# --dump=lowered is the forward IR: a prefix of --dump=ir's training IR
# (the reverse pass only appends); --dump=layout places the parameters
d=$model
"$cnetc" check "$d" --dump=lowered | sed -n '2,/^#/p' | grep -v '^#' >lowered
"$cnetc" check "$d" --dump=ir | sed -n '2,/^#/p' | grep -v '^#' >ir
n=$(wc -l <lowered)
if [ "$n" -lt 5 ] || [ "$n" -ge "$(wc -l <ir)" ] || ! head -n "$n" ir | cmp -s - lowered ||
	grep -q '_D \|ACC_DENSE' lowered || ! grep -q 'ACC_DENSE' ir; then
	echo "FAIL: --dump=lowered is not the forward part of --dump=ir"
	fail=1
fi
"$cnetc" check "$model" --dump=layout | grep -q '^  fc1.W  (.*) row-major at 0$' ||
	{ echo "FAIL: --dump=layout does not place fc1.W at 0"; fail=1; }

exit $fail
