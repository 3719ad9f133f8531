#!/bin/sh
# The go-install suite of `make test`: docs/go.md's "installed library" way,
# word for word, outside this tree's build directory:
#   make install PREFIX=<tmp>/prefix
#   export PKG_CONFIG_PATH=<tmp>/prefix/lib/pkgconfig
#   CGO_LDFLAGS=-Wl,-rpath,<tmp>/prefix/lib   (the loader must find libddbxo.so)
#   go test ./...           in a copy of bindings/go (no include/, no build/)
#   go build                in a copy of examples/go-lambda
# The copies have no tree around them, so the default build (#cgo
# pkg-config: ddbxo) is the only way they can find the library.  Appends
# "go-install: N passed, N failed" to RESULTS (each go test function one).
# usage: install-test.sh RESULTS VENV   (from the repository root)
set -u
results=$1; venv=$2
root=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddbxo-goinst-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "go-install ok    $1"; }
bad() { fail=$((fail + 1)); echo "go-install FAIL  $1"; }
finish() { echo "go-install: $pass passed, $fail failed" >> "$results"; [ "$fail" -eq 0 ]; exit $?; }

GO=$(sh "$root/bindings/go/tools/findgo.sh") || { bad "no Go toolchain"; finish; }
export CGO_ENABLED=1 GOFLAGS=-buildvcs=false GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
prefix="$tmp/prefix"
if make --no-print-directory -s install PREFIX="$prefix" >"$tmp/install.log" 2>&1; then
    ok "make install PREFIX=$prefix"
else
    tail -20 "$tmp/install.log"; bad "make install"; finish
fi
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
export CGO_LDFLAGS="-Wl,-rpath,$prefix/lib"
unset LD_LIBRARY_PATH DDBXO_LIBRARY

# The modules as a user has them: the binding, the example beside it (its
# go.mod replaces the binding with ../../bindings/go), the test vectors and
# tests/data (DDBXO_TESTDATA, when set, still overrides it).
src="$tmp/src"
mkdir -p "$src/bindings" "$src/examples" "$src/tests"
cp -r "$root/bindings/go" "$src/bindings/"
cp -r "$root/examples/go-lambda" "$src/examples/"
cp -r "$root/tests/vectors" "$src/tests/"
cp -r "$root/tests/data" "$src/tests/"

log="$tmp/go-test.log"
(cd "$src/bindings/go" && VENV="$venv" \
    "$GO" test -count=1 -v -timeout 300s ./... >"$log" 2>&1)
rc=$?
p=$(grep -cE '^--- PASS' "$log"); f=$(grep -cE '^--- FAIL' "$log")
pass=$((pass + p)); fail=$((fail + f))
if [ $rc -ne 0 ]; then
    [ "$f" -gt 0 ] || fail=$((fail + 1))
    grep -vE '^(=== (RUN|PAUSE|CONT)|    --- PASS|--- PASS)' "$log" | tail -40
fi
echo "go-install go test ./... against the installed library: $p passed, $f failed"

boot="$tmp/bootstrap"
if (cd "$src/examples/go-lambda" && "$GO" build -trimpath -tags lambda.norpc -o "$boot" . \
        >"$tmp/build.log" 2>&1); then
    lib=$(ldd "$boot" | sed -n 's/.*libddbxo\.so\.0 => \([^ ]*\).*/\1/p')
    if [ "$lib" = "$prefix/lib/libddbxo.so.0" ]; then
        ok "examples/go-lambda built against the installed library (libddbxo.so.0 => $lib)"
    else
        bad "examples/go-lambda links libddbxo.so.0 => '${lib:-not found}', not $prefix/lib"
    fi
else
    tail -20 "$tmp/build.log"; bad "go build examples/go-lambda"
fi
finish
