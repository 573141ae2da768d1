"""Days as integers, and the Swedish care calendar the generator follows.

Every date in the generator is an ``int`` day number (days since 1970-01-01, the same count
Arrow's ``date32`` uses), so whole columns of dates are plain NumPy arithmetic and turn into
ISO dates at the writer for free.

The calendar encodes what any Swedish planner knows: elective care happens on weekdays,
production drops in the summer weeks 27–32 when wards and theatres close for holidays, and
again from 23 December to 6 January (*jul och trettondagen*). Referral decisions follow the same
rhythm, a little softened.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

__all__ = [
    "CHRISTMAS_END_MONTH_DAY",
    "SUMMER_WEEKS",
    "IntArray",
    "civil_from_days",
    "day_number",
    "from_day_number",
    "inflow_shape",
    "is_christmas",
    "is_summer",
    "iso_week_labels",
    "iso_weeks",
    "month_of",
    "next_weekday",
    "weekday",
]

IntArray = npt.NDArray[np.int64]

SUMMER_WEEKS = (27, 32)
"""ISO weeks of the summer production dip (inclusive)."""
CHRISTMAS_END_MONTH_DAY = (1, 6)
"""The holiday dip runs from 23 December to this (month, day) inclusive."""

_EPOCH = dt.date(1970, 1, 1)

# Referral decisions by weekday (Mon … Sun): Mondays carry the weekend's letters.
_WEEKDAY_INFLOW = np.array([1.30, 1.15, 1.10, 1.05, 0.95, 0.06, 0.04])
# By calendar month: a summer low, an autumn high (the usual referral pattern).
_MONTH_INFLOW = np.array([1.05, 1.06, 1.08, 1.00, 1.02, 0.92, 0.62, 0.90, 1.10, 1.12, 1.08, 0.90])
_CHRISTMAS_INFLOW = 0.45


def day_number(day: dt.date) -> int:
    """The integer day of ``day``.

    >>> day_number(dt.date(1970, 1, 2))
    1
    """
    return (day - _EPOCH).days


def from_day_number(day: int) -> dt.date:
    """The date of integer day ``day``.

    >>> from_day_number(20393)
    datetime.date(2025, 11, 1)
    """
    return _EPOCH + dt.timedelta(days=int(day))


def civil_from_days(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """(year, month, day) of integer days, in pure integer arithmetic.

    Howard Hinnant's *days_from_civil* inverse (proleptic Gregorian); about twice as fast as
    going through ``datetime64`` casts, which matters for tens of millions of dates.

    >>> [int(x[0]) for x in civil_from_days(np.array([day_number(dt.date(2024, 2, 29))]))]
    [2024, 2, 29]
    """
    z = days + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, day


def weekday(days: IntArray) -> IntArray:
    """Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).

    >>> int(weekday(np.array([day_number(dt.date(2026, 10, 31))]))[0])  # a Saturday
    5
    """
    return (days + 3) % 7


def next_weekday(days: IntArray) -> IntArray:
    """Move Saturdays and Sundays to the following Monday; weekdays stay."""
    wd = weekday(days)
    return days + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))


def month_of(days: IntArray) -> IntArray:
    """Calendar month 1–12."""
    return civil_from_days(days)[1]


def iso_weeks(days: IntArray) -> tuple[IntArray, IntArray]:
    """ISO 8601 (year, week) of each day: the week belongs to the year of its Thursday.

    >>> y, w = iso_weeks(np.array([day_number(dt.date(2021, 1, 3)),
    ...                            day_number(dt.date(2026, 12, 31))]))
    >>> y.tolist(), w.tolist()
    ([2020, 2026], [53, 53])
    """
    thursday = days - weekday(days) + 3
    year = thursday.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    jan1 = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    return year, (thursday - jan1) // 7 + 1


def iso_week_labels(days: IntArray) -> list[str]:
    """``YYYY-Www`` labels for a (small) array of days, e.g. week starts."""
    year, week = iso_weeks(days)
    return [f"{y}-W{w:02d}" for y, w in zip(year.tolist(), week.tolist(), strict=True)]


def is_summer(days: IntArray) -> npt.NDArray[np.bool_]:
    """True in ISO weeks 27–32, the summer holiday dip."""
    _, week = iso_weeks(days)
    return (week >= SUMMER_WEEKS[0]) & (week <= SUMMER_WEEKS[1])


def is_christmas(days: IntArray) -> npt.NDArray[np.bool_]:
    """True from 23 December to 6 January."""
    _, month, dom = civil_from_days(days)
    end_month, end_day = CHRISTMAS_END_MONTH_DAY
    holiday = ((month == 12) & (dom >= 23)) | ((month == end_month) & (dom <= end_day))
    return np.asarray(holiday, dtype=np.bool_)


def inflow_shape(days: IntArray) -> npt.NDArray[np.float64]:
    """Relative referral intensity of each day (mean 1 over whole years).

    Weekday rhythm times the month profile, with a deeper holiday dip; normalised over the
    given days so that a rate per day times this shape keeps its yearly total.
    """
    shape = _WEEKDAY_INFLOW[weekday(days)] * _MONTH_INFLOW[month_of(days) - 1]
    shape = shape * np.where(is_christmas(days), _CHRISTMAS_INFLOW, 1.0)
    return np.asarray(shape / shape.mean(), dtype=np.float64)
