"""Acquisition, adapters, canonical tables and schema validation on hand-made inputs."""

import gzip
import hashlib

import pandas as pd
import pytest
from rawframes import raw_frame

from helpers.data import cleaning, ingest, schema
from helpers.data.adapters import get_adapter
from helpers.data.adapters import online_retail_ii as orii

HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"


def write_sheets(folder, rows_0910, rows_1011):
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (
        ("online_retail_II_2009-2010.csv.gz", rows_0910),
        ("online_retail_II_2010-2011.csv.gz", rows_1011),
    ):
        with gzip.open(folder / name, "wt", encoding="utf-8", newline="") as fh:
            fh.write(HEADER + "".join(r + "\n" for r in rows))


def test_sha256_file_known_answer(tmp_path):
    p = tmp_path / "abc.txt"
    p.write_bytes(b"abc")
    # FIPS 180-2 test vector for "abc"
    assert ingest.sha256_file(p) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert ingest.sha256_file(p) == hashlib.sha256(b"abc").hexdigest()


def test_verify_names_the_altered_file(tmp_path):
    write_sheets(tmp_path, ["1,X,A,1,2010-01-01 10:00:00,1.0,1,UK"], [])
    layout, paths = ingest.find_layout(tmp_path)
    assert layout == "csv_gz"
    with pytest.raises(ValueError, match="2009-2010.csv.gz: SHA-256"):
        ingest.verify(paths, layout)


def test_acquire_offline_without_data_gives_instructions(tmp_path):
    with pytest.raises(ingest.DataNotFoundError) as err:
        ingest.acquire_online_retail_ii(
            tmp_path / "raw", (tmp_path / "elsewhere",), allow_download=False
        )
    msg = str(err.value)
    assert "CRM_DATA_DIR" in msg and "make demo" in msg and str(tmp_path / "raw") in msg


def test_acquire_with_unreachable_download_gives_instructions(tmp_path):
    with pytest.raises(ingest.DataNotFoundError, match="download from .* failed"):
        ingest.acquire_online_retail_ii(
            tmp_path, allow_download=True, url="http://127.0.0.1:9/none.zip", timeout_s=2
        )


def test_adapter_sets_aside_the_sheet_overlap(tmp_path):
    write_sheets(
        tmp_path,
        [
            "489434,85048,LED,12,2009-12-01 07:45:00,6.95,13085,United Kingdom",
            "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom",
        ],  # overlap copy
        [
            "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom",
            "536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,,United Kingdom",
        ],
    )
    src = orii.read(tmp_path)
    lines = src.lines
    assert len(lines) == 4
    assert lines["set_aside"].fillna("").tolist() == ["", "source_overlap", "", ""]
    assert lines["source_customer_id"].isna().tolist() == [False, False, False, True]
    assert lines["invoice_ts"].dtype == "datetime64[ns]"
    assert src.files["rows"].tolist() == [2, 2]


def test_adapter_missing_column_is_named(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    for name in ("online_retail_II_2009-2010.csv.gz", "online_retail_II_2010-2011.csv.gz"):
        with gzip.open(tmp_path / name, "wt") as fh:
            fh.write("Invoice,StockCode,Description,Quantity,InvoiceDate,Customer ID,Country\n")
    with pytest.raises(ValueError, match="Price"):
        orii.read(tmp_path)


def test_get_adapter_unknown_dataset():
    with pytest.raises(ValueError, match="online_retail_ii"):
        get_adapter("salesforce")


def test_check_raw_columns_names_problems():
    raw = raw_frame([("1", "X", "A", 1, "2010-01-01", 1.0, "7", "UK")])
    with pytest.raises(schema.SchemaError, match="country"):
        ingest.check_raw_columns(raw.drop(columns="country"), "f.csv")
    with pytest.raises(schema.SchemaError, match="quantity"):
        ingest.check_raw_columns(raw.assign(quantity=raw["quantity"].astype(float)), "f.csv")


def test_assign_customer_ids_by_first_purchase_then_master():
    kept = raw_frame(
        [
            ("1", "X", "A", 1, "2010-03-01", 1.0, "B2", "UK"),
            ("2", "X", "A", 1, "2010-01-01", 1.0, "Z9", "UK"),
            (
                "3",
                "X",
                "A",
                1,
                "2010-01-01",
                1.0,
                "A1",
                "UK",
            ),  # same time as Z9: source id breaks tie
            ("4", "X", "A", 1, "2010-02-01", 1.0, None, "UK"),
        ]
    )
    master = pd.DataFrame({"source_customer_id": ["Z9", "M5", "C3"]})
    got = ingest.assign_customer_ids(kept, master)
    assert got["source_customer_id"].tolist() == ["A1", "Z9", "B2", "C3", "M5"]
    assert got["customer_id"].tolist() == [1, 2, 3, 4, 5]


def canonical_from(rows):
    res = cleaning.clean(raw_frame(rows))
    return ingest.build_canonical(res.kept, ingest.SourceData(lines=raw_frame(rows), files=None))


def test_build_canonical_tables_hand_worked():
    t = canonical_from(
        [
            ("10", "A1", "RED CANDLE", 2, "2010-01-01 10:00", 1.50, "C1", "UK"),  # 3.00
            ("10", "B2", "BLUE MUG", 1, "2010-01-01 10:00", 4.00, "C1", "UK"),  # 4.00
            ("11", "A1", "RED CANDLE", 4, "2010-02-01 10:00", 1.25, "C1", "France"),  # 5.00
            ("12", "A1", "RED CANDLE", 1, "2010-03-01 10:00", 1.50, "C2", "UK"),  # 1.50
            ("13", "B2", "BLUE MUG", 2, "2010-03-02 10:00", 4.00, None, "UK"),  # 8.00 guest
        ]
    )
    orders = t["orders"].set_index("order_id")
    assert orders.loc["10", "revenue_amt"] == pytest.approx(7.0)
    assert orders.loc["10", "n_lines"] == 2 and orders.loc["10", "n_units"] == 3
    assert pd.isna(orders.loc["13", "customer_id"])
    c = t["customers"].set_index("customer_id")
    assert c.loc[1, "n_orders"] == 2 and c.loc[1, "revenue_amt"] == pytest.approx(12.0)
    assert c.loc[2, "revenue_amt"] == pytest.approx(1.5)
    assert len(c) == 2
    p = t["products"].set_index("product_id")
    assert p.loc["A1", "median_unit_price_amt"] == pytest.approx(1.5)  # median of 1.5, 1.25, 1.5
    assert t["order_lines"]["revenue_amt"].sum() == pytest.approx(21.5)
    for name in ("order_lines", "orders", "customers", "products"):
        schema.validate(t[name], name)


def test_validate_catches_each_problem():
    good = pd.DataFrame(
        {
            "feedback_id": pd.Series([1, 2], dtype="int64"),
            "customer_id": pd.Series([1, 1], dtype="int64"),
            "feedback_ts": pd.to_datetime(["2010-01-01", "2010-01-02"]).astype("datetime64[ns]"),
            "csat": pd.Series([5, 1], dtype="int64"),
            "nps": pd.Series([10, 0], dtype="int64"),
        }
    )
    schema.validate(good, "feedback")
    cases = {
        "missing required column": good.drop(columns="csat"),
        "dtype": good.assign(nps=good["nps"].astype("float64")),
        "duplicate value": good.assign(feedback_id=pd.Series([1, 1], dtype="int64")),
        "above 5": good.assign(csat=pd.Series([6, 1], dtype="int64")),
        "below 0": good.assign(nps=pd.Series([-1, 0], dtype="int64")),
    }
    for problem, df in cases.items():
        with pytest.raises(schema.SchemaError, match=problem.split()[0]) as err:
            schema.validate(df, "feedback", source="survey.csv")
        assert "survey.csv" in str(err.value) and "feedback" in str(err.value)


def test_validate_null_and_allowed_values():
    opp = pd.DataFrame(
        {
            "opportunity_id": pd.Series([1], dtype="int64"),
            "customer_id": pd.Series([1], dtype="int64"),
            "rep_id": pd.array(["r1"], dtype="string"),
            "created_ts": pd.to_datetime(["2010-01-01"]).astype("datetime64[ns]"),
            "closed_ts": pd.Series([pd.NaT], dtype="datetime64[ns]"),
            "furthest_stage": pd.array(["lead"], dtype="string"),
            "outcome": pd.array(["open"], dtype="string"),
            "amount": pd.Series([10.0]),
        }
    )
    schema.validate(opp, "opportunities")  # closed_ts is nullable
    with pytest.raises(schema.SchemaError, match="outcome"):
        schema.validate(opp.assign(outcome=pd.array(["maybe"], dtype="string")), "opportunities")
    with pytest.raises(schema.SchemaError, match="rep_id.*null"):
        schema.validate(opp.assign(rep_id=pd.array([None], dtype="string")), "opportunities")


def test_coerce_reports_unconvertible_column():
    df = pd.DataFrame({"csat": ["five"]})
    with pytest.raises(schema.SchemaError, match="csat"):
        schema.coerce(df, "feedback")


def test_describe_lists_every_table():
    d = schema.describe()
    assert set(d["table"]) == set(schema.TABLES)
    assert {"customer_id", "order_ts", "revenue_amt"} <= set(
        d.loc[d.table == "order_lines", "column"]
    )


def test_campaign_table_passes_through_with_surrogate_ids(tmp_path):
    """The synthetic adapter reads campaign.parquet; ingest maps its source customer numbers to
    the surrogate ids of the lines (first purchase order), drops rows of unknown customers and
    validates the canonical campaign table."""
    from helpers.data.adapters import synthetic as synth_adapter

    rows = [
        ("10", "A1", "RED CANDLE", 2, "2010-01-01 10:00", 1.50, "C7", "UK"),
        ("11", "A1", "RED CANDLE", 1, "2010-02-01 10:00", 1.50, "C3", "UK"),
    ]
    tx = raw_frame(rows).drop(columns=["source_file", "source_row"], errors="ignore")
    tx.to_parquet(tmp_path / "transactions.parquet")
    day = pd.Timestamp("2010-03-01")
    pd.DataFrame({
        "source_customer_id": pd.array(["C3", "C7", "C9"], dtype="string"),
        "campaign_ts": [day] * 3, "outcome_end_ts": [day + pd.Timedelta(days=91)] * 3,
        "treated": [True, False, True], "purchased_in_window": [True, False, False],
        "orders_in_window": [2, 0, 0], "revenue_in_window_amt": [12.5, 0.0, 0.0],
    }).to_parquet(tmp_path / "campaign.parquet")
    source = synth_adapter.read(tmp_path)
    assert "campaign.parquet" in set(source.files["file"])
    res = cleaning.clean(source.lines)
    t = ingest.build_canonical(res.kept, source)
    c = t["campaign"]
    # C7 bought first (id 1), C3 second (id 2); C9 never bought and is set apart
    assert list(c["customer_id"]) == [2, 1]
    assert list(c["treated"]) == [True, False]
    assert c["revenue_in_window_amt"].tolist() == [12.5, 0.0]
    assert "source_customer_id" not in c.columns
    assert list(t["campaign_unmatched"]["treated"]) == [True]
    schema.validate(c, "campaign")
    bad = c.assign(customer_id=[1, 1])
    with pytest.raises(schema.SchemaError, match="'campaign', column 'customer_id': duplicate"):
        schema.validate(bad, "campaign")
    with pytest.raises(schema.SchemaError, match="missing required column"):
        schema.validate(c.drop(columns="treated"), "campaign")
