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
    assert m.currency == "GBP" and m.fx_to_gbp is None and m.cancel_prefix == "C"
    assert m.amount_currency == "GBP" and m.amount == "unit_price" and m.header is True
    assert m.order_key == "invoice" and m.rules == mp.NEUTRAL_RULES
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
    # the file, each required column, and the money column (unit_price or line_total)
    assert str(exc.value).count("\n  - ") == 1 + len(mp.REQUIRED_COLUMNS) + 1


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
            + M.CANCEL_KEYS + M.REQUIRED_COLUMNS + M.OPTIONAL_COLUMNS + M.CUSTOMER_ATTRIBUTES
            + M.AMOUNT_COLUMNS + M.RULES_KEYS)
    missing = [k for k in keys if f"`{k}`" not in doc]
    assert missing == [], f"keys not documented in docs/mapping.md: {missing}"
    for reason in __import__("helpers.data.adapters.custom", fromlist=["x"]).ADAPTER_REASONS:
        assert f"`{reason}`" in doc, reason


# ------------------------------------------------------------------ real exports (issue 17)
@pytest.mark.parametrize(
    "written,want",
    [
        ('"\\t"', "\t"),  # YAML double quotes: a tab character
        ("\\t", "\t"),  # written plainly: backslash-t
        ("'\\t'", "\t"),  # single quotes: backslash-t
        ("tab", "\t"),
        ('" "', " "),
        ("space", " "),
        ("'|'", "|"),
        ("whitespace", "whitespace"),
        ("Whitespace", "whitespace"),
    ],
)
def test_delimiter_as_written_in_yaml(tmp_path, written, want):
    (tmp_path / "x.csv").write_text("a\n")
    text = yaml.safe_dump(_doc()).replace("path: x.csv", f"path: x.csv\n  delimiter: {written}")
    (tmp_path / "m.yaml").write_text(text)
    m = mp.load_mapping(tmp_path / "m.yaml")
    assert m.delimiter == want and m.whitespace == (want == "whitespace")


@pytest.mark.parametrize("bad", ["ab", "", '"', 5, None])
def test_delimiter_refused(tmp_path, bad):
    (tmp_path / "x.csv").write_text("a\n")
    with pytest.raises(mp.MappingError, match="source.delimiter"):
        mp.parse_mapping(_doc(source={"path": "x.csv", "delimiter": bad}), tmp_path, "m.yaml")


def test_no_header_columns_by_position(tmp_path):
    (tmp_path / "x.txt").write_text("a\n")
    cols = {"customer_id": 0, "invoice_ts": 1, "quantity": 2, "line_total": 3}
    m = mp.parse_mapping({"source": {"path": "x.txt", "header": False, "delimiter": "whitespace"},
                          "columns": cols}, tmp_path, "m.yaml")
    assert m.header is False and m.columns == {k: str(v) for k, v in cols.items()}
    assert m.amount == "line_total" and m.needed_columns() == ["0", "1", "2", "3"]
    with pytest.raises(mp.MappingError, match="columns.quantity: 'Qty' must be a 0-based column"):
        mp.parse_mapping({"source": {"path": "x.txt", "header": False},
                          "columns": {**cols, "quantity": "Qty"}}, tmp_path, "m.yaml")
    with pytest.raises(mp.MappingError, match="source.header: 'no' must be true"):
        mp.parse_mapping({"source": {"path": "x.txt", "header": "no"}, "columns": cols},
                         tmp_path, "m.yaml")


def test_optional_invoice_and_stock_code(tmp_path):
    (tmp_path / "x.csv").write_text("a\n")
    cols = {k: v for k, v in COLS.items() if k not in ("invoice", "stock_code")}
    m = mp.parse_mapping({"source": {"path": "x.csv"}, "columns": cols}, tmp_path, "m.yaml")
    assert m.order_key == "customer+timestamp" == mp.ORDER_KEY_CUSTOMER_TS
    # no invoice, so no prefix can mark a cancellation: negative quantities do
    assert m.cancel_prefix is None and m.cancel_negative_quantity
    with pytest.raises(mp.MappingError, match="invoice_prefix: needs columns.invoice"):
        mp.parse_mapping({"source": {"path": "x.csv"}, "columns": cols,
                          "cancellations": {"invoice_prefix": "R"}}, tmp_path, "m.yaml")
    st = mp.parse_mapping({"source": {"path": "x.csv"}, "columns": cols,
                           "cancellations": {"status_column": "S", "status_values": ["X"]}},
                          tmp_path, "m.yaml")
    assert st.cancel_status_column == "S" and not st.cancel_negative_quantity


@pytest.mark.parametrize(
    "columns,extra,needle",
    [
        ({**COLS, "line_total": "T"}, {}, "map either unit_price or line_total, not both"),
        (COLS, {"amount": "line_total"}, "columns.line_total: required"),
        (COLS, {"amount": "gross"}, "amount: 'gross' must be unit_price or line_total"),
    ],
)
def test_amount_errors(tmp_path, columns, extra, needle):
    (tmp_path / "x.csv").write_text("a\n")
    with pytest.raises(mp.MappingError) as exc:
        mp.parse_mapping({"source": {"path": "x.csv"}, "columns": columns, **extra},
                         tmp_path, "m.yaml")
    assert needle in str(exc.value)


def test_amount_line_total(tmp_path):
    (tmp_path / "x.csv").write_text("a\n")
    cols = {**{k: v for k, v in COLS.items() if k != "unit_price"}, "line_total": "Total"}
    m = mp.parse_mapping({"source": {"path": "x.csv"}, "columns": cols, "amount": "line_total"},
                         tmp_path, "m.yaml")
    assert m.amount == "line_total" and m.needed_columns()[-1] == "Total"


def test_currency_kept_unless_converted(tmp_path):
    (tmp_path / "x.csv").write_text("a\n")
    eur = mp.parse_mapping(_doc(currency={"code": "EUR"}), tmp_path, "m.yaml")
    assert eur.currency == eur.amount_currency == "EUR" and eur.fx_to_gbp is None
    conv = mp.parse_mapping(_doc(currency={"code": "EUR", "fx_to_gbp": 0.85}), tmp_path, "m.yaml")
    assert conv.currency == "EUR" and conv.amount_currency == "GBP"
    with pytest.raises(mp.MappingError, match="already GBP"):
        mp.parse_mapping(_doc(currency={"code": "GBP", "fx_to_gbp": 2}), tmp_path, "m.yaml")


def test_rules_named_sets_switched_and_extended(tmp_path):
    (tmp_path / "x.csv").write_text("a\n")
    neutral = mp.parse_mapping(_doc(), tmp_path, "m.yaml").rules
    assert neutral.name == "neutral" and not neutral.drop_exact_duplicates
    assert neutral.non_product_codes == frozenset() and neutral.non_product_pattern is None
    assert neutral.max_quantity is None
    assert neutral.active() == ("source_overlap", "missing_value", "bad_debt_adjustment",
                                "cancellation", "cancelled_original", "non_positive_quantity",
                                "non_positive_price")
    orii = mp.parse_mapping(_doc(rules={"base": "online_retail_ii"}), tmp_path, "m.yaml").rules
    assert orii == mp.RULE_SETS["online_retail_ii"] and orii.name == "online_retail_ii"
    ext = mp.parse_mapping(
        _doc(rules={"base": "online_retail_ii", "non_product_codes": ["ship", "WRAP"],
                    "non_product_pattern": False, "drop_exact_duplicates": False,
                    "max_quantity": 500, "keep_zero_price": True}),
        tmp_path, "m.yaml").rules
    assert {"POST", "SHIP", "WRAP"} <= ext.non_product_codes and ext.non_product_pattern is None
    assert ext.max_quantity == 500 and not ext.drop_exact_duplicates and ext.keep_zero_price
    assert ext.name == "online_retail_ii+mapping"
    off = mp.parse_mapping(_doc(rules={"base": "online_retail_ii", "non_product_codes": False,
                                       "max_quantity": False}), tmp_path, "m.yaml").rules
    assert off.non_product_codes == frozenset() and off.max_quantity is None
    assert "extreme_quantity" not in off.active() and "non_product" in off.active()  # pattern
    rec = ext.record()
    assert rec["rule_set"] == "online_retail_ii+mapping" and "exact_duplicate" not in rec["rules_ran"]


@pytest.mark.parametrize(
    "rules,needle",
    [
        ({"base": "uci"}, "rules.base: 'uci' not one of online_retail_ii, neutral"),
        ({"max_quantity": 0}, "rules.max_quantity: 0 must be a whole number >= 1 or false"),
        ({"drop_exact_duplicates": "yes"}, "rules.drop_exact_duplicates: 'yes' must be true"),
        ({"non_product_pattern": "(["}, "rules.non_product_pattern: '([' is not a regex"),
        ({"non_product_codes": {"a": 1}}, "rules.non_product_codes: expected a list"),
        ({"drop_duplicates": True}, "did you mean 'drop_exact_duplicates'"),
    ],
)
def test_rules_errors(tmp_path, rules, needle):
    (tmp_path / "x.csv").write_text("a\n")
    with pytest.raises(mp.MappingError) as exc:
        mp.parse_mapping(_doc(rules=rules), tmp_path, "m.yaml")
    assert needle in str(exc.value)


def test_yaml_alias_bomb_refused_naming_file_and_limit(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines + ["columns: *a8"]) + "\n")
    with pytest.raises(mp.MappingError) as exc:
        mp.load_mapping(tmp_path / "bomb.yaml")
    msg = str(exc.value)
    assert "bomb.yaml" in msg and f"{mp.MAX_YAML_NODES:,}" in msg and len(msg) < 400
    (tmp_path / "loop.yaml").write_text("a: &a [1, *a]\n")
    with pytest.raises(mp.MappingError, match="loop.yaml: YAML expands to more than"):
        mp.load_mapping(tmp_path / "loop.yaml")
    # a few aliases are fine
    (tmp_path / "x.csv").write_text("a\n")
    ok = ("source: {path: &p x.csv}\npersonal_columns_allowed: [*p, *p]\ncolumns: {invoice: Inv, "
          "stock_code: Sku, quantity: Qty, invoice_ts: Date, unit_price: Price}\n")
    (tmp_path / "ok.yaml").write_text(ok)
    assert mp.load_mapping(tmp_path / "ok.yaml").path.name == "x.csv"


def test_huge_mapping_file_refused(tmp_path):
    (tmp_path / "big.yaml").write_text("# " + "x" * mp.MAX_MAPPING_BYTES + "\n")
    with pytest.raises(mp.MappingError, match=r"big.yaml: mapping file is [\d,]+ bytes; the limit"):
        mp.load_mapping(tmp_path / "big.yaml")
