"""Steps of `make demo` (scripts/demo.sh runs them; see docs/demo.md).

  demo_steps.py moto HOST PORT                 moto server, single-threaded
  demo_steps.py source                         the source table and stream
  demo_steps.py workload OUT ITEMS WRITES SEED the seeded workload
  demo_steps.py check WORKDIR                  checks, and the table

It talks to moto directly (AWS_ENDPOINT_URL_MOTO), never through the fault
proxy: the workload and the checks must see the tables as they are.
"""
import collections
import decimal
import json
import os
import random
import signal
import sys
import time

SOURCE = "demo-source"
REPLICA = "demo-replica"
TOTALS = "demo-totals"
BOOKKEEPING = ("_ddbxo_seq", "_ddbxo_src")
TOMBSTONE = ("_ddbxo_seq", "_ddbxo_src", "_ddbxo_deleted", "_ddbxo_exp")


def cmd_moto(host, port):
    """moto_server's main() with threaded=False.  moto has no lock: its
    TransactWriteItems deep-copies the touched tables and restores the copy
    when a transaction fails, which would undo a concurrent request's
    writes (docs/moto-gaps.md C1).  One request at a time makes conditional writes
    and transactions linearisable, as DynamoDB's are."""
    from werkzeug.serving import run_simple
    from moto.moto_server.werkzeug_app import (DomainDispatcherApplication,
                                               create_backend_app)
    cheap_transaction_backup()
    untracked_models()
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, int(port), app, threaded=False)


def untracked_models():
    """moto's BaseModel.__new__ appends every model object it ever makes
    to a class list, for the server's dashboard: every Item written, and
    every copy of one or of a Table (copy.copy goes through __new__), so
    the transaction backups above were never freed.  The soak's moto grew
    to 10 GB in half an hour and slowed as the collector walked it.
    Nothing here reads the dashboard."""
    from moto.core import common_models

    common_models.BaseModel.__new__ = staticmethod(
        lambda cls, *args, **kwargs: object.__new__(cls))


def cheap_transaction_backup():
    """moto's TransactWriteItems backs up every touched table with
    copy.deepcopy before each transaction: O(table size) per call, so the
    ledger table (one item per record) makes a 10,000-record run quadratic
    (minutes per thousand records).  Same all-or-nothing result, cheaper:
    the backup is a shallow copy of the table with its own item map and
    stream record list, and the items this transaction names are replaced
    in the live table by deep copies first, so in-place updates (moto's
    UpdateItem mutates the stored item) never reach the backup."""
    import copy as real_copy
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    named = {}          # table name -> keys the running transaction names

    def keys_of(items, backend):
        named.clear()
        for entry in items:
            for op_type, op in entry.items():
                name = op.get("TableName")
                table = backend.tables.get(name)
                if table is None:
                    continue
                src = op.get("Item") if op_type == "Put" else op.get("Key")
                if not isinstance(src, dict):
                    continue
                try:
                    h = DynamoType(src[table.hash_key_attr])
                    r = (DynamoType(src[table.range_key_attr])
                         if table.range_key_attr else None)
                except (KeyError, TypeError):
                    continue
                named.setdefault(name, []).append((h, r))

    def backup(table):
        snap = real_copy.copy(table)
        snap.items = real_copy.copy(table.items)
        if table.has_range_key:
            for h, inner in table.items.items():
                snap.items[h] = dict(inner)
        if table.stream_shard is not None:
            snap.stream_shard = real_copy.copy(table.stream_shard)
            snap.stream_shard.items = list(table.stream_shard.items)
            snap.stream_shard.table = snap
        for h, r in named.get(table.name, ()):
            holder = table.items.get(h) if r is not None else table.items
            key = r if r is not None else h
            if isinstance(holder, dict) and key in holder:
                holder[key] = real_copy.deepcopy(holder[key])
        return snap

    class CopyShim:
        copy = staticmethod(real_copy.copy)

        @staticmethod
        def deepcopy(obj, *a, **kw):
            if isinstance(obj, Table):
                return backup(obj)
            return real_copy.deepcopy(obj, *a, **kw)

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        keys_of(transact_items, self)
        try:
            return original(self, transact_items)
        finally:
            named.clear()

    models.copy = CopyShim
    models.DynamoDBBackend.transact_write_items = transact_write_items


def client():
    import boto3
    from botocore.config import Config
    return boto3.client(
        "dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_MOTO"],
        region_name=os.environ["AWS_REGION"],
        config=Config(retries={"max_attempts": 2}))


def cmd_source():
    ddb = client()
    ddb.create_table(
        TableName=SOURCE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True,
                             "StreamViewType": "NEW_AND_OLD_IMAGES"})


# ---------------------------------------------------------------- workload

GROUPS = ["emea", "amer", "apac", "latam", "anz", "nordics"]
STATUSES = ["new", "paid", "shipped", "returned"]


def amount(rng):
    # Exact decimals with cents; some negative (refunds) and some large.
    cents = rng.choice([rng.randint(1, 99_99), rng.randint(1, 9_999_999_99),
                        -rng.randint(1, 500_00)])
    return str(decimal.Decimal(cents) / 100)


def new_item(rng, pk, version):
    item = {"pk": {"S": pk}, "grp": {"S": rng.choice(GROUPS)},
            "amount": {"N": amount(rng)}, "ver": {"N": str(version)},
            "status": {"S": rng.choice(STATUSES)},
            "note": {"S": "order %s v%d" % (pk, version)}}
    if rng.random() < 0.3:
        item["tags"] = {"SS": sorted(rng.sample(["a", "b", "c", "d", "e"],
                                                rng.randint(1, 3)))}
    if rng.random() < 0.2:
        item["lines"] = {"L": [{"M": {"sku": {"S": "sku-%d" % rng.randint(1, 99)},
                                      "qty": {"N": str(rng.randint(1, 5))}}}
                               for _ in range(rng.randint(1, 3))]}
    return item


class Writer:
    """PutItem/DeleteItem/UpdateItem one at a time, and replacing puts in
    BatchWriteItem pages of 25 distinct keys (a page is sent before any
    other write touches one of its keys, so per-item order holds)."""

    def __init__(self, ddb):
        self.ddb = ddb
        self.page = {}

    def flush(self):
        reqs = [{"PutRequest": {"Item": it}} for it in self.page.values()]
        self.page = {}
        while reqs:
            out = self.ddb.batch_write_item(RequestItems={SOURCE: reqs})
            reqs = out.get("UnprocessedItems", {}).get(SOURCE, [])

    def touch(self, pk):
        if pk in self.page:
            self.flush()

    def batch_put(self, item):
        self.touch(item["pk"]["S"])
        self.page[item["pk"]["S"]] = item
        if len(self.page) == 25:
            self.flush()


def cmd_workload(out, items, writes, seed):
    """Writes `writes` changes over `items` keys: first a put for each,
    then a seeded mix of replacing puts, updates, deletes and re-creates.
    Every write changes the item (moto emits a MODIFY for a no-op PutItem,
    AWS nothing: docs/moto-gaps.md C3), so each write is exactly one stream record.
    Items are created by puts only (moto emits two INSERTs for an
    UpdateItem that creates one); UpdateItem is sent to live items only."""
    rng = random.Random(seed)
    w = Writer(client())
    live = {}           # pk -> version
    dead = []
    counts = collections.Counter()
    t0 = time.monotonic()
    for i in range(items):
        pk = "order-%05d" % i
        w.batch_put(new_item(rng, pk, 1))
        live[pk] = 1
        counts["put_create"] += 1
    n = items
    keys = sorted(live)
    while n < writes:
        r = rng.random()
        pk = rng.choice(keys)
        if r < 0.12 and len(live) > items // 3:
            if pk not in live:
                continue
            w.touch(pk)
            w.ddb.delete_item(TableName=SOURCE, Key={"pk": {"S": pk}})
            del live[pk]
            dead.append(pk)
            counts["delete"] += 1
        elif r < 0.17 and dead:
            pk = dead.pop(rng.randrange(len(dead)))
            w.touch(pk)
            w.ddb.put_item(TableName=SOURCE, Item=new_item(rng, pk, 1))
            live[pk] = 1
            counts["put_recreate"] += 1
        elif r < 0.65:
            if pk not in live:
                continue
            live[pk] += 1
            w.batch_put(new_item(rng, pk, live[pk]))
            counts["put_replace"] += 1
        else:
            if pk not in live:
                continue
            w.touch(pk)
            live[pk] += 1
            expr = "SET amount = amount + :d, ver = :v"
            vals = {":d": {"N": amount(rng)}, ":v": {"N": str(live[pk])}}
            if rng.random() < 0.25:
                expr += ", grp = :g"
                vals[":g"] = {"S": rng.choice(GROUPS)}
            w.ddb.update_item(TableName=SOURCE, Key={"pk": {"S": pk}},
                              UpdateExpression=expr,
                              ConditionExpression="attribute_exists(pk)",
                              ExpressionAttributeValues=vals)
            counts["update"] += 1
        n += 1
    w.flush()
    secs = time.monotonic() - t0
    with open(out, "w") as f:
        json.dump({"writes": n, "items": items, "live": len(live),
                   "deleted": len(dead), "kinds": counts,
                   "keys": keys, "seconds": secs}, f)
    print("demo: workload: %d writes over %d items in %.1f s (%s)" % (
        n, items, secs,
        ", ".join("%s %d" % kv for kv in sorted(counts.items()))))


# ---------------------------------------------------------------- checks

def scan(ddb, table):
    out, kw = {}, {"TableName": table}
    while True:
        page = ddb.scan(**kw)
        for it in page["Items"]:
            out[it["pk"]["S"]] = it
        if "LastEvaluatedKey" not in page:
            return out
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def normal(v):
    """A DynamoDB value with numbers as Decimals and sets sorted, so two
    spellings of one value compare equal."""
    (t, x), = v.items()
    if t == "N":
        return ("N", decimal.Decimal(x))
    if t in ("SS", "BS"):
        return (t, tuple(sorted(x)))
    if t == "NS":
        return (t, tuple(sorted(decimal.Decimal(n) for n in x)))
    if t == "L":
        return ("L", tuple(normal(e) for e in x))
    if t == "M":
        return ("M", tuple(sorted((k, normal(e)) for k, e in x.items())))
    return (t, x)


def same_item(a, b):
    return a.keys() == b.keys() and all(normal(a[k]) == normal(b[k]) for k in a)


def check_replica(wl, source, replica):
    keys = set(wl["keys"])
    problems = collections.Counter()
    example = {}
    for pk in keys:
        src, dst = source.get(pk), replica.get(pk)
        if dst is None:
            why = "missing in the replica"
        elif src is not None:
            body = {k: v for k, v in dst.items() if k not in BOOKKEEPING}
            why = None if same_item(src, body) else "differs from the source"
        elif dst.get("_ddbxo_deleted") != {"BOOL": True}:
            why = "deleted in the source, no tombstone"
        elif set(dst) - set(TOMBSTONE) - {"pk"}:
            why = "tombstone carries item attributes"
        else:
            why = None
        if why:
            problems[why] += 1
            example.setdefault(why, pk)
    extra = set(replica) - keys
    if extra:
        problems["not a source item"] += len(extra)
        example["not a source item"] = sorted(extra)[0]
    live = sum(1 for pk in keys if pk in source)
    return {
        "name": "replica = source (%d live items, %d tombstones)" % (
            live, len(keys) - live),
        "ok": not problems,
        "detail": "; ".join("%s: %d (e.g. %s)" % (w, n, example[w])
                            for w, n in problems.items()),
    }


def check_totals(source, totals):
    want = collections.defaultdict(lambda: [0, decimal.Decimal(0)])
    for it in source.values():
        g = want[it["grp"]["S"]]
        g[0] += 1
        g[1] += decimal.Decimal(it["amount"]["N"])
    problems = []
    for grp, (n, total) in sorted(want.items()):
        got = totals.get(grp)
        if got is None:
            problems.append("%s: missing" % grp)
            continue
        gn = int(decimal.Decimal(got.get("item_count", {}).get("N", "NaN")))
        gt = decimal.Decimal(got.get("total", {}).get("N", "NaN"))
        if gn != n or gt != total:
            problems.append("%s: item_count %s total %s, want %d and %s" % (
                grp, gn, gt, n, total))
    for grp, got in sorted(totals.items()):
        if grp in want:
            continue
        # A group that emptied keeps its item, with zeros (docs/transform.md).
        if (decimal.Decimal(got.get("item_count", {}).get("N", "1")) != 0 or
                decimal.Decimal(got.get("total", {}).get("N", "1")) != 0):
            problems.append("%s: not a group of the source" % grp)
    return {
        "name": "totals = sums over the source (%d groups, %d items)" % (
            len(want), sum(n for n, _ in want.values())),
        "ok": not problems,
        "detail": "; ".join(problems[:5]),
    }


def load_summary(path):
    """The last stdout line of a `ddbxo run`, or None."""
    try:
        lines = [l for l in open(path) if l.strip()]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def progress_records(path):
    """Records counted by the last progress line of a killed run."""
    last = 0
    try:
        for line in open(path, errors="replace"):
            parts = line.split()
            if len(parts) > 4 and parts[:2] == ["ddbxo", "run:"] and \
                    parts[4] == "records":
                last = int(parts[3])
    except (OSError, ValueError):
        pass
    return last


OUTCOMES = ("applied", "duplicate", "stale", "coalesced", "filtered",
            "superseded", "parked", "failed")
FAULTS = ("throttle", "provisioned_throughput", "http_500", "http_503",
          "dropped_after_forward")


VERIFIED = (("late", "demo-late"), ("replica", "demo-replica"),
            ("totals", "demo-totals (agg)"))


def check_late(work, checks):
    """The late replica: backfill finished, and every verify found its
    target equal to f(source).  Returns what print_late shows."""
    bf = load_summary(os.path.join(work, "backfill.out"))
    reports = {n: load_summary(os.path.join(work, "verify-%s.out" % n))
               for n, _ in VERIFIED}
    checks.append({"name": "backfill of a late replica finished (%d items)" %
                   (bf or {}).get("items", 0),
                   "ok": bool(bf) and bf.get("complete") is True and
                   bf.get("items", 0) > 0,
                   "detail": "" if bf else "no summary"})
    bad = [label for n, label in VERIFIED
           if not reports[n] or reports[n].get("differences") != 0]
    checks.append({"name": "ddbxo verify: %s equal f(source)" %
                   ", ".join(label for _, label in VERIFIED),
                   "ok": not bad, "detail": "differs: " + ", ".join(bad)})
    return bf, reports


def print_late(late):
    bf, reports = late
    print()
    head = "%-22s %8s %9s %9s %9s %9s %7s %7s" % (
        "backfill", "items", "applied", "stale", "duplicate", "items/s",
        "rcu/s", "wcu/s")
    print(head)
    print("-" * len(head))
    if bf:
        print("%-22s %8d %9d %9d %9d %9.1f %7.1f %7.1f" % (
            "-> demo-late", bf["items"], bf["applied"], bf["stale"],
            bf["duplicate"], bf["items_per_s"], bf["rcu_per_s"],
            bf["wcu_per_s"]))
    print()
    print("%-28s %8s %8s %8s %9s %6s %8s" % (
        "verify (source: items)", "target", "missing", "extra", "different",
        "stale", "resolved"))
    for n, label in VERIFIED:
        r = reports[n]
        if not r:
            print("%-28s   (no report)" % label)
            continue
        print("%-28s %8d %8d %8d %9d %6d %8d" % (
            "%s (%d)" % (label, r["source_items"]), r["target_items"],
            r["missing"], r["extra"], r["different"], r["stale"],
            r["resolved"]))


def cmd_check(work):
    """Compares the targets with the source, checks the run summaries,
    prints the table; exit status 1 if a check failed."""
    wl = json.load(open(os.path.join(work, "workload.json")))
    ddb = client()
    source = scan(ddb, SOURCE)
    replica = scan(ddb, REPLICA)
    totals = scan(ddb, TOTALS)
    checks = [check_replica(wl, source, replica),
              check_totals(source, totals)]

    runs = []   # (label, summary, stderr, faults)
    for label, legs in (("replicate", ["rep"]),
                        ("aggregate", ["agg-1", "agg-2"])):
        for leg in legs:
            runs.append((label + ("" if len(legs) == 1 else
                                  " (killed)" if leg == "agg-1" else
                                  " (restart)"),
                         load_summary(os.path.join(work, leg + ".out")),
                         os.path.join(work, leg + ".err"), leg))
    faults = {}
    for name in ("rep", "agg"):
        try:
            faults[name] = json.load(open(os.path.join(work, "proxy-%s.json" % name)))
        except (OSError, ValueError):
            faults[name] = None

    writes = wl["writes"]
    rep = runs[0][1]
    agg2 = runs[2][1]
    checks.append({"name": "replicate run read every record once (%d)" % writes,
                   "ok": bool(rep) and rep["records"] == writes and rep["failed"] == 0,
                   "detail": "" if rep else "no summary"})
    killed = runs[1][1] is None and progress_records(runs[1][2]) > 0
    checks.append({"name": "aggregate run killed (-9) mid-way, restart finished",
                   "ok": killed and bool(agg2) and agg2["failed"] == 0 and
                   0 < agg2["records"] <= writes,
                   "detail": "" if agg2 else "no summary from the restart"})
    late = check_late(work, checks)
    injected = sum((f or {}).get("faults", 0) for f in faults.values())
    checks.append({"name": "faults were injected (%d)" % injected,
                   "ok": all(faults.values()) and all(
                       f["faults"] > 0 for f in faults.values()),
                   "detail": ""})

    # ---- the table
    print()
    print("demo: %d writes (%s) -> %d stream records" % (
        writes, ", ".join("%s %d" % kv for kv in sorted(wl["kinds"].items())),
        writes))
    head = "%-22s %8s" % ("run", "records") + "".join(
        " %9s" % o[:9] for o in OUTCOMES) + " %7s %9s" % ("retries", "records/s")
    print(head)
    print("-" * len(head))
    for label, summ, err, _ in runs:
        if summ is None:
            print("%-22s %8s   (killed; last progress line: %d records)" % (
                label, "-", progress_records(err)))
            continue
        rate = summ["records"] / summ["seconds"] if summ.get("seconds") else 0
        print("%-22s %8d" % (label, summ["records"]) + "".join(
            " %9d" % summ.get(o, 0) for o in OUTCOMES) +
            " %7d %9.1f" % (summ.get("retries", 0), rate))
    print()
    print("%-22s %8s" % ("faults injected", "requests") + "".join(
        " %12s" % k[:12] for k in FAULTS) + " %7s" % "total")
    for name, label in (("rep", "replicate proxy"), ("agg", "aggregate proxy")):
        f = faults[name]
        if not f:
            print("%-22s   (no counters)" % label)
            continue
        print("%-22s %8d" % (label, f["requests"]) + "".join(
            " %12d" % f.get(k, 0) for k in FAULTS) + " %7d" % f["faults"])
    print_late(late)
    print()
    for c in checks:
        print("  %s %s%s" % ("ok  " if c["ok"] else "FAIL", c["name"],
                            (": " + c["detail"]) if c["detail"] and not c["ok"] else ""))
    failed = sum(1 for c in checks if not c["ok"])
    print("demo: %d checks passed, %d failed" % (len(checks) - failed, failed))
    return 1 if failed else 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "moto" and len(argv) == 4:
        return cmd_moto(argv[2], argv[3])
    if cmd == "source" and len(argv) == 2:
        return cmd_source()
    if cmd == "workload" and len(argv) == 6:
        return cmd_workload(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    if cmd == "check" and len(argv) == 3:
        return cmd_check(argv[2])
    sys.exit("usage: see the docstring of " + argv[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
