#!/bin/sh
# filter.sh ast|ir < cnetc's stdout: the dump alone (see check.sh), for check.sh and regen.sh.
case $1 in
ast) awk 'NR == 1 && $0 != "program" { exit 1 } NR > 1 && !/^  / { exit } { print }' ;;
ir) grep -E '^(%[0-9]+\[[0-9]+\] = |        [A-Z]|# )' ;;
*) echo "filter.sh: unknown dump '$1'" >&2; exit 2 ;;
esac
