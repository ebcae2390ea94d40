#!/bin/sh
# cnetc export end to end (SPEC 13), for each model given:
#   - its training program (compiled without --main, tests/export/prog.c)
#     trains 2 epochs and writes the parameters;
#   - `cnetc export --test --stats` of them compiles with -std=c99 -Wall
#     -Wextra -pedantic -Werror -ffreestanding under gcc and clang;
#   - the object links with -nostdlib (tests/export/start.c as the entry), with
#     -lm only when --stats names a libm function;
#   - the exported P_predict (and P_predict_n) equals the training code's
#     P_predict bit for bit on 10,000 inputs (tests/export/compare.c);
#   - the --test program passes, and fails once a weight of the export is
#     changed;
#   - the same export with --weights (two translation units) passes it too;
#   - the parameters written as safetensors export to the same C.
# With MODE m4, the code is also cross-compiled for a Cortex-M4 (Debian's
# gcc-arm-none-eabi: -mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os,
# warning-free) and arm-none-eabi-size prints its size.
# PRECISIONS (default: float) lists the precisions to do it in.
# usage: export.sh CNETC LIBCNETRT.a RUNTIME_DIR SANITIZE host|m4 MODEL.cnet...
set -eu
# the arguments CNETC LIB RUNTIME_DIR SANITIZE MODE (shifted), $work, $here,
# $start, the compiler flags
. "$(dirname "$0")/setup.sh"
ccs=""
for cc in gcc clang; do
	command -v "$cc" >/dev/null 2>&1 && ccs="$ccs $cc"
done
fail() {
	echo "FAIL: $name: $*"
	exit 1
}
run() { # run LOG CMD...: quiet unless it fails
	log=$1
	shift
	"$@" >"$log" 2>&1 || {
		tail -n 20 "$log"
		return 1
	}
}
for model in "$@"; do
for prec in ${PRECISIONS:-float}; do
	model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")
	name=$(basename "$model" .cnet)
	w="$work/$name-$prec"
	mkdir "$w"
	cd "$w"
	"$cnetc" compile "$model" -o train.c --header train.h --prefix tp --precision "$prec"
	run cc.log "$link_cc" -std=c99 -O2 $sanflags -I"$rt" -c train.c -o train.o ||
		fail "the training code does not compile"
	run cc.log "$link_cc" -std=c99 -O2 $sanflags -I"$rt" -I. -DTP=tp "$here/prog.c" train.o \
		"$lib" -lm -fopenmp -o prog || fail "the training program does not link"
	(cd "$(dirname "$model")" && "$w/prog" train --epochs 2 --quiet \
		--params-out "$w/p.txt") >train.log 2>&1 || {
		cat train.log
		fail "training failed"
	}
	"$cnetc" export "$model" --params p.txt -o ex.c --header ex.h --prefix ex \
		--test ex_t.c --stats --precision "$prec" >stats.txt || fail "cnetc export failed"
	for cc in $ccs; do
		run cc.log "$cc" $strict -c ex.c -o "ex_$cc.o" ||
			fail "$cc: the export does not compile warning-free freestanding"
	done
	run cc.log gcc $strict -c "$here/start.c" -I. -o start.o || fail "start.c"
	# glibc's static libm needs the rest of libc: with libm, the shared one
	if grep -q '^ex: libm: none$' stats.txt; then
		run ld.log gcc -nostdlib -static -o nolib start.o ex_gcc.o ||
			fail "the export does not link with -nostdlib and no library"
	else
		run ld.log gcc -nostdlib -o nolib start.o ex_gcc.o -lm ||
			fail "the export does not link with -nostdlib -lm"
	fi
	run cc.log "$link_cc" -std=c99 -O2 $sanflags -I"$rt" -I. -DTP=tp "$here/compare.c" \
		train.o ex_gcc.o "$lib" -lm -fopenmp -o compare || fail "compare.c"
	./compare p.txt >compare.log 2>&1 || {
		cat compare.log
		fail "the export differs from the training code's predict"
	}
	run cc.log gcc -std=c99 -O2 ex_t.c ex.c -lm -o ex_t || fail "the --test program"
	./ex_t >test.log 2>&1 || {
		cat test.log
		fail "the --test program fails on the export"
	}
	# one weight changed (by 0.25): the first of each tensor in turn, until
	# one that the outputs depend on makes the --test program fail (the bias
	# of a last layer is a constant the gradient output y = d(phi, x) of a
	# model ignores)
	k=0 caught=""
	for t in $(grep -c '^	/\* .*\.[Wb] \*/$' ex.c | xargs seq 1); do
		awk -v t="$t" '/^\t\/\* .*\.[Wb] \*\/$/ { k++; if (k == t) hit = NR + 1 }
		     NR == hit { sub(/^\t/, "\t(real)0.25 + ") } { print }' ex.c >ex_bad.c
		cmp -s ex.c ex_bad.c && fail "no weight to change"
		run cc.log gcc -std=c99 -O2 ex_t.c ex_bad.c -lm -o ex_bad || fail "ex_bad.c"
		if ! ./ex_bad >bad.log 2>&1; then
			caught="$(sed -n "$(grep -n '^	/\* .*\.[Wb] \*/$' ex.c | sed -n "${t}p" |
				cut -d: -f1)p" ex.c | tr -d '\t/* ')"
			break
		fi
	done
	[ -n "$caught" ] || fail "the --test program passes with any one weight changed"
	mkdir split
	"$cnetc" export "$model" --params p.txt -o split/ex.c --header split/ex.h --prefix ex \
		--weights split/ex_w.c --precision "$prec"
	for f in ex ex_w; do
		run cc.log gcc $strict -c "split/$f.c" -o "split/$f.o" ||
			fail "--weights: $f.c does not compile warning-free freestanding"
	done
	run cc.log gcc -std=c99 -O2 -Isplit ex_t.c split/ex.o split/ex_w.o -lm -o ex_t2 ||
		fail "--weights: the --test program"
	./ex_t2 >test2.log 2>&1 || {
		cat test2.log
		fail "--weights: the --test program fails"
	}
	# the same parameters as safetensors (--params-out p.safetensors, the
	# same seed): the same export but for the comment naming the file
	(cd "$(dirname "$model")" && "$w/prog" train --epochs 2 --quiet \
		--params-out "$w/p.safetensors") >train2.log 2>&1 || {
		cat train2.log
		fail "training (safetensors) failed"
	}
	"$cnetc" export "$model" --params p.safetensors -o st.c --header st.h --prefix ex \
		--precision "$prec" || fail "cnetc export --params p.safetensors failed"
	grep -q "parameters of 'p.safetensors'" st.c || fail "st.c does not name p.safetensors"
	sed "s/'p.safetensors'/'p.txt'/" st.c | sed 's/"st.h"/"ex.h"/' | cmp -s - ex.c ||
		fail "export of p.safetensors differs from that of p.txt"
	echo "$prec: $(cat compare.log); $(cat test.log); fails with the first of $caught changed;" \
		"safetensors: the same export"
	if [ "$mode" = m4 ]; then
		arm-none-eabi-gcc $m4 -std=c99 -Wall -Wextra -pedantic -Werror -ffreestanding \
			-c ex.c -o ex_m4.o 2>m4.log || {
			head -n 20 m4.log
			echo "FAIL: $name: the Cortex-M4 cross-compile"
			exit 1
		}
		echo "$name, $prec (Cortex-M4): $(arm-none-eabi-size ex_m4.o | tail -n 1 | awk '{ print "text " $1 ", data " $2 ", bss " $3 }')"
	fi
	cd "$start"
done
done
echo "exported, compiled by$ccs, linked -nostdlib, compared and tested: $*"
