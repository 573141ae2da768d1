"""Fixtures of the monthly-report tests: the generated test region, as frames and as a store.

The data are the seeded synthetic tables of ``tests/analytics`` (tens of thousands of
pathways in regions 19, 03 and 12 over four years), not a regenerated region: the same
pathways feed the engine (through DuckDB) and the pandas reference of these tests.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pytest
from tests.analytics.synthetic import DATA_END, synthetic_tables, to_arrow

from vardkoll.analytics import IndicatorTables, tables_from
from vardkoll.services.reports.model import MonthlyReport
from vardkoll.services.reports.monthly import monthly_report

REGION = "19"
MONTH = dt.date(2025, 6, 1)
MONTH_END = dt.date(2025, 6, 30)
AS_OF = DATA_END


@pytest.fixture(scope="session")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthetic_tables()


@pytest.fixture(scope="session")
def tables(frames: tuple[pd.DataFrame, pd.DataFrame]) -> IndicatorTables:
    con = ibis.duckdb.connect()
    for name, table in to_arrow(*frames).items():
        con.create_table(name, table)
    return tables_from(con)


@pytest.fixture(scope="session")
def report(tables: IndicatorTables) -> MonthlyReport:
    return monthly_report(tables, REGION, MONTH, as_of=AS_OF, threshold=5)


@pytest.fixture(scope="session")
def strict_report(tables: IndicatorTables) -> MonthlyReport:
    """The same month with a higher threshold, so more cells are masked."""
    return monthly_report(tables, REGION, MONTH, as_of=AS_OF, threshold=10)


@pytest.fixture(scope="session")
def store_file(
    frames: tuple[pd.DataFrame, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """An analytics DuckDB file of the synthetic region (with ``build_info``)."""
    path = tmp_path_factory.mktemp("store") / "analytics.duckdb"
    con = duckdb.connect(str(path))
    for name, table in to_arrow(*frames).items():
        con.register("incoming", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        con.unregister("incoming")
    # The other pages of the app read unit names from the store's units table.
    con.execute(
        "CREATE TABLE units AS SELECT DISTINCT unit_id, 'Enhet ' || unit_id AS unit_name, "
        "provider_id, 'Vårdgivare ' || provider_id AS provider_name, 'public' AS ownership, "
        "region_code, CAST(NULL AS VARCHAR) AS municipality_code, 59.6 AS latitude, "
        "16.5 AS longitude, CAST([] AS VARCHAR[]) AS specialties FROM pathways"
    )
    con.execute(
        "CREATE TABLE build_info (built_at TIMESTAMPTZ, as_of DATE, source VARCHAR, "
        "rows_pathways BIGINT)"
    )
    con.execute("INSERT INTO build_info VALUES (now(), ?, 'tests', 0)", [AS_OF])
    con.close()
    return path


@pytest.fixture
def store_copy(store_file: Path, tmp_path: Path) -> Path:
    target = tmp_path / "analytics.duckdb"
    shutil.copy(store_file, target)
    return target
