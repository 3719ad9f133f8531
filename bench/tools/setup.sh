#!/bin/sh
# The bench's own Debian packages, installed once (idempotent, like
# scripts/setup.sh): valgrind for the callgrind rows, and simdjson for the
# anchor row (bench/c/bench_simdjson.cpp; bench-only, never linked into
# the library).
set -eu
sh "$(dirname "$0")/../../scripts/debpkgs.sh" bench valgrind libsimdjson-dev g++
