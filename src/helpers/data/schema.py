"""The canonical CRM schema every source adapter maps into.

Tables (one Parquet file each, in ``data/interim/<dataset>/``):

``order_lines`` (required)
    One row per kept invoice line. ``customer_id`` is null for lines without a customer
    (kept for revenue totals, excluded from customer-level analysis).
``orders`` (required)
    One row per order (invoice), derived from the lines.
``customers`` (required)
    One row per known customer; demographic and acquisition columns are optional.
``products`` (required)
    One row per product code seen in the kept lines.
``interactions``, ``feedback``, ``opportunities`` (optional)
    Marketing/service touches, satisfaction surveys, and sales-funnel opportunities. Sources that
    lack them (Online Retail II) simply do not write the files; notebooks skip those sections.
``campaign`` (optional)
    A randomised retention campaign: per eligible customer the campaign day, the outcome
    window's end, ``treated`` and the outcome (purchase, orders, revenue in the window).

Identifiers: ``customer_id`` is a surrogate ``int64`` assigned by :func:`helpers.data.ingest` in order
of first appearance in the source. The source's own customer number never leaves the ingest step
(it is kept only in ``customer_map.parquet`` beside the raw data); reports and exports show the
keyed pseudonym from :func:`helpers.data.privacy.pseudonymise` instead.

Money is in pounds sterling (``*_amt``), times are naive local timestamps (``*_ts``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd


class SchemaError(ValueError):
    """A table does not match the canonical schema (message names table, column and problem)."""


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    dtype: str  # pandas dtype name: int64, Int64, float64, string, bool, datetime64[ns], category
    description: str
    nullable: bool = False
    unique: bool = False
    min_value: float | None = None
    max_value: float | None = None
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns, which ones are required, and a description."""

    name: str
    description: str
    columns: tuple[Column, ...]
    optional_columns: tuple[Column, ...] = field(default_factory=tuple)
    required: bool = True

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + self.optional_columns

    def column(self, name: str) -> Column:
        for c in self.all_columns:
            if c.name == name:
                return c
        raise KeyError(name)


FUNNEL_STAGES: tuple[str, ...] = ("lead", "qualified", "proposal", "negotiation", "won")
"""Ordered sales-funnel stages; an opportunity that stops early ends as ``lost``."""

ORDER_LINES = Table(
    "order_lines",
    "Kept invoice lines: real product sales with positive quantity and price.",
    (
        Column("line_id", "int64", "Row number of the line in the integrated source.", unique=True),
        Column("order_id", "string", "Invoice / order number."),
        Column("customer_id", "Int64", "Surrogate customer key; null = no customer.", nullable=True),
        Column("product_id", "string", "Stock code."),
        Column("order_ts", "datetime64[ns]", "Invoice date and time (local)."),
        Column("quantity", "int64", "Units on the line.", min_value=1),
        Column("unit_price_amt", "float64", "Unit price, in the data's currency.", min_value=0.0),
        Column("revenue_amt", "float64", "quantity x unit_price_amt, in the data's currency.", min_value=0.0),
        Column("country", "string", "Customer's country as given on the invoice."),
    ),
)

ORDERS = Table(
    "orders",
    "One row per order, aggregated from order_lines.",
    (
        Column("order_id", "string", "Invoice / order number.", unique=True),
        Column("customer_id", "Int64", "Surrogate customer key; null = no customer.", nullable=True),
        Column("order_ts", "datetime64[ns]", "Invoice date and time."),
        Column("country", "string", "Country on the invoice."),
        Column("n_lines", "int64", "Lines on the order.", min_value=1),
        Column("n_units", "int64", "Units on the order.", min_value=1),
        Column("revenue_amt", "float64", "Order value, in the data's currency.", min_value=0.0),
    ),
)

CUSTOMERS = Table(
    "customers",
    "One row per customer: everyone with a kept line, plus customer-master entries without one.",
    (
        Column("customer_id", "int64", "Surrogate customer key.", unique=True),
        Column("country", "string", "Most frequent invoice country of the customer."),
        Column("first_order_ts", "datetime64[ns]", "First kept order (null: none).", nullable=True),
        Column("last_order_ts", "datetime64[ns]", "Last kept order (null: none).", nullable=True),
        Column("n_orders", "int64", "Distinct kept orders (0 = not yet purchased).", min_value=0),
        Column("revenue_amt", "float64", "Total kept revenue, in the data's currency.", min_value=0.0),
    ),
    optional_columns=(
        Column("age_band", "string", "Age band, e.g. 25-34.", nullable=True),
        Column("gender", "string", "Self-reported gender.", nullable=True),
        Column("region", "string", "Region within the country.", nullable=True),
        Column("income_band", "string", "Income / occupation band.", nullable=True),
        Column("acquisition_channel", "string", "Channel that brought the customer.", nullable=True),
        Column("acquisition_ts", "datetime64[ns]", "Date the customer was acquired.", nullable=True),
    ),
)

PRODUCTS = Table(
    "products",
    "One row per product code in the kept lines.",
    (
        Column("product_id", "string", "Stock code.", unique=True),
        Column("description", "string", "Most frequent description.", nullable=True),
        Column("category", "string", "Derived product category (see helpers.analysis.customers)."),
        Column("median_unit_price_amt", "float64", "Median unit price, in the data's currency.", min_value=0.0),
    ),
)

INTERACTIONS = Table(
    "interactions",
    "Marketing and service touches (optional).",
    (
        Column("interaction_id", "int64", "Row key.", unique=True),
        Column("customer_id", "int64", "Surrogate customer key."),
        Column("interaction_ts", "datetime64[ns]", "When it happened."),
        Column("channel", "string", "email, phone, social, ...",),
        Column("kind", "string", "sent, opened, clicked, call, ticket, complaint, ..."),
        Column("campaign_id", "string", "Campaign, if any.", nullable=True),
    ),
    optional_columns=(
        Column("response_hours", "float64",
               "Service response time in hours (service tickets; null for other touches).",
               nullable=True, min_value=0.0),
    ),
    required=False,
)

FEEDBACK = Table(
    "feedback",
    "Satisfaction surveys (optional).",
    (
        Column("feedback_id", "int64", "Row key.", unique=True),
        Column("customer_id", "int64", "Surrogate customer key."),
        Column("feedback_ts", "datetime64[ns]", "Survey date."),
        Column("csat", "int64", "Satisfaction 1 (worst) .. 5 (best).", min_value=1, max_value=5),
        Column("nps", "int64", "Likelihood to recommend 0..10.", min_value=0, max_value=10),
    ),
    required=False,
)

OPPORTUNITIES = Table(
    "opportunities",
    "Sales-funnel opportunities owned by sales reps (optional).",
    (
        Column("opportunity_id", "int64", "Row key.", unique=True),
        Column("customer_id", "int64", "Surrogate customer key."),
        Column("rep_id", "string", "Owning sales rep."),
        Column("created_ts", "datetime64[ns]", "Opportunity opened."),
        Column("closed_ts", "datetime64[ns]", "Won or lost; null while open.", nullable=True),
        Column(
            "furthest_stage", "string", "Furthest funnel stage reached.", allowed=FUNNEL_STAGES
        ),
        Column("outcome", "string", "won, lost or open.", allowed=("won", "lost", "open")),
        Column("amount", "float64", "Deal value, in the data's currency.", min_value=0.0),
    ),
    optional_columns=(
        Column("qualified_ts", "datetime64[ns]", "Entered qualified; null if not (yet) reached.",
               nullable=True),
        Column("proposal_ts", "datetime64[ns]", "Entered proposal; null if not (yet) reached.",
               nullable=True),
        Column("negotiation_ts", "datetime64[ns]",
               "Entered negotiation; null if not (yet) reached.", nullable=True),
        Column("lead_source", "string", "Where the lead came from (web, referral, ...).",
               nullable=True),
        Column("channel", "string", "Sales channel working the deal (inside, field, ...).",
               nullable=True),
    ),
    required=False,
)

CAMPAIGN = Table(
    "campaign",
    "A randomised retention campaign (optional): one row per eligible customer, whether they "
    "were contacted and what they did in the outcome window.",
    (
        Column("customer_id", "int64", "Surrogate customer key.", unique=True),
        Column("campaign_ts", "datetime64[ns]", "Campaign day (the same for every row)."),
        Column("outcome_end_ts", "datetime64[ns]", "Exclusive end of the outcome window."),
        Column("treated", "bool", "Contacted (assigned at random)."),
        Column("purchased_in_window", "bool", "At least one order in the outcome window."),
    ),
    optional_columns=(
        Column("orders_in_window", "int64", "Orders in the outcome window.", min_value=0),
        Column("revenue_in_window_amt", "float64",
               "Revenue in the outcome window, in the data's currency (before cancellations)."),
    ),
    required=False,
)

STAGE_TS_COLUMNS: dict[str, str] = {
    "lead": "created_ts", "qualified": "qualified_ts", "proposal": "proposal_ts",
    "negotiation": "negotiation_ts", "won": "closed_ts",
}
"""Column holding the time an opportunity entered each funnel stage (``won``: ``closed_ts``)."""

TABLES: dict[str, Table] = {
    t.name: t
    for t in (ORDER_LINES, ORDERS, CUSTOMERS, PRODUCTS, INTERACTIONS, FEEDBACK, OPPORTUNITIES,
              CAMPAIGN)
}


def describe() -> pd.DataFrame:
    """Return the schema as a table (table, column, dtype, nullable, description) for docs."""
    rows = []
    for t in TABLES.values():
        for c in t.columns:
            rows.append((t.name, t.required, c.name, c.dtype, c.nullable, "required", c.description))
        for c in t.optional_columns:
            rows.append((t.name, t.required, c.name, c.dtype, True, "optional", c.description))
    return pd.DataFrame(
        rows, columns=["table", "table_required", "column", "dtype", "nullable", "kind", "description"]
    )


def require_columns(df: pd.DataFrame, cols: Iterable[str], what: str) -> None:
    """Raise ``ValueError`` naming ``what``, the missing columns and those present.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"a": [1]}), ("a", "b"), "f")
    Traceback (most recent call last):
    ...
    ValueError: f: missing column(s) ['b']; have ['a']
    """
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}; have {list(df.columns)}")


def coerce(df: pd.DataFrame, table: str | Table) -> pd.DataFrame:
    """Cast ``df`` to the table's dtypes (columns it lacks are left for :func:`validate`)."""
    t = TABLES[table] if isinstance(table, str) else table
    out = df.copy()
    for c in t.all_columns:
        if c.name in out.columns and str(out[c.name].dtype) != c.dtype:
            try:
                out[c.name] = out[c.name].astype(c.dtype)
            except (TypeError, ValueError) as exc:
                raise SchemaError(
                    f"table {t.name!r}, column {c.name!r}: cannot convert to {c.dtype} ({exc})"
                ) from exc
    return out


def validate(df: pd.DataFrame, table: str | Table, source: str = "<frame>") -> pd.DataFrame:
    """Check ``df`` against the canonical table and return it unchanged.

    Raises
    ------
    SchemaError
        Naming ``source``, the table, the column, the problem and the first offending row.
    """
    t = TABLES[table] if isinstance(table, str) else table
    where = f"{source}: table {t.name!r}"
    missing = [c.name for c in t.columns if c.name not in df.columns]
    if missing:
        raise SchemaError(f"{where}: missing required column(s) {missing}")
    for c in t.all_columns:
        if c.name not in df.columns:
            continue
        s = df[c.name]
        if str(s.dtype) != c.dtype:
            raise SchemaError(f"{where}, column {c.name!r}: dtype {s.dtype}, expected {c.dtype}")
        na = s.isna()
        if not c.nullable and na.any():
            raise SchemaError(
                f"{where}, column {c.name!r}: {int(na.sum())} null value(s), first at row "
                f"{df.index[na.to_numpy()][0]!r}"
            )
        if c.unique and s.duplicated().any():
            dup = s[s.duplicated()].iloc[0]
            raise SchemaError(f"{where}, column {c.name!r}: duplicate value {dup!r}")
        valid = s[~na]
        if c.min_value is not None and (valid < c.min_value).any():
            bad = valid[valid < c.min_value]
            raise SchemaError(
                f"{where}, column {c.name!r}: {len(bad)} value(s) below {c.min_value}, "
                f"first {bad.iloc[0]!r} at row {bad.index[0]!r}"
            )
        if c.max_value is not None and (valid > c.max_value).any():
            bad = valid[valid > c.max_value]
            raise SchemaError(
                f"{where}, column {c.name!r}: {len(bad)} value(s) above {c.max_value}, "
                f"first {bad.iloc[0]!r} at row {bad.index[0]!r}"
            )
        if c.allowed is not None:
            allowed = set(c.allowed)
            bad = valid[~valid.isin(allowed)]
            if len(bad):
                raise SchemaError(
                    f"{where}, column {c.name!r}: value {bad.iloc[0]!r} at row {bad.index[0]!r} "
                    f"not in {sorted(allowed)}"
                )
    return df
