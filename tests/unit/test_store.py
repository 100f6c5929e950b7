"""Tests for the prose formatters of helpers.results.store (hand-worked strings)."""

from __future__ import annotations

import pytest

from helpers.results import store


def test_fmt_pct_scales_value_and_interval_but_not_the_level() -> None:
    m = {"value": 0.2534, "ci_low": 0.2, "ci_high": 0.31, "level": 0.9}
    assert store.fmt_pct(m) == "25.3 (90% CI 20.0–31.0)"
    assert store.fmt_pct(m, "+.0f") == "+25 (90% CI +20–+31)"


def test_fmt_pct_plain_numbers_and_missing() -> None:
    assert store.fmt_pct(0.125) == "12.5"
    assert store.fmt_pct(None) == "n/a"


def test_pct_reads_the_point_value() -> None:
    assert store.pct(0.1234) == "12.3%"
    assert store.pct({"value": 0.5, "ci_low": 0.4, "ci_high": 0.6, "level": 0.95}) == "50.0%"


def test_sign_word_both_branches() -> None:
    assert store.sign_word(0.3, "raises", "lowers") == "raises"
    assert store.sign_word(-0.3, "raises", "lowers") == "lowers"
    assert store.sign_word(0.0, "raises", "lowers") == "lowers"


def test_fmt_p_never_scientific():
    from helpers.results import store

    assert store.fmt_p(0.1084) == "0.11"
    assert store.fmt_p(0.0042) == "0.0042"
    assert store.fmt_p(0.00042) == "0.0004"
    assert store.fmt_p(2e-40) == "< 0.0001"  # was printed 2e-40
    assert store.fmt_p(1.0) == "1"
    with pytest.raises(ValueError, match="not a probability"):
        store.fmt_p(1.5)


# save_fig: alt text derived from the figure, explicit alt wins, metadata on the displayed image


def _two_panel_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2)
    fig.suptitle("Revenue by month")
    a.set_title("Online")
    a.set_xlabel("month")
    a.set_ylabel("revenue (GBP)")
    b.set_xlabel("month")  # no title: only its label is described
    return fig


def test_figure_alt_reads_suptitle_titles_and_axis_labels() -> None:
    import matplotlib.pyplot as plt

    fig = _two_panel_figure()
    want = "Revenue by month. Online (x: month; y: revenue (GBP)). (x: month)"
    assert store.figure_alt(fig) == want
    plt.close(fig)


def test_figure_alt_without_text_falls_back_to_the_name_and_is_cut() -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert store.figure_alt(fig, "03_retention_heatmap") == "Figure 03 retention heatmap"
    ax.set_title("t" * 1000)
    got = store.figure_alt(fig)
    assert len(got) == store.ALT_MAX_CHARS and got.endswith("…")
    plt.close(fig)


def test_save_fig_records_derived_alt_and_explicit_alt_wins(tmp_path, monkeypatch) -> None:
    from helpers.files import read_json

    shown = []
    monkeypatch.setattr(store, "_in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    store.save_fig(_two_panel_figure(), "02_a", tmp_path)
    store.save_fig(_two_panel_figure(), "02_b", tmp_path, alt="  Two   panels of revenue ")
    alts = read_json(tmp_path / "alt.json")
    assert alts == {
        "02_a.png": "Revenue by month. Online (x: month; y: revenue (GBP)). (x: month)",
        "02_b.png": "Two panels of revenue",
    }
    from IPython.core.formatters import DisplayFormatter

    data, md = DisplayFormatter().format(shown[1])
    assert "image/png" in data
    assert md == {"image/png": {"alt": "Two panels of revenue"}}
    assert (tmp_path / "02_a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # saving again with another alt replaces the entry, keeps the others
    store.save_fig(_two_panel_figure(), "02_a", tmp_path, alt="New", show=False)
    assert read_json(tmp_path / "alt.json")["02_a.png"] == "New"
    assert read_json(tmp_path / "alt.json")["02_b.png"] == "Two panels of revenue"
