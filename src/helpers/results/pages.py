"""Build the reviewers' entry points: ``reports/index.html``, ``reports/README.md`` and the site.

``python -m helpers.results.pages build --reports-dir reports`` (``make reports``) builds the site
of the executed notebooks (``reports/site/``, :mod:`helpers.results.book`), links every rendered
notebook, shows the headline numbers (read from ``metrics.json``: the ``headline`` list of the
case study's section when it exists, else the data facts of ``01_collect_clean``) and the key
figures, the glossary, and, where Debian's ``chromium`` is installed, prints the case study to PDF.
Everything is relative links and local files, so the index works offline and on a code host.
"""

from __future__ import annotations

import argparse
import html
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from helpers.files import read_json, write_text
from helpers.money import fmt_money
from helpers.results import book
from helpers.results.glossary import GLOSSARY

log = logging.getLogger(__name__)

CASE_STUDY = "07_case_study"
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL | re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")


def _title(path: Path) -> str:
    m = H1.search(path.read_text(encoding="utf-8", errors="replace"))
    title = html.unescape(TAG.sub("", m.group(1))).replace("¶", "").replace("#", "") if m else ""
    return title.strip() or path.stem


def notebook_pages(reports_dir: Path) -> list[dict[str, str]]:
    """Rendered notebooks in order, with the title from their first heading.

    ``file``: the standalone ``NN_*.html`` ("" when absent); ``site``: the notebook's page of
    the site (``site/<study>/NN_*.html``, "" when the site was not built).
    """
    flat = {p.stem: p for p in reports_dir.glob("[0-9][0-9]*_*.html")}
    study = book.studies_for(reports_dir)[0].name
    site = {p.stem: p for p in (reports_dir / "site" / study).glob("[0-9][0-9]*_*.html")}
    pages = []
    for stem in sorted(set(flat) | set(site)):
        path = flat.get(stem) or site[stem]
        pages.append(
            {
                "file": flat[stem].name if stem in flat else "",
                "site": f"site/{study}/{stem}.html" if stem in site else "",
                "stem": stem,
                "title": _title(path),
            }
        )
    return pages


def figure_alt(reports_dir: Path, file_name: str) -> str:
    """The alt text of ``figures/<file_name>``: as ``save_fig`` recorded it, else from its name."""
    alts = book.figure_alts(reports_dir / "figures")
    return alts.get(file_name) or book.fallback_alt(file_name, f"notebook {file_name[:2]}")


def headline(metrics: dict[str, Any]) -> list[dict[str, str]]:
    """Headline numbers as ``[{label, value, source}]`` (already formatted strings)."""
    cs = metrics.get(CASE_STUDY, {})
    if cs.get("headline"):
        return [dict(h) for h in cs["headline"]]
    m = metrics.get("01_collect_clean", {})
    if not m:
        return []
    return [
        {"label": "raw invoice lines", "value": f"{m['rows_in']:,}", "source": "01_collect_clean"},
        {"label": "lines kept", "value": f"{m['rows_kept']:,}", "source": "01_collect_clean"},
        {"label": "customers", "value": f"{m['n_customers']:,}", "source": "01_collect_clean"},
        {
            "label": "kept revenue",
            "value": fmt_money(m["revenue_kept_amt"], m.get("currency", "GBP")),
            "source": "01_collect_clean",
        },
    ]


def key_figures(metrics: dict[str, Any], reports_dir: Path) -> list[str]:
    """Figure files to show: the case study's ``key_figures`` list, else the first per notebook."""
    fig_dir = reports_dir / "figures"
    wanted = metrics.get(CASE_STUDY, {}).get("key_figures") or []
    figs = [f for f in wanted if (fig_dir / f).exists()]
    if figs:
        return figs
    seen: dict[str, str] = {}
    for f in sorted(fig_dir.glob("*.png")):
        seen.setdefault(f.name.split("_", 1)[0], f.name)
    return list(seen.values())


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1080px;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.45}h1{margin-bottom:.2rem}.sub{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border-bottom:1px solid #ddd;padding:.35rem .7rem;
text-align:left;vertical-align:top}th{background:#f4f4f4}.num{text-align:right;font-variant-numeric:tabular-nums}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1rem}
.figs figure{margin:0;border:1px solid #e3e3e3;padding:.5rem}.figs img{width:100%}
figcaption{font-size:.85rem;color:#555}footer{color:#777;font-size:.85rem;margin-top:2rem}
"""

SELF_CHECK = """<script>
window.addEventListener('load', function () {
  var bad = Array.prototype.filter.call(document.images, function (i) {
    return !i.complete || i.naturalWidth === 0; }).map(function (i) { return i.getAttribute('src'); });
  document.body.setAttribute('data-images', String(document.images.length));
  document.body.setAttribute('data-broken-images', bad.join(' '));
});
</script>"""


SECOND_STUDY = "synthetic"  # the synthetic CRM with known truth (reports/synthetic/)


def skipped_sections(metrics: dict[str, Any]) -> dict[str, str]:
    """``{"<notebook>: <section>": reason}`` for every section a run skipped (``skipped`` of
    each notebook's metrics)."""
    out = {}
    for nb, m in metrics.items():
        if isinstance(m, dict):
            for section, reason in (m.get("skipped") or {}).items():
                out[f"{nb}: {section}"] = str(reason)
    return out


def sections_only_in(other: dict[str, Any], main: dict[str, Any]) -> list[str]:
    """Sections (``"<notebook>: <section>"``) that ``main`` skipped and ``other`` ran, for the
    notebooks ``other`` has, sorted: the findings the ``other`` study alone supplies."""
    other_skipped = skipped_sections(other)
    return sorted(k for k in skipped_sections(main)
                  if k not in other_skipped and k.split(":")[0] in other)


def second_study(reports_dir: Path, metrics: dict[str, Any]) -> dict[str, Any] | None:
    """The synthetic CRM study beside the main one, when its metrics and site pages exist.

    Returns its site pages, and the sections that ran **only** there (skipped on the main data,
    run on the synthetic CRM): the findings of those sections come from the synthetic CRM, the
    rest from the main data. None when the study is absent.
    """
    mpath = reports_dir / SECOND_STUDY / "metrics.json"
    site = reports_dir / "site" / SECOND_STUDY
    if not mpath.exists() or not site.is_dir():
        return None
    other = read_json(mpath)
    only_there = sections_only_in(other, metrics)
    pages = [
        {"site": f"site/{SECOND_STUDY}/{p.name}", "stem": p.stem, "title": _title(p)}
        for p in sorted(site.glob("[0-9][0-9]*_*.html"))
    ]
    return {"pages": pages, "only_there": only_there, "metrics": f"{SECOND_STUDY}/metrics.json"}


def build_index_html(reports_dir: Path, metrics: dict[str, Any]) -> str:
    """The index page as an HTML string (relative links only)."""
    pages = notebook_pages(reports_dir)
    e = html.escape

    def links(p: dict[str, str]) -> str:
        out = [f'<a href="{e(p["site"])}">{e(p["stem"])}</a>'] if p["site"] else []
        if p["file"] and not p["site"]:  # the site replaces the single pages (not committed)
            out.append(f'<a href="{e(p["file"])}">{e(p["stem"])}</a>')
        return " · ".join(out)

    rows = "".join(f"<tr><td>{links(p)}</td><td>{e(p['title'])}</td></tr>" for p in pages)
    heads = "".join(
        f'<tr><td>{e(h["label"])}</td><td class="num">{e(h["value"])}</td>'
        f"<td>{e(h.get('source', ''))}</td></tr>"
        for h in headline(metrics)
    )
    figs = "".join(
        f'<figure><a href="figures/{e(f)}"><img src="figures/{e(f)}" '
        f'alt="{e(figure_alt(reports_dir, f))}" loading="eager"></a>'
        f"<figcaption>{e(f)}</figcaption></figure>"
        for f in key_figures(metrics, reports_dir)
    )
    gloss = "".join(
        f"<tr><td>{e(a)}</td><td>{e(b)}</td><td>{e(c)}</td></tr>" for a, b, c in GLOSSARY
    )
    study2 = second_study(reports_dir, metrics)
    second = ""
    if study2:
        rows2 = "".join(f'<tr><td><a href="{e(p["site"])}">{e(p["stem"])}</a></td>'
                        f"<td>{e(p['title'])}</td></tr>" for p in study2["pages"])
        only = "".join(f"<li>{e(k)}</li>" for k in study2["only_there"])
        second = (
            "<h2>Second study: the synthetic CRM (known truth)</h2>"
            "<p>The same notebooks on the seeded synthetic CRM, whose generator plants the truth "
            "the methods must recover. Every finding above comes from Online Retail II; the "
            f"sections below ran only on the synthetic CRM ({len(study2['only_there'])}, skipped "
            "on Online Retail II for want of the data), so their findings come from it: "
            f"<ul>{only}</ul>"
            f'<a href="{e(study2["metrics"])}">its metrics.json</a></p>'
            f"<table><tr><th>report</th><th>title</th></tr>{rows2}</table>"
        )
    pdf = reports_dir / f"{CASE_STUDY}.pdf"
    pdf_link = f' · <a href="{CASE_STUDY}.pdf">case study as PDF</a>' if pdf.exists() else ""
    site = next((p["site"] for p in pages if p["stem"] == CASE_STUDY and p["site"]), "")
    cs = reports_dir / f"{CASE_STUDY}.html"
    cs_href = site or (f"{CASE_STUDY}.html" if cs.exists() else "")
    cs_link = f'<a href="{e(cs_href)}">read the case study</a>' if cs_href else ""
    if site:
        cs_link += ' · <a href="site/index.html">all notebooks as a site (sidebar, search)</a>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>CRM analytics workbook: reports</title><style>{CSS}</style></head>
<body>
<h1>CRM customer analytics and sales forecasting</h1>
<p class="sub">Case study: UCI Online Retail II (Chen 2012, CC BY 4.0). {cs_link}{pdf_link}
· <a href="metrics.json">metrics.json</a></p>
<h2>Headline numbers</h2>
<table><tr><th>what</th><th>value</th><th>computed in</th></tr>{heads}</table>
<h2>Notebooks</h2>
<table><tr><th>report</th><th>title</th></tr>{rows}</table>
{second}
<h2>Key figures</h2>
<div class="figs">{figs}</div>
<h2>Glossary · 术语表</h2>
<table><tr><th>term</th><th>中文</th><th>meaning</th></tr>{gloss}</table>
<footer>Built by <code>make reports</code> from the rendered notebooks and metrics.json; every
number above is read from metrics.json. Customer identifiers appear only as keyed pseudonyms.</footer>
{SELF_CHECK}
</body></html>
"""


def build_readme(reports_dir: Path, metrics: dict[str, Any]) -> str:
    """``reports/README.md``: the same content as the index, for a code host to render."""
    lines = [
        "# Reports",
        "",
        "Rendered results of the Online Retail II run (built by `make reports`). "
        "Open `index.html` locally for the same page in a browser, and `site/index.html` for "
        "every notebook with a sidebar, previous/next links and search.",
        "",
        "## Headline numbers",
        "",
        "| what | value | computed in |",
        "| --- | ---: | --- |",
    ]
    lines += [
        f"| {h['label']} | {h['value']} | {h.get('source', '')} |" for h in headline(metrics)
    ]
    lines += ["", "## Notebooks", "", "| report | title |", "| --- | --- |"]
    lines += [
        f"| [{p['stem']}]({p['site'] or p['file']}) | {p['title']} |"
        for p in notebook_pages(reports_dir)
    ]
    study2 = second_study(reports_dir, metrics)
    if study2:
        lines += ["", "## Second study: the synthetic CRM (known truth)", "",
                  "The same notebooks on the seeded synthetic CRM, whose generator plants the "
                  "truth the methods must recover. Every finding above comes from Online Retail "
                  f"II; these {len(study2['only_there'])} sections ran only on the synthetic CRM "
                  "(skipped on Online Retail II for want of the data), so their findings come "
                  f"from it ([metrics]({study2['metrics']})):", ""]
        lines += [f"- {k}" for k in study2["only_there"]]
        lines += ["", "| report | title |", "| --- | --- |"]
        lines += [f"| [{p['stem']}]({p['site']}) | {p['title']} |" for p in study2["pages"]]
    lines += ["", "## Key figures", ""]
    lines += [
        f"![{figure_alt(reports_dir, f).replace(']', ')')}](figures/{f})"
        for f in key_figures(metrics, reports_dir)
    ]
    lines += ["", "## Glossary · 术语表", "", "| term | 中文 | meaning |", "| --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in GLOSSARY]
    return "\n".join(lines) + "\n"


def chromium_binary() -> str | None:
    """Path of a headless-capable Chromium, if installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def print_pdf(html_path: Path, pdf_path: Path, timeout_s: float = 120) -> Path | None:
    """Print ``html_path`` to PDF with headless Chromium; None (with a log note) if unavailable."""
    exe = chromium_binary()
    if exe is None:
        log.warning(
            "chromium not installed: PDF of %s skipped (apt-get install chromium)", html_path
        )
        return None
    import tempfile

    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path.resolve()}",
            html_path.resolve().as_uri(),
        ]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    if res.returncode != 0 or not pdf_path.exists():
        log.warning("chromium could not print %s: %s", html_path, res.stderr[-500:])
        return None
    return pdf_path


def build(reports_dir: str | Path, pdf: bool = True, site: bool = True) -> dict[str, Path]:
    """Write ``index.html`` and ``README.md``, the site (``site/``, when ``site`` and the executed
    notebooks are present) and the case-study PDF where possible."""
    import importlib.util

    reports_dir = Path(reports_dir)
    mpath = reports_dir / "metrics.json"
    if not mpath.exists():
        raise FileNotFoundError(f"{mpath} not found: run `make all` before `make reports`")
    metrics = read_json(mpath)
    out: dict[str, Path] = {}
    if site and not (reports_dir / "notebooks").is_dir():
        log.warning("no executed notebooks in %s/notebooks: site not rebuilt", reports_dir)
    elif site and importlib.util.find_spec("myst_nb") is None:
        log.warning("myst-nb not installed: site skipped (pip install -e '.[site]')")
    elif site:
        out["site"] = book.build_site(reports_dir) / "index.html"
    cs = reports_dir / f"{CASE_STUDY}.html"
    if pdf and cs.exists():
        got = print_pdf(cs, reports_dir / f"{CASE_STUDY}.pdf")
        if got:
            out["pdf"] = got
    out["index"] = write_text(build_index_html(reports_dir, metrics), reports_dir / "index.html")
    out["readme"] = write_text(build_readme(reports_dir, metrics), reports_dir / "README.md")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m helpers.results.pages")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="write index.html, README.md (and the case-study PDF)")
    b.add_argument("--reports-dir", default="reports")
    b.add_argument("--no-pdf", action="store_true")
    b.add_argument("--no-site", action="store_true", help="leave site/ as it is")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        out = build(args.reports_dir, pdf=not args.no_pdf, site=not args.no_site)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for k, p in out.items():
        print(f"  {k:<6} {p}")
    if "pdf" not in out:
        print("  pdf    skipped (no case study yet, or chromium not installed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
