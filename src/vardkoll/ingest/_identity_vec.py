"""Check a whole column of patient identities at once, exactly as ``parse_identity`` would.

A per-row call of :func:`vardkoll.domain.parse_identity` costs microseconds; ten million rows
would take minutes. The digit-only layouts (``YYYYMMDD-NNNC``, ``YYYYMMDDNNNC``,
``YYMMDD-NNNC``, ``YYMMDD+NNNC``, ``YYMMDDNNNC``) are nearly every row, so they are checked
here as a NumPy digit matrix: century, date, samordningsnummer day + 60, future birth date and
the Luhn check digit. Everything else (reserve identities, odd layouts, junk) goes to
``parse_identity`` itself, row by row. A Hypothesis test holds both paths to the same answer
for every input.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.domain import IDENTITY_TYPES, InputError, parse_identity
from vardkoll.ingest._parse import days_from_civil, edge_bytes, real_date, string_buffers, to_mask

__all__ = ["REASONS", "IdentityColumn", "parse_identities"]

REASONS: tuple[str, ...] = (
    "",
    "plus_century",
    "day",
    "date",
    "future",
    "check_digit",
    "reserve",
    "layout",
)
"""Why an identity failed; index 0 means it did not (or the cell was empty)."""

_R = {name: np.int8(i) for i, name in enumerate(REASONS)}
_STRIPPED = np.frombuffer(b" \t\r\n", np.uint8)  # what parse_identity strips
_RESERVE_SHAPE = re.compile(r"^[0-9]{8}-?[A-Za-z]{2}[0-9]{2}$")
_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int64)  # digit sum of 2 × d
_SEX = pa.array(["F", "M"])
_TYPES = pa.array(list(IDENTITY_TYPES))


@dataclass(frozen=True)
class IdentityColumn:
    """Parsed identities: null in every array where the cell was empty or invalid."""

    canonical: pa.Array
    type: pa.Array
    birth_date: pa.Array
    sex: pa.Array
    reason: npt.NDArray[np.int8]

    @property
    def invalid(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.reason != 0, np.bool_)


def _number(digits: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """The number written by a row of digit values (0-9)."""
    out = np.zeros(digits.shape[0], np.int64)
    for i in range(digits.shape[1]):
        out = out * 10 + digits[:, i]
    return out


@dataclass
class _Batch:
    """The digit-only rows of one width, worked out column by column."""

    canonical: npt.NDArray[np.uint8]
    reason: npt.NDArray[np.int8]
    type_code: npt.NDArray[np.int8]
    birth_days: npt.NDArray[np.int64]
    male: npt.NDArray[np.bool_]


def _check_digits(
    digits: npt.NDArray[np.uint8], plus: npt.NDArray[np.bool_], today: dt.date
) -> _Batch:
    n, width = digits.shape
    short = digits[:, width - 10 :]
    month = _number(short[:, 2:4])
    raw_day = _number(short[:, 4:6])
    coordination = raw_day > 60
    day = np.where(coordination, raw_day - 60, raw_day)
    today_ymd = today.year * 10000 + today.month * 100 + today.day
    if width == 12:
        year = _number(digits[:, :4])
    else:
        yy = _number(short[:, :2])
        t = today.year
        year_plus = (t - 100) - np.mod(t - 100 - yy, 100)
        year_minus = t - np.mod(t - yy, 100)
        # The latest birth date not after today: a century earlier if this one is still ahead.
        later = real_date(year_minus, month, day) & (
            year_minus * 10000 + month * 100 + day > today_ymd
        )
        year_minus = np.where(later, year_minus - 100, year_minus)
        year = np.where(plus, year_plus, year_minus)
    real = real_date(year, month, day)
    future = real & (year * 10000 + month * 100 + day > today_ymd)
    born = days_from_civil(year, month, np.where(real, day, 1))
    # Luhn over YYMMDDNNN: the rightmost digit and every second one leftwards are doubled.
    total = _DOUBLED[short[:, 0:9:2]].sum(axis=1) + short[:, 1:9:2].sum(axis=1, dtype=np.int64)
    check = (10 - total % 10) % 10
    reason = np.zeros(n, np.int8)
    # The order follows parse_identity, so the first broken rule is the one reported.
    reason = np.where(check != short[:, 9], _R["check_digit"], reason)
    reason = np.where(future, _R["future"], reason)
    reason = np.where(~real, _R["date"], reason)
    reason = np.where((raw_day == 0) | (raw_day == 60), _R["day"], reason)
    if width == 12:
        reason = np.where(plus, _R["plus_century"], reason)
    canonical = np.empty((n, 12), np.uint8)
    safe_year = np.clip(year, 0, 9999)
    for i, power in enumerate((1000, 100, 10, 1)):
        canonical[:, i] = 48 + (safe_year // power) % 10
    canonical[:, 4:] = short[:, 2:] + 48
    return _Batch(
        canonical=canonical,
        reason=reason.astype(np.int8),
        type_code=coordination.astype(np.int8),
        birth_days=np.where(real, born, 0).astype(np.int64),
        male=(short[:, 8] % 2 == 1),
    )


def _strings(matrix: npt.NDArray[np.uint8]) -> pa.Array:
    n, width = matrix.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(matrix.tobytes())]
    )


def _layouts(
    text: pa.Array,
) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8], npt.NDArray[np.bool_]]]:
    """The digit-only rows by width: (row indices, digit matrix, written with '+').

    Works on the Arrow buffers directly: one Arrow ``take`` per length (10, 11, 12, 13 bytes)
    and byte comparisons, no regular expression and no Python string per row.
    """
    offsets, _ = string_buffers(text)
    lengths = np.diff(offsets)
    valid = to_mask(pc.is_valid(text))
    out = []
    for width in (10, 12):
        parts = []
        for length in (width, width + 1):
            idx = np.flatnonzero(valid & (lengths == length))
            if idx.size == 0:
                continue
            # Arrow's take packs the selected values end to end: an (n, length) byte matrix.
            starts, packed = string_buffers(text.take(pa.array(idx, pa.int64())))
            first = int(starts[0])
            matrix = packed[first : first + idx.size * length].reshape(idx.size, length)
            if length > width:
                sep = matrix[:, length - 5]
                ok = (sep == 45) | (sep == 43)
                plus = sep == 43
                matrix = np.delete(matrix, length - 5, axis=1)
            else:
                ok = np.ones(idx.size, np.bool_)
                plus = np.zeros(idx.size, np.bool_)
            digits = matrix - np.uint8(48)
            ok &= (digits <= 9).all(axis=1)
            parts.append((idx[ok], digits[ok], plus[ok]))
        if parts:
            out.append(
                (
                    np.concatenate([p[0] for p in parts]),
                    np.concatenate([p[1] for p in parts]),
                    np.concatenate([p[2] for p in parts]),
                )
            )
    return out


def parse_identities(arr: pa.Array, *, today: dt.date) -> IdentityColumn:
    """Parse every identity of ``arr`` (strings); see the module docstring."""
    n = len(arr)
    text = arr.cast(pa.string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    _, first, last = edge_bytes(text)
    if np.isin(first, _STRIPPED).any() or np.isin(last, _STRIPPED).any():
        text = pc.utf8_trim(text, " \t\r\n")
    given = to_mask(pc.is_valid(text))
    fast = np.zeros(n, np.bool_)
    reason = np.zeros(n, np.int8)
    type_code = np.zeros(n, np.int8)
    male = np.zeros(n, np.bool_)
    birth = np.zeros(n, np.int64)
    has_birth = np.zeros(n, np.bool_)
    pieces: list[pa.Array] = []
    where = np.full(n, -1, np.int64)
    used = 0
    for idx, digits, plus in _layouts(text):
        batch = _check_digits(digits, plus, today)
        fast[idx] = True
        reason[idx] = batch.reason
        type_code[idx] = batch.type_code
        male[idx] = batch.male
        birth[idx] = batch.birth_days
        has_birth[idx] = True
        pieces.append(_strings(batch.canonical))
        where[idx] = used + np.arange(idx.size)
        used += idx.size
    slow = np.flatnonzero(given & ~fast)
    if slow.size:
        values = text.take(pa.array(slow, pa.int64())).to_pylist()
        canon: list[str | None] = []
        for i, value in zip(slow, values, strict=True):
            try:
                found = parse_identity(value, today=today)
            except InputError:
                shaped = _RESERVE_SHAPE.match(value.strip(" \t\r\n"))
                reason[i] = _R["reserve"] if shaped else _R["layout"]
                canon.append(None)
                continue
            canon.append(found.canonical)
            type_code[i] = IDENTITY_TYPES.index(found.type)
            male[i] = found.sex == "M"
            if found.birth_date is not None:
                birth[i] = (found.birth_date - dt.date(1970, 1, 1)).days
                has_birth[i] = True
        pieces.append(pa.array(canon, pa.string()))
        where[slow] = used + np.arange(slow.size)
    ok = given & (reason == 0)
    take = pa.array(np.where(ok, where, 0), pa.int64(), mask=~ok)
    canonical = pc.take(pa.concat_arrays(pieces), take) if pieces else pa.nulls(n, pa.string())
    return IdentityColumn(
        canonical=canonical,
        type=pc.take(_TYPES, pa.array(type_code.astype(np.int64), mask=~ok)),
        birth_date=pa.array(birth.astype(np.int32), mask=~(ok & has_birth)).cast(pa.date32()),
        sex=pc.take(_SEX, pa.array(male.astype(np.int64), mask=~ok)),
        reason=reason,
    )
