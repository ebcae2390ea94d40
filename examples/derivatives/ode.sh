#!/bin/sh
# ode.sh - train the decay y' = -1.5 y from data near z = 0 only: the plain fit
# (ode.cnet without its constraint), the ODE residual by a quadratic penalty
# (ode.cnet), by the augmented Lagrangian (ode_augmented.cnet) and by per-point
# Lagrange multipliers (ode_perpoint.cnet); predict each
# on 3001 points of [0, 3] and print, as a Markdown table, the error against
# the exact solution exp(-1.5 z) where there are no data (z in [1, 3]) and the
# ODE residual y' + 1.5 y by central differences of the predictions.
#   sh examples/derivatives/ode.sh [--check] [PATH/TO/cnetc]
#      (default: build/compiler/cnetc)
# --check (the meson test example-ode): exit 1 unless the penalty and the
# augmented models extrapolate at least 5x better (RMSE on [1, 3]) than the
# plain fit, and the per-point multipliers (ode_perpoint.cnet) at least 3x.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

sed '/constraint ode:/d' "$here/ode.cnet" > plain.cnet
cp "$here/ode.cnet" penalty.cnet
cp "$here/ode_augmented.cnet" augmented.cnet
cp "$here/ode_perpoint.cnet" perpoint.cnet
awk 'BEGIN { print "z"; for (i = 0; i <= 3000; i++) printf "%.9g\n", 3 * i / 3000 }' > grid.csv

echo "| model | data loss | RMSE on [1, 3] | max error on [1, 3] | plain's RMSE / RMSE | mean \|residual\| on [0, 3] | max \|residual\| on [0, 3] |"
echo "|---|---|---|---|---|---|---|"
for m in plain penalty augmented perpoint; do
	train $m --params-out $m.txt > $m.out
	program $m predict --params-in $m.txt --data grid.csv > $m.pred
	data=$(final_data_loss $m.out)
	stats=$(paste -d, grid.csv $m.pred | awk -F, -v k=1.5 '
		NR == 1 { next }
		{ n++; z[n] = $1 + 0; y[n] = $2 + 0 }
		END {
			for (i = 1; i <= n; i++)
				if (z[i] >= 1) {
					e = y[i] - exp(-k * z[i]); se += e * e; m++
					if (e < 0) e = -e
					if (e > emax) emax = e
				}
			for (i = 2; i < n; i++) {
				r = (y[i + 1] - y[i - 1]) / (z[i + 1] - z[i - 1]) + k * y[i]
				if (r < 0) r = -r
				rs += r; rn++
				if (r > rmax) rmax = r
			}
			printf "%.3e %.3e %.3e %.3e\n", sqrt(se / m), emax, rs / rn, rmax
		}')
	set -- $stats
	[ $m = plain ] && plain=$1
	ratio=$(awk -v p="$plain" -v e="$1" 'BEGIN { printf "%.0f", p / e }')
	case $m in
	plain) name="data only (no ODE)" ;;
	*) name=$(sed -n 's/^ *constraint ode: \(.*\);$/`\1`/p' $m.cnet) ;;
	esac
	echo "| $name | $data | $1 | $2 | $ratio | $3 | $4 |"
	eval "ratio_$m=$ratio"
done

[ $check = 1 ] || exit 0
status=0
for m in penalty:5 augmented:5 perpoint:3; do
	want=${m#*:} m=${m%:*}
	eval "r=\$ratio_$m"
	if [ "$r" -ge "$want" ]; then
		echo "ok   $m: extrapolates ${r}x better than the plain fit (at least ${want}x)"
	else
		echo "FAIL $m: extrapolates only ${r}x better than the plain fit (expected at least ${want}x)"; status=1
	fi
done
exit $status
