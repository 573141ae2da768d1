"""Where the indicator tables come from: DuckDB, PostgreSQL or Apache Spark, through Ibis.

The indicators never ask which backend they run on; this module is the one place that does.

* ``duckdb`` — the analytics store file (``analytics.duckdb``), or a directory of Parquet
  files ``pathways*.parquet`` and ``pauses*.parquet`` (or sub-directories of those names),
  and optionally ``pathway_units`` (transfers between units).
* ``postgres`` — a URL ``postgresql://user@host:port/db``; the tables may live in a schema.
* ``spark`` — a directory with ``pathways`` and ``pauses`` Parquet datasets. The session is
  local unless ``VARDKOLL_SPARK_MASTER`` (or ``SPARK_REMOTE`` for Spark Connect) points at a
  cluster; see docs/explanation/indicators.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import ibis
from ibis.backends import BaseBackend

from vardkoll.analytics._prepare import IndicatorTables
from vardkoll.domain import InputError, StoreError

__all__ = ["BACKENDS", "Backend", "open_tables", "spark_session", "tables_from"]

Backend = Literal["duckdb", "postgres", "spark"]
BACKENDS: tuple[str, ...] = ("duckdb", "postgres", "spark")


def tables_from(con: BaseBackend, *, database: str | None = None) -> IndicatorTables:
    """The ``pathways`` and ``pauses`` tables of an open Ibis connection."""
    try:
        if database is None:
            pathways, pauses = con.table("pathways"), con.table("pauses")
        else:
            pathways = con.table("pathways", database=database)
            pauses = con.table("pauses", database=database)
    except Exception as exc:
        raise StoreError(
            "The source has no 'pathways' and 'pauses' tables of the analytics schema "
            f"({type(exc).__name__}: {exc}); build the analytics store first."
        ) from exc
    try:  # transfers between units: optional, older stores and national files lack it
        units = (
            con.table("pathway_units")
            if database is None
            else con.table("pathway_units", database=database)
        )
    except Exception:
        units = None
    return IndicatorTables(pathways=pathways, pauses=pauses, backend=con.name, pathway_units=units)


def _parquet_path(directory: Path, name: str) -> str:
    sub = directory / name
    if sub.is_dir():
        return str(sub / "*.parquet")
    files = sorted(directory.glob(f"{name}*.parquet"))
    if not files:
        raise InputError(
            f"No Parquet data for {name!r} in {directory}: expected {sub}/ or {name}*.parquet.",
            field="source",
        )
    return str(directory / f"{name}*.parquet")


def spark_session(master: str | None = None) -> Any:
    """A Spark session: ``master`` or ``VARDKOLL_SPARK_MASTER`` or ``local[2]``.

    With ``SPARK_REMOTE`` set, PySpark connects to that Spark Connect server instead.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise InputError(
            "The spark backend needs PySpark: install the extra, `pip install vardkoll[spark]`, "
            "and a Java runtime."
        ) from exc
    builder = SparkSession.builder.appName("vardkoll-indicators")
    if not os.environ.get("SPARK_REMOTE"):
        builder = builder.master(master or os.environ.get("VARDKOLL_SPARK_MASTER", "local[2]"))
        builder = builder.config("spark.sql.shuffle.partitions", "4")
        builder = builder.config("spark.ui.enabled", "false")
        builder = builder.config("spark.ui.showConsoleProgress", "false")
    # Dates are calendar days: keep Spark from shifting them through a session time zone.
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    return builder.getOrCreate()


def open_tables(
    backend: str, source: str | Path, *, database: str | None = None, master: str | None = None
) -> IndicatorTables:
    """Open ``source`` on ``backend`` (see the module docstring for what each accepts)."""
    if backend not in BACKENDS:
        raise InputError(
            f"Unknown backend {backend!r}; use one of {', '.join(BACKENDS)}.", field="backend"
        )
    if backend == "postgres":
        url = str(source).replace("postgresql+psycopg://", "postgresql://")
        try:
            con = ibis.connect(url)
        except Exception as exc:
            raise StoreError(f"Could not connect to PostgreSQL at {url!r}: {exc}") from exc
        return tables_from(con, database=database)
    path = Path(source)
    if not path.exists():
        raise InputError(f"The source {str(path)!r} does not exist.", field="source")
    if backend == "duckdb":
        if path.is_dir():
            con = ibis.duckdb.connect()
            con.read_parquet(_parquet_path(path, "pathways"), table_name="pathways")
            con.read_parquet(_parquet_path(path, "pauses"), table_name="pauses")
            _read_units(con, path)
        else:
            con = ibis.duckdb.connect(str(path), read_only=True)
        con.raw_sql("SET enable_progress_bar = false")  # a library prints nothing
        return tables_from(con)
    if not path.is_dir():
        raise InputError(
            f"For the spark backend --source is a directory of Parquet data; got {str(path)!r}.",
            field="source",
        )
    con = ibis.pyspark.connect(spark_session(master))
    con.read_parquet(_parquet_path(path, "pathways"), table_name="pathways")
    con.read_parquet(_parquet_path(path, "pauses"), table_name="pauses")
    _read_units(con, path)
    return tables_from(con)


def _read_units(con: BaseBackend, directory: Path) -> None:
    """``pathway_units`` Parquet data when the directory has it (it is optional)."""
    if (directory / "pathway_units").is_dir() or any(directory.glob("pathway_units*.parquet")):
        con.read_parquet(_parquet_path(directory, "pathway_units"), table_name="pathway_units")
