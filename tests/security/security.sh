#!/bin/sh
# security.sh CNETC - a model file never runs code and reaches no further
# than it names (issue 17):
#  - a data path with a trigraph (??/ is a backslash under -std=c99) and a
#    quote reaches the generated C as one escaped string: the program
#    compiles under -std=c99 -trigraphs -Werror, runs no injected call, and
#    names the path exactly in its error;
#  - paths in the depfile are escaped for make: a const CSV called
#    '$(shell touch PWNED) #x:y.csv' is a prerequisite make looks for by
#    that name (it says so), and no command runs;
#  - a path with a line break cannot be written in a make rule: refused
#    with a message, exit 2, no depfile and no C file;
#  - a const CSV, --data, --params-in or --resume that is a FIFO or a
#    device is refused at once (a FIFO would block, /dev/zero never end);
#  - two compiles writing the same files at once leave whole files.
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
cnetc=$(abs "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
fail=0
say() { echo "FAIL: $*"; fail=1; }

path='??/"; int injected = system("touch PWNED"); //'
cat >tri.cnet <<'EOM'
model tri {
    input x[1];
    target t[1];
    layer fc = dense(1, 1);
    y = fc(x);
    output y;
    loss mse(y, t);
}
data { csv "??/\"; int injected = system(\"touch PWNED\"); //"; }
train { epochs 1; }
EOM
"$cnetc" compile tri.cnet --main -o tri.c || say "compile tri.cnet"
${CC:-cc} -std=c99 -trigraphs -Wall -Wextra -pedantic -Werror -fsyntax-only \
	-I"$(dirname "$cnetc")/../../runtime" tri.c 2>cc.txt ||
	say "the escaped path does not compile: $(head -n 3 cc.txt)"
"$cnetc" run tri.cnet -- --epochs 1 >out.txt 2>err.txt
grep -qF "$path" err.txt || say "the program does not name the path: $(cat err.txt)"
[ -e PWNED ] && say "the model's data path ran code"
echo "trigraph path: $(head -n 1 err.txt)"

mkdir dep
cat >dep/dep.cnet <<'EOM'
model dep {
    input x[1];
    target t[1];
    const c[1] = csv "$(shell touch PWNED) #x:y.csv";
    layer fc = dense(1, 1);
    y = fc(x) + c;
    output y;
    loss mse(y, t);
}
EOM
printf '1\n' >'dep/$(shell touch PWNED) #x:y.csv'
"$cnetc" compile dep/dep.cnet -o dep.c --depfile dep.d || say "compile with --depfile"
want='dep.c: dep/dep.cnet dep/$$(shell\ touch\ PWNED)\ \#x\:y.csv'
[ "$(cat dep.d)" = "$want" ] || say "depfile: '$(cat dep.d)', want '$want'"
if command -v make >/dev/null 2>&1; then
	# make reads the rule: the prerequisite is the file itself, no command runs
	printf 'include dep.d\n' >Makefile
	make -n dep.c >make.txt 2>&1
	[ -e PWNED ] && say "make ran a command from the depfile"
	grep -q 'shell' make.txt && grep -q 'touch' make.txt &&
		say "make expanded the path: $(cat make.txt)"
	rm 'dep/$(shell touch PWNED) #x:y.csv'
	make -n dep.c >make.txt 2>&1 && say "make did not miss the removed prerequisite"
	grep -qF 'dep/$(shell touch PWNED) #x:y.csv' make.txt ||
		say "make does not name the prerequisite as written: $(cat make.txt)"
fi

# a model string cannot hold a line break, but a path on the command line can
printf '1\n' >'dep/$(shell touch PWNED) #x:y.csv'
nl='a
b.c'
status=0
"$cnetc" compile dep/dep.cnet -o "$nl" --depfile nl.d 2>err.txt || status=$?
[ "$status" -eq 2 ] || say "a path with a newline: exit $status, want 2"
grep -q "^cnetc: error: cannot write a make rule for 'a\$" err.txt ||
	say "a path with a newline: $(cat err.txt)"
[ -e nl.d ] && say "a refused depfile was written"
[ -e "$nl" ] && say "a refused depfile's C file was written"

# files a model or a flag names are read only when regular: a FIFO would
# hang, /dev/zero never end
mkfifo fifo.csv
sed 's|csv ".*";|csv "fifo.csv";|' dep/dep.cnet >fifo.cnet
sed 's|csv ".*";|csv "/dev/zero";|' dep/dep.cnet >zero.cnet
for m in fifo zero; do
	status=0
	timeout 60 "$cnetc" check $m.cnet 2>err.txt || status=$?
	[ "$status" -eq 1 ] || say "const csv of $m.cnet: exit $status, want 1"
	grep -q "error: cannot read '[^']*': not a regular file" err.txt ||
		say "const csv of $m.cnet: $(cat err.txt)"
done
for flag in --data --params-in --resume; do
	status=0
	timeout 60 "$cnetc" run tri.cnet -- $flag fifo.csv 2>err.txt >/dev/null || status=$?
	[ "$status" -eq 2 ] || say "$flag fifo.csv: exit $status, want 2"
	[ "$(cat err.txt)" = "tri: error: fifo.csv: cannot open: not a regular file" ] ||
		say "$flag fifo.csv: $(cat err.txt)"
done
echo "FIFO and device refused: $(cat err.txt)"

# two compiles writing the same files at once leave one compile's whole
# output in each (every write goes to a mkstemp file of its own, renamed)
"$cnetc" compile tri.cnet -o one.c --header one.h || say "compile tri"
"$cnetc" compile dep/dep.cnet -o two.c --header one.h || say "compile dep"
whole=0
for i in 1 2 3 4 5; do
	"$cnetc" compile tri.cnet -o same.c --header same.h &
	"$cnetc" compile dep/dep.cnet -o same.c --header same.h
	wait
	sed 's/same\.h/one.h/' same.c >same-as-one.c
	{ cmp -s same-as-one.c one.c || cmp -s same-as-one.c two.c; } && whole=$((whole + 1))
done
[ "$whole" -eq 5 ] || say "concurrent compiles: $whole of 5 outputs whole"
ls | grep -q '\.tmp' && say "concurrent compiles left $(ls | grep '\.tmp')"

[ $fail -eq 0 ] && echo "security: ok"
exit $fail
