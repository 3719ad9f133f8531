#!/bin/sh
# Prints the path of the bench's Python (a venv with the pinned boto3 of
# bench/py/requirements.txt), making it once per machine under
# ~/.cache/ddbxo/bench-venv-<python>-<hash of the pins>.
set -eu
req=$(dirname "$0")/../py/requirements.txt
py=${PYTHON:-python3}
ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
sum=$(sha256sum "$req" | cut -c1-12)
dir="${XDG_CACHE_HOME:-$HOME/.cache}/ddbxo/bench-venv-py$ver-$sum"
if [ ! -f "$dir/.complete" ]; then
    echo "bench: making $dir" >&2
    rm -rf "$dir"
    "$py" -m venv "$dir" >&2
    "$dir/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
    touch "$dir/.complete"
fi
echo "$dir/bin/python"
