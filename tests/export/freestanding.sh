#!/bin/sh
# cnetc compile --freestanding (SPEC 13), for each model given: the code
# compiles with -std=c99 -Wall -Wextra -pedantic -Werror -ffreestanding under
# gcc and clang; its object needs nothing but libm and memset (no stdio, no
# runtime); --stats prints the memory it needs; and it trains exactly as
# the hosted code does (tests/export/fs_compare.c: init, 20 steps, predict,
# bit for bit).
# With MODE m4, the code is also cross-compiled for a Cortex-M4 (Debian's
# gcc-arm-none-eabi: -mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os,
# warning-free) and arm-none-eabi-size prints its size.
# usage: freestanding.sh CNETC LIBCNETRT.a RUNTIME_DIR SANITIZE host|m4 MODEL.cnet...
set -eu
# the arguments CNETC LIB RUNTIME_DIR SANITIZE MODE (shifted), $work, $here,
# $start, the compiler flags
. "$(dirname "$0")/setup.sh"
libm="acos asin atan cos cosf exp expf expm1 expm1f fabs fabsf fmax fmaxf log logf log1p
log1pf pow powf sin sinf sqrt sqrtf tanh tanhf"
for model in "$@"; do
	model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")
	name=$(basename "$model" .cnet)
	w="$work/$name"
	mkdir "$w"
	cd "$w"
	"$cnetc" compile "$model" --freestanding -o fs.c --header fs.h --prefix fs --stats \
		>stats.txt
	grep -q "^fs: sizeof(fs_model) = [0-9]* bytes" stats.txt || {
		cat stats.txt
		echo "FAIL: $name: --stats"
		exit 1
	}
	# the struct size it states is the compiler's (on a 64-bit host)
	printf '#include <stdio.h>\n#include "fs.h"\nint main(void)\n{\n\tprintf("%%lu\\n", (unsigned long)sizeof(fs_model));\n\treturn 0;\n}\n' > size.c
	"$link_cc" -std=c99 -I. size.c -o size
	if [ "$(getconf LONG_BIT)" = 64 ]; then
		said=$(sed -n 's/^fs: sizeof(fs_model) = \([0-9]*\) bytes on 64-bit.*/\1/p' stats.txt)
		[ "$said" = "$(./size)" ] || {
			echo "FAIL: $name: --stats says sizeof(fs_model) = $said, the compiler $(./size)"
			exit 1
		}
	fi
	if grep -n 'stdio\|cnetrt\|cn_\|FILE\|printf' fs.c fs.h; then
		echo "FAIL: $name: the freestanding code names stdio or the runtime"
		exit 1
	fi
	for cc in gcc clang; do
		"$cc" $strict -c fs.c -o "fs_$cc.o" 2>cc.log || {
			head -n 20 cc.log
			echo "FAIL: $name: $cc does not compile it warning-free freestanding"
			exit 1
		}
	done
	for sym in $(nm -u fs_gcc.o | awk '{ print $NF }'); do
		case " $(echo $libm) memset " in
		*" $sym "*) ;;
		*)
			echo "FAIL: $name: the freestanding object needs '$sym'"
			exit 1
			;;
		esac
	done
	"$cnetc" compile "$model" -o train.c --header train.h --prefix tp
	"$link_cc" -std=c99 -O2 $sanflags -I"$rt" -I. -c train.c -o train.o
	"$link_cc" -std=c99 -O2 $sanflags -I"$rt" -I. "$here/fs_compare.c" train.o fs_gcc.o "$lib" \
		-lm -fopenmp -o fs_compare
	./fs_compare
	if [ "$mode" = m4 ]; then
		arm-none-eabi-gcc $m4 -std=c99 -Wall -Wextra -pedantic -Werror -ffreestanding \
			-c fs.c -o fs_m4.o 2>m4.log || {
			head -n 20 m4.log
			echo "FAIL: $name: the Cortex-M4 cross-compile"
			exit 1
		}
		echo "$name (Cortex-M4): $(arm-none-eabi-size fs_m4.o | tail -n 1 | awk '{ print "text " $1 ", data " $2 ", bss " $3 }')"
	fi
	cd "$start"
done
