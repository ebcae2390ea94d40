#!/bin/sh
# tests/bench/dc3/run.sh - the DC3 paper's convex QP (Donti, Rolnick, Kolter, ICLR 2021,
# the "simple" problem: 100 variables, 50 equalities A y = x, 50 inequalities G y <= h)
# as an outside benchmark of hard constraints at scale.  make_dc3.py draws the paper's
# instances exactly (numpy, seed 17; Debian's /usr/bin/python3 has it); optimum.c solves
# each of the 833 test instances exactly (mean objective -15.0469, the paper's); then
# dc3.cnet, every row hard(project), the objective its only loss, is built in double
# (cnetc compile and cc -O3 -c timed), trained on the 8334 training instances with its
# train block, and evaluated on the test instances: the table the paper reports, beside
# its own figures.
#
#   sh tests/bench/dc3/run.sh [PATH/TO/cnetc] [EPOCHS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cnetc=${1:-$root/build/compiler/cnetc}
cnetc=$(cd "$(dirname "$cnetc")" && pwd)/$(basename "$cnetc")
epochs=${2:-5}
cc=${CC:-cc}
python=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
cd "$work"
"$python" "$here/make_dc3.py" "$work" 2>/dev/null ||
	{ echo "dc3: $python with numpy draws the instances (apt-get install python3-numpy)" >&2; exit 1; }
$cc -O2 -std=c99 -D_POSIX_C_SOURCE=200809L -I"$root/runtime" "$here/optimum.c" \
	"$root"/runtime/*.c -lm -o optimum 2>/dev/null
./optimum problem.txt test.csv | tee optimum.txt
opt=$(awk '{ for (i = 1; i < NF; i++) if ($i == "objective") print $(i + 1) }' optimum.txt)

t0=$(now)
"$cnetc" compile "$here/dc3.cnet" --precision double -o dc3.c --main
t1=$(now)
$cc -O3 -std=c99 -D_POSIX_C_SOURCE=200809L -I"$root/runtime" -c dc3.c -o dc3.o 2>/dev/null
t2=$(now)
$cc -O3 -std=c99 -D_POSIX_C_SOURCE=200809L -I"$root/runtime" dc3.o "$root"/runtime/*.c -lm \
	-o dc3 2>/dev/null
echo "dc3: cnetc compile $(secs "$t0" "$t1") s, $(($(wc -c <dc3.c) / 1024)) KiB of C," \
	"cc -O3 -c $(secs "$t1" "$t2") s"

t0=$(now)
./dc3 --epochs "$epochs" --params-out params.txt --quiet
t1=$(now)
./dc3 eval --params-in params.txt --data test.csv >eval.txt 2>&1
t2=$(now)
./dc3 predict --params-in params.txt --data test.csv >pred.csv
t3=$(now)
cat eval.txt
awk -v opt="$opt" -v train="$(secs "$t0" "$t1")" -v pred="$(secs "$t2" "$t3")" -v e="$epochs" '
	/^eval:/ { for (i = 1; i < NF; i++) if ($i == "loss") obj = $(i + 1) }
	/^eq / { eq = $3 } /^ineq / { ineq = $3 }
	END {
		printf "\n%-26s %10s %8s %10s %10s %14s\n", "method", "objective", "gap", \
			"max eq", "max ineq", "time"
		printf "%-26s %10.4f %7s%% %10s %10s %14s\n", "optimum (optimum.c)", opt, "0", "-", "-", "-"
		printf "%-26s %10.4f %7.2f%% %10s %10s %14s\n", "cnet hard(project), double", obj, \
			100 * (obj - opt) / -opt, eq, ineq, sprintf("train %.0f s", train)
		printf "%-26s %10s %8s %10s %10s %14s\n", "", "", "", "", "", \
			sprintf("%.2f s / 833", pred)
		print "the paper (Donti et al. 2021; on a GPU):"
		printf "%-26s %10s %8s %10s %10s %14s\n", "  optimizer", "-15.05", "", "0", "0", "-"
		printf "%-26s %10s %8s %10s %10s %14s\n", "  DC3", "-13.46", "10.6%", "0", "0", "0.017 s / 833"
		printf "%-26s %10s %8s %10s %10s %14s\n", "  NN, soft penalty", "-12.57", "", "0.35", "", ""
		printf "(%d epochs on one core; prediction reads the CSV and prints every y)\n", e
	}' eval.txt
