"""Raw transaction lines of the synthetic CRM: dirt (cancellations, postage, manual lines, free
samples, duplicates) added to the product lines, invoices numbered in time order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.synth.arrays import _group_starts, _strings
from helpers.synth.purchases import Orders
from helpers.synth.settings import (
    COUNTRIES,
    FIRST_INVOICE,
    NON_PRODUCT,
    NS_PER_DAY,
    SynthConfig,
)

_BIG = 1_000_000  # line-sequence offset that puts dirt lines after the product lines


@dataclass(frozen=True)
class TransactionInputs:
    """Inputs of :func:`_assemble_transactions`: orders, their product lines and the catalogue."""

    orders: Orders
    l_order: np.ndarray  # order index per product line, sorted by order
    l_prod: np.ndarray  # product index (row of ``cat``) per line
    l_qty: np.ndarray  # quantity per line
    cat: pd.DataFrame  # the catalogue of :func:`make_catalogue`
    cfg: SynthConfig
    t_end: pd.Timestamp  # exclusive end of the window


@dataclass(frozen=True)
class _Cancellations:
    """Cancelled lines: the order, the line cancelled, the time and the (negative) quantity."""

    order: np.ndarray
    line: np.ndarray
    ns: np.ndarray  # int64 ns
    qty: np.ndarray
    partial: np.ndarray  # bool: only part of the quantity cancelled


@dataclass(frozen=True)
class _ExtraLines:
    """Dirt lines added to existing orders (postage, manual, free samples) and duplicates."""

    post: np.ndarray  # orders with a POST line
    post_qty: np.ndarray
    manual: np.ndarray  # orders with an M line
    manual_price: np.ndarray
    free: np.ndarray  # orders with a free sample
    free_prod: np.ndarray
    free_qty: np.ndarray
    dup: np.ndarray  # product lines written twice


@dataclass(frozen=True)
class _Documents:
    """Invoices: orders then cancellations, with time, kind (1 = cancellation) and rank."""

    ns: np.ndarray
    kind: np.ndarray
    rank: np.ndarray  # position in time order
    cust: np.ndarray
    country: np.ndarray


def _cancellations(inp: TransactionInputs, lines_per_order: np.ndarray, first_line: np.ndarray,
                   rng: np.random.Generator) -> _Cancellations:
    """One line of a multi-line customer order, within 14 days, on a shop day, before the end."""
    cfg, n_cust_orders, l_qty = inp.cfg, inp.orders.n_customer_orders, inp.l_qty
    cand = np.flatnonzero((lines_per_order[:n_cust_orders] >= 2)
                          & (rng.random(n_cust_orders) < cfg.cancel_order_rate))
    pick = first_line[cand] + (rng.random(len(cand)) * lines_per_order[cand]).astype(np.int64)
    c_day = inp.orders.ns[cand].astype(np.int64) // NS_PER_DAY + rng.integers(1, 15, len(cand))
    c_min = rng.integers(int(cfg.open_hour * 60), int(cfg.close_hour * 60), len(cand))
    c_ns = c_day * NS_PER_DAY + c_min * 60 * 10**9
    dow = ((c_ns // NS_PER_DAY) + 3) % 7  # 1970-01-01 was a Thursday (dow 3, Monday = 0)
    c_ns = c_ns + np.where(np.asarray(cfg.weekday_weights)[dow] > 0, 0, NS_PER_DAY)
    ok = c_ns < inp.t_end.value
    cand, pick, c_ns = cand[ok], pick[ok], c_ns[ok]
    partial = (rng.random(len(cand)) < cfg.partial_cancel_share) & (l_qty[pick] >= 2)
    c_qty = -np.where(partial, l_qty[pick] // 2, l_qty[pick])
    return _Cancellations(cand, pick, c_ns, c_qty, partial)


def _extra_lines(inp: TransactionInputs, rng: np.random.Generator) -> _ExtraLines:
    """Postage, manual and free-sample lines on existing orders, and duplicated product lines."""
    cfg, o_country = inp.cfg, inp.orders.country
    n_orders = len(inp.orders.cust)
    abroad = o_country >= 0
    post = rng.random(n_orders) < np.where(abroad, cfg.postage_rate_abroad, cfg.postage_rate_uk)
    manual = rng.random(n_orders) < cfg.manual_rate
    free = np.flatnonzero(rng.random(n_orders) < cfg.free_sample_rate)
    dup = np.flatnonzero(rng.random(len(inp.l_order)) < cfg.duplicate_line_rate)
    post_o, man_o = np.flatnonzero(post), np.flatnonzero(manual)
    free_prod = rng.integers(0, len(inp.cat), len(free))
    man_price = np.round(np.exp(rng.normal(np.log(15.0), 0.8, len(man_o))), 2)
    free_qty = rng.integers(1, 13, len(free))
    post_qty = rng.integers(1, 4, len(post_o))
    return _ExtraLines(post_o, post_qty, man_o, man_price, free, free_prod, free_qty, dup)


def _documents(orders: Orders, canc: _Cancellations) -> _Documents:
    """Orders then cancellations as documents, ranked in time order (ties by position)."""
    n_orders = len(orders.cust)
    d_ns = np.concatenate([orders.ns.astype(np.int64), canc.ns])
    d_kind = np.concatenate([np.zeros(n_orders, np.int8), np.ones(len(canc.order), np.int8)])
    d_rank = np.empty(len(d_ns), np.int64)
    d_rank[np.lexsort((np.arange(len(d_ns)), d_ns))] = np.arange(len(d_ns))
    d_cust = np.concatenate([orders.cust, orders.cust[canc.order]])
    d_country = np.concatenate([orders.country, orders.country[canc.order]])
    return _Documents(d_ns, d_kind, d_rank, d_cust, d_country)


def _all_lines(inp: TransactionInputs, first_line: np.ndarray, canc: _Cancellations,
               extra: _ExtraLines,
               d_rank: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every line as (document, code index, quantity, price), in invoice then line order.

    Code indices past the catalogue are the non-product codes (``POST``, then ``M``).
    """
    n_orders, n_prod = len(inp.orders.cust), len(inp.cat)
    l_order, l_prod, l_qty = inp.l_order, inp.l_prod, inp.l_qty
    price = np.concatenate([inp.cat["price_amt"].to_numpy(), [18.0, 0.0]])
    l_price = price[l_prod]
    seq = np.arange(len(l_order)) - first_line[l_order]
    free, man_o, post_o, dup = extra.free, extra.manual, extra.post, extra.dup
    parts = [
        (l_order, seq, l_prod, l_qty, l_price),
        (free, np.full(len(free), _BIG - 4), extra.free_prod, extra.free_qty,
         np.zeros(len(free))),
        (man_o, np.full(len(man_o), _BIG - 3), np.full(len(man_o), n_prod + 1),
         np.ones(len(man_o), np.int64), extra.manual_price),
        (post_o, np.full(len(post_o), _BIG - 2), np.full(len(post_o), n_prod),
         extra.post_qty, np.where(inp.orders.country[post_o] >= 0, 18.0, 5.0)),
        (l_order[dup], seq[dup] + _BIG // 2, l_prod[dup], l_qty[dup], l_price[dup]),
        (n_orders + np.arange(len(canc.order)), np.zeros(len(canc.order), np.int64),
         l_prod[canc.line], canc.qty, l_price[canc.line]),
    ]
    doc = np.concatenate([p[0] for p in parts])
    lseq = np.concatenate([p[1] for p in parts])
    code = np.concatenate([p[2] for p in parts])
    qty = np.concatenate([p[3] for p in parts]).astype(np.int64)
    prc = np.round(np.concatenate([p[4] for p in parts]).astype(float), 2)
    order = np.lexsort((lseq, d_rank[doc]))
    return doc[order], code[order], qty[order], prc[order]


def _line_table(cat: pd.DataFrame, docs: _Documents, doc: np.ndarray, code: np.ndarray,
                qty: np.ndarray, prc: np.ndarray) -> pd.DataFrame:
    """The raw line table (``_cust`` holds the customer index, -1 for guests)."""
    inv_no = FIRST_INVOICE + docs.rank
    inv_str = np.array([("C" if k else "") + str(x) for k, x in zip(docs.kind, inv_no,
                                                                    strict=True)],
                       dtype=object)
    codes = list(cat["stock_code"]) + [c for c, _ in NON_PRODUCT]
    descs = list(cat["description"]) + [d for _, d in NON_PRODUCT]
    country_names = ["United Kingdom", *COUNTRIES]
    return pd.DataFrame(
        {
            "invoice": _strings(inv_str, doc),
            "stock_code": _strings(codes, code),
            "description": _strings(descs, code),
            "quantity": qty,
            "invoice_ts": docs.ns[doc].astype("datetime64[ns]"),
            "unit_price": prc,
            "_cust": docs.cust[doc],
            "country": _strings(country_names, docs.country[doc] + 1),
        }
    )


def _dirt_counts(inp: TransactionInputs, canc: _Cancellations, extra: _ExtraLines,
                 tx: pd.DataFrame) -> dict[str, int]:
    """Lines and orders of each kind of dirt, as recorded in ``ground_truth.json``."""
    n_orders, n_cust_orders = len(inp.orders.cust), inp.orders.n_customer_orders
    return {
        "raw_lines": len(tx),
        "product_lines": int(len(inp.l_order)),
        "cancellation_lines": int(len(canc.order)),
        "cancellation_partial_lines": int(canc.partial.sum()),
        "postage_lines": int(len(extra.post)),
        "manual_lines": int(len(extra.manual)),
        "free_sample_lines": int(len(extra.free)),
        "duplicate_lines": int(len(extra.dup)),
        "guest_orders": int(n_orders - n_cust_orders),
        "customer_orders": int(n_cust_orders),
        "guest_lines": int((tx["_cust"].to_numpy() < 0).sum()),
    }


def _assemble_transactions(inp: TransactionInputs,
                           rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, int]]:
    """Add dirt (cancellations, POST, M, free samples, duplicates), number the invoices and
    build the raw line table (``_cust`` holds the customer index, -1 for guests)."""
    lines_per_order, first_line = _group_starts(inp.l_order, len(inp.orders.cust))
    canc = _cancellations(inp, lines_per_order, first_line, rng)
    extra = _extra_lines(inp, rng)
    docs = _documents(inp.orders, canc)
    doc, code, qty, prc = _all_lines(inp, first_line, canc, extra, docs.rank)
    tx = _line_table(inp.cat, docs, doc, code, qty, prc)
    return tx, _dirt_counts(inp, canc, extra, tx)
