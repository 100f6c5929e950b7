"""The workbook's per-customer features and CLV fits against what an analyst would otherwise use.

On the same order lines (synthetic, about 1M raw lines by default, or Online Retail II with
``--real``), one run times and checks:

- the BG/NBD summary: ``helpers.value.clv.summarise_transactions`` (time unit days) vs
  ``lifetimes.utils.summary_data_from_transaction_data(freq="D")``: frequency, recency, T and
  monetary value must be identical per customer;
- the fits: ``helpers.value.clv.fit_bgnbd`` / ``fit_gamma_gamma`` vs lifetimes' ``BetaGeoFitter`` /
  ``GammaGammaFitter`` on the weekly summary (parameters compared);
- the Pareto/NBD fit: ``helpers.value.btyd.fit_pareto_nbd`` vs lifetimes' ``ParetoNBDFitter``
  (its speed is measured here, not asserted in a test);
- RFM: ``helpers.value.rfm.rfm_table`` vs a plain pandas groupby.

Prints a table of times and ratios and writes ``bench/results/tools.json``. lifetimes 0.11.3 is
a dev dependency (archived upstream; it runs on the pinned pandas 2.3).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def best_of(fn, repeat: int = 3):
    """Best wall time of ``repeat`` calls (seconds) and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def synthetic_lines(target: int, seed: int) -> pd.DataFrame:
    from helpers import synth
    from helpers.data import cleaning, ingest
    from helpers.data.adapters import synthetic

    n = synth.n_customers_for_lines(target, seed=0)
    with tempfile.TemporaryDirectory() as d:
        synth.write_synthetic(synth.simulate_crm(n, "2009-12-01", "2011-12-09", seed), d)
        src = synthetic.read(d)
        return ingest.build_canonical(cleaning.clean(src.lines).kept, src)["order_lines"]


def pandas_rfm(lines: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Plain groupby RFM, the way most tutorials write it."""
    c = lines[lines["customer_id"].notna() & (lines["order_ts"] < cutoff)]
    g = c.groupby("customer_id").agg(last=("order_ts", "max"), frequency=("order_id", "nunique"),
                                     monetary_amt=("revenue_amt", "sum"))
    g["recency_days"] = (cutoff.floor("D") - g["last"].dt.floor("D")).dt.days
    return g[["recency_days", "frequency", "monetary_amt"]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000, help="synthetic raw lines")
    ap.add_argument("--real", action="store_true",
                    help="use data/interim/online_retail_ii/order_lines.parquet instead")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json-out", default=str(ROOT / "bench" / "results" / "tools.json"))
    args = ap.parse_args(argv)
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
    from lifetimes.utils import summary_data_from_transaction_data

    from helpers.value import btyd, clv, rfm

    if args.real:
        lines = pd.read_parquet(ROOT / "data/interim/online_retail_ii/order_lines.parquet")
        data = "online_retail_ii"
    else:
        print(f"generating ~{args.lines:,} synthetic raw lines ...", flush=True)
        lines, data = synthetic_lines(args.lines, args.seed), f"synthetic ~{args.lines:,} raw lines"
    cutoff = (lines["order_ts"].max() + pd.Timedelta(days=1)).normalize()
    cust = lines[lines["customer_id"].notna()].copy()
    cust["customer_id"] = cust["customer_id"].astype("int64")
    res: dict = {"data": data, "order_lines": int(len(lines)),
                 "customers": int(cust["customer_id"].nunique())}

    t_ours, ours = best_of(lambda: clv.summarise_transactions(cust, cutoff, "D"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_lt, lt = best_of(lambda: summary_data_from_transaction_data(
            cust, "customer_id", "order_ts", monetary_value_col="revenue_amt",
            observation_period_end=cutoff - pd.Timedelta(days=1), freq="D"), repeat=1)
    lt = lt.sort_index()
    # lifetimes measures T to the observation day inclusive; the workbook to the exclusive end
    # (the day after), so T differs by exactly one day by construction: compare T - 1.
    same = {
        "frequency": bool(np.array_equal(ours["frequency"].to_numpy(), lt["frequency"].to_numpy())),
        "recency": bool(np.array_equal(ours["recency"].to_numpy(), lt["recency"].to_numpy())),
        "T": bool(np.array_equal(ours["T"].to_numpy() - 1, lt["T"].to_numpy())),
        "monetary_value": bool(np.allclose(ours["monetary_value"].to_numpy(),
                                           lt["monetary_value"].to_numpy(), rtol=1e-9, atol=1e-9)),
    }
    res["summary"] = {"workbook_s": t_ours, "lifetimes_s": t_lt, "speedup": t_lt / t_ours,
                      "identical": same}

    wk = clv.summarise_transactions(cust, cutoff, "W")
    t_fit, bg = best_of(lambda: clv.fit_bgnbd(wk["frequency"], wk["recency"], wk["T"]), repeat=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_fit_lt, bgf = best_of(lambda: BetaGeoFitter().fit(wk["frequency"], wk["recency"], wk["T"]),
                                repeat=1)
    rep = wk[wk["frequency"] > 0]
    t_gg, gg = best_of(lambda: clv.fit_gamma_gamma(rep["frequency"], rep["monetary_value"]), repeat=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_gg_lt, ggf = best_of(lambda: GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"]),
                               repeat=1)
    res["bgnbd"] = {"workbook_s": t_fit, "lifetimes_s": t_fit_lt, "speedup": t_fit_lt / t_fit,
                    "workbook": bg.params(), "lifetimes": {k: float(v) for k, v in bgf.params_.items()}}
    res["gamma_gamma"] = {"workbook_s": t_gg, "lifetimes_s": t_gg_lt, "speedup": t_gg_lt / t_gg,
                          "workbook": gg.params(),
                          "lifetimes": {k: float(v) for k, v in ggf.params_.items()}}

    t_pn, pn = best_of(lambda: btyd.fit_pareto_nbd(wk["frequency"], wk["recency"], wk["T"]),
                       repeat=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_pn_lt, pnf = best_of(lambda: ParetoNBDFitter().fit(wk["frequency"], wk["recency"], wk["T"]),
                               repeat=1)
    res["pareto_nbd"] = {"workbook_s": t_pn, "lifetimes_s": t_pn_lt, "speedup": t_pn_lt / t_pn,
                         "workbook": pn.params(),
                         "lifetimes": {k: float(v) for k, v in pnf.params_.items()}}

    t_rfm, r_ours = best_of(lambda: rfm.rfm_table(lines, cutoff))
    t_pd, r_pd = best_of(lambda: pandas_rfm(lines, cutoff))
    r_pd.index = r_pd.index.astype("int64")
    same_rfm = all(np.allclose(r_ours[c].to_numpy(float), r_pd.loc[r_ours.index, c].to_numpy(float))
                   for c in ("recency_days", "frequency", "monetary_amt"))
    res["rfm"] = {"workbook_s": t_rfm, "pandas_groupby_s": t_pd, "speedup": t_pd / t_rfm,
                  "identical": bool(same_rfm)}

    print(f"\ntool comparison on {data}: {res['order_lines']:,} order lines, "
          f"{res['customers']:,} customers")
    print(f"{'step':<34}{'workbook s':>12}{'other s':>12}{'ratio':>9}  check")
    for name, key, other in (("BG/NBD summary vs lifetimes", "summary", "lifetimes_s"),
                             ("BG/NBD fit vs BetaGeoFitter", "bgnbd", "lifetimes_s"),
                             ("Gamma-Gamma fit vs GammaGammaFitter", "gamma_gamma", "lifetimes_s"),
                             ("Pareto/NBD fit vs ParetoNBDFitter", "pareto_nbd", "lifetimes_s"),
                             ("RFM vs pandas groupby", "rfm", "pandas_groupby_s")):
        r = res[key]
        check = r.get("identical", "params below")
        print(f"{name:<34}{r['workbook_s']:>12.3f}{r[other]:>12.3f}{r['speedup']:>8.1f}x  {check}")
    for key in ("bgnbd", "gamma_gamma", "pareto_nbd"):
        print(f"  {key}: workbook {res[key]['workbook']}\n  {key}: lifetimes {res[key]['lifetimes']}")
    Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json_out).write_text(json.dumps(res, indent=2, default=float) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
