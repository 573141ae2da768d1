"""Vectorised parsing of text cells into typed columns, with a mask of what failed.

The import must keep up with files of ten million rows, so no function here loops over rows in
Python: each tries Arrow's strict cast on the whole column first (the common, clean case) and
only when that fails parses with RE2 regular expressions and NumPy, which is slower but says
exactly which cells are wrong. Both paths accept the same inputs; a test holds them to it.

Accepted spellings (import-format.md, "General rules"): decimal comma or point, blanks as
thousands separators, ISO dates or Excel serial numbers (also in CSV), ISO date-times with or
without an offset (without one they are Europe/Stockholm time), ``0``/``1`` and the words
Swedish Excel writes (``SANT``/``FALSKT``), ISO weeks such as ``2025-W14`` or ``2025 v14``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "Parsed",
    "days_from_civil",
    "parse_bool",
    "parse_date",
    "parse_datetime",
    "parse_decimal",
    "parse_integer",
    "parse_week",
    "to_mask",
]

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]

MIN_YEAR = 1850
MAX_YEAR = 2199
"""Dates outside these years are reported as implausible: almost always a typo (``0225``)."""

_EXCEL_EPOCH_DAYS = -25569  # 1899-12-30 as days since 1970-01-01
_MAX_SERIAL = 2958465  # 9999-12-31
_US_PER_DAY = 86_400_000_000
_US_PER_HOUR = 3_600_000_000
_EPOCH = dt.datetime(1970, 1, 1)
_STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass
class Parsed:
    """A typed column (null where empty or bad) and one mask per problem code."""

    values: pa.Array
    problems: dict[str, Mask] = field(default_factory=dict)


def to_mask(values: pa.Array | pa.ChunkedArray) -> Mask:
    """A NumPy bool mask from an Arrow boolean array, null counted as False."""
    filled = pc.fill_null(values, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.bool_)


def string_buffers(arr: pa.Array) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint8]]:
    """Zero-copy NumPy views of a string array: (n + 1 offsets into data, data bytes)."""
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    buffers = arr.buffers()
    offsets = np.frombuffer(buffers[1], np.int32)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(buffers[2], np.uint8) if buffers[2] is not None else np.zeros(1, np.uint8)
    return offsets, data


def edge_bytes(
    arr: pa.Array,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """(byte length, first byte, last byte) of every value; the bytes of an empty value are
    meaningless, so callers look at them only where the length is positive."""
    offsets, data = string_buffers(arr)
    if data.size == 0:
        data = np.zeros(1, np.uint8)
    lengths = np.diff(offsets)
    first = data[np.minimum(offsets[:-1], data.size - 1)]
    last = data[np.maximum(offsets[1:] - 1, 0)]
    return lengths, first, last


def _given(arr: pa.Array) -> Mask:
    return to_mask(pc.is_valid(arr))


def _matches(arr: pa.Array, pattern: str) -> Mask:
    return to_mask(pc.match_substring_regex(arr, pattern))


def _ints(arr: pa.Array) -> Ints:
    """Digits-only strings (possibly empty) to int64; empty counts as 0."""
    padded = pc.utf8_lpad(arr, 1, "0")
    return np.asarray(pc.cast(padded, pa.int64()).to_numpy(zero_copy_only=False), np.int64)


def _groups(arr: pa.Array, idx: Ints, pattern: str) -> dict[str, pa.Array]:
    """The named groups of ``pattern`` for the rows ``idx`` (all known to match).

    Groups that did not take part in the match come back as empty strings.
    """
    extracted = pc.extract_regex(arr.take(pa.array(idx, pa.int64())), pattern)
    return {f.name: pc.struct_field(extracted, f.name) for f in extracted.type}


def _null_if(values: npt.NDArray[np.generic], keep: Mask, type_: pa.DataType) -> pa.Array:
    return pa.array(values, mask=~keep).cast(type_)


# ---------------------------------------------------------------------------------- numbers


def _strip_number(arr: pa.Array) -> pa.Array:
    """Drop blanks used as thousands separators (space, no-break space, narrow no-break)."""
    return pc.replace_substring_regex(arr, r"[\s\x{00A0}\x{202F}]+", "")


def parse_integer(arr: pa.Array) -> Parsed:
    """Whole numbers; ``1 234``, ``+5`` and ``42,0`` are accepted, ``3,5`` is not."""
    try:
        return Parsed(pc.cast(arr, pa.int64()))
    except pa.ArrowInvalid:
        pass
    given = _given(arr)
    text = _strip_number(arr)
    ok = _matches(text, r"^[+-]?[0-9]{1,18}([.,]0*)?$")
    cleaned = pc.replace_substring_regex(text, r"[.,]0*$", "")
    cleaned = pc.replace_substring_regex(cleaned, r"^\+", "")
    kept = pc.if_else(pa.array(ok), cleaned, pa.scalar(None, pa.string()))
    return Parsed(pc.cast(kept, pa.int64()), {"not_integer": given & ~ok})


_DECIMAL = r"^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]{1,3})?$"


def parse_decimal(arr: pa.Array) -> Parsed:
    """Numbers with a decimal comma or point; NaN and infinities are not numbers here."""
    given = _given(arr)
    try:
        values = pc.cast(arr, pa.float64())
        ok = ~given | to_mask(pc.is_finite(values))
    except pa.ArrowInvalid:
        text = pc.replace_substring(_strip_number(arr), ",", ".")
        ok = _matches(text, _DECIMAL)
        kept = pc.if_else(pa.array(ok), text, pa.scalar(None, pa.string()))
        values = pc.cast(kept, pa.float64())
        ok = ok & to_mask(pc.is_finite(values))
    if ok.all():
        return Parsed(values)
    values = pc.if_else(pa.array(ok), values, pa.scalar(None, pa.float64()))
    return Parsed(values, {"not_decimal": given & ~ok})


# ------------------------------------------------------------------------------------ dates


def days_from_civil(year: Ints, month: Ints, day: Ints) -> Ints:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm).

    >>> int(days_from_civil(np.array([2025]), np.array([3]), np.array([5]))[0])
    20152
    """
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return np.asarray(era * 146097 + doe - 719468, dtype=np.int64)


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def real_date(year: Ints, month: Ints, day: Ints) -> Mask:
    """True where (year, month, day) is a date of the calendar (years 1 … 9999)."""
    month_ok = (month >= 1) & (month <= 12)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    dim = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (month_ok & (month == 2) & leap)
    return np.asarray(
        month_ok & (day >= 1) & (day <= dim) & (year >= 1) & (year <= 9999), dtype=np.bool_
    )


def _first_day(year: int) -> int:
    return (dt.date(year, 1, 1) - dt.date(1970, 1, 1)).days


_PLAUSIBLE_DAYS = (_first_day(MIN_YEAR), _first_day(MAX_YEAR + 1))
"""Days since 1970 of the first plausible date and of the first one after the last."""


def _implausible(days: Ints) -> Mask:
    return np.asarray((days < _PLAUSIBLE_DAYS[0]) | (days >= _PLAUSIBLE_DAYS[1]), np.bool_)


_ISO_DATE = r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$"
_SERIAL = r"^[0-9]{1,7}(?:[.,]0+)?$"


def _serial_days(arr: pa.Array, idx: Ints) -> tuple[Ints, Mask]:
    """Excel's 1900 date system: serial 1 is 1900-01-01 and 60 the non-existent 29 Feb 1900."""
    text = pc.replace_substring_regex(arr.take(pa.array(idx, pa.int64())), r"[.,]0+$", "")
    serial = _ints(text)
    ok = (serial >= 1) & (serial <= _MAX_SERIAL) & (serial != 60)
    days = _EXCEL_EPOCH_DAYS + serial + np.where(serial < 60, 1, 0)
    return np.asarray(days, np.int64), np.asarray(ok, np.bool_)


def parse_date(arr: pa.Array) -> Parsed:
    """ISO dates (``2025-03-05``, also ``2025-3-5`` or with a midnight time) and Excel serials."""
    try:
        values = pc.cast(arr, pa.date32())
    except pa.ArrowInvalid:
        return _parse_date_slow(arr)
    days = np.asarray(
        pc.fill_null(pc.cast(values, pa.int32()), 0).to_numpy(zero_copy_only=False), np.int64
    )
    return _with_plausibility(values, days, _given(arr))


def _with_plausibility(values: pa.Array, days: Ints, given: Mask) -> Parsed:
    implausible = given & ~pc_is_null_mask(values) & _implausible(days)
    if not implausible.any():
        return Parsed(values)
    kept = pc.if_else(pa.array(~implausible), values, pa.scalar(None, pa.date32()))
    return Parsed(kept, {"implausible_date": implausible})


def pc_is_null_mask(values: pa.Array) -> Mask:
    return to_mask(pc.is_null(values))


def _parse_date_slow(arr: pa.Array) -> Parsed:
    n = len(arr)
    given = _given(arr)
    days = np.zeros(n, np.int64)
    ok = np.zeros(n, np.bool_)
    iso = _matches(arr, _ISO_DATE)
    idx = np.flatnonzero(iso)
    if idx.size:
        g = _groups(arr, idx, _ISO_DATE)
        y, m, d = _ints(g["y"]), _ints(g["m"]), _ints(g["d"])
        real = real_date(y, m, d)
        days[idx] = np.where(real, days_from_civil(y, m, d), 0)
        ok[idx] = real
    serial = _matches(arr, _SERIAL) & ~iso
    idx = np.flatnonzero(serial)
    if idx.size:
        sdays, sok = _serial_days(arr, idx)
        days[idx] = np.where(sok, sdays, 0)
        ok[idx] = sok
    values = _null_if(days.astype(np.int32), ok, pa.date32())
    parsed = _with_plausibility(values, days, given & ok)
    parsed.problems["not_date"] = given & ~ok
    return parsed


_DATETIME = (
    r"^(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})[T ](?P<h>[0-9]{1,2})"
    r"(?::(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,](?P<f>[0-9]{1,6})[0-9]*)?)?)?"
    r"[ ]?(?P<tz>Z|z|(?P<sign>[+-])(?P<oh>[0-9]{2}):?(?P<om>[0-9]{2})?)?$"
)
_SERIAL_TIME = r"^[0-9]{1,7}(?:[.,][0-9]+)?$"


def stockholm_to_utc(local_us: Ints) -> Ints:
    """Local Europe/Stockholm wall-clock times (µs since 1970, naive) to UTC µs.

    Python's ``zoneinfo`` rule with ``fold=0`` applies: an ambiguous autumn time is the first
    (summer-time) instant; a time in the spring gap is read with the winter offset. Arrow's
    time-zone conversion does the bulk; years it does not cover the way ``zoneinfo`` does
    (local mean time before 1901, and from 2037, beyond its transition table) go through
    ``zoneinfo`` one by one: they are rare and mostly typos.
    """
    summer = local_us - 2 * _US_PER_HOUR
    stamp = pa.array(summer, pa.int64()).cast(pa.timestamp("us", tz="Europe/Stockholm"))
    back = np.asarray(pc.local_timestamp(stamp).cast(pa.int64()).to_numpy(zero_copy_only=False))
    out = np.where(back == local_us, summer, local_us - _US_PER_HOUR).astype(np.int64)
    day = np.floor_divide(local_us, _US_PER_DAY)
    for i in np.flatnonzero((day < _first_day(1901)) | (day >= _first_day(2037))):
        wall = _EPOCH + dt.timedelta(microseconds=int(local_us[i]))
        instant = wall.replace(tzinfo=_STOCKHOLM).astimezone(dt.UTC)
        out[i] = (instant - _EPOCH.replace(tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
    return out


def parse_datetime(arr: pa.Array) -> Parsed:
    """ISO date-times (``T`` or blank between date and time, optional seconds and offset)."""
    n = len(arr)
    given = _given(arr)
    local = np.zeros(n, np.int64)
    utc = np.zeros(n, np.int64)
    has_tz = np.zeros(n, np.bool_)
    ok = np.zeros(n, np.bool_)
    match = _matches(arr, _DATETIME)
    idx = np.flatnonzero(match)
    if idx.size:
        g = _groups(arr, idx, _DATETIME)
        y, mo, d = _ints(g["y"]), _ints(g["mo"]), _ints(g["d"])
        h, mi, s = _ints(g["h"]), _ints(g["mi"]), _ints(g["s"])
        frac = _ints(pc.utf8_rpad(g["f"], 6, "0"))
        oh, om = _ints(g["oh"]), _ints(g["om"])
        sign = np.where(to_mask(pc.equal(g["sign"], "-")), -1, 1)
        tz = to_mask(pc.not_equal(g["tz"], ""))
        good = real_date(y, mo, d) & (h <= 23) & (mi <= 59) & (s <= 59) & (oh <= 23) & (om <= 59)
        wall = days_from_civil(y, mo, d) * _US_PER_DAY + ((h * 60 + mi) * 60 + s) * 1_000_000
        wall = wall + frac
        offset = sign * (oh * 60 + om) * 60_000_000
        local[idx] = np.where(good, wall, 0)
        utc[idx] = np.where(good & tz, wall - offset, 0)
        has_tz[idx] = tz
        ok[idx] = good
    serial = _matches(arr, _SERIAL_TIME) & ~match
    idx = np.flatnonzero(serial)
    if idx.size:
        text = pc.replace_substring(arr.take(pa.array(idx, pa.int64())), ",", ".")
        fdays = np.asarray(pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False))
        sok = (fdays >= 1) & (fdays < _MAX_SERIAL + 1) & ~((fdays >= 60) & (fdays < 61))
        whole = np.floor(fdays).astype(np.int64)
        days = _EXCEL_EPOCH_DAYS + whole + np.where(whole < 60, 1, 0)
        seconds = np.rint((fdays - whole) * 86400).astype(np.int64)
        local[idx] = np.where(sok, days * _US_PER_DAY + seconds * 1_000_000, 0)
        ok[idx] = sok
    need_zone = ok & ~has_tz
    if need_zone.any():
        utc = np.where(need_zone, stockholm_to_utc(local), utc)
    implausible = ok & _implausible(np.floor_divide(np.where(ok, utc, 0), _US_PER_DAY))
    keep = ok & ~implausible
    values = _null_if(utc, keep, pa.timestamp("us", tz="UTC"))
    problems = {"not_datetime": given & ~ok}
    if implausible.any():
        problems["implausible_date"] = implausible
    return Parsed(values, problems)


# ----------------------------------------------------------------------- yes/no and weeks

_TRUE = ("1", "true", "sant", "ja", "yes", "x")
_FALSE = ("0", "false", "falskt", "nej", "no")
_BOOL_WORDS = pa.array(_TRUE + _FALSE)
_BOOL_VALUES = pa.array([True] * len(_TRUE) + [False] * len(_FALSE))


def parse_bool(arr: pa.Array) -> Parsed:
    """``1``/``0`` and the words Swedish Excel writes (``SANT``/``FALSKT``, ``ja``/``nej``)."""
    given = _given(arr)
    text = pc.replace_substring_regex(pc.utf8_lower(arr), r"[.,]0+$", "")
    index = pc.index_in(text, value_set=_BOOL_WORDS)
    values = pc.take(_BOOL_VALUES, index)
    bad = given & to_mask(pc.is_null(index))
    return Parsed(values, {"not_bool": bad} if bad.any() else {})


_WEEK = r"^(?P<y>[0-9]{4})[ ]?-?[ ]?[WwVv]\.?[ ]?(?P<w>[0-9]{1,2})$"


def weeks_in_year(year: Ints) -> Ints:
    """52 or 53: an ISO year has 53 weeks when it starts on a Thursday (or Wednesday in a
    leap year)."""

    def p(y: Ints) -> Ints:
        return np.asarray((y + y // 4 - y // 100 + y // 400) % 7, np.int64)

    return np.asarray(52 + ((p(year) == 4) | (p(year - 1) == 3)), np.int64)


def parse_week(arr: pa.Array) -> Parsed:
    """ISO weeks, written ``2025-W14``, ``2025W14``, ``2025-w14`` or the Swedish ``2025 v14``."""
    n = len(arr)
    given = _given(arr)
    ok = np.zeros(n, np.bool_)
    out = pa.nulls(n, pa.string())
    match = _matches(arr, _WEEK)
    idx = np.flatnonzero(match)
    if idx.size:
        g = _groups(arr, idx, _WEEK)
        y, w = _ints(g["y"]), _ints(g["w"])
        good = (w >= 1) & (w <= weeks_in_year(y)) & (y >= MIN_YEAR) & (y <= MAX_YEAR)
        ok[idx] = good
        text = pc.binary_join_element_wise(
            g["y"], pc.utf8_lpad(pc.cast(pa.array(w), pa.string()), 2, "0"), "-W"
        )
        full = np.full(n, -1, np.int64)
        full[idx] = np.arange(idx.size)
        full[~ok] = -1
        out = pc.take(text, pa.array(full, mask=full < 0))
    bad = given & ~ok
    return Parsed(out, {"not_week": bad} if bad.any() else {})
