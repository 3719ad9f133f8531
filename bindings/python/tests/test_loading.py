"""How the package finds libddbxo (README): its own copy beside the
modules first, then DDBXO_LIBRARY, then the in-tree build of a source
checkout, then the system loader."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import ddbxo

PROBE = ("import ddbxo; print(ddbxo.library_path); print(ddbxo.library_version()); "
         "print(ddbxo._ffi.library_bundled)")
PKG = Path(ddbxo.__file__).resolve().parent


def run(env_changes: Dict[str, Optional[str]], pythonpath: Path) -> "subprocess.CompletedProcess[str]":
    env = dict(os.environ)
    env["PYTHONPATH"] = str(pythonpath)
    for k, v in env_changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, cwd="/")


def without_library(tmp_path: Path) -> Path:
    """The package's modules without the library it carries (a source
    checkout, or a package whose library was removed)."""
    dst = tmp_path / "pkg" / "ddbxo"
    shutil.copytree(PKG, dst, ignore=shutil.ignore_patterns("libddbxo.so*", "__pycache__"))
    return dst.parent


def test_installed_package_carries_its_library() -> None:
    assert (PKG / "libddbxo.so.0").is_file()
    assert ddbxo.library_path == str(PKG / "libddbxo.so.0")
    assert ddbxo.library_version() == ddbxo.__version__


def test_own_library_comes_first(tmp_path: Path) -> None:
    # Neither a wrong DDBXO_LIBRARY nor the loader's path displaces it.
    r = run({"DDBXO_LIBRARY": str(tmp_path / "nope.so"),
             "LD_LIBRARY_PATH": str(tmp_path)}, PKG.parent)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(PKG / "libddbxo.so.0"), ddbxo.__version__, "True"]


def test_env_var_next_and_a_wrong_one_fails_clearly(tmp_path: Path) -> None:
    bare = without_library(tmp_path)
    lib = str(PKG / "libddbxo.so.0")
    ok = run({"DDBXO_LIBRARY": lib}, bare)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split() == [lib, ddbxo.__version__, "False"]
    bad = run({"DDBXO_LIBRARY": str(tmp_path / "nope.so")}, bare)
    assert bad.returncode != 0
    assert "ImportError" in bad.stderr and "DDBXO_LIBRARY" in bad.stderr


def test_system_loader_is_the_fallback(tmp_path: Path) -> None:
    bare = without_library(tmp_path)
    r = run({"DDBXO_LIBRARY": None, "LD_LIBRARY_PATH": str(PKG)}, bare)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["libddbxo.so.0", ddbxo.__version__, "False"]
    r = run({"DDBXO_LIBRARY": None, "LD_LIBRARY_PATH": None}, bare)
    if r.returncode == 0:  # only if this machine has libddbxo installed
        assert r.stdout.split()[1:] == [ddbxo.__version__, "False"]
    else:
        assert "cannot load libddbxo" in r.stderr and "the package carries none" in r.stderr
