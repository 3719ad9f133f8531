#!/bin/sh
# Runs Check test binaries, prints each one's result and appends
# "<label>: N passed, N failed" to the results file.
# usage: run-check.sh LABEL RESULTS [--valgrind] BIN...
set -u
label=$1; results=$2; shift 2
wrap=""
if [ "${1:-}" = "--valgrind" ]; then
    wrap="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --track-fds=no"
    shift
    export CK_FORK=no
fi
pass=0; fail=0; bad=""
for bin in "$@"; do
    out=$($wrap "$bin" 2>&1); rc=$?
    # Check prints "Running suite(s):" without a newline when no suite
    # matched (CK_RUN_SUITE/CK_RUN_CASE), so the line is not anchored.
    line=$(printf '%s\n' "$out" | grep -oE '[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' | tail -1)
    n=$(printf '%s' "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
    f=$(printf '%s' "$line" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p')
    e=$(printf '%s' "$line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
    why=""
    if [ -z "$n" ]; then n=1; f=1; e=0; why="no result line (exit $rc)"; fi
    # A binary that ran no check proved nothing (a CK_RUN_CASE that names
    # no case, an empty suite): that is a failure, not a pass.
    if [ "$n" -eq 0 ]; then n=1; f=1; e=0; why="ran 0 checks: counted as a failure"; fi
    ok=$((n - f - e))
    if [ $rc -ne 0 ] && [ $((f + e)) -eq 0 ]; then ok=$((ok - 1)); f=$((f + 1)); fi
    pass=$((pass + ok)); fail=$((fail + f + e))
    if [ $rc -ne 0 ] || [ $((f + e)) -ne 0 ]; then
        bad="$bad $(basename "$bin")"
        [ $rc -eq 0 ] || printf '%s\n' "$out" | grep -vE '^Running suite' | tail -60
    fi
    printf '%-6s %-28s %s\n' "$label" "$(basename "$bin")" "${line:-no result line}${why:+ -- $why}"
done
echo "$label: $pass passed, $fail failed" >> "$results"
[ -z "$bad" ] || { echo "$label: FAILED:$bad"; exit 1; }
