"""Writes a deterministic DynamoDB stream event (the Lambda shape) for the
benchmarks: realistic order items of about 1 KB of DynamoDB JSON with
nested maps, lists and sets, NEW_AND_OLD_IMAGES.

usage: python3 gen_event.py N OUT.json [--first K] [--modify PCT] [--remove PCT]
       python3 gen_event.py N OUT.json --nulls M

Records have distinct keys (order#<K>..order#<K+N-1>), so applying an
event writes N items and nothing coalesces; MODIFY records keep the
item's region (the aggregate's group) and change its total.  Standard
library only: the C, Go and Python drivers all read the same files.

--nulls M writes the hostile event of the memory rows instead: N INSERT
records whose NewImage is {"pk": {"S": key}, "nulls": {"L": [M x
{"NULL":true}]}}.  A list of NULLs is the most values per event byte
that anyone who can write an item can put in a stream: 14 bytes of JSON
per value, 2 bytes of DynamoDB item size (1 for the NULL, 1 per list
element), so M = 200,000 is an item of 400,024 bytes, within DynamoDB's
400 KB, and 3 such records make an 8.4 MB event.
"""
from __future__ import annotations

import argparse
import json
import random
from typing import Any, Dict

ARN = ("arn:aws:dynamodb:us-east-1:123456789012:table/BenchOrders/stream/"
       "2026-01-01T00:00:00.000")
REGIONS = ["eu-west", "us-east", "us-west", "ap-south", "sa-east"]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
         "hotel", "india", "juliet", "kilo", "lima", "mike", "november"]


def s(v: str) -> Dict[str, Any]:
    return {"S": v}


def n(v: Any) -> Dict[str, Any]:
    return {"N": str(v)}


def image(rng: random.Random, key: str, region: str, version: int) -> Dict[str, Any]:
    lines = []
    total = 0
    for i in range(rng.randint(2, 4)):
        qty = rng.randint(1, 5)
        cents = rng.randint(199, 9999)
        total += qty * cents
        lines.append({"M": {
            "sku": s(f"SKU-{rng.randint(10000, 99999)}"),
            "qty": n(qty),
            "price": n(f"{cents // 100}.{cents % 100:02d}"),
            "attrs": {"M": {"color": s(rng.choice(WORDS)), "size": s(rng.choice("SML"))}},
        }})
    return {
        "pk": s(key),
        "region": s(region),
        "version": n(version),
        "status": s(rng.choice(["NEW", "PAID", "SHIPPED"])),
        "total": n(f"{total // 100}.{total % 100:02d}"),
        "created": n(1767225600 + rng.randint(0, 10**7)),
        "customer": {"M": {
            "id": s(f"cust-{rng.randint(1, 10**6):07d}"),
            "name": s(" ".join(rng.choice(WORDS).title() for _ in range(2))),
            "email": s(f"{rng.choice(WORDS)}.{rng.randint(1, 9999)}@example.com"),
            "address": {"M": {
                "street": s(f"{rng.randint(1, 999)} {rng.choice(WORDS).title()} Street"),
                "city": s(rng.choice(WORDS).title() + "ville"),
                "zip": s(f"{rng.randint(10000, 99999)}"),
                "country": s(rng.choice(["DE", "FR", "US", "BR", "IN"])),
            }},
        }},
        "lines": {"L": lines},
        "tags": {"SS": sorted({rng.choice(WORDS) for _ in range(3)})},
        "gift": {"BOOL": rng.random() < 0.2},
        "note": s(" ".join(rng.choice(WORDS) for _ in range(12))),
    }


def record(rng: random.Random, i: int, kind: str) -> Dict[str, Any]:
    key = f"order#{i:08d}"
    region = REGIONS[i % len(REGIONS)]
    seq = f"{1000000000000000000000 + i}"
    ddb: Dict[str, Any] = {
        "ApproximateCreationDateTime": 1767225600 + i,
        "Keys": {"pk": s(key)},
        "SequenceNumber": seq,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if kind in ("INSERT", "MODIFY"):
        ddb["NewImage"] = image(rng, key, region, 2 if kind == "MODIFY" else 1)
    if kind in ("MODIFY", "REMOVE"):
        ddb["OldImage"] = image(rng, key, region, 1)
    ddb["SizeBytes"] = len(json.dumps(ddb, separators=(",", ":")))
    return {
        "eventID": f"{i:032x}",
        "eventName": kind,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": ddb,
        "eventSourceARN": ARN,
    }


def null_record(i: int, m: int) -> Dict[str, Any]:
    key = f"order#{i:08d}"
    ddb: Dict[str, Any] = {
        "ApproximateCreationDateTime": 1767225600 + i,
        "Keys": {"pk": s(key)},
        "NewImage": {"pk": s(key), "nulls": {"L": [{"NULL": True}] * m}},
        "SequenceNumber": f"{1000000000000000000000 + i}",
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    ddb["SizeBytes"] = len(json.dumps(ddb, separators=(",", ":")))
    return {"eventID": f"{i:032x}", "eventName": "INSERT", "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "dynamodb": ddb,
            "eventSourceARN": ARN}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--modify", type=int, default=50, help="percent MODIFY")
    ap.add_argument("--remove", type=int, default=0, help="percent REMOVE")
    ap.add_argument("--nulls", type=int, default=0, help="hostile: M NULLs per image")
    a = ap.parse_args()
    if a.nulls:
        with open(a.out, "w") as f:
            json.dump({"Records": [null_record(i, a.nulls) for i in range(a.first, a.first + a.n)]},
                      f, separators=(",", ":"))
        return
    rng = random.Random(a.first * 7919 + a.n)
    recs = []
    for i in range(a.first, a.first + a.n):
        r = rng.randrange(100)
        kind = "REMOVE" if r < a.remove else "MODIFY" if r < a.remove + a.modify else "INSERT"
        recs.append(record(rng, i, kind))
    with open(a.out, "w") as f:
        json.dump({"Records": recs}, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
