"""Open reports/index.html in headless Chromium: it loads, every link resolves, every image shows."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.results import pages

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = pages.chromium_binary()


def dump_dom(page: Path, profile: Path) -> str:
    cmd = [
        CHROMIUM,
        *pages.CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-1000:]
    return res.stdout


@pytest.fixture
def built(tmp_path):
    src = ROOT / "reports"
    if not (src / "metrics.json").exists():
        pytest.skip("reports/metrics.json not present: run make all first")
    dst = tmp_path / "reports"
    shutil.copytree(
        src,
        dst,
        ignore=shutil.ignore_patterns(
            "notebooks", "logs", ".stamps", "synthetic", "custom", "*.ipynb"
        ),
    )
    pages.build(dst, pdf=False)
    return dst


def test_every_relative_link_and_image_exists(built):
    text = (built / "index.html").read_text(encoding="utf-8")
    targets = re.findall(r'(?:href|src)="([^"#]+)"', text)
    assert targets, "index has no links"
    missing = [
        t for t in targets if not t.startswith(("http:", "https:")) and not (built / t).exists()
    ]
    assert missing == []
    assert not [t for t in targets if t.startswith(("http:", "https:"))], "index needs network"


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium not installed (apt-get install chromium)"
)
def test_index_loads_in_headless_chromium_without_broken_images(built, tmp_path):
    dom = dump_dom(built / "index.html", tmp_path / "profile")
    n = re.search(r'data-images="(\d+)"', dom)
    broken = re.search(r'data-broken-images="([^"]*)"', dom)
    assert n and broken, "the page's load handler did not run"
    assert int(n.group(1)) >= 1
    assert broken.group(1) == ""
    for page in re.findall(r'href="(\d\d[^"]*\.html)"', (built / "index.html").read_text()):
        assert "<body" in dump_dom(built / page, tmp_path / "profile"), page
