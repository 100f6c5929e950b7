"""Purchases of the synthetic CRM: the product catalogue and planted pairs, repeat purchases by
thinning, orders (customers and guests) and their product lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.synth.arrays import _group_starts
from helpers.synth.customers import _country_weights
from helpers.synth.seasons import _virtual_to_ns
from helpers.synth.settings import ADJECTIVES, CATEGORY_NOUNS, COUNTRIES, SynthConfig


@dataclass(frozen=True)
class Orders:
    """All orders: customer orders (trial purchases, then repeats) followed by guest orders."""

    cust: np.ndarray  # customer index per order, -1 for guests
    ns: np.ndarray  # order time, datetime64[ns]
    country: np.ndarray  # index into COUNTRIES, -1 = United Kingdom
    value_amt: np.ndarray  # order value, GBP
    n_customer_orders: int  # the first n orders belong to customers


def make_catalogue(n_products: int, rng: np.random.Generator) -> pd.DataFrame:
    """Products with unique stock codes and descriptions, category, list price and popularity.

    Returns
    -------
    DataFrame
        ``stock_code``, ``description``, ``category``, ``price_amt`` (list price, multiples of
        0.05, ≥ 0.10), ``popularity`` (draw probability, sums to 1), sorted by stock code.
    """
    combos = [(cat, f"{adj} {noun}") for cat, nouns in CATEGORY_NOUNS.items()
              for noun in nouns for adj in ADJECTIVES]
    if n_products > len(combos):
        raise ValueError(f"make_catalogue: n_products={n_products} > {len(combos)} combinations")
    pick = rng.choice(len(combos), size=n_products, replace=False)
    codes = rng.choice(np.arange(10_000, 99_999), size=n_products, replace=False)
    suffix = np.where(rng.random(n_products) < 0.1, rng.choice(list("ABCDEFGLPS"), n_products), "")
    price = np.round(np.exp(rng.normal(np.log(2.1), 0.7, n_products)) * 20) / 20
    rank = rng.permutation(n_products)
    pop = 1.0 / (rank + 10.0) ** 0.9
    cat = pd.DataFrame(
        {
            "stock_code": [f"{c}{s}" for c, s in zip(codes, suffix, strict=True)],
            "description": [combos[i][1] for i in pick],
            "category": [combos[i][0] for i in pick],
            "price_amt": np.maximum(price, 0.10),
            "popularity": pop / pop.sum(),
        }
    )
    return cat.sort_values("stock_code", kind="mergesort").reset_index(drop=True)


def _plant_pairs(cat: pd.DataFrame, n_pairs: int, rng: np.random.Generator) -> np.ndarray:
    """Disjoint (A, B) product-index pairs: A among the 20th-120th most popular products."""
    order = np.argsort(-cat["popularity"].to_numpy(), kind="mergesort")
    pool_a = order[20:120]
    a = rng.choice(pool_a, size=n_pairs, replace=False)
    rest = np.setdiff1d(np.arange(len(cat)), a)
    b = rng.choice(rest, size=n_pairs, replace=False)
    return np.stack([a, b], axis=1)


def _simulate_purchases(c: dict[str, np.ndarray], n_days: int, s_day: np.ndarray,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repeat purchases by thinning; returns (customer, virtual time) of repeats and the
    virtual drop-out time per customer (NaN = alive at the end)."""
    n = len(c["lam"])
    s_max = float(s_day.max())
    window = n_days - c["t0"]
    m = rng.poisson(c["lam"] / 7.0 * s_max * window)
    cust = np.repeat(np.arange(n), m)
    t = c["t0"][cust] + rng.random(len(cust)) * window[cust]
    order = np.lexsort((t, cust))
    cust, t = cust[order], t[order]
    keep = rng.random(len(t)) * s_max < s_day[np.minimum(t.astype(np.int64), n_days - 1)]
    cust, t = cust[keep], t[keep]
    counts, starts = _group_starts(cust, n)
    rank = np.arange(len(cust)) - starts[cust] + 1
    n_before_drop = rng.geometric(c["p"])  # drop out right after repeat purchase N_i
    alive = rank <= n_before_drop[cust]
    died = counts >= n_before_drop
    t_drop = np.full(n, np.nan)
    idx = starts[died] + n_before_drop[died] - 1
    t_drop[died] = t[idx]
    return cust[alive], t[alive], t_drop


def _orders(c: dict[str, np.ndarray], rep_cust: np.ndarray, rep_t: np.ndarray,
            s_day: np.ndarray, t_start: pd.Timestamp, cfg: SynthConfig,
            rng: np.random.Generator) -> Orders:
    """Trial purchases, repeats and guest orders with their time, country and value (GBP)."""
    n = len(c["lam"])
    n_cust_orders = n + len(rep_cust)
    o_cust = np.concatenate([np.arange(n), rep_cust])
    o_t = np.concatenate([c["t0"], rep_t])
    n_guest = int(round(cfg.guest_order_share * n_cust_orders))
    g_day = np.searchsorted(np.cumsum(s_day / s_day.sum()), rng.random(n_guest) * (1 - 1e-12))
    o_cust = np.concatenate([o_cust, np.full(n_guest, -1)])
    o_t = np.concatenate([o_t, g_day + rng.random(n_guest) * 0.999])
    nu_o = np.concatenate([c["nu"][o_cust[:n_cust_orders]],
                           rng.gamma(cfg.spend_q, 1.0 / cfg.spend_gamma, n_guest)])
    o_value = rng.gamma(cfg.spend_p, 1.0 / nu_o)
    cust_country = np.where(c["uk"], -1, c["country_abroad"])
    guest_country = np.where(rng.random(n_guest) < cfg.uk_share, -1,
                             rng.choice(len(COUNTRIES), n_guest, p=_country_weights()))
    o_country = np.concatenate([cust_country[o_cust[:n_cust_orders]], guest_country])
    o_ns = _virtual_to_ns(o_t, t_start, cfg)
    return Orders(o_cust, o_ns, o_country, o_value, n_cust_orders)


def _order_lines(order_value: np.ndarray, cat: pd.DataFrame, pairs: np.ndarray,
                 cfg: SynthConfig,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split order values into product lines. Returns (order index, product index, quantity),
    sorted by order, products in random order within an order."""
    n_orders = len(order_value)
    n_prod = len(cat)
    n_lines = 1 + rng.poisson(order_value / cfg.value_per_line_amt)
    order = np.repeat(np.arange(n_orders, dtype=np.int64), n_lines)
    cdf = np.cumsum(cat["popularity"].to_numpy())
    prod = np.minimum(np.searchsorted(cdf, rng.random(len(order)) * cdf[-1]), n_prod - 1)
    partner = np.full(n_prod, -1, dtype=np.int64)
    partner[pairs[:, 0]] = pairs[:, 1]
    add = (partner[prod] >= 0) & (rng.random(len(prod)) < cfg.assoc_prob)
    order = np.concatenate([order, order[add]])
    prod = np.concatenate([prod, partner[prod[add]]])
    key = np.unique(order * n_prod + prod)  # merge repeated products in one order
    order, prod = key // n_prod, key % n_prod
    shuffle = np.lexsort((rng.random(len(order)), order))
    order, prod = order[shuffle], prod[shuffle]
    w = rng.gamma(cfg.line_weight_shape, 1.0, len(order))
    w_sum = np.bincount(order, weights=w, minlength=n_orders)
    value = order_value[order] * w / w_sum[order]
    price = cat["price_amt"].to_numpy()[prod]
    qty = np.maximum(1, np.rint(value / price)).astype(np.int64)
    return order, prod, qty
