"""Invariants of the fault campaign, checked from full scans.

Written independently of the library: the dedup key is recomputed here
from docs/format.md (and checked against tests/vectors/dedup-v1.json),
aggregates are summed with exact decimals.

- replicate: every target item equals its source item plus the
  bookkeeping attributes (``_ddbxo_seq`` = the item's last record), every
  other target item is a tombstone of a deleted item, nothing else; every
  item the stream shows deleted has its tombstone.
- aggregate: every group's ``item_count`` and ``total`` equal the count and
  exact sum computed from the source scan; no group item is missing.
- ledger: the ledger holds exactly one item per record that has writes
  (``ddbxo#v1#<dedup key>``), and nothing else.
"""
from __future__ import annotations

import hashlib
import json
import struct
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Optional, Tuple

Item = Dict[str, Dict[str, Any]]
BOOK = ("_ddbxo_seq", "_ddbxo_src", "_ddbxo_deleted", "_ddbxo_exp",
        "_ddbxo_ver")


def scan(ddb: Any, table: str) -> List[Item]:
    items: List[Item] = []
    kw: Dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        r = ddb.scan(**kw)
        items.extend(r.get("Items", []))
        if "LastEvaluatedKey" not in r:
            return items
        kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]


def _u32(n: int) -> bytes:
    return struct.pack(">I", n)


def dedup_key(source_table: str, keys: Item, seq: str) -> str:
    """Dedup key v1 for S and N key attributes (what the campaign uses)."""
    out = b"ddbxo-dedup-v1" + _u32(len(source_table.encode())) + \
        source_table.encode() + b"\x07" + _u32(len(keys))
    for name in sorted(keys, key=lambda k: k.encode()):
        (t, v), = keys[name].items()
        if t != "S":
            raise ValueError("campaign keys are S only")
        out += _u32(len(name.encode())) + name.encode() + b"\x01" + \
            _u32(len(v.encode())) + v.encode()
    padded = seq.rjust(40, "0").encode()
    out += _u32(len(padded)) + padded
    return hashlib.sha256(out).hexdigest()


def self_test(vectors_path: str) -> int:
    """Checks dedup_key against the known-answer vectors with S keys."""
    with open(vectors_path) as f:
        doc = json.load(f)
    n = 0
    for v in doc["vectors"]:
        rec = v.get("record", {})
        keys = rec.get("dynamodb", {}).get("Keys")
        seq = rec.get("dynamodb", {}).get("SequenceNumber")
        if (not keys or not isinstance(seq, str) or "dedup_key" not in v
                or not isinstance(v.get("source_table"), str)):
            continue
        if not all(isinstance(a, dict) and list(a) == ["S"]
                   for a in keys.values()):
            continue
        got = dedup_key(v["source_table"], keys, seq)
        if got != v["dedup_key"]:
            raise AssertionError(f"dedup vector {v.get('name')}: {got}")
        n += 1
    if n == 0:
        raise AssertionError("no dedup vector with S keys was checked")
    return n


def _rec(pk: str, seq: str, ev: str) -> dict:
    return {"eventName": ev, "dynamodb": {"Keys": {"pk": {"S": pk}},
                                         "SequenceNumber": seq}}


def self_test_replicate() -> int:
    """Checks check_replicate itself on hand-made scans: a correct target
    passes, and each way of losing a write is reported."""
    live = {"pk": {"S": "a"}, "v": {"N": "1"}}
    recs = [_rec("a", "100", "INSERT"), _rec("d", "200", "INSERT"),
            _rec("d", "300", "REMOVE")]
    rep_a = dict(live, _ddbxo_seq={"S": "100".rjust(40, "0")},
                 _ddbxo_src={"S": "a"})
    tomb_d = {"pk": {"S": "d"}, "_ddbxo_seq": {"S": "300".rjust(40, "0")},
              "_ddbxo_src": {"S": "d"}, "_ddbxo_deleted": {"BOOL": True}}
    cases = [
        ("complete", [rep_a, tomb_d], None),
        ("live item never applied", [tomb_d], "source item a missing"),
        # The audit's case (issue #20): the deleted item's INSERT and
        # REMOVE were both lost, so neither scan holds it.
        ("deleted item never applied", [rep_a],
         "deleted item d has no tombstone"),
        ("delete lost, insert applied",
         [rep_a, {"pk": {"S": "d"}, "_ddbxo_seq": {"S": "200".rjust(40, "0")},
                  "_ddbxo_src": {"S": "d"}}],
         "not the last record's"),
    ]
    for name, tgt, want in cases:
        bad = check_replicate([live], tgt, recs)
        if want is None and bad:
            raise AssertionError(f"replicate self-test {name}: {bad}")
        if want is not None and not any(want in b for b in bad):
            raise AssertionError(f"replicate self-test {name}: not caught "
                                 f"({bad})")
    return len(cases)


def _canon(item: Item) -> str:
    return json.dumps(item, sort_keys=True)


def last_records(records: Iterable[dict]) -> Dict[str, dict]:
    """The last stream record of every source key (pk S)."""
    last: Dict[str, dict] = {}
    for r in records:
        last[r["dynamodb"]["Keys"]["pk"]["S"]] = r
    return last


def check_replicate(src: List[Item], tgt: List[Item],
                    records: List[dict]) -> List[str]:
    bad: List[str] = []
    srcmap = {i["pk"]["S"]: i for i in src}
    last = last_records(records)
    seen = set()
    for t in tgt:
        pk = t["pk"]["S"]
        seen.add(pk)
        lr = last.get(pk)
        if lr is None:
            bad.append(f"replicate: target item {pk} has no record")
            continue
        want_seq = lr["dynamodb"]["SequenceNumber"].rjust(40, "0")
        if t.get("_ddbxo_seq", {}).get("S") != want_seq:
            bad.append(f"replicate: {pk} holds _ddbxo_seq "
                       f"{t.get('_ddbxo_seq')} not the last record's")
        body = {k: v for k, v in t.items() if k not in BOOK}
        if pk in srcmap:
            if t.get("_ddbxo_deleted"):
                bad.append(f"replicate: {pk} is a tombstone, source has it")
            elif _canon(body) != _canon(srcmap[pk]):
                bad.append(f"replicate: {pk} differs from its source item")
        else:
            if not t.get("_ddbxo_deleted", {}).get("BOOL"):
                bad.append(f"replicate: {pk} exists, source item deleted")
            elif set(body) != {"pk"}:
                bad.append(f"replicate: tombstone {pk} carries attributes")
    for pk in srcmap:
        if pk not in seen:
            bad.append(f"replicate: source item {pk} missing in target")
    # A deleted item leaves a tombstone (docs/exactly-once.md, "Deletes"):
    # when neither its INSERT nor its REMOVE was applied, source and target
    # both lack it, and only the stream shows it was ever there.
    for pk in sorted(last):
        if pk not in srcmap and pk not in seen:
            bad.append(f"replicate: deleted item {pk} has no tombstone "
                       f"in target")
    return bad


def check_aggregate(src: List[Item], agg: List[Item], group: str,
                    amount: str) -> List[str]:
    want: Dict[str, Tuple[int, Decimal]] = {}
    for i in src:
        if group not in i:
            continue
        g = i[group]["S"]
        c, t = want.get(g, (0, Decimal(0)))
        want[g] = (c + 1, t + Decimal(i.get(amount, {}).get("N", "0")))
    bad: List[str] = []
    got = {}
    for a in agg:
        got[a["pk"]["S"]] = (int(a.get("item_count", {}).get("N", "0")),
                             Decimal(a.get("total", {}).get("N", "0")))
    for g in sorted(set(want) | set(got)):
        w = want.get(g, (0, Decimal(0)))
        h = got.get(g)
        if h is None:
            bad.append(f"aggregate: group {g} missing (want {w})")
        elif h[0] != w[0] or h[1] != w[1]:
            bad.append(f"aggregate: group {g} has count {h[0]} total {h[1]}"
                       f", source gives {w[0]} {w[1]}")
    return bad


def aggregate_has_writes(r: dict, group: str, amount: str) -> bool:
    """Whether GROUP:SUM turns record r into writes (docs/transform.md §5)."""
    d = r["dynamodb"]
    old, new = d.get("OldImage", {}), d.get("NewImage", {})
    ev = r["eventName"]
    if ev == "INSERT":
        return group in new
    if ev == "REMOVE":
        return group in old
    og, ng = old.get(group), new.get(group)
    if og != ng:
        return og is not None or ng is not None
    if og is None:
        return False
    oa = Decimal(old.get(amount, {}).get("N", "0"))
    na = Decimal(new.get(amount, {}).get("N", "0"))
    return oa != na


def check_ledger(ledger: List[Item], records: List[dict], source_table: str,
                 group: str, amount: str) -> List[str]:
    want = {}
    for r in records:
        if aggregate_has_writes(r, group, amount):
            k = "ddbxo#v1#" + dedup_key(source_table, r["dynamodb"]["Keys"],
                                        r["dynamodb"]["SequenceNumber"])
            want[k] = r["dynamodb"]["SequenceNumber"]
    got: Dict[str, int] = {}
    for i in ledger:
        pk = i["pk"]["S"]
        got[pk] = got.get(pk, 0) + 1
    bad = []
    missing = [want[k] for k in want if k not in got]
    extra = [k for k in got if k not in want]
    if missing:
        bad.append(f"ledger: {len(missing)} applied records have no ledger "
                   f"item (first seq {sorted(missing)[0]})")
    if extra:
        bad.append(f"ledger: {len(extra)} ledger items match no record")
    return bad


def snapshot(ddb: Any, tables: Iterable[str]) -> Dict[str, List[str]]:
    return {t: sorted(_canon(i) for i in scan(ddb, t)) for t in tables}


def first_diff(a: Dict[str, List[str]], b: Dict[str, List[str]]
               ) -> Optional[str]:
    for t in a:
        if a[t] != b.get(t):
            return f"{t}: {len(a[t])} items before, {len(b.get(t, []))} after"
    return None
