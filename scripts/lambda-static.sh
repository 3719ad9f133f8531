#!/bin/sh
# Builds the static musl libraries the Lambda bootstrap links (OpenSSL's
# libcrypto+libssl, libcurl, jansson) from Debian's own source packages,
# once per machine: the result is cached under
#   ${XDG_CACHE_HOME:-~/.cache}/ddbxo/static-<versions>/{include,lib}
# and the script prints that directory.  Idempotent; the first run takes a
# few minutes on 2 cores, later runs return at once.
#
# Why static musl: provided.al2 has glibc 2.26 and provided.al2023 2.34;
# a fully static binary needs neither, and carries its TLS stack with it.
#
# DDBXO_STATIC_FLAVOR=glibc2.17 builds the same libraries as position-
# independent archives for glibc 2.17 instead (the Python wheel's
# libddbxo.so links them in; mk/python.mk), with zig's C compiler
# (PyPI's ziglang, scripts/zig.sh), whose glibc stubs hold back every symbol
# newer than the target's: ~/.cache/ddbxo/static-glibc2.17-<versions>/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
FLAVOR=${DDBXO_STATIC_FLAVOR:-musl}
case $FLAVOR in
    musl) PREFIX_TAG=static ;;
    glibc2.17) PREFIX_TAG=static-glibc2.17 ;;
    *) echo "lambda-static: unknown DDBXO_STATIC_FLAVOR $FLAVOR" >&2; exit 2 ;;
esac

say() { echo "lambda-static: $*" >&2; }

scripts=$(cd "$(dirname "$0")" && pwd)
need_pkgs() {
    sh "$scripts/debpkgs.sh" lambda-static "$@"
}

need_pkgs musl-tools musl-dev dpkg-dev make perl file zip binutils autoconf automake libtool

# A deb-src twin of the machine's own Debian sources (same archive, same
# keyring), in a list file of its own so nothing else is touched.
ensure_deb_src() {
    apt-cache showsrc jansson 2>/dev/null | grep -q '^Package:' && return 0
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    src=/etc/apt/sources.list.d/ddbxo-deb-src.sources
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed -n '/^Types:/{s/.*/Types: deb-src/;p;d};p' \
            /etc/apt/sources.list.d/debian.sources | $SUDO tee "$src.tmp" >/dev/null
    elif [ -f /etc/apt/sources.list ]; then
        grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
            $SUDO tee "${src%.sources}.list.tmp" >/dev/null
        src=${src%.sources}.list
    else
        say "no Debian sources found"; return 1
    fi
    $SUDO mv "$src.tmp" "$src"
    say "added $src; apt-get update"
    $SUDO apt-get update -qq >&2
}

# Every version of a source package the archive lists, newest first (a
# mirror may lack the newest one's files, so the build tries them in turn).
srcvers() { apt-cache showsrc "$1" | sed -n 's/^Version: //p' | sort -Vr | uniq; }
tagof() { printf 'openssl%s-curl%s-jansson%s' "$1" "$2" "$3" | tr -c 'A-Za-z0-9.\n-' '_'; }

ensure_deb_src
L_SSL=$(srcvers openssl); L_CURL=$(srcvers curl); L_JANSSON=$(srcvers jansson)
[ -n "$L_SSL" ] && [ -n "$L_CURL" ] && [ -n "$L_JANSSON" ] || { say "source versions not found"; exit 1; }
cache="${XDG_CACHE_HOME:-$HOME/.cache}/ddbxo"
for a in $L_SSL; do for b in $L_CURL; do for c in $L_JANSSON; do
    if [ -f "$cache/$PREFIX_TAG-$(tagof "$a" "$b" "$c")/.complete" ]; then
        echo "$cache/$PREFIX_TAG-$(tagof "$a" "$b" "$c")"; exit 0
    fi
done; done; done

work="$cache/$PREFIX_TAG-build.$$"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
trap 'rm -rf "$work"' EXIT
fetch() {  # fetch NAME VERSIONS... -> prints the version it got
    n=$1; shift
    for v in "$@"; do
        if apt-get source -qq "$n=$v" >"$n.log" 2>&1; then echo "$v"; return 0; fi
        rm -rf "$n"-*/ "$n"_*
    done
    cat "$n.log" >&2; return 1
}
V_SSL=$(fetch openssl $L_SSL); V_CURL=$(fetch curl $L_CURL); V_JANSSON=$(fetch jansson $L_JANSSON)
out="$cache/$PREFIX_TAG-$(tagof "$V_SSL" "$V_CURL" "$V_JANSSON")"
say "building static libraries into $out (one time; a few minutes)"
# Each library leaves a stamp, so an interrupted build resumes.
mkdir -p "$out/lib" "$out/include"
J=$(nproc 2>/dev/null || echo 2)
if [ "$FLAVOR" = musl ]; then
    export CC=musl-gcc
    # The musl wrapper has no Linux kernel headers; OpenSSL needs a few
    # (linux/*.h, asm/*.h): Debian's, searched after musl's own.
    KHDR="-idirafter /usr/include -idirafter /usr/include/$(gcc -dumpmachine)"
    PIC=""
else
    # zig cc -target x86_64-linux-gnu.2.17 behind a one-word wrapper (the
    # configure scripts want CC to be a program); its own headers and
    # glibc stubs, so nothing of the machine's newer glibc leaks in.
    zcc=$(sh "$here/zig.sh" cc x86_64-linux-gnu.2.17)
    export CC="$zcc" AR=ar RANLIB=ranlib
    KHDR=""
    PIC="-fPIC"
fi
log() { "$@" >"$work/step.log" 2>&1 || { tail -40 "$work/step.log" >&2; exit 1; }; }

if [ ! -f "$out/.openssl" ]; then
say "openssl $V_SSL"
cd "$work"/openssl-*/
# OPENSSLDIR=/etc/pki/tls: Amazon Linux keeps cert.pem and certs/ there.
log ./Configure linux-x86_64 --prefix="$out" --libdir=lib --openssldir=/etc/pki/tls \
    no-shared no-tests no-engine no-dso no-afalgeng no-comp no-legacy \
    no-ui-console no-module CFLAGS="-O2 $PIC $KHDR"
log make -j"$J" build_libs
log make install_dev
touch "$out/.openssl"
fi

if [ ! -f "$out/.jansson" ]; then
say "jansson $V_JANSSON"
cd "$work"/jansson-*/
[ -x ./configure ] || log autoreconf -fi
log ./configure --prefix="$out" --disable-shared --enable-static CFLAGS="-O2 $PIC"
log make -j"$J"
log make install
touch "$out/.jansson"
fi

say "curl $V_CURL"
cd "$work"/curl-*/
[ -x ./configure ] || log autoreconf -fi
# Only HTTP(S); the CA bundle is Amazon Linux's (AL2 and AL2023 alike).
log ./configure --prefix="$out" --disable-shared --enable-static \
    --with-openssl="$out" --with-ca-bundle=/etc/pki/tls/certs/ca-bundle.crt --without-ca-path \
    --without-nghttp2 --without-nghttp3 --without-ngtcp2 --without-libpsl --without-zlib \
    --without-brotli --without-zstd --without-libidn2 --without-librtmp --without-libssh2 \
    --without-libgsasl --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
    --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb \
    --disable-smtp --disable-gopher --disable-mqtt --disable-ftp --disable-file \
    --disable-manual --disable-docs --disable-ntlm --disable-alt-svc --disable-hsts \
    --enable-threaded-resolver --disable-unix-sockets \
    CFLAGS="-O2 $PIC" CPPFLAGS="-I$out/include" LDFLAGS="-L$out/lib" LIBS="-lpthread"
log make -j"$J" -C lib
log make -C lib install
log make -C include install
cp libcurl.pc "$out/lib/pkgconfig/" 2>/dev/null || true

printf 'openssl %s\ncurl %s\njansson %s\n' "$V_SSL" "$V_CURL" "$V_JANSSON" > "$out/VERSIONS"
touch "$out/.complete"
say "done"
echo "$out"
