"""Eight pathways whose answers are worked out by hand (tests/analytics/synthetic.py).

Counting per DOMAIN.md §1.2: calendar days, the clock-start day is day 0. From 2025-01-01,
2025-04-10 is day 99 (31 + 28 + 31 = 90 days to 1 April, plus 9). Pathway H:2 paused
2025-02-01 … 2025-02-10 (end 2025-02-11 exclusive): 10 days, so 89 on the adjusted clock.
H:7 (from 2024-11-01: 30 + 31 + 31 + 28 + 31 + 9 = day 160 on 10 April) and H:8 (2024-10-01
→ 2025-03-25: day 175) declined the redress offer after a breach, so their guarantee is void
(DOMAIN.md §1.4): counted, but neither within nor beyond the limit.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from vardkoll.analytics import (
    IndicatorTables,
    capacity_at,
    completed_in,
    flows_between,
    primary_care_in,
    waiting_at,
)


@pytest.fixture
def tables(duckdb_sets: dict[str, IndicatorTables]) -> IndicatorTables:
    return duckdb_sets["handmade"]


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple[object, ...]]:
    def clean(v: object) -> object:
        if v is pd.NA or v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        return v

    return [tuple(clean(v) for v in row) for row in frame[columns].itertuples(index=False)]


def test_waiting_on_10_april(tables: IndicatorTables) -> None:
    frame = waiting_at(tables, dt.date(2025, 4, 10), ["entry_type"])
    columns = [
        "entry_type",
        "view",
        "wait_group",
        "waiting_count",
        "waiting_within_limit_share",
        "waiting_beyond_limit_count",
        "waiting_guarantee_void_count",
        "waiting_median_days",
    ]
    assert _rows(frame, columns) == [
        ("examination", "national", "standard", 1, None, None, 0, 68.0),
        ("examination", "pause_adjusted", "all", 1, None, None, 0, 68.0),
        ("first_visit", "national", "standard", 1, 0.0, 1, 0, 99.0),
        ("first_visit", "pause_adjusted", "all", 1, 0.0, 1, 0, 99.0),
        # The paused treatment is reported apart nationally and is within on the adjusted clock.
        ("treatment", "national", "pvv_mov", 1, 0.0, 1, 0, 99.0),
        # H:7 waited 160 days, far beyond 90, but its guarantee is void: counted apart.
        ("treatment", "national", "standard", 1, None, None, 1, 160.0),
        ("treatment", "pause_adjusted", "all", 2, 1.0, 0, 1, 124.5),
    ]


def test_completed_in_march_keeps_treated_and_removed_apart(tables: IndicatorTables) -> None:
    frame = completed_in(tables, dt.date(2025, 3, 1), dt.date(2025, 3, 31), ["entry_type"])
    frame = frame[frame.view == "national"]
    columns = [
        "entry_type",
        "outcome",
        "completed_count",
        "completed_within_limit_share",
        "completed_guarantee_void_count",
        "completed_median_days",
    ]
    assert _rows(frame, columns) == [
        ("first_visit", "removed_other", 1, 0.0, 0, 109.0),  # 2024-12-01 → 2025-03-20
        ("first_visit", "treated", 1, 1.0, 0, 28.0),  # 2025-02-10 → 2025-03-10
        ("primary_assessment", "treated", 1, 1.0, 0, 3.0),  # 5 → 8 March: day 3, within
        ("treatment", "treated", 1, None, 1, 175.0),  # H:8, void: no share to judge
    ]


def test_flows_in_march_balance(tables: IndicatorTables) -> None:
    frame = flows_between(tables, dt.date(2025, 3, 1), dt.date(2025, 3, 31), ["region_code"])
    assert _rows(
        frame,
        [
            "queue_start",
            "inflow",
            "outflow_treated",
            "outflow_removed_other",
            "outflow",
            "net_change",
            "queue_end",
        ],
    ) == [(7, 1, 3, 1, 4, -3, 4)]  # H:7 waits throughout, H:8 treated on 25 March


def test_primary_care_in_march(tables: IndicatorTables) -> None:
    frame = primary_care_in(tables, dt.date(2025, 3, 1), dt.date(2025, 3, 31), ["region_code"])
    assert _rows(
        frame,
        [
            "primary_assessment_count",
            "primary_assessment_within_limit_share",
            "primary_contact_count",
            "primary_contact_same_day_share",
        ],
    ) == [(1, 1.0, 0, None)]


def test_capacity_of_the_first_visit_queue(tables: IndicatorTables) -> None:
    frame = capacity_at(tables, dt.date(2025, 3, 31), ["unit_id", "entry_type"])
    row = frame[(frame.unit_id == "U1") & (frame.entry_type == "first_visit")].iloc[0]
    assert row.queue_count == 1
    assert row.demand_per_week == pytest.approx(1 / 8)  # H:6 started 10 Feb, inside 8 weeks
    assert row.capacity_per_week == pytest.approx(1 / 8)  # H:6 treated 10 March
    assert row.load == pytest.approx(1.0)
    assert row.mean_wait_days == pytest.approx(89.0)  # H:1, 1 January → 31 March
    assert row.pressure == pytest.approx(2 * 89 / 90)
    assert row.estimated_wait_days == pytest.approx(56.0)  # 7 × 1 / (1/8)
    assert not row.spare_capacity  # 56 > 0.5 × 90
    assert "queue ahead" in row.method


def test_load_and_pressure_agree_with_the_planning_calculators(
    duckdb_sets: dict[str, IndicatorTables],
) -> None:
    """A second method: vardkoll.planning's calculators (DOMAIN.md §6) on the same inputs."""
    from vardkoll.planning import queue_load, waiting_list_pressure

    frame = capacity_at(duckdb_sets["synthetic"], dt.date(2024, 11, 30), ["unit_id", "entry_type"])
    judged = frame[frame.capacity_per_week.notna() & (frame.capacity_per_week > 0)]
    assert len(judged) > 20
    expected_load = [
        queue_load(d, c)
        for d, c in zip(judged.demand_per_week, judged.capacity_per_week, strict=True)
    ]
    assert list(judged.load) == pytest.approx(expected_load)
    limited = frame[(frame.limit_days.fillna(0).astype(int) > 0) & (frame.queue_count > 0)]
    # Pressure is a ratio of days to days; the calculator takes weeks, so convert both.
    expected_pressure = [
        waiting_list_pressure(w / 7, lim / 7)
        for w, lim in zip(limited.mean_wait_days, limited.limit_days.astype(int), strict=True)
    ]
    assert list(limited.pressure) == pytest.approx(expected_pressure)


def test_a_transferred_pathway_waits_on_the_unit_of_the_day(tables: IndicatorTables) -> None:
    """H:5 (examination) was at U1 until 14 March and at U2 from 15 March; pathways.unit_id
    says U2. H:6's same-day visit to U2 on 10 February never held it."""
    by = ["unit_id", "entry_type"]
    columns = ["unit_id", "entry_type", "waiting_count"]

    def national(on: dt.date) -> list[tuple[object, ...]]:
        frame = waiting_at(tables, on, by)
        frame = frame[frame.view == "pause_adjusted"]
        return _rows(frame, columns)

    assert national(dt.date(2025, 2, 20)) == [
        ("U1", "examination", 1),  # H:5
        ("U1", "first_visit", 3),  # H:1, H:4, H:6 (not at U2)
        ("U1", "treatment", 1),  # H:2
        ("U2", "treatment", 2),  # H:7, H:8
    ]
    assert national(dt.date(2025, 3, 14)) == [
        ("U1", "examination", 1),
        ("U1", "first_visit", 2),  # H:1, H:4
        ("U1", "treatment", 1),
        ("U2", "treatment", 2),
    ]
    assert national(dt.date(2025, 3, 15)) == [
        ("U1", "first_visit", 2),
        ("U1", "treatment", 1),
        ("U2", "examination", 1),  # H:5 from the day of its transfer
        ("U2", "treatment", 2),
    ]
