"""Run notebook 01 through papermill on a small Online-Retail-II-shaped input."""

import gzip
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from helpers import cli

ROOT = Path(__file__).resolve().parents[2]
HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
SHEET_0910 = [
    "489434,85048,LED LIGHTS,12,2009-12-01 07:45:00,6.95,13085,United Kingdom",  # 83.40
    "489434,79323P,PINK CHERRY LIGHTS,12,2009-12-01 07:45:00,6.75,13085,United Kingdom",  # 81.00
    "489434,79323P,PINK CHERRY LIGHTS,12,2009-12-01 07:45:00,6.75,13085,United Kingdom",  # dup 81.00
    "C489449,79323P,PINK CHERRY LIGHTS,-12,2009-12-01 10:33:00,6.75,13085,United Kingdom",  # -81.00
    "489435,POST,POSTAGE,1,2009-12-01 07:46:00,18.00,12682,France",  # 18.00
    "489436,22350,CAT BOWL,12,2009-12-01 09:06:00,2.55,,United Kingdom",  # 30.60 guest
    "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom",  # 15.30 overlap
]
SHEET_1011 = [
    "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom",  # 15.30
    "536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,17850,United Kingdom",  # 11.10
    "A563185,B,Adjust bad debt,1,2011-08-12 14:50:00,11062.06,,United Kingdom",  # 11,062.06
    "536367,84879,BIRD ORNAMENT,32,2010-12-01 08:34:00,1.69,13047,United Kingdom",  # 54.08
    "536368,22960,JAM MAKING SET,6,2010-12-01 08:34:00,0.00,13047,United Kingdom",  # 0
]


@pytest.mark.notebooks
def test_notebook_01_on_small_input(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, rows in (
        ("online_retail_II_2009-2010.csv.gz", SHEET_0910),
        ("online_retail_II_2010-2011.csv.gz", SHEET_1011),
    ):
        with gzip.open(raw / name, "wt", encoding="utf-8") as fh:
            fh.write(HEADER + "".join(r + "\n" for r in rows))
    interim, reports = tmp_path / "interim", tmp_path / "reports"
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CRM_PSEUDONYM_KEY", "test-key-0123456789")
    code = cli.main(
        [
            "run",
            "notebooks/01_collect_clean.ipynb",
            "--dataset",
            "online_retail_ii",
            "-p",
            f"raw_dir={raw}",
            "-p",
            f"interim_dir={interim}",
            "-p",
            f"reports_dir={reports}",
            "-p",
            f"processed_dir={tmp_path / 'processed'}",
        ]
    )
    assert code == 0
    m = json.loads((reports / "metrics.json").read_text())["01_collect_clean"]
    # 12 rows in; kept: 85048, 22350 (guest), 536365 (2010-2011 sheet copy), 22633, 84879;
    # the first 79323P is reversed by C489449, its duplicate is an exact duplicate
    assert m["rows_in"] == 12
    assert m["rows_kept"] == 5
    assert m["rows_by_reason"]["source_overlap"] == 1
    assert m["rows_by_reason"]["exact_duplicate"] == 1
    assert m["rows_by_reason"]["cancellation"] == 1
    assert m["rows_by_reason"]["cancelled_original"] == 1
    assert m["rows_by_reason"]["bad_debt_adjustment"] == 1
    assert m["rows_by_reason"]["non_product"] == 1
    assert m["rows_by_reason"]["non_positive_price"] == 1
    # in: 83.40 + 81 + 81 - 81 + 18 + 30.60 + 15.30 + 15.30 + 11.10 + 11,062.06 + 54.08 + 0
    assert m["revenue_in_amt"] == pytest.approx(11_370.84)
    # kept: 83.40 + 30.60 + 15.30 + 11.10 + 54.08
    assert m["revenue_kept_amt"] == pytest.approx(194.48)
    assert m["ledger_reconciles"] is True
    lines = pd.read_parquet(interim / "order_lines.parquet")
    assert len(lines) == 5 and lines["customer_id"].isna().sum() == 1
    assert (reports / "01_collect_clean.html").exists()
    html = (reports / "01_collect_clean.html").read_text()
    for raw_id in ("13085", "17850", "13047", "12682"):
        assert raw_id not in html, f"raw customer id {raw_id} leaked into the report"
    assert os.path.exists(reports / "notebooks" / "01_collect_clean.ipynb")
