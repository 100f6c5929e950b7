"""The rendered reports read cleanly: no scientific notation, nan, local paths or warnings."""

from pathlib import Path

import pytest

from helpers.results import audit

ROOT = Path(__file__).resolve().parents[2]

CODE = '<div class="highlight hl-ipython3"><pre>x = 1e-6; y = np.nan  # /work/main</pre></div>'


def _page(body: str) -> str:
    return f"<html><style>.a{{width:1e3px}}</style><body>{CODE}<div>{body}</div></body></html>"


@pytest.mark.parametrize("body, kind", [
    ("<td>5.230851e+06</td>", "scientific notation"),
    ("<td>1.2E-104</td>", "scientific notation"),
    ("<td>nan</td>", "nan"),
    ("<td>NaT</td>", "nan"),
    ("<td>NaN</td>", "nan"),
    ("<pre>/work/main/.venv/lib/python3.11/site-packages/tqdm/auto.py:21</pre>", "local path"),
    ("<pre>TqdmWarning: IProgress not found</pre>", "warning"),
    ("<td>VIP treatment for the high tier: account manag...</td>", "truncated cell"),
])
def test_each_problem_is_found(body, kind):
    found = audit.report_problems(_page(body))
    assert kind in {k for k, _ in found}, found


def test_clean_page_and_code_cells_are_not_flagged():
    body = ("<td>5,230,851</td><td>0.1085</td><td>&lt; 0.0001</td><p>Finance and nanotech; 3e4x</p>"
            "<td>...</td><p>and so on...</p>")
    assert audit.report_problems(_page(body)) == []


@pytest.mark.parametrize("page", sorted((ROOT / "reports").glob("*.html")), ids=lambda p: p.name)
def test_committed_reports_read_cleanly(page):
    """The curated Online Retail II reports: re-render them (make all, make reports) after a
    change that puts NaN, 1e+06-style numbers, paths or warnings into a page."""
    assert audit.report_problems(page.read_text(encoding="utf-8")) == []


def test_apply_style_shows_cell_text_in_full():
    import pandas as pd

    from helpers.plots import apply_style, frame_html

    long = "VIP treatment for the high tier: account manager, early access, no discounts"
    with pd.option_context("display.max_colwidth", 50):
        assert audit.report_problems(_page(frame_html(pd.DataFrame({"a": [long]}))))
        apply_style("GBP")
        html = frame_html(pd.DataFrame({"a": [long]}))
    assert long in html and audit.report_problems(_page(html)) == []
