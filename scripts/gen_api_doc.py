#!/usr/bin/env python3
"""Writes docs/api.md from include/ddbxo.h: every public function with the
doc comment above it, grouped by the header's layer sections.

    python3 scripts/gen_api_doc.py          # rewrite docs/api.md
    python3 scripts/gen_api_doc.py --check  # fail if docs/api.md is stale
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "include" / "ddbxo.h"
OUT = ROOT / "docs" / "api.md"

SECTION = re.compile(r"/\* (\w[\w ,:/+-]*?)\s+\*/\s*$")
RULE = "/* ------------------------------------------------------------------ */"


def parse(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    lines = text.splitlines()
    sections: list[tuple[str, list[tuple[str, str]]]] = [("General", [])]
    comment: list[str] = []
    in_comment = False
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if s == RULE and i + 2 < len(lines) and lines[i + 2].strip() == RULE:
            m = SECTION.match(lines[i + 1].strip())
            if m:
                sections.append((m.group(1).strip(), []))
            i += 3
            comment = []
            continue
        if s.startswith("/*") and not s.startswith("/* DDBXO:"):
            in_comment = True
            comment = []
        if in_comment:
            body = re.sub(r"^/\*+|\*+/$|^\*", "", s).strip()
            if body:
                comment.append(body)
            if s.endswith("*/"):
                in_comment = False
            i += 1
            continue
        if s.startswith("DDBXO_API"):
            decl = s
            while not decl.rstrip().endswith(";") and i + 1 < len(lines):
                i += 1
                decl += " " + lines[i].strip()
            decl = re.sub(r"\s+", " ", decl.replace("DDBXO_API ", "")).strip()
            # A comment above a run of declarations documents the run.
            sections[-1][1].append((decl, " ".join(comment)))
        elif not s or not s.startswith("#"):
            comment = []
        i += 1
    return [(name, fns) for name, fns in sections if fns]


def render(sections) -> str:
    out = ["# libddbxo API", "",
           "Generated from `include/ddbxo.h` by `scripts/gen_api_doc.py`; the",
           "header is the reference. Conventions: functions return 0 or a pointer",
           "on success, and -1 or NULL with the caller's `ddbxo_error` filled on",
           "failure; whoever calls `_new`/`_parse` frees with the matching `_free`;",
           "every `_free` accepts NULL.", ""]
    for name, fns in sections:
        out += [f"## {name}", ""]
        for decl, doc in fns:
            out += [f"- `{decl}`", f"  {doc}" if doc else "  (undocumented)", ""]
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    text = render(parse(HEADER.read_text(encoding="utf-8")))
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print("docs/api.md is stale: run python3 scripts/gen_api_doc.py", file=sys.stderr)
            return 1
        undocumented = text.count("(undocumented)")
        if undocumented:
            print(f"{undocumented} public functions lack a doc comment", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
