#!/usr/bin/env python3
"""Known-answer vectors for canonical encoding v1 and dedup key v1.

An independent implementation of docs/format.md in plain Python (no code
shared with the C library), so the C tests, and later the Python and Go
bindings, check themselves against a second reading of the spec.

    python3 tests/vectors/gen_vectors.py          # rewrite the JSON files
    python3 tests/vectors/gen_vectors.py --check  # fail if they would change
"""
from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
from decimal import Decimal, getcontext
from pathlib import Path

getcontext().prec = 200
HERE = Path(__file__).resolve().parent
TAGS = {"S": 1, "N": 2, "B": 3, "SS": 4, "NS": 5, "BS": 6, "M": 7, "L": 8,
        "NULL": 9, "BOOL": 10}


def norm_number(text: str) -> str:
    d = Decimal(text)
    if d == 0:
        return "0"
    s = format(d.normalize(), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def u32(n: int) -> bytes:
    return struct.pack(">I", n)


def member_bytes(t: str, m: str) -> bytes:
    if t == "SS":
        return m.encode()
    if t == "NS":
        return norm_number(m).encode()
    return base64.b64decode(m, validate=True)


def canon(av: dict) -> bytes:
    (t, v), = av.items()
    out = bytes([TAGS[t]])
    if t in ("S", "N", "B"):
        b = v.encode() if t == "S" else norm_number(v).encode() if t == "N" \
            else base64.b64decode(v, validate=True)
        return out + u32(len(b)) + b
    if t == "BOOL":
        return out + bytes([1 if v else 0])
    if t == "NULL":
        return out
    if t in ("SS", "NS", "BS"):
        members = sorted(set(member_bytes(t, m) for m in v))
        return out + u32(len(members)) + b"".join(u32(len(m)) + m for m in members)
    if t == "L":
        return out + u32(len(v)) + b"".join(canon(e) for e in v)
    if t == "M":
        return canon_map(v)
    raise ValueError(t)


def canon_map(m: dict) -> bytes:
    items = sorted((k.encode(), val) for k, val in m.items())
    return bytes([TAGS["M"]]) + u32(len(items)) + b"".join(
        u32(len(k)) + k + canon(val) for k, val in items)


def dedup_canonical(table: str, keys: dict, seq: str) -> bytes:
    t = table.encode()
    padded = seq.rjust(40, "0").encode()
    return b"ddbxo-dedup-v1" + u32(len(t)) + t + canon_map(keys) + u32(40) + padded


def token(keys: list[str]) -> str:
    return hashlib.sha256(b"ddbxo-token-v1" + "".join(keys).encode()).hexdigest()[:36]


VALUES = [
    ("string", {"S": "hello"}),
    ("empty string", {"S": ""}),
    ("unicode string", {"S": "caf\u00e9 \u2603 \U0001F600"}),
    ("number", {"N": "123"}),
    ("number normalised", {"N": "0001.500"}),
    ("negative zero", {"N": "-0"}),
    ("exponent", {"N": "1.5e3"}),
    ("negative fraction", {"N": "-0.000123"}),
    ("38 digits", {"N": "12345678901234567890123456789012345678"}),
    ("binary", {"B": "dGVzdA=="}),
    ("empty binary", {"B": ""}),
    ("bool true", {"BOOL": True}),
    ("bool false", {"BOOL": False}),
    ("null", {"NULL": True}),
    ("string set unsorted", {"SS": ["b", "a", "\u00e9", "B"]}),
    ("number set normalised", {"NS": ["10", "2", "1.50", "1.5"]}),
    ("binary set with duplicate", {"BS": ["AQ==", "AA==", "AQ=="]}),
    ("list", {"L": [{"S": "x"}, {"N": "1"}, {"NULL": True}, {"L": []}]}),
    ("map", {"M": {"z": {"N": "1"}, "a": {"S": "x"}, "\u00e9": {"BOOL": False}}}),
    ("nested", {"M": {"m": {"M": {"l": {"L": [{"M": {}}, {"SS": ["x"]}]}}}}}),
]

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-01-01T00:00:00.000"
RECORDS = [
    ("string key", "Orders", {"pk": {"S": "order#1"}}, "4700000000000000000000001"),
    ("composite key", "Orders", {"pk": {"S": "c#9"}, "sk": {"N": "42"}}, "4700000000000000000000002"),
    ("key order irrelevant", "Orders", {"sk": {"N": "42"}, "pk": {"S": "c#9"}}, "4700000000000000000000002"),
    ("number key normalised", "Orders", {"id": {"N": "101.0"}}, "111"),
    ("binary key", "Orders", {"id": {"B": "AAECAw=="}}, "1405400000000002063282832"),
    ("unicode key", "T\u00e4belle", {"pk": {"S": "\u00fcber"}}, "300000000000000499659"),
    ("leading zeros in seq", "Orders", {"pk": {"S": "a"}}, "000111"),
    ("40-digit seq", "Orders", {"pk": {"S": "a"}}, "9" * 40),
    ("table from ARN", None, {"pk": {"S": "order#1"}}, "4700000000000000000000001"),
]


def record_json(keys: dict, seq: str, with_arn: bool) -> dict:
    r = {"eventID": "x", "eventName": "INSERT",
         "dynamodb": {"Keys": keys, "SequenceNumber": seq}}
    if with_arn:
        r["eventSourceARN"] = ARN
    return r


def build() -> dict[str, object]:
    canon_vectors = [{"name": n, "value": v, "canonical_hex": canon(v).hex()}
                     for n, v in VALUES]
    dedup_vectors = []
    for name, table, keys, seq in RECORDS:
        effective = table if table is not None else "Orders"
        c = dedup_canonical(effective, keys, seq)
        dedup_vectors.append({
            "name": name,
            "source_table": table,
            "record": record_json(keys, seq, table is None),
            "canonical_hex": c.hex(),
            "dedup_key": hashlib.sha256(c).hexdigest(),
        })
    keys = [v["dedup_key"] for v in dedup_vectors]
    token_vectors = [
        {"name": "one key", "dedup_keys": keys[:1], "token": token(keys[:1])},
        {"name": "two keys", "dedup_keys": keys[:2], "token": token(keys[:2])},
        {"name": "order matters", "dedup_keys": keys[1::-1], "token": token(keys[1::-1])},
    ]
    return {"canonical-v1.json": {"format": "ddbxo canonical v1", "vectors": canon_vectors},
            "dedup-v1.json": {"format": "ddbxo dedup key v1", "vectors": dedup_vectors,
                              "tokens": token_vectors}}


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for fname, doc in build().items():
        text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
        path = HERE / fname
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(fname)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale vectors:", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
