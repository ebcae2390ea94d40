#!/bin/sh
# Random valid-looking models through cnetc, gcc, clang and two training
# steps (issue 17):
#
#   tests/gen/run.sh [N [SEED [MODEL.cnet...]]]   # default: 300 models, seed 1
#
# MODEL.cnet files given after SEED (the regression models of
# tests/gen/regress/) join the generated ones, each three times: float
# unrolled (--unroll-max 64), float looped (--unroll-max 0), double looped,
# with the cnetc flags of a line "// flags: ..." in the model added.
#
# tests/gen/gen.c writes N models from SEED.  Each goes through `cnetc
# compile` (which checks it first) with the flags gen.c chose for it
# (precision, --unroll-max, --lanes).  A model the checker refuses must be
# refused cleanly: exit 1 and a FILE:LINE:COL: error line, never a crash or
# another status.  Every accepted model's C must compile with -std=c99 -Wall
# -Wextra -pedantic -Werror under gcc and under clang (at -O0: the front
# ends' warnings; the werror suite covers -O2/-O3 on the shipped models),
# and its program must train two epochs (`train --epochs 2 --batch 0`: two
# full-batch optimizer steps, with every domain's batches) and exit 0.
#
# The accepted models are compiled together, BATCH per translation unit
# (distinct --prefix each, `real` renamed per model), so a few hundred
# models cost one compiler run per compiler and batch; a batch that fails is
# compiled model by model to name the culprits.
#
# Environment: CNETC, CNET_GEN (the generator), CNETRT_DIR (runtime
# headers), CNETRT_LIB (libcnetrt.a), CNET_LINK_CC and CNETRT_LDFLAGS (the
# compiler that links and its flags, e.g. -fopenmp -fsanitize=...), BATCH
# (models per unit, default 150), KEEP=1 keeps the work directory.  Run from
# the source tree they default to ./build.
set -eu
n=${1:-300}
seed=${2:-1}
if [ $# -ge 2 ]; then shift 2; else shift $#; fi
here=$(cd "$(dirname "$0")/../.." && pwd)
cnetc=${CNETC:-$here/build/compiler/cnetc}
gen=${CNET_GEN:-$here/build/tests/gen/cnet-gen}
rtdir=${CNETRT_DIR:-$here/runtime}
rtlib=${CNETRT_LIB:-$here/build/runtime/libcnetrt.a}
ldflags=${CNETRT_LDFLAGS-}
if [ -z "${CNETRT_LDFLAGS+set}" ] && nm "$rtlib" 2>/dev/null | grep -q ' U omp_'; then
	ldflags=-fopenmp
fi
batch=${BATCH:-150}
work=$(mktemp -d)
if [ "${KEEP:-0}" = 1 ]; then
	echo "work directory: $work"
else
	trap 'rm -rf "$work"' EXIT
fi
ccs=""
for cc in gcc clang; do
	command -v "$cc" >/dev/null 2>&1 && ccs="$ccs $cc"
done
[ -n "$ccs" ] || { echo "no C compiler"; exit 1; }

"$gen" "$work" "$seed" "$n" >"$work/list"
nreg=0
for model in "$@"; do
	nreg=$((nreg + 1))
	# a line "// flags: ..." in the model adds cnetc flags to every variant
	extra=$(sed -n 's|^// flags: ||p' "$model" | head -n 1)
	for v in "a --unroll-max 64" "b --unroll-max 0" "c --unroll-max 0 --precision double"; do
		name=r${nreg}${v%% *}
		cp "$model" "$work/$name.cnet"
		echo "$name ${v#* } $extra" >>"$work/list"
	done
done
fail=0 accepted=0 refused=0 warned=0
: >"$work/ok"
while read -r name flags; do
	# shellcheck disable=SC2086
	if "$cnetc" compile "$work/$name.cnet" -o "$work/$name.c" --prefix "$name" $flags \
		2>"$work/$name.err"; then
		accepted=$((accepted + 1))
		echo "$name" >>"$work/ok"
		grep -q ': warning: ' "$work/$name.err" && warned=$((warned + 1))
	else
		rc=$?
		if [ "$rc" != 1 ] || ! grep -q "^$work/$name.cnet:[0-9]*:[0-9]*: error: " "$work/$name.err"; then
			echo "FAIL: cnetc exit $rc without a clean error on $name ($flags):"
			head -n 5 "$work/$name.err"
			cp "$work/$name.cnet" "/tmp/cnet-gen-$name.cnet" 2>/dev/null || true
			fail=$((fail + 1))
		fi
		refused=$((refused + 1))
		case $name in
		r*)
			echo "FAIL: regression model $name refused:"
			head -n 3 "$work/$name.err"
			fail=$((fail + 1))
			;;
		esac
	fi
done <"$work/list"

# The batches: one translation unit and one driver per BATCH models.
split -l "$batch" "$work/ok" "$work/batch."
built=0 trained=0
for b in "$work"/batch.*; do
	[ -s "$b" ] || continue
	u=$b.c
	{
		echo '#include <math.h>'
		echo '#include <stdio.h>'
		echo '#include <string.h>'
		echo '#include <stdint.h>'
		echo '#include "cnetrt.h"'
		while read -r name; do
			echo "#define real ${name}_rt"
			echo "#include \"$name.c\""
			echo "#undef real"
		done <"$b"
		echo 'static const struct { const char *name; void (*describe)(cn_model_desc *); } models[] = {'
		while read -r name; do
			echo "	{\"$name\", ${name}_describe},"
		done <"$b"
		echo '};'
		cat <<'DRIVER'
int main(void)
{
	int bad = 0;
	for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
		char *argv[] = {(char *)models[k].name, "train", "--epochs", "2", "--batch", "0",
				"--quiet", NULL};
		cn_model_desc d;
		models[k].describe(&d);
		int rc = cn_main(7, argv, &d);
		printf("trained %s %d\n", models[k].name, rc);
		fflush(stdout);
		bad += rc != 0;
	}
	return bad != 0;
}
DRIVER
	} >"$u"
	# Both compilers at once (two cores).  gcc stops after its middle end
	# (-flto -fno-fat-lto-objects: no machine code, a third of the time of
	# -O0 -c), which still gives every warning -O0 gives, -Wunused-function
	# included (-fsyntax-only would miss that one); clang compiles the
	# object that is linked and run.
	ok=1 pids=""
	for cc in $ccs; do
		case $cc in
		gcc) [ "${ccs% clang}" != "$ccs" ] && mode="-flto -fno-fat-lto-objects" || mode="" ;;
		*) mode="" ;;
		esac
		# shellcheck disable=SC2086
		"$cc" -std=c99 -O0 $mode -Wall -Wextra -pedantic -Werror -I"$rtdir" -I"$work" \
			-c "$u" -o "$u.$cc.o" 2>"$u.$cc.err" &
		pids="$pids $!"
	done
	i=0
	for pid in $pids; do
		i=$((i + 1))
		wait "$pid" && continue
		ok=0
		# shellcheck disable=SC2086 # (unquoted: drops the leading blank)
		cc=$(echo $ccs | cut -d' ' -f$i)
		case $cc in
		gcc) [ "${ccs% clang}" != "$ccs" ] && mode="-flto -fno-fat-lto-objects" || mode="" ;;
		*) mode="" ;;
		esac
		# name the models whose C does not build
		while read -r name; do
			printf '#include <math.h>\n#include <stdio.h>\n#include <string.h>\n#include <stdint.h>\n#include "cnetrt.h"\n#include "%s.c"\n' \
				"$name" >"$work/one.c"
			# shellcheck disable=SC2086
			if ! "$cc" -std=c99 -O0 $mode -Wall -Wextra -pedantic -Werror -I"$rtdir" -I"$work" \
				-c "$work/one.c" -o "$work/one.o" 2>"$work/one.err"; then
				echo "FAIL: $cc on $name ($(grep "^$name " "$work/list" | cut -d' ' -f2-)):"
				grep -m 3 'error' "$work/one.err" || head -n 3 "$work/one.err"
				cp "$work/$name.cnet" "/tmp/cnet-gen-$name.cnet" 2>/dev/null || true
				fail=$((fail + 1))
			fi
		done <"$b"
	done
	[ "$ok" = 1 ] || continue
	built=$((built + $(wc -l <"$b")))
	# the last compiler's object (clang's when there is clang) is run,
	# linked by the compiler that built the runtime (CNET_LINK_CC)
	cc1=${ccs##* }
	# shellcheck disable=SC2086
	if ! "${CNET_LINK_CC:-$cc1}" "$u.$cc1.o" "$rtlib" $ldflags -lm -o "$u.exe" 2>"$u.link.err"; then
		echo "FAIL: cannot link the models of $(basename "$b"):"
		head -n 5 "$u.link.err"
		fail=$((fail + 1))
		continue
	fi
	if (cd "$work" && "$u.exe" >"$u.out" 2>"$u.train.err"); then
		:
	fi
	while read -r _ name rc; do
		if [ "$rc" = 0 ]; then
			trained=$((trained + 1))
		else
			echo "FAIL: $name does not train two steps (exit $rc):"
			grep -m 3 "^$name" "$u.train.err" || true
			cp "$work/$name.cnet" "/tmp/cnet-gen-$name.cnet" 2>/dev/null || true
			fail=$((fail + 1))
		fi
	done <<EOF
$(grep '^trained ' "$u.out")
EOF
done
[ "$nreg" = 0 ] || echo "regression models: $nreg, each in 3 variants, among the accepted below"
echo "seed $seed: $n models generated, $accepted accepted ($warned with a warning)," \
	"$refused refused cleanly; $built built by$ccs without a warning, $trained trained two steps"
[ "$fail" = 0 ] || { echo "$fail failures (models copied to /tmp/cnet-gen-*.cnet)"; exit 1; }
[ "$trained" = "$accepted" ] || { echo "only $trained of $accepted accepted models trained"; exit 1; }
