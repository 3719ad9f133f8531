#!/bin/sh
# Prints every suite's line and the total as the closing line of `make test`.
# usage: summary.sh RESULTS SUITE...   (a suite that wrote no line failed)
set -eu
f=$1; shift
touch "$f"
cat "$f"
missing=0
for s in "$@"; do
    label=${s%-test}
    grep -q "^$label: " "$f" || { echo "$label: no result (build or runner failed)"; missing=$((missing + 1)); }
done
p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$f" | awk '{s+=$1} END {print s+0}')
x=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$f" | awk '{s+=$1} END {print s+0}')
x=$((x + missing))
echo "$p passed, $x failed"
[ "$x" -eq 0 ]
