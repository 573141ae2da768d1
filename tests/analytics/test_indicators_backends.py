"""Every indicator, on every backend, against the independent reference implementation.

Runs on the synthetic region (20,000 pathways with pauses, NULL dimensions, removals for
other reasons) and on the six hand-made pathways. DuckDB always; PostgreSQL and Spark under
the skip policy of tests/conftest.py (they fail, not skip, under CI=true).
"""

from __future__ import annotations

import datetime as dt

import pytest
from tests.analytics.compare import assert_same
from tests.analytics.reference import Reference

from vardkoll.analytics import (
    CUTS,
    IndicatorTables,
    capacity_at,
    completed_in,
    flows_between,
    primary_care_in,
    series_for_cut,
    waiting_at,
)

pytestmark = pytest.mark.xdist_group("analytics-backends")

DATES = {"synthetic": dt.date(2024, 11, 30), "handmade": dt.date(2025, 4, 10)}
PERIODS = {
    "synthetic": (dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
    "handmade": (dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
}
WAITING_CUTS = [CUTS["unit"], CUTS["region_age_band"], CUTS["region_priority"], ("sex",), ()]


@pytest.mark.parametrize("dataset", ["synthetic", "handmade"])
def test_every_indicator_matches_the_reference(
    backend: dict[str, IndicatorTables], references: dict[str, Reference], dataset: str
) -> None:
    tables, ref = backend[dataset], references[dataset]
    on = DATES[dataset]
    start, end = PERIODS[dataset]
    for by in WAITING_CUTS:
        assert_same(waiting_at(tables, on, by), ref.waiting(on, by), "waiting", by)
    for by in (CUTS["unit"], ("region_code", "sex")):
        assert_same(
            completed_in(tables, start, end, by), ref.completed(start, end, by), "completed", by
        )
        assert_same(flows_between(tables, start, end, by), ref.flows(start, end, by), "flows", by)
    by = ("region_code", "unit_id")
    assert_same(
        primary_care_in(tables, start, end, by),
        ref.primary_care(start, end, by),
        "primary_care",
        by,
    )
    by = ("unit_id", "entry_type")
    assert_same(capacity_at(tables, end, by), ref.capacity(end, by), "capacity", by)


@pytest.mark.parametrize("method", ["sweep", "portable"])
def test_monthly_series_matches_the_reference(
    backend: dict[str, IndicatorTables], references: dict[str, Reference], method: str
) -> None:
    tables, ref = backend["synthetic"], references["synthetic"]
    by = CUTS["region_priority"]
    series = series_for_cut(tables, dt.date(2025, 7, 15), by, months=6, method=method)
    ends = series.month_ends
    assert [d.isoformat() for d in ends][-1] == "2025-06-30"
    import pandas as pd

    expected_waiting = pd.concat([ref.waiting(d, by) for d in ends], ignore_index=True)
    assert_same(series.waiting, expected_waiting, "waiting", by)
    months = [(d.replace(day=1), d) for d in ends]
    assert_same(
        series.completed,
        pd.concat([ref.completed(a, b, by) for a, b in months], ignore_index=True),
        "completed",
        by,
    )
    assert_same(
        series.flows,
        pd.concat([ref.flows(a, b, by) for a, b in months], ignore_index=True),
        "flows",
        by,
    )


@pytest.mark.parametrize("method", ["sweep", "portable"])
def test_transfers_and_void_guarantees_on_every_backend(
    backend: dict[str, IndicatorTables], references: dict[str, Reference], method: str
) -> None:
    """The hand-made set: H:5 moves from U1 to U2 on 15 March, H:6 has a segment of no
    length, H:7 and H:8 have a void guarantee. Each month end counts a pathway on the unit
    responsible that day; the series of both methods agrees with the reference."""
    import pandas as pd

    tables, ref = backend["handmade"], references["handmade"]
    by = CUTS["unit"]
    for on in (dt.date(2025, 2, 28), dt.date(2025, 3, 14), dt.date(2025, 3, 15)):
        assert_same(waiting_at(tables, on, by), ref.waiting(on, by), "waiting", by)
    series = series_for_cut(tables, dt.date(2025, 4, 30), by, months=4, method=method)
    expected = pd.concat([ref.waiting(d, by) for d in series.month_ends], ignore_index=True)
    assert_same(series.waiting, expected, "waiting", by)
    february = series.waiting[series.waiting.on == dt.date(2025, 2, 28)]
    examination = february[february.entry_type == "examination"]
    assert set(examination.unit_id.astype(str)) == {"U1"}  # H:5 before its transfer
