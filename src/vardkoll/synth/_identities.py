"""Patient identities for generated people, built as whole columns at once.

Every identity is valid by the rules of docs/reference/domain.md, and
:func:`vardkoll.domain.parse_identity` accepts each one (a test checks a sample against it,
and the Luhn digits against :func:`vardkoll.domain.luhn_check_digit`):

- **personnummer** ``YYYYMMDD-NNNC`` — the birth number's last digit is odd for men and even
  for women, C is the Luhn digit over ``YYMMDDNNN``;
- **samordningsnummer** — the same with the birth day + 60;
- **national reserve identity** (NRID) ``XXYYMMDDNNGC`` — XX the birth century + 3, NN two
  letters without I, O, Q, V, W, G the sex digit and C the check digit of
  :func:`vardkoll.domain.nrid_check_digit` (Luhn over the digits, letters as A = 10 … Z = 35).

A person with a reserve identity is later given a personnummer; the generator records the
day of that *sammankoppling* and the writer uses the reserve identity before it and the
personnummer from it (see ``docs/explanation/generated-region.md``).

Why NumPy matrices of ASCII codes: a national run builds about ten million identities, and
string formatting in a Python loop would take minutes; a uint8 matrix viewed as fixed-width
bytes becomes an Arrow string column in one step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from vardkoll.synth._calendar import IntArray, civil_from_days

__all__ = [
    "NEVER",
    "IdentityMix",
    "People",
    "ascii_column",
    "draw_people",
    "luhn_digits",
    "nrid_matrix",
    "personnummer_matrix",
    "put_digits",
]

NEVER = np.iinfo(np.int32).max
"""A day number later than any date: 'not linked (yet)'."""

_ZERO = ord("0")
_NRID_LETTERS = np.frombuffer(b"ABCDEFGHJKLMNPRSTUXYZ", dtype=np.uint8)

KIND_PERSONNUMMER, KIND_COORDINATION, KIND_RESERVE = 0, 1, 2


_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int16)


def luhn_digits(digits: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.int64]:
    """Luhn check digit of each row of a digit matrix (the rightmost digit is doubled).

    >>> luhn_digits(np.array([[6, 4, 0, 8, 2, 3, 3, 2, 3]])).tolist()  # docs/reference/domain.md
    [4]
    """
    width = digits.shape[1]
    total = np.zeros(digits.shape[0], dtype=np.int16)
    for j in range(width):
        column = digits[:, j].astype(np.int16)
        total += _DOUBLED[column] if (width - 1 - j) % 2 == 0 else column
    return np.asarray((10 - total % 10) % 10, dtype=np.int64)


def put_digits(matrix: npt.NDArray[np.uint8], col: int, value: IntArray, width: int) -> None:
    """Write ``value`` as ``width`` zero-padded decimal digits from column ``col``."""
    for k in range(width):
        matrix[:, col + width - 1 - k] = _ZERO + (value // 10**k) % 10


def personnummer_matrix(
    birth_day: IntArray, male: npt.NDArray[np.bool_], serial: IntArray, coordination: bool
) -> npt.NDArray[np.uint8]:
    """ASCII rows ``YYYYMMDD-NNNC``; ``serial`` (1–499) picks the birth number.

    With ``coordination`` the day is written + 60 (a samordningsnummer).
    """
    year, month, day = civil_from_days(birth_day)
    if coordination:
        day = day + 60
    out = np.empty((birth_day.size, 13), dtype=np.uint8)
    put_digits(out, 0, year, 4)
    put_digits(out, 4, month, 2)
    put_digits(out, 6, day, 2)
    out[:, 8] = ord("-")
    put_digits(out, 9, 2 * serial + male, 3)
    short = out[:, [2, 3, 4, 5, 6, 7, 9, 10, 11]] - _ZERO  # YYMMDDNNN
    out[:, 12] = _ZERO + luhn_digits(short)
    return out


def nrid_matrix(
    birth_day: IntArray, male: npt.NDArray[np.bool_], rng: np.random.Generator
) -> npt.NDArray[np.uint8]:
    """ASCII rows ``XXYYMMDDNNGC`` (national reserve identities with a known birth date)."""
    year, month, day = civil_from_days(birth_day)
    n = birth_day.size
    letters = _NRID_LETTERS[rng.integers(0, _NRID_LETTERS.size, size=(n, 2))]
    sex_digit = 2 * rng.integers(0, 5, size=n) + male
    out = np.empty((n, 12), dtype=np.uint8)
    put_digits(out, 0, year // 100 + 3, 2)
    put_digits(out, 2, year % 100, 2)
    put_digits(out, 4, month, 2)
    put_digits(out, 6, day, 2)
    out[:, 8:10] = letters
    out[:, 10] = _ZERO + sex_digit
    # Letters count as their two-digit value A = 10 … Z = 35 (vardkoll.domain.nrid_check_digit).
    letter_value = letters.astype(np.int16) - ord("A") + 10
    expanded = np.concatenate(
        [
            out[:, :8].astype(np.int16) - _ZERO,
            letter_value[:, :1] // 10,
            letter_value[:, :1] % 10,
            letter_value[:, 1:] // 10,
            letter_value[:, 1:] % 10,
            sex_digit[:, None].astype(np.int16),
        ],
        axis=1,
    )
    out[:, 11] = _ZERO + luhn_digits(expanded)
    return out


def ascii_column(matrix: npt.NDArray[np.uint8]) -> pa.Array:
    """An Arrow string column from an ASCII matrix (one row per value), without copies.

    The matrix bytes become the string data and the offsets are a fixed stride.
    """
    n, width = matrix.shape
    data = np.ascontiguousarray(matrix)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(
            n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)
        )
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


@dataclass(frozen=True, slots=True)
class People:
    """Generated people: who they are, where they live, and which identity they carry.

    ``first_id`` is the identity a person is first registered with; for a person with a reserve
    identity ``linked_id`` is the personnummer they get on ``link_day`` (``NEVER`` otherwise,
    and then ``linked_id`` equals ``first_id``).
    """

    birth_day: IntArray
    male: npt.NDArray[np.bool_]
    municipality: IntArray
    kind: npt.NDArray[np.int8]
    protected: npt.NDArray[np.bool_]
    first_id: pa.Array
    linked_id: pa.Array
    link_day: IntArray

    @property
    def size(self) -> int:
        return int(self.birth_day.size)

    def identity_on(self, person: IntArray, day: IntArray) -> pa.Array:
        """The identity each ``person`` is known by on ``day`` (a string column)."""
        linked = day >= self.link_day[person]
        chosen = np.where(linked, person + self.size, person)
        both = pa.concat_arrays([self.first_id, self.linked_id])
        return both.take(pa.array(chosen))


@dataclass(frozen=True, slots=True)
class IdentityMix:
    """Shares of the identity kinds among generated people."""

    coordination: float = 0.012
    reserve: float = 0.008
    protected: float = 0.003
    link_after_days: tuple[int, int] = (3, 150)


def draw_people(
    rng: np.random.Generator,
    birth_day: IntArray,
    male: npt.NDArray[np.bool_],
    municipality: IntArray,
    first_day: IntArray,
    mix: IdentityMix | None = None,
) -> People:
    """Give each person an identity; reserve-identity holders are linked after ``first_day``.

    Birth numbers are drawn at random, so two generated people can share a personnummer;
    they then read as one person with several contacts, which real data has too.
    """
    mix = mix or IdentityMix()
    n = birth_day.size
    u = rng.random(n)
    kind = np.where(
        u < mix.reserve,
        KIND_RESERVE,
        np.where(u < mix.reserve + mix.coordination, KIND_COORDINATION, KIND_PERSONNUMMER),
    ).astype(np.int8)
    protected = (rng.random(n) < mix.protected) & (kind == KIND_PERSONNUMMER)
    serial = rng.integers(1, 500, size=n)
    pnr = personnummer_matrix(birth_day, male, serial, coordination=False)
    first = pnr.copy()
    is_coord = kind == KIND_COORDINATION
    if is_coord.any():
        first[is_coord] = personnummer_matrix(
            birth_day[is_coord], male[is_coord], serial[is_coord], coordination=True
        )
    is_reserve = kind == KIND_RESERVE
    reserve_ids = nrid_matrix(birth_day[is_reserve], male[is_reserve], rng)
    link_day = np.full(n, NEVER, dtype=np.int64)
    lo, hi = mix.link_after_days
    link_day[is_reserve] = first_day[is_reserve] + rng.integers(lo, hi, size=int(is_reserve.sum()))
    first_col = ascii_column(first)
    if is_reserve.any():
        # Reserve identities are 12 characters, the others 13: build the column from two parts.
        positions = np.flatnonzero(is_reserve)
        others = np.flatnonzero(~is_reserve)
        order = np.empty(n, dtype=np.int64)
        order[others] = np.arange(others.size)
        order[positions] = others.size + np.arange(positions.size)
        combined = pa.concat_arrays([ascii_column(first[others]), ascii_column(reserve_ids)])
        first_col = combined.take(pa.array(order))
    return People(
        birth_day=birth_day,
        male=male,
        municipality=municipality,
        kind=kind,
        protected=protected,
        first_id=first_col,
        linked_id=ascii_column(pnr),
        link_day=link_day,
    )
