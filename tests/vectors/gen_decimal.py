#!/usr/bin/env python3
"""Randomised vectors for the exact decimal arithmetic (lib/value/decimal.c):
a - b, -a and cmp(a, b) on DynamoDB numbers, computed with Python's
decimal module (an independent implementation), written to
decimal-v1.json.  Fixed seed: the file is reproducible.

    python3 tests/vectors/gen_decimal.py          # rewrite the JSON file
    python3 tests/vectors/gen_decimal.py --check  # fail if it would change
"""
from __future__ import annotations

import json
import random
import sys
from decimal import Decimal, getcontext
from pathlib import Path

getcontext().prec = 500
OUT = Path(__file__).resolve().parent / "decimal-v1.json"


def plain(d: Decimal) -> str:
    """DynamoDB's normal form as lib/value/number.c writes it: plain notation."""
    if d == 0:
        return "0"
    s = format(d.normalize(), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def storable(d: Decimal) -> bool:
    if d == 0:
        return True
    t = d.normalize().as_tuple()
    if len(t.digits) > 38:
        return False
    adj = d.normalize().adjusted()
    return -130 <= adj <= 125


def rand_number(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.05:
        return rng.choice(["0", "-0", "0.000", "0e5"])
    ndig = rng.choice([1, 2, 5, 17, 37, 38, rng.randint(1, 38)])
    if rng.random() < 0.2:
        digits = "9" * ndig
    elif rng.random() < 0.1:
        digits = "1" + "0" * (ndig - 1)
    else:
        digits = str(rng.randint(1, 9)) + "".join(
            rng.choice("0123456789") for _ in range(ndig - 1))
    # Exponent so that the adjusted exponent stays in DynamoDB's range.
    adj = rng.choice([0, 1, -1, 5, -5, 37, -37, 125, -130,
                      rng.randint(-130, 125), rng.randint(-10, 40)])
    exp = adj - (ndig - 1)
    sign = "-" if rng.random() < 0.5 else ""
    form = rng.random()
    if form < 0.5:
        return f"{sign}{digits}E{exp}"
    d = Decimal(f"{sign}{digits}E{exp}")
    return plain(d) if len(plain(d)) < 60 else f"{sign}{digits}e{exp}"


def near(rng: random.Random, a: str) -> str:
    """A number close to a, so that subtraction cancels and borrows."""
    d = Decimal(a)
    if d == 0:
        return rng.choice(["1E-130", "-1E-130", "0"])
    ulp = Decimal(1).scaleb(d.normalize().adjusted() - 37)
    cand = d + ulp * rng.choice([-1, 1, -10, 7])
    return str(cand) if storable(cand) else a


def main() -> int:
    rng = random.Random(20260401)
    cases = []
    for i in range(1500):
        a = rand_number(rng)
        b = near(rng, a) if i % 3 == 0 else rand_number(rng)
        r = Decimal(a) - Decimal(b)
        cases.append({"op": "sub", "a": a, "b": b,
                      "out": plain(r) if storable(r) else None})
        c = (Decimal(a) > Decimal(b)) - (Decimal(a) < Decimal(b))
        cases.append({"op": "cmp", "a": a, "b": b, "out": c})
        if i % 5 == 0:
            cases.append({"op": "neg", "a": a, "out": plain(-Decimal(a))})
    text = json.dumps({"version": 1, "note": "out null = DDBXO_E_LIMIT",
                       "cases": cases}, indent=0) + "\n"
    if "--check" in sys.argv:
        return 0 if OUT.read_text() == text else 1
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
