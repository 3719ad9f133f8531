#!/bin/sh
# Builds the AWS Lambda Runtime Interface Emulator from the Go module proxy,
# once per machine, into ${XDG_CACHE_HOME:-~/.cache}/ddbxo/rie-<version>/,
# and prints the binary's path.  Idempotent.
set -eu
# The project's release tags ("v1.30") are not semantic versions, so the
# module proxy knows only pseudo-versions; this one is the newest it served
# (2026-10-30).  Needs Go >= 1.25.
RIE_VERSION=${RIE_VERSION:-v0.0.0-20261030222936-bef5c4ba774d}
cache="${XDG_CACHE_HOME:-$HOME/.cache}/ddbxo"
dir="$cache/rie-$RIE_VERSION"
bin="$dir/bin/aws-lambda-rie"
if [ -x "$bin" ] && [ -f "$dir/.complete" ]; then echo "$bin"; exit 0; fi

GO=${GO:-}
if [ -z "$GO" ]; then
    if command -v go >/dev/null 2>&1; then GO=go; elif [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go
    else echo "lambda-rie: no Go toolchain (need Go >= 1.25)" >&2; exit 1; fi
fi
echo "lambda-rie: building aws-lambda-rie@$RIE_VERSION into $dir" >&2
rm -rf "$dir"; mkdir -p "$dir"
# A module and build cache of its own keeps the machine's GOPATH clean.
GOBIN="$dir/bin" GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" CGO_ENABLED=0 GOFLAGS=-mod=mod \
    "$GO" install "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$RIE_VERSION" >&2
touch "$dir/.complete"
echo "$bin"
