"""Times of day for hospital records: local date-time text, serial ids, daily rhythms.

Built as ASCII matrices rather than with ``strftime`` or f-strings: a national run writes tens
of millions of time stamps and ids.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.synth._calendar import IntArray, civil_from_days, weekday
from vardkoll.synth._identities import ascii_column, put_digits

__all__ = [
    "MINUTES_PER_DAY",
    "datetime_column",
    "lognormal",
    "minutes_in_day",
    "serial_ids",
    "spring_gap",
    "year_of",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
MINUTES_PER_DAY = 1440


def _ascii(text: str) -> npt.NDArray[np.uint8]:
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8)


def serial_ids(prefix: str, year: IntArray, serial: IntArray, width: int) -> pa.Array:
    """``{prefix}{year}-{serial}`` ids, zero-padded: e.g. ``VT-2025-0000001``."""
    head = _ascii(prefix)
    n = year.size
    out = np.empty((n, head.size + 5 + width), dtype=np.uint8)
    out[:, : head.size] = head
    for k in range(4):
        out[:, head.size + 3 - k] = ord("0") + (year // 10**k) % 10
    out[:, head.size + 4] = ord("-")
    for k in range(width):
        out[:, head.size + 4 + width - k] = ord("0") + (serial // 10**k) % 10
    fixed = np.ascontiguousarray(out).view(f"S{out.shape[1]}").ravel()
    return pa.array(fixed, type=pa.binary(out.shape[1])).cast(pa.string())


def spring_gap(minutes: IntArray) -> IntArray:
    """Move local times in the spring daylight-saving gap (02:00–02:59) to 03:00.

    Those wall-clock times do not exist in Europe/Stockholm. Clamping (rather than adding an
    hour) keeps the order of a record's times, e.g. a visit's arrival before the physician.
    """
    day = minutes // MINUTES_PER_DAY
    _, month, dom = civil_from_days(day)
    last_sunday_march = (month == 3) & (weekday(day) == 6) & (dom >= 25)
    hour = (minutes % MINUTES_PER_DAY) // 60
    three = day * MINUTES_PER_DAY + 180
    return np.where(last_sunday_march & (hour == 2), three, minutes)


def datetime_column(minutes: IntArray, null: BoolArray | None = None) -> pa.Array:
    """Local date-times ``YYYY-MM-DDTHH:MM`` from minutes since 1970 (nulls where asked).

    Built as an ASCII matrix rather than with ``strftime``: ten times faster, which the
    national run needs for its tens of millions of time stamps.
    """
    minutes = spring_gap(minutes)
    day = minutes // MINUTES_PER_DAY
    minute = minutes % MINUTES_PER_DAY
    year, month, dom = civil_from_days(day)
    out = np.empty((minutes.size, 16), dtype=np.uint8)
    put_digits(out, 0, year, 4)
    out[:, 4] = ord("-")
    put_digits(out, 5, month, 2)
    out[:, 7] = ord("-")
    put_digits(out, 8, dom, 2)
    out[:, 10] = ord("T")
    put_digits(out, 11, minute // 60, 2)
    out[:, 13] = ord(":")
    put_digits(out, 14, minute % 60, 2)
    text = ascii_column(out)
    if null is not None and null.any():
        text = pc.if_else(pa.array(~null), text, pa.nulls(len(text), pa.string()))
    return text


def year_of(day: IntArray) -> IntArray:
    """Calendar year of integer days."""
    return np.asarray(day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970)


def minutes_in_day(weights: FloatArray, n: int, rng: np.random.Generator) -> IntArray:
    """Minutes after midnight, the hour drawn with the 24 ``weights``."""
    hour = rng.choice(24, size=n, p=weights / weights.sum())
    return np.asarray(hour * 60 + rng.integers(0, 60, n), dtype=np.int64)


def lognormal(
    mean: FloatArray | float, sigma: float, n: int, rng: np.random.Generator
) -> FloatArray:
    """Log-normal draws with the given mean (not median) and log-scale ``sigma``."""
    mu = np.log(mean) - sigma**2 / 2
    return np.asarray(rng.lognormal(mu, sigma, n), dtype=np.float64)
