"""The reports as one browsable site: Sphinx + myst-nb over the executed notebooks.

``python -m helpers.results.book build --reports-dir reports`` (run by ``make reports``) writes
``reports/site/``: a sidebar with every study's notebooks (the case study first), previous/next
links, full-text search that works from ``file://``, formulas as MathML (no MathJax, no CDN),
and every figure with its alt text. The notebooks are not re-executed: their saved outputs are
shown. Figures are not copied: each ``<img>`` points at the PNG in the study's ``figures/``
folder (the committed files), so the site adds only text to the repository.

The Sphinx configuration is ``docs/site/conf.py``; the sources (index and notebook copies) are
generated in a temporary folder from the notebooks present. A second study is one more entry of
``STUDIES`` (its folder under the reports folder, e.g. ``synthetic``).

This module is also the Sphinx extension that renders ``$...$`` / ``$$...$$`` as MathML.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import html
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[3]
CONF_DIR = ROOT / "docs" / "site"
CASE_STUDY = "07_case_study"
ALT_FILE = "alt.json"  # written by helpers.results.store.save_fig beside the figures


@dataclass(frozen=True)
class Study:
    """One study of the site: its sidebar caption and its folder under the reports folder."""

    name: str  # folder of the site's pages for this study (a path segment)
    title: str  # sidebar caption
    folder: str  # under the reports folder: holds notebooks/*.ipynb and figures/


# One entry per study, one sidebar section each; a study whose notebooks/ folder is absent is
# left out. Only studies whose figures are committed belong here (the pages link to them).
STUDIES: tuple[Study, ...] = (
    Study("online_retail_ii", "Online Retail II (UCI, 2009-2011)", "."),
    Study("synthetic", "Synthetic CRM (known truth: funnel, satisfaction, campaign)", "synthetic"),
)


def studies_for(reports_dir: Path) -> tuple[Study, ...]:
    """``STUDIES`` for the main reports folder; a run folder (``reports/<RUN>``) is one study."""
    if reports_dir.resolve().name == "reports" or not (reports_dir / "notebooks").is_dir():
        return STUDIES
    name = reports_dir.resolve().name
    return (Study(name, f"Run {name}", "."),)


def study_notebooks(reports_dir: Path, study: Study) -> list[Path]:
    """The executed notebooks of ``study``, the case study first, then in file-name order."""
    nbs = sorted((reports_dir / study.folder / "notebooks").glob("[0-9][0-9]*.ipynb"))
    return sorted(nbs, key=lambda p: (p.stem != CASE_STUDY, p.name))


def figure_alts(fig_dir: Path) -> dict[str, str]:
    """``{file name: alt}`` from ``fig_dir/alt.json`` ({} when the run predates it)."""
    path = fig_dir / ALT_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def fallback_alt(file_name: str, notebook_title: str) -> str:
    """An alt text for a figure saved before ``save_fig`` recorded one: its name, its notebook."""
    words = Path(file_name).stem.split("_")
    what = " ".join(words[1:] if words[0][:2].isdigit() else words) or file_name
    return f"Figure: {what} (from {notebook_title})"


def notebook_title(nb: dict[str, Any], default: str) -> str:
    """The text of the notebook's first ``# `` heading."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        for line in "".join(cell.get("source", "")).splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return default


def prepare_notebook(
    nb: dict[str, Any], page: Path, fig_dir: Path, alts: dict[str, str], hide_code: bool
) -> dict[str, Any]:
    """A copy of the executed notebook ``nb`` ready for the site page ``page``.

    Each PNG output that is a file of ``fig_dir`` (same bytes) becomes an ``<img>`` pointing at
    that file, relative to ``page``, with its alt text (``alt.json``, else the output's
    ``image/png`` metadata, else :func:`fallback_alt`). Any other PNG stays embedded, with the
    alt as cell metadata (myst-nb's ``mystnb.image.alt``). ``hide_code`` tags the code cells
    ``remove-input`` (the case study reads as a document).
    """
    nb = copy.deepcopy(nb)
    title = notebook_title(nb, page.stem)
    by_hash = {
        hashlib.sha256(f.read_bytes()).hexdigest(): f for f in sorted(fig_dir.glob("*.png"))
    }
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        if hide_code:
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if "remove-input" not in tags:
                tags.append("remove-input")
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" not in data:
                continue
            png = data["image/png"]
            raw = base64.b64decode("".join(png) if isinstance(png, list) else png)
            meta_alt = out.get("metadata", {}).get("image/png", {}).get("alt", "")
            fig = by_hash.get(hashlib.sha256(raw).hexdigest())
            if fig is None:
                alt = meta_alt or f"Figure from {title}"
                mystnb = cell["metadata"].setdefault("mystnb", {})
                mystnb.setdefault("image", {}).setdefault("alt", alt)
                continue
            alt = alts.get(fig.name) or meta_alt or fallback_alt(fig.name, title)
            src = Path(os.path.relpath(fig, page.parent)).as_posix()
            out["data"] = {
                "text/html": (
                    f'<img class="nb-figure" src="{html.escape(src)}" '
                    f'alt="{html.escape(alt)}" loading="lazy">'
                ),
                "text/plain": alt,
            }
            out.setdefault("metadata", {}).pop("image/png", None)
    return nb


def index_source(sections: list[tuple[Study, list[str]]], has_metrics: bool) -> str:
    """The site's start page (MyST markdown): one toctree per study."""
    lines = [
        "# CRM customer analytics and sales forecasting",
        "",
        "The executed notebooks of each study, as run by `make all` (outputs shown as saved; "
        "nothing is re-run). Start with the case study; the sidebar lists every notebook, and "
        "the search box finds any word in them.",
        "",
    ]
    if has_metrics:
        lines += [
            'Every number quoted is read from <a href="../metrics.json">metrics.json</a>; '
            'the <a href="../index.html">reports index</a> has the headline numbers and the '
            "glossary.",
            "",
        ]
    for study, docs in sections:
        lines += ["```{toctree}", ":maxdepth: 1", f":caption: {study.title}", ""]
        lines += docs
        lines += ["```", ""]
    return "\n".join(lines)


def write_sources(reports_dir: Path, src_dir: Path) -> list[Path]:
    """Generate the Sphinx sources in ``src_dir`` from the notebooks present; the notebooks used.

    Pages land in ``<site>/<study.name>/<notebook>.html``, so figure links are computed for
    that depth from the site folder ``reports_dir/site``.
    """
    site_dir = (reports_dir / "site").resolve()
    used: list[Path] = []
    sections: list[tuple[Study, list[str]]] = []
    for study in studies_for(reports_dir):
        nbs = study_notebooks(reports_dir, study)
        if not nbs:
            continue
        fig_dir = (reports_dir / study.folder / "figures").resolve()
        alts = figure_alts(fig_dir)
        (src_dir / study.name).mkdir(parents=True, exist_ok=True)
        docs = []
        for nb_path in nbs:
            nb = json.loads(nb_path.read_text(encoding="utf-8"))
            page = site_dir / study.name / f"{nb_path.stem}.html"
            out = prepare_notebook(nb, page, fig_dir, alts, hide_code=nb_path.stem == CASE_STUDY)
            (src_dir / study.name / nb_path.name).write_text(json.dumps(out), encoding="utf-8")
            docs.append(f"{study.name}/{nb_path.stem}")
            used.append(nb_path)
        sections.append((study, docs))
    if not sections:
        raise FileNotFoundError(
            f"no executed notebooks under {reports_dir}/notebooks: run `make all` first"
        )
    (src_dir / "index.md").write_text(
        index_source(sections, (reports_dir / "metrics.json").exists()), encoding="utf-8"
    )
    shutil.copy(CONF_DIR / "conf.py", src_dir / "conf.py")
    if (CONF_DIR / "_static").is_dir():
        shutil.copytree(CONF_DIR / "_static", src_dir / "_static")
    return used


def build_site(reports_dir: str | Path, out_dir: str | Path | None = None) -> Path:
    """Build the site from ``reports_dir``'s executed notebooks into ``out_dir``
    (default ``reports_dir/site``, the only place where its figure links resolve) and return it.

    Runs ``sphinx-build`` in one process; raises ``RuntimeError`` with Sphinx's output when it
    fails. Build warnings are logged, not fatal (a notebook's stray output should not block the
    reports).
    """
    reports_dir = Path(reports_dir)
    out = Path(out_dir) if out_dir is not None else reports_dir / "site"
    with tempfile.TemporaryDirectory(prefix="crm-site-") as tmp:
        # Sphinx writes into tmp (myst-nb also puts notebook copies beside its output folder);
        # only the finished HTML is copied into place.
        src, html_dir = Path(tmp) / "src", Path(tmp) / "build" / "html"
        src.mkdir()
        used = write_sources(reports_dir, src)
        cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "1"]
        cmd += ["-d", str(Path(tmp) / "doctrees"), str(src), str(html_dir)]
        env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}
        res = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if res.returncode != 0:
            raise RuntimeError(f"sphinx-build failed:\n{res.stderr[-3000:]}")
        for line in res.stderr.splitlines():
            if line.strip():
                log.warning("sphinx: %s", line)
        (html_dir / ".buildinfo").unlink(missing_ok=True)
        for unused in (".doctrees", "_sources"):
            shutil.rmtree(html_dir / unused, ignore_errors=True)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(html_dir, out)
    log.info("site: %d notebooks -> %s", len(used), out)
    return out


# --- Checking a built site: links, images, alt text, nothing from the network -----------------

NETWORK_PREFIXES = ("http:", "https:", "//")
NOT_FILES = ("mailto:", "javascript:", "data:", "tel:")
NBCONVERT_NO_ALT = "No description has been provided for this image"  # nbconvert's placeholder


class _Refs(HTMLParser):
    """Collects ``(tag, attribute, value)`` of every link and resource of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []
        self.imgs_without_alt: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for attr in ("href", "src"):
            if attr in a:
                self.refs.append((tag, attr, a[attr].strip()))
        if tag == "img" and a.get("alt", "").strip() in ("", NBCONVERT_NO_ALT):
            self.imgs_without_alt.append(a.get("src", "?"))


def check_page(page: Path) -> list[str]:
    """Problems of one HTML page: a relative link or resource whose file is missing, an image
    without a non-empty ``alt``, a script, stylesheet or image loaded from the network."""
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    problems = [
        f"{page}: <img src={src[:80]!r}> has no alt text" for src in parser.imgs_without_alt
    ]
    for tag, attr, url in parser.refs:
        low = url.lower()
        if low.startswith(NETWORK_PREFIXES):
            if tag != "a":  # a plain link out (a DOI, a licence) is fine; loading is not
                problems.append(f"{page}: <{tag} {attr}={url!r}> loads from the network")
            continue
        if not url or low.startswith(NOT_FILES) or url.startswith("#"):
            continue
        rel = unquote(url.split("#", 1)[0].split("?", 1)[0])
        if not rel:
            continue
        target = (page.parent / rel).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"{page}: <{tag} {attr}={url!r}> points at a missing file {target}")
    return problems


def check_site(root: str | Path, pages: list[Path] | None = None) -> list[str]:
    """:func:`check_page` over every ``*.html`` under ``root`` (or the given ``pages``)."""
    root = Path(root)
    todo = pages if pages is not None else sorted(root.rglob("*.html"))
    if not todo:
        return [f"{root}: no HTML pages"]
    return [problem for page in todo for problem in check_page(page)]


# --- Sphinx extension: formulas as MathML (latex2mathml), no JavaScript ----------------------


def _mathml(latex: str, display: str) -> str:
    from latex2mathml.converter import convert

    try:
        return convert(latex.strip(), display=display)
    except Exception as exc:  # latex2mathml does not cover all of LaTeX: show the source
        log.warning("formula %r not converted to MathML (%s); shown as code", latex, exc)
        return f"<code>{html.escape(latex)}</code>"


def _visit_math(self: Any, node: Any) -> None:
    from docutils import nodes

    self.body.append(f'<span class="math">{_mathml(node.astext(), "inline")}</span>')
    raise nodes.SkipNode


def _visit_displaymath(self: Any, node: Any) -> None:
    from docutils import nodes

    latex = node["latex"] if "latex" in node else node.astext()
    self.body.append(f'<div class="math">{_mathml(latex, "block")}</div>\n')
    raise nodes.SkipNode


def setup(app: Any) -> dict[str, Any]:
    """Sphinx extension entry point: register the ``mathml`` HTML math renderer."""
    app.add_html_math_renderer("mathml", (_visit_math, None), (_visit_displaymath, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m helpers.results.book")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build reports/site/ from the executed notebooks")
    b.add_argument("--reports-dir", default="reports")
    c = sub.add_parser("check", help="check every page under a folder (links, images, alt text)")
    c.add_argument("root", nargs="?", default="reports/site")
    args = ap.parse_args(argv)
    if args.cmd == "check":
        problems = check_site(args.root)
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"  check  {args.root}: {len(problems)} problem(s)")
        return 1 if problems else 0
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        out = build_site(args.reports_dir)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"  site   {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
