#!/bin/sh
# `make bench-profile`: callgrind profiles of bench_c's parse (1,000-record
# event) and replicate runs (2,000 records on the fake DynamoDB), written
# to BUILD/bench/callgrind.{parse,replicate}, with the top inclusive
# functions printed.  Instruction counts do not depend on the machine's
# load, so before/after figures of a change are comparable.
# usage: sh bench/tools/profile.sh BUILD
set -eu
b=$(cd "$1" && pwd)/bench
ev=$b/../events
command -v valgrind >/dev/null || { echo "bench-profile: valgrind is not installed" >&2; exit 1; }
"$b/fake_ddb" > "$b/fake.addr" &
fake=$!
trap 'kill $fake 2>/dev/null' EXIT INT TERM
while [ ! -s "$b/fake.addr" ]; do sleep 0.1; done
url=http://$(head -1 "$b/fake.addr")
valgrind --tool=callgrind --callgrind-out-file="$b/callgrind.parse" \
    "$b/bench_c" parse 1 2 "$ev/ev1000.json" >/dev/null 2>&1
valgrind --tool=callgrind --callgrind-out-file="$b/callgrind.replicate" \
    "$b/bench_c" apply 1 replicate 16 "$url" "$ev/apply0.json" >/dev/null 2>&1
for p in parse replicate; do
    echo "== $p: instructions ($b/callgrind.$p)"
    callgrind_annotate --inclusive=yes "$b/callgrind.$p" 2>/dev/null |
        sed -n '/file:function/,$p' | grep -E 'ddbxo|json_|malloc|free|curl' | head -25 | cut -c1-140
done
