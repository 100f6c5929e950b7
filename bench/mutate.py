"""Mutation testing of the core modules with mutmut (`make mutate`; not part of CI).

mutmut copies ``src/`` to ``mutants/``, plants one small change at a time in the modules listed
under ``[tool.mutmut] only_mutate`` in pyproject.toml (an operator, a constant, a comparison, an
argument...) and runs only the unit tests that reach the changed function
(``pytest_add_cli_args_test_selection``). A mutant is *killed* when a test fails and *survives*
when every test passes. The score is killed / (killed + survived); mutants no test reaches count
as survivors here (mutmut calls them "no tests").

This script runs mutmut, then reads its verdicts and writes the score per module to
``bench/results/mutation.json`` and a table to standard output. Surviving mutants that are left
on purpose are explained at the top of the test file of their module.

Usage::

    .venv/bin/python bench/mutate.py [--max-children 2] [--fresh] [--report-only]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "mutation.json"
#: mutmut's verdicts grouped into what the score counts.
KILLED = {"killed", "timeout", "caught by type check"}
SURVIVED = {"survived", "no tests"}


def module_of(mutant: str) -> str:
    """``helpers.models.metrics.x_mae__mutmut_3`` → ``helpers.models.metrics``.

    Methods are named ``helpers.value.clv.xǁBGNBDǁfit__mutmut_1``: the module is the part
    before the last dot that precedes the ``x_``/``xǁ`` function marker.
    """
    head = mutant.split("__mutmut_")[0]
    parts = head.split(".")
    for i, p in enumerate(parts):
        if p.startswith("x_") or p.startswith("xǁ"):
            return ".".join(parts[:i])
    return ".".join(parts[:-1])


def verdicts(mutmut: list[str]) -> dict[str, str]:
    """Every mutant's verdict, from ``mutmut results --all true``."""
    out = subprocess.run([*mutmut, "results", "--all", "true"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    result = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            result[name] = status
    if not result:
        raise SystemExit("mutate: mutmut reported no mutants (is [tool.mutmut] in pyproject.toml?)")
    return result


def summarise(v: dict[str, str]) -> dict[str, dict[str, int | float]]:
    """Per module and in total: mutants, killed, survived, other (not checked/suspicious), score %."""
    by_mod: dict[str, Counter] = defaultdict(Counter)
    for name, status in v.items():
        c = by_mod[module_of(name)]
        c["mutants"] += 1
        c["killed" if status in KILLED else "survived" if status in SURVIVED else "other"] += 1
    table = {}
    total = Counter()
    for mod in sorted(by_mod):
        total.update(by_mod[mod])
        table[mod] = _row(by_mod[mod])
    table["total"] = _row(total)
    return table


def _row(c: Counter) -> dict[str, int | float]:
    scored = c["killed"] + c["survived"]
    return {"mutants": c["mutants"], "killed": c["killed"], "survived": c["survived"],
            "other": c["other"], "score_pct": round(100 * c["killed"] / scored, 1) if scored else 0.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-children", type=int, default=2, help="parallel test processes (default 2)")
    ap.add_argument("--fresh", action="store_true", help="delete mutants/ first (re-test everything)")
    ap.add_argument("--report-only", action="store_true", help="only summarise the last run")
    a = ap.parse_args(argv)
    exe = Path(sys.executable).with_name("mutmut")
    if not exe.exists():
        raise SystemExit(f"mutate: {exe} not found; install it with "
                         "`.venv/bin/pip install -e '.[mutation]' -c constraints.txt`")
    mutmut = [str(exe)]
    seconds = None
    if not a.report_only:
        if a.fresh and (ROOT / "mutants").exists():
            shutil.rmtree(ROOT / "mutants")
        t0 = time.perf_counter()
        subprocess.run([*mutmut, "run", "--max-children", str(a.max_children)], cwd=ROOT, check=True)
        seconds = round(time.perf_counter() - t0, 1)
    table = summarise(verdicts(mutmut))
    record = {"tool": "mutmut 3.8.1", "max_children": a.max_children, "wall_s": seconds,
              "modules": table}
    if not a.report_only:
        OUT.write_text(json.dumps(record, indent=1) + "\n")
    print(f"{'module':<34} {'mutants':>7} {'killed':>7} {'survived':>8} {'score':>6}")
    for mod, r in table.items():
        print(f"{mod:<34} {r['mutants']:>7} {r['killed']:>7} {r['survived']:>8} {r['score_pct']:>5.1f}%")
    if seconds is not None:
        print(f"wall time {seconds:.0f} s with {a.max_children} test processes; written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
