"""Adapter for the synthetic CRM written by :func:`helpers.synth.write_synthetic`.

Reads ``transactions.parquet`` (already in the source-standard columns) and the optional
customer master, interactions, feedback, opportunities, the randomised retention campaign
(``campaign.parquet``, when generated with ``retention_share > 0``) and ground-truth files. Personal fields
in the customer master (the fake ``email``) are dropped here, before analysis.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from helpers.data.ingest import SourceData, check_raw_columns, sha256_file
from helpers.data.privacy import drop_personal
from helpers.data.rules import ONLINE_RETAIL_II_RULES

OPTIONAL = ("interactions", "feedback", "opportunities", "campaign")


def read(raw_dir: str | Path) -> SourceData:
    """Read the synthetic CRM files from ``raw_dir``."""
    raw_dir = Path(raw_dir)
    tx_path = raw_dir / "transactions.parquet"
    if not tx_path.exists():
        raise FileNotFoundError(
            f"{tx_path} not found: generate it with `make data DATASET=synthetic` "
            "(scripts/synth_generate.py)"
        )
    tx = pd.read_parquet(tx_path)
    tx.insert(0, "source_row", pd.RangeIndex(1, len(tx) + 1).astype("int64"))
    tx.insert(0, "source_file", pd.array([tx_path.name] * len(tx), dtype="string"))
    lines = check_raw_columns(tx, str(tx_path))
    files = [{"file": tx_path.name, "sha256": sha256_file(tx_path), "rows": len(tx)}]
    customers = None
    cpath = raw_dir / "customers.parquet"
    if cpath.exists():
        customers, _dropped = drop_personal(pd.read_parquet(cpath))
        files.append({"file": cpath.name, "sha256": sha256_file(cpath), "rows": len(customers)})
    extra = {}
    for name in OPTIONAL:
        p = raw_dir / f"{name}.parquet"
        if p.exists():
            extra[name] = pd.read_parquet(p)
            files.append({"file": p.name, "sha256": sha256_file(p), "rows": len(extra[name])})
    gt_c = raw_dir / "ground_truth_customers.parquet"
    gt_j = raw_dir / "ground_truth.json"
    return SourceData(
        lines=lines,
        files=pd.DataFrame(files),
        customers=customers,
        extra=extra,
        ground_truth_customers=pd.read_parquet(gt_c) if gt_c.exists() else None,
        ground_truth=json.loads(gt_j.read_text()) if gt_j.exists() else None,
        currency="GBP",
        rules=ONLINE_RETAIL_II_RULES,
    )
