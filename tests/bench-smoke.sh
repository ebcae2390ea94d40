#!/bin/sh
# bench-smoke.sh - tests/bench/run.sh works end to end (--quick, without PyTorch):
# every workload (the physics-informed one too) builds and runs, every number
# is a number, and the generated training step makes no heap allocation.  The speeds themselves are not
# checked here (a shared machine is no place for timed tests); they are
# tests/bench/run.sh's output.
#   sh tests/bench-smoke.sh PATH/TO/cnetc
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$root/tests/bench/run.sh" --quick --no-torch -o "$work/r.csv" "$1" >"$work/out.txt"
cat "$work/out.txt"
awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	rows++
	for (f in col)
		if (f != "model" && f != "us_torch" && f != "x_torch_default" && f != "x_torch_best" &&
		    f != "predict_torch" && f != "x_predict" && !($col[f] ~ /^[0-9.e+-]+$/)) {
			print "FAIL: " $1 ": " f " is \"" $col[f] "\""; bad = 1
		}
	if ($col["allocs_per_step"] != 0) { print "FAIL: " $1 " allocates in the step"; bad = 1 }
	if (!($col["us_best"] > 0) || !($col["predict_best"] > 0)) { print "FAIL: " $1 " timings"; bad = 1 }
}
END {
	if (rows != 5) { print "FAIL: " rows " workloads, not 5"; bad = 1 }
	exit bad
}' "$work/r.csv"
# the growth series (--quick: depths 1 2, widths 4 16): every number a
# number, and the generated C grows with depth (more layers, more code)
awk -F, '
NR == 1 { next }
{
	rows++
	for (i = 2; i <= NF; i++)
		if (!($i ~ /^[0-9.e+-]+$/)) { print "FAIL: growth row " NR ": \"" $i "\""; bad = 1 }
	if ($1 == "depth") {
		if (prev != "" && !($4 > prev)) { print "FAIL: depth " $2 ": no more code"; bad = 1 }
		prev = $4
	}
}
END {
	if (rows != 4) { print "FAIL: " rows " growth rows, not 4"; bad = 1 }
	exit bad
}' "$work/r-growth.csv"
# the physics-informed workload and its derivative-free twin: every number a
# number, no allocation in the step
awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	rows++
	for (f in col)
		if (f != "model" && f != "points" && f != "us_torch" && f != "x_torch_default" &&
		    f != "x_torch_best" && !($col[f] ~ /^[0-9.e+-]+$/)) {
			print "FAIL: " $1 ": " f " is \"" $col[f] "\""; bad = 1
		}
	if ($col["allocs_per_step"] != 0) { print "FAIL: " $1 " allocates in the step"; bad = 1 }
	if (!($col["us_best"] > 0) || !($col["us_default"] > 0)) { print "FAIL: " $1 " timings"; bad = 1 }
}
END {
	if (rows != 2) { print "FAIL: " rows " physics-informed rows, not 2"; bad = 1 }
	exit bad
}' "$work/r-pinn.csv"
echo "bench smoke: 5 workloads and pinn, no allocation in the training step, 4 growth rows"
