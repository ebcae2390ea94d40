#!/bin/sh
# tests/bench/run.sh - cnet's speed against PyTorch and a hand-written C loop, and
# its build and memory costs, for the workloads of tests/bench/models/, all
# measured in one run on one machine.
#
#   sh tests/bench/run.sh [--quick] [--no-torch] [-o FILE.csv] [PATH/TO/cnetc]
#
# Default cnetc: build/compiler/cnetc (built first with ninja if missing).
# PyTorch is Debian's python3-torch on /usr/bin/python3, run on one thread
# (OMP/OpenBLAS/MKL threads 1); as root the script installs it, with
# libopenblas0-pthread, when it is missing.  --no-torch leaves PyTorch out.
# --quick runs every measurement for a tenth of the time and the growth
# series on two sizes each (a smoke test; the numbers are noisier).  Writes
# the table to stdout and every number to tests/bench/results.csv (or FILE.csv),
# the physics-informed workload (pinn, with its derivative-free twin
# pinn_plain) to tests/bench/results-pinn.csv (FILE-pinn.csv), and the growth of
# generated code and compile time with the model to tests/bench/results-growth.csv
# (FILE-growth.csv).
# BENCH_ONLY=NAME runs only that workload (and the growth series); NAME is
# one of seed, small, medium, large, mnist, pinn.
#
# Timings are the best round of repeated runs (tests/bench/step.c), because this
# machine is shared: the best round is the least disturbed one.  FLOP counts
# are those of the layer products only: 2*in*out per sample forward, as much
# again for the weight gradient and for the input gradient (not for the first
# layer).  The core's peak is measured by tests/bench/peak.c, an FMA loop.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
budget=2
quick=no
torch=yes
csv=$here/results.csv
cnetc=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) budget=0.2 quick=yes ;;
	--no-torch) torch=no ;;
	-o) csv=$2; shift ;;
	-*) echo "usage: sh tests/bench/run.sh [--quick] [--no-torch] [-o FILE.csv] [cnetc]" >&2; exit 2 ;;
	*) cnetc=$1 ;;
	esac
	shift
done
if [ -z "$cnetc" ]; then
	cnetc=$root/build/compiler/cnetc
	if [ ! -x "$cnetc" ]; then
		sh "$root/tests/install-deps.sh"
		[ -f "$root/build/build.ninja" ] || meson setup "$root/build" "$root" >/dev/null
		ninja -C "$root/build" >/dev/null
	fi
fi
cnetc=$(cd "$(dirname "$cnetc")" && pwd)/$(basename "$cnetc")
py=/usr/bin/python3
if [ $torch = yes ] && ! "$py" -c 'import torch' 2>/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		echo "installing python3-torch and libopenblas0-pthread ..." >&2
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch \
			libopenblas0-pthread >/dev/null
	else
		echo "bench: no PyTorch on $py and not root: PyTorch left out" >&2
		torch=no
	fi
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

cc=${CC:-cc}
default_flags="-O2"
best_flags="-O3 -march=native -ffp-contract=fast -fno-math-errno"
# The best build is the one `cnetc run` makes: -march=native, and the model
# generated for 512-bit vectors where that has AVX-512.
best_gen=
if $cc -march=native -dM -E - </dev/null 2>/dev/null | grep -q '__AVX512F__'; then
	best_gen="--vector-bits 512"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# the core's peak, single precision
$cc -O2 -march=native "$here/peak.c" -o "$work/peak"
peak=$("$work/peak" "$(calc %g "$budget / 4")" 2>/dev/null)

# the hand-written loop for the seed workload
for f in default best; do
	eval "flags=\$${f}_flags"
	$cc -std=c99 $flags -D_POSIX_C_SOURCE=200809L "$here/hand_seed.c" -lm -o "$work/hand_$f"
	eval "hand_$f=\$(\"\$work/hand_$f\" 100 \"\$budget\" 2>/dev/null)"
done
$cc -O2 -std=c99 "$here/rss.c" -o "$work/rss"

# the runtime, once for each set of flags (it does not depend on the model)
for f in default best; do
	eval "flags=\$${f}_flags"
	mkdir "$work/rt_$f"
	(cd "$work/rt_$f" && $cc -std=c99 $flags -D_POSIX_C_SOURCE=200809L -I"$root/runtime" \
		-c "$root"/runtime/*.c)
done

# name batch layer-sizes
workloads="seed 100 1,10,1
small 64 2,16,16,2
medium 128 8,32,32,4
large 256 64,128,128,8
mnist 64 784,256,256,10"

echo "model,batch,params,mflop_step,us_default,us_best,gflops_best,peak_gflops,frac_peak,us_torch,x_torch_default,x_torch_best,predict_default,predict_best,predict_torch,x_predict,source_bytes,cnetc_ms,cc_O2_s,cc_best_s,struct_bytes,grad_stack_bytes,peak_rss_kib,allocs_per_step" >"$csv"
echo "$workloads" | while read -r name batch sizes; do
	[ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = "$name" ] || continue
	model=$here/models/$name.cnet
	# FLOPs per training step and per prediction, params
	set -- $(echo "$sizes" | awk -F, -v b="$batch" '{
		for (i = 1; i < NF; i++) {
			io = $i * $(i + 1); p += io + $(i + 1); f += 2 * io
			t += (i == 1 ? 4 : 6) * io
		}
		printf "%d %.6f %.6f\n", p, t * b / 1e6, f }')
	params=$1 mflop=$2 pflop=$3

	best=1e9
	for k in 1 2 3; do
		t0=$(now)
		"$cnetc" compile "$model" -o "$work/bm.c" --header "$work/bm.h" --prefix bm
		t=$(calc %.6f "$(now) - $t0")
		best=$(calc %.6f "$t < $best ? $t : $best")
	done
	cnetc_ms=$(calc %.1f "$best * 1000")
	src_bytes=$(wc -c <"$work/bm.c")
	# the timed compiles make the objects the step programs link
	t0=$(now)
	(cd "$work" && $cc -std=c99 $default_flags -D_POSIX_C_SOURCE=200809L -fstack-usage \
		-I"$root/runtime" -c bm.c -o bm_default.o)
	cc_o2=$(calc %.2f "$(now) - $t0")
	stack=$(awk -F'\t' '$1 ~ /:bm_grad$/ { print $2 }' "$work/bm_default.su")
	mkdir -p "$work/best"
	"$cnetc" compile "$model" -o "$work/best/bm.c" --header "$work/best/bm.h" --prefix bm $best_gen
	t0=$(now)
	$cc -std=c99 $best_flags -D_POSIX_C_SOURCE=200809L -I"$root/runtime" \
		-c "$work/best/bm.c" -o "$work/bm_best.o"
	cc_best=$(calc %.2f "$(now) - $t0")

	for f in default best; do
		eval "flags=\$${f}_flags"
		gen=$work
		[ $f = best ] && gen=$work/best
		$cc -std=c99 $flags -D_POSIX_C_SOURCE=200809L -I"$gen" -I"$root/runtime" \
			-DBM_HEADER='"bm.h"' "$here/step.c" "$work/bm_$f.o" "$work/rt_$f"/*.o -lm \
			-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -o "$work/step_$f"
		eval "set -- \$(\"\$work/step_$f\" \"\$batch\" \"\$budget\" 2>/dev/null)"
		eval "us_$f=\$1 pred_$f=\$2"
		struct=$3 allocs=$4
	done

	# peak RSS of the generated program training on BATCH*4 samples
	"$cnetc" compile "$model" --main -o "$work/prog.c" --prefix bm
	$cc -std=c99 $default_flags -D_POSIX_C_SOURCE=200809L -I"$root/runtime" "$work/prog.c" \
		"$work/rt_default"/*.o -lm -o "$work/prog"
	set -- $(echo "$sizes" | awk -F, '{ print $1, $NF }')
	awk -v ni="$1" -v nt="$2" -v n="$((batch * 4))" 'BEGIN {
		srand(1)
		for (k = 0; k < ni; k++) printf "%sx%s", (k ? "," : ""), (ni > 1 ? k : "")
		for (k = 0; k < nt; k++) printf ",t%s", (nt > 1 ? k : "")
		printf "\n"
		for (i = 0; i < n; i++) {
			for (k = 0; k < ni + nt; k++) printf "%s%.4f", k ? "," : "", rand()
			printf "\n"
		} }' >"$work/data.csv"
	rss=$("$work/rss" "$work/prog" train --data "$work/data.csv" --epochs 5 \
		--batch "$batch" --quiet)

	if [ $torch = yes ]; then
		set -- $("$py" "$here/torch_bench.py" "$name" "$batch" "$budget")
		us_torch=$1 pred_torch=$2
	else
		us_torch=nan pred_torch=nan
	fi
	awk -v name="$name" -v batch="$batch" -v params="$params" -v mflop="$mflop" \
		-v pflop="$pflop" -v ud="$us_default" -v ub="$us_best" -v peak="$peak" \
		-v ut="$us_torch" -v pd="$pred_default" -v pb="$pred_best" -v pt="$pred_torch" \
		-v src="$src_bytes" -v cms="$cnetc_ms" -v co2="$cc_o2" -v cb="$cc_best" \
		-v st="$struct" -v stack="$stack" -v rss="$rss" -v al="$allocs" 'BEGIN {
		g = mflop * 1e6 / (ub * 1e-6) / 1e9
		printf "%s,%d,%d,%.4f,%.3f,%.3f,%.2f,%.1f,%.4f,%s,%s,%s,%.0f,%.0f,%s,%s,%d,%s,%s,%s,%d,%s,%d,%s\n",
			name, batch, params, mflop, ud, ub, g, peak, g / peak,
			ut, ut == "nan" ? "nan" : sprintf("%.1f", ut / ud),
			ut == "nan" ? "nan" : sprintf("%.1f", ut / ub), pd, pb, pt,
			pt == "nan" ? "nan" : sprintf("%.2f", pb / pt),
			src, cms, co2, cb, st, stack, rss, al }' >>"$csv"
done

# ------------------------------------------- the physics-informed workload
# tests/bench/models/pinn.cnet: a 1 -> 32 -> 32 -> 1 tanh MLP with no data, the
# residual of its Laplacian over 256 collocation points (one batch of all of
# them) and its boundary values over 2 points; pinn_plain.cnet: the same with
# a value loss in place of the residual, so that the ratio of the two steps
# is the cost of the derivative term.  A step is tests/bench/domain_step.c's:
# zero the sums, P_grad_domain on each domain, P_apply.
pcsv=${csv%.csv}-pinn.csv
pinn_points="256 2"    # the points of the models' domains interior and boundary
echo "model,points,params,us_default,us_best,us_torch,x_torch_default,x_torch_best,source_bytes,cnetc_ms,cc_O2_s,cc_best_s,struct_bytes,grad_stack_bytes,allocs_per_step" >"$pcsv"
for name in pinn pinn_plain; do
	[ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = pinn ] || continue
	model=$here/models/$name.cnet
	pw=$work/$name
	mkdir -p "$pw/best"
	best=1e9
	for k in 1 2 3; do
		t0=$(now)
		"$cnetc" compile "$model" -o "$pw/bm.c" --header "$pw/bm.h" --prefix bm
		t=$(calc %.6f "$(now) - $t0")
		best=$(calc %.6f "$t < $best ? $t : $best")
	done
	cnetc_ms=$(calc %.1f "$best * 1000")
	src_bytes=$(wc -c <"$pw/bm.c")
	params=$(awk '$2 == "bm_NUM_PARAMS" { print $3 }' "$pw/bm.h")
	"$cnetc" compile "$model" -o "$pw/best/bm.c" --header "$pw/best/bm.h" --prefix bm $best_gen
	# the generated model is compiled once per build, timed, and linked
	for f in default best; do
		eval "flags=\$${f}_flags"
		gen=$pw
		[ $f = best ] && gen=$pw/best
		t0=$(now)
		(cd "$gen" && $cc -std=c99 $flags -fstack-usage -I"$root/runtime" -c bm.c -o bm.o)
		eval "cc_$f=\$(calc %.2f \"\$(now) - \$t0\")"
		$cc -std=c99 $flags -D_POSIX_C_SOURCE=200809L -I"$gen" -I"$root/runtime" \
			-DBM_HEADER='"bm.h"' "$here/domain_step.c" "$gen/bm.o" "$root"/runtime/*.c -lm \
			-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -o "$pw/step_$f"
		eval "set -- \$(\"\$pw/step_$f\" \"\$budget\" $pinn_points 2>/dev/null)"
		eval "us_$f=\$1"
		struct=$2 allocs=$3
	done
	# P_grad_domain of the interior at -O2
	stack=$(awk -F'\t' '$1 ~ /:bm_grad_d0$/ { print $2 }' "$pw/bm.su")
	if [ $torch = yes ]; then
		set -- $("$py" "$here/torch_bench.py" "$name" "${pinn_points% *}" "$budget")
		us_torch=$1
	else
		us_torch=nan
	fi
	awk -v name="$name" -v pts="$pinn_points" -v params="$params" -v ud="$us_default" \
		-v ub="$us_best" -v ut="$us_torch" -v src="$src_bytes" -v cms="$cnetc_ms" \
		-v co2="$cc_default" -v cb="$cc_best" -v st="$struct" -v stack="${stack:-0}" \
		-v al="$allocs" 'BEGIN {
		split(pts, p, " ")
		printf "%s,%d+%d,%d,%.3f,%.3f,%s,%s,%s,%d,%s,%s,%s,%d,%d,%s\n",
			name, p[1], p[2], params, ud, ub, ut,
			ut == "nan" ? "nan" : sprintf("%.1f", ut / ud),
			ut == "nan" ? "nan" : sprintf("%.1f", ut / ub),
			src, cms, co2, cb, st, stack, al }' >>"$pcsv"
done

# ------------------------------------------------ growth with the model
# Generated source, cnetc time and cc -O2 time of MLPs that grow in depth
# (16 -> 64 x D -> 4) and in width (2 -> H -> H -> 2), each with a penalty
# and a hard constraint like the workloads above.
scsv=${csv%.csv}-growth.csv
echo "series,size,params,source_bytes,cnetc_ms,cc_O2_s" >"$scsv"
mlp() { # name, layer sizes...
	name=$1; shift
	{
		echo "model $name {"
		echo "  input x[$1]; target t[$(eval echo \${$#})];"
		i=1 prev=$1 body=x; shift
		for s in "$@"; do
			echo "  layer f$i = dense($prev, $s);"
			if [ $i -gt 1 ]; then body="f$i(relu($body))"; else body="f$i($body)"; fi
			prev=$s i=$((i + 1))
		done
		echo "  y = $body; output y; loss mse(y, t);"
		echo "  constraint c1: y >= 0 : penalty(linear);"
		echo "  constraint c2: y <= 1 : hard;"
		echo "}"
	} >"$work/grow.cnet"
}
grow() { # series, size, layer sizes...
	series=$1 size=$2; shift 2
	mlp grow "$@"
	params=$(echo "$@" | awk '{ for (i = 1; i < NF; i++) p += $i * $(i + 1) + $(i + 1); print p }')
	t0=$(now)
	"$cnetc" compile "$work/grow.cnet" -o "$work/grow.c" --header "$work/grow.h"
	ms=$(calc %.1f "($(now) - $t0) * 1000")
	t0=$(now)
	(cd "$work" && $cc -std=c99 -O2 -I"$root/runtime" -c grow.c -o grow.o)
	echo "$series,$size,$params,$(wc -c <"$work/grow.c"),$ms,$(calc %.2f "$(now) - $t0")" >>"$scsv"
}
depths="1 2 4 8 16" widths="4 8 16 32 64 128"
# --quick: the smallest two depths, and a width unrolled (4) and one looped (16)
[ $quick = yes ] && depths="1 2" widths="4 16"
for d in $depths; do
	sizes="16"
	for k in $(seq "$d"); do sizes="$sizes 64"; done
	grow depth "$d" $sizes 4
done
for h in $widths; do
	grow width "$h" 2 "$h" "$h" 2
done

# ------------------------------------------------------------------ report
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
tv=nan
[ $torch = yes ] && tv=$("$py" -c 'import torch; print(torch.__version__)')
echo "cnet benchmark: $cpu, $(getconf _NPROCESSORS_ONLN) cores; $($cc --version | head -n 1); PyTorch $tv on 1 thread"
echo "default: cnetc compile, $default_flags; best: cnetc compile ${best_gen:-(defaults)}, $best_flags (as cnetc run builds)"
echo "core peak (tests/bench/peak.c, FMA, -O2 -march=native): $peak GFLOP/s single precision"
echo
echo "training step, microseconds (best round); GFLOP/s and % of peak at the best flags"
awk -F, 'NR > 1 {
	if (NR == 2) printf "%-7s %5s %9s %9s %9s %8s %6s %11s %8s %8s\n", "model", "batch",
		"MFLOP", "-O2 us", "best us", "GFLOP/s", "%peak", "PyTorch us", "x -O2", "x best"
	printf "%-7s %5d %9.3f %9.2f %9.2f %8.1f %5.1f%% %11s %8s %8s\n", $1, $2, $4, $5, $6,
		$7, 100 * $9, $10, $11, $12 }' "$csv"
echo "hand-written seed loop (tests/bench/hand_seed.c): $hand_default us at -O2, $hand_best us at best flags"
echo
echo "prediction, samples per second (P_predict_n over the batch; PyTorch: no_grad forward)"
awk -F, 'NR > 1 {
	if (NR == 2) printf "%-7s %12s %12s %12s %8s\n", "model", "-O2", "best", "PyTorch", "x best"
	printf "%-7s %12.0f %12.0f %12s %8s\n", $1, $13, $14, $15, $16 }' "$csv"
echo
echo "build and memory: generated C, cnetc time, cc time, model struct, P_grad stack"
echo "(gcc -fstack-usage, -O2), peak RSS of the generated program training, heap"
echo "allocations per training step"
awk -F, 'NR > 1 {
	if (NR == 2) printf "%-7s %8s %9s %8s %8s %10s %10s %9s %7s\n", "model", "C KiB",
		"cnetc ms", "cc -O2 s", "cc best", "struct KiB", "stack KiB", "RSS MiB", "allocs"
	printf "%-7s %8.1f %9s %8s %8s %10.1f %10.1f %9.1f %7s\n", $1, $17 / 1024, $18, $19,
		$20, $21 / 1024, $22 / 1024, $23 / 1024, $24 }' "$csv"
echo
if [ "$(wc -l <"$pcsv")" -gt 1 ]; then
	echo "physics-informed step, microseconds (best round): pinn is a 1 -> 32 -> 32 -> 1"
	echo "tanh MLP, mean((laplacian(u, x) - f)^2) over 256 points + mean(u^2) over 2, Adam;"
	echo "pinn_plain the same with mean((u - f)^2) (PyTorch: autograd.grad twice,"
	echo "create_graph=True, then backward)"
	awk -F, 'NR > 1 {
		if (NR == 2) printf "%-10s %7s %9s %9s %11s %8s %8s %7s\n", "model", "points",
			"-O2 us", "best us", "PyTorch us", "x -O2", "x best", "allocs"
		printf "%-10s %7s %9.2f %9.2f %11s %8s %8s %7s\n", $1, $2, $4, $5, $6, $7, $8, $15
		ub[$1] = $5; ut[$1] = $6 }
		END {
		if (("pinn" in ub) && ("pinn_plain" in ub))
			printf "derivative term, laplacian step / plain step: cnet (best) %.2f, PyTorch %s\n",
				ub["pinn"] / ub["pinn_plain"],
				ut["pinn"] == "nan" ? "nan" : sprintf("%.2f", ut["pinn"] / ut["pinn_plain"]) }' "$pcsv"
	awk -F, 'NR > 1 {
		if (NR == 2) printf "%-10s %8s %9s %8s %8s %10s %10s\n", "model", "C KiB",
			"cnetc ms", "cc -O2 s", "cc best", "struct KiB", "stack KiB"
		printf "%-10s %8.1f %9s %8s %8s %10.1f %10.1f\n", $1, $9 / 1024, $10, $11, $12,
			$13 / 1024, $14 / 1024 }' "$pcsv"
	echo "(stack: P_grad_domain of the 256 points, gcc -fstack-usage at -O2)"
	echo
fi
echo "growth with the model: generated C, cnetc time, cc -O2 time"
awk -F, 'NR > 1 {
	if (NR == 2) printf "%-6s %5s %8s %8s %9s %8s\n", "series", "size", "params",
		"C KiB", "cnetc ms", "cc -O2 s"
	printf "%-6s %5d %8d %8.1f %9s %8s\n", $1, $2, $3, $4 / 1024, $5, $6 }' "$scsv"
echo "(depth: 16 -> 64 x D -> 4; width: 2 -> H -> H -> 2; layers of more than 64"
echo "weights are loops, so their code does not grow with their size)"
echo
echo "all numbers: $csv, $pcsv, $scsv"
