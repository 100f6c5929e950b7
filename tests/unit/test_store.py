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
    assert store.fmt_p(2e-40) == "< 0.0001"     # was printed 2e-40
    assert store.fmt_p(1.0) == "1"
    with pytest.raises(ValueError, match="not a probability"):
        store.fmt_p(1.5)
