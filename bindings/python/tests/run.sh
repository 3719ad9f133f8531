#!/bin/sh
# `make python-test`: installs the binding with `pip install ./bindings/python`
# into a fresh virtual environment (with the pinned pytest and boto3), with
# DDBXO_PREBUILT_LIBRARY=build/libddbxo.so so that the package carries the
# library `make` built (python-dist-test covers the compile from source),
# runs its pytest suite there against that library and a moto server from
# the project's test venv, and appends "python: N passed, N failed" to the
# results file.  Skipped tests count as failed.
# usage: sh bindings/python/tests/run.sh RESULTS PROJECT_VENV   (from the repo root)
set -u
results=$1; projvenv=$2
root=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddbxo-python-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "python-test: $*"; echo "python: 0 passed, 1 failed" >> "$results"; exit 1; }

PY=${PYTHON:-python3}
$PY -m venv "$tmp/venv" >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "python3 -m venv failed"; }
# The same pins as the project's test venv (cached wheels make this quick).
pins=$(grep -E '^(boto3|botocore|pytest)==' scripts/requirements-test.txt)
DDBXO_PREBUILT_LIBRARY="$root/build/libddbxo.so" \
"$tmp/venv/bin/pip" install -q --disable-pip-version-check ./bindings/python $pins \
    >"$tmp/log" 2>&1 || { tail -40 "$tmp/log"; fail "pip install ./bindings/python failed"; }
# pip builds in the source tree; leave it as it was.
rm -rf bindings/python/build bindings/python/src/ddbxo.egg-info

cd bindings/python
env -u DDBXO_LIBRARY -u LD_LIBRARY_PATH DDBXO_REPO="$root" \
DDBXO_MOTO_SERVER="$projvenv/bin/moto_server" \
    "$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$tmp/junit.xml" tests \
    >"$tmp/out" 2>&1
rc=$?
cd "$root"
[ -f "$tmp/junit.xml" ] || { tail -60 "$tmp/out"; fail "pytest wrote no report (exit $rc)"; }
counts=$("$tmp/venv/bin/python" - "$tmp/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get(k, 0)) for s in suites for k in ("failures", "errors", "skipped"))
print(t - bad, bad)
PY
) || fail "cannot read the pytest report"
set -- $counts
pass=$1; failed=$2
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
[ "$failed" -eq 0 ] || tail -80 "$tmp/out"
echo "python $(tail -1 "$tmp/out")"
echo "python: $pass passed, $failed failed" >> "$results"
[ "$failed" -eq 0 ]
