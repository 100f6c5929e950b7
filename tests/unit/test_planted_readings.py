"""Planted opposites: the computed readings change when the data say the opposite (issue 18).

tests/unit/test_readings.py checks each branch of :mod:`helpers.results.readings` on hand-made
numbers. Here the numbers come from the real chain instead: for each reading two small
synthetic CRMs differ only in the planted knob(s) of :class:`helpers.synth.SynthConfig`; each
goes through notebook 01's helper calls (adapter -> cleaning -> canonical ``order_lines``) and
then the helper calls of the notebook that makes the reading, with that notebook's own default
parameters (read from its ``parameters`` cell). The test asserts that the reading takes the
planted branch for each CRM, and that the numbers behind it clear the branch's threshold by a
margin (not just fall on the right side of it).

Plants (400 customers, seed 4; margins measured over seeds 1-6 before choosing the bounds):

1. Weekday (02, ``readings.weekday_sentence``): default weekday weights close Saturday; the plant
   closes Sunday and opens Saturday (the two weights swapped).
2. Stage flows (03, ``readings.steady_state_sentence``): almost no drop-out (``a=0.1, b=20``,
   mean drop-out probability per repeat purchase 0.005) against heavy drop-out (``a=4, b=1``,
   mean 0.8). Both use regular buyers (``r=4, alpha=30``: 0.13 purchases a week, CV 0.5)
   instead of the default very dispersed rates (``r=0.8``): with the default, many alive
   customers have gaps over the 365-day churn rule and come back from "churned", which keeps
   the heavy-drop-out steady active share at 0.35-0.46 of today's (too close to the 0.5 line).
   With regular buyers it is 0.00-0.15 of today's for heavy drop-out and 0.87-0.96 for almost
   none: bounds 0.3 and 0.75 below.
3. Country trend (05, seasonal Mann-Kendall in ``trends.trend_table``, the "growing /
   declining" lists of its findings): acquisition spread over three years (``initial_share=0``)
   against all customers acquired in the first 30 days (``initial_share=1``, declining
   acquisition: the base only fades), default drop-out, regular buyers as in 2. Three years
   rather than two: with two, each calendar month gives at most one year-over-year pair and the
   adjusted q of the United Kingdom was 0.01-0.12; with three it was below 0.007 in every seed
   and |tau| at least 0.65: bounds q < 0.01 and |tau| > 0.5 below.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import config, synth
from helpers.analysis import customers, lifecycle, trends
from helpers.data import cleaning, ingest
from helpers.data.adapters import get_adapter
from helpers.results import readings

ROOT = Path(__file__).resolve().parents[2]
N_CUSTOMERS = 400
SEED = 4
TWO_YEARS = ("2010-01-01", "2011-12-31")
THREE_YEARS = ("2010-01-01", "2012-12-31")

DEFAULT_WEEKDAYS = synth.SynthConfig().weekday_weights  # Mon..Sun, Saturday 0
SUNDAY_CLOSED = (*DEFAULT_WEEKDAYS[:5], DEFAULT_WEEKDAYS[6], DEFAULT_WEEKDAYS[5])
REGULAR = {"r": 4.0, "alpha": 30.0}  # regular buyers (see the module docstring)
ALMOST_NO_DROPOUT = {**REGULAR, "a": 0.1, "b": 20.0}
HEAVY_DROPOUT = {**REGULAR, "a": 4.0, "b": 1.0}
SPREAD_ACQUISITION = {**REGULAR, "initial_share": 0.0}
NO_LATER_ACQUISITION = {**REGULAR, "initial_share": 1.0}

SUSTAINS = "acquisition sustains most of the active base."
ADDS = "acquisition adds to the base rather than sustaining it."


def notebook_defaults(stem: str) -> dict:
    """The literals of the notebook's ``parameters`` cell (name -> value)."""
    book = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in book["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"{stem}: expected one cell tagged 'parameters'"
    tree = ast.parse("".join(cells[0]["source"]))
    return {
        node.target.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.AnnAssign)
    }


@pytest.fixture(scope="module")
def order_lines(tmp_path_factory):
    """``make(window, **overrides)``: canonical order lines of a seeded synthetic CRM, made by
    notebook 01's helper calls (cached per CRM)."""
    p01 = notebook_defaults("01_collect_clean")
    cache: dict = {}

    def make(window: tuple[str, str], **overrides) -> pd.DataFrame:
        key = (window, tuple(sorted(overrides.items())))
        if key not in cache:
            crm = synth.simulate_crm(
                n_customers=N_CUSTOMERS, start=window[0], end=window[1], seed=SEED, **overrides
            )
            raw = tmp_path_factory.mktemp("raw")
            synth.write_synthetic(crm, raw)
            source = get_adapter("synthetic")(raw)
            rules = source.rules.with_params(
                drop_exact_duplicates=p01["drop_exact_duplicates"],
                match_cancellations=p01["match_cancellations"],
                max_quantity=p01["max_quantity"],
            )
            result = cleaning.clean(source.lines, rules, engine=p01["engine"])
            assert result.totals["reconciles"]
            cache[key] = ingest.build_canonical(result.kept, source)["order_lines"]
        return cache[key]

    return make


# ----------------------------------------------------------------------------- 02: weekdays


def weekday_reading(all_lines: pd.DataFrame) -> tuple[pd.Series, str]:
    """Notebook 02's weekday revenue and reading."""
    p = notebook_defaults("02_profile")
    cutoff_ts = config.resolve_cutoff(p["cutoff"], all_lines["order_ts"])
    lines = customers.before_cutoff(all_lines, cutoff_ts)
    tp = customers.time_patterns(lines)
    return tp["weekday"], readings.weekday_sentence(tp["weekday"], p["quiet_share"])


def test_weekday_reading_names_the_planted_closed_day(order_lines):
    assert DEFAULT_WEEKDAYS[5] == 0 and DEFAULT_WEEKDAYS[6] > 0  # the default closes Saturday
    rev_sat, text_sat = weekday_reading(order_lines(TWO_YEARS))
    rev_sun, text_sun = weekday_reading(order_lines(TWO_YEARS, weekday_weights=SUNDAY_CLOSED))
    # the numbers behind the branch: the closed day has no revenue, the open one far more than
    # the 1% "almost none" share (Sunday's weight 0.7 of a mean-1 week: about 10%)
    assert rev_sat["Sat"] == 0 and rev_sun["Sun"] == 0
    assert rev_sat["Sun"] / rev_sat.sum() > 0.05
    assert rev_sun["Sat"] / rev_sun.sum() > 0.05
    assert (rev_sat.drop("Sat") > 0).all() and (rev_sun.drop("Sun") > 0).all()
    assert text_sat == "No sales at all on Sat."
    assert text_sun == "No sales at all on Sun."


# ----------------------------------------------------------------------------- 03: stage flows


def steady_state_reading(all_lines: pd.DataFrame) -> dict:
    """Notebook 03's transition matrix, stationary distribution and reading."""
    p = notebook_defaults("03_behaviour_lifecycle")
    cutoff_ts = config.resolve_cutoff(p["cutoff"], all_lines["order_ts"])
    lines = all_lines[all_lines["order_ts"] < cutoff_ts]
    rules_kw = {k: p[k] for k in ("new_days", "at_risk_mult", "dormant_mult", "churn_days")}
    snap_dates = [
        cutoff_ts - pd.Timedelta(days=p["period_days"] * k) for k in range(p["n_periods"], -1, -1)
    ]
    snaps = lifecycle.stage_snapshots(lines, snap_dates, **rules_kw)
    pairs = [
        lifecycle.transition_matrix(snaps[a], snaps[b])[0]
        for a, b in zip(snaps.columns[:-1], snaps.columns[1:], strict=True)
    ]
    tcounts = sum(pairs)
    tprobs = tcounts.div(tcounts.sum(axis=1).replace(0, np.nan), axis=0)
    steady = lifecycle.stationary_distribution(tprobs)
    acquired_now = snaps.iloc[:, -1][snaps.iloc[:, -1] != lifecycle.PROSPECT]
    active_now = float((acquired_now == "active").mean()) if len(acquired_now) else 0.0
    return {
        "probs": tprobs,
        "steady": steady,
        "active_now": active_now,
        "text": readings.steady_state_sentence(tprobs, steady, active_now),
    }


def test_steady_state_reading_follows_the_planted_drop_out(order_lines):
    loyal = steady_state_reading(order_lines(TWO_YEARS, **ALMOST_NO_DROPOUT))
    heavy = steady_state_reading(order_lines(TWO_YEARS, **HEAVY_DROPOUT))
    ratio = {
        name: float(r["steady"].get("active", 0.0)) / r["active_now"]
        for name, r in (("loyal", loyal), ("heavy", heavy))
    }
    # the reading's line is half of today's active share; both runs clear it by a margin
    assert ratio["loyal"] > 0.75, ratio
    assert ratio["heavy"] < 0.3, ratio
    # and what drives it: with heavy drop-out fewer customers are active today, fewer churned
    # ones come back, and the flows settle on a mostly churned base
    assert heavy["active_now"] < loyal["active_now"]
    assert heavy["probs"].loc["churned", "active"] < loyal["probs"].loc["churned", "active"]
    assert heavy["steady"]["churned"] > 0.5 > loyal["steady"]["churned"]
    assert loyal["text"].endswith(ADDS) and SUSTAINS not in loyal["text"]
    assert heavy["text"].endswith(SUSTAINS) and ADDS not in heavy["text"]
    for r in (loyal, heavy):  # the sentence quotes the numbers it branched on
        assert (
            f"from {100 * r['active_now']:.0f}% today to {100 * float(r['steady']['active']):.0f}%"
        ) in r["text"]


# ----------------------------------------------------------------------------- 05: trends


def country_trends(all_lines: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Notebook 05's country trend table and the growing / declining lists of its findings."""
    p = notebook_defaults("05_model_selection")
    cutoff_ts = config.resolve_cutoff(p["cutoff"], all_lines["order_ts"])
    lines = all_lines[all_lines["order_ts"] < cutoff_ts]
    table = trends.trend_table(
        trends.monthly_revenue(lines, "country"),
        alpha=p["trend_alpha"],
        horizon=p["trend_horizon_months"],
    )
    lists = {d: table.index[table["direction"] == d].tolist() for d in ("growing", "declining")}
    return table, lists


def test_country_trend_follows_the_planted_acquisition(order_lines):
    alpha = notebook_defaults("05_model_selection")["trend_alpha"]
    up, up_lists = country_trends(order_lines(THREE_YEARS, **SPREAD_ACQUISITION))
    down, down_lists = country_trends(order_lines(THREE_YEARS, **NO_LATER_ACQUISITION))
    uk_up, uk_down = up.loc["United Kingdom"], down.loc["United Kingdom"]
    # two full years of same-month comparisons for (nearly) every calendar month
    assert uk_up["pairs"] >= 30 and uk_down["pairs"] >= 30
    # the adjusted p-value clears the notebook's level by a factor of five, and the effect is large
    assert uk_up["q"] < alpha / 5 and uk_down["q"] < alpha / 5
    assert uk_up["tau"] > 0.5 and uk_up["sen_slope_amt_month"] > 0
    assert uk_down["tau"] < -0.5 and uk_down["sen_slope_amt_month"] < 0
    assert (
        "United Kingdom" in up_lists["growing"] and "United Kingdom" not in up_lists["declining"]
    )
    assert "United Kingdom" in down_lists["declining"]
    assert "United Kingdom" not in down_lists["growing"]
