"""Engines that run the data layer's SQL (:mod:`helpers.data.sqlrules`): DuckDB or Apache Spark.

``duckdb`` (the default) runs in-process on pandas frames and parquet files. ``spark`` runs the
same SQL on a Spark session: local mode on this machine (``local[2]``), a cluster when
``CRM_SPARK_MASTER`` names one (``spark://host:7077``, ``yarn``, ``k8s://...``) or a Spark
Connect server when ``SPARK_REMOTE`` is set (``sc://host:15002``); see ``docs/spark.md``.

Both engines expose the same four calls: :meth:`register` (a pandas frame or parquet files as a
named table), :meth:`to_pandas` (a query's result, for results that fit in memory),
:meth:`create_view` (name a query's result without computing it) and :meth:`to_parquet`
(write a query's result where the engine runs, for results that do not fit).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from helpers.data.sqlrules import DUCKDB, SPARK, Dialect

log = logging.getLogger(__name__)

ENGINES = ("duckdb", "spark")
"""Names accepted by :func:`get_engine` (``pandas`` is accepted as an alias of ``duckdb``: the
embedded engine works on pandas frames)."""


class EngineUnavailable(RuntimeError):
    """The engine cannot start here (e.g. no Java or no pyspark); the message says what to do."""


class DuckDBEngine:
    """The embedded engine: DuckDB in this process, reading pandas frames without copying."""

    name = "duckdb"
    dialect: Dialect = DUCKDB

    def __init__(self, threads: int | None = None) -> None:
        import duckdb

        self.con = duckdb.connect()
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self._frames: dict[str, pd.DataFrame] = {}

    def register(self, name: str, data: pd.DataFrame | str | Path) -> None:
        """Make ``data`` (a frame, or a parquet file/folder/glob) queryable as ``name``."""
        if isinstance(data, pd.DataFrame):
            self._frames[name] = data  # keep a reference: DuckDB scans it lazily
            self.con.register(name, data)
        else:
            self.con.execute(f"CREATE OR REPLACE VIEW {name} AS "
                             f"SELECT * FROM read_parquet({_parquet_glob(data)!r})")

    def create_view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")

    def materialise(self, name: str, sql: str) -> None:
        """Compute ``sql`` once and keep it as table ``name`` (reused by later queries)."""
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def to_pandas(self, sql: str) -> pd.DataFrame:
        return self.con.sql(sql).df()

    def to_parquet(self, sql: str, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
        return path

    def close(self) -> None:
        self.con.close()


class SparkEngine:
    """Apache Spark: local mode here, or a cluster / Spark Connect server (``docs/spark.md``).

    In local mode pandas frames are handed over as parquet files in a temporary folder
    (microsecond timestamps, which Spark reads); on a cluster, as Arrow batches.
    """

    name = "spark"
    dialect: Dialect = SPARK

    def __init__(self, master: str | None = None, app_name: str = "crm-workbook",
                 shuffle_partitions: int | None = None) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise EngineUnavailable(
                "ENGINE=spark needs pyspark: run `make setup-spark` "
                "(pip install -e '.[spark]'), and Java 17 (apt-get install openjdk-17-jre-headless)"
            ) from exc
        remote = os.environ.get("SPARK_REMOTE")
        if not remote and not (shutil.which("java") or os.environ.get("JAVA_HOME")):
            raise EngineUnavailable(
                "ENGINE=spark needs Java 17: apt-get install openjdk-17-jre-headless, "
                "or set JAVA_HOME"
            )
        builder = SparkSession.builder.appName(app_name)
        if remote:
            builder = builder.remote(remote)
            log.info("spark: Spark Connect at %s", remote)
        else:
            under_submit = "PYSPARK_GATEWAY_PORT" in os.environ  # launched by spark-submit
            master = master or os.environ.get("CRM_SPARK_MASTER")
            if master or not under_submit:  # spark-submit's own --master wins otherwise
                master = master or "local[2]"
                builder = builder.master(master)
            log.info("spark: master %s", master or "from spark-submit")
        self.local = not remote and (master or "").startswith("local")
        if not remote:
            parts = shuffle_partitions or (8 if self.local else 200)
            builder = (
                builder.config("spark.sql.shuffle.partitions", str(parts))
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            )
            if self.local:
                builder = builder.config("spark.driver.memory",
                                         os.environ.get("CRM_SPARK_DRIVER_MEMORY", "6g"))
        builder = builder.config("spark.sql.session.timeZone", "UTC")
        self.spark = builder.getOrCreate()
        if not remote:
            self.spark.sparkContext.setLogLevel("ERROR")
        self._tmp = Path(tempfile.mkdtemp(prefix="crm-spark-"))
        self._cached: list = []

    def register(self, name: str, data: pd.DataFrame | str | Path) -> None:
        if isinstance(data, pd.DataFrame):
            if self.local:  # through a parquet file: faster than Arrow batches for big frames
                path = self._tmp / f"{name}.parquet"
                write_parquet_for_spark(data, path)
                sdf = self.spark.read.parquet(str(path))
            else:  # a cluster cannot read the driver's disk: send the (small) frame
                sdf = self.spark.createDataFrame(data)
        else:
            sdf = self.spark.read.parquet(str(data))
        sdf.createOrReplaceTempView(name)

    def create_view(self, name: str, sql: str) -> None:
        self.spark.sql(sql).createOrReplaceTempView(name)

    def materialise(self, name: str, sql: str) -> None:
        df = self.spark.sql(sql).persist()
        self._cached.append(df)
        df.createOrReplaceTempView(name)

    def to_pandas(self, sql: str) -> pd.DataFrame:
        return self.spark.sql(sql).toPandas()

    def to_parquet(self, sql: str, path: str | Path) -> Path:
        """Write where Spark runs: ``path`` becomes a folder of part files."""
        self.spark.sql(sql).write.mode("overwrite").parquet(str(path))
        return Path(path)

    def close(self) -> None:
        for df in self._cached:
            df.unpersist()
        shutil.rmtree(self._tmp, ignore_errors=True)
        self.spark.stop()


def write_parquet_for_spark(df: pd.DataFrame, path: str | Path) -> Path:
    """Parquet that Spark reads: timestamps in microseconds (Spark refuses nanoseconds)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, str(path), coerce_timestamps="us", allow_truncated_timestamps=False)
    return Path(path)


def _parquet_glob(data: str | Path) -> str:
    p = Path(data)
    return str(p / "*.parquet") if p.is_dir() else str(p)


def get_engine(name: str | None = None, **kwargs) -> DuckDBEngine | SparkEngine:
    """``duckdb`` (default; ``pandas`` is an alias) or ``spark``; a clear error otherwise."""
    key = (name or "duckdb").lower()
    if key in ("duckdb", "pandas", ""):
        return DuckDBEngine(**kwargs)
    if key == "spark":
        return SparkEngine(**kwargs)
    raise ValueError(f"engine={name!r}: unknown; choose one of {', '.join(ENGINES)} "
                     "(pandas is an alias of duckdb)")


def spark_available() -> tuple[bool, str]:
    """Whether a local Spark session can start here, and why not."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False, "pyspark is not installed (make setup-spark)"
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return False, "no Java runtime (apt-get install openjdk-17-jre-headless)"
    return True, ""
