"""Mapping files: validation with clear errors, defaults, column checks."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from helpers.data import mapping as mp

COLS = {"invoice": "Inv", "stock_code": "Sku", "quantity": "Qty", "invoice_ts": "Date",
        "unit_price": "Price"}


def _doc(**extra):
    return {"source": {"path": "x.csv"}, "columns": dict(COLS), **extra}


def test_parse_mapping_defaults(tmp_path):
    (tmp_path / "x.csv").write_text("a\n")
    m = mp.parse_mapping(_doc(), tmp_path, "m.yaml")
    assert m.path == tmp_path / "x.csv" and m.file_format == "csv"
    assert m.date_formats == ("ISO8601",) and m.decimal == "." and m.thousands == ""
    assert m.currency == "GBP" and m.fx_to_gbp == 1.0 and m.cancel_prefix == "C"
    assert m.needed_columns() == ["Inv", "Sku", "Qty", "Date", "Price"]


def test_parse_mapping_full(tmp_path):
    (tmp_path / "x.xlsx").write_text("")
    m = mp.parse_mapping(
        {"source": {"path": "x.xlsx", "sheet": "Orders"},
         "columns": {**COLS, "customer_id": "Cust"},
         "customer_attributes": {"region": "Reg"},
         "parse": {"date_format": ["%d/%m/%Y", "ISO8601"], "decimal": ",", "thousands": ".",
                   "reference_date": "2024-01-31"},
         "currency": {"code": "eur", "fx_to_gbp": 0.85},
         "cancellations": {"status_column": "St", "status_values": "Void"}},
        tmp_path,
    )
    assert m.file_format == "excel" and m.sheet == "Orders"
    assert m.date_formats == ("%d/%m/%Y", "ISO8601") and m.decimal == ","
    assert m.currency == "EUR" and m.fx_to_gbp == 0.85
    assert m.cancel_prefix is None and m.cancel_status_values == ("Void",)
    assert m.reference_date == pd.Timestamp("2024-01-31")
    assert m.needed_columns()[-2:] == ["Reg", "St"]


def test_parse_mapping_sql():
    m = mp.parse_mapping({"source": {"sql": {"url_env": "DB", "query": "SELECT 1"}},
                          "columns": COLS})
    assert m.file_format == "sql" and m.sql.url_env == "DB" and m.source_label == "sql query"


@pytest.mark.parametrize(
    "doc,needle",
    [
        ([1, 2], "expected a YAML mapping"),
        ({"source": {"path": "x.csv"}, "colums": COLS}, "unknown key 'colums' (did you mean 'columns'"),
        ({"source": {"path": "x.csv"}, "columns": {k: v for k, v in COLS.items()
                                                   if k != "quantity"}}, "columns.quantity: required"),
        ({"columns": COLS}, "source: required"),
        ({"source": {"path": "missing.csv"}, "columns": COLS}, "not found"),
        ({"source": {"sql": {"query": "SELECT 1"}}, "columns": COLS}, "exactly one of url or url_env"),
        (_doc(currency={"code": "EUR", "fx_to_gbp": -1}), "fx_to_gbp"),
        (_doc(parse={"decimal": ",", "thousands": ","}), "must differ"),
        (_doc(parse={"future_tolerance_days": -3}), "future_tolerance_days"),
        (_doc(cancellations={"invoice_prefix": "C", "negative_quantity": True}), "choose one"),
        (_doc(cancellations={"status_column": "S"}), "status_values: required"),
        (_doc(customer_attributes={"shoe_size": "S"}), "unknown key 'shoe_size'"),
        (_doc(source={"path": "x.csv", "encoding": "klingon"}), "not a known encoding"),
    ],
)
def test_parse_mapping_errors(tmp_path, doc, needle):
    (tmp_path / "x.csv").write_text("a\n")
    with pytest.raises(mp.MappingError, match="m.yaml") as exc:
        mp.parse_mapping(doc, tmp_path, "m.yaml")
    assert needle in str(exc.value)


def test_parse_mapping_lists_every_problem(tmp_path):
    with pytest.raises(mp.MappingError) as exc:
        mp.parse_mapping({"source": {"path": "nope.csv"}, "columns": {}}, tmp_path, "m.yaml")
    assert str(exc.value).count("\n  - ") == 1 + len(mp.REQUIRED_COLUMNS)  # file + 5 columns


def test_load_mapping_file_errors(tmp_path):
    with pytest.raises(mp.MappingError, match="needs a mapping file"):
        mp.load_mapping("")
    with pytest.raises(mp.MappingError, match="not found"):
        mp.load_mapping(tmp_path / "none.yaml")
    (tmp_path / "e.yaml").write_text("")
    with pytest.raises(mp.MappingError, match="empty"):
        mp.load_mapping(tmp_path / "e.yaml")
    (tmp_path / "b.yaml").write_text("columns: [\n")
    with pytest.raises(mp.MappingError, match="not valid YAML at line"):
        mp.load_mapping(tmp_path / "b.yaml")


def test_load_mapping_resolves_relative_path(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.csv").write_text("a\n")
    (tmp_path / "sub" / "m.yaml").write_text(yaml.safe_dump(_doc()))
    assert mp.load_mapping(tmp_path / "sub" / "m.yaml").path == tmp_path / "sub" / "x.csv"


def test_check_columns_lists_available():
    m = mp.parse_mapping({"source": {"sql": {"url": "sqlite://", "query": "q"}}, "columns": COLS})
    mp.check_columns(m, ["Inv", "Sku", "Qty", "Date", "Price", "Other"], "f.csv")
    with pytest.raises(mp.InputError) as exc:
        mp.check_columns(m, ["Inv", "Sku", "Quantity", "Date", "Price"], "f.csv")
    e = exc.value
    assert e.file == "f.csv" and e.column == "Qty"
    assert "did you mean 'Quantity'" in str(e) and "available columns" in str(e)


def test_input_error_message():
    e = mp.InputError("a.csv", "bad", column="Qty", row=7)
    assert str(e) == "a.csv, row 7, column 'Qty': bad" and isinstance(e, ValueError)


def test_every_mapping_key_is_documented():
    """docs/mapping.md names every key parse_mapping accepts, so the doc cannot drift."""
    from pathlib import Path

    from helpers.data import mapping as M

    doc = (Path(__file__).resolve().parents[2] / "docs" / "mapping.md").read_text()
    keys = (M.TOP_KEYS + M.SOURCE_KEYS + M.SQL_KEYS + M.PARSE_KEYS + M.CURRENCY_KEYS
            + M.CANCEL_KEYS + M.REQUIRED_COLUMNS + M.OPTIONAL_COLUMNS + M.CUSTOMER_ATTRIBUTES)
    missing = [k for k in keys if f"`{k}`" not in doc]
    assert missing == [], f"keys not documented in docs/mapping.md: {missing}"
    for reason in __import__("helpers.data.adapters.custom", fromlist=["x"]).ADAPTER_REASONS:
        assert f"`{reason}`" in doc, reason
