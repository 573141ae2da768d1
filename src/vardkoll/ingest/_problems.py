"""One problem with one cell of an import file, safe to show and to write to a report.

Every problem names the file, the row as a person sees it in the file (the header is row 1),
the column, the offending value and a stable ``code``; the wording comes from the message
catalogue in two languages. A problem never carries a personnummer: identity values are masked
on construction, and anything in any other column that looks like one is masked too, because
regions do paste identities into the wrong column.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from vardkoll.domain import mask_identity
from vardkoll.ingest._messages import render
from vardkoll.ingest._schema import IDENTITY_COLUMNS

__all__ = ["MAX_VALUE_CHARS", "RowProblem", "scrub"]

MAX_VALUE_CHARS = 120
"""Longer values are cut: the report should point at the cell, not reproduce it."""

# Ten or twelve digits with an optional separator before the last four (a personnummer or
# samordningsnummer in any layout), and the national reserve identity XXYYMMDD(-)LLNN.
_PIN = re.compile(r"(?<![0-9])((?:[0-9]{2})?[0-9]{6}[-+ ]?)[0-9]{4}(?![0-9])")
_NRID = re.compile(r"(?<![0-9A-Za-z])([0-9]{8}-?)[A-Za-z]{2}[0-9]{2}(?![0-9A-Za-z])")


def scrub(text: str) -> str:
    """Mask anything in ``text`` that looks like a personal identity number.

    >>> scrub("pathway 19640823-3234 and 640823+3234")
    'pathway 19640823-**** and 640823+****'
    >>> scrub("P000123")
    'P000123'
    """
    return _NRID.sub(r"\1****", _PIN.sub(r"\1****", text))


def _safe_value(field_name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if field_name in IDENTITY_COLUMNS:
        return mask_identity(value)
    if len(value) > MAX_VALUE_CHARS:
        value = value[: MAX_VALUE_CHARS - 1] + "…"
    return scrub(value)


@dataclass(frozen=True)
class RowProblem:
    """A problem with one cell (or, on row 1, with the header) of an import file.

    ``params`` fill the message templates (e.g. ``{"allowed": "M, F"}``); ``message`` renders
    the reason in Swedish (default) or English. Values are masked on construction.

    >>> p = RowProblem("f.csv", 7, "patient_id", "19640823-3235", "bad_identity",
    ...                {"reason": "check_digit"})
    >>> p.value
    '19640823-****'
    >>> "3235" in p.message("en")
    False
    """

    file: str
    row: int
    field: str
    value: str | None
    code: str
    params: Mapping[str, str] = dataclasses.field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _safe_value(self.field, self.value))
        safe = {k: scrub(str(v)) for k, v in self.params.items()}
        object.__setattr__(self, "params", MappingProxyType(safe))

    def message(self, lang: str = "sv") -> str:
        """The reason and the fix, in Swedish (``"sv"``) or English (``"en"``)."""
        return render(self, lang)

    def sort_key(self) -> tuple[int, str, str]:
        return (self.row, self.field, self.code)
