"""The CRM playbook, and sizing the case study's recommended actions from the value table.

:data:`PLAYBOOK` is the one list of advice: each :class:`Play` names the value tiers, RFM
segments or lifecycle stage it targets and the advice sentence. The per-tier advice of
:func:`helpers.value.segments.playbook_table` (:data:`TIER_ACTIONS`) and the case study's
actions (:data:`ACTIONS`) are both read from it, so the same advice has the same words.

The write-up (notebook 07) recommends four CRM actions; this module counts who each action
targets and what is at stake, from ``customer_value.parquet`` (notebook 04: segment, tier,
P(alive), 12-month CLV per customer) and, where notebook 03 wrote it, ``lifecycle.parquet``
(lifecycle stage per customer). Definitions (one place, quoted by the notebook):

- **retention**: customers whose RFM segment signals decline (:data:`DECLINING_SEGMENTS`) and
  whose value tier is high or medium. *Revenue at stake* = their summed 12-month CLV (GBP),
  the discounted revenue the models expect from them if nothing changes; *expected loss* =
  Σ (1 − P(alive)) × CLV is not used because CLV already weights by P(alive).
- **vip**: the high tier: count, CLV and share of all predicted CLV.
- **win_back**: lifecycle stage ``dormant`` (notebook 03) when available, else the segments
  ``hibernating`` and ``lost``; their summed CLV is the (small) value a win-back can unlock.
- **nurture**: tier ``potential`` (one purchase so far): candidates for a second-purchase offer.
  (vip and nurture are the tier advice for ``high`` and ``potential`` themselves.)
"""

from __future__ import annotations

import logging
import operator
from dataclasses import dataclass
from functools import reduce

import pandas as pd

from helpers.data.schema import require_columns
from helpers.value.clv import find_clv_column

log = logging.getLogger(__name__)

DECLINING_SEGMENTS: tuple[str, ...] = ("at_risk", "cant_lose", "about_to_sleep", "need_attention")
"""RFM segments whose recency has fallen behind their frequency or value."""


@dataclass(frozen=True)
class Play:
    """One action of the playbook: whom it targets and what to do.

    A customer is targeted when their tier is in ``tiers`` and their segment in ``segments``
    (an empty tuple matches any); when lifecycle stages are known and ``stage`` is set, the
    stage replaces the segment test.
    """

    advice: str
    tiers: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    stage: str | None = None


PLAYBOOK: dict[str, Play] = {
    "vip": Play(
        "VIP treatment for the high tier: account manager, early access, no discounts",
        tiers=("high",),
    ),
    "grow": Play(
        "Grow: cross-sell bundles and volume offers to lift order frequency", tiers=("medium",)
    ),
    "maintain": Play(
        "Maintain cheaply: automated e-mail only, low-cost reactivation tests", tiers=("low",)
    ),
    "nurture": Play(
        "second-purchase offer for one-time buyers (potential tier)",
        tiers=("potential",),
    ),
    "retention": Play(
        "retention campaign for high/medium-value customers in declining segments",
        tiers=("high", "medium"),
        segments=DECLINING_SEGMENTS,
    ),
    "win_back": Play(
        "win-back offer for dormant customers, one message then stop",
        segments=("hibernating", "lost"),
        stage="dormant",
    ),
}
"""Every action, by name (budget falls from vip to maintain)."""

CASE_STUDY_ACTIONS: tuple[str, ...] = ("retention", "vip", "win_back", "nurture")
"""The four actions the case study (notebook 07) recommends and sizes."""

ACTIONS: dict[str, str] = {name: PLAYBOOK[name].advice for name in CASE_STUDY_ACTIONS}
"""Advice per case-study action (from :data:`PLAYBOOK`)."""

TIER_ACTIONS: dict[str, str] = {
    p.tiers[0]: p.advice
    for p in PLAYBOOK.values()
    if len(p.tiers) == 1 and not p.segments and p.stage is None
}
"""Advice per value tier, high to potential (the plays that target one whole tier)."""


def play_basis(play: Play, lifecycle: bool = False) -> str:
    """Whom ``play`` targets, in words (``lifecycle``: stages are known).

    Examples
    --------
    >>> play_basis(PLAYBOOK["retention"]).endswith("; tier high/medium")
    True
    """
    if lifecycle and play.stage is not None:
        return f"lifecycle stage {play.stage}"
    parts = []
    if play.segments:
        parts.append("segments " + ", ".join(play.segments))
    if play.tiers:
        parts.append("tier " + "/".join(play.tiers))
    return "; ".join(parts) or "all customers"


def action_targets(
    values: pd.DataFrame, lifecycle: pd.DataFrame | None = None
) -> dict[str, pd.Series]:
    """Boolean masks (indexed like ``values``) of the customers each action targets.

    Parameters
    ----------
    values
        Per-customer table with ``customer_id``, ``segment``, ``tier`` and a CLV column (GBP,
        ``clv_12m`` or the like: :func:`helpers.value.clv.find_clv_column`).
    lifecycle
        Optional table with ``customer_id`` and ``stage``; without it win-back falls back to
        the RFM segments ``hibernating`` and ``lost``.
    """
    require_columns(values, ("customer_id", "segment", "tier"), "action_targets(values)")
    find_clv_column(values)
    if values["customer_id"].duplicated().any():
        raise ValueError("action_targets: customer_id is duplicated in values")
    seg, tier = values["segment"].astype(str), values["tier"].astype(str)
    stage = None
    if lifecycle is not None:
        require_columns(lifecycle, ("customer_id", "stage"), "action_targets(lifecycle)")
        stage = values["customer_id"].map(lifecycle.set_index("customer_id")["stage"]).astype(str)
    masks = {}
    for name in CASE_STUDY_ACTIONS:
        play = PLAYBOOK[name]
        tests = [tier.isin(play.tiers)] if play.tiers else []
        if stage is not None and play.stage is not None:
            tests.append(stage.eq(play.stage))
        elif play.segments:
            tests.append(seg.isin(play.segments))
        masks[name] = reduce(operator.and_, tests, pd.Series(True, index=values.index))
    return masks


def size_actions(values: pd.DataFrame, lifecycle: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per action: customers targeted, their summed CLV (GBP) and its share.

    Returns a frame indexed by action name with ``n_customers``, ``share_customers``,
    ``<clv column>_amt`` (``clv_12m_amt`` for a ``clv_12m`` column), ``share_clv``,
    ``mean_p_alive`` (if ``p_alive`` is present), ``basis``
    and ``action`` (the wording of :data:`ACTIONS`).

    Examples
    --------
    Two of four customers are high tier with CLV 100 and 50 of a total 200: vip has
    n_customers 2, clv_12m_amt 150, share_clv 0.75.
    """
    masks = action_targets(values, lifecycle)
    clv_col = find_clv_column(values)
    total_clv = float(values[clv_col].sum())
    n = len(values)
    rows = {}
    for name in CASE_STUDY_ACTIONS:
        m = masks[name]
        sub = values[m]
        clv = float(sub[clv_col].sum())
        rows[name] = {
            "n_customers": int(m.sum()),
            "share_customers": float(m.sum() / n) if n else 0.0,
            f"{clv_col}_amt": clv,
            "share_clv": clv / total_clv if total_clv else 0.0,
            "mean_p_alive": float(sub["p_alive"].mean()) if "p_alive" in sub and len(sub) else None,
            "basis": play_basis(PLAYBOOK[name], lifecycle is not None),
            "action": ACTIONS[name],
        }
    log.info("sized %d actions over %d customers", len(rows), n)
    return pd.DataFrame.from_dict(rows, orient="index")
