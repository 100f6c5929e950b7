"""helpers.cache: tables shared between notebooks, keyed by their inputs."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from helpers import cache as C


def _xy():
    idx = pd.Index([11, 3, 7], name="customer_id", dtype="int64")
    x = pd.DataFrame({"b_float": [1.5, np.nan, -2.0], "a_int": [1, 2, 3],
                      "flag": [True, False, True]}, index=idx)
    return x, pd.Series([0, 1, 0], index=idx, name="churned")


def test_file_digest_is_sha256_of_the_bytes(tmp_path):
    f = tmp_path / "a.parquet"
    f.write_bytes(b"abc")
    assert C.file_digest(f) == hashlib.sha256(b"abc").hexdigest()
    assert C.file_digest(tmp_path / "missing") == "absent"


def test_xy_round_trips_exactly_and_counts_hits(tmp_path):
    inp = tmp_path / "lines.parquet"
    inp.write_bytes(b"v1")
    cache = C.FrameCache(tmp_path / "cache", inputs=[inp], cutoff="2011-12-01")
    calls = []

    def build():
        calls.append(1)
        return _xy()

    x1, y1 = cache.xy("churn", build, cutoff=pd.Timestamp("2011-09-01"), horizon_days=90)
    x2, y2 = cache.xy("churn", build, cutoff=pd.Timestamp("2011-09-01"), horizon_days=90)
    assert len(calls) == 1 and (cache.hits, cache.misses) == (1, 1)
    pd.testing.assert_frame_equal(x2, x1)  # index name, order, columns and dtypes
    pd.testing.assert_series_equal(y2, y1)
    assert list(x2.columns) == ["b_float", "a_int", "flag"] and x2.index.tolist() == [11, 3, 7]
    # other arguments, other settings, other input bytes: a new entry each
    cache.xy("churn", build, cutoff=pd.Timestamp("2011-09-01"), horizon_days=60)
    C.FrameCache(tmp_path / "cache", inputs=[inp], cutoff="2011-11-01").xy(
        "churn", build, cutoff=pd.Timestamp("2011-09-01"), horizon_days=90)
    inp.write_bytes(b"v2")
    C.FrameCache(tmp_path / "cache", inputs=[inp], cutoff="2011-12-01").xy(
        "churn", build, cutoff=pd.Timestamp("2011-09-01"), horizon_days=90)
    assert len(calls) == 4
    assert len(list((tmp_path / "cache").glob("churn-*.parquet"))) == 4


def test_frame_round_trips_an_unnamed_index(tmp_path):
    cache = C.FrameCache(tmp_path, inputs=[])
    df = pd.DataFrame({"v": [1.0, 2.0]}, index=pd.Index([5, 6]))
    out1 = cache.frame("t", lambda: df)
    out2 = cache.frame("t", lambda: pytest.fail("built twice"))
    pd.testing.assert_frame_equal(out1, df)
    pd.testing.assert_frame_equal(out2, df)


def test_the_code_is_part_of_the_key(tmp_path, monkeypatch):
    cache = C.FrameCache(tmp_path, inputs=[])
    k = cache.key("churn", cutoff=1)
    monkeypatch.setitem(cache.base, "code", "another version")
    assert cache.key("churn", cutoff=1) != k
    assert len(C.code_digest()) == 64


def test_xy_refuses_misaligned_labels(tmp_path):
    x, y = _xy()
    cache = C.FrameCache(tmp_path, inputs=[])
    with pytest.raises(ValueError, match=r"^FrameCache.xy\('s'\): features and labels differ"):
        cache.xy("s", lambda: (x, y.iloc[::-1]))
