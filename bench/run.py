"""`make bench`: runs every comparison of issues #10 and #16 side by side
and prints one table of medians and ratios, then issue #16's targets with
met / not met (bench/README.md, docs/performance.md).

usage: python3 bench/run.py --build build [--python VENV_PYTHON] [--reps N]
                            [--quick] [--write-doc docs/performance.md]

Each driver runs in its own process: one warm-up, then N timed
repetitions; the table shows the median.  CPU figures are the client
process's user+sys time (getrusage), which a busy machine disturbs much
less than wall time.  Instruction counts (callgrind) and peak RSS do not
depend on the machine's load at all.  Standard library only.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import urllib.request
import zipfile
from typing import Any, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONC = 16
NULLS = 200_000   # NULLs per record of the hostile event (gen_event.py --nulls)
MEM_REPS = 3      # memory: fresh processes per driver; the median
Row = Tuple[str, str, Optional[float], Optional[float], Optional[float]]
MARK_BEGIN = "<!-- bench-table-begin -->"
MARK_END = "<!-- bench-table-end -->"


def sh(cmd: List[str], env: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    e = dict(os.environ)
    e.update(env or {})
    out = subprocess.run(cmd, env=e, check=True, stdout=subprocess.PIPE).stdout
    return json.loads(out.decode().strip().splitlines()[-1])


def med(xs: List[float]) -> float:
    return statistics.median(xs)


class Fake:
    """The bench's fake DynamoDB (bench/go/cmd/fake_ddb)."""

    def __init__(self, binary: str) -> None:
        self.p = subprocess.Popen([binary], stdout=subprocess.PIPE)
        assert self.p.stdout
        self.url = "http://" + self.p.stdout.readline().decode().strip()
        self.ctl = "http://" + self.p.stdout.readline().decode().strip()

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(self.ctl + "/_fake/reset", method="POST")).read()

    def stats(self) -> Dict[str, Any]:
        return json.loads(urllib.request.urlopen(self.ctl + "/_fake/stats").read())

    def close(self) -> None:
        self.p.terminate()
        self.p.wait()


def events(build: str, py: str) -> Tuple[str, str, List[str], str]:
    d = os.path.join(build, "events")
    os.makedirs(d, exist_ok=True)
    gen = os.path.join(ROOT, "bench", "tools", "gen_event.py")
    want = [("ev100.json", ["100", "--remove", "10"]),
            ("ev1000.json", ["1000", "--remove", "10", "--first", "100000"])]
    want += [(f"apply{i}.json", ["1000", "--first", str(i * 1000)]) for i in range(10)]
    want += [("nulls.json", ["3", "--nulls", str(NULLS)])]
    for name, args in want:
        path = os.path.join(d, name)
        if not os.path.exists(path):
            subprocess.run([py, gen, args[0], path] + args[1:], check=True)
    return (os.path.join(d, "ev100.json"), os.path.join(d, "ev1000.json"),
            [os.path.join(d, f"apply{i}.json") for i in range(10)], os.path.join(d, "nulls.json"))


def callgrind(cmd: List[str], out: str) -> int:
    """Instructions executed inside bench_c's timed_rep_* functions (one
    timed repetition: not the warm-up, the set-up or reading files)."""
    subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no",
                    "--toggle-collect=timed_rep_*", f"--callgrind-out-file={out}"] + cmd,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for line in open(out):
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"{out}: no totals line")


def peak_mb(cmd: List[str], notes: List[str]) -> Tuple[float, int]:
    """Median over MEM_REPS fresh processes of a `mem` driver: peak RSS
    (VmHWM) above the process's RSS before it read the event (MB), and
    the event's bytes."""
    got = [sh(cmd) for _ in range(MEM_REPS)]
    if got[0].get("failed") or not got[0]["hwm_reset"]:
        notes.append(f"{' '.join(cmd)}: {got[0]}")
    return med([(g["hwm_kb"] - g["base_kb"]) / 1024 for g in got]), int(got[0]["event_bytes"])


def zip_size(binary: str, out: str) -> int:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(binary, "bootstrap")
    return os.path.getsize(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--python", default=sys.executable, help="a Python with boto3")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="fewer records (a smoke run)")
    ap.add_argument("--write-doc", help="replace the table in this Markdown file")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    bb = os.path.join(build, "bench")
    C, GO = os.path.join(bb, "bench_c"), os.path.join(bb, "bench_go")
    PY = [a.python, os.path.join(ROOT, "bench", "py", "bench_py.py")]
    pyenv = {"PYTHONPATH": os.path.join(ROOT, "bindings", "python", "src"),
             "DDBXO_LIBRARY": os.path.join(build, "libddbxo.so")}
    ev100, ev1000, applies, nulls = events(build, a.python)
    r = a.reps
    pyr = max(3, r // 2)              # boto3 is slow: fewer repetitions
    nfiles = 2 if a.quick else 10
    files = applies[:nfiles]
    rows: List[Row] = []
    notes: List[str] = []

    def cpu(d: Dict[str, Any]) -> float:
        return med(d["cpu_us"])

    def log(msg: str) -> None:
        print("bench  " + msg, file=sys.stderr, flush=True)

    # 1. parse + dedup key
    peers: Dict[int, Tuple[float, float]] = {}
    for path, n, it_c, it_py in ((ev100, 100, 200, 20), (ev1000, 1000, 20, 2)):
        log(f"parse + dedup key, {n} records")
        c = sh([C, "parse", str(r), str(it_c), path])
        g = sh([GO, "parse", str(r), str(it_c), path])
        p = sh(PY + ["parse", str(r), str(it_py), path])
        peers[n] = (cpu(p), cpu(g))
        rows.append((f"1. parse + dedup key, {n}-record event", "CPU µs/record", cpu(c), cpu(p), cpu(g)))
    log("parse: simdjson anchor, callgrind")
    sj = sh([os.path.join(bb, "bench_simdjson"), "parse", str(r), "200", ev1000])
    rows.append((f"1. anchor, not libddbxo: simdjson {sj['version']} DOM parse only, 1000-record event",
                 "CPU µs/record", cpu(sj), *peers[1000]))
    ir = callgrind([C, "parse", "1", "1", ev1000], os.path.join(bb, "callgrind.bench.parse"))
    rows.append(("1. parse + dedup key, 1000-record event (callgrind)", "instructions/record",
                 ir / 1000, None, None))

    # 7. memory while parsing (each a fresh process)
    for path, what in ((ev1000, "1000-record event"), (nulls, f"hostile event, {NULLS * 3:,} NULLs")):
        log(f"memory: {what}")
        mc, size = peak_mb([C, "mem", path], notes)
        mp, _ = peak_mb(PY + ["mem", path], notes)
        mg, _ = peak_mb([GO, "mem", path], notes)
        mb = size / 2**20
        rows.append((f"7. memory: parsing the {what} ({size / 1e6:.1f} MB): peak RSS over event bytes",
                     "× event bytes", *(m / mb for m in (mc, mp, mg))))
        rows.append((f"7. memory: parsing the {what}: peak RSS above baseline", "MB", mc, mp, mg))

    # 2. SigV4
    log("sigv4")
    c = sh([C, "sigv4", str(r), "20000"])
    g = sh([GO, "sigv4", str(r), "20000"])
    p = sh(PY + ["sigv4", str(r), "2000"])
    rows.append(("2. SigV4 sign a PutItem", "CPU µs/request", cpu(c), cpu(p), cpu(g)))

    # 3, 4, 6: against the fake DynamoDB
    fake = Fake(os.path.join(bb, "fake_ddb"))
    try:
        conns: Dict[str, Dict[str, Any]] = {}
        res: Dict[str, Dict[str, Any]] = {}
        for mode in ("replicate", "ledger"):
            for who, cmd, reps, env in (
                    ("libddbxo", [C], r, None), ("aws-sdk-go-v2", [GO], r, None),
                    ("boto3", PY, pyr, None)):
                log(f"{mode}: {who}, {len(files) * 1000} records, concurrency {CONC}")
                fake.reset()
                res[who + mode] = sh(cmd + ["apply", str(reps), mode, str(CONC), fake.url] + files, env)
                conns[who + mode] = fake.stats()
            log(f"{mode}: Python binding")
            fake.reset()
            res["binding" + mode] = sh(PY + ["binding", str(pyr), mode, str(CONC), fake.url] + files, pyenv)
            conns["binding" + mode] = fake.stats()
        for mode, num in (("replicate", "3"), ("ledger", "4")):
            op = "PutItem" if mode == "replicate" else "TransactWriteItems"
            rows.append((f"{num}. {mode}: {len(files) * 1000} records, {CONC} in flight", "client CPU µs/record",
                         cpu(res["libddbxo" + mode]), cpu(res["boto3" + mode]), cpu(res["aws-sdk-go-v2" + mode])))
            rows.append((f"{num}. {mode}: throughput", "records/s (wall)",
                         *(1e6 / med(res[w + mode]["wall_us"]) for w in ("libddbxo", "boto3", "aws-sdk-go-v2"))))
            rows.append((f"{num}. {mode}: connections opened (all repetitions)", "connections",
                         *(float(conns[w + mode]["connections"]) for w in ("libddbxo", "boto3", "aws-sdk-go-v2"))))
            for w in ("libddbxo", "boto3", "aws-sdk-go-v2", "binding"):
                got = conns[w + mode]["requests"].get(op, 0)
                reps = r if w in ("libddbxo", "aws-sdk-go-v2") else pyr
                if got != (reps + 1) * len(files) * 1000:
                    notes.append(f"{w} {mode}: the fake saw {got} {op} requests, expected "
                                 f"{(reps + 1) * len(files) * 1000}")
        for mode, num in (("replicate", "3"), ("ledger", "4")):
            log(f"{mode}: callgrind, 1000 records")
            fake.reset()
            ir = callgrind([C, "apply", "1", mode, str(CONC), fake.url, applies[0]],
                           os.path.join(bb, f"callgrind.bench.{mode}"))
            rows.append((f"{num}. {mode}: 1000 records, {CONC} in flight (callgrind)", "instructions/record",
                         ir / 1000, None, None))
        rows.append(("6. Python: ddbxo.process_batch vs boto3 handler (replicate)", "client CPU µs/record",
                     cpu(res["bindingreplicate"]), cpu(res["boto3replicate"]), None))
        rows.append(("6. Python: ddbxo.process_batch vs boto3 handler (ledger)", "client CPU µs/record",
                     cpu(res["bindingledger"]), cpu(res["boto3ledger"]), None))

        # 5. cold start
        env = [f"AWS_ENDPOINT_URL={fake.url}", "DDBXO_TARGET_TABLE=BenchTarget"]
        cold = {}
        boots = {"static": os.path.join(build, "lambda", "static", "bootstrap"),
                 "dyn": os.path.join(build, "lambda", "dyn", "bootstrap"),
                 "go": os.path.join(bb, "lambda_peer")}
        for k, b in boots.items():
            log(f"cold start: {b}")
            cold[k] = sh([os.path.join(bb, "coldstart"), str(max(r, 10)), ev100, b] + env)["samples"]
        for field, label, unit in (("cold_ms", "exec to first /next", "ms"),
                                   ("init_rss_mb", "peak RSS at first /next", "MB"),
                                   ("peak_rss_mb", "peak RSS after one 100-record invocation", "MB"),
                                   ("invoke_ms", "first invocation, 100 records (wall)", "ms"),
                                   ("cpu_ms", "CPU, init + first invocation, 100 records", "ms")):
            for k, name in (("static", "static"), ("dyn", "dynamic")):
                rows.append((f"5. cold start ({name} bootstrap): {label}", unit,
                             med([s[field] for s in cold[k]]), None, med([s[field] for s in cold["go"]])))
        zc = os.path.getsize(os.path.join(build, "lambda", "bootstrap.zip"))
        zg = zip_size(boots["go"], os.path.join(bb, "go-lambda.zip"))
        rows.append(("5. deployment zip", "KB", zc / 1024, None, zg / 1024))
    finally:
        fake.close()

    rows.sort(key=lambda row: int(row[0].split(".", 1)[0]))  # stable: 1..7 in order
    table = render(rows) + "\n\n" + render_targets(rows)
    print(table)
    for n in notes:
        print("NOTE: " + n)
    if a.write_doc:
        write_doc(a.write_doc, table, r, pyr, len(files) * 1000)
    return 1 if notes else 0


def fmt(x: Optional[float]) -> str:
    if x is None:
        return "–"
    return f"{x:,.0f}" if x >= 100 else f"{x:.2f}" if x < 10 else f"{x:.1f}"


def ratio(ours: Optional[float], peer: Optional[float], unit: str) -> str:
    if ours is None or peer is None or ours == 0 or peer == 0:
        return "–"
    # Higher is better for throughput; lower for everything else.
    return f"{ours / peer:.2f}×" if unit.startswith("records/s") else f"{peer / ours:.2f}×"


def render(rows: List[Row]) -> str:
    out = ["| benchmark | unit | libddbxo | boto3 | libddbxo advantage | aws-sdk-go-v2 | libddbxo advantage |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, unit, ours, py, go in rows:
        out.append(f"| {name} | {unit} | {fmt(ours)} | {fmt(py)} | {ratio(ours, py, unit)} | "
                   f"{fmt(go)} | {ratio(ours, go, unit)} |")
    return "\n".join(out)


# Issue #16's targets: (what, row name prefix, row unit, column, bound).
# For a peer column the libddbxo advantage must reach at least the bound;
# for "libddbxo" the row's own figure must stay at most the bound.
TARGETS = [
    ("1. parse + dedup key, 1000-record event", "1. parse + dedup key, 1000-record event",
     "CPU µs/record", "boto3", 10.0),
    ("1. parse + dedup key, 1000-record event", "1. parse + dedup key, 1000-record event",
     "CPU µs/record", "aws-sdk-go-v2", 10.0),
    ("3. replicate, client CPU per record", "3. replicate: ", "client CPU µs/record", "boto3", 25.0),
    ("3. replicate, client CPU per record", "3. replicate: ", "client CPU µs/record", "aws-sdk-go-v2", 4.0),
    ("4. ledger, client CPU per record", "4. ledger: ", "client CPU µs/record", "boto3", 25.0),
    ("4. ledger, client CPU per record", "4. ledger: ", "client CPU µs/record", "aws-sdk-go-v2", 4.0),
    ("5. static bootstrap, first 100-record invocation (wall: noisy)",
     "5. cold start (static bootstrap): first invocation", "ms", "aws-sdk-go-v2", 2.0),
    ("6. Python process_batch (replicate)", "6. Python: ddbxo.process_batch vs boto3 handler (replicate)",
     "client CPU µs/record", "boto3", 10.0),
    ("6. Python process_batch (ledger)", "6. Python: ddbxo.process_batch vs boto3 handler (ledger)",
     "client CPU µs/record", "boto3", 10.0),
    ("7. peak RSS while parsing, 1000-record event", "7. memory: parsing the 1000-record event",
     "× event bytes", "libddbxo", 3.0),
    ("7. peak RSS while parsing, hostile event", "7. memory: parsing the hostile event",
     "× event bytes", "libddbxo", 4.0),
]


def render_targets(rows: List[Row]) -> str:
    out = ["| target (issue #16) | measured | must reach | met |", "| --- | ---: | ---: | --- |"]
    for what, prefix, unit, col, bound in TARGETS:
        row = next((x for x in rows if x[0].startswith(prefix) and x[1] == unit), None)
        if row is None:
            continue
        _, _, ours, py, go = row
        if col == "libddbxo":
            ok = ours is not None and ours <= bound
            got, need = (f"{ours:.2f}× event bytes" if ours is not None else "–"), f"≤ {bound:g}×"
        else:
            got = ratio(ours, py if col == "boto3" else go, unit)
            ok = got != "–" and float(got.rstrip("×")) >= bound
            what, need = f"{what}, vs {col}", f"≥ {bound:g}×"
        out.append(f"| {what} | {got} | {need} | {'**met**' if ok else 'not met'} |")
    return "\n".join(out)


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_doc(path: str, table: str, reps: int, pyreps: int, nrec: int) -> None:
    text = open(path).read()
    head = (f"Measured {datetime.date.today().isoformat()} on {platform.system()} "
            f"{platform.release()}, {os.cpu_count()} CPUs ({cpu_model()}), a machine "
            f"shared with other engineers' test runs: wall-clock figures are noisy, "
            f"CPU figures much less so.  Medians of {reps} repetitions after a warm-up "
            f"({pyreps} for the Python drivers); apply runs {nrec} records per repetition.  "
            f"Callgrind rows: instructions in one timed repetition of bench_c, per record.  "
            f"Memory rows: median of {MEM_REPS} fresh processes.  "
            f"Command: `make bench`.\n\n")
    i, j = text.index(MARK_BEGIN), text.index(MARK_END)
    text = text[:i + len(MARK_BEGIN)] + "\n" + head + table + "\n" + text[j:]
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
