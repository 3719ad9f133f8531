#!/bin/sh
# `make python-lambda-test`: examples/python-lambda under the real Lambda
# runtime interface emulator and awslambdaric, with the layer and moto
# (test_python_lambda.py).  Appends "python-lambda: N passed, N failed" to
# RESULTS; skipped tests count as failed.
# usage: sh examples/python-lambda/test/run.sh RESULTS PROJECT_VENV TOOLS_VENV RIE CFN_LINT LAYER_ZIP
set -u
results=$1; projvenv=$2; tools=$3; rie=$4; cfn=$5; layer=$6
root=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddbxo-pylambda-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "python-lambda-test: $*"; echo "python-lambda: 0 passed, 1 failed" >> "$results"; exit 1; }
[ -f "$layer" ] || fail "no layer at $layer (make python-layer)"

env -u DDBXO_LIBRARY -u LD_LIBRARY_PATH -u PYTHONPATH \
    LAMBDA_RIE="$rie" RIC_PYTHON="$tools/bin/python" LAYER_ZIP="$root/$layer" CFN_LINT="$cfn" \
    DDBXO_MOTO_SERVER="$projvenv/bin/moto_server" \
    "$projvenv/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$tmp/junit.xml" \
    examples/python-lambda/test >"$tmp/out" 2>&1
rc=$?
[ -f "$tmp/junit.xml" ] || { tail -60 "$tmp/out"; fail "pytest wrote no report (exit $rc)"; }
set -- $("$projvenv/bin/python" - "$tmp/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get(k, 0)) for s in suites for k in ("failures", "errors", "skipped"))
print(t - bad, bad)
PY
)
pass=${1:-0}; failed=${2:-1}
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
[ "$failed" -eq 0 ] || tail -80 "$tmp/out"
echo "python-lambda $(tail -1 "$tmp/out")"
echo "python-lambda: $pass passed, $failed failed" >> "$results"
[ "$failed" -eq 0 ]
