#!/bin/sh
# keep-cc.sh - a $CC for `cnetc run` (which takes several words, e.g.
# "ccache gcc") that builds with $KEEP_CC and keeps a copy of the program it
# links as $KEEP_PROG, so a script can run the trained model's predict
# without building it again (each build takes cc 4-8 s on the project's VM).
# The configuration probes (-o .../probe) are not kept.
${KEEP_CC:-cc} "$@" || exit
out= prev=
for a in "$@"; do
	[ "$prev" = -o ] && out=$a
	prev=$a
done
case $out in
'' | */probe) ;;
*) cp "$out" "$KEEP_PROG" || true ;;   # without it, the script builds again
esac
