#!/bin/sh
# usage: sh scripts/debpkgs.sh WHO PACKAGE...
# Installs the Debian packages that are missing (idempotent: nothing runs
# when all are there); WHO names the caller in the one line it prints.
# Shared by scripts/setup.sh, scripts/lambda-static.sh and the bench.
set -eu
who=$1
shift
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "$who: installing Debian packages:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
