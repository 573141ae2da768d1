"""Swedish public holidays and the summer period, as known effects on weekly demand.

Referrals are written on working days, so a week with Easter or Christmas in it has fewer of
them; and in the summer weeks (ISO weeks 27–32) clinics run at half speed and general
practitioners refer less. A forecast that knows the calendar in advance does not have to learn
these dips from a few noisy years, which is why they enter the models as regressors.

*Allmänna helgdagar* follow lag (1989:253) om allmänna helgdagar; midsommardagen and alla
helgons dag are movable Saturdays since 1953, nationaldagen replaced annandag pingst in 2005.
Midsommarafton, julafton and nyårsafton are not holidays in law but are days off in practice
(*de facto* holidays) and count as non-working days here. Easter Sunday is found by the
Gregorian computus (the anonymous "Meeus/Jones/Butcher" algorithm).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FIRST_RULE_YEAR",
    "SUMMER_WEEKS",
    "Holiday",
    "HolidayKind",
    "calendar_regressors",
    "easter_sunday",
    "swedish_holidays",
    "week_calendar",
]

HolidayKind = Literal["public", "de_facto"]

SUMMER_WEEKS = (27, 32)
"""ISO weeks of the summer period (inclusive), when production and referrals dip."""

FIRST_RULE_YEAR = 1953
"""The first year of today's rules for midsommar and alla helgons dag (movable Saturdays)."""

_NATIONAL_DAY_FROM = 2005
"""Nationaldagen became a public holiday in 2005, replacing annandag pingst."""


@dataclass(frozen=True, order=True)
class Holiday:
    """One holiday: its date, Swedish name, and whether it is one in law or only in practice."""

    date: dt.date
    name: str
    kind: HolidayKind


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday (*påskdagen*) of ``year`` by the Gregorian computus.

    >>> easter_sunday(2025)
    datetime.date(2025, 4, 20)
    """
    if not isinstance(year, int) or isinstance(year, bool) or year < 1583:
        raise InputError(
            f"`year` must be an integer from 1583 (the first full Gregorian year); got {year!r}."
        )
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _weekday_between(year: int, month: int, first_day: int, weekday: int) -> dt.date:
    """The first date on or after ``year-month-first_day`` that falls on ``weekday`` (Mon = 0)."""
    start = dt.date(year, month, first_day)
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


@lru_cache(maxsize=512)
def swedish_holidays(year: int) -> tuple[Holiday, ...]:
    """Swedish public holidays of ``year``, with the de facto ones, in date order.

    Sundays are holidays in law too but are not listed. Years before 1953 had other rules
    and raise :class:`~vardkoll.domain.InputError`.

    >>> for h in swedish_holidays(2025)[7:11]:
    ...     print(h.date, h.name, h.kind)
    2025-06-06 nationaldagen public
    2025-06-08 pingstdagen public
    2025-06-20 midsommarafton de_facto
    2025-06-21 midsommardagen public
    """
    if not isinstance(year, int) or isinstance(year, bool) or year < FIRST_RULE_YEAR:
        raise InputError(
            f"`year` must be an integer from {FIRST_RULE_YEAR} (today's holiday rules); "
            f"got {year!r}."
        )
    easter = easter_sunday(year)

    def after_easter(days: int) -> dt.date:
        return easter + dt.timedelta(days=days)

    midsommarafton = _weekday_between(year, 6, 19, 4)  # the Friday 19–25 June
    days: list[Holiday] = [
        Holiday(dt.date(year, 1, 1), "nyårsdagen", "public"),
        Holiday(dt.date(year, 1, 6), "trettondedag jul", "public"),
        Holiday(after_easter(-2), "långfredagen", "public"),
        Holiday(easter, "påskdagen", "public"),
        Holiday(after_easter(1), "annandag påsk", "public"),
        Holiday(dt.date(year, 5, 1), "första maj", "public"),
        Holiday(after_easter(39), "Kristi himmelsfärdsdag", "public"),
        Holiday(after_easter(49), "pingstdagen", "public"),
        Holiday(midsommarafton, "midsommarafton", "de_facto"),
        Holiday(midsommarafton + dt.timedelta(days=1), "midsommardagen", "public"),
        Holiday(_weekday_between(year, 10, 31, 5), "alla helgons dag", "public"),
        Holiday(dt.date(year, 12, 24), "julafton", "de_facto"),
        Holiday(dt.date(year, 12, 25), "juldagen", "public"),
        Holiday(dt.date(year, 12, 26), "annandag jul", "public"),
        Holiday(dt.date(year, 12, 31), "nyårsafton", "de_facto"),
    ]
    if year >= _NATIONAL_DAY_FROM:
        days.append(Holiday(dt.date(year, 6, 6), "nationaldagen", "public"))
    else:
        days.append(Holiday(after_easter(50), "annandag pingst", "public"))
    return tuple(sorted(days))


def _as_monday(value: object) -> dt.date:
    """A week label as its Monday: a date, a datetime-like, or an ISO week ``'2025-W27'``."""
    if isinstance(value, str) and "-W" in value:
        try:
            year, week = value.split("-W")
            return dt.date.fromisocalendar(int(year), int(week[:2]), 1)
        except ValueError as exc:
            raise InputError(
                f"week label {value!r} is not an ISO week like '2025-W27' ({exc})."
            ) from exc
    day: dt.date
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, np.datetime64):
        day = dt.date.fromisoformat(str(value.astype("datetime64[D]")))
    else:
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError as exc:
            raise InputError(
                f"week label {value!r} is neither a date nor an ISO week like '2025-W27'."
            ) from exc
    if day.weekday() != 0:
        raise InputError(
            f"week label {day.isoformat()} is a {day.strftime('%A')}; label each week by its "
            "Monday (the ISO week start)."
        )
    return day


def as_mondays(weeks: Iterable[object]) -> list[dt.date]:
    """Week labels as Monday dates; raises :class:`InputError` for anything else."""
    return [_as_monday(w) for w in weeks]


def _holiday_days(years: Iterable[int]) -> dict[dt.date, str]:
    return {h.date: h.name for y in set(years) for h in swedish_holidays(y)}


def calendar_regressors(
    weeks: Sequence[dt.date],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(working days, summer indicator) of each ISO week given by its Monday.

    A working day is a Monday to Friday that is neither a public nor a de facto holiday.
    """
    mondays = as_mondays(weeks)
    holidays = _holiday_days(m.year + d for m in mondays for d in (0, 1))
    working = np.empty(len(mondays), dtype=np.float64)
    summer = np.empty(len(mondays), dtype=np.float64)
    for i, monday in enumerate(mondays):
        working[i] = sum((monday + dt.timedelta(days=d)) not in holidays for d in range(5))
        week = monday.isocalendar().week
        summer[i] = float(SUMMER_WEEKS[0] <= week <= SUMMER_WEEKS[1])
    return working, summer


def week_calendar(weeks: Iterable[object]) -> pd.DataFrame:
    """The known calendar effects per ISO week: working days, summer period and holidays.

    ``weeks`` are Monday dates or ISO week labels (``'2025-W27'``). This is the table the
    forecasts use as regressors, and the one a planner reads to see why a week is low.

    >>> week_calendar(["2025-W16", "2025-W27"])[["iso_week", "working_days", "summer"]]
       iso_week  working_days  summer
    0  2025-W16             4   False
    1  2025-W27             5    True
    """
    import pandas as pd

    mondays = as_mondays(weeks)
    working, summer = calendar_regressors(mondays)
    holidays = _holiday_days(m.year + d for m in mondays for d in (0, 1))
    names = [
        ", ".join(
            holidays[day] for day in (m + dt.timedelta(days=d) for d in range(7)) if day in holidays
        )
        for m in mondays
    ]
    return pd.DataFrame(
        {
            "week_start": mondays,
            "iso_week": [f"{m.isocalendar().year}-W{m.isocalendar().week:02d}" for m in mondays],
            "working_days": working.astype(np.int64),
            "summer": summer.astype(bool),
            "holidays": names,
        }
    )
