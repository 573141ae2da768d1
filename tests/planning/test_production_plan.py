"""The production plan: the capacity plan laid out over the calendar, and followed up."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from vardkoll.domain import InputError
from vardkoll.planning import (
    DEVIATION_CODES,
    PlanUnit,
    PlanWeek,
    plan_to_frame,
    plan_vs_actual,
    production_plan,
)

MIDSUMMER_2026 = dt.date(2026, 6, 15)  # ISO week 25: Midsummer Eve is Friday 19 June


def totals(rows: list[PlanWeek]) -> np.ndarray:
    by_week: dict[dt.date, float] = {}
    for row in rows:
        by_week[row.week_start] = by_week.get(row.week_start, 0.0) + row.planned
    return np.array([by_week[k] for k in sorted(by_week)])


def test_the_plan_keeps_the_capacity_plans_total_over_working_days() -> None:
    capacity = np.r_[np.full(8, 46.6), np.full(30, 30.2)]  # relief, then sustainable
    rows = production_plan(start=dt.date(2026, 5, 4), weeks=38, base_per_week=capacity)
    week = totals(rows)
    assert week.sum() == pytest.approx(capacity.sum(), rel=1e-12)
    days = np.array([r.working_days for r in rows], dtype=float)
    # Per working day the plan is the capacity plan's shape, times one constant.
    per_day = week / days / capacity
    np.testing.assert_allclose(per_day, per_day[0])
    # Hand-checked calendar: Ascension Day (Thu 14 May 2026, W20) and Midsummer (W25).
    by_iso = {r.iso_week: r for r in rows}
    assert by_iso["2026-W20"].working_days == 4
    assert by_iso["2026-W25"].working_days == 4
    assert by_iso["2026-W25"].note == "holiday"
    assert "midsommarafton" in by_iso["2026-W25"].holidays
    assert by_iso["2026-W26"].working_days == 5
    assert by_iso["2026-W26"].note == ""


def test_without_keeping_the_total_short_weeks_simply_produce_less() -> None:
    rows = production_plan(
        start=MIDSUMMER_2026,
        weeks=5,
        base_per_week=40.0,
        keep_total=False,
        summer_factor=0.5,
    )
    got = {r.iso_week: (r.planned, r.note, r.summer) for r in rows}
    assert got["2026-W25"] == (32.0, "holiday", False)  # 4 of 5 days
    assert got["2026-W26"] == (40.0, "", False)
    assert got["2026-W27"] == (20.0, "summer", True)  # the summer period at half staffing
    assert got["2026-W29"] == (20.0, "summer", True)


def test_the_summer_period_is_configurable() -> None:
    rows = production_plan(
        start=dt.date(2026, 7, 20),
        weeks=3,
        base_per_week=10.0,
        keep_total=False,
        summer_factor=0.0,
        summer_weeks=(31, 31),
    )
    assert [r.planned for r in rows] == [10.0, 0.0, 10.0]


def test_units_share_every_week_and_extra_sessions_come_on_top() -> None:
    units = [
        PlanUnit("Mottagning A", "visit", 3.0),
        PlanUnit("Mottagning B", "visit", 1.0),
        PlanUnit("Op", "operation", 1.0),
    ]
    rows = production_plan(
        start=dt.date(2026, 9, 9),  # a Wednesday: the plan starts on that week's Monday
        weeks=4,
        base_per_week=100.0,
        units=units,
        extra_sessions={2: 20.0},
    )
    assert rows[0].week_start == dt.date(2026, 9, 7)
    assert len(rows) == 12
    assert [r.unit for r in rows[:3]] == ["Mottagning A", "Mottagning B", "Op"]
    assert [r.entry_type for r in rows[:3]] == ["visit", "visit", "operation"]
    week = totals(rows)
    np.testing.assert_allclose(week, [100.0, 100.0, 120.0, 100.0])  # no holidays these weeks
    third = [r for r in rows if r.week_start == dt.date(2026, 9, 21)]
    np.testing.assert_allclose([r.planned for r in third], [72.0, 24.0, 24.0])
    assert {r.note for r in third} == {"extra"}


def test_the_table_has_one_row_per_week_unit_and_entry_type() -> None:
    rows = production_plan(
        start=dt.date(2026, 12, 21),
        weeks=2,
        base_per_week=[30.0, 30.0],
        units=[PlanUnit("A"), PlanUnit("A", "operation")],
    )
    frame = plan_to_frame(rows)
    assert list(frame.columns[:5]) == ["week_start", "iso_week", "planned", "working_days", "note"]
    assert frame.shape[0] == 4
    assert frame["planned"].sum() == pytest.approx(60.0)
    assert set(frame["working_days"]) == {3}  # Christmas and New Year weeks
    assert plan_to_frame([]).shape[0] == 0


def test_bad_plans_are_refused() -> None:
    start = dt.date(2026, 1, 5)
    with pytest.raises(InputError, match="base_per_week"):
        production_plan(start=start, weeks=3, base_per_week=[1.0, 2.0])
    with pytest.raises(InputError, match="base_per_week"):
        production_plan(start=start, weeks=2, base_per_week=[1.0, -2.0])
    with pytest.raises(InputError, match="entry_type"):
        production_plan(start=start, weeks=2, base_per_week=1.0, units=[PlanUnit("A", "x")])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="share"):
        production_plan(start=start, weeks=2, base_per_week=1.0, units=[PlanUnit("A", share=0)])
    with pytest.raises(InputError, match="extra_sessions"):
        production_plan(start=start, weeks=2, base_per_week=1.0, extra_sessions={5: 1.0})
    with pytest.raises(InputError, match="effective working days"):
        production_plan(start=dt.date(2026, 7, 6), weeks=2, base_per_week=1.0, summer_factor=0)


def week(monday: dt.date, planned: float, days: int = 5, *, summer: bool = False) -> PlanWeek:
    iso = monday.isocalendar()
    return PlanWeek(
        week_start=monday,
        iso_week=f"{iso.year}-W{iso.week:02d}",
        planned=planned,
        working_days=days,
        note="",
        unit="A",
        entry_type="visit",
        summer=summer,
    )


def test_plan_vs_actual_explains_every_week() -> None:
    mondays = [dt.date(2026, 9, 7) + dt.timedelta(weeks=k) for k in range(7)]
    plan = [
        week(mondays[0], 100.0),  # on plan (within 5 %)
        week(mondays[1], 100.0),  # below plan, a normal week
        week(mondays[2], 100.0),  # above plan
        week(mondays[3], 100.0, days=4),  # below plan in a holiday week
        week(mondays[4], 100.0, summer=True),  # below plan in the summer
        week(mondays[5], 100.0, days=4),  # above plan even with a holiday: above_plan
        week(mondays[6], 100.0),  # nothing reported yet
    ]
    actual = {
        ("A", "visit", mondays[0]): 95.0,
        ("A", "visit", mondays[1]): 80.0,
        ("A", "visit", mondays[2]): 120.0,
        ("A", "visit", mondays[3]): 70.0,
        ("A", "visit", mondays[4]): 50.0,
        ("A", "visit", mondays[5]): 130.0,
    }
    got = plan_vs_actual(plan, actual)
    assert [d.code for d in got] == [
        "on_plan",
        "below_plan",
        "above_plan",
        "holiday",
        "summer",
        "above_plan",
        "no_actual_yet",
    ]
    assert {d.code for d in got} <= set(DEVIATION_CODES)
    assert got[1].deviation == -20.0
    assert got[1].deviation_share == pytest.approx(-0.2)
    assert got[0].deviation_share == pytest.approx(-0.05)
    assert (got[6].actual, got[6].deviation, got[6].deviation_share) == (None, None, None)


def test_plan_vs_actual_edges() -> None:
    monday = dt.date(2026, 10, 5)
    plan = [week(monday, 0.0), week(monday + dt.timedelta(weeks=1), 0.0)]
    got = plan_vs_actual(plan, {monday: 0.0, monday + dt.timedelta(weeks=1): 4.0})
    assert [d.code for d in got] == ["on_plan", "above_plan"]
    assert got[1].deviation_share is None
    # A week that has not ended by `as_of` has no actual yet, whatever was reported so far.
    partial = plan_vs_actual([week(monday, 50.0)], {monday: 20.0}, as_of=monday)
    assert partial[0].code == "no_actual_yet"
    ended = plan_vs_actual([week(monday, 50.0)], {monday: 20.0}, as_of=monday + dt.timedelta(6))
    assert ended[0].code == "below_plan"
    # A week in the summer period is recognised from its date even when not flagged.
    july = plan_vs_actual([week(dt.date(2026, 7, 13), 50.0)], {dt.date(2026, 7, 13): 10.0})
    assert july[0].code == "summer"
    with pytest.raises(InputError, match="non-negative"):
        plan_vs_actual([week(monday, 50.0)], {monday: -1.0})
    with pytest.raises(InputError, match="tolerance"):
        plan_vs_actual([week(monday, 50.0)], {}, tolerance=-0.1)


def test_a_generated_plan_is_followed_up_end_to_end() -> None:
    rows = production_plan(start=MIDSUMMER_2026, weeks=2, base_per_week=50.0)
    actual = {r.week_start: r.planned * 0.7 for r in rows}
    got = plan_vs_actual(rows, actual)
    assert [d.code for d in got] == ["holiday", "below_plan"]
    frame = plan_to_frame(got)
    assert list(frame["code"]) == ["holiday", "below_plan"]


def test_a_week_is_unfinished_only_until_its_sunday_is_over() -> None:
    """Issue 07: weeks long over were labelled "the week is not over" when the data lagged."""
    plan = production_plan(start=dt.date(2026, 3, 30), weeks=3, base_per_week=50.0)
    actual = {dt.date(2026, 3, 30): 50.0}
    # The store is complete to 2026-04-05; today is Sunday 2026-04-12, so week 15 is still on.
    rows = plan_vs_actual(plan, actual, as_of=dt.date(2026, 4, 5), today=dt.date(2026, 4, 12))
    assert [r.code for r in rows][1:] == ["no_actual_yet", "no_actual_yet"]
    # A day later week 15 is over; its data are simply not in yet. Week 16 is still running.
    rows = plan_vs_actual(plan, actual, as_of=dt.date(2026, 4, 5), today=dt.date(2026, 4, 13))
    assert [r.code for r in rows][1:] == ["not_in_data", "no_actual_yet"]
    # Months later every week is over: a lagging store is "not in yet", never "not over".
    rows = plan_vs_actual(plan, actual, as_of=dt.date(2026, 4, 5), today=dt.date(2026, 12, 7))
    assert [r.code for r in rows][1:] == ["not_in_data", "not_in_data"]
