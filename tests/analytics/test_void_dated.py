"""A guarantee voided by a declined offer is void from that day, not at every date (defect 4).

Two orthopaedic treatments wait in region 19. X (clock start 2024-12-20) passed 90 days on
2025-03-20 and declined the redress offer on 2025-04-10; Y (clock start 2025-02-01) is within
90 days on both month ends. At 2025-03-31 X is an ordinary waiter beyond the limit: share
within 1/2. At 2025-04-30 X is reported apart as void: share within 1/1, one void. The
indicators (both series methods), the overview read from the build's precomputed snapshots
and the overview replayed from pathways must all say so, and the overview's share must be the
indicator's share for the same date and cut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import ibis
import pandas as pd
import pytest
from tests.analytics.compare import assert_same

from vardkoll.analytics import (
    IndicatorTables,
    overview,
    series_for_cut,
    still_waiting,
    void_on,
    waiting_at,
)
from vardkoll.store._analytics_build import _snapshot_dates
from vardkoll.store._analytics_sql import OUTPUT_TABLES
from vardkoll.store._pathway_sql import limits_table

MARCH, APRIL = dt.date(2025, 3, 31), dt.date(2025, 4, 30)
DECLINED = dt.date(2025, 4, 10)
CUT = ["region_code", "entry_type", "specialty"]


def _pathways() -> pd.DataFrame:
    rows = [("V:X", dt.date(2024, 12, 20), DECLINED), ("V:Y", dt.date(2025, 2, 1), None)]
    return pd.DataFrame(
        {
            "pathway_key": [r[0] for r in rows],
            "patient_pseudonym": ["0" * 32, "1" * 32],
            "identity_type": "personnummer",
            "sex": ["F", "M"],
            "birth_year": [1950, 1960],
            "age_at_clock_start": [74, 64],
            "home_municipality": "1980",
            "region_code": "19",
            "provider_id": "P1",
            "unit_id": "U1",
            "specialty": "orthopaedics",
            "entry_type": "treatment",
            "priority": 2,
            "procedure_code": None,
            "clock_start": [r[1] for r in rows],
            "removed_on": pd.Series([None, None], dtype="object"),
            "removal_reason": pd.Series([None, None], dtype="object"),
            "has_pvv": False,
            "has_mov": False,
            "paused_days_total": 0,
            "guarantee_void": [r[2] is not None for r in rows],
            "guarantee_void_since": pd.Series([r[2] for r in rows], dtype="object"),
        }
    )


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A store holding the two pathways, with ``waiting_snapshots`` made by the build's SQL."""
    c = duckdb.connect()
    c.register("frame", _pathways())
    c.execute(
        "CREATE TABLE pathways AS SELECT * REPLACE (CAST(clock_start AS DATE) AS clock_start,"
        " CAST(removed_on AS DATE) AS removed_on, CAST(removal_reason AS VARCHAR) AS"
        " removal_reason, CAST(procedure_code AS VARCHAR) AS procedure_code,"
        " CAST(guarantee_void_since AS DATE) AS guarantee_void_since) FROM frame"
    )
    c.execute(
        "CREATE TABLE pauses (pathway_key VARCHAR, reason VARCHAR, start_date DATE, end_date DATE)"
    )
    c.execute("CREATE TABLE build_info (as_of DATE)")
    c.execute("INSERT INTO build_info VALUES (?)", [APRIL])
    c.execute("CREATE SCHEMA out")
    c.execute("CREATE TABLE out.pathways AS SELECT * FROM memory.main.pathways")
    c.execute("CREATE TABLE out.pauses AS SELECT * FROM memory.main.pauses")
    snapshot_dates, limits = _snapshot_dates(APRIL, "se-national"), limits_table("se-national")
    c.register("vk_snapshot_dates", snapshot_dates)
    c.register("vk_limits", limits)
    c.execute(f"CREATE TABLE waiting_snapshots AS {OUTPUT_TABLES['waiting_snapshots']}")
    yield c
    c.close()


def _tables(c: duckdb.DuckDBPyConnection) -> IndicatorTables:
    backend = ibis.duckdb.from_connection(c)
    return IndicatorTables(pathways=backend.table("pathways"), pauses=backend.table("pauses"))


def _adjusted(frame: pd.DataFrame, on: dt.date) -> pd.Series:
    rows = frame[(frame.view == "pause_adjusted") & (pd.to_datetime(frame.on) == pd.Timestamp(on))]
    assert len(rows) == 1
    return rows.iloc[0]


def test_declined_offer_voids_the_guarantee_from_that_day_in_the_indicators(
    con: duckdb.DuckDBPyConnection,
) -> None:
    tables = _tables(con)
    for on, share, void in ((MARCH, 0.5, 0), (APRIL, 1.0, 1)):
        row = _adjusted(waiting_at(tables, on, CUT), on)
        assert (row.waiting_count, row.waiting_guarantee_void_count) == (2, void), on
        assert row.waiting_within_limit_share == pytest.approx(share), on
    for method in ("sweep", "portable"):
        series = series_for_cut(tables, APRIL, CUT, months=2, method=method)
        for on, share, void in ((MARCH, 0.5, 0), (APRIL, 1.0, 1)):
            row = _adjusted(series.waiting, on)
            assert row.waiting_guarantee_void_count == void, (method, on)
            assert row.waiting_within_limit_share == pytest.approx(share), (method, on)


@pytest.mark.parametrize("use_snapshots", [True, False])
def test_overview_reports_the_void_apart_only_after_the_refusal_and_equals_the_api(
    con: duckdb.DuckDBPyConnection, use_snapshots: bool
) -> None:
    tables = _tables(con)
    for on, within, beyond, void in ((MARCH, 1, 1, 0), (APRIL, 1, 0, 1)):
        page = overview(con, as_of=on, regions=["19"], months=2, use_snapshots=use_snapshots)
        (cell,) = page.cells
        assert (cell.waiting, cell.within_limit, cell.beyond_limit) == (2, within, beyond), on
        assert cell.guarantee_void == void, on
        api = _adjusted(waiting_at(tables, on, CUT), on)
        assert cell.share_within == pytest.approx(api.waiting_within_limit_share), on
        (point,) = [t for t in page.trend if t.month_end == on]
        assert point.share_within == pytest.approx(api.waiting_within_limit_share), on


def test_the_one_definition_of_still_waiting_and_of_void(con: duckdb.DuckDBPyConnection) -> None:
    p = _tables(con).pathways
    for on, waiting, void in (
        (dt.date(2024, 12, 19), set(), set()),
        (MARCH, {"V:X", "V:Y"}, set()),
        (DECLINED - dt.timedelta(days=1), {"V:X", "V:Y"}, set()),
        (DECLINED, {"V:X", "V:Y"}, {"V:X"}),
    ):
        picked = p.filter(still_waiting(p, on)).select("pathway_key", void=void_on(p, on))
        rows = picked.to_pyarrow().to_pylist()
        assert {r["pathway_key"] for r in rows} == waiting, on
        assert {r["pathway_key"] for r in rows if r["void"]} == void, on


@pytest.mark.parametrize("by", [["region_code", "specialty"], ["unit_id", "entry_type"]])
def test_sweep_kernel_equals_the_one_definition_at_every_month_end(
    backend: dict[str, IndicatorTables], by: list[str]
) -> None:
    """The vectorised sweep keeps its kernel, but its month ends are :func:`waiting_at`'s —
    the one definition of still waiting, voids dated — cell by cell (synthetic region, whose
    refusals fall between month ends)."""
    tables = backend["synthetic"]
    series = series_for_cut(tables, dt.date(2025, 6, 30), by, months=6, method="sweep")
    expected = pd.concat([waiting_at(tables, d, by) for d in series.month_ends], ignore_index=True)
    assert_same(series.waiting, expected, "waiting", by)
    assert series.waiting.waiting_guarantee_void_count.sum() > 0
