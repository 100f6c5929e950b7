"""Fetch the CDNOW transaction files as shipped inside the ``lifetimes`` wheel.

Downloads ``lifetimes==0.11.3`` (the wheel only, no dependencies, through ``python -m pip
download``), checks the wheel's SHA-256 and extracts ``CDNOW_master.txt`` (69,659 lines, 23,570
customers) and ``CDNOW_sample.txt`` (the 2,357-customer sample) into a folder, unchanged.
Files already there with the right SHA-256 are kept. Read them with
``examples/gallery/cdnow.yaml`` and ``examples/gallery/cdnow_sample.yaml``.

Usage::

    .venv/bin/python scripts/fetch_cdnow.py data/raw/cdnow

CDNOW data: Fader & Hardie's CDNOW sample, as redistributed with lifetimes (MIT licence).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "Lifetimes-0.11.3-py3-none-any.whl"
REQUIREMENT = "lifetimes==0.11.3"
WHEEL_SHA256 = "261e3dc89977c2b60767ca6728aaa29d429de0c814635070a749c36555895da8"
FILES: dict[str, tuple[str, str]] = {
    "CDNOW_master.txt": (
        "lifetimes/datasets/CDNOW_master.txt",
        "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef",
    ),
    "CDNOW_sample.txt": (
        "lifetimes/datasets/CDNOW_sample.txt",
        "6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a",
    ),
}
"""File name in the output folder: (member of the wheel, its SHA-256)."""


def sha256(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def download_wheel(folder: Path) -> Path:
    """Download the wheel into ``folder`` with pip (argument list, no shell) and check it.

    Raises
    ------
    RuntimeError
        pip failed, or the wheel's SHA-256 is not the known one.
    """
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        REQUIREMENT,
        "--no-deps",
        "--only-binary",
        ":all:",
        "-d",
        str(folder),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wheel = folder / WHEEL
    if done.returncode != 0 or not wheel.exists():
        raise RuntimeError(f"pip download {REQUIREMENT} failed:\n{done.stderr.strip()}")
    got = sha256(wheel)
    if got != WHEEL_SHA256:
        raise RuntimeError(f"{wheel.name}: SHA-256 {got} is not the known {WHEEL_SHA256}")
    return wheel


def extract(wheel: Path, out: Path) -> list[Path]:
    """Copy the CDNOW members of the wheel into ``out``, byte for byte."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    with zipfile.ZipFile(wheel) as zf:
        for name, (member, digest) in FILES.items():
            dest = out / name
            dest.write_bytes(zf.read(member))
            if sha256(dest) != digest:
                raise RuntimeError(f"{dest}: SHA-256 is not the known {digest}")
            paths.append(dest)
    return paths


def fetch(out: Path) -> list[Path]:
    """Make ``CDNOW_master.txt`` and ``CDNOW_sample.txt`` available in ``out`` (kept when
    already there with the known SHA-256)."""
    present = [out / name for name in FILES]
    if all(p.exists() and sha256(p) == FILES[p.name][1] for p in present):
        return present
    with tempfile.TemporaryDirectory(prefix="cdnow_") as tmp:
        return extract(download_wheel(Path(tmp)), out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default="data/raw/cdnow", help="output folder")
    args = ap.parse_args(argv)
    try:
        paths = fetch(Path(args.out))
    except RuntimeError as exc:
        print(f"fetch_cdnow: {exc}", file=sys.stderr)
        return 1
    for p in paths:
        print(f"{p}  sha256 {sha256(p)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
