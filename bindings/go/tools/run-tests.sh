#!/bin/sh
# The go suite of `make test`: gofmt and go vet (binding and example),
# go test -race of the binding (moto from the project venv), and the
# example Lambda built for provided.al2023.  Prints what it does and
# appends "go: N passed, N failed" to RESULTS (subtests count one each;
# gofmt, vet and the example build count one each).
# usage: run-tests.sh RESULTS BUILD_DIR   (from the repository root)
set -u
results=$1; build=$(cd "$2" && pwd)
root=$(pwd)
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "go     ok    $1"; }
bad() { fail=$((fail + 1)); echo "go     FAIL  $1"; }
finish() { echo "go: $pass passed, $fail failed" >> "$results"; [ "$fail" -eq 0 ]; exit $?; }

GO=$(sh "$root/bindings/go/tools/findgo.sh") || { bad "no Go toolchain"; finish; }
export CGO_ENABLED=1 GOFLAGS=-buildvcs=false
# Module downloads are pinned by go.sum; a toolchain older than go.mod's
# fetches the right one through the same proxy.
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
tags=ddbxo_intree
gofmt="$(dirname "$GO")/gofmt"

for mod in bindings/go examples/go-lambda; do
    out=$(cd "$root/$mod" && "$gofmt" -l . 2>&1)
    if [ -z "$out" ]; then ok "gofmt -l $mod"; else bad "gofmt -l $mod: $out"; fi
    if out=$(cd "$root/$mod" && "$GO" vet -tags "$tags,lambda.norpc" ./... 2>&1); then
        ok "go vet $mod"
    else
        bad "go vet $mod"; printf '%s\n' "$out" | tail -30
    fi
done

# One run, with the race detector; GODEBUG's default cgocheck=1 is on.
log="$build/go-test.log"
(cd "$root/bindings/go" && "$GO" test -race -count=1 -v -timeout 300s -tags "$tags" ./... >"$log" 2>&1)
rc=$?
p=$(grep -cE '^ *--- PASS' "$log"); f=$(grep -cE '^ *--- FAIL' "$log")
pass=$((pass + p)); fail=$((fail + f))
if [ $rc -ne 0 ]; then
    [ "$f" -gt 0 ] || fail=$((fail + 1))
    grep -vE '^(=== (RUN|PAUSE|CONT)|    --- PASS|--- PASS)' "$log" | tail -60
fi
echo "go     go test -race bindings/go: $p passed, $f failed (log: $log)"

# The example, as Lambda runs it: linux, cgo, no RPC (provided.al2023).
boot="$build/go-lambda/bootstrap"
if (cd "$root/examples/go-lambda" && GOOS=linux "$GO" build -trimpath -tags "$tags,lambda.norpc" -o "$boot" .); then
    # provided.al2023 has glibc 2.34: a newer symbol version would not load.
    newest=$(objdump -T "$boot" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
    case $newest in
        GLIBC_2.3[5-9]*|GLIBC_2.[4-9]*) bad "examples/go-lambda needs $newest (provided.al2023 has 2.34)" ;;
        *) ok "examples/go-lambda built for provided.al2023 ($boot, ${newest:-no glibc symbols})" ;;
    esac
else
    bad "examples/go-lambda build"
fi
finish
