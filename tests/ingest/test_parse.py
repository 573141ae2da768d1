"""Typed parsing of cells: each accepted spelling, each rejection, and the two paths agreeing.

Expected values come from Python's own ``datetime``/``zoneinfo`` and ``float``, not from the
parsers under test.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.ingest._parse import (
    _parse_date_slow,
    days_from_civil,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_integer,
    parse_week,
    real_date,
    weeks_in_year,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = dt.UTC


def _bad(parsed: object, code: str) -> list[bool]:
    problems = parsed.problems  # type: ignore[attr-defined]
    mask = problems.get(code)
    n = len(parsed.values)  # type: ignore[attr-defined]
    return [False] * n if mask is None else mask.tolist()


def test_integers() -> None:
    parsed = parse_integer(pa.array(["42", "+5", "1 234", "42,0", "3,5", "x", None, "-7"]))
    assert parsed.values.to_pylist() == [42, 5, 1234, 42, None, None, None, -7]
    assert _bad(parsed, "not_integer") == [False] * 4 + [True, True, False, False]


def test_clean_integers_take_the_fast_cast() -> None:
    parsed = parse_integer(pa.array(["1", "007", None]))
    assert parsed.values.to_pylist() == [1, 7, None]
    assert parsed.problems == {}


def test_decimals_with_comma_point_and_blanks() -> None:
    parsed = parse_decimal(pa.array(["59,6099", "16.5448", "1 000,5", ",5", "nan", "inf", "a"]))
    assert parsed.values.to_pylist() == [59.6099, 16.5448, 1000.5, 0.5, None, None, None]
    assert _bad(parsed, "not_decimal") == [False] * 4 + [True] * 3


def test_nan_is_not_a_number_even_on_the_fast_path() -> None:
    parsed = parse_decimal(pa.array(["1.5", "NaN"]))
    assert parsed.values.to_pylist() == [1.5, None]
    assert _bad(parsed, "not_decimal") == [False, True]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-05", dt.date(2025, 3, 5)),
        ("2025-3-5", dt.date(2025, 3, 5)),
        ("2025-03-05 00:00:00", dt.date(2025, 3, 5)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("45721", dt.date(2025, 3, 5)),  # Excel serial
        ("45721,0", dt.date(2025, 3, 5)),
        ("61", dt.date(1900, 3, 1)),  # after Excel's fictitious 1900-02-29
        ("59", dt.date(1900, 2, 28)),
        ("2023-02-29", None),
        ("2025-13-01", None),
        ("2025-04-31", None),
        ("60", None),  # the day Excel invented
        ("05/03/2025", None),
        ("2025-03-05 08:30", None),
    ],
)
def test_dates(text: str, expected: dt.date | None) -> None:
    parsed = parse_date(pa.array([text, "2025-01-01"]))
    assert parsed.values.to_pylist()[0] == expected
    assert _bad(parsed, "not_date")[0] is (expected is None)


def test_implausible_years_are_their_own_problem() -> None:
    parsed = parse_date(pa.array(["0225-03-05", "2025-03-05"]))
    assert parsed.values.to_pylist() == [None, dt.date(2025, 3, 5)]
    assert _bad(parsed, "implausible_date") == [True, False]
    assert _bad(parsed, "not_date") == [False, False]


_dates = st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2199, 12, 31))


@given(st.lists(_dates, min_size=1, max_size=20))
def test_fast_and_slow_date_paths_agree(days: list[dt.date]) -> None:
    arr = pa.array([d.isoformat() for d in days])
    assert parse_date(arr).values.to_pylist() == days
    assert _parse_date_slow(arr).values.to_pylist() == days


@given(st.integers(min_value=1, max_value=3000), st.integers(1, 12), st.integers(1, 31))
def test_calendar_arithmetic_matches_python(year: int, month: int, day: int) -> None:
    try:
        expected: dt.date | None = dt.date(year, month, day)
    except ValueError:
        expected = None
    y, m, d = np.array([year]), np.array([month]), np.array([day])
    assert bool(real_date(y, m, d)[0]) is (expected is not None)
    if expected is not None:
        assert int(days_from_civil(y, m, d)[0]) == (expected - dt.date(1970, 1, 1)).days


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-05T08:30", dt.datetime(2025, 3, 5, 8, 30, tzinfo=STOCKHOLM)),
        ("2025-03-05 08:30:15", dt.datetime(2025, 3, 5, 8, 30, 15, tzinfo=STOCKHOLM)),
        ("2025-07-05T08:30", dt.datetime(2025, 7, 5, 8, 30, tzinfo=STOCKHOLM)),
        ("2025-03-05T08:30:00.250", dt.datetime(2025, 3, 5, 8, 30, 0, 250000, tzinfo=STOCKHOLM)),
        ("2025-03-05T08:30Z", dt.datetime(2025, 3, 5, 8, 30, tzinfo=UTC)),
        ("2025-03-05T08:30+02:00", dt.datetime(2025, 3, 5, 6, 30, tzinfo=UTC)),
        ("2025-03-05T08:30-0130", dt.datetime(2025, 3, 5, 10, 0, tzinfo=UTC)),
        ("45721,354166667", dt.datetime(2025, 3, 5, 8, 30, tzinfo=STOCKHOLM)),  # Excel serial
        # Daylight-saving edges read as zoneinfo does with fold=0.
        ("2025-10-26T02:30", dt.datetime(2025, 10, 26, 2, 30, fold=0, tzinfo=STOCKHOLM)),
        ("2025-03-30T02:30", dt.datetime(2025, 3, 30, 2, 30, fold=0, tzinfo=STOCKHOLM)),
        ("2025-03-05", None),
        ("2025-02-30T10:00", None),
        ("2025-03-05T24:00", None),
        ("kl 8", None),
    ],
)
def test_datetimes(text: str, expected: dt.datetime | None) -> None:
    parsed = parse_datetime(pa.array([text]))
    value = parsed.values.to_pylist()[0]
    if expected is None:
        assert value is None
        assert _bad(parsed, "not_datetime") == [True]
    else:
        assert value == expected.astimezone(UTC)
        assert parsed.values.type == pa.timestamp("us", tz="UTC")


@given(
    st.datetimes(min_value=dt.datetime(1850, 1, 1), max_value=dt.datetime(2199, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    )
)
def test_local_times_convert_like_zoneinfo(local: dt.datetime) -> None:
    parsed = parse_datetime(pa.array([local.isoformat()]))
    expected = local.replace(tzinfo=STOCKHOLM).astimezone(UTC)
    assert parsed.values.to_pylist() == [expected]


def test_bools_in_swedish_and_english() -> None:
    parsed = parse_bool(pa.array(["1", "0", "SANT", "falskt", "Ja", "nej", "TRUE", "2", None]))
    assert parsed.values.to_pylist() == [True, False, True, False, True, False, True, None, None]
    assert _bad(parsed, "not_bool") == [False] * 7 + [True, False]


def test_iso_weeks_in_every_spelling() -> None:
    parsed = parse_week(
        pa.array(["2025-W14", "2025W3", "2025 v14", "2025-w01", "2020-W53", "2025-W53", "14"])
    )
    assert parsed.values.to_pylist() == [
        "2025-W14",
        "2025-W03",
        "2025-W14",
        "2025-W01",
        "2020-W53",
        None,
        None,
    ]
    assert _bad(parsed, "not_week") == [False] * 5 + [True, True]


@given(st.integers(min_value=1900, max_value=2199))
def test_weeks_in_year_matches_python(year: int) -> None:
    expected = dt.date(year, 12, 28).isocalendar()[1]  # 28 Dec always lies in the last week
    assert int(weeks_in_year(np.array([year]))[0]) == expected
