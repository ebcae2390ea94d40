#!/bin/sh
# cache.sh CNETC SRCDIR - `cnetc run`'s cache (SPEC 14), in a cache of its own
# ($XDG_CACHE_HOME in a temporary directory): the second run of a model runs
# the cached program (the -v note, the entry's inode unchanged) with the same
# output; a changed model, precision or $CC builds again, a new model reuses
# the runtime's objects; three concurrent runs of a model all succeed and
# leave one whole entry; --no-cache and an unwritable cache keep nothing and
# print nothing; a program that does not execute and runtime objects that do
# not link are rebuilt; a build removes entries unused for 30 days.
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
cnetc=$(abs "$1") src=$(abs "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail=0
XDG_CACHE_HOME=$tmp/cache
export XDG_CACHE_HOME
cache=$tmp/cache/cnet
cp "$src/examples/seed_penalty.cnet" m.cnet
# The test is about the cache, not the compiler: $CC builds at -O0 (the
# wrapper puts it last, after cnetc's -O3), a fifth of the compiler time.
echo '${CNET_TEST_CC:-cc} "$@" -O0' >o0.sh
CNET_TEST_CC=${CC:-cc} CC="sh $tmp/o0.sh"
export CNET_TEST_CC CC

fails() { echo "FAIL: $*"; fail=1; }
# run NAME ARGS...: cnetc run -v ARGS, stdout in NAME.out, stderr in NAME.err
run() {
	_n=$1
	shift
	"$cnetc" run -v "$@" >"$_n.out" 2>"$_n.err" || {
		fails "cnetc run $* (status $?)"
		sed 's/^/  | /' "$_n.err"
	}
}
has() { grep -q "$2" "$1.err" || { fails "$1: no '$2' in:"; sed 's/^/  | /' "$1.err"; }; }
hasnt() { ! grep -q "$2" "$1.err" || { fails "$1: '$2' in:"; sed 's/^/  | /' "$1.err"; }; }
progs() { ls "$cache" | grep -c "^prog-$1-"; }

# first and second run
run first m.cnet -- --quiet --params-out p.txt
has first "compiling the runtime (for the cache)"
has first "built and cached $cache/prog-seed_penalty-"
[ "$(progs seed_penalty)" = 1 ] || fails "one program entry after the first run: $(ls "$cache")"
entry=$(ls -d "$cache"/prog-seed_penalty-*)/seed_penalty
inode=$(stat -c %i "$entry")
run second m.cnet -- --quiet --params-out p2.txt
has second "running the cached program $entry"
hasnt second "compiling\|built"
[ "$(stat -c %i "$entry")" = "$inode" ] || fails "the entry was written again"
cmp -s p.txt p2.txt || fails "the cached program trains otherwise"
run eval m.cnet -- eval --params-in p.txt
has eval "running the cached program"
grep -q '^eval: 100 samples' eval.out || fails "eval through the cache: $(cat eval.out)"
# the program calls itself by the model's name
"$cnetc" run m.cnet -- --bogus 2>bogus.err
grep -q "^seed_penalty: error: unknown option '--bogus'" bogus.err ||
	fails "the cached program's name: $(cat bogus.err)"
# without -v, a hit prints nothing of cnetc's
"$cnetc" run m.cnet -- eval --params-in p.txt >quiet.out 2>quiet.err
[ -s quiet.err ] && fails "a cached run printed on stderr: $(cat quiet.err)"
cmp -s eval.out quiet.out || fails "eval's output differs with and without -v"

# a changed model builds again, with the runtime's objects from the cache
sed 's/epochs 100/epochs 20/' m.cnet >m2.cnet && mv m2.cnet m.cnet
run edited m.cnet -- --quiet
has edited "runtime objects from the cache"
has edited "built and cached"
[ "$(progs seed_penalty)" = 2 ] || fails "two program entries after an edit: $(ls "$cache")"
# another model reuses them too
cp "$src/examples/seed_relu.cnet" r.cnet
run other r.cnet -- --quiet
has other "runtime objects from the cache"
# other flags: --precision (the generated C) and $CC (the compiler's key)
run double m.cnet --precision double -- --quiet
has double "built and cached"
has double "runtime objects from the cache"
CC="$CC -DCNET_CACHE_TEST" run cc m.cnet -- --quiet
has cc "compiling the runtime (for the cache)"
has cc "built and cached"
[ "$(ls -d "$cache"/rt-* | wc -l)" = 2 ] || fails "two runtime entries for two compilers"
run again m.cnet -- --quiet
has again "running the cached program"

# three runs of a new model at once, in a cache of their own
XDG_CACHE_HOME=$tmp/cache2
cp "$src/examples/seed_lagrangian.cnet" l.cnet
for i in 1 2 3; do
	"$cnetc" run l.cnet -- --quiet --params-out "l$i.txt" >"c$i.out" 2>"c$i.err" &
done
wait
for i in 1 2 3; do
	[ -s "l$i.txt" ] || { fails "concurrent run $i:"; sed 's/^/  | /' "c$i.err"; }
	[ -s "c$i.err" ] && fails "concurrent run $i printed on stderr: $(cat "c$i.err")"
done
cmp -s l1.txt l2.txt && cmp -s l1.txt l3.txt || fails "concurrent runs trained otherwise"
[ "$(ls "$tmp/cache2/cnet" | grep -c '^prog-seed_lagrangian-')" = 1 ] || fails "concurrent: $(ls "$tmp/cache2/cnet")"
[ "$(ls "$tmp/cache2/cnet" | grep -c '^tmp-')" = 0 ] || fails "concurrent runs left tmp- files"
"$tmp"/cache2/cnet/prog-seed_lagrangian-*/seed_lagrangian --quiet --params-out l4.txt >/dev/null &&
	cmp -s l1.txt l4.txt || fails "the concurrently built entry is not whole"
run after l.cnet -- --quiet
has after "running the cached program"
XDG_CACHE_HOME=$tmp/cache

# --no-cache keeps nothing, here or in $TMPDIR
mkdir t
XDG_CACHE_HOME=$tmp/cache3 TMPDIR=$tmp/t run nocache m.cnet --no-cache -- --quiet
has nocache "no-cache"
[ -e "$tmp/cache3" ] && fails "--no-cache made $(ls -R "$tmp/cache3")"
[ -z "$(ls t)" ] || fails "--no-cache left $(ls t) in TMPDIR"
# a cache that cannot be written: the run works, silently without -v
: >afile
XDG_CACHE_HOME=$tmp/afile TMPDIR=$tmp/t run nw m.cnet -- --quiet
has nw "no cache (cannot write '$tmp/afile/cnet'"
# (without -v that note is all that would be missing: nothing else on stderr)
[ "$(grep -vc '^cnetc: note: ' nw.err)" = 0 ] || fails "an unwritable cache: $(cat nw.err)"
[ -z "$(ls t)" ] || fails "an unwritable cache left $(ls t) in TMPDIR"

# unusable entries are rebuilt: a program that is no program ...
entry=$(ls -d "$cache"/prog-seed_relu-*)/seed_relu
echo garbage >"$entry"
run corrupt r.cnet -- --quiet
has corrupt "the cached program does not run"
has corrupt "built and cached $entry"
run fixed r.cnet -- --quiet
has fixed "running the cached program"
# ... runtime objects that do not link (and an edit, so that a program is built)
for o in "$cache"/rt-*/main.o; do echo garbage >"$o"; done
sed 's/epochs 20/epochs 21/' m.cnet >m2.cnet && mv m2.cnet m.cnet
run relink m.cnet -- --quiet
has relink "do not link; compiling the runtime again"
sed 's/epochs 21/epochs 22/' m.cnet >m2.cnet && mv m2.cnet m.cnet
run relinked m.cnet -- --quiet
has relinked "runtime objects from the cache"
hasnt relinked "do not link"

# a build removes entries unused for 30 days; a hit keeps its entry fresh
old=$(ls -d "$cache"/prog-seed_relu-*)
touch -d '40 days ago' "$old"
sed 's/epochs 22/epochs 23/' m.cnet >m2.cnet && mv m2.cnet m.cnet
run prune m.cnet -- --quiet
[ -e "$old" ] && fails "an entry unused for 40 days was kept"
[ "$(ls "$cache" | grep -c '^tmp-')" = 0 ] || fails "tmp- files left in the cache"

[ $fail -eq 0 ] && echo "cache: ok"
exit $fail
