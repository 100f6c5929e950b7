"""Custom adapter: parsing helpers, canonical cancellations, set-aside rows, file errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers.data import cleaning
from helpers.data.adapters import custom
from helpers.data.mapping import InputError, parse_mapping

COLS = {"invoice": "Inv", "stock_code": "Sku", "quantity": "Qty", "invoice_ts": "Date",
        "unit_price": "Price", "customer_id": "Cust"}


def _mapping(**extra):
    return parse_mapping({"source": {"sql": {"url": "sqlite://", "query": "q"}},
                          "columns": COLS, **extra})


def _frame(rows):
    return pd.DataFrame(rows, columns=["Inv", "Sku", "Qty", "Date", "Price", "Cust"], dtype=str)


def test_parse_numbers():
    s = pd.Series(["£1,234.50", "(2.00)", "GBP 3", "x", "", "inf", " 7 "])
    got = custom.parse_numbers(s, thousands=",").tolist()
    assert got[:3] == [1234.5, -2.0, 3.0] and got[6] == 7.0
    assert all(math.isnan(v) for v in got[3:6])
    # decimal comma, thousands dot: "1.234,5" = 1234.5; a stray "." with decimal "," is invalid
    eu = custom.parse_numbers(pd.Series(["1.234,5", "2,55"]), decimal=",", thousands=".")
    assert eu.tolist() == [1234.5, 2.55]
    assert np.isnan(custom.parse_numbers(pd.Series(["2.55"]), decimal=",")[0])
    assert custom.parse_numbers(pd.Series([1, 2]), ".").tolist() == [1.0, 2.0]


def test_parse_dates_formats_in_order():
    s = pd.Series(["2011-01-02 10:00", "03/01/2011 10:00", "31/02/2011", ""])
    got = custom.parse_dates(s, ("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"))
    assert got.iloc[0] == pd.Timestamp("2011-01-02 10:00")
    assert got.iloc[1] == pd.Timestamp("2011-01-03 10:00")  # day first
    assert got.iloc[2:].isna().all()
    typed = custom.parse_dates(pd.Series(pd.to_datetime(["2011-01-02"]).tz_localize("UTC")), ())
    assert str(typed.dtype) == "datetime64[ns]"


def test_to_raw_lines_set_aside_and_cancellations():
    df = _frame([
        ["1", "A", "2", "2011-01-02", "1.50", "12346.0"],  # 2 x 1.50 = 3.00, id normalised
        ["C2", "A", "-2", "2011-01-03", "1.50", "12346"],  # cancellation: -3.00
        ["3", "A", "two", "2011-01-04", "1.50", "12346"],  # bad_quantity -> qty 0
        ["4", "A", "1", "someday", "1.50", ""],  # bad_date, guest
        ["5", "A", "1", "2099-01-01", "abc", "7"],  # future_date (first problem wins)
        ["Apple-6", "A", "1", "2011-01-05", "2", "7"],  # ordinary invoice starting A -> I...
    ])
    out = custom.to_raw_lines(df, _mapping(), today=pd.Timestamp("2012-01-01"))
    assert out["set_aside"].tolist()[2:5] == ["bad_quantity", "bad_date", "future_date"]
    assert out["set_aside"].iloc[[0, 1, 5]].isna().all()
    assert out["quantity"].tolist() == [2, -2, 0, 1, 1, 1]
    assert out["invoice"].tolist()[5] == "IApple-6"
    assert out["source_customer_id"].iloc[0] == "12346"
    assert pd.isna(out["source_customer_id"].iloc[3])
    assert "sql query row 3, column 'Qty': 'two' is not a number" == out["set_aside_detail"][2]
    assert out["source_row"].tolist() == [1, 2, 3, 4, 5, 6]


def test_cancellation_modes_and_fx():
    df = _frame([["9", "A", "3", "2011-01-02", "2.00", "k"], ["9", "A", "-3", "2011-01-03",
                                                            "2.00", "k"]])
    neg = custom.to_raw_lines(df, _mapping(cancellations={"negative_quantity": True},
                                           currency={"code": "EUR", "fx_to_gbp": 0.5}),
                              today=pd.Timestamp("2012-01-01"))
    assert neg["invoice"].tolist() == ["9", "C9"] and neg["quantity"].tolist() == [3, -3]
    assert neg["unit_price"].tolist() == [1.0, 1.0]  # 2.00 EUR x 0.5 GBP/EUR
    res = cleaning.clean(custom.check_raw_columns(neg, "t"))
    # the cancellation reverses the purchase: 3 x 1.00 - 3 x 1.00 = 0 kept, both set aside
    assert res.totals["rows_kept"] == 0 and res.totals["revenue_in_amt"] == 0.0


def test_status_column_cancellation():
    df = _frame([["9", "A", "3", "2011-01-02", "2", "k"]]).assign(St=["Refunded"])
    m = _mapping(cancellations={"status_column": "St", "status_values": ["refunded"]})
    out = custom.to_raw_lines(df, m, today=pd.Timestamp("2012-01-01"))
    assert out["invoice"].tolist() == ["C9"] and out["quantity"].tolist() == [-3]


def _write(tmp_path, text, **src):
    (tmp_path / "e.csv").write_bytes(text if isinstance(text, bytes) else text.encode())
    doc = {"source": {"path": "e.csv", **src}, "columns": COLS,
           "customer_attributes": {"region": "Reg"}}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(doc))
    return tmp_path / "m.yaml"


HEAD = "Inv,Sku,Qty,Date,Price,Cust,Reg,Email\n"


def test_read_csv_end_to_end(tmp_path):
    text = HEAD + "1,A,2,2011-01-02,1.5,K1,North,a@b.com\n2,B,1,2011-02-02,4,K1,South,a@b.com\n"
    src = custom.read(tmp_path, mapping=_write(tmp_path, text), today=pd.Timestamp("2012-01-01"))
    assert len(src.lines) == 2 and src.files["rows"].tolist() == [2]
    assert "Email" not in src.lines.columns
    # last region by timestamp wins: South (2011-02-02)
    assert src.customers.to_dict("records") == [{"source_customer_id": "K1", "region": "South"}]


@pytest.mark.parametrize(
    "text,needle",
    [
        (b"", "empty"),
        (HEAD.encode(), "no data rows"),
        (b"Inv,Inv,Qty\n1,2,3\n", "duplicate column header"),
        ((HEAD + "1,A,2,2011-01-02,1.5,K\xc9,N,x\n").encode("latin-1"), "not valid utf-8"),
        (HEAD.encode() + b"1,A,2,2011-01-02,1.5,K1\n", "fewer|field"),
        (b"Inv;Sku\n1;2\n", "not in the file; available columns"),
    ],
)
def test_read_file_level_errors(tmp_path, text, needle):
    with pytest.raises(InputError, match="e.csv") as exc:
        custom.read(tmp_path, mapping=_write(tmp_path, text))
    assert any(n in str(exc.value) for n in needle.split("|"))


def test_read_truncated_gzip(tmp_path):
    import gzip

    data = gzip.compress((HEAD + "1,A,2,2011-01-02,1.5,K1,N,x\n" * 200).encode())
    (tmp_path / "e.csv.gz").write_bytes(data[:40])
    doc = {"source": {"path": "e.csv.gz"}, "columns": COLS}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError, match="e.csv.gz: truncated or corrupt gzip"):
        custom.read(tmp_path, mapping=tmp_path / "m.yaml")


def test_personal_attribute_refused_unless_allowed(tmp_path):
    text = HEAD + "1,A,2,2011-01-02,1.5,K1,North,a@b.com\n"
    m = _write(tmp_path, text)
    doc = yaml.safe_load(m.read_text())
    doc["customer_attributes"] = {"region": "Email"}  # a personal column posing as region
    m.write_text(yaml.safe_dump(doc))
    assert custom.read(tmp_path, mapping=m, today=pd.Timestamp("2012-01-01")).customers is None
    doc["personal_columns_allowed"] = ["Email"]
    m.write_text(yaml.safe_dump(doc))
    got = custom.read(tmp_path, mapping=m, today=pd.Timestamp("2012-01-01")).customers
    assert got["region"].tolist() == ["a@b.com"]
