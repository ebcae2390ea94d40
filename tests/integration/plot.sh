#!/bin/sh
# plot.sh PENALTY JUNCTION SVGCHECK EXAMPLES - the generated program's --plot,
# through the programs of examples/seed_penalty.cnet and junction.cnet: the SVG of a one-input, one-output model with a constraint
# (three panels; after one epoch it marks violations on the learned curve)
# and of a three-input model (loss, violation, a fit panel per output), each
# checked by svgcheck (legends never overlap a panel).  Then:
# identical runs give identical files, a failed run leaves no SVG, and --plot
# shares the output checks of the other files and is in --help.
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
pen=$(abs "$1") junction=$(abs "$2") svgcheck=$(abs "$3") ex=$(abs "$4")
name=${pen##*/}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }

# one input, one output, one soft constraint: loss, violation, function
"$pen" --epochs 30 --quiet --plot "$tmp/a.svg" || say "seed_penalty run"
"$svgcheck" "$tmp/a.svg" 30 loss,violation,function 1 || say "seed_penalty svg"
# the function panel marks the output where it violates the constraint:
# after one epoch of the penalty model, y >= x does not hold everywhere
"$pen" --epochs 1 --quiet --plot "$tmp/one.svg" || say "one epoch"
"$svgcheck" "$tmp/one.svg" 1 loss,violation,function 1 || say "one-epoch svg"
grep -q '<g class="violated c1"[^>]*>' "$tmp/one.svg" || say "no violated group"
grep -q 'above violated (0 of 201)' "$tmp/one.svg" && say "no violation marked after one epoch"
n=$(sed -n '/<g class="violated c1"/,/<\/g>/p' "$tmp/one.svg" | grep -c '<circle')
[ "$n" -gt 0 ] || say "no violation markers after one epoch"

# the boundary of y >= x is the dashed line y = x: its points lie on the
# diagonal of the panel's own scale (checked on two points of the polyline
# against the axis mapping implied by the first and last points)
pts=$(sed -n 's/.*<polyline class="boundary c1"[^>]*points="\([^"]*\)".*/\1/p' "$tmp/a.svg")
[ -n "$pts" ] || say "no boundary line for y >= x"
echo "$pts" | awk '{ n = split($0, p, " "); if (n < 100) exit 1
	split(p[1], a, ","); split(p[n], b, ","); split(p[int(n / 2)], m, ",")
	# collinear: the middle point on the line through the ends
	d = (m[2] - a[2]) * (b[1] - a[1]) - (b[2] - a[2]) * (m[1] - a[1])
	exit (d < 0 ? -d : d) > 1e-3 * (b[1] - a[1]) * (b[1] - a[1]) ? 1 : 0 }' ||
	say "the boundary of y >= x is not a straight line: $(echo "$pts" | cut -c1-80)"

# three inputs and outputs, three constraints: no function panel, a
# predicted-against-measured panel per output
(cd "$ex" && "$junction" --epochs 12 --quiet --plot "$tmp/j.svg") || say "junction run"
"$svgcheck" "$tmp/j.svg" 12 loss,violation,fit-y0,fit-y1,fit-y2 3 || say "junction svg"
n=$(sed -n '/<g id="fit-y1"/,/<\/g>/p' "$tmp/j.svg" | grep -c '<circle')
rows=$(($(wc -l < "$ex/junction.csv") - 1))
[ "$n" -eq "$rows" ] || say "fit-y1 draws $n dots, want one per data row ($rows)"

# byte-identical for identical runs
"$pen" --epochs 30 --quiet --plot "$tmp/b.svg" || say "second run"
cmp -s "$tmp/a.svg" "$tmp/b.svg" || say "two identical runs gave different SVGs"

# a failed run leaves nothing behind
printf 'x,t\n1,oops\n' > "$tmp/bad.csv"
"$pen" --data "$tmp/bad.csv" --plot "$tmp/c.svg" 2>/dev/null
[ $? -eq 2 ] || say "bad data did not exit 2"
ls "$tmp" | grep -q '^c\.svg' && say "a failed run left $(ls "$tmp" | grep '^c\.svg')"

# --plot is one of the outputs
err=$("$pen" --log "$tmp/x" --plot "$tmp/x" 2>&1 >/dev/null)
[ "$err" = "$name: error: two outputs are written to '$tmp/x'
Try '$name --help' for more information." ] || say "same file for --log and --plot: $err"
"$pen" --help | grep -q -- '--plot FILE.svg' || say "--plot not in --help"

[ $fail -eq 0 ] && echo "plot: ok"
exit $fail
