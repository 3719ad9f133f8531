#!/usr/bin/env python3
"""Writes docs/api.md from the installed headers: include/ddbxo.h (the
umbrella) and include/ddbxo/sys/*.h (the advanced layers), a section per
header, every public function with the doc comment above it, grouped by the
header's `/* ---- name ---- */` sections.  The block of docs/api.md between
the KEEP markers ("What changed") is hand-written and kept as it is.

    python3 scripts/gen_api_doc.py          # rewrite docs/api.md
    python3 scripts/gen_api_doc.py --check  # fail if docs/api.md is stale
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UMBRELLA = ROOT / "include" / "ddbxo.h"
SYS_DIR = ROOT / "include" / "ddbxo" / "sys"
OUT = ROOT / "docs" / "api.md"

SECTION = re.compile(r"/\* -{2,} (.+?) -{2,} \*/$")
# A one-line typedef of an opaque type between a comment and the functions
# it documents does not end the comment's run.
OPAQUE = re.compile(r"typedef (struct|enum) \w+ \w+;")
KEEP_BEGIN = "<!-- hand-written: kept by scripts/gen_api_doc.py -->"
KEEP_END = "<!-- end of the hand-written part -->"

Section = tuple[str, list[tuple[str, str]]]


def headers() -> list[Path]:
    return [UMBRELLA] + sorted(SYS_DIR.glob("*.h"))


def title(path: Path, text: str) -> str:
    """The header's own name for itself: "libddbxo -- <title>"."""
    m = re.search(r"libddbxo (?:--|:) ?([^\n*]+)", text)
    what = m.group(1).strip().rstrip(".") if m else ""
    if path == UMBRELLA:
        what = "the umbrella header"
    return what


def parse(text: str) -> list[Section]:
    lines = text.splitlines()
    sections: list[Section] = [("General", [])]
    comment: list[str] = []
    in_comment = False
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        m = SECTION.match(s)
        if m:
            sections.append((m.group(1).strip(), []))
            comment = []
            i += 1
            continue
        if s.startswith("/*") and not in_comment:
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
            decl = decl.replace("( ", "(")
            # A comment above a run of declarations documents the run.
            sections[-1][1].append((decl, " ".join(comment)))
        elif OPAQUE.match(s):
            pass
        elif not s or not s.startswith("#"):
            comment = []
        i += 1
    return [(name, fns) for name, fns in sections if fns]


def kept() -> list[str]:
    """The hand-written block of the current docs/api.md, markers included."""
    if not OUT.exists():
        return [KEEP_BEGIN, "", "## What changed", "", "(to be written)", "", KEEP_END]
    text = OUT.read_text(encoding="utf-8")
    a, b = text.find(KEEP_BEGIN), text.find(KEEP_END)
    if a < 0 or b < a:
        raise SystemExit("docs/api.md lost its hand-written markers")
    return text[a:b + len(KEEP_END)].splitlines()


def render() -> str:
    out = ["# libddbxo API", "",
           "Generated from the installed headers by `scripts/gen_api_doc.py`;",
           "the headers are the reference.  `#include <ddbxo.h>` is the",
           "umbrella an application needs: events and records, values, dedup",
           "keys, the client, transforms, apply and batches, the runner and",
           "the Lambda loop.  The advanced layers are in",
           "`<ddbxo/sys/*.h>`, which `<ddbxo.h>` does not include: you include",
           "the ones you use (libgit2's `sys/` pattern); they keep the same",
           "stability promise.",
           "",
           "Conventions: functions return 0 or a pointer on success, and -1 or",
           "NULL with the caller's `ddbxo_error` filled on failure; JSON text is",
           "passed as (pointer, length); times are `int64_t` milliseconds named",
           "`*_ms` (deadlines in epoch ms), TTLs `int64_t` seconds named `*_s`;",
           "whoever calls `_new`/`_parse` frees with the matching `_free`; every",
           "`_free` accepts NULL.", ""]
    texts = [(h, h.read_text(encoding="utf-8")) for h in headers()]
    out.append("Headers:")
    out.append("")
    for h, text in texts:
        rel = h.relative_to(ROOT / "include").as_posix()
        out.append(f"- `<{rel}>`: {title(h, text)}")
    out += [""] + kept() + [""]
    for h, text in texts:
        rel = h.relative_to(ROOT / "include").as_posix()
        out += [f"## `<{rel}>`: {title(h, text)}", ""]
        for name, fns in parse(text):
            out += [f"### {name}", ""]
            for decl, doc in fns:
                out += [f"- `{decl}`", f"  {doc}" if doc else "  (undocumented)", ""]
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    text = render()
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
