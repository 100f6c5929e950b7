"""Entry points of the synthetic CRM: simulate it, size it, write its raw files."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import files
from helpers.synth.arrays import _strings
from helpers.synth.customers import _customer_table, _draw_customers
from helpers.synth.purchases import (
    _order_lines,
    _orders,
    _plant_pairs,
    _simulate_purchases,
    make_catalogue,
)
from helpers.synth.seasons import _virtual_to_ns, seasonal_intensity
from helpers.synth.settings import SynthConfig, SyntheticCRM, _config, _window
from helpers.synth.touches import (
    _feedback,
    _interactions,
    _opportunities,
    _retention_draw,
    _retention_facts,
    _retention_table,
)
from helpers.synth.transactions import TransactionInputs, _assemble_transactions
from helpers.synth.truth import TruthInputs, _ground_truth, retention_truth

log = logging.getLogger(__name__)

RAW_FILES = ("transactions", "customers", "interactions", "feedback", "opportunities",
             "ground_truth_customers")
_TX_COLUMNS = ["invoice", "stock_code", "description", "quantity", "invoice_ts", "unit_price",
               "source_customer_id", "country"]


def _dropout_ns(t_drop: np.ndarray, t_start: pd.Timestamp,
                cfg: SynthConfig) -> tuple[np.ndarray, np.ndarray]:
    """Whether each customer dropped out in the window and when (int64 ns, int64 min if not)."""
    has_drop = ~np.isnan(t_drop)
    drop_ns = np.where(has_drop, _virtual_to_ns(np.nan_to_num(t_drop), t_start, cfg)
                       .astype(np.int64), np.iinfo(np.int64).min)
    return has_drop, drop_ns


def simulate_crm(n_customers: int, start: str, end: str, seed: int,
                 **config: Any) -> SyntheticCRM:
    """Simulate a CRM: customers, transactions with dirt, interactions, surveys, opportunities.

    Parameters
    ----------
    n_customers
        Customers acquired in the window (each makes at least one purchase).
    start, end
        First and last calendar day (ISO dates; ``end`` inclusive).
    seed
        Seed of all randomness (independent streams per component via ``SeedSequence``).
    **config
        Overrides of :class:`SynthConfig` fields (e.g. ``seasonal_amplitude=0``).

    Returns
    -------
    SyntheticCRM
        Raw tables keyed by ``source_customer_id`` and the ground truth (see module docstring).
    """
    if not isinstance(n_customers, (int, np.integer)) or n_customers < 1:
        raise ValueError(f"simulate_crm: n_customers={n_customers!r} must be a positive int")
    cfg = _config(config)
    t_start, t_end, n_days = _window(start, end)
    dates = pd.date_range(t_start, periods=n_days, freq="D")
    s_day = seasonal_intensity(dates, cfg)
    # the ninth stream (the retention campaign) leaves the first eight as they were
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)]
    rng_cat, rng_cust, rng_buy, rng_lines, rng_dirt, rng_fb, rng_int, rng_opp, rng_ret = streams

    cat = make_catalogue(cfg.n_products, rng_cat)
    pairs = _plant_pairs(cat, cfg.n_assoc_pairs, rng_cat)
    c = _draw_customers(int(n_customers), n_days, s_day, cfg, rng_cust)
    rep_cust, rep_t, t_drop = _simulate_purchases(c, n_days, s_day, rng_buy)
    n = int(n_customers)
    draw, buy_cust, buy_t = None, rep_cust, rep_t
    if cfg.retention_share > 0:
        draw, buy_cust, buy_t = _retention_draw(c, rep_cust, rep_t, n_days, s_day, cfg, rng_ret)
    orders = _orders(c, buy_cust, buy_t, s_day, t_start, cfg, rng_buy)
    l_order, l_prod, l_qty = _order_lines(orders.value_amt, cat, pairs, cfg, rng_lines)
    tx, dirt_stats = _assemble_transactions(
        TransactionInputs(orders, l_order, l_prod, l_qty, cat, cfg, t_end), rng_dirt
    )
    customers = _customer_table(c, t_start, cfg)
    src_ids = customers["source_customer_id"].to_numpy(dtype=object)
    tx["source_customer_id"] = _strings(src_ids, tx.pop("_cust").to_numpy())
    tx = tx[_TX_COLUMNS]

    has_drop, drop_ns = _dropout_ns(t_drop, t_start, cfg)
    # surveys follow the purchases without the campaign (the same orders when it is off)
    fb_cust = np.concatenate([np.arange(n), rep_cust])
    fb_ns = _virtual_to_ns(np.concatenate([c["t0"], rep_t]), t_start, cfg)
    feedback = _feedback(c, fb_cust, fb_ns, drop_ns, has_drop, t_end, cfg, rng_fb, src_ids)
    interactions = _interactions(c, customers, drop_ns, has_drop, t_start, t_end, n_days, cfg,
                                 rng_int, src_ids)
    opportunities, funnel_truth = _opportunities(c, t_start, t_end, n_days, cfg, rng_opp,
                                                 src_ids)
    ret_truth = ret_facts = campaign = None
    if draw is not None:
        ret_truth = retention_truth(c, t_drop, s_day, n_days, cfg)
        ret_facts = _retention_facts(draw, ret_truth, t_start, cfg)
        k = orders.n_customer_orders
        line_rev = l_qty * cat["price_amt"].to_numpy()[l_prod]
        o_rev = np.bincount(l_order, weights=line_rev, minlength=len(orders.cust))[:k]
        campaign = _retention_table(draw, orders.cust[:k], orders.ns[:k], o_rev, t_start,
                                    src_ids)
    gt_cust, truth = _ground_truth(TruthInputs(
        c, customers, rep_cust, drop_ns, has_drop, t_end, cfg, cat, pairs, funnel_truth,
        dirt_stats, seed, start, end, n, ret_truth, ret_facts,
    ))
    log.info("synthetic CRM: %d customers, %d orders, %d raw lines", n, len(orders.cust),
             len(tx))
    return SyntheticCRM(tx, customers, interactions, feedback, opportunities, gt_cust, truth,
                        campaign)


def lines_per_customer(start: str, end: str, seed: int = 0, n_pilot: int = 3000,
                       **config: Any) -> float:
    """Raw transaction lines per customer for this window and config, from a pilot run."""
    crm = simulate_crm(n_pilot, start, end, seed, **config)
    return len(crm.transactions) / n_pilot


def n_customers_for_lines(target_lines: int, start: str = "2009-12-01",
                          end: str = "2011-12-09", seed: int = 0, **config: Any) -> int:
    """Customers needed for about ``target_lines`` raw lines (pilot of 3,000 customers).

    At the defaults over 2009-12-01..2011-12-09 this is about 4,000 customers per 150k lines.
    """
    if target_lines < 1:
        raise ValueError(f"n_customers_for_lines: target_lines={target_lines} must be >= 1")
    return max(1, int(math.ceil(target_lines / lines_per_customer(start, end, seed, **config))))


def write_synthetic(crm: SyntheticCRM, raw_dir: str | Path) -> list[Path]:
    """Write the raw files read by :mod:`helpers.data.adapters.synthetic` (byte-identical for the
    same ``crm``): ``<table>.parquet`` for :data:`RAW_FILES`, ``campaign.parquet`` when the
    retention campaign ran, and ``ground_truth.json``."""
    if not isinstance(crm, SyntheticCRM):
        raise ValueError(f"write_synthetic: expected a SyntheticCRM, got {type(crm).__name__}")
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    out = [files.write_parquet(getattr(crm, name), raw_dir / f"{name}.parquet")
           for name in RAW_FILES]
    if crm.campaign is not None:
        out.append(files.write_parquet(crm.campaign, raw_dir / "campaign.parquet"))
    out.append(files.write_json(crm.truth, raw_dir / "ground_truth.json"))
    return out
