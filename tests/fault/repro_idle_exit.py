#!/usr/bin/env python3
"""Reproduction: `ddbxo run --until-idle` exits 0 with a failed page pending.

One aggregate runner, 240 pre-written source records, writes throttled at
the given rate.  Expected: exit 0 only after all 240 records are applied.
Observed (2026-11-27, before 363f4b8): with --until-idle 3 it exited 0
after 100 records and the ledger missed 140; with --until-idle 12 it
applied all 240.  Fixed by 363f4b8 (idle time counts from the end of a
batch); kept as a regression check.

    VENV=... $VENV/bin/python tests/fault/repro_idle_exit.py [SEED] [RATE] [IDLE]
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import campaign as c  # noqa: E402
import faultproxy as fp  # noqa: E402

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
rate = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
c.SCALES["short"]["idle"] = int(sys.argv[3]) if len(sys.argv) > 3 else 3
args = argparse.Namespace(scale="short", seed=seed,
                          ddbxo=os.path.abspath("build/ddbxo"),
                          venv=os.environ["VENV"], verbose=True, rie="",
                          bootstrap="")
os.makedirs("build/fault", exist_ok=True)
w = c.World(args, tempfile.mkdtemp(prefix="repro-idle-", dir="build/fault"))
try:
    w.write(240)
    w.tables(1)
    w.proxy.set_profile(fp.Profile(rates={"write": {"throttle": rate}}))
    p = c.Proc(w, "agg", c.runner_argv(w, "agg", 1))
    print("exit", p.wait(300), c.last_line(p.out))
    bad = [b for b in w.check(1) if not b.startswith("replicate")]
    print("caught up:", c.caught_up(w, c.runner_argv(w, "agg", 1)))
    print("\n".join(bad) or "all 240 applied")
    print("work directory:", w.workdir)
finally:
    w.close()
