"""The reports a reviewer opens: reports/index.html and the site (reports/site/), page by page.

Two copies are walked: the committed one as it is, and one rebuilt in a temporary folder from the
executed notebooks present (after ``make all``). Plain Python checks every page everywhere (each
relative link and image resolves, every ``<img>`` has alt text, no script, stylesheet or image
from the network); headless Chromium, where installed, opens every page and fails on a console
message (a script error) or an image that does not load, and runs a search from ``file://``.
"""

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.results import book, pages

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = pages.chromium_binary()
NO_CHROMIUM = "Debian chromium not installed (apt-get install chromium)"
SKIP = shutil.ignore_patterns("logs", ".stamps", "synthetic", "custom", "exports", "site")


def run_chromium(url: str, profile: Path) -> tuple[str, list[str]]:
    """The DOM after load, and the page's console messages (Chromium's CONSOLE log lines)."""
    cmd = [
        CHROMIUM,
        *pages.CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
        "--dump-dom",
        url,
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-1000:]
    return res.stdout, [ln for ln in res.stderr.splitlines() if ":CONSOLE" in ln]


def site_pages(reports: Path) -> list[Path]:
    return [reports / "index.html", *sorted((reports / "site").rglob("*.html"))]


@pytest.fixture(params=["committed", "rebuilt"])
def reports(request, tmp_path):
    src = ROOT / "reports"
    if request.param == "committed":
        if not (src / "site" / "index.html").exists():
            pytest.skip("reports/site/ not built: run make reports")
        return src
    if not (src / "metrics.json").exists() or not (src / "notebooks").is_dir():
        pytest.skip("no executed notebooks in reports/notebooks: run make all first")
    if importlib.util.find_spec("myst_nb") is None:
        pytest.skip("myst-nb not installed: pip install -e '.[site]'")
    dst = tmp_path / "reports"
    shutil.copytree(src, dst, ignore=SKIP)
    pages.build(dst, pdf=False)
    return dst


def test_every_page_links_and_images_resolve_with_alt_text_and_no_network(reports):
    todo = site_pages(reports)
    assert len(todo) >= 4, todo  # index, site index, search, at least one notebook
    assert book.check_site(reports, todo) == []
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="site/index.html"' in index


def test_site_lists_every_executed_notebook_case_study_first(reports):
    stems = sorted(p.stem for p in (reports / "notebooks").glob("[0-9][0-9]*.ipynb"))
    if not stems:
        stems = sorted(p.stem for p in (reports / "site" / "online_retail_ii").glob("*.html"))
    start = (reports / "site" / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'href="online_retail_ii/([^"#]+)\.html"', start)
    assert sorted(set(listed)) == stems
    assert listed[0] == "07_case_study"


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_every_page_loads_in_chromium_without_console_errors_or_broken_images(reports, tmp_path):
    # a copy of each page with a load handler that records images that did not load
    copy = tmp_path / "walk"
    shutil.copytree(reports, copy, ignore=shutil.ignore_patterns("notebooks", "logs", "exports"))
    walked = []
    for page in site_pages(copy):
        text = page.read_text(encoding="utf-8").replace('loading="lazy"', 'loading="eager"')
        if "data-broken-images" not in text:
            text = text.replace("</body>", pages.SELF_CHECK + "</body>")
        page.write_text(text, encoding="utf-8")
        dom, console = run_chromium(page.resolve().as_uri(), tmp_path / "profile")
        n = re.search(r'data-images="(\d+)"', dom)
        broken = re.search(r'data-broken-images="([^"]*)"', dom)
        assert n and broken, f"{page}: the load handler did not run"
        assert broken.group(1) == "", f"{page}: images did not load: {broken.group(1)}"
        assert console == [], f"{page}: console: {console}"
        walked.append((page.relative_to(copy).as_posix(), int(n.group(1))))
    assert dict(walked)["index.html"] >= 1
    assert sum(n for _, n in walked) >= 1


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_search_works_from_file_urls(reports, tmp_path):
    url = (reports / "site" / "search.html").resolve().as_uri() + "?q=customers"
    dom, console = run_chromium(url, tmp_path / "profile")
    hits = re.findall(r'<li[^>]*><a href="(online_retail_ii/[^"]+\.html)', dom)
    assert hits, "search for 'customers' found no page"
    assert console == []
