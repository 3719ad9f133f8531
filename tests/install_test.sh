#!/bin/sh
# make install into a staging prefix, then build a tiny consumer with
# pkg-config against the installed header and both libraries.
set -eu
results=$1
root=$(pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
fail() { echo "install-test: $*"; echo "install: 0 passed, 1 failed" >> "$results"; exit 1; }

make --no-print-directory -s install DESTDIR="$stage" PREFIX=/opt/ddbxo >/dev/null || fail "make install failed"
for f in include/ddbxo.h include/ddbxo/sys/value.h include/ddbxo/sys/sigv4.h \
         include/ddbxo/sys/creds.h include/ddbxo/sys/ddb.h include/ddbxo/sys/apply.h \
         lib/libddbxo.so lib/libddbxo.so.0 lib/libddbxo.a lib/pkgconfig/ddbxo.pc bin/ddbxo; do
    [ -e "$stage/opt/ddbxo/$f" ] || fail "missing $f"
done
# Every advanced-layer header the tree has is installed, and each one
# compiles on its own (it includes what it needs) in C and in C++.
for h in include/ddbxo/sys/*.h; do
    [ -e "$stage/opt/ddbxo/$h" ] || fail "missing $h"
done
# The header-only checks below need no library: one translation unit per
# sys header, with nothing but the installed include directory.
for h in "$stage"/opt/ddbxo/include/ddbxo/sys/*.h; do
    n=$(basename "$h")
    printf '#include <ddbxo/sys/%s>\nint main(void) { return 0; }\n' "$n" > "$stage/sys_$n.c"
    cc -std=c99 -Wall -Wextra -pedantic -Werror -I"$stage/opt/ddbxo/include" \
        -c -o "$stage/sys_$n.o" "$stage/sys_$n.c" || fail "installed ddbxo/sys/$n does not compile alone"
    if command -v c++ >/dev/null 2>&1; then
        c++ -Wall -Wextra -Werror -I"$stage/opt/ddbxo/include" -x c++ \
            -c -o "$stage/sys_$n.cc.o" "$stage/sys_$n.c" || fail "installed ddbxo/sys/$n does not compile as C++"
    fi
done
# The .pc names /opt/ddbxo; pkg-config's sysroot maps it into the stage.
export PKG_CONFIG_PATH="$stage/opt/ddbxo/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
cat > "$stage/consumer.c" <<'C'
#include <ddbxo.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    const char *ev = "{\"Records\":[{\"eventID\":\"1\",\"eventName\":\"INSERT\","
        "\"dynamodb\":{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"111\"}}]}";
    ddbxo_error err;
    ddbxo_event *e = ddbxo_parse_stream_event(ev, strlen(ev), &err);
    if (!e) { fprintf(stderr, "%s\n", err.message); return 1; }
    printf("%s %zu\n", ddbxo_version(), ddbxo_event_count(e));
    ddbxo_event_free(e);
    return 0;
}
C
cc -o "$stage/consumer" "$stage/consumer.c" $(pkg-config --cflags --libs ddbxo) || fail "shared consumer did not build"
out=$(LD_LIBRARY_PATH="$stage/opt/ddbxo/lib" "$stage/consumer") || fail "shared consumer failed"
[ "$out" = "0.1.0 1" ] || fail "shared consumer printed '$out'"
# Static libddbxo, shared system libraries (what --static would also make
# static needs every transitive static archive of libcurl).
cc -o "$stage/consumer-static" "$stage/consumer.c" $(pkg-config --cflags ddbxo) \
    "$stage/opt/ddbxo/lib/libddbxo.a" $(pkg-config --libs libcurl jansson libcrypto) || fail "static consumer did not build"
ldd "$stage/consumer-static" | grep -q libddbxo && fail "static consumer links libddbxo.so"
out=$("$stage/consumer-static") || fail "static consumer failed"
[ "$out" = "0.1.0 1" ] || fail "static consumer printed '$out'"
# A static consumer linked with nothing but what pkg-config --static says:
# in a copy of the prefix without the shared library, -lddbxo is libddbxo.a.
cp -a "$stage/opt" "$stage/static-only"
rm -f "$stage/static-only/ddbxo/lib/libddbxo.so"*
flags=$(PKG_CONFIG_PATH="$stage/static-only/ddbxo/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR= \
    pkg-config --define-variable=prefix="$stage/static-only/ddbxo" \
    --define-variable=libdir="$stage/static-only/ddbxo/lib" --cflags --static --libs ddbxo) ||
    fail "pkg-config --static --libs ddbxo failed"
cc -o "$stage/consumer-pc-static" "$stage/consumer.c" $flags || fail "static consumer did not link with: $flags"
ldd "$stage/consumer-pc-static" | grep -q libddbxo && fail "pkg-config --static consumer links libddbxo.so"
out=$("$stage/consumer-pc-static") || fail "pkg-config --static consumer failed"
[ "$out" = "0.1.0 1" ] || fail "pkg-config --static consumer printed '$out'"
# Only ddbxo_* symbols may be exported.
bad=$(nm -D --defined-only "$stage/opt/ddbxo/lib/libddbxo.so" | awk '{print $3}' | grep -v '^ddbxo_' || true)
[ -z "$bad" ] || fail "non-ddbxo symbols exported: $bad"
readelf -d "$stage/opt/ddbxo/lib/libddbxo.so" | grep -q 'SONAME.*libddbxo.so.0' || fail "no SONAME libddbxo.so.0"
echo "install: shared + static consumers via pkg-config (and one from pkg-config --static alone) OK, sys/ headers installed and self-contained, exports ddbxo_* only, SONAME libddbxo.so.0"
echo "install: 6 passed, 0 failed" >> "$results"
