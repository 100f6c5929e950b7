"""Does tuning on a customer sample choose as well as tuning on everyone? (issue 23)

    .venv/bin/python bench/bench_tuning_sample.py [--run online_retail_ii] [--sizes 1000 2000]

Notebook 05 tunes the churn models on a seeded sample of at most ``churn.TUNE_MAX_CUSTOMERS``
customers per cutoff. Online Retail II has fewer than that, so there the sample is everyone; to
see what sampling costs, this tunes on smaller samples of it and scores the settings each chose
on the *full* validation cutoff, against the settings chosen on all customers. Reads the data
sets notebook 05 stored (``make all`` first). Writes bench/results/tuning_sample_<run>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main(argv: list[str] | None = None) -> int:
    import pandas as pd
    import yaml

    from helpers import config, files
    from helpers.cache import FrameCache
    from helpers.models import backtest, churn

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="online_retail_ii")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[42, 7, 2024])
    args = ap.parse_args(argv)
    interim, processed = ROOT / "data/interim" / args.run, ROOT / "data/processed" / args.run
    models = json.loads((processed / "models" / "models.json").read_text())
    seed, horizon = 42, int(models["churn"]["horizon_days"])
    cuts = {k: pd.Timestamp(v) for k, v in models["churn"]["cutoffs"].items()}
    lines = files.read_parquet(interim / "order_lines.parquet")
    dataset = "online_retail_ii" if args.run == "online_retail_ii" else "synthetic"
    params = yaml.safe_load((ROOT / "notebooks/params" / f"{dataset}.yaml").read_text())
    cutoff = (params.get("common") or {}).get("cutoff", "")
    cutoff_ts = config.resolve_cutoff(cutoff, lines["order_ts"])
    lines = lines[lines["order_ts"] < cutoff_ts]
    rev = interim / "reversed_purchases.parquet"
    reversed_lines = files.read_parquet(rev) if rev.exists() else None
    products = files.read_parquet(interim / "products.parquet")
    cache = FrameCache(processed / "cache", cutoff=cutoff_ts, inputs=[
        interim / "order_lines.parquet", rev, interim / "products.parquet"])
    sets = {k: backtest.churn_set(cache, lines, reversed_lines, cuts[k], horizon, products,
                                  data_end=cutoff_ts) for k in ("tune", "train")}
    (x_fit, y_fit), (x_val, y_val) = sets["tune"], sets["train"]
    print(f"{args.run}: {len(x_fit):,} customers at the tuning cutoff, {len(x_val):,} at the "
          f"validation cutoff (cache hits {cache.hits} of 2)")
    t = time.perf_counter()
    full = churn.tune_models(x_fit, y_fit, x_val, y_val, seed=seed, n_jobs=0)
    rows = [{"sample": "all", "seed": None, "family": k, "params": r.best_params,
             "full_val_auc": r.best_val_auc, "loss_vs_all": 0.0} for k, r in full.items()]
    print(f"all customers: {time.perf_counter() - t:.1f} s")
    for size in args.sizes:
        for s in args.seeds:
            small = churn.tune_models(x_fit, y_fit, x_val, y_val, seed=s, n_jobs=0,
                                      max_customers=size)
            for k, r in small.items():
                # the chosen setting scored on the full validation cutoff (the full grid has it)
                g = full[k].grid
                mask = pd.Series(True, index=g.index)
                for p, v in r.best_params.items():
                    mask &= g[p] == v
                auc = float(g.loc[mask, "val_auc"].iloc[0])
                rows.append({"sample": size, "seed": s, "family": k, "params": r.best_params,
                             "full_val_auc": auc, "loss_vs_all": full[k].best_val_auc - auc})
    out = pd.DataFrame(rows)
    print(out.to_string(index=False))
    worst = out.groupby("sample", sort=False)["loss_vs_all"].max()
    print("\nlargest loss of validation ROC-AUC against tuning on all customers, per sample size:")
    print(worst.to_string())
    dest = ROOT / "bench" / "results" / f"tuning_sample_{args.run}.json"
    dest.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "run": args.run,
                                "customers": [len(x_fit), len(x_val)],
                                "rows": out.to_dict("records"),
                                "worst_loss": {str(k): float(v) for k, v in worst.items()}},
                               indent=2, default=str))
    print(f"wrote {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
