"""helpers.results.book: the page checker (planted faults), the notebook copies the site is built
from, and a tiny site built end to end with Sphinx + myst-nb (sidebar order, previous/next,
search index, MathML, alt text, nothing from the network)."""

from __future__ import annotations

import base64
import importlib.util
import json
import re
from pathlib import Path

import pytest

from helpers.results import book

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
)


def page(tmp_path: Path, body: str, name: str = "p.html") -> Path:
    p = tmp_path / name
    p.write_text(f"<!DOCTYPE html><html><head></head><body>{body}</body></html>")
    return p


# --- the checker: each planted fault is found, a clean page passes ---------------------------


def test_check_page_passes_a_clean_page(tmp_path) -> None:
    (tmp_path / "f.png").write_bytes(PNG_1PX)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").write_text("<html></html>")
    p = page(
        tmp_path,
        '<a href="sub/">dir</a><a href="#top">anchor</a><a href="p.html?q=x#y">self</a>'
        '<a href="https://doi.org/10.1/x">doi</a><a href="mailto:a@b.c">mail</a>'
        '<img src="f.png" alt="A chart"><img src="f%2Epng" alt="same file, quoted">',
    )
    assert book.check_page(p) == []


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        ('<a href="missing.html">x</a>', "missing file"),
        ('<img src="nope.png" alt="x">', "missing file"),
        ('<img src="f.png">', "no alt text"),
        ('<img src="f.png" alt="  ">', "no alt text"),
        (f'<img src="f.png" alt="{book.NBCONVERT_NO_ALT}">', "no alt text"),
        ('<script src="https://cdn.example.org/mathjax.js"></script>', "network"),
        ('<link rel="stylesheet" href="//cdn.example.org/a.css">', "network"),
        ('<img src="http://example.org/a.png" alt="x">', "network"),
    ],
)
def test_check_page_finds_each_planted_fault(tmp_path, body, fault) -> None:
    (tmp_path / "f.png").write_bytes(PNG_1PX)
    problems = book.check_page(page(tmp_path, body))
    assert len(problems) == 1 and fault in problems[0], problems


def test_check_site_with_no_pages_is_a_problem(tmp_path) -> None:
    assert book.check_site(tmp_path) == [f"{tmp_path}: no HTML pages"]


# --- the notebook copies ---------------------------------------------------------------------


def nb_with_png(png: bytes, alt_meta: str | None = None) -> dict:
    out = {
        "output_type": "display_data",
        "data": {"image/png": base64.b64encode(png).decode(), "text/plain": "<Image>"},
        "metadata": {"image/png": {"alt": alt_meta}} if alt_meta else {},
    }
    return {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# 02 · Profile\n"},
            {
                "cell_type": "code",
                "metadata": {},
                "source": "x",
                "outputs": [out],
                "execution_count": 1,
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_prepare_notebook_links_the_figure_file_with_its_alt(tmp_path) -> None:
    figs = tmp_path / "reports" / "figures"
    figs.mkdir(parents=True)
    (figs / "02_lorenz.png").write_bytes(PNG_1PX)
    page_path = tmp_path / "reports" / "site" / "study" / "02_profile.html"
    got = book.prepare_notebook(
        nb_with_png(PNG_1PX, "from metadata"),
        page_path,
        figs,
        {"02_lorenz.png": "Lorenz curve of revenue"},
        hide_code=False,
    )
    out = got["cells"][1]["outputs"][0]
    assert out["data"]["text/html"] == (
        '<img class="nb-figure" src="../../figures/02_lorenz.png" '
        'alt="Lorenz curve of revenue" loading="lazy">'
    )
    assert "image/png" not in out["data"]
    assert "tags" not in got["cells"][1]["metadata"]
    # no alt.json entry: the output's metadata; neither: the file name and notebook title
    got = book.prepare_notebook(nb_with_png(PNG_1PX, "from metadata"), page_path, figs, {}, False)
    assert 'alt="from metadata"' in got["cells"][1]["outputs"][0]["data"]["text/html"]
    got = book.prepare_notebook(nb_with_png(PNG_1PX), page_path, figs, {}, hide_code=True)
    assert (
        'alt="Figure: lorenz (from 02 · Profile)"'
        in (got["cells"][1]["outputs"][0]["data"]["text/html"])
    )
    assert got["cells"][1]["metadata"]["tags"] == ["remove-input"]


def test_prepare_notebook_keeps_an_unknown_png_with_the_alt_as_cell_metadata(tmp_path) -> None:
    nb = nb_with_png(PNG_1PX + b"other")
    got = book.prepare_notebook(nb, tmp_path / "p.html", tmp_path, {}, hide_code=False)
    assert "image/png" in got["cells"][1]["outputs"][0]["data"]
    assert got["cells"][1]["metadata"]["mystnb"] == {"image": {"alt": "Figure from 02 · Profile"}}
    assert "mystnb" not in nb["cells"][1]["metadata"]  # the input is not changed


def test_case_study_comes_first(tmp_path) -> None:
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    for stem in ("02_profile", "07_case_study", "01_collect_clean", "05b_cross_sell"):
        (nbs / f"{stem}.ipynb").write_text("{}")
    got = [p.stem for p in book.study_notebooks(tmp_path, book.Study("s", "S", "."))]
    assert got == ["07_case_study", "01_collect_clean", "02_profile", "05b_cross_sell"]


# --- a tiny site, built -----------------------------------------------------------------------


def tiny_reports(root: Path) -> Path:
    """A reports folder with two executed notebooks, one figure (with alt.json), a formula."""
    import nbformat

    reports = root / "reports"
    (reports / "notebooks").mkdir(parents=True)
    (reports / "figures").mkdir()
    (reports / "figures" / "01_rows.png").write_bytes(PNG_1PX)
    (reports / "figures" / "alt.json").write_text(
        json.dumps({"01_rows.png": "Rows kept by month"})
    )
    (reports / "metrics.json").write_text("{}")
    (reports / "index.html").write_text("<html></html>")  # pages.build writes it
    v4 = nbformat.v4
    one = v4.new_notebook(
        cells=[
            v4.new_markdown_cell(
                "# 01 · Collect\n\nRecency $r_i = T - t_i$ and $5 and $10 stay text."
            ),
            v4.new_code_cell(
                "show()",
                outputs=[
                    v4.new_output(
                        "display_data", data={"image/png": base64.b64encode(PNG_1PX).decode()}
                    )
                ],
            ),
            v4.new_markdown_cell("$$\\hat{y} = \\frac{a}{b}$$\n\nzebrafinch appears once."),
        ]
    )
    case = v4.new_notebook(
        cells=[
            v4.new_markdown_cell("# 07 · Case study\n\nFindings."),
            v4.new_code_cell(
                "secret_code_line = 1",
                outputs=[v4.new_output("stream", name="stdout", text="printed\n")],
            ),
        ]
    )
    for nb in (one, case):
        nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    nbformat.write(one, reports / "notebooks" / "01_collect.ipynb")
    nbformat.write(case, reports / "notebooks" / "07_case_study.ipynb")
    return reports


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("myst_nb") is None, reason="pip install -e '.[site]'")
def test_tiny_site_builds_and_passes_the_checker_until_a_link_breaks(tmp_path) -> None:
    reports = tiny_reports(tmp_path)
    site = book.build_site(reports)
    assert site == reports / "site"
    assert sorted(p.name for p in reports.iterdir()) == [
        "figures",
        "index.html",
        "metrics.json",
        "notebooks",
        "site",
    ]  # nothing else written beside the site
    assert book.check_site(site) == []
    index = (site / "index.html").read_text()
    # sidebar: the case study first
    assert index.index("07_case_study.html") < index.index("01_collect.html")
    case = (site / "online_retail_ii" / "07_case_study.html").read_text()
    assert "secret_code_line" not in case and "printed" in case  # code hidden, output shown
    assert 'rel="next"' in case and "01_collect.html" in case  # previous/next links
    one = (site / "online_retail_ii" / "01_collect.html").read_text()
    assert 'src="../../figures/01_rows.png" alt="Rows kept by month"' in one
    assert one.count("<math") == 2 and 'display="block"' in one
    assert "$5 and $10 stay text" in one
    assert "zebrafinch" in (site / "searchindex.js").read_text()
    tags = re.findall(r"<(?:script|link)\b[^>]*>", one + index)
    assert tags and not [t for t in tags if "://" in t]
    # plant a broken link and a figure without alt: the checker names both
    one = one.replace('alt="Rows kept by month"', "").replace("index.html", "gone.html", 1)
    (site / "online_retail_ii" / "01_collect.html").write_text(one)
    problems = book.check_site(site)
    assert len(problems) == 2
    assert any("gone.html" in p for p in problems) and any("no alt" in p for p in problems)
