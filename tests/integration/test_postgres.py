"""Read transactions from a real PostgreSQL server through a mapping with a ``sql:`` source.

The test starts a throwaway cluster (initdb + pg_ctl from the Debian ``postgresql`` package)
on a free loopback port, loads a small table, runs the custom adapter and the cleaning ledger,
and checks the totals by hand. When run as root, the server runs as the ``postgres`` system
user (PostgreSQL refuses to run as root). Skipped with a reason when initdb is not available.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

ROWS = [
    # invoice, code, description, qty, ts, price, customer, country, status   revenue GBP
    ("1001", "A1", "MUG", 4, "2023-03-01 10:00", 2.50, "K1", "Germany", "done"),  # 10.00
    ("1001", "B2", "CANDLE", 2, "2023-03-01 10:00", 3.25, "K1", "Germany", "done"),  # 6.50
    ("1002", "A1", "MUG", 1, "2023-03-02 11:00", 2.50, None, "France", "done"),  # 2.50 guest
    ("1003", "C3", "CLOCK", 3, "2023-03-03 12:00", 20.00, "K2", "France", "done"),  # 60.00
    ("1004", "C3", "CLOCK", 3, "2023-03-05 12:00", 20.00, "K2", "France", "cancelled"),  # -60
]
# Revenue in: 10 + 6.5 + 2.5 + 60 - 60 = 19.00; cancellation 1004 reverses 1003 (same customer,
# code, quantity), so kept = 10 + 6.5 + 2.5 = 19.00 over 3 lines.


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    cands = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(cands[-1]) if cands else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url():
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed: "
                    "apt-get install -y postgresql")
    pytest.importorskip("psycopg2", reason="psycopg2 not installed (dev extra)")
    prefix: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="crm_pg_"))
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and no postgres system user to run the server as")
        if not runuser:
            pytest.skip("running as root and runuser is not available")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        prefix = [runuser, "-u", "postgres", "--"]
    data, log = base / "data", base / "server.log"
    port = _free_port()
    subprocess.run(prefix + [initdb, "-D", str(data), "-A", "trust", "-U", "postgres",
                             "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(prefix + [pg_ctl, "-D", str(data), "-l", str(log), "-o", opts, "-w",
                             "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(prefix + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def loaded(pg_url):
    import sqlalchemy as sa

    eng = sa.create_engine(pg_url)
    with eng.begin() as c:
        c.execute(sa.text(
            "CREATE TABLE sales (order_no text, sku text, product text, qty integer, "
            "ordered_at timestamp, price numeric(10,2), customer text, country text, "
            "status text)"))
        c.execute(sa.text(
            "INSERT INTO sales VALUES (:i, :s, :d, :q, :t, :p, :c, :k, :st)"),
            [dict(zip(["i", "s", "d", "q", "t", "p", "c", "k", "st"], r, strict=True))
             for r in ROWS])
    eng.dispose()
    return pg_url


def _mapping(tmp_path: Path, query: str) -> Path:
    p = tmp_path / "pg_mapping.yaml"
    p.write_text(
        "source:\n  sql:\n    url_env: CRM_TEST_DB_URL\n"
        f"    query: {query}\n"
        "columns: {invoice: order_no, stock_code: sku, description: product, quantity: qty,\n"
        "  invoice_ts: ordered_at, unit_price: price, customer_id: customer, country: country}\n"
        "cancellations: {status_column: status, status_values: [cancelled]}\n"
        "parse: {reference_date: 2023-12-31}\n"
    )
    return p


def test_custom_adapter_reads_postgres(loaded, tmp_path):
    from helpers.data import cleaning
    from helpers.data.adapters import custom

    m = _mapping(tmp_path, "SELECT * FROM sales ORDER BY ordered_at, order_no, sku")
    src = custom.read("", mapping=m, env={"CRM_TEST_DB_URL": loaded})
    lines = src.lines
    assert len(lines) == 5 and src.files["rows"].tolist() == [5]
    assert lines["invoice"].tolist()[-1] == "C1004"  # status cancelled -> canonical C invoice
    assert lines["quantity"].tolist() == [4, 2, 1, 3, -3]
    res = cleaning.clean(lines)
    assert res.totals["revenue_in_amt"] == pytest.approx(19.00)
    assert res.totals["rows_kept"] == 3
    assert res.totals["revenue_kept_amt"] == pytest.approx(19.00)
    check = cleaning.reconcile_with_raw(res.ledger, lines)
    assert check["rows_match"] and check["revenue_match"]


def test_bad_query_is_a_clear_error(loaded, tmp_path):
    from helpers.data.adapters import custom
    from helpers.data.mapping import InputError

    m = _mapping(tmp_path, "SELECT * FROM no_such_table")
    with pytest.raises(InputError, match="no_such_table"):
        custom.read("", mapping=m, env={"CRM_TEST_DB_URL": loaded})
    with pytest.raises(InputError, match="CRM_TEST_DB_URL is not set"):
        custom.read("", mapping=m, env={})
