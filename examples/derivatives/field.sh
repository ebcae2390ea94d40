#!/bin/sh
# field.sh - train field.cnet (the force as the gradient of a learned
# potential, y = d(phi, x)) and the direct two-output network on the same data
# (field.cnet with phi of size 2 and y = phi), predict both on a 49 x 49 grid
# of [-1.5, 1.5]^2 and at +-h = 1/128 from each grid point (every input exact
# in float), and print as a Markdown table the curl dy1/dx0 - dy0/dx1 by
# central differences, relative to the largest |dyi/dxj|, and the error
# against the exact force.
#   sh examples/derivatives/field.sh [--check] [PATH/TO/cnetc]
#      (default: build/compiler/cnetc)
# --check (the meson test example-field): exit 1 unless the gradient field's
# relative curl is below 1e-3 and the direct network's above it (the
# measurement sees a curl where there is one).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
limit=1e-3

cp "$here/field.cnet" gradient.cnet
sed 's/layer fc3 = dense(32, 1);/layer fc3 = dense(32, 2);/; s/^    y = d(phi, x).*/    y = phi;/' \
	"$here/field.cnet" > direct.cnet
grep -q '^    y = phi;' direct.cnet || { echo "field.sh: cannot derive the direct model from field.cnet"; exit 2; }
awk 'BEGIN {
	h = 1 / 128; print "x0,x1"
	for (i = 0; i <= 48; i++)
		for (j = 0; j <= 48; j++) {
			a = -1.5 + i / 16; b = -1.5 + j / 16
			printf "%g,%g\n%g,%g\n%g,%g\n%g,%g\n%g,%g\n", a, b, a + h, b, a - h, b, a, b + h, a, b - h
		}
}' > grid.csv

echo "| model | data loss | RMSE against -grad V | mean \|curl\| | max \|curl\| | max \|dyi/dxj\| | relative curl |"
echo "|---|---|---|---|---|---|---|"
for m in direct gradient; do
	train $m --params-out $m.txt > $m.out
	program $m predict --params-in $m.txt --data grid.csv > $m.pred
	data=$(final_data_loss $m.out)
	# groups of 5 rows: the point, x0 + h, x0 - h, x1 + h, x1 - h
	set -- $(paste -d, grid.csv $m.pred | awk -F, '
		NR == 1 { next }
		{ k = (NR - 2) % 5; X0[k] = $1; X1[k] = $2; Y0[k] = $3; Y1[k] = $4 }
		k == 4 {
			d00 = (Y0[1] - Y0[2]) / (X0[1] - X0[2]); d10 = (Y1[1] - Y1[2]) / (X0[1] - X0[2])
			d01 = (Y0[3] - Y0[4]) / (X1[3] - X1[4]); d11 = (Y1[3] - Y1[4]) / (X1[3] - X1[4])
			c = d10 - d01; if (c < 0) c = -c
			cs += c; cn++
			if (c > cmax) cmax = c
			split(d00 " " d01 " " d10 " " d11, J, " ")
			for (q = 1; q <= 4; q++) { v = J[q] < 0 ? -J[q] : J[q]; if (v > jmax) jmax = v }
			a = X0[0]; b = X1[0]
			e0 = Y0[0] - (-a - 0.5 * cos(a) * cos(b)); e1 = Y1[0] - (-2 * b + 0.5 * sin(a) * sin(b))
			se += e0 * e0 + e1 * e1; n += 2
		}
		END { printf "%.3e %.3e %.3e %.3f %.3e\n", sqrt(se / n), cs / cn, cmax, jmax, cmax / jmax }')
	case $m in
	direct) name='two outputs, `y = phi`' ;;
	gradient) name='field.cnet, `y = d(phi, x)`' ;;
	esac
	echo "| $name | $data | $1 | $2 | $3 | $4 | $5 |"
	eval "rel_$m=$5"
done

[ $check = 1 ] || exit 0
status=0
if awk -v r="$rel_gradient" -v l=$limit 'BEGIN { exit !(r + 0 < l + 0) }'; then
	echo "ok   gradient field: relative curl $rel_gradient < $limit"
else
	echo "FAIL gradient field: relative curl $rel_gradient, expected below $limit"; status=1
fi
if awk -v r="$rel_direct" -v l=$limit 'BEGIN { exit !(r + 0 > l + 0) }'; then
	echo "ok   direct network: relative curl $rel_direct > $limit (the measurement sees it)"
else
	echo "FAIL direct network: relative curl $rel_direct, expected above $limit"; status=1
fi
exit $status
