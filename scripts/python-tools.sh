#!/bin/sh
# The packaging tools of the Python distribution checks (auditwheel, build,
# awslambdaric: scripts/python-tools.txt), installed from PyPI once per
# machine into a venv of their own,
#   ${XDG_CACHE_HOME:-~/.cache}/ddbxo/pytools-py<ver>-<hash of the pins>/,
# and prints its directory.  Idempotent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
req="$here/python-tools.txt"
PY=${PYTHON:-python3}
pyver=$($PY -c 'import sys; print("%d.%d" % sys.version_info[:2])')
hash=$(sha256sum < "$req" | cut -c1-12)
venv="${XDG_CACHE_HOME:-$HOME/.cache}/ddbxo/pytools-py$pyver-$hash"
if [ ! -f "$venv/.complete" ]; then
    echo "python-tools: installing $(grep -v '^#' "$req" | tr '\n' ' ')into $venv" >&2
    rm -rf "$venv"; mkdir -p "$(dirname "$venv")"
    $PY -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
    touch "$venv/.complete"
fi
echo "$venv"
