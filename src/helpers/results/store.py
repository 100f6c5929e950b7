"""Results that notebooks hand on: ``metrics.json`` sections and saved figures.

Numbers quoted in prose or the case study are written once here by the code that computed them
and read back with :func:`read_metrics` / :func:`fmt`; they are never typed by hand.

Layout of ``metrics.json``: one top-level key per notebook (``"01_collect_clean"`` ...), each a
dict of metric name -> value. Headline metrics carry an interval as
``{"value": v, "ci_low": lo, "ci_high": hi, "level": 0.95}`` (see :func:`with_interval`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib.figure

from helpers.files import _jsonable, read_json, write_json

log = logging.getLogger(__name__)


def update_metrics(path: str | Path, section: str, values: dict[str, Any]) -> dict[str, Any]:
    """Replace ``section`` of the metrics file at ``path`` with ``values`` and return all metrics."""
    path = Path(path)
    with _locked(path):  # notebooks that do not need each other run side by side (`make all`)
        metrics: dict[str, Any] = read_json(path) if path.exists() else {}
        metrics[section] = _jsonable(values)
        write_json(metrics, path)
    log.info("metrics: wrote section %s (%d keys) to %s", section, len(values), path)
    return metrics


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock (POSIX ``flock``) on the hidden sidecar ``.<name>.lock`` of
    ``path``, so that two processes updating the same metrics file never lose each other's
    section. Without ``fcntl`` (Windows) no lock is taken: run one notebook at a time there."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_metrics(path: str | Path, section: str | None = None) -> dict[str, Any]:
    """Read the metrics file (or one section of it) with a clear error when it is missing."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run the earlier notebooks first")
    metrics = read_json(path)
    if section is None:
        return metrics
    if section not in metrics:
        raise KeyError(f"{path}: no section {section!r}; have {sorted(metrics)}")
    return metrics[section]


def with_interval(value: float, low: float, high: float, level: float = 0.95) -> dict[str, float]:
    """A headline metric with its confidence interval."""
    return {"value": float(value), "ci_low": float(low), "ci_high": float(high), "level": level}


def value(m: Any) -> Any:
    """The point value of a metric that may carry an interval."""
    return m["value"] if isinstance(m, dict) and "value" in m else m


def fmt(m: Any, spec: str = ",.0f", unit: str = "") -> str:
    """Format a metric (with its interval when it has one) for prose, e.g. ``1,234 (95% CI ...)``."""
    if isinstance(m, dict) and "value" in m:
        lvl = int(round(100 * m.get("level", 0.95)))
        return (
            f"{unit}{format(m['value'], spec)} ({lvl}% CI {unit}{format(m['ci_low'], spec)}"
            f"–{unit}{format(m['ci_high'], spec)})"
        )
    if m is None:
        return "n/a"
    if isinstance(m, (int, float)):
        return f"{unit}{format(m, spec)}"
    return str(m)


def fmt_pct(m: Any, spec: str = ".1f") -> str:
    """A share (0-1), with its interval when it has one, in per cent for prose.

    >>> fmt_pct({"value": 0.25, "ci_low": 0.2, "ci_high": 0.3, "level": 0.95})
    '25.0 (95% CI 20.0–30.0)'
    """
    if isinstance(m, dict) and "value" in m:
        return fmt({k: 100 * v if k != "level" else v for k, v in m.items()}, spec)
    return fmt(None if m is None else 100 * m, spec)


def pct(m: Any, spec: str = ".1f") -> str:
    """The point value of a share (0-1) as a percentage string, e.g. ``0.123`` -> ``12.3%``."""
    return f"{format(100 * value(m), spec)}%"


def fmt_p(p: float) -> str:
    """A p-value for prose: two significant digits, never scientific notation
    (``0.11``, ``0.0042``, ``< 0.0001``)."""
    if not 0 <= p <= 1:
        raise ValueError(f"fmt_p: {p} is not a probability")
    if p < 1e-4:
        return "< 0.0001"
    return f"{p:.2g}" if p >= 0.001 else f"{p:.4f}"


def sign_word(x: float, positive: str, negative: str) -> str:
    """``positive`` when ``x`` > 0, else ``negative`` (for a reading computed from a number)."""
    return positive if x > 0 else negative


def skip(m: dict[str, Any], section: str, reason: str) -> str:
    """Record in the notebook's metrics ``m`` that ``section`` did not run and why (under
    ``m["skipped"]``), and return the one visible line the notebook displays instead.

    ``reason`` completes "The section ...", e.g. from
    :func:`helpers.data.capabilities.missing`: ``"needs at least 2 products; the data has 1"``.
    """
    m.setdefault("skipped", {})[section] = reason
    return f"**Skipped: {section}.** This section {reason}."


ALT_FILE = "alt.json"  # beside the figures: file name -> alt text (read by results.pages)
ALT_MAX_CHARS = 400


def figure_alt(fig: matplotlib.figure.Figure, name: str = "") -> str:
    """A text alternative for ``fig`` built from its titles and axis labels.

    ``"Suptitle. Panel title (x: x label; y: y label). ..."``; panels without a title or labels
    are left out, and a figure with no text at all is described by ``name`` (underscores as
    spaces). Cut to ``ALT_MAX_CHARS`` characters.
    """
    parts: list[str] = []
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        parts.append(sup.get_text().strip())
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        title = " ".join(
            t for t in (ax.get_title(loc) for loc in ("left", "center", "right")) if t.strip()
        ).strip()
        labels = [
            f"{axis}: {text.strip()}"
            for axis, text in (("x", ax.get_xlabel()), ("y", ax.get_ylabel()))
            if text.strip()
        ]
        if title or labels:
            parts.append(title + (f" ({'; '.join(labels)})" if labels else ""))
    text = ". ".join(p.strip() for p in parts if p.strip())
    if not text:
        text = f"Figure {name.replace('_', ' ')}".strip()
    text = " ".join(text.split())
    return text if len(text) <= ALT_MAX_CHARS else text[: ALT_MAX_CHARS - 1] + "…"


def save_fig(
    fig: matplotlib.figure.Figure,
    name: str,
    fig_dir: str | Path,
    dpi: int = 110,
    show: bool = True,
    alt: str | None = None,
) -> Path:
    """Save ``fig`` as ``<fig_dir>/<name>.png`` (deterministic metadata) and return the path.

    ``alt`` is the figure's text alternative for screen readers; when not given it is derived
    from the figure's titles and axis labels (:func:`figure_alt`). It is recorded in
    ``<fig_dir>/alt.json`` (read by the reports index and the site) and attached to the displayed
    image as output metadata (``{"image/png": {"alt": ...}}``).

    Inside a notebook (an IPython kernel) the saved PNG is also displayed when ``show``, so the
    rendered report shows exactly the file in ``figures/`` (the kernel runs matplotlib's Agg
    backend, which shows nothing by itself). The figure is closed to free its memory.
    """
    import matplotlib.pyplot as plt

    fig_dir = Path(fig_dir)
    fig_dir.mkdir(parents=True, exist_ok=True)
    path = fig_dir / f"{name}.png"
    alt = " ".join(alt.split()) if alt and alt.strip() else figure_alt(fig, name)
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    alt_path = fig_dir / ALT_FILE
    alts = read_json(alt_path) if alt_path.exists() else {}
    if alts.get(path.name) != alt:
        alts[path.name] = alt
        write_json(alts, alt_path)
    if show and _in_notebook():
        from IPython.display import Image, display

        display(Image(filename=str(path), metadata={"alt": alt}))
    return path


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (not plain Python or the IPython terminal)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"
