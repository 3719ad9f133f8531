#!/bin/sh
# Idempotent set-up for a fresh Debian machine: the packages the build and
# tests need, and a cached Python venv (moto server, boto3, pytest).
# Called by the Makefile; safe to run any number of times.
set -eu

PKGS="gcc make pkg-config libcurl4-openssl-dev libjansson-dev libssl-dev check
      clang libclang-rt-14-dev valgrind zip curl ca-certificates openssl"
# What `pkg-config --static --libs libcurl` names on Debian (libcurl's own
# Libs.private), so a consumer can link libddbxo.a with `pkg-config --static`
# (install-test); Debian's libcurl4-openssl-dev only suggests them.
PKGS="$PKGS libnghttp2-dev librtmp-dev libssh2-1-dev libpsl-dev libkrb5-dev
      libldap-dev libzstd-dev libbrotli-dev libidn2-dev zlib1g-dev"

sh "$(dirname "$0")/debpkgs.sh" setup $PKGS

# The venv lives outside the checkout, keyed by the requirements' hash, so a
# fresh clone on the same machine reuses it and a change of pins builds anew.
here=$(cd "$(dirname "$0")" && pwd)
req="$here/requirements-test.txt"
PY=${PYTHON:-python3}
pyver=$($PY -c 'import sys; print("%d.%d" % sys.version_info[:2])')
hash=$(cat "$req" | sha256sum | cut -c1-12)
venv="${XDG_CACHE_HOME:-$HOME/.cache}/ddbxo/venv-py$pyver-$hash"
if [ ! -x "$venv/bin/moto_server" ] || [ ! -f "$venv/.complete" ]; then
    echo "setup: creating Python venv $venv" >&2
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    if ! $PY -m venv "$venv" >&2; then
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >&2
        $PY -m venv "$venv" >&2
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
    touch "$venv/.complete"
fi

mkdir -p build
printf 'VENV := %s\n' "$venv" > build/env.mk.tmp
mv build/env.mk.tmp build/env.mk
