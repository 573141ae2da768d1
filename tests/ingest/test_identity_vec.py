"""The vectorised identity check agrees with ``parse_identity`` on every input, row by row.

``parse_identity`` (the domain's rule, itself tested against Skatteverket's worked examples)
is the oracle; Hypothesis feeds both every layout, valid and broken numbers, samordningsnummer,
national reserve identities, the 100-year ``+`` and plain junk.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from hypothesis import example, given
from hypothesis import strategies as st
from vk_ingest_testdata import luhn

from vardkoll.domain import InputError, nrid_check_digit, parse_identity
from vardkoll.ingest._identity_vec import REASONS, parse_identities

_birth_dates = st.dates(min_value=dt.date(1870, 1, 1), max_value=dt.date(2030, 12, 31))
_todays = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))


@st.composite
def personnummer(draw: st.DrawFn) -> str:
    """A number in any accepted layout; valid unless a perturbation is drawn."""
    born = draw(_birth_dates)
    coordination = draw(st.booleans())
    day = born.day + (60 if coordination else 0)
    birth = f"{draw(st.integers(0, 999)):03d}"
    short = f"{born:%y%m}{day:02d}{birth}"
    check = luhn(short)
    if draw(st.integers(0, 4)) == 0:
        check = (check + draw(st.integers(1, 9))) % 10  # a wrong check digit
    if draw(st.integers(0, 9)) == 0:  # impossible months and days, day 00 and 60
        short = (
            short[:2]
            + draw(st.sampled_from(["00", "13", "02", "04"]))
            + draw(st.sampled_from(["00", "30", "31", "60", "92"]))
            + short[6:]
        )
    century = f"{born.year // 100:02d}"
    layout = draw(st.integers(0, 5))
    return (
        f"{century}{short[:6]}-{short[6:]}{check}",
        f"{century}{short}{check}",
        f"{short[:6]}-{short[6:]}{check}",
        f"{short[:6]}+{short[6:]}{check}",
        f"{short}{check}",
        f"{century}{short[:6]}+{short[6:]}{check}",  # '+' with a century: always refused
    )[layout]


@st.composite
def reserve(draw: st.DrawFn) -> str:
    born = draw(_birth_dates)
    xx = {19: 22, 20: 23}.get(born.year // 100, 22)
    letters = draw(st.text(alphabet="ABCDEFGHJKLMNPRSTUXYZIOQ", min_size=2, max_size=2))
    body = f"{xx:02d}{born:%y%m%d}{letters}{draw(st.integers(0, 9))}"
    check = nrid_check_digit(body) if draw(st.booleans()) else draw(st.integers(0, 9))
    text = f"{body}{check}"
    return text.lower() if draw(st.booleans()) else text


_junk = st.text(alphabet="0123456789-+ \tAbx", max_size=14)
_any_identity = st.one_of(personnummer(), reserve(), _junk)


def _expected(text: str, today: dt.date) -> tuple[object, ...] | None:
    try:
        found = parse_identity(text, today=today)
    except InputError:
        return None
    return (found.canonical, found.type, found.birth_date, found.sex)


@given(st.lists(st.one_of(_any_identity, st.none()), max_size=30), _todays)
@example(
    ["640823-3234", "19640823-3234", "701063-2391", "201015+1237", "  6408233234\t"],
    dt.date(2025, 6, 1),
)
@example(["250229-1234", "000229-0000", "19000229-0004", "20000229+0000"], dt.date(2025, 6, 1))
def test_vectorised_identities_agree_with_parse_identity(
    values: list[str | None], today: dt.date
) -> None:
    result = parse_identities(pa.array(values, pa.string()), today=today)
    canonical = result.canonical.to_pylist()
    types = result.type.to_pylist()
    births = result.birth_date.to_pylist()
    sexes = result.sex.to_pylist()
    for i, value in enumerate(values):
        if value is None:
            assert (canonical[i], result.reason[i]) == (None, 0)
            continue
        expected = _expected(value, today)
        got = (canonical[i], types[i], births[i], sexes[i])
        if expected is None:
            assert canonical[i] is None, value
            assert REASONS[result.reason[i]] != "", value
        else:
            assert got == expected, value
            assert result.reason[i] == 0


def test_reasons_name_the_first_broken_rule() -> None:
    today = dt.date(2025, 6, 1)
    values = [
        "640823-3235",  # check digit
        "19640230-1234",  # no 30 February
        "20300101-1234",  # born after today
        "640800-1234",  # day 00
        "19640823+3234",  # '+' with a century
        "hello",
        "22640823IO31",  # reserve identity with letters I and O
    ]
    reasons = [REASONS[r] for r in parse_identities(pa.array(values), today=today).reason]
    assert reasons == ["check_digit", "date", "future", "day", "plus_century", "layout", "reserve"]


def test_hundred_year_olds_and_the_century_of_ten_digit_forms() -> None:
    # '-' means under 100 this year, '+' 100 or older (Skatteverket, DOMAIN.md §11).
    got = parse_identities(pa.array(["201015-1237", "201015+1237"]), today=dt.date(2025, 6, 1))
    assert got.canonical.to_pylist() == ["202010151237", "192010151237"]
    assert got.birth_date.to_pylist() == [dt.date(2020, 10, 15), dt.date(1920, 10, 15)]
