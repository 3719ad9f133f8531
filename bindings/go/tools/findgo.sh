#!/bin/sh
# Prints the path of a Go toolchain that can build the binding (>= 1.21,
# which fetches the go.mod's toolchain itself when it is older): $GO,
# /usr/local/go, go on PATH, else the pinned release from the Go module
# proxy (golang.org/toolchain is a module) cached in
# ~/.cache/ddbxo/go-<version>, so a fresh machine downloads it once.
set -eu
PIN=1.24.13

usable() {
    v=$("$1" env GOVERSION 2>/dev/null) || return 1
    v=${v#go}; major=${v%%.*}; rest=${v#*.}; minor=${rest%%.*}
    [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 21 ]; }
}

# DDBXO_GO_FETCH=1 skips the local toolchains (to test the fetch).
[ "${DDBXO_GO_FETCH:-}" = 1 ] && set -- || set -- "${GO:-}" /usr/local/go/bin/go "$(command -v go 2>/dev/null || true)"
for g in "$@"; do
    if [ -n "$g" ] && [ -x "$g" ] && usable "$g"; then
        echo "$g"; exit 0
    fi
done

case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) echo "findgo: no Go toolchain for $(uname -m)" >&2; exit 1 ;;
esac
dir="${XDG_CACHE_HOME:-$HOME/.cache}/ddbxo/go-$PIN"
if [ ! -x "$dir/bin/go" ] || [ ! -f "$dir/.complete" ]; then
    mod="golang.org/toolchain@v0.0.1-go$PIN.linux-$arch"
    url="${GOPROXY_URL:-https://proxy.golang.org}/golang.org/toolchain/@v/v0.0.1-go$PIN.linux-$arch.zip"
    echo "findgo: fetching Go $PIN from the module proxy" >&2
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    curl -fsSL -o "$tmp/go.zip" "$url"
    (cd "$tmp" && unzip -q go.zip)
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    mv "$tmp/$mod" "$dir"
    touch "$dir/.complete"
fi
echo "$dir/bin/go"
