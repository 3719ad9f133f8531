#!/bin/sh
# `make python-dist-test`: the Python distributions as a new user gets them.
#   - the manylinux wheel: its library needs nothing but glibc <= 2.17
#     (readelf: NEEDED, GLIBC_ versions, exports) and auditwheel agrees;
#   - `pip install <tree>/bindings/python` from a copy of this tree, and
#     `pip install` of an sdist built from that copy;
# each installed into a new venv (no DDBXO_LIBRARY, no LD_LIBRARY_PATH, the
# copy deleted before the venv is used), which then runs dist_probe.py:
# import ddbxo and apply an event against moto, then replay it.  Appends
# "python-dist: N passed, N failed" to RESULTS.
# usage: sh bindings/python/tests/dist.sh RESULTS PROJECT_VENV TOOLS_VENV WHEEL
set -u
results=$1; projvenv=$2; tools=$3; wheel=$4
root=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddbxo-pydist-XXXXXX")
moto_pid=
cleanup() { [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null; chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "python-dist ok    $1"; }
bad() { fail=$((fail + 1)); echo "python-dist FAIL  $1"; }
finish() { echo "python-dist: $pass passed, $fail failed" >> "$results"; [ "$fail" -eq 0 ]; exit $?; }
PY=${PYTHON:-python3}

# ---- the wheel's library, as built
if [ -f "$wheel" ]; then
    case $(basename "$wheel") in
        *-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl) ok "wheel tag: $(basename "$wheel")" ;;
        *) bad "wheel tag: $(basename "$wheel")" ;;
    esac
    mkdir -p "$tmp/whl" && (cd "$tmp/whl" && "$PY" -m zipfile -e "$root/$wheel" .)
    so="$tmp/whl/ddbxo/libddbxo.so.0"
    needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
    others=$(printf '%s\n' $needed | grep -vxE 'libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux-x86-64\.so\.2' || true)
    if [ -n "$needed" ] && [ -z "$others" ]; then ok "wheel library needs glibc only: $needed"
    else bad "wheel library needs more than glibc: $needed"; fi
    newest=$(objdump -T "$so" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
    case $newest in
        GLIBC_2.[0-9]|GLIBC_2.[0-9].*|GLIBC_2.1[0-7]|GLIBC_2.1[0-7].*) ok "wheel library's newest glibc symbol: $newest (<= 2.17)" ;;
        *) bad "wheel library needs $newest (> 2.17)" ;;
    esac
    exported=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -cv '^ddbxo_' || true)
    if [ "$exported" -eq 0 ]; then ok "wheel library exports ddbxo_* only (OpenSSL and libcurl stay inside)"
    else bad "wheel library exports $exported non-ddbxo symbols"; fi
    if "$tools/bin/auditwheel" show "$wheel" >"$tmp/aw" 2>&1 &&
        tr '\n' ' ' < "$tmp/aw" | grep -q 'consistent with the following platform tag: "manylinux_2_17_x86_64"'; then
        ok "auditwheel show: consistent with manylinux_2_17_x86_64"
    else
        cat "$tmp/aw"; bad "auditwheel show"
    fi
else
    bad "no wheel at $wheel (make python-wheel)"
fi

# ---- moto, for the probes
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$projvenv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$tmp/moto.log" 2>&1 &
moto_pid=$!
endpoint="http://127.0.0.1:$port"
reset() { "$PY" -c 'import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1] + "/moto-api/reset", data=b"", method="POST"), timeout=2)' "$endpoint" 2>/dev/null; }
i=0; until reset; do i=$((i + 1)); [ $i -lt 300 ] || { cat "$tmp/moto.log"; bad "moto did not start"; finish; }; sleep 0.1; done

# A certificate for the probes' TLS call to a loopback server.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    >"$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log"; bad "openssl req"; }

# probe NAME VENV STATIC: the venv runs dist_probe.py from / with a clean env.
probe() {
    reset
    cp "$root/bindings/python/tests/dist_probe.py" "$tmp/probe.py"
    if (cd / && env -u DDBXO_LIBRARY -u LD_LIBRARY_PATH -u PYTHONPATH -u DDBXO_REPO \
            "$2/bin/python" "$tmp/probe.py" "$endpoint" "$3" "$tmp/cert.pem" "$tmp/key.pem") \
            >"$tmp/probe.out" 2>&1; then
        ok "$1: imports ddbxo from the venv, a TLS call, applies an event against moto, a replay applies nothing"
    else
        sed 's/^/    /' "$tmp/probe.out" | tail -30; bad "$1: probe"
    fi
}
newvenv() { "$PY" -m venv "$1" >"$tmp/venv.log" 2>&1 || { cat "$tmp/venv.log"; return 1; }; }
quiet() { "$@" >"$tmp/pip.log" 2>&1 || { tail -30 "$tmp/pip.log"; return 1; }; }
pipq() { quiet "$@" -q --disable-pip-version-check; }

# ---- the wheel, on its own (--no-index: it needs nothing else)
if [ -f "$wheel" ]; then
    cp "$root/$wheel" "$tmp/"
    if newvenv "$tmp/v-wheel" && pipq "$tmp/v-wheel/bin/pip" install --no-index "$tmp/$(basename "$wheel")"; then
        rm -f "$tmp/$(basename "$wheel")"
        probe "wheel" "$tmp/v-wheel" 1
    else
        bad "pip install of the wheel"
    fi
fi

# ---- a copy of the tree: pip install <copy>/bindings/python, and an sdist
src="$tmp/checkout"
mkdir -p "$src/bindings"
cp -r "$root/include" "$root/lib" "$src/"
cp -r "$root/bindings/python" "$src/bindings/"
rm -rf "$src/bindings/python/build" "$src/bindings/python/src/ddbxo.egg-info"
if quiet "$tools/bin/python" -m build --sdist --outdir "$tmp/sdist" "$src/bindings/python"; then
    ok "sdist built: $(cd "$tmp/sdist" && ls) ($(tar tzf "$tmp/sdist"/*.tar.gz | grep -c '/csrc/lib/.*\.c$') C files in csrc/)"
else
    bad "python -m build --sdist"
fi
if newvenv "$tmp/v-tree" && pipq "$tmp/v-tree/bin/pip" install "$src/bindings/python"; then
    rm -rf "$src"
    probe "pip install <tree>/bindings/python (tree then deleted)" "$tmp/v-tree" 0
else
    bad "pip install <tree>/bindings/python"
fi
rm -rf "$src"
if ls "$tmp"/sdist/*.tar.gz >/dev/null 2>&1; then
    if newvenv "$tmp/v-sdist" && pipq "$tmp/v-sdist/bin/pip" install "$tmp"/sdist/*.tar.gz; then
        rm -rf "$tmp/sdist"
        probe "pip install of the sdist" "$tmp/v-sdist" 0
    else
        bad "pip install of the sdist"
    fi
fi
finish
