"""Builds libddbxo and ships it inside the package (ddbxo/libddbxo.so.0).

All metadata is in pyproject.toml; this file only adds the C library:

* ``pip install ./bindings/python`` (or an sdist made from it) compiles
  libddbxo from the C sources -- the repository's ``lib/`` and
  ``include/`` two levels up, or the copy an sdist carries in ``csrc/`` --
  with ``$CC`` (default ``cc``) against the system's libcurl, jansson and
  OpenSSL (``pkg-config libcurl jansson libcrypto``).  The wheel is then
  tagged ``py3-none-linux_<arch>``: it is for the machine that built it.
* ``DDBXO_PREBUILT_LIBRARY=/path/libddbxo.so`` copies an already built
  library instead, and ``DDBXO_WHEEL_PLATFORM`` sets the wheel's platform
  tag: ``make python-wheel`` builds a self-contained library for glibc
  2.17 and tags the wheel ``manylinux_2_17_x86_64.manylinux2014_x86_64``.

The package loads the library with ctypes, so one wheel serves every
CPython version (``py3-none``).
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Optional, Tuple

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
LIBNAME = "libddbxo.so.0"          # the soname; what ddbxo/_ffi.py loads
DEPS = ["libcurl", "jansson", "libcrypto"]


def c_sources() -> Path:
    """The C tree: the sdist's copy, else the enclosing repository."""
    for root in (HERE / "csrc", HERE.parents[1]):
        if (root / "include" / "ddbxo.h").is_file() and (root / "lib").is_dir():
            return root
    raise SystemExit("ddbxo: no C sources (csrc/ in an sdist, or the repository's "
                     "lib/ and include/ two directories up)")


def pkg_config(*args: str) -> List[str]:
    try:
        out = subprocess.run(["pkg-config", *args, *DEPS], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        detail = getattr(e, "stderr", "") or str(e)
        raise SystemExit(
            "ddbxo: building libddbxo needs pkg-config and the development files of "
            "libcurl, jansson and OpenSSL (Debian: apt-get install gcc pkg-config "
            "libcurl4-openssl-dev libjansson-dev libssl-dev; Amazon Linux: dnf install "
            "gcc pkgconf libcurl-devel jansson-devel openssl-devel), or install the "
            f"prebuilt wheel (make python-wheel).  pkg-config said: {detail.strip()}")
    return shlex.split(out)


def build_library(out: Path, tmp: Path) -> None:
    """Compiles lib/<layer>/*.c into a shared library linked to the system's deps.
    The flags are the Makefile's (its LIB_CFLAGS and $(SHLIB) rule)."""
    root = c_sources()
    cc = shlex.split(os.environ.get("CC") or "cc")
    cflags = (["-std=gnu11", "-fPIC", "-fvisibility=hidden", "-DDDBXO_BUILDING",
               f"-I{root / 'include'}", f"-I{root / 'lib'}"]
              + shlex.split(os.environ.get("CFLAGS") or "-O2 -g")
              + pkg_config("--cflags"))
    libs = pkg_config("--libs")
    srcs = sorted((root / "lib").glob("*/*.c"))     # one folder per layer
    tmp.mkdir(parents=True, exist_ok=True)

    def compile_one(src: Path) -> Tuple[Path, Optional[str]]:
        obj = tmp / f"{src.parent.name}-{src.stem}.o"
        r = subprocess.run([*cc, *cflags, "-c", str(src), "-o", str(obj)],
                           capture_output=True, text=True)
        return obj, (None if r.returncode == 0 else f"{src.name}:\n{r.stdout}{r.stderr}")

    print(f"ddbxo: compiling libddbxo from {root} ({len(srcs)} files, {' '.join(cc)})")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(compile_one, srcs))
    errors = [e for _, e in results if e]
    if errors:
        raise SystemExit("ddbxo: compiling libddbxo failed:\n" + "\n".join(errors[:3]))
    objs = [str(o) for o, _ in results]
    r = subprocess.run([*cc, "-shared", f"-Wl,-soname,{LIBNAME}", "-Wl,--no-undefined",
                        "-o", str(out), *objs, *libs, "-lpthread", "-lm"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"ddbxo: linking libddbxo failed:\n{r.stdout}{r.stderr}")


class BuildPyWithLibrary(build_py):
    """build_py, then libddbxo.so.0 into the package's build directory."""

    def run(self) -> None:
        super().run()
        dest = Path(self.build_lib) / "ddbxo" / LIBNAME
        dest.parent.mkdir(parents=True, exist_ok=True)
        prebuilt = os.environ.get("DDBXO_PREBUILT_LIBRARY")
        if prebuilt:
            print(f"ddbxo: using the prebuilt {prebuilt}")
            shutil.copyfile(prebuilt, dest)
        else:
            build_library(dest, Path(self.build_temp_dir()) / "ddbxo-obj")
        os.chmod(dest, 0o755)
        # What ddbxo/_ffi.py needs to know about the library it carries.
        static_tls = bool(prebuilt) and os.environ.get("DDBXO_STATIC_TLS") == "1"
        (dest.parent / "_build.py").write_text(
            '"""Written by setup.py: how the bundled libddbxo.so.0 was built."""\n'
            f"#: libcurl and OpenSSL linked in (the manylinux wheel), not the system's.\n"
            f"STATIC_TLS = {static_tls}\n")

    def build_temp_dir(self) -> str:
        return str(self.get_finalized_command("build").build_temp)

    def get_outputs(self, include_bytecode: bool = True) -> List[str]:
        pkg = Path(self.build_lib) / "ddbxo"
        return [*super().get_outputs(include_bytecode), str(pkg / LIBNAME),
                str(pkg / "_build.py")]


class SdistWithSources(sdist):
    """An sdist carries the C sources it builds from, in csrc/."""

    def make_release_tree(self, base_dir: str, files: List[str]) -> None:
        super().make_release_tree(base_dir, files)
        root = c_sources()
        dst = Path(base_dir) / "csrc"
        for sub, pattern in (("lib", "*.[ch]"), ("include", "*.h")):
            for f in sorted((root / sub).rglob(pattern)):
                out = dst / sub / f.relative_to(root / sub)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, out)


class PlatformWheel(bdist_wheel):
    """py3-none-<platform>: any CPython 3, but this OS and architecture."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> Tuple[str, str, str]:
        plat = os.environ.get("DDBXO_WHEEL_PLATFORM") or \
            sysconfig.get_platform().replace("-", "_").replace(".", "_")
        return "py3", "none", plat


class BinaryDistribution(Distribution):
    def has_ext_modules(self) -> bool:  # a platform wheel, not a pure one
        return True


if sys.platform != "linux":
    raise SystemExit("ddbxo: libddbxo builds on Linux only")

setup(
    distclass=BinaryDistribution,
    cmdclass={"build_py": BuildPyWithLibrary, "sdist": SdistWithSources,
              "bdist_wheel": PlatformWheel},
)
