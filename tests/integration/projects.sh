#!/bin/sh
# projects.sh KIND BUILDDIR SRCDIR [SANITIZE] - builds examples/integration/KIND (meson,
# cmake or make) from scratch against a fresh install of this build of cnet,
# runs its program (two models: train, predict, save, load), then checks
# that the build follows cnetc's depfile: touching mix.csv, which
# bounded.cnet reads at compile time, regenerates bounded.c, and nothing is
# regenerated when nothing changed.
#
# The install: `meson install --destdir` of BUILDDIR into a temporary root;
# the project then finds cnetc on PATH, libcnetrt through pkg-config (the
# staged cnetrt.pc as it is: its prefix is relative to its own place,
# ${pcfiledir}, so no PKG_CONFIG_SYSROOT_DIR is needed) or CMake's
# find_package(Cnet) (CMAKE_PREFIX_PATH), and the shared library through
# LD_LIBRARY_PATH.  The make kind also builds a generated --main program with
# nothing but `pkg-config --cflags --libs cnetrt`.  Exit 77 (skipped) when the KIND's build tool is missing,
# or when BUILDDIR is a sanitizer build (SANITIZE, meson's b_sanitize, is not
# "none"): its libraries need the sanitizer runtimes that a plain project
# build does not link; the normal build runs these tests.
#   projects.sh KIND BUILDDIR SRCDIR [SANITIZE]
set -u
kind=$1
if [ "${4:-none}" != none ]; then
	echo "skipped: $2 is a sanitizer build (b_sanitize=$4)"
	exit 77
fi
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
build=$(abs "$2") src=$(abs "$3")
case $kind in
meson) tools="meson ninja pkg-config" ;;
cmake) tools="cmake make" ;;
make) tools="make pkg-config" ;;
*) echo "unknown kind $kind"; exit 2 ;;
esac
for t in $tools; do
	command -v "$t" >/dev/null 2>&1 || { echo "skipped: $t not found"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
die() { echo "FAIL: $*"; exit 1; }

meson install -C "$build" --no-rebuild --destdir "$tmp/root" >"$tmp/install.log" 2>&1 \
	|| { cat "$tmp/install.log"; die "meson install"; }
cnetc=$(find "$tmp/root" -path '*/bin/cnetc' -type f) && [ -n "$cnetc" ] || die "no installed cnetc"
prefix=${cnetc%/bin/cnetc}
pc=$(find "$tmp/root" -name cnetrt.pc) && [ -n "$pc" ] || die "no installed cnetrt.pc"
lib=$(find "$tmp/root" -name 'libcnetrt.so*' | head -n 1)
PATH=$prefix/bin:$PATH
PKG_CONFIG_PATH=${pc%/cnetrt.pc}
PKG_CONFIG_LIBDIR=$PKG_CONFIG_PATH
LD_LIBRARY_PATH=${lib%/*}
unset PKG_CONFIG_SYSROOT_DIR
export PATH PKG_CONFIG_PATH PKG_CONFIG_LIBDIR LD_LIBRARY_PATH
[ "$(command -v cnetc)" = "$cnetc" ] || die "the installed cnetc is not first on PATH"

# the staged cnetrt.pc points into the staging root, not at the prefix
flags=$(pkg-config --cflags --libs cnetrt) || die "pkg-config cnetrt"
for f in $flags; do
	case $f in
	-I* | -L*)
		d=${f#-?}
		[ -d "$d" ] || die "pkg-config gives $f, not a directory"
		case $(cd "$d" && pwd -P) in "$(cd "$tmp/root" && pwd -P)"/*) ;;
		*) die "pkg-config gives $f, outside the staging root $tmp/root" ;; esac ;;
	esac
done
if [ "$kind" = make ]; then
	cnetc compile "$src/examples/seed_penalty.cnet" --main -o "$tmp/standalone.c" ||
		die "cnetc compile --main"
	# shellcheck disable=SC2086
	cc -std=c99 -O1 -o "$tmp/standalone" "$tmp/standalone.c" $flags -lm ||
		die "a generated program against \$(pkg-config --cflags --libs cnetrt)"
	"$tmp/standalone" --quiet --epochs 2 --params-out "$tmp/standalone.txt" &&
		[ -s "$tmp/standalone.txt" ] || die "the program built through pkg-config"
fi

# a copy of the projects, so that the test can touch their files
cp -R "$src/examples/integration" "$tmp/src"
proj=$tmp/src/$kind out=$tmp/out
case $kind in
meson)
	configure() { meson setup "$out" "$proj" >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; die "meson setup"; }; }
	build() { ninja -C "$out" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; die "ninja"; }; }
	gen=$out ;;
cmake)
	configure() { cmake -S "$proj" -B "$out" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; die "cmake configure"; }; }
	build() { cmake --build "$out" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; die "cmake --build"; }; }
	gen=$out/cnet ;;
make)
	configure() { out=$proj; }
	build() { make -C "$proj" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; die "make"; }; }
	gen=$proj ;;
esac

configure
build
grep -i 'warning' "$tmp/build.log" && die "warnings in the build"
"$out/app" "$out" || die "the program failed"
[ -s "$out/trend.ckpt" ] && [ -s "$out/bounded.ckpt" ] || die "no checkpoints"

# the depfile: nothing changed, nothing regenerated; mix.csv changed, bounded.c regenerated
sleep 1
touch "$tmp/stamp"
sleep 1
build
[ "$gen/bounded.c" -nt "$tmp/stamp" ] && die "bounded.c regenerated with nothing changed"
printf '1,0.25\n-0.5,1\n' >"$tmp/src/common/mix.csv"
build
[ "$gen/bounded.c" -nt "$tmp/stamp" ] || die "editing mix.csv did not regenerate bounded.c"
[ "$gen/trend.c" -nt "$tmp/stamp" ] && die "editing mix.csv regenerated trend.c"
grep -q '0.25' "$gen/bounded.c" || die "bounded.c does not hold the new matrix"
"$out/app" "$out" >/dev/null || die "the rebuilt program failed"
echo "$kind: ok"
