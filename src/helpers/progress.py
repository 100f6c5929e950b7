"""Progress lines for the long steps (data layer, tuning grids, backtests), and thread settings.

A notebook run by ``make all`` cannot print to the terminal: papermill keeps the kernel's output
in the notebook. :func:`helpers.cli.cmd_run` therefore names a file in ``CRM_PROGRESS_FILE``
before the kernel starts and prints each line written there while the notebook runs
(:func:`follow`). Opened by hand (no such variable), the lines go to standard error, which
JupyterLab shows under the cell.

    for c in progress.track(cutoffs, "churn backtest"):   # "churn backtest: 2/4, 31 s, ~31 s left"
        ...

Lines are throttled (one per :data:`MIN_INTERVAL_S` seconds at most, plus the first and the
last), so a fast loop adds nothing to the output.

Thread settings: :func:`usable_cpus` is the number of CPUs this process may run on (its
affinity mask, not the machine's count), and :func:`thread_environment` the variables that size
every native thread pool to it and stop OpenMP threads from spinning while they wait.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

ENV_FILE = "CRM_PROGRESS_FILE"
"""Environment variable naming the file the lines are appended to (set by ``helpers.cli run``)."""

MIN_INTERVAL_S = 5.0
"""At most one line per this many seconds for one tracked loop (first and last always)."""


def usable_cpus() -> int:
    """CPUs this process may use: its affinity mask (taskset, cgroup cpusets), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_n_jobs(n_jobs: int) -> int:
    """A notebook's ``n_jobs``: a positive value as given, 0 (or below) the usable CPUs."""
    return int(n_jobs) if int(n_jobs) > 0 else usable_cpus()


def thread_environment(environ: dict[str, str] | os._Environ | None = None) -> dict[str, str]:
    """Variables for the notebook kernels (values the user set win):

    - ``OMP_WAIT_POLICY=PASSIVE``: OpenMP threads (XGBoost, scikit-learn) sleep instead of
      spinning while they wait; spinning threads steal the cores from the work when other
      processes share them.
    - ``OMP_NUM_THREADS`` = the usable CPUs, not the machine's count.
    - ``OPENBLAS_NUM_THREADS=1`` / ``MKL_NUM_THREADS=1``: the workbook's matrices are small
      (features x customers solves, 2x2 Hessians); BLAS threads only add waiting. The one
      large product (EASE's item Gram matrix in 05b) takes seconds single-threaded.
    """
    env = os.environ if environ is None else environ
    want = {
        "OMP_WAIT_POLICY": "PASSIVE",
        "OMP_NUM_THREADS": str(usable_cpus()),
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    return {k: v for k, v in want.items() if not env.get(k)}


def _fmt_s(s: float) -> str:
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min"


def emit(text: str) -> None:
    """Write one progress line (to ``CRM_PROGRESS_FILE``, else standard error)."""
    target = os.environ.get(ENV_FILE)
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(text.rstrip("\n") + "\n")
    else:
        print(text, file=sys.stderr, flush=True)


def line(label: str, done: int, total: int | None, elapsed: float) -> str:
    """``"label: done/total, elapsed, ~left"`` (the time left from the mean time per step)."""
    if total:
        left = elapsed / done * (total - done) if done else None
        tail = f", ~{_fmt_s(left)} left" if left is not None and done < total else ""
        return f"{label}: {done}/{total}, {_fmt_s(elapsed)}{tail}"
    return f"{label}: {done} done, {_fmt_s(elapsed)}"


def track(items: Iterable[T], label: str, total: int | None = None,
          min_interval: float = MIN_INTERVAL_S, clock=time.monotonic) -> Iterator[T]:
    """Yield ``items``, emitting a progress line after the first step, at most every
    ``min_interval`` seconds after that, and after the last."""
    if total is None:
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            total = None
    t0 = last = clock()
    done = 0
    for item in items:
        yield item
        done += 1
        now = clock()
        if done == 1 or done == total or now - last >= min_interval:
            emit(line(label, done, total, now - t0))
            last = now
    if total is None or done != total:
        emit(line(label, done, done, clock() - t0) + " (finished)")


_STEPS_STARTED: dict[str, float] = {}


def step(label: str, what: str, i: int, n: int, clock=time.monotonic) -> None:
    """One line as step ``i`` of ``n`` of a fixed sequence starts: ``"label i/n: what (12 s so
    far)"``, the time counted from step 1 of the same ``label``."""
    now = clock()
    if i == 1 or label not in _STEPS_STARTED:
        _STEPS_STARTED[label] = now
    emit(f"{label} {i}/{n}: {what} ({_fmt_s(now - _STEPS_STARTED[label])} so far)")


def follow(path: str | Path, prefix: str, stop: threading.Event, out=None,
           poll_s: float = 0.5) -> None:
    """Print the lines appended to ``path`` (each with ``prefix``) until ``stop`` is set, then
    the rest. Runs in a thread of ``helpers.cli run`` beside the notebook."""
    out = sys.stdout if out is None else out
    path = Path(path)
    pos = 0

    def drain() -> None:
        nonlocal pos
        if not path.exists():
            return
        with open(path, "rb") as fh:
            fh.seek(pos)
            chunk = fh.read()
        # only whole lines: a line being written is printed at the next poll
        cut = chunk.rfind(b"\n") + 1
        pos += cut
        for ln in chunk[:cut].decode("utf-8", errors="replace").splitlines():
            print(f"{prefix}{ln}", file=out, flush=True)

    while not stop.wait(poll_s):
        drain()
    drain()


def parallel_map(fn, items: Iterable[T], n_jobs: int, label: str) -> list:
    """``[fn(x) for x in items]`` on up to ``n_jobs`` worker processes (0: the usable CPUs),
    in order, with progress lines.

    Whole independent fits run side by side, each single-threaded, rather than one fit split
    over threads that wait for each other at every tree level: the results are the same as one
    after the other (each fit is deterministic on its own) and the run does not stall when
    other work shares the cores. With one job (or one item) everything runs in this process.
    """
    items = list(items)
    n = min(resolve_n_jobs(n_jobs), len(items))
    if n <= 1:
        return [fn(x) for x in track(items, label)]
    from joblib import Parallel, delayed

    results = Parallel(n_jobs=n, return_as="generator")(delayed(fn)(x) for x in items)
    return list(track(results, label, total=len(items)))
