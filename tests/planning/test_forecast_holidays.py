"""Swedish holidays, working days per ISO week and the summer period, against known dates."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.easter import EASTER_WESTERN, easter  # type: ignore[import-untyped]

from vardkoll.domain import InputError
from vardkoll.planning import easter_sunday, swedish_holidays, week_calendar

D = dt.date


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2026, D(2026, 4, 5)),
        (2019, D(2019, 4, 21)),
        (2011, D(2011, 4, 24)),  # the late extreme region
        (2008, D(2008, 3, 23)),
        (2038, D(2038, 4, 25)),  # the latest possible date
        (2285, D(2285, 3, 22)),  # the earliest possible date
    ],
)
def test_easter_sunday_known_dates(year: int, expected: dt.date) -> None:
    assert easter_sunday(year) == expected


def test_easter_agrees_with_dateutil_for_five_centuries() -> None:
    """An independent implementation of the Gregorian computus (dateutil's)."""
    for year in range(1583, 2100):
        assert easter_sunday(year) == easter(year, EASTER_WESTERN), year


def _named(year: int) -> dict[str, dt.date]:
    return {h.name: h.date for h in swedish_holidays(year)}


@pytest.mark.parametrize(
    ("year", "name", "expected"),
    [
        (2025, "långfredagen", D(2025, 4, 18)),
        (2025, "annandag påsk", D(2025, 4, 21)),
        (2025, "Kristi himmelsfärdsdag", D(2025, 5, 29)),
        (2025, "pingstdagen", D(2025, 6, 8)),
        (2025, "midsommarafton", D(2025, 6, 20)),
        (2025, "midsommardagen", D(2025, 6, 21)),
        (2025, "alla helgons dag", D(2025, 11, 1)),
        (2024, "Kristi himmelsfärdsdag", D(2024, 5, 9)),
        (2024, "midsommarafton", D(2024, 6, 21)),
        (2024, "alla helgons dag", D(2024, 11, 2)),
        (2026, "långfredagen", D(2026, 4, 3)),
        (2026, "midsommarafton", D(2026, 6, 19)),
        (2026, "alla helgons dag", D(2026, 10, 31)),
        (2027, "midsommarafton", D(2027, 6, 25)),
        (2027, "alla helgons dag", D(2027, 11, 6)),
    ],
)
def test_movable_holidays(year: int, name: str, expected: dt.date) -> None:
    assert _named(year)[name] == expected


def test_every_listed_holiday_of_2025_and_its_kind() -> None:
    got = {(h.date, h.name, h.kind) for h in swedish_holidays(2025)}
    assert got == {
        (D(2025, 1, 1), "nyårsdagen", "public"),
        (D(2025, 1, 6), "trettondedag jul", "public"),
        (D(2025, 4, 18), "långfredagen", "public"),
        (D(2025, 4, 20), "påskdagen", "public"),
        (D(2025, 4, 21), "annandag påsk", "public"),
        (D(2025, 5, 1), "första maj", "public"),
        (D(2025, 5, 29), "Kristi himmelsfärdsdag", "public"),
        (D(2025, 6, 6), "nationaldagen", "public"),
        (D(2025, 6, 8), "pingstdagen", "public"),
        (D(2025, 6, 20), "midsommarafton", "de_facto"),
        (D(2025, 6, 21), "midsommardagen", "public"),
        (D(2025, 11, 1), "alla helgons dag", "public"),
        (D(2025, 12, 24), "julafton", "de_facto"),
        (D(2025, 12, 25), "juldagen", "public"),
        (D(2025, 12, 26), "annandag jul", "public"),
        (D(2025, 12, 31), "nyårsafton", "de_facto"),
    }


def test_midsommar_and_alla_helgon_rules_hold_every_year() -> None:
    for year in range(1953, 2200):
        named = _named(year)
        assert named["midsommarafton"].weekday() == 4
        assert D(year, 6, 19) <= named["midsommarafton"] <= D(year, 6, 25)
        assert named["midsommardagen"] - named["midsommarafton"] == dt.timedelta(days=1)
        assert named["alla helgons dag"].weekday() == 5
        assert D(year, 10, 31) <= named["alla helgons dag"] <= D(year, 11, 6)
        assert named["Kristi himmelsfärdsdag"].weekday() == 3


def test_nationaldagen_replaced_annandag_pingst_in_2005() -> None:
    assert "annandag pingst" in _named(2004)
    assert _named(2004)["annandag pingst"] == D(2004, 5, 31)
    assert "nationaldagen" not in _named(2004)
    assert "nationaldagen" in _named(2005)
    assert "annandag pingst" not in _named(2005)


@pytest.mark.parametrize("year", [1952, 1600, "2025", 2025.0, True])
def test_years_outside_the_rules_are_refused(year: object) -> None:
    with pytest.raises(InputError, match="year"):
        swedish_holidays(year)


def test_working_days_match_a_hand_count_of_2025() -> None:
    """2025 starts on a Wednesday: 261 weekdays; 12 holidays fall on them, leaving 249."""
    weekday_holidays = {h.date for h in swedish_holidays(2025) if h.date.weekday() < 5}
    assert weekday_holidays == {
        D(2025, 1, 1), D(2025, 1, 6), D(2025, 4, 18), D(2025, 4, 21), D(2025, 5, 1),
        D(2025, 5, 29), D(2025, 6, 6), D(2025, 6, 20), D(2025, 12, 24), D(2025, 12, 25),
        D(2025, 12, 26), D(2025, 12, 31),
    }  # fmt: skip
    # ISO weeks 2025-W02 … 2025-W52 lie inside 2025; add the 2025 days of the edge weeks.
    mondays = [D(2025, 1, 6) + dt.timedelta(weeks=k) for k in range(51)]
    inside = int(week_calendar(mondays)["working_days"].sum())
    # W01 (Mon 30 Dec 2024): 2025 days Wed 1 (nyårsdagen), Thu 2, Fri 3 -> 2 working days;
    # W01 of 2026 (Mon 29 Dec 2025): Mon 29, Tue 30 working, Wed 31 nyårsafton -> 2.
    assert inside + 2 + 2 == 249


@pytest.mark.parametrize(
    ("week", "working_days", "summer", "holidays"),
    [
        ("2025-W16", 4, False, "långfredagen, påskdagen"),
        ("2025-W17", 4, False, "annandag påsk"),
        ("2025-W22", 4, False, "Kristi himmelsfärdsdag"),
        ("2025-W25", 4, False, "midsommarafton, midsommardagen"),
        ("2025-W26", 5, False, ""),
        ("2025-W27", 5, True, ""),
        ("2025-W32", 5, True, ""),
        ("2025-W33", 5, False, ""),
        ("2025-W52", 2, False, "julafton, juldagen, annandag jul"),
        ("2026-W01", 3, False, "nyårsafton, nyårsdagen"),
        ("2026-W02", 4, False, "trettondedag jul"),
        ("2026-W53", 3, False, "nyårsafton, nyårsdagen"),  # a 53-week year
    ],
)
def test_week_calendar(week: str, working_days: int, summer: bool, holidays: str) -> None:
    row = week_calendar([week]).iloc[0]
    assert row["iso_week"] == week
    assert row["working_days"] == working_days
    assert bool(row["summer"]) is summer
    assert row["holidays"] == holidays


def test_week_calendar_takes_mondays_and_names_anything_else() -> None:
    by_date = week_calendar([D(2025, 6, 30), "2025-07-07"])
    assert list(by_date["iso_week"]) == ["2025-W27", "2025-W28"]
    with pytest.raises(InputError, match="2025-07-02 is a Wednesday"):
        week_calendar([D(2025, 7, 2)])
    with pytest.raises(InputError, match="ISO week"):
        week_calendar(["2025-W60"])
    with pytest.raises(InputError, match="neither a date"):
        week_calendar(["next week"])
