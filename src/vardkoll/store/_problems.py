"""What an import reports: row problems, the rejection error and the summary.

The store sits beside ``vardkoll.ingest`` in the layers and may not import it, so it accepts
any object shaped like a validated file (:class:`ValidatedLike`) and any problem shaped like
a row problem (:class:`ProblemLike`). Problems the store itself finds — a natural key twice
in one file, a pathway whose events contradict those already stored — are
:class:`StoreProblem` objects with the same shape and their own messages in Swedish and
English.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from vardkoll.domain import InputError, mask_identity

__all__ = [
    "ImportRejected",
    "ImportReport",
    "Lang",
    "ProblemLike",
    "StoreProblem",
    "ValidatedLike",
    "mask_value",
]

Lang = Literal["sv", "en"]


class ProblemLike(Protocol):
    """A problem with one field of one row of a file."""

    @property
    def file(self) -> str: ...
    @property
    def row(self) -> int: ...
    @property
    def field(self) -> str: ...
    @property
    def value(self) -> str | None: ...
    @property
    def code(self) -> str: ...
    def message(self, lang: Lang = "sv") -> str: ...


class ValidatedLike(Protocol):
    """A read and validated file (``vardkoll.ingest.ValidatedFile`` fits)."""

    @property
    def source(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def n_read(self) -> int: ...
    @property
    def valid(self) -> Any: ...  # pyarrow.Table: typed valid rows plus "_row"
    @property
    def problems(self) -> Sequence[ProblemLike]: ...


_MESSAGES: dict[str, dict[str, str]] = {
    "duplicate_key": {
        "sv": "Nyckeln {key} förekommer på flera rader i filen (rader {rows}); behåll en rad "
        "per nyckel.",
        "en": "The key {key} appears on more than one row of the file (rows {rows}); keep one "
        "row per key.",
    },
    "pathway_without_clock_start": {
        "sv": "Förloppet {pathway} saknar händelsen clock_start, varken i filen eller i "
        "lagrade data; skicka med förloppets clock_start.",
        "en": "Pathway {pathway} has no clock_start event, neither in the file nor in the "
        "stored data; include the pathway's clock_start.",
    },
    "removal_before_clock_start": {
        "sv": "Förloppet {pathway} avslutas {removed_on}, före klockstarten {clock_start}; "
        "rätta händelsedatum.",
        "en": "Pathway {pathway} is removed on {removed_on}, before its clock start "
        "{clock_start}; correct the event dates.",
    },
    "open_pathway_conflict": {
        "sv": "Förloppet {pathway} är öppet för samma patient, enhet, verksamhetsområde och "
        "kontakttyp som det öppna förloppet {other}; avsluta det ena eller slå ihop dem.",
        "en": "Pathway {pathway} is open for the same patient, unit, specialty and entry type "
        "as the open pathway {other}; remove one of them or merge them.",
    },
}


@dataclass(frozen=True)
class StoreProblem:
    """A row problem found by the store (same shape as ``vardkoll.ingest.RowProblem``)."""

    file: str
    row: int
    field: str
    value: str | None
    code: str
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def message(self, lang: Lang = "sv") -> str:
        """The reason in Swedish or English, naming the field's values and the fix."""
        template = _MESSAGES[self.code][lang]
        return template.format(**self.params)


# A personnummer-like digit run anywhere in a value (10 or 12 digits, optional separator).
_IDENTITY_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{6}|\d{8})[-+]?\d{4}(?![0-9A-Za-z])")
_IDENTITY_FIELDS = frozenset({"patient_id"})


def mask_value(field_name: str, value: str | None) -> str | None:
    """Hide what could identify a patient before a value is kept in the quarantine.

    >>> mask_value("patient_id", "19640823-3234")
    '19640823-****'
    >>> mask_value("reference", "see 640823-3234 please")
    'see 640823-**** please'
    >>> mask_value("event_date", "2025-13-01")
    '2025-13-01'
    """
    if value is None:
        return None
    if field_name in _IDENTITY_FIELDS:  # ingest masks on creation: never mask twice
        return value if "*" in value else mask_identity(value)
    return _IDENTITY_LIKE.sub(lambda m: mask_identity(m.group(0)), value)


class ImportRejected(InputError):
    """A file had invalid rows and ``accept_valid`` was not given: nothing was stored.

    ``problems`` lists every problem found (file, row, field, value, reason).
    """

    code = "import_rejected"

    def __init__(self, source: str, problems: Sequence[ProblemLike]) -> None:
        rows = len({p.row for p in problems})
        super().__init__(
            f"{source}: {len(problems)} problem(s) in {rows} row(s); nothing was stored. "
            "Correct the rows listed in the error report, or import with --accept-valid to "
            "store the valid rows and quarantine the rest.",
            file=source,
        )
        self.source = source
        self.problems: tuple[ProblemLike, ...] = tuple(problems)


@dataclass(frozen=True)
class ImportReport:
    """What one import did, counted by outcome.

    ``rows_stored`` counts rows that became a new current version: ``rows_new`` first
    versions plus ``rows_superseded`` replacements of an earlier version.
    """

    source: str
    kind: str
    sha256: str
    batch_id: int
    rows_read: int
    rows_new: int
    rows_superseded: int
    rows_unchanged: int
    rows_quarantined: int
    quarantined_by_reason: Mapping[str, int]
    problems: tuple[ProblemLike, ...] = ()
    pathways_changed: int = 0

    @property
    def rows_stored(self) -> int:
        return self.rows_new + self.rows_superseded
