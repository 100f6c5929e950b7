"""Tiny worked examples: numbers computed by hand, then reproduced by the package's own code.

Each example function returns ``(data, hand)``: the tiny input and a dict of values derived by
hand (the arithmetic is in the docstring, the values are typed literals, never computed by the
code they check). :func:`check` runs the package code on the same input and raises
``ValueError`` naming the quantity when a hand value and the code disagree by more than
:data:`RTOL` (relative) or :data:`ATOL` (absolute); otherwise it returns a small table for the
notebook to display. Text values (scores as digits, segment names) must match exactly.

Examples (notebook and section):

* ``"rfm"``: RFM scores of five customers (04, RFM at the cutoff).
* ``"bgnbd"``: one customer's BG/NBD likelihood (04, customer lifetime value).
* ``"mase"``: MASE of a six-week forecast (05, weekly revenue forecasting).
* ``"lift"``: lift and gain on ten scored customers (05, churn classification).
* ``"km"``: Kaplan-Meier steps on six durations (03, time to churn).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

from helpers.models import metrics
from helpers.value import clv, rfm

RTOL: float = 1e-9
"""Relative tolerance of :func:`check` for numeric values."""

ATOL: float = 1e-12
"""Absolute tolerance of :func:`check` (for values that are exactly 0 by hand)."""


def rfm_five() -> tuple[pd.DataFrame, dict[str, object]]:
    """Five customers' raw R, F, M and their scores and segments worked by hand.

    Rule (:func:`helpers.value.rfm.quantile_score`, n = 5 levels, N = 5 customers): sort the
    values from worst to best, give each value the **lowest** rank position k it occupies, and
    score it ``max(1, ceil(n (k - 1) / (N - 1)))``; with N = n = 5 the score is k itself.

    Recency (fewer days is better), worst to best: 200 (k=1), 40 and 40 (both k=2, the tie
    takes the lower position), 12 (k=4), 5 (k=5) -> R = 5, 2, 4, 1, 2 for customers 1..5.
    Frequency, lowest to highest: 1 and 1 (k=1), 2 (k=3), 3 (k=4), 8 (k=5) -> F = 5, 1, 4, 1, 3.
    Monetary: 20 (1), 50 (2), 120 (3), 300 (4), 900 (5) -> M = 5, 2, 4, 1, 3.
    Cells ``RFM``: 555, 212, 444, 111, 233. Segments from the R x F grid
    (:data:`helpers.value.rfm.SEGMENT_GRID`): (5, 5) champions, (2, 1) hibernating,
    (4, 4) loyal, (1, 1) lost, (2, 3) at_risk.
    """
    data = pd.DataFrame(
        {
            "recency_days": [5, 40, 12, 200, 40],
            "frequency": [8, 1, 3, 1, 2],
            "monetary_amt": [900.0, 50.0, 300.0, 20.0, 120.0],
        },
        index=pd.Index([1, 2, 3, 4, 5], name="customer_id"),
    )
    hand: dict[str, object] = {}
    cells = {1: "555", 2: "212", 3: "444", 4: "111", 5: "233"}
    segs = {1: "champions", 2: "hibernating", 3: "loyal", 4: "lost", 5: "at_risk"}
    for c in data.index:
        hand[f"customer {c} RFM"] = cells[c]
        hand[f"customer {c} segment"] = segs[c]
    return data, hand


def _rfm_code(data: pd.DataFrame) -> dict[str, object]:
    scores = rfm.rfm_scores(data, 5)
    seg = rfm.assign_segments(scores)
    out: dict[str, object] = {}
    for c in data.index:
        out[f"customer {c} RFM"] = scores.loc[c, "rfm_cell"]
        out[f"customer {c} segment"] = str(seg.loc[c])
    return out


def bgnbd_one() -> tuple[dict[str, float], dict[str, float]]:
    """One customer's BG/NBD likelihood (Fader, Hardie & Lee 2005, eq. 6) by hand.

    Parameters r = 2, alpha = 3, a = 1, b = 2; customer x = 2 repeat purchases, t_x = 5,
    T = 7 (weeks). With ``L = A1 * A2 * (A3 + A4)``:

    * A1 = Gamma(r + x) alpha^r / Gamma(r) = Gamma(4) * 3^2 / Gamma(2) = 6 * 9 / 1 = 54;
    * A2 = B(a, b + x) / B(a, b) = B(1, 4) / B(1, 2) = (1/4) / (1/2) = 0.5  (B(1, n) = 1/n);
    * A3 = (alpha + T)^-(r + x) = 10^-4 = 0.0001;
    * A4 = a / (b + x - 1) * (alpha + t_x)^-(r + x) = (1/3) * 8^-4 = 1/12288 = 0.0000813802083...
      (the drop-out term: B(a + 1, b + x - 1) / B(a, b + x) = a / (b + x - 1));
    * L = 54 * 0.5 * (1/10000 + 1/12288) = 27 * 22288 / 122880000 = 0.004897265625 exactly;
    * ln L = -5.319078265340 (natural log of the exact fraction, by calculator).
    """
    data = {"r": 2.0, "alpha": 3.0, "a": 1.0, "b": 2.0, "x": 2.0, "t_x": 5.0, "T": 7.0}
    hand = {"likelihood L": 0.004897265625, "log-likelihood ln L": -5.319078265340}
    return data, hand


def _bgnbd_code(data: dict[str, float]) -> dict[str, float]:
    ll = clv._bgnbd_loglik(
        data["r"],
        data["alpha"],
        data["a"],
        data["b"],
        np.array([data["x"]]),
        np.array([data["t_x"]]),
        np.array([data["T"]]),
    )
    return {"likelihood L": float(np.exp(ll[0])), "log-likelihood ln L": float(ll[0])}


def mase_six() -> tuple[dict[str, list[float]], dict[str, float]]:
    """MASE of a flat forecast over six weeks, scaled by the one-step naive error in training.

    Training weeks 100, 110, 105, 115, 120, 110: one-step changes |10|, |-5|, |10|, |5|, |-10|,
    sum 40 over 5 changes, scale = 8. Test actuals 118, 125, 122, 130, 128, 135 against a
    forecast of 120 each week: absolute errors 2, 5, 2, 10, 8, 15, sum 42, MAE = 42 / 6 = 7.
    MASE = 7 / 8 = 0.875 (below 1: better than the in-sample naive forecast).
    """
    data = {
        "train": [100.0, 110.0, 105.0, 115.0, 120.0, 110.0],
        "actual": [118.0, 125.0, 122.0, 130.0, 128.0, 135.0],
        "forecast": [120.0] * 6,
    }
    hand = {"naive scale": 8.0, "MAE": 7.0, "MASE": 0.875}
    return data, hand


def _mase_code(data: dict[str, list[float]]) -> dict[str, float]:
    tr = data["train"]
    return {
        "naive scale": metrics.mae(tr[1:], tr[:-1]),
        "MAE": metrics.mae(data["actual"], data["forecast"]),
        "MASE": metrics.mase(data["actual"], data["forecast"], tr, m=1),
    }


def lift_ten() -> tuple[dict[str, list[float]], dict[str, float]]:
    """Top-decile lift and top-30% gain on ten customers (three churners).

    Base rate 3 / 10 = 0.3. Sorted by score, highest first: 0.95 (churned), 0.90 (no),
    0.80 (churned), 0.70, 0.60, 0.45 (no), 0.30 (churned), 0.20, 0.15, 0.05 (no).
    Decile 1 is the single top customer: rate 1 / 1, lift = 1 / 0.3 = 3.3333...
    Decile 2: rate 0, lift 0. Top three deciles hold 2 of the 3 churners: cumulative gain
    2 / 3 = 0.6667, cumulative lift (2 / 3) / 0.3 = 2.2222...
    """
    data = {
        "score": [0.30, 0.90, 0.15, 0.80, 0.95, 0.45, 0.05, 0.60, 0.20, 0.70],
        "churned": [1, 0, 0, 1, 1, 0, 0, 0, 0, 0],
    }
    hand = {
        "base rate": 0.3,
        "lift, decile 1": 10 / 3,
        "lift, decile 2": 0.0,
        "cumulative gain, deciles 1-3": 2 / 3,
        "cumulative lift, deciles 1-3": 20 / 9,
    }
    return data, hand


def _lift_code(data: dict[str, list[float]]) -> dict[str, float]:
    t = metrics.lift_table(data["churned"], data["score"], n_bins=10)
    return {
        "base rate": float(np.mean(data["churned"])),
        "lift, decile 1": float(t.loc[1, "lift"]),
        "lift, decile 2": float(t.loc[2, "lift"]),
        "cumulative gain, deciles 1-3": float(t.loc[3, "cum_gain"]),
        "cumulative lift, deciles 1-3": float(t.loc[3, "cum_lift"]),
    }


def km_steps() -> tuple[dict[str, list[float]], dict[str, float]]:
    """Kaplan-Meier S(t) = prod over event times t_i <= t of (1 - d_i / n_i), by hand.

    Six customers, days to churn and whether churn was seen (1) or the customer was still
    active at the end (0, censored): (30, 1), (50, 1), (50, 0), (80, 1), (120, 0), (120, 1).
    A customer censored at t is still at risk at t.

    * t = 30: n = 6 at risk, d = 1 churn: S = 1 - 1/6 = 5/6 = 0.8333;
    * t = 50: n = 5, d = 1 (the other one at 50 is censored): S = 5/6 * 4/5 = 2/3;
    * t = 80: n = 3 (two left at 50), d = 1: S = 2/3 * 2/3 = 4/9 = 0.4444;
    * t = 120: n = 2, d = 1: S = 4/9 * 1/2 = 2/9 = 0.2222.

    Median time to churn: the first t with S(t) <= 0.5, i.e. 80 days.
    """
    data = {"duration_days": [30, 50, 50, 80, 120, 120], "event": [1, 1, 0, 1, 0, 1]}
    hand = {"S(30)": 5 / 6, "S(50)": 2 / 3, "S(80)": 4 / 9, "S(120)": 2 / 9, "median days": 80.0}
    return data, hand


def _km_code(data: dict[str, list[float]]) -> dict[str, float]:
    kmf = KaplanMeierFitter().fit(data["duration_days"], data["event"])
    out = {f"S({t})": float(kmf.predict(t)) for t in (30, 50, 80, 120)}
    out["median days"] = float(kmf.median_survival_time_)
    return out


EXAMPLES: dict[str, tuple[Callable[[], tuple], Callable[[object], dict], str]] = {
    "rfm": (rfm_five, _rfm_code, "helpers.value.rfm.rfm_scores + assign_segments"),
    "bgnbd": (bgnbd_one, _bgnbd_code, "helpers.value.clv BG/NBD log-likelihood"),
    "mase": (mase_six, _mase_code, "helpers.models.metrics.mase (m=1)"),
    "lift": (lift_ten, _lift_code, "helpers.models.metrics.lift_table"),
    "km": (km_steps, _km_code, "lifelines KaplanMeierFitter (as in notebook 03)"),
}
"""Name -> (example, the package code that reproduces it, what that code is)."""


def _same(by_hand: object, code: object) -> bool:
    if isinstance(by_hand, str) or isinstance(code, str):
        return by_hand == code
    return math.isclose(float(by_hand), float(code), rel_tol=RTOL, abs_tol=ATOL)


def check(name: str, hand: dict[str, object] | None = None) -> pd.DataFrame:
    """Run the package code on example ``name`` and compare it with the hand values.

    Parameters
    ----------
    name
        One of :data:`EXAMPLES` (``"rfm"``, ``"bgnbd"``, ``"mase"``, ``"lift"``, ``"km"``).
    hand
        Hand values to check instead of the example's own (for tests of this check).

    Returns
    -------
    pandas.DataFrame
        One row per quantity: ``by_hand`` and ``package`` as text (numbers to 10 significant
        digits) and ``match`` (all True).

    Raises
    ------
    ValueError
        For an unknown name, or naming each quantity where hand and code disagree.
    """
    if name not in EXAMPLES:
        raise ValueError(f"worked.check: unknown example {name!r}; choose from {sorted(EXAMPLES)}")
    example, code_fn, what = EXAMPLES[name]
    data, own = example()
    hand = own if hand is None else hand
    code = code_fn(data)
    missing = sorted(set(hand) ^ set(code))
    if missing:
        raise ValueError(
            f"worked.check({name!r}): quantities not in both hand and code: {missing}"
        )
    rows = [(q, hand[q], code[q], _same(hand[q], code[q])) for q in hand]
    table = pd.DataFrame(rows, columns=["quantity", "by_hand", "package", "match"])
    bad = table.loc[~table["match"], ["quantity", "by_hand", "package"]]
    if len(bad):
        raise ValueError(
            f"worked.check({name!r}): hand values disagree with {what} "
            f"(rtol={RTOL}, atol={ATOL}): {bad.to_dict(orient='records')}"
        )
    for col in ("by_hand", "package"):  # shown to 10 significant digits, not the display default
        table[col] = [v if isinstance(v, str) else f"{float(v):.10g}" for v in table[col]]
    return table.set_index("quantity")
