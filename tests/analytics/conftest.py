"""Fixtures: the synthetic and hand-made tables on every backend, and the reference.

Every backend gets the *same* Arrow tables. DuckDB runs in memory; PostgreSQL gets a fresh
schema on the ``pg_url`` server (dropped at the end of the session); Spark reads Parquet files
the way ``vardkoll indicators --backend spark`` does, in one local session for the whole run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.analytics.reference import Reference
from tests.analytics.synthetic import (
    handmade_tables,
    synthetic_tables,
    synthetic_transfers,
    to_arrow,
)
from tests.conftest import require, spark_available

from vardkoll.analytics import IndicatorTables, tables_from

DATASETS = ("synthetic", "handmade")

# Py4J leaves sockets to the garbage collector; that is Spark's housekeeping, not ours.
SPARK_NOISE = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="session")
def frames() -> dict[str, tuple[pd.DataFrame, ...]]:
    pathways, pauses = synthetic_tables()
    transfers = synthetic_transfers(pathways)
    return {"synthetic": (pathways, pauses, transfers), "handmade": handmade_tables()}


@pytest.fixture(scope="session")
def arrow_tables(
    frames: dict[str, tuple[pd.DataFrame, ...]],
) -> dict[str, dict[str, pa.Table]]:
    return {name: to_arrow(*pair) for name, pair in frames.items()}


@pytest.fixture(scope="session")
def references(frames: dict[str, tuple[pd.DataFrame, ...]]) -> dict[str, Reference]:
    return {name: Reference(*pair) for name, pair in frames.items()}


def duckdb_tables(arrow: dict[str, pa.Table]) -> IndicatorTables:
    con = ibis.duckdb.connect()
    for name, table in arrow.items():
        con.create_table(name, table)
    return tables_from(con)


@pytest.fixture(scope="session")
def duckdb_sets(arrow_tables: dict[str, dict[str, pa.Table]]) -> dict[str, IndicatorTables]:
    return {name: duckdb_tables(arrow) for name, arrow in arrow_tables.items()}


@pytest.fixture(scope="session")
def pg_schemas() -> Iterator[dict[str, Any]]:
    state: dict[str, Any] = {}
    yield state
    con = state.get("con")
    if con is not None:
        for schema in state.get("schemas", []):
            con.raw_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        con.disconnect()


@pytest.fixture
def postgres_sets(
    pg_url: str, pg_schemas: dict[str, Any], arrow_tables: dict[str, dict[str, pa.Table]]
) -> dict[str, IndicatorTables]:
    if "tables" not in pg_schemas:
        con = ibis.connect(pg_url.replace("postgresql+psycopg://", "postgresql://"))
        pg_schemas["con"] = con
        pg_schemas["schemas"] = []
        loaded = {}
        for dataset, arrow in arrow_tables.items():
            schema = f"vk_ind_{dataset}_{uuid.uuid4().hex[:8]}"
            con.create_database(schema)
            pg_schemas["schemas"].append(schema)
            for name, table in arrow.items():
                con.create_table(name, table, database=schema)
            loaded[dataset] = tables_from(con, database=schema)
        pg_schemas["tables"] = loaded
    tables: dict[str, IndicatorTables] = pg_schemas["tables"]
    return tables


@pytest.fixture(scope="session")
def spark_con() -> Any:
    require(spark_available(), "PySpark with a Java runtime is needed for the spark backend")
    from vardkoll.analytics import spark_session

    session = spark_session("local[1]")
    session.sparkContext.setLogLevel("ERROR")
    session.conf.set("spark.sql.shuffle.partitions", "1")
    return ibis.pyspark.connect(session)


@pytest.fixture(scope="session")
def spark_sets(
    spark_con: Any, arrow_tables: dict[str, dict[str, pa.Table]], tmp_path_factory: Any
) -> dict[str, IndicatorTables]:
    loaded = {}
    for dataset, arrow in arrow_tables.items():
        root: Path = tmp_path_factory.mktemp(f"spark_{dataset}")
        for name, table in arrow.items():
            (root / name).mkdir()
            pq.write_table(table, root / name / "part-0.parquet")
            spark_con.read_parquet(str(root / name), table_name=f"{dataset}_{name}")
        loaded[dataset] = IndicatorTables(
            pathways=spark_con.table(f"{dataset}_pathways"),
            pauses=spark_con.table(f"{dataset}_pauses"),
            backend="pyspark",
            pathway_units=(
                spark_con.table(f"{dataset}_pathway_units") if "pathway_units" in arrow else None
            ),
        )
    return loaded


@pytest.fixture(
    params=[
        "duckdb",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("spark", marks=[pytest.mark.spark, *SPARK_NOISE]),
    ]
)
def backend(request: pytest.FixtureRequest) -> dict[str, IndicatorTables]:
    """The datasets loaded on one backend, by dataset name."""
    fixture = {"duckdb": "duckdb_sets", "postgres": "postgres_sets", "spark": "spark_sets"}[
        request.param
    ]
    tables: dict[str, IndicatorTables] = request.getfixturevalue(fixture)
    return tables
