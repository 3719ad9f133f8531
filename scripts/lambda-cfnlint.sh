#!/bin/sh
# Installs cfn-lint (PyPI) into a venv of its own, once per machine, under
# ${XDG_CACHE_HOME:-~/.cache}/ddbxo/cfnlint-<version>/, and prints the
# path of the cfn-lint executable.  Idempotent.
set -eu
CFNLINT_VERSION=${CFNLINT_VERSION:-1.58.0}
venv="${XDG_CACHE_HOME:-$HOME/.cache}/ddbxo/cfnlint-$CFNLINT_VERSION"
if [ ! -x "$venv/bin/cfn-lint" ] || [ ! -f "$venv/.complete" ]; then
    echo "lambda-cfnlint: installing cfn-lint $CFNLINT_VERSION into $venv" >&2
    rm -rf "$venv"; mkdir -p "$(dirname "$venv")"
    ${PYTHON:-python3} -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check "cfn-lint==$CFNLINT_VERSION" >&2
    touch "$venv/.complete"
fi
echo "$venv/bin/cfn-lint"
