#!/bin/sh
# PyTorch parity for one case of tests/reference/cases/ (SPEC.md section 8 --log format).
# usage: parity.sh CNETC COMPARE CASE_DIR
# Trains CASE_DIR/model.cnet through `CNETC run` from CASE_DIR/init.txt on CASE_DIR/data.csv
# (if the case has one: a model whose losses and constraints are all over domains has none)
# with each CASE_DIR/domain_NAME.csv passed as `--domain NAME=FILE` (SPEC 10), for as many
# epochs as CASE_DIR/expected.csv has rows, in a temporary directory, and compares the log
# with COMPARE (tests/reference/compare.c). CASE_DIR/args.txt, if present, holds more program
# arguments (SPEC 14: --val, --early-stop, --lr), whitespace-separated, @DIR@ standing for
# CASE_DIR. With CASE_DIR/expected_predict.csv the trained parameters (--params-out: with
# --early-stop the kept ones) also go through `predict` on data.csv and are compared with it.
# Exit 0 on a match.
set -u
if [ $# -ne 3 ]; then
    echo "usage: parity.sh CNETC COMPARE CASE_DIR" >&2
    exit 2
fi
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$(pwd)" "$1" ;; esac; }
cnetc=$(abspath "$1")
compare=$(abspath "$2")
dir=$(abspath "$3")
name=$(basename "$dir")
for f in model.cnet init.txt expected.csv; do
    if [ ! -f "$dir/$f" ]; then
        echo "$name: missing $dir/$f" >&2
        exit 2
    fi
done
epochs=$(($(wc -l < "$dir/expected.csv") - 1))
# The program's arguments: --data if the case has data, then one --domain per domain file.
set -- --params-in "$dir/init.txt" --epochs "$epochs" --quiet
if [ -f "$dir/data.csv" ]; then
    set -- --data "$dir/data.csv" "$@"
fi
ndomains=0
for f in "$dir"/domain_*.csv; do
    [ -f "$f" ] || continue
    d=$(basename "$f" .csv)
    set -- "$@" --domain "${d#domain_}=$f"
    ndomains=$((ndomains + 1))
done
if [ -f "$dir/args.txt" ]; then
    for a in $(sed "s|@DIR@|$dir|g" "$dir/args.txt"); do
        set -- "$@" "$a"
    done
fi
predict=
if [ -f "$dir/expected_predict.csv" ]; then
    predict=yes
fi
if [ ! -f "$dir/data.csv" ] && [ $ndomains -eq 0 ]; then
    echo "$name: missing $dir/data.csv (and no domain_*.csv)" >&2
    exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/cnet-parity.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT HUP INT TERM
if [ -n "$predict" ]; then
    set -- "$@" --params-out "$work/params.txt"
fi
if ! (cd "$work" && "$cnetc" run "$dir/model.cnet" -- "$@" --log "$work/got.csv") \
        > "$work/run.out" 2>&1; then
    echo "$name: cnetc run failed:"
    tail -n 20 "$work/run.out"
    exit 1
fi
if [ ! -f "$work/got.csv" ]; then
    echo "$name: no log written"
    tail -n 20 "$work/run.out"
    exit 1
fi
printf '%s: ' "$name"
"$compare" "$dir/expected.csv" "$work/got.csv"
status=$?
if [ $status -ne 0 ]; then
    echo "$name: expected $dir/expected.csv, got:"
    head -n 3 "$work/got.csv"
    exit $status
fi
if [ -n "$predict" ]; then
    if ! (cd "$work" && "$cnetc" run "$dir/model.cnet" -- predict --params-in \
            "$work/params.txt" --data "$dir/data.csv") > "$work/predict.csv" 2> "$work/run.out"; then
        echo "$name: predict failed:"
        tail -n 20 "$work/run.out"
        exit 1
    fi
    printf '%s (predict, kept parameters): ' "$name"
    "$compare" "$dir/expected_predict.csv" "$work/predict.csv"
    status=$?
fi
exit $status
