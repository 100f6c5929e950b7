"""Purchase cadence, acquisition cohorts, lifecycle stages, stage transitions and survival.

Purchases are counted on *order days*: several invoices of one customer on one calendar day are
one purchase occasion (the same convention as the BG/NBD summary in :mod:`helpers.value.clv`).

Lifecycle stage at a cutoff (:func:`assign_stages`), judged against the customer's **own**
cadence. With ``days_since_last`` = days from the last order day to the cutoff, ``cadence`` =
the median gap between the customer's consecutive order days (for one-order customers: the
population median gap, the fallback) and ``ratio = days_since_last / cadence``:

=========  ==========================================================================
stage      rule (checked in this order)
=========  ==========================================================================
new        first order less than ``new_days`` before the cutoff
churned    ``days_since_last > churn_days``
active     ``ratio <= at_risk_mult``
at-risk    ``ratio <= dormant_mult``
dormant    otherwise (overdue by more than ``dormant_mult`` cadences, not yet churned)
=========  ==========================================================================

Customers not yet acquired at a snapshot are ``prospect`` in the transition view
(:func:`stage_snapshots`); they leave that state only by becoming ``new``.

Survival (:func:`survival_table`): a customer is *declared churned* ``churn_days`` after an
order day that is not followed by another within ``churn_days``; the survival time runs from the
first order day to that declaration. Customers not declared churned by the cutoff are censored
at the cutoff.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from helpers.data.schema import require_columns

log = logging.getLogger(__name__)

STAGES: tuple[str, ...] = ("new", "active", "at-risk", "dormant", "churned")
PROSPECT = "prospect"


def order_days(lines: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Distinct (customer_id, order day) with the day's revenue (GBP), before ``cutoff``.

    Guest lines (no customer_id) are dropped.
    """
    require_columns(lines, ("customer_id", "order_ts", "revenue_amt"), "order_days")
    c = lines[lines["customer_id"].notna() & (lines["order_ts"] < cutoff)]
    if c.empty:
        raise ValueError(f"order_days: no customer lines before {cutoff}")
    d = (c.assign(customer_id=c["customer_id"].astype("int64"), day=c["order_ts"].dt.normalize())
         .groupby(["customer_id", "day"], as_index=False)["revenue_amt"].sum())
    return d


def interpurchase_gaps(days: pd.DataFrame) -> pd.Series:
    """Gaps in days between each customer's consecutive order days (from :func:`order_days`)."""
    require_columns(days, ("customer_id", "day"), "interpurchase_gaps")
    d = days.sort_values(["customer_id", "day"])
    gap = d.groupby("customer_id")["day"].diff().dt.days
    return gap.dropna().astype(int).rename("gap_days")


def cadence_table(lines: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Per customer: ``n_order_days``, ``first_day``, ``last_day``, ``median_gap_days`` (NaN
    for one-order customers), ``days_since_last`` and ``days_since_first`` at ``cutoff``."""
    days = order_days(lines, cutoff)
    d = days.sort_values(["customer_id", "day"])
    d["gap"] = d.groupby("customer_id")["day"].diff().dt.days
    g = d.groupby("customer_id")
    out = pd.DataFrame({
        "n_order_days": g.size(),
        "first_day": g["day"].min(),
        "last_day": g["day"].max(),
        "median_gap_days": g["gap"].median(),
        "revenue_amt": g["revenue_amt"].sum(),
    })
    day0 = cutoff.normalize()
    out["days_since_last"] = (day0 - out["last_day"]).dt.days
    out["days_since_first"] = (day0 - out["first_day"]).dt.days
    return out


def assign_stages(
    lines: pd.DataFrame,
    cutoff: pd.Timestamp,
    new_days: int = 30,
    at_risk_mult: float = 1.5,
    dormant_mult: float = 3.0,
    churn_days: int = 365,
    fallback_cadence_days: float | None = None,
) -> pd.DataFrame:
    """Lifecycle stage of every customer with an order before ``cutoff`` (rules: module doc).

    Returns :func:`cadence_table` plus ``cadence_days`` (own or fallback), ``ratio`` and
    ``stage`` (ordered categorical of :data:`STAGES`).
    """
    if not (0 < at_risk_mult < dormant_mult):
        raise ValueError(f"assign_stages: need 0 < at_risk_mult ({at_risk_mult}) < "
                         f"dormant_mult ({dormant_mult})")
    if new_days < 0 or churn_days <= new_days:
        raise ValueError(f"assign_stages: need 0 <= new_days ({new_days}) < churn_days "
                         f"({churn_days})")
    t = cadence_table(lines, cutoff)
    fb = fallback_cadence_days
    if fb is None:
        fb = float(t["median_gap_days"].median()) if t["median_gap_days"].notna().any() else 30.0
    if fb <= 0:
        raise ValueError(f"assign_stages: fallback cadence {fb} must be positive")
    t["cadence_days"] = t["median_gap_days"].fillna(fb).clip(lower=1.0)
    t["ratio"] = t["days_since_last"] / t["cadence_days"]
    stage = np.select(
        [t["days_since_first"] < new_days, t["days_since_last"] > churn_days,
         t["ratio"] <= at_risk_mult, t["ratio"] <= dormant_mult],
        ["new", "churned", "active", "at-risk"], default="dormant")
    t["stage"] = pd.Categorical(stage, categories=list(STAGES), ordered=True)
    return t


def stage_rules_table(new_days: int, at_risk_mult: float, dormant_mult: float,
                      churn_days: int) -> pd.DataFrame:
    """The stage rules with the parameter values filled in, in the order they are checked."""
    return pd.DataFrame(
        {"rule": [f"first order less than {new_days} days before the cutoff",
                  f"no order for more than {churn_days} days",
                  f"days since last order <= {at_risk_mult} x own cadence",
                  f"days since last order <= {dormant_mult} x own cadence",
                  "otherwise (overdue, not yet churned)"]},
        index=pd.Index(["new", "churned", "active", "at-risk", "dormant"], name="stage"))


def cohort_tables(lines: pd.DataFrame, cutoff: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """Monthly acquisition cohorts: ``sizes`` (customers per cohort), ``counts`` (customers
    with an order in month k after acquisition), ``retention`` (counts / size), and
    ``revenue_retention`` (revenue in month k / revenue in month 0); rows = cohort month,
    columns = k. Months after the cutoff's month are NaN, not zero."""
    days = order_days(lines, cutoff)
    mnum = days["day"].dt.year * 12 + days["day"].dt.month - 1
    first = mnum.groupby(days["customer_id"]).transform("min")
    cohort = pd.to_datetime({"year": first // 12, "month": first % 12 + 1, "day": 1})
    df = pd.DataFrame({"cohort": cohort, "k": mnum - first,
                       "customer_id": days["customer_id"], "rev": days["revenue_amt"]})
    counts = df.groupby(["cohort", "k"])["customer_id"].nunique().unstack("k")
    rev = df.groupby(["cohort", "k"])["rev"].sum().unstack("k")
    sizes = counts[0].rename("customers")
    # the cutoff's month is observed unless the cutoff is midnight on its 1st (then no order of
    # that month is before it)
    observed = cutoff.day > 1 or cutoff != cutoff.normalize()
    last = cutoff.to_period("M") if observed else (cutoff - pd.Timedelta(days=1)).to_period("M")
    max_k = pd.Series({c: (last - c.to_period("M")).n for c in counts.index})
    ks = range(int(max(max_k.max(), counts.columns.max())) + 1)
    counts, rev = counts.reindex(columns=ks), rev.reindex(columns=ks)
    mask = pd.DataFrame({kk: max_k >= kk for kk in counts.columns})
    counts = counts.where(mask).where(counts.notna() | ~mask, 0)
    rev = rev.where(mask).where(rev.notna() | ~mask, 0)
    return {"sizes": sizes, "counts": counts, "retention": counts.div(sizes, axis=0),
            "revenue_retention": rev.div(rev[0], axis=0)}


def stage_snapshots(lines: pd.DataFrame, dates: list[pd.Timestamp], **rules: float) -> pd.DataFrame:
    """Stage of every customer (acquired by the last date) at each snapshot date.

    Customers not yet acquired at a date are :data:`PROSPECT`. Returns customers × dates.
    """
    if len(dates) < 2:
        raise ValueError("stage_snapshots: need at least two dates")
    cols = {}
    for d in dates:
        cols[pd.Timestamp(d)] = assign_stages(lines, pd.Timestamp(d), **rules)["stage"].astype(str)
    snap = pd.DataFrame(cols)
    return snap.fillna(PROSPECT)


def transition_matrix(before: pd.Series, after: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts and row-normalised probabilities of stage ``before`` → stage ``after``.

    Only customers acquired at the first date (not :data:`PROSPECT`) are counted; rows and
    columns are in :data:`STAGES` order (a state never seen gets a zero row).
    """
    if not before.index.equals(after.index):
        raise ValueError("transition_matrix: before and after have different customers")
    keep = before != PROSPECT
    counts = pd.crosstab(before[keep], after[keep]).reindex(index=list(STAGES),
                                                            columns=list(STAGES), fill_value=0)
    counts.index.name, counts.columns.name = "from", "to"
    probs = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    return counts, probs


def stationary_distribution(probs: pd.DataFrame) -> pd.Series:
    """Stationary distribution π of a row-stochastic matrix (π P = π, Σ π = 1).

    States with an all-zero (or NaN) row are dropped first. Solved as the least-squares
    solution of ``(Pᵀ - I) π = 0`` with the normalisation row appended.
    """
    p = probs.fillna(0.0)
    keep = p.sum(axis=1) > 0
    p = p.loc[keep, keep[keep].index]
    p = p.div(p.sum(axis=1), axis=0)
    n = len(p)
    if n == 0:
        raise ValueError("stationary_distribution: empty matrix")
    a = np.vstack([p.to_numpy().T - np.eye(n), np.ones(n)])
    b = np.concatenate([np.zeros(n), [1.0]])
    pi, *_ = np.linalg.lstsq(a, b, rcond=None)
    pi = np.clip(pi, 0, None)
    return pd.Series(pi / pi.sum(), index=p.index, name="steady_state")


def survival_table(lines: pd.DataFrame, cutoff: pd.Timestamp, churn_days: int = 365) -> pd.DataFrame:
    """Per customer: ``duration_days`` from the first order day to churn declaration (or the
    cutoff) and ``event`` (1 = declared churned before the cutoff). See the module docstring."""
    if churn_days < 1:
        raise ValueError(f"survival_table: churn_days={churn_days} must be >= 1")
    days = order_days(lines, cutoff).sort_values(["customer_id", "day"])
    nxt = days.groupby("customer_id")["day"].shift(-1)
    day0 = cutoff.normalize()
    lapse = ((nxt - days["day"]).dt.days > churn_days) | (nxt.isna() & ((day0 - days["day"]).dt.days > churn_days))
    days["declared"] = days["day"] + pd.Timedelta(days=churn_days)
    first = days.groupby("customer_id")["day"].min()
    decl = days[lapse].groupby("customer_id")["declared"].min()
    out = pd.DataFrame({"first_day": first})
    out["declared"] = decl
    out["event"] = (out["declared"].notna() & (out["declared"] <= day0)).astype(int)
    end = out["declared"].where(out["event"] == 1, day0)
    out["duration_days"] = (end - out["first_day"]).dt.days
    return out[["first_day", "duration_days", "event"]]
