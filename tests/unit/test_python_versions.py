"""Python 3.11, 3.12 and 3.13 (issue 21, item 3).

The Makefile's list of versions, pyproject's ``requires-python`` and constraints.txt agree, and
``make setup`` uses ``PYTHON=`` if given, else the first of python3.11, python3.12, python3.13
that runs. The interpreters here are fakes on a private PATH: a pyenv shim of a version pyenv has
not selected is on PATH but exits 127, and must be passed over.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "Makefile"


def makefile_versions() -> list[str]:
    m = re.search(r"^PYTHON_VERSIONS := (.+)$", MAKEFILE.read_text(encoding="utf-8"), re.M)
    assert m, "Makefile: no 'PYTHON_VERSIONS := ...' line"
    return m.group(1).split()


def test_requires_python_admits_exactly_the_makefile_versions():
    versions = makefile_versions()
    assert versions[0] == "3.11", "the main version (CI, committed results) comes first"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    spec = SpecifierSet(project["requires-python"])
    for minor in range(8, 16):
        v = f"3.{minor}"
        assert (f"{v}.0" in spec) == (v in versions), (v, str(spec), versions)
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in versions


@pytest.mark.parametrize("version", makefile_versions())
def test_constraints_pin_each_package_once_per_version(version):
    """A version-conditional pin (PEP 508 marker) must leave exactly one pin per package."""
    env = {"python_version": version, "python_full_version": f"{version}.0"}
    pins: dict[str, list[str]] = {}
    for n, line in enumerate((ROOT / "constraints.txt").read_text().splitlines(), 1):
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", (n, line)
        if req.marker is None or Marker(str(req.marker)).evaluate(env):
            pins.setdefault(canonicalize_name(req.name), []).append(line)
    twice = {name: lines for name, lines in pins.items() if len(lines) > 1}
    assert not twice, f"constraints.txt pins these twice for Python {version}: {twice}"
    assert "numpy" in pins and "pandas" in pins


# -- which interpreter `make setup` uses ------------------------------------------------------

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def fake_python(folder: Path, name: str, works: bool) -> Path:
    path = folder / name
    if works:  # a real interpreter under the fake name (sys.executable keeps the name)
        path.symlink_to(sys.executable)
    else:  # like an unselected pyenv shim: on PATH, prints an error, exits 127
        path.write_text(f"#!/bin/sh\necho 'pyenv: {name}: command not found' >&2\nexit 127\n")
        path.chmod(0o755)
    return path


def make(cwd: Path, fakebin: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    env.pop("PYTHON", None)
    env["PATH"] = f"{fakebin}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(MAKEFILE), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture()
def sandbox(tmp_path):
    for name in ("pyproject.toml", "constraints.txt"):
        (tmp_path / name).symlink_to(ROOT / name)
    fakebin = tmp_path / "bin"
    fakebin.mkdir()
    return tmp_path, fakebin


@needs_make
def test_first_python_that_runs_is_used_and_named(sandbox):
    cwd, fakebin = sandbox
    fake_python(fakebin, "python3.11", works=False)
    p312 = fake_python(fakebin, "python3.12", works=True)
    fake_python(fakebin, "python3.13", works=True)
    res = make(cwd, fakebin, "which-python")
    assert res.returncode == 0, res.stderr
    version = ".".join(map(str, sys.version_info[:3]))
    assert res.stdout.strip() == f"Python {version} from {p312}"
    # setup (dry run) builds the venv with it, and the kernel is named after the venv's version
    res = make(cwd, fakebin, "-n", "setup")
    assert res.returncode == 0, res.stderr
    assert f'"{p312}" -m venv .venv' in res.stdout
    assert "CRM workbook (Python $(.venv/bin/python -c" in res.stdout
    assert "Python 3.11)" not in res.stdout


@needs_make
def test_python_given_wins_and_a_broken_one_is_named(sandbox):
    cwd, fakebin = sandbox
    fake_python(fakebin, "python3.11", works=True)
    p313 = fake_python(fakebin, "python3.13", works=True)
    res = make(cwd, fakebin, "which-python", f"PYTHON={p313}")
    assert res.returncode == 0 and res.stdout.strip().endswith(f"from {p313}"), res.stderr
    broken = fake_python(fakebin, "python-broken", works=False)
    res = make(cwd, fakebin, "which-python", f"PYTHON={broken}")
    assert res.returncode == 2 and f"PYTHON={broken} does not run" in res.stderr


@needs_make
def test_no_python_found_stops_setup_with_the_fix(sandbox):
    cwd, fakebin = sandbox
    for v in makefile_versions():
        fake_python(fakebin, f"python{v}", works=False)
    for target in ("which-python", "setup"):
        res = make(cwd, fakebin, target)
        assert res.returncode == 2, (target, res.stdout)
        assert "none of python3.11 python3.12 python3.13 runs here" in res.stderr
        assert "PYTHON=/path/to/python3.1x" in res.stderr
    assert not (cwd / ".venv").exists()
