#!/bin/sh
# build.sh - the deploy example end to end (README.md here): train the valve
# model, export it, build and run the --test program, the C host and the
# Fortran host, check that both print the training program's predictions
# exactly, and, where Debian's gcc-arm-none-eabi is installed, cross-compile
# the export and the freestanding training step for a Cortex-M4 and print
# their sizes.
#
# usage: sh build.sh [DIR]      (default: ./deploy-build)
#   CNETC (default: cnetc), CC (default: cc), FC (default: gfortran);
#   CNETRT_CFLAGS, CNETRT_LIBS: how to build against the runtime (default:
#   pkg-config cnetrt, as installed);
#   TRAIN_ARGS: extra arguments of the training run (the tests: --epochs 5);
#   NO_M4=1: leave out the Cortex-M4 part
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-deploy-build}
cnetc=${CNETC:-cnetc}
cc=${CC:-cc}
fc=${FC:-gfortran}
mkdir -p "$dir"
cd "$dir"
strict="-std=c99 -Wall -Wextra -pedantic -Werror -ffreestanding -O2"

echo "== train"
# the training program, built with the flags of the export's objects below:
# its predict and the export's agree bit for bit when compiled alike ('cnetc
# run' builds with -march=native -ffp-contract=fast, whose fused
# multiply-adds round differently)
rt_cflags=${CNETRT_CFLAGS-$(pkg-config --cflags cnetrt)}
rt_libs=${CNETRT_LIBS-$(pkg-config --libs --static cnetrt)}
"$cnetc" compile "$here/valve.cnet" --main -o valve_prog.c
# shellcheck disable=SC2086
$cc -std=c99 -O2 $rt_cflags valve_prog.c $rt_libs -o valve_prog
# shellcheck disable=SC2086
./valve_prog train --quiet --params-out valve.params ${TRAIN_ARGS:-}

echo "== export"
"$cnetc" export "$here/valve.cnet" --params valve.params -o valve.c --header valve.h \
	--weights valve_w.c --test valve_test.c --fortran valve.f90 --stats
$cc $strict -c valve.c -o valve.o
$cc $strict -c valve_w.c -o valve_w.o
# relu only: links with no library at all
printf 'void _start(void);\nvoid _start(void)\n{\n\tstatic float x[2], y[1];\n' >start.c
printf '\tvalve_predict(x, y);\n\tfor (;;)\n\t\t;\n}\n' >>start.c
printf '#include "valve.h"\n' | cat - start.c >start2.c
$cc $strict -c start2.c -o start.o
$cc -nostdlib -static start.o valve.o valve_w.o -o valve_nolib
echo "linked with -nostdlib and no library"

echo "== the --test program"
$cc -std=c99 -O2 valve_test.c valve.o valve_w.o -lm -o valve_test
./valve_test

echo "== the hosts"
$cc -std=c99 -O2 -I. "$here/host.c" valve.o valve_w.o -o host
./host >host.csv
$fc -o host_f valve.f90 "$here/host.f90" valve.o valve_w.o
./host_f >host_f.csv
# the training program's predictions on the same grid
cut -d, -f1,2 host.csv >grid.csv
./valve_prog predict --params-in valve.params --data grid.csv >predict.csv
for f in host.csv host_f.csv; do
	paste -d, "$f" predict.csv | awk -F, -v f="$f" '
		NR > 1 && $3 + 0 != $4 + 0 { bad++; print f ": row " NR - 1 ": " $3 " != " $4 }
		END { if (bad) exit 1 }'
done
echo "host.csv (C) and host_f.csv (Fortran) equal the program's predict on 25 inputs"

if [ -z "${NO_M4:-}" ] && command -v arm-none-eabi-gcc >/dev/null 2>&1; then
	echo "== Cortex-M4 (arm-none-eabi-gcc -mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os)"
	m4="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os"
	arm-none-eabi-gcc $m4 $strict -fstack-usage -c valve.c -o valve_m4.o
	arm-none-eabi-gcc $m4 $strict -c valve_w.c -o valve_w_m4.o
	"$cnetc" compile "$here/valve.cnet" --freestanding --lanes 1 -o valve_train.c \
		--header valve_train.h --prefix valve_dev --stats
	arm-none-eabi-gcc $m4 $strict -fstack-usage -c valve_train.c -o valve_train_m4.o
	arm-none-eabi-size valve_m4.o valve_w_m4.o valve_train_m4.o
	echo "stack (gcc -fstack-usage, bytes):"
	grep -h 'predict\|train_step\|_grad\|_apply' valve_m4.su valve_train_m4.su
fi
