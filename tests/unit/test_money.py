"""Tests for helpers.money: symbols and amounts in the data's currency (hand-worked strings)."""

from __future__ import annotations

import pytest

from helpers import money


def test_symbols_for_known_and_unknown_codes() -> None:
    assert money.symbol("GBP") == "\u00a3" and money.symbol("usd") == "$"
    assert money.symbol("EUR") == "\u20ac"
    assert money.symbol("MXN") == "MXN\u00a0"
    with pytest.raises(ValueError, match="currency.code"):
        money.symbol(" ")


def test_fmt_money_puts_the_sign_before_the_symbol() -> None:
    assert money.fmt_money(2500315.87, "USD", ",.2f") == "$2,500,315.87"
    assert money.fmt_money(-1234.5, "GBP") == "-\u00a31,234"
    assert money.fmt_money(None, "GBP") == "n/a"


def test_style_spec_formats_through_str_format() -> None:
    assert money.style_spec("EUR", ",.1f").format(1234.56) == "\u20ac1,234.6"


def test_axis_formatter_follows_apply_style() -> None:
    from helpers import plots

    try:
        plots.apply_style("USD")
        f = plots.money_formatter()
        assert f(2_500_000) == "$2.5M" and f(-25_000) == "-$25k" and f(12.4) == "$12"
        assert plots.currency() == "USD"
    finally:
        plots.apply_style("GBP")
    assert plots.money_formatter()(500) == "\u00a3500"


def test_plain_number_never_scientific():
    from helpers import plots

    assert plots.plain_number(5_230_851.2) == "5,230,851"   # was 5.230851e+06 in tables
    assert plots.plain_number(12.3456) == "12.35"
    assert plots.plain_number(0.10845) == "0.1085"         # 4 decimals, trailing zeros dropped
    assert plots.plain_number(0.5) == "0.5"
    assert plots.plain_number(1.2e-104) == "< 0.0001"      # a log-rank p-value
    assert plots.plain_number(-3e-9) == "> -0.0001"
    assert plots.plain_number(0.0) == "0"
    assert plots.plain_number(float("nan")) == ""
    assert plots.plain_number(-2500.0) == "-2,500"


def test_money_ticks_below_ten_keep_their_decimals():
    from helpers import plots

    plots.apply_style("EUR")
    f = plots.money_formatter()
    # 0.5 and 2.5 used to read "€0" and "€2" (04_clv_distribution showed "£0, £0")
    assert [f(0), f(0.5), f(2.5), f(3), f(250)] == ["\u20ac0", "\u20ac0.5", "\u20ac2.5", "\u20ac3", "\u20ac250"]
    plots.apply_style("GBP")


def test_plain_number_whole_values_have_no_decimals():
    from helpers import plots

    # a count in a float column (mixed Series) reads 803, not 803.0
    assert [plots.plain_number(v) for v in (803.0, 2.0, 150.25)] == ["803", "2", "150.2"]


def test_frame_html_plain_numbers_and_dash_for_missing():
    import pandas as pd

    from helpers import plots

    html = plots.frame_html(pd.DataFrame({"a": [5_230_851.2, float("nan")], "b": [1e-9, 0.25]}))
    assert "5,230,851" in html and "–" in html and "&lt; 0.0001" in html and "0.25" in html
    assert "NaN" not in html and "e+06" not in html
