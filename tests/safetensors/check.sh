#!/bin/sh
# safetensors from PyTorch into cnet (SPEC 13), one fixture case.
# usage: check.sh CNETC CASE_DIR
# CASE_DIR holds model.cnet, params.safetensors (a torch module's state_dict,
# written by make_fixtures.py), inputs.csv and expected.csv (the module's
# outputs).  `CNETC run` (double precision when the file is F64) predicts
# with --params-in params.safetensors; every output must be the module's
# within 1e-6 (float) or 1e-13 (double) of 1 + |expected|.  Then the program
# must refuse the file cut short: exit 2, one line naming the file.
set -u
if [ $# -ne 2 ]; then
    echo "usage: check.sh CNETC CASE_DIR" >&2
    exit 2
fi
cnetc=$1
dir=$2
name=$(basename "$dir")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/cache"
if grep -q '"F64"' "$dir/params.safetensors"; then
    prec="--precision double" tol=1e-13
else
    prec="" tol=1e-6
fi
# shellcheck disable=SC2086
if ! "$cnetc" run "$dir/model.cnet" $prec -- predict --params-in "$dir/params.safetensors" \
    --data "$dir/inputs.csv" >"$tmp/got.csv"; then
    echo "$name: predict failed" >&2
    exit 1
fi
# the largest |got - expected| / (1 + |expected|) over every value
awk -F, -v tol="$tol" -v name="$name" '
    NR == FNR { if (FNR == 1) head = $0; for (i = 1; i <= NF; i++) want[FNR, i] = $i
                rows = FNR; cols = NF; next }
    FNR == 1 { if ($0 != head) { print name ": header " $0 ", expected " head; bad = 1 } next }
    {
        if (NF != cols) { print name ": row " FNR " has " NF " fields"; bad = 1 }
        for (i = 1; i <= NF; i++) {
            d = $i - want[FNR, i]; if (d < 0) d = -d
            w = want[FNR, i]; if (w < 0) w = -w
            e = d / (1 + w); if (e > worst) worst = e
        }
        got = FNR
    }
    END {
        if (got != rows) { print name ": " got " rows, expected " rows; bad = 1 }
        printf "%s: %d predictions, largest difference from PyTorch %.3g (tolerance %s)\n",
            name, got - 1, worst, tol
        exit (bad || worst > tol) ? 1 : 0
    }' "$dir/expected.csv" "$tmp/got.csv" || exit 1
# a file cut short is refused with one line and exit 2
size=$(wc -c <"$dir/params.safetensors")
head -c $((size - 3)) "$dir/params.safetensors" >"$tmp/cut.safetensors"
# shellcheck disable=SC2086
"$cnetc" run "$dir/model.cnet" $prec -- predict --params-in "$tmp/cut.safetensors" \
    --data "$dir/inputs.csv" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] ||
    ! grep -q "cut.safetensors: truncated data" "$tmp/err"; then
    echo "$name: a cut file gave exit $rc and:" >&2
    cat "$tmp/err" >&2
    exit 1
fi
echo "$name: refused a cut file: $(cat "$tmp/err")"
