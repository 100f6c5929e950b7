"""io (atomic writes), report (metrics, intervals, formatting), privacy (keyed pseudonyms)."""

import hashlib
import hmac
import json
import os

import pandas as pd
import pytest

from helpers import files
from helpers.data import privacy
from helpers.results import store


def test_write_parquet_roundtrip_and_byte_identical(tmp_path):
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]})
    p1 = files.write_parquet(df, tmp_path / "t1.parquet")
    p2 = files.write_parquet(df, tmp_path / "sub" / "t2.parquet")
    assert p1.read_bytes() == p2.read_bytes()
    pd.testing.assert_frame_equal(files.read_parquet(p1), df)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_interrupted_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "t.parquet"
    files.write_parquet(pd.DataFrame({"a": [1]}), path)
    before = path.read_bytes()
    bad = pd.DataFrame({"a": [object()]})  # pyarrow cannot serialise this
    with pytest.raises(ValueError):  # pyarrow.ArrowInvalid
        files.write_parquet(bad, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["t.parquet"]  # no temporary left behind


def test_read_parquet_missing_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="make all"):
        files.read_parquet(tmp_path / "nope.parquet")


def test_update_metrics_replaces_one_section(tmp_path):
    path = tmp_path / "metrics.json"
    store.update_metrics(path, "01", {"n": 1})
    store.update_metrics(path, "02", {"gini": 0.5})
    store.update_metrics(path, "01", {"n": 2})
    assert json.loads(path.read_text()) == {"01": {"n": 2}, "02": {"gini": 0.5}}
    assert store.read_metrics(path, "02") == {"gini": 0.5}
    with pytest.raises(KeyError, match="03"):
        store.read_metrics(path, "03")
    with pytest.raises(FileNotFoundError):
        store.read_metrics(tmp_path / "none.json")


def test_interval_value_and_fmt():
    m = store.with_interval(1234.4, 1000, 1500.6)
    assert store.value(m) == 1234.4 and store.value(7) == 7
    assert store.fmt(m, ",.0f", "£") == "£1,234 (95% CI £1,000–£1,501)"
    assert store.fmt(0.256, ".1%") == "25.6%"
    assert store.fmt(None) == "n/a"


def test_pseudonymise_is_keyed_hmac_and_keeps_nulls():
    key = b"0123456789abcdef"
    ids = pd.Series([12346, 12346, None, 17850], dtype="Int64")
    got = privacy.pseudonymise(ids, key)
    # independent computation: HMAC-SHA256 of the decimal string, first 16 hex digits
    want = "c_" + hmac.new(key, b"12346", hashlib.sha256).hexdigest()[:16]
    assert got.iloc[0] == want == got.iloc[1]
    assert pd.isna(got.iloc[2])
    assert got.iloc[3] != got.iloc[0]
    other = privacy.pseudonymise(ids, b"another-key-16by")
    assert other.iloc[0] != got.iloc[0]


def test_pseudonymise_rejects_short_key():
    with pytest.raises(ValueError):
        privacy.pseudonymise(pd.Series([1]), b"short")


def test_load_key_creates_private_file_and_env_wins(tmp_path):
    f = tmp_path / ".secrets" / "k"
    k1 = privacy.load_key(f)
    assert f.exists() and (f.stat().st_mode & 0o777) == 0o600
    assert privacy.load_key(f) == k1
    assert privacy.load_key(f, "from-the-environment") == b"from-the-environment"
    f.write_text("tiny")
    with pytest.raises(ValueError, match="shorter"):
        privacy.load_key(f)


def test_drop_personal_columns():
    df = pd.DataFrame(
        {
            "customer_id": [1],
            "email": ["a@b.c"],
            "Phone Number": ["1"],
            "full_name": ["A"],
            "country": ["UK"],
            "address_line1": ["x"],
        }
    )
    out, dropped = privacy.drop_personal(df)
    assert list(out.columns) == ["customer_id", "country"]
    assert set(dropped) == {"email", "Phone Number", "full_name", "address_line1"}
    kept, _ = privacy.drop_personal(df, allow=("email",))
    assert "email" in kept.columns


def _write_sections(path: str, worker: int, n: int) -> None:
    for i in range(n):
        store.update_metrics(path, f"w{worker}_{i:02d}", {"i": i, "worker": worker})


def test_metrics_updates_from_two_processes_keep_every_section(tmp_path):
    """`make all` runs notebooks that do not need each other side by side: each read-modify-write
    of metrics.json holds a lock, so no process loses another's section."""
    import multiprocessing as mp

    path = str(tmp_path / "metrics.json")
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_write_sections, args=(path, w, 40)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    metrics = store.read_metrics(path)
    assert sorted(metrics) == sorted(f"w{w}_{i:02d}" for w in range(3) for i in range(40))
    assert metrics["w2_39"] == {"i": 39, "worker": 2}


def test_load_key_from_two_threads_at_once_gives_one_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    f = tmp_path / ".secrets" / "k"
    with ThreadPoolExecutor(8) as ex:
        keys = list(ex.map(lambda _: privacy.load_key(f), range(32)))
    assert len(set(keys)) == 1 and f.read_text().strip().encode() == keys[0]
    assert (f.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in f.parent.iterdir()] == ["k"]  # no temporary left behind


def test_text_columns_read_back_arrow_backed_with_the_same_values(tmp_path):
    """Columns written as pandas ``string`` read back Arrow-backed (a third of the memory of
    Python strings for the order lines), equal value for value; object columns stay object."""
    df = pd.DataFrame(
        {"product_id": pd.array(["85123A", None, "POST", "é"], dtype="string"),
         "note": ["x", None, "y", "z"], "qty": [1, 2, 3, 4]})
    path = files.write_parquet(df, tmp_path / "t.parquet")
    back = files.read_parquet(path)
    assert back["product_id"].dtype == pd.StringDtype("pyarrow")
    assert back["note"].dtype == object and back["note"].iloc[1] is None
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    assert files.read_parquet(path).equals(back)  # reading is deterministic
    assert back["product_id"].isna().tolist() == [False, True, False, False]
    assert (back["product_id"] == "POST").fillna(False).tolist() == [False, False, True, False]
    sub = files.read_parquet(path, columns=["product_id"])
    assert sub["product_id"].dtype == pd.StringDtype("pyarrow") and sub.shape == (4, 1)
    # a table written from the Arrow-backed frame reads back the same
    again = files.read_parquet(files.write_parquet(back, tmp_path / "u.parquet"))
    pd.testing.assert_frame_equal(again, back)
