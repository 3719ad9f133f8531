#!/usr/bin/env python3
"""Checks that lib/'s folders use only the layers below them (lib/LAYERS).

Two kinds of use are read: `#include "folder/file.h"` lines in lib/, and
the symbols each compiled object needs from another folder's objects
(nm), which catches a call made through the public header.  Prints one
line per violation and exits 1 if there is any.

Usage: check_layers.py BUILD_OBJ_DIR  (e.g. build/obj)
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set

ROOT = Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)


def read_layers() -> Dict[str, int]:
    """Folder -> floor: one floor per line of lib/LAYERS, lowest first."""
    floor: Dict[str, int] = {}
    lines = [line.split("#", 1)[0].split()
             for line in (ROOT / "lib" / "LAYERS").read_text().splitlines()]
    for i, words in enumerate(w for w in lines if w):
        for name in words:
            floor[name] = i
    return floor


def may_use(floor: Dict[str, int], a: str, b: str) -> bool:
    return a == b or (a in floor and b in floor and floor[b] < floor[a])


def include_violations(floor: Dict[str, int]) -> List[str]:
    out = []
    for f in sorted((ROOT / "lib").glob("*/*.[ch]")):
        me = f.parent.name
        for m in INCLUDE.finditer(f.read_text()):
            to = m.group(1)
            if to in floor and not may_use(floor, me, to):
                out.append(f"{f.relative_to(ROOT)}: includes {to}/ (a layer not below {me}/)")
    return out


def symbol_violations(floor: Dict[str, int], objdir: Path) -> List[str]:
    defined: Dict[str, Path] = {}
    needed: Dict[Path, Set[str]] = {}
    for o in sorted(objdir.glob("*/*.o")):
        nm = subprocess.run(["nm", str(o)], capture_output=True, text=True, check=True).stdout
        for line in nm.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDBR":
                defined[p[2]] = o
            elif len(p) == 2 and p[0] == "U":
                needed.setdefault(o, set()).add(p[1])
    out = []
    for o, syms in needed.items():
        for s in sorted(syms):
            d = defined.get(s)
            if d and not may_use(floor, o.parent.name, d.parent.name):
                out.append(f"{o.parent.name}/{o.stem}.c calls {s} of "
                           f"{d.parent.name}/{d.stem}.c (a layer not below)")
    return out


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    floor = read_layers()
    folders = {p.name for p in (ROOT / "lib").iterdir() if p.is_dir()}
    bad = [f"lib/{f}/ is in no line of lib/LAYERS" for f in sorted(folders - set(floor))]
    bad += [f"lib/LAYERS names {f}/, which does not exist" for f in sorted(set(floor) - folders)]
    objs = Path(sys.argv[1])
    if not any(objs.glob("*/*.o")):
        bad.append(f"{objs}: no objects to read (build the library first)")
    bad += include_violations(floor) + symbol_violations(floor, objs)
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
