"""How the package finds libddbxo (README: DDBXO_LIBRARY, the in-tree
build, then the system loader)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import ddbxo
from conftest import REPO

PROBE = "import ddbxo; print(ddbxo.library_path); print(ddbxo.library_version())"


def run(env_changes: dict) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    # The same ddbxo package as this process, wherever it is installed.
    env["PYTHONPATH"] = str(Path(ddbxo.__file__).resolve().parents[1])
    for k, v in env_changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, cwd="/")


def test_loaded_library_is_this_version() -> None:
    assert ddbxo.library_version() == ddbxo.__version__


def test_env_var_wins_and_a_wrong_one_fails_clearly(tmp_path: Path) -> None:
    lib = Path(ddbxo.library_path).resolve()
    ok = run({"DDBXO_LIBRARY": str(lib)})
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split() == [str(lib), ddbxo.__version__]
    bad = run({"DDBXO_LIBRARY": str(tmp_path / "nope.so")})
    assert bad.returncode != 0
    assert "ImportError" in bad.stderr and "DDBXO_LIBRARY" in bad.stderr


def test_system_loader_is_the_fallback() -> None:
    # From an installed package (not a source checkout) without the env
    # var, the soname is found the way the system loader finds it.
    lib = Path(ddbxo.library_path).resolve()
    r = run({"DDBXO_LIBRARY": None, "LD_LIBRARY_PATH": str(lib.parent)})
    assert r.returncode == 0, r.stderr
    in_checkout = REPO.resolve() in Path(ddbxo.__file__).resolve().parents
    want = str(REPO.resolve() / "build" / "libddbxo.so") if in_checkout else "libddbxo.so.0"
    assert r.stdout.split() == [want, ddbxo.__version__]
