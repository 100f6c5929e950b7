"""Reproducibility check: re-run the study and compare ``metrics.json`` with the committed one.

``python -m helpers.results.verify --dataset online_retail_ii`` (``make verify``):

1. reads the reference metrics: the committed ``reports/metrics.json`` (``git show HEAD:...``),
   or the file on disk when git is unavailable or the file is not committed;
2. forces a re-run of every notebook (``make all`` with the run stamps removed);
3. compares every number: equal within ``rtol`` (relative, default 1e-6) or ``atol`` (1e-9);
   booleans and list lengths must match exactly, strings too except for the numbers they
   format (compared as numbers). Keys that measure the run itself (wall times, run dates) are
   ignored: :data:`IGNORE`.

On one machine a re-run reproduces every metric exactly. Across machines, optimiser end points
move in the seventh digit (CPUs round ``exp``/``log`` differently; see ``clv._maximise``), which
moves a few derived metrics by up to about 1e-6 relative, and differences of two nearly equal
numbers by up to about 1e-4 absolute: CI compares with ``--rtol 1e-4 --atol 1e-3``.

Exit code 0 when nothing differs beyond the tolerance, 1 otherwise (the differences listed).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

IGNORE = re.compile(r"(seconds|_s$|runtime|run_date|elapsed|wall|timestamp|versions)", re.I)


def compare_metrics(
    old: Any, new: Any, rtol: float = 1e-6, atol: float = 1e-9, path: str = ""
) -> list[tuple[str, Any, Any]]:
    """Differences between two metrics trees as ``(path, old, new)``; empty when they agree.

    >>> compare_metrics({"a": 1.0, "b": [1, 2]}, {"a": 1.0 + 1e-12, "b": [1, 2]})
    []
    >>> compare_metrics({"a": 1.0}, {"a": 1.1})
    [('a', 1.0, 1.1)]
    """
    if path and IGNORE.search(path.rsplit(".", 1)[-1]):
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in sorted(set(old) | set(new), key=str):
            p = f"{path}.{k}" if path else str(k)
            if k not in old or k not in new:
                if not IGNORE.search(str(k)):
                    out.append((p, old.get(k, "<missing>"), new.get(k, "<missing>")))
                continue
            out += compare_metrics(old[k], new[k], rtol, atol, p)
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [(f"{path}[len]", len(old), len(new))]
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out += compare_metrics(a, b, rtol, atol, f"{path}[{i}]")
        return out
    num = (int, float)
    if (
        isinstance(old, num)
        and isinstance(new, num)
        and not isinstance(old, bool)
        and not isinstance(new, bool)
    ):
        if old is None or new is None:
            return [] if old is new else [(path, old, new)]
        a, b = float(old), float(new)
        if math.isnan(a) and math.isnan(b):
            return []
        return [] if math.isclose(a, b, rel_tol=rtol, abs_tol=atol) else [(path, old, new)]
    if isinstance(old, str) and isinstance(new, str) and old != new:
        return [] if _same_formatted_numbers(old, new, rtol, atol) else [(path, old, new)]
    return [] if old == new else [(path, old, new)]


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _same_formatted_numbers(old: str, new: str, rtol: float, atol: float) -> bool:
    """Whether two strings differ only in numbers that agree within the tolerances, e.g. a
    headline '$8,207,769' against '$8,207,770' (a value on a rounding boundary).

    >>> _same_formatted_numbers("$8,207,769", "$8,207,770", 1e-6, 1e-9)
    True
    >>> _same_formatted_numbers("12% of customers", "13% of customers", 1e-6, 1e-9)
    False
    """
    if _NUMBER.sub("#", old) != _NUMBER.sub("#", new):
        return False
    a = [float(x.replace(",", "")) for x in _NUMBER.findall(old)]
    b = [float(x.replace(",", "")) for x in _NUMBER.findall(new)]
    return all(math.isclose(x, y, rel_tol=rtol, abs_tol=atol) for x, y in zip(a, b, strict=True))


def reference_metrics(path: Path) -> dict:
    """The committed metrics at ``path`` (``git show HEAD:path``), else the file on disk."""
    try:
        res = subprocess.run(
            ["git", "show", f"HEAD:{path.as_posix()}"], capture_output=True, text=True, check=True
        )
        return json.loads(res.stdout)
    except (subprocess.CalledProcessError, FileNotFoundError, json.JSONDecodeError):
        if not path.exists():
            raise FileNotFoundError(
                f"{path}: no reference metrics (commit or run first)"
            ) from None
        return json.loads(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m helpers.results.verify",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--dataset", default="online_retail_ii")
    ap.add_argument("--search-dir", default="")
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--atol", type=float, default=1e-9)
    ap.add_argument("--no-rerun", action="store_true", help="compare only (after a make all)")
    ap.add_argument("--against", default="", help="compare with this metrics.json instead of "
                    "the committed one (e.g. a run on the other engine)")
    args = ap.parse_args(argv)
    reports = Path("reports" if args.dataset == "online_retail_ii" else f"reports/{args.dataset}")
    mpath = reports / "metrics.json"
    try:
        if args.against:
            ref = json.loads(Path(args.against).read_text(encoding="utf-8"))
        else:
            ref = reference_metrics(mpath)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.no_rerun:
        for stamp in (reports / ".stamps").glob("*.done"):
            stamp.unlink()
        cmd = ["make", "--no-print-directory", "all", f"DATASET={args.dataset}"]
        if args.search_dir:
            cmd.append(f"CRM_DATA_DIR={args.search_dir}")
        print("verify: re-running the study:", " ".join(cmd), flush=True)
        if subprocess.run(cmd).returncode != 0:
            print("verify: the re-run failed", file=sys.stderr)
            return 1
    new = json.loads(mpath.read_text(encoding="utf-8"))
    diffs = compare_metrics(ref, new, args.rtol, args.atol)
    n = sum(1 for _ in _leaves(ref))
    if diffs:
        print(
            f"verify: {len(diffs)} of {n} metrics differ beyond rtol={args.rtol}, atol={args.atol}:"
        )
        for p, a, b in diffs[:200]:
            print(f"  {p}: {a!r} -> {b!r}")
        return 1
    print(f"verify: all {n} metrics reproduce within rtol={args.rtol}, atol={args.atol}")
    return 0


def _leaves(tree: Any):
    if isinstance(tree, dict):
        for v in tree.values():
            yield from _leaves(v)
    elif isinstance(tree, list):
        for v in tree:
            yield from _leaves(v)
    else:
        yield tree


if __name__ == "__main__":
    sys.exit(main())
