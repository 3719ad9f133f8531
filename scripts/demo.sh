#!/bin/sh
# make demo: the main job end to end on the embedded default (moto server
# on loopback), through a fault-injecting proxy, with one kill -9.
# docs/demo.md says what it does and what its table means.
#
#   DEMO_SEED (default 5)    workload and fault sequence
#   DEMO_ITEMS (3000), DEMO_WRITES (10000), DEMO_FAULTS (faultproxy options)
#   DEMO_KEEP=1 keeps the work directory (logs, summaries) for a look
set -eu
cd "$(dirname "$0")/.."
VENV=$(sed -n 's/^VENV := //p' build/env.mk)
PY="$VENV/bin/python"
D=build/ddbxo
FP=build/tools/faultproxy
SEED=${DEMO_SEED:-5}
ITEMS=${DEMO_ITEMS:-3000}
WRITES=${DEMO_WRITES:-10000}
# Faults per proxied request: 6% of requests fail one way or another.
# A throttle costs its batch a backoff of up to 1 s (the SDKs' throttle
# base delay), so higher rates mostly measure sleeping.
FAULTS=${DEMO_FAULTS:-"--throttle 0.01 --provisioned 0.01 --5xx 0.02 --drop-after 0.02"}
# Short leases so the restart after kill -9 waits seconds, not 30 s for
# the dead runner's lease.  Idle time counts from the end of the last
# batch, and a restart waits out the dead runner's lease before it can
# be idle, so a short --until-idle is safe.
RUN_OPTS="--batch-size 200 --lease-seconds 10 --until-idle 5 --progress-seconds 1"

for f in "$D" "$FP"; do
    [ -x "$f" ] || { echo "demo: $f is missing (run 'make demo')" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/ddbxo-demo.XXXXXX")
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    if [ -n "${DEMO_KEEP:-}" ]; then echo "demo: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------- moto
port=$(free_port)
"$PY" scripts/demo_steps.py moto 127.0.0.1 "$port" >"$work/moto.log" 2>&1 &
moto=$!
pids="$moto"
moto_url="http://127.0.0.1:$port"
up=0
for _ in $(seq 1 150); do
    if curl -fs -X POST "$moto_url/moto-api/reset" >/dev/null 2>&1; then up=1; break; fi
    kill -0 "$moto" 2>/dev/null || break
    sleep 0.2
done
if [ $up = 0 ]; then
    echo "demo: moto server did not start:" >&2
    tail -20 "$work/moto.log" >&2
    exit 1
fi
curl -fs -X POST "$moto_url/moto-api/seed?a=$SEED" >/dev/null

export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo-secret
export AWS_ENDPOINT_URL_MOTO="$moto_url"
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB \
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS 2>/dev/null || true
echo "demo: moto server (single-threaded) on $moto_url, seed $SEED"

# ---------------------------------------------------------------- tables
"$PY" scripts/demo_steps.py source
init() {
    AWS_ENDPOINT_URL="$moto_url" $D init --source-table demo-source "$@" \
        >"$work/init.out" 2>&1 || { cat "$work/init.out" >&2; exit 1; }
    sed -n '$!s/^/demo: init: /p' "$work/init.out"
}
init --target-table demo-replica --checkpoint-table demo-ckpt
init --target-table demo-totals --mode ledger --ledger-table demo-ledger \
     --aggregate grp:amount --checkpoint-table demo-ckpt

# ---------------------------------------------------------------- workload
"$PY" scripts/demo_steps.py workload "$work/workload.json" "$ITEMS" "$WRITES" "$SEED"
writes=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["writes"])' "$work/workload.json")

# ---------------------------------------------------------------- proxies
# One proxy per pipeline, so the faults can be counted per pipeline.
proxy() {   # name seed
    "$FP" --upstream "$moto_url" --seed "$2" $FAULTS \
        --port-file "$work/proxy-$1.port" --stats "$work/proxy-$1.json" \
        >"$work/proxy-$1.out" 2>"$work/proxy-$1.err" &
    pids="$pids $!"
    eval "proxy_$1=$!"
    for _ in $(seq 1 50); do [ -s "$work/proxy-$1.port" ] && break; sleep 0.1; done
    [ -s "$work/proxy-$1.port" ] || { echo "demo: faultproxy did not start" >&2; cat "$work/proxy-$1.err" >&2; exit 1; }
    eval "url_$1=http://127.0.0.1:$(cat "$work/proxy-$1.port")"
}
proxy rep "$SEED"
proxy agg "$((SEED + 1))"
echo "demo: fault proxies: replicate $url_rep, aggregate $url_agg ($FAULTS)"

# ---------------------------------------------------------------- runs
# Both pipelines read the same stream at once and share one checkpoint
# table: checkpoints and leases are kept per consumer (the target table).
# exec: the background job's pid is the runner's, for kill -9.
run_rep() {
    AWS_ENDPOINT_URL="$url_rep" exec $D run --source-table demo-source \
        --target-table demo-replica --checkpoint-table demo-ckpt $RUN_OPTS
}
run_agg() {
    AWS_ENDPOINT_URL="$url_agg" exec $D run --source-table demo-source \
        --target-table demo-totals --mode ledger --ledger-table demo-ledger \
        --aggregate grp:amount --checkpoint-table demo-ckpt $RUN_OPTS
}
progress() {    # records in the last progress line of a run's stderr
    sed -n 's/^ddbxo run: [0-9]*s \([0-9]*\) records.*/\1/p' "$1" | tail -1
}

echo "demo: ddbxo run: replicate -> demo-replica, aggregate grp:amount -> demo-totals (ledger mode)"
run_rep >"$work/rep.out" 2>"$work/rep.err" &
rep=$!
pids="$pids $rep"
run_agg >"$work/agg-1.out" 2>"$work/agg-1.err" &
agg=$!
pids="$pids $agg"

kill_at=$((writes * 2 / 5))
while kill -0 "$agg" 2>/dev/null; do
    n=$(progress "$work/agg-1.err")
    [ "${n:-0}" -ge "$kill_at" ] && break
    sleep 0.2
done
sleep 0.7        # into the next batch: its writes are cut off mid-way
if kill -9 "$agg" 2>/dev/null; then
    echo "demo: kill -9 of the aggregate run after ${n:-0} records; restarting it"
fi
wait "$agg" 2>/dev/null || true
run_agg >"$work/agg-2.out" 2>"$work/agg-2.err" &
agg=$!
pids="$pids $agg"

rc_rep=0; rc_agg=0
wait "$rep" || rc_rep=$?
wait "$agg" || rc_agg=$?
[ $rc_rep = 0 ] || { echo "demo: replicate run exited $rc_rep:" >&2; tail -5 "$work/rep.err" >&2; }
[ $rc_agg = 0 ] || { echo "demo: aggregate restart exited $rc_agg:" >&2; tail -5 "$work/agg-2.err" >&2; }

# The proxies write their final counters when they stop.
for p in "$proxy_rep" "$proxy_agg"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done

# ---------------------------------------------------------------- backfill + verify
# A pipeline added late sees none of the records above: `run --from latest`
# starts first (the precondition, docs/backfill.md), `backfill` copies the
# items the source has, and `verify` checks all three targets against the
# source (exit 0 = equal; reports in $work/verify-*.out).
echo "demo: a late replica: ddbxo run --from latest, then ddbxo backfill -> demo-late"
init --target-table demo-late --checkpoint-table demo-ckpt
AWS_ENDPOINT_URL="$moto_url" $D run --source-table demo-source --target-table demo-late \
    --checkpoint-table demo-ckpt --from latest >"$work/late.out" 2>"$work/late.err" &
late=$!
pids="$pids $late"
AWS_ENDPOINT_URL="$moto_url" $D backfill --source-table demo-source \
    --target-table demo-late --checkpoint-table demo-ckpt --segments 4 \
    --max-wcu 500 >"$work/backfill.out" 2>"$work/backfill.err" ||
    { echo "demo: backfill failed:" >&2; tail -5 "$work/backfill.err" >&2; }
sed -n 's/^ddbxo backfill: \(the source stream.*\)/demo: backfill: \1/p' "$work/backfill.err"
verify() {  # name target [options]
    name=$1; shift
    AWS_ENDPOINT_URL="$moto_url" $D verify --source-table demo-source \
        --target-table "$@" --settle-seconds 1 >"$work/verify-$name.out" \
        2>"$work/verify-$name.err" || true
}
verify late demo-late
verify replica demo-replica
verify totals demo-totals --aggregate grp:amount
kill -TERM "$late" 2>/dev/null || true
wait "$late" 2>/dev/null || true

# ---------------------------------------------------------------- checks
rc=0
"$PY" scripts/demo_steps.py check "$work" || rc=1
[ $rc_rep = 0 ] && [ $rc_agg = 0 ] || rc=1
exit $rc
