"""The notebooks' worked examples: hand values (typed in helpers.results.worked) equal the code."""

import functools
import math
import re
from pathlib import Path

import nbformat
import pytest

from helpers.results import worked


@pytest.mark.parametrize("name", sorted(worked.EXAMPLES))
def test_hand_values_equal_the_package_code(name):
    table = worked.check(name)
    _, hand = worked.EXAMPLES[name][0]()
    assert list(table.index) == list(hand)
    assert table["match"].all()


def test_a_wrong_hand_value_makes_check_raise():
    _, hand = worked.mase_six()
    wrong = {**hand, "MASE": 0.9}  # e.g. dividing by the wrong number of naive changes
    with pytest.raises(ValueError, match="MASE"):
        worked.check("mase", wrong)


def test_a_tiny_numeric_slip_is_caught():
    _, hand = worked.bgnbd_one()
    wrong = {**hand, "likelihood L": hand["likelihood L"] * (1 + 1e-6)}
    with pytest.raises(ValueError, match="likelihood L"):
        worked.check("bgnbd", wrong)


def test_a_wrong_segment_name_is_caught():
    _, hand = worked.rfm_five()
    wrong = {**hand, "customer 5 segment": "hibernating"}
    with pytest.raises(ValueError, match="customer 5 segment"):
        worked.check("rfm", wrong)


def test_missing_quantity_and_unknown_name_are_named():
    _, hand = worked.km_steps()
    with pytest.raises(ValueError, match="S\\(120\\)"):
        worked.check("km", {k: v for k, v in hand.items() if k != "S(120)"})
    with pytest.raises(ValueError, match="unknown example 'nope'"):
        worked.check("nope")


def test_bgnbd_hand_pieces_multiply_to_the_stated_likelihood():
    """The docstring's pieces A1..A4 give L; ln L is the log of that exact fraction."""
    a1, a2, a3, a4 = 54, 0.5, 1e-4, 1 / 12288
    _, hand = worked.bgnbd_one()
    assert a1 * a2 * (a3 + a4) == pytest.approx(hand["likelihood L"], rel=1e-15)
    assert math.log(27 * 22288 / 122880000) == pytest.approx(
        hand["log-likelihood ln L"], abs=1e-12
    )


def test_rfm_score_rule_in_the_docstring_matches_quantile_score():
    """score = max(1, ceil(n (k - 1) / (N - 1))) for the lowest position k of each value."""
    import pandas as pd

    from helpers.value import rfm

    for n_cust in (5, 7, 11, 23):
        values = pd.Series(range(n_cust))
        rule = [max(1, math.ceil(5 * (k - 1) / (n_cust - 1))) for k in range(1, n_cust + 1)]
        assert rfm.quantile_score(values, 5).tolist() == rule


NOTEBOOKS = sorted(Path(__file__).resolve().parents[2].glob("notebooks/[0-9][0-9]*.ipynb"))
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def shown_as(value: float, prose: str) -> bool:
    """Whether some number in ``prose`` is ``value`` rounded to the digits that number shows."""
    for tok in NUMBER.findall(prose):
        decimals = len(tok.partition(".")[2])
        if decimals == 0 and not float(value).is_integer():
            continue  # "0" in the prose does not show 0.3
        if abs(float(tok) - value) <= 0.5 * 10**-decimals + 1e-12:
            return True
    return False


def test_shown_as_reads_rounded_numbers():
    assert shown_as(10 / 3, "lift 1 / 0.3 = 3.33;") and shown_as(-5.319078265, "= -5.3190783$")
    assert (
        not shown_as(10 / 3, "lift 3.34")
        and not shown_as(0.875, "MASE = 0.86")
        and not shown_as(0.3, "rate 0 or 1")
    )


@functools.cache
def worked_prose() -> dict[str, str]:
    """Example name -> the markdown cell just before the code cell that checks it."""
    out = {}
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        for prev, cell in zip(cells, cells[1:], strict=False):
            m = re.search(r"worked\.check\(\s*[\"'](\w+)[\"']", cell.source)
            if cell.cell_type == "code" and m and prev.cell_type == "markdown":
                out[m.group(1)] = prev.source
    return out


@pytest.mark.parametrize("name", sorted(worked.EXAMPLES))
def test_the_notebook_prose_shows_the_hand_values(name):
    """Every hand value appears in the worked example's markdown (rounded as printed there), so
    the prose, the hand values and the package code cannot drift apart."""
    prose = worked_prose()[name]
    _, hand = worked.EXAMPLES[name][0]()
    missing = [
        q
        for q, v in hand.items()
        if not (v in prose if isinstance(v, str) else shown_as(float(v), prose))
    ]
    assert missing == [], (
        f"{name}: hand values not shown in the notebook's worked example: {missing}"
    )
