#!/bin/sh
# The bench's own Debian packages, installed once (idempotent, like
# scripts/setup.sh): valgrind for the callgrind rows, and simdjson for the
# anchor row (bench/c/bench_simdjson.cpp; bench-only, never linked into
# the library).
set -eu
PKGS="valgrind libsimdjson-dev g++"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    echo "bench: installing Debian packages:$missing" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
fi
