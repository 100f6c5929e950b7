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


# ------------------------------------------------------------------ real exports (issue 17)
def _read_text(tmp_path, text, doc, name="e.txt", today="2012-01-01"):
    """Write an export and a mapping (dict, or YAML text) and read them with the adapter."""
    (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    mtext = doc if isinstance(doc, str) else yaml.safe_dump(doc)
    (tmp_path / "m.yaml").write_text(mtext)
    return custom.read(tmp_path, mapping=tmp_path / "m.yaml", today=pd.Timestamp(today))


CDNOW_ROWS = (" 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n"
              " 00002 19970112  5   77.00\r\n 00003 19970102  2   20.76\r\n")
CDNOW_DOC = {"source": {"path": "e.txt", "delimiter": "whitespace", "header": False},
             "columns": {"customer_id": 0, "invoice_ts": 1, "quantity": 2, "line_total": 3},
             "parse": {"date_format": "%Y%m%d"}, "currency": "USD"}


def test_whitespace_no_header_line_totals_no_invoice_no_product(tmp_path):
    src = _read_text(tmp_path, CDNOW_ROWS, CDNOW_DOC)
    lines = src.lines
    assert lines["set_aside"].isna().all() and lines["source_row"].tolist() == [1, 2, 3, 4]
    assert lines["source_customer_id"].tolist() == ["00001", "00002", "00002", "00003"]
    assert lines["invoice_ts"].tolist() == list(pd.to_datetime(
        ["1997-01-01", "1997-01-12", "1997-01-12", "1997-01-02"]))
    assert lines["quantity"].tolist() == [1, 1, 5, 2]
    # unit price = line total / quantity: 77.00 / 5 = 15.40; 20.76 / 2 = 10.38
    assert lines["unit_price"].tolist() == pytest.approx([11.77, 12.00, 15.40, 10.38])
    assert (lines["stock_code"] == "ALL").all()  # no product column: one pseudo product
    # no invoice: an order is customer + timestamp, so the two lines of 00002 are one order
    assert lines["invoice"].nunique() == 3 and lines["invoice"][1] == lines["invoice"][2]
    assert src.order_key == "customer+timestamp" and src.currency == "USD"
    assert src.rules.name == "neutral" and src.warnings == []
    assert src.record()["order_key"] == "customer+timestamp"
    res = cleaning.clean(lines, src.rules)
    assert res.totals["rows_kept"] == 4
    assert res.totals["revenue_in_amt"] == pytest.approx(11.77 + 12.00 + 77.00 + 20.76)
    assert res.rules["rule_set"] == "neutral" and "exact_duplicate" not in res.rules["rules_ran"]


def test_whitespace_with_header_and_ragged_row(tmp_path):
    doc = {**CDNOW_DOC, "source": {"path": "e.txt", "delimiter": "whitespace"},
           "columns": {"customer_id": "id", "invoice_ts": "date", "quantity": "n",
                       "line_total": "usd"}}
    src = _read_text(tmp_path, " id  date n  usd\r\n" + CDNOW_ROWS, doc)
    assert len(src.lines) == 4 and src.lines["unit_price"].iloc[0] == 11.77
    with pytest.raises(InputError, match=r"e.txt, row 2: record has 3 field\(s\), the header 4"):
        _read_text(tmp_path, " id date n usd\n 1 19970101 1 2\n 2 19970101 1\n", doc)


@pytest.mark.parametrize("written", ['"\\t"', "\\t", "tab"])
def test_tab_delimiter_written_in_yaml(tmp_path, written):
    text = "Inv\tSku\tQty\tDate\tPrice\tCust\n1\tA\t2\t2011-01-02\t1.5\tK1\n"
    doc = yaml.safe_dump({"source": {"path": "e.tsv", "delimiter": "TAB"}, "columns": COLS})
    src = _read_text(tmp_path, text, doc.replace("TAB", written), name="e.tsv")
    assert src.lines["unit_price"].tolist() == [1.5] and src.lines["invoice"].tolist() == ["1"]


def test_space_delimiter(tmp_path):
    text = "Inv Sku Qty Date Price Cust\n1 A 2 2011-01-02 1.5 K1\n2 B 1 2011-01-03 4 K2\n"
    src = _read_text(tmp_path, text, {"source": {"path": "e.txt", "delimiter": " "},
                                      "columns": COLS})
    assert src.lines["quantity"].tolist() == [2, 1] and src.order_key == "invoice"


def test_yyyymmdd_dates_from_integer_columns(tmp_path):
    df = pd.DataFrame({"Cust": ["7", "7", "8"], "Date": [19970101, 19970230, 19970105],
                       "Qty": [1, 2, 1], "Price": [2.5, 1.0, 3.0]})
    df.to_parquet(tmp_path / "e.parquet")
    doc = {"source": {"path": "e.parquet"},
           "columns": {"customer_id": "Cust", "invoice_ts": "Date", "quantity": "Qty",
                       "unit_price": "Price"},
           "parse": {"date_format": "%Y%m%d"}}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(doc))
    src = custom.read(tmp_path, mapping=tmp_path / "m.yaml", today=pd.Timestamp("2012-01-01"))
    assert src.lines["invoice_ts"][0] == pd.Timestamp("1997-01-01")
    assert src.lines["set_aside"].tolist()[1] == "bad_date"  # 30 February
    assert "'19970230' is not a date in format %Y%m%d" in src.lines["set_aside_detail"][1]


def test_unit_price_from_total():
    total = pd.Series([29.33, -6.0, 4.0, -2.0, 0.0])
    qty = pd.Series([2, -3, -2, 1, 0])
    got = custom.unit_price_from_total(total, qty).tolist()
    assert got == pytest.approx([14.665, 2.0, 2.0, -2.0, 0.0])


def test_line_total_without_units_set_aside(tmp_path):
    doc = {**CDNOW_DOC}
    src = _read_text(tmp_path, " 1 19970101 0 5.00\n 2 19970101 0 0\n", doc)
    assert src.lines["set_aside"].fillna("").tolist() == ["bad_price", ""]
    assert "row 1, column '3': '5.00' is a line total on a line without units" in (
        src.lines["set_aside_detail"][0])


def test_currency_kept_or_converted(tmp_path):
    text = "Inv,Sku,Qty,Date,Price,Cust\n1,A,2,2011-01-02,2.00,K1\n"
    kept = _read_text(tmp_path, text, {"source": {"path": "e.csv"}, "columns": COLS,
                                       "currency": "EUR"}, name="e.csv")
    assert kept.currency == "EUR" and kept.lines["unit_price"].tolist() == [2.0]
    conv = _read_text(tmp_path, text, {"source": {"path": "e.csv"}, "columns": COLS,
                                       "currency": {"code": "EUR", "fx_to_gbp": 0.5}},
                      name="e.csv")
    assert conv.currency == "GBP" and conv.lines["unit_price"].tolist() == [1.0]


def test_excel_sheet_by_name_and_hint(tmp_path):
    df = pd.DataFrame({"Inv": ["1"], "Sku": ["A"], "Qty": [2], "Date": ["2011-01-02"],
                       "Price": [1.5], "Cust": ["K1"]})
    with pd.ExcelWriter(tmp_path / "e.xlsx") as xw:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(xw, sheet_name="Cover", index=False)
        df.to_excel(xw, sheet_name="Orders 2011", index=False)
    doc = {"source": {"path": "e.xlsx", "sheet": "Orders 2011"}, "columns": COLS}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(doc))
    src = custom.read(tmp_path, mapping=tmp_path / "m.yaml", today=pd.Timestamp("2012-01-01"))
    assert src.lines["quantity"].tolist() == [2]
    for sheet, needle in [(0, "sheet 0: column(s)"), ("Orders", "no sheet 'Orders'")]:
        (tmp_path / "m.yaml").write_text(yaml.safe_dump(
            {**doc, "source": {"path": "e.xlsx", "sheet": sheet}}))
        with pytest.raises(InputError) as exc:
            custom.read(tmp_path, mapping=tmp_path / "m.yaml")
        assert needle in str(exc.value) and "['Cover', 'Orders 2011']" in str(exc.value)


def test_excel_without_header(tmp_path):
    pd.DataFrame([["K1", "2011-01-02", 2, 3.0]]).to_excel(tmp_path / "e.xlsx", index=False,
                                                          header=False)
    doc = {"source": {"path": "e.xlsx", "header": False},
           "columns": {"customer_id": 0, "invoice_ts": 1, "quantity": 2, "line_total": 3}}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(doc))
    src = custom.read(tmp_path, mapping=tmp_path / "m.yaml", today=pd.Timestamp("2012-01-01"))
    assert src.lines["unit_price"].tolist() == [1.5] and len(src.lines) == 1


def test_gunzip_limited():
    import gzip

    data = gzip.compress(b"a" * 5000)
    assert custom.gunzip_limited(data, "f.gz") == b"a" * 5000
    with pytest.raises(InputError, match=r"f.gz: decompresses to more than 1,000 bytes"):
        custom.gunzip_limited(data, "f.gz", limit=1000)
    two = gzip.compress(b"x") + gzip.compress(b"y")  # concatenated members
    assert custom.gunzip_limited(two, "f.gz") == b"xy"


def test_invoice_warnings(tmp_path):
    same = _mapping(columns={**COLS, "invoice": "Cust"})
    df = _frame([["1", "A", "2", "2011-01-02", "1.5", "K1"]])
    lines = custom.to_raw_lines(df, same, today=pd.Timestamp("2012-01-01"))
    (w,) = custom.invoice_warnings(lines, same)
    assert "columns.invoice and columns.customer_id both map to 'Cust'" in w
    # data check: 25 customers buying on two days under one and the same invoice each
    rows = [[f"K{c}", "A", "1", f"2011-01-0{d}", "1", f"K{c}"] for c in range(25) for d in (1, 2)]
    lines = custom.to_raw_lines(_frame(rows), _mapping(), today=pd.Timestamp("2012-01-01"))
    (w,) = custom.invoice_warnings(lines, _mapping())
    assert "invoice looks like a customer id: 100% of the 25 customers" in w
    assert custom.invoice_warnings(lines.head(6), _mapping()) == []  # too few to tell


def test_neutral_rules_keep_repeats_and_test_codes():
    df = _frame([["1", "TESTSIEGER-1", "1", "2011-01-02", "2", "K"],
                 ["1", "TESTSIEGER-1", "1", "2011-01-02", "2", "K"]])
    m = _mapping()
    lines = custom.check_raw_columns(custom.to_raw_lines(df, m, pd.Timestamp("2012-01-01")), "t")
    assert cleaning.clean(lines, m.rules).totals["rows_kept"] == 2
    orii = cleaning.clean(lines, cleaning.ONLINE_RETAIL_II_RULES)
    assert orii.quarantine["reason"].tolist() == ["non_product", "exact_duplicate"]
    assert orii.rules["rule_set"] == "online_retail_ii"
