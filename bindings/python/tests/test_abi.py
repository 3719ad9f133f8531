"""The ctypes mirrors of the header's structs have the C layout: a probe
compiled against include/ddbxo.h prints every field's offset and size."""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple, Type

from ddbxo import _ffi
from conftest import REPO

STRUCTS: List[Tuple[str, Type[ctypes.Structure]]] = [
    ("ddbxo_error", _ffi.CError),
    ("ddbxo_retry_config", _ffi.CRetryConfig),
    ("ddbxo_client_config", _ffi.CClientConfig),
    ("ddbxo_apply_config", _ffi.CApplyConfig),
    ("ddbxo_apply_options", _ffi.CApplyOptions),
    ("ddbxo_mode_options", _ffi.CModeOptions),
    ("ddbxo_redrive_config", _ffi.CRedriveConfig),
    ("ddbxo_constant", _ffi.CConstant),
    ("ddbxo_sigv4_header", _ffi.CSigv4Header),
    ("ddbxo_sigv4_request", _ffi.CSigv4Request),
    ("ddbxo_sigv4_params", _ffi.CSigv4Params),
]


def test_struct_layouts_match_the_header(tmp_path: Path) -> None:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler is needed (the library's build needs one too)"
    lines = ["#include <stddef.h>", "#include <stdio.h>", "#include <ddbxo.h>",
             "#include <ddbxo/sys/sigv4.h>",
             "#include <ddbxo/sys/binding.h>",
             "#include <ddbxo/sys/redrive.h>",
             "int main(void) {"]
    want: Dict[str, int] = {}
    for cname, py in STRUCTS:
        lines.append(f'printf("{cname} %zu\\n", sizeof({cname}));')
        want[cname] = ctypes.sizeof(py)
        for fname, _ in py._fields_:
            key = f"{cname}.{fname}"
            lines.append(f'printf("{key} %zu\\n", offsetof({cname}, {fname}));')
            want[key] = getattr(py, fname).offset
    lines += ["return 0;", "}"]
    src = tmp_path / "probe.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "probe"
    subprocess.run([cc, "-std=c11", "-I", str(REPO / "include"), "-o", str(exe), str(src)],
                   check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    got = {k: int(v) for k, v in (line.split() for line in out.splitlines())}
    assert got == want
