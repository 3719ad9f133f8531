#!/bin/sh
# zig's C compiler from PyPI (the ziglang package: zig with the headers and
# symbol stubs of every glibc version), installed once per machine into a
# venv of its own, ${XDG_CACHE_HOME:-~/.cache}/ddbxo/zig-<version>/.
#   sh scripts/zig.sh                 prints the zig command's venv python
#   sh scripts/zig.sh cc TARGET       prints a one-word C compiler for
#                                     TARGET (e.g. x86_64-linux-gnu.2.17)
# Idempotent.  The Python wheel's libddbxo.so is built with it
# (mk/python.mk): `-target x86_64-linux-gnu.2.17` links against glibc 2.17's
# symbols only, whatever the build machine's glibc.
set -eu
ZIG_VERSION=${ZIG_VERSION:-0.17.0}
venv="${XDG_CACHE_HOME:-$HOME/.cache}/ddbxo/zig-$ZIG_VERSION"
if [ ! -f "$venv/.complete" ]; then
    echo "zig: installing ziglang $ZIG_VERSION (PyPI) into $venv" >&2
    rm -rf "$venv"; mkdir -p "$(dirname "$venv")"
    ${PYTHON:-python3} -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check "ziglang==$ZIG_VERSION" >&2
    touch "$venv/.complete"
fi
[ "${1:-}" = cc ] || { echo "$venv/bin/python"; exit 0; }
target=${2:?usage: zig.sh cc TARGET}
w="$venv/bin/cc-$target"
if [ ! -x "$w" ]; then
    # No UBSan traps: zig cc turns them on for unoptimised builds, and the
    # configure scripts' probes are compiled that way.
    printf '#!/bin/sh\nexec "%s" -m ziglang cc -target %s -fno-sanitize=undefined "$@"\n' \
        "$venv/bin/python" "$target" > "$w.tmp"
    chmod 755 "$w.tmp"; mv "$w.tmp" "$w"
fi
echo "$w"
