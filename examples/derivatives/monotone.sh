#!/bin/sh
# monotone.sh - train monotone.cnet (drag against speed, dF/dv >= 0.05 over
# the whole speed range) and the same model with its constraint removed, then
# predict each on 2000 speeds in [0, 4] and count the steps where the drag
# goes down.  Prints a Markdown table.
#   sh examples/derivatives/monotone.sh [--check] [PATH/TO/cnetc]
#      (default: build/compiler/cnetc)
# --check (the meson test example-monotone): exit 1 unless the constrained
# fit has no decreasing step and the plain fit has some, of more than 1e-3 N.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

sed '/constraint mono:/d' "$here/monotone.cnet" > plain.cnet
cp "$here/monotone.cnet" mono.cnet
awk 'BEGIN { print "v"; for (i = 0; i < 2000; i++) printf "%.9g\n", 4 * i / 1999 }' > grid.csv

echo "| model | data loss | RMSE against 0.1 v + 0.3 v^2 | decreasing steps (of 1999) | largest drop (N) | smallest slope (N per m/s) |"
echo "|---|---|---|---|---|---|"
for m in plain mono; do
	train $m --params-out $m.txt > $m.out
	program $m predict --params-in $m.txt --data grid.csv > $m.pred
	data=$(final_data_loss $m.out)
	# grid.csv and the predictions line up row for row (both have a header)
	stats=$(paste -d, grid.csv $m.pred | awk -F, '
		NR == 1 { next }
		{ v = $1 + 0; y = $2 + 0; e = y - (0.1 * v + 0.3 * v * v); se += e * e; n++ }
		n > 1 {
			if (y < prev) { down++; if (prev - y > drop) drop = prev - y }
			s = (y - prev) / (v - pv); if (n == 2 || s < smin) smin = s
		}
		{ prev = y; pv = v }
		END { printf "%.4f %d %.3e %.4f\n", sqrt(se / n), down, drop, smin }')
	set -- $stats
	case $m in
	plain) name="without the constraint" ;;
	mono) name='`d(drag, v) >= 0.05 over speeds : penalty(linear, weight = 10)`' ;;
	esac
	echo "| $name | $data | $1 | $2 | $3 | $4 |"
	eval "down_$m=$2 drop_$m=$3"
done

[ $check = 1 ] || exit 0
status=0
if [ "$down_mono" -eq 0 ]; then
	echo "ok   constrained fit: no decreasing step"
else
	echo "FAIL constrained fit: $down_mono decreasing steps (largest $drop_mono N)"; status=1
fi
if [ "$down_plain" -gt 0 ] && awk -v d="$drop_plain" 'BEGIN { exit !(d + 0 > 1e-3) }'; then
	echo "ok   plain fit: $down_plain decreasing steps, largest $drop_plain N"
else
	echo "FAIL plain fit: $down_plain decreasing steps, largest $drop_plain N (expected some, > 1e-3 N)"; status=1
fi
exit $status
