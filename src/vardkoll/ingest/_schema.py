"""The column contracts of every import file kind (docs/reference/import-format.md).

One table per file kind says, for every column, its Swedish header alias, type, whether it is
required (always, never, or only on some event types), the allowed values and an example. The
readers resolve headers against it, the validator checks rows against it, and a docs test keeps
it identical to the format page, so the contract cannot drift from the code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from vardkoll.domain import (
    ENTRY_TYPES,
    EVENT_TYPES,
    MUNICIPALITIES,
    OFFER_OUTCOMES,
    PAUSE_REASONS,
    REGIONS,
    REMOVAL_REASONS,
    SPECIALTIES,
)

__all__ = [
    "FILE_KINDS",
    "SCHEMAS",
    "ColumnSpec",
    "ColumnType",
    "FileSchema",
    "header_key",
]

ColumnType = Literal["text", "integer", "decimal", "date", "datetime", "bool", "week"]

FILE_KINDS: tuple[str, ...] = (
    "units",
    "pathway_events",
    "production",
    "beds",
    "theatre_sessions",
    "ed_visits",
    "inpatient_stays",
)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an import file.

    ``required`` is ``True`` (every row), ``False`` (optional) or the event types on which
    the column must be filled (``pathway_events`` only). ``allowed`` lists the accepted values
    of a coded column (``None``: free text or a number checked by its type).
    """

    name: str
    sv: str
    type: ColumnType
    required: bool | tuple[str, ...]
    allowed: tuple[str, ...] | None
    help: str
    example: str


@dataclass(frozen=True)
class FileSchema:
    """The columns of one file kind and the natural key that makes re-imports idempotent."""

    kind: str
    columns: tuple[ColumnSpec, ...]
    natural_key: tuple[str, ...]

    def column(self, name: str) -> ColumnSpec:
        """The column called ``name`` (``KeyError`` when the kind has none)."""
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def resolve(self, header: str) -> str | None:
        """The canonical column name for a header cell (English or Swedish), or ``None``."""
        return _lookup(self.kind).get(header_key(header))


_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})
_SEPARATORS = re.compile(r"[\s_\-.]+")


def header_key(header: str) -> str:
    """Normalise a header cell so that case, blanks, ``-``/``_`` and å/ä/ö do not matter.

    Regions type headers by hand and exports lose diacritics, so ``Händelse nr``,
    ``HANDELSE_NR`` and ``händelse_nr`` must all name the same column.

    >>> header_key("  Händelse nr ")
    'handelse_nr'
    >>> header_key("\\ufeffEvent-Seq")
    'event_seq'
    """
    text = unicodedata.normalize("NFC", header).replace("\ufeff", "").strip().casefold()
    return _SEPARATORS.sub("_", text.translate(_FOLD)).strip("_")


def _c(
    name: str,
    sv: str,
    type_: ColumnType,
    required: bool | tuple[str, ...],
    help_: str,
    example: str,
    allowed: Iterable[str] | None = None,
) -> ColumnSpec:
    return ColumnSpec(
        name=name,
        sv=sv,
        type=type_,
        required=required,
        allowed=None if allowed is None else tuple(allowed),
        help=help_,
        example=example,
    )


_REGION_CODES = tuple(sorted(REGIONS))
_MUNICIPALITY_CODES = tuple(sorted(MUNICIPALITIES))
_SPECIALTY_CODES = tuple(SPECIALTIES)
_CARE_TYPES = ("somatic", "psychiatric")

_UNITS = FileSchema(
    kind="units",
    natural_key=("unit_id",),
    columns=(
        _c("provider_id", "vårdgivare_id", "text", True, "HSA-style id", "SE2321000198-P01"),
        _c("provider_name", "vårdgivare", "text", True, "", "Region Västmanland"),
        _c("ownership", "driftform", "text", True, "", "public", ("public", "private")),
        _c("unit_id", "enhet_id", "text", True, "HSA-style id", "SE2321000198-E0101"),
        _c("unit_name", "enhet", "text", True, "", "Ortopedmottagningen Västerås"),
        _c("region_code", "regionkod", "text", True, "county code", "19", _REGION_CODES),
        _c(
            "municipality_code",
            "kommunkod",
            "text",
            True,
            "municipality code",
            "1980",
            _MUNICIPALITY_CODES,
        ),
        _c("latitude", "latitud", "decimal", True, "WGS84 degrees", "59,6099"),
        _c("longitude", "longitud", "decimal", True, "WGS84 degrees", "16,5448"),
        _c(
            "specialties",
            "verksamhetsområden",
            "text",
            True,
            "|-separated specialty codes",
            "orthopaedics|general_surgery",
            _SPECIALTY_CODES,
        ),
    ),
)

_ON_CLOCK_START = ("clock_start",)
_PATHWAY_EVENTS = FileSchema(
    kind="pathway_events",
    natural_key=("source_system", "pathway_id", "event_seq"),
    columns=(
        _c("source_system", "källsystem", "text", True, "the exporting system", "COSMIC-VMD"),
        _c("pathway_id", "förlopp_id", "text", True, "unique within the source", "P000123"),
        _c("event_seq", "händelse_nr", "integer", True, "order of events, ≥ 1", "1"),
        _c("event_type", "händelsetyp", "text", True, "", "clock_start", EVENT_TYPES),
        _c(
            "event_date",
            "händelsedatum",
            "date",
            True,
            "local date; not in the future except booking",
            "2025-03-05",
        ),
        _c(
            "patient_id",
            "patient_id",
            "text",
            True,
            "personnummer, samordningsnummer or reservnummer",
            "19640823-3234",
        ),
        _c("protected_identity", "skyddad_identitet", "bool", False, "skyddad identitet", "0"),
        _c("patient_sex", "kön", "text", False, "where the identity has none", "F", ("M", "F")),
        _c(
            "patient_birth_date",
            "födelsedatum",
            "date",
            False,
            "where the identity has none",
            "1951-04-02",
        ),
        _c(
            "home_municipality",
            "hemkommun",
            "text",
            _ON_CLOCK_START,
            "municipality code",
            "1980",
            _MUNICIPALITY_CODES,
        ),
        _c("region_code", "regionkod", "text", True, "county code", "19", _REGION_CODES),
        _c("unit_id", "enhet_id", "text", True, "the responsible unit", "SE2321000198-E0101"),
        _c(
            "specialty",
            "verksamhetsområde",
            "text",
            _ON_CLOCK_START,
            "specialty code",
            "orthopaedics",
            _SPECIALTY_CODES,
        ),
        _c("entry_type", "kontakttyp", "text", _ON_CLOCK_START, "", "treatment", ENTRY_TYPES),
        _c(
            "priority",
            "prioritet",
            "integer",
            ("clock_start", "priority_change"),
            "1 (most urgent) … 4",
            "2",
        ),
        _c("procedure_code", "åtgärdskod", "text", False, "KVÅ code", "NGB49"),
        _c("pause_reason", "väntandeorsak", "text", ("pause_start",), "", "PVV", PAUSE_REASONS),
        _c(
            "removal_reason",
            "avslutsorsak",
            "text",
            ("removal",),
            "",
            "treated",
            REMOVAL_REASONS,
        ),
        _c(
            "offer_outcome",
            "erbjudandeutfall",
            "text",
            ("offer",),
            "",
            "declined",
            OFFER_OUTCOMES,
        ),
        _c(
            "offered_unit_id",
            "erbjuden_enhet_id",
            "text",
            ("offer",),
            "the unit offered",
            "SE5565-E0007",
        ),
        _c(
            "appointment_date",
            "tidsbokat_datum",
            "date",
            ("booking", "offer"),
            "the booked or offered time",
            "2025-05-02",
        ),
        _c(
            "reference",
            "referens",
            "text",
            ("pause_start",),
            "PVV: event_seq of the declined offer; MOV: clinician's HSA id",
            "4",
        ),
        _c(
            "supersedes_seq",
            "ersätter_nr",
            "integer",
            ("void",),
            "the event_seq this event corrects or voids",
            "1",
        ),
    ),
)

_PRODUCTION = FileSchema(
    kind="production",
    natural_key=("unit_id", "entry_type", "week"),
    columns=(
        _c("unit_id", "enhet_id", "text", True, "", "SE2321000198-E0101"),
        _c("entry_type", "kontakttyp", "text", True, "", "treatment", ENTRY_TYPES),
        _c("week", "vecka", "week", True, "ISO week YYYY-Www", "2025-W14"),
        _c("planned", "planerat", "integer", True, "visits or operations, ≥ 0", "42"),
        _c("performed", "utfört", "integer", False, "empty for future weeks, ≥ 0", "39"),
    ),
)

_BEDS = FileSchema(
    kind="beds",
    natural_key=("ward_id", "date"),
    columns=(
        _c("ward_id", "avdelning_id", "text", True, "", "SE2321000198-A0311"),
        _c("unit_id", "enhet_id", "text", True, "the unit of the ward", "SE2321000198-E0300"),
        _c("hospital", "sjukhus", "text", True, "", "Västmanlands sjukhus Västerås"),
        _c("care_type", "vårdtyp", "text", True, "", "somatic", _CARE_TYPES),
        _c("date", "datum", "date", True, "", "2025-03-05"),
        _c("available_beds", "disponibla_vårdplatser", "integer", True, "≥ 0", "24"),
        _c("occupied_beds", "belagda_vårdplatser", "integer", True, "≥ 0", "25"),
        _c("overcrowded", "överbeläggningar", "integer", True, "≥ 0", "1"),
        _c("outliers", "utlokaliserade", "integer", True, "≥ 0", "2"),
    ),
)

_THEATRE_SESSIONS = FileSchema(
    kind="theatre_sessions",
    natural_key=("session_id",),
    columns=(
        _c("session_id", "pass_id", "text", True, "", "OP-VS-2025-03-05-3A"),
        _c("unit_id", "enhet_id", "text", True, "", "SE2321000198-E0101"),
        _c("theatre_id", "sal_id", "text", True, "", "VS-OP3"),
        _c("date", "datum", "date", True, "", "2025-03-05"),
        _c("specialty", "verksamhetsområde", "text", True, "", "orthopaedics", _SPECIALTY_CODES),
        _c("planned_minutes", "planerade_minuter", "integer", True, "minutes, ≥ 0", "480"),
        _c("used_minutes", "använda_minuter", "integer", True, "minutes, ≥ 0", "455"),
        _c("cancelled", "inställt", "bool", True, "0/1", "0"),
    ),
)

_ED_VISITS = FileSchema(
    kind="ed_visits",
    natural_key=("visit_id",),
    columns=(
        _c("visit_id", "besök_id", "text", True, "", "AKM-2025-000001"),
        _c("unit_id", "enhet_id", "text", True, "the emergency department", "SE2321000198-E0900"),
        _c("patient_id", "patient_id", "text", True, "identity", "19640823-3234"),
        _c("arrival", "ankomst", "datetime", True, "", "2025-03-05T08:30"),
        _c("triage", "prioritet", "integer", True, "1 (red) … 5 (blue), RETTS", "3"),
        _c("physician_seen", "läkarbedömd", "datetime", False, "", "2025-03-05T09:40"),
        _c("departure", "avfärd", "datetime", True, "not before arrival", "2025-03-05T12:10"),
        _c(
            "disposition",
            "utfall",
            "text",
            True,
            "",
            "admitted",
            ("home", "admitted", "transferred", "left"),
        ),
    ),
)

_INPATIENT_STAYS = FileSchema(
    kind="inpatient_stays",
    natural_key=("stay_id",),
    columns=(
        _c("stay_id", "vårdtillfälle_id", "text", True, "", "VT-2025-000001"),
        _c("patient_id", "patient_id", "text", True, "identity", "19640823-3234"),
        _c("unit_id", "enhet_id", "text", True, "", "SE2321000198-E0300"),
        _c("ward_id", "avdelning_id", "text", True, "", "SE2321000198-A0311"),
        _c("care_type", "vårdtyp", "text", True, "", "somatic", _CARE_TYPES),
        _c(
            "municipality_code",
            "kommunkod",
            "text",
            True,
            "the patient's municipality",
            "1980",
            _MUNICIPALITY_CODES,
        ),
        _c("admitted", "inskriven", "datetime", True, "", "2025-03-01T14:20"),
        _c(
            "admission_notice_sent",
            "inskrivningsmeddelande",
            "datetime",
            False,
            "",
            "2025-03-01T18:00",
        ),
        _c(
            "ready_for_discharge",
            "utskrivningsklar",
            "datetime",
            False,
            "notice sent to the municipality",
            "2025-03-06T10:00",
        ),
        _c(
            "discharged",
            "utskriven",
            "datetime",
            False,
            "empty while admitted; not before admitted",
            "2025-03-09T11:00",
        ),
        _c("diagnoses", "diagnoser", "text", False, "|-separated ICD-10 codes", "S72|W19|F00"),
    ),
)

SCHEMAS: Mapping[str, FileSchema] = MappingProxyType(
    {
        s.kind: s
        for s in (
            _UNITS,
            _PATHWAY_EVENTS,
            _PRODUCTION,
            _BEDS,
            _THEATRE_SESSIONS,
            _ED_VISITS,
            _INPATIENT_STAYS,
        )
    }
)


def _build_lookup(schema: FileSchema) -> dict[str, str]:
    table: dict[str, str] = {}
    for spec in schema.columns:
        for alias in (spec.name, spec.sv):
            table[header_key(alias)] = spec.name
    return table


_LOOKUPS: dict[str, dict[str, str]] = {kind: _build_lookup(s) for kind, s in SCHEMAS.items()}


def _lookup(kind: str) -> dict[str, str]:
    return _LOOKUPS[kind]


def known_header(header: str) -> bool:
    """True when ``header`` names a column of any kind (used to detect the separator)."""
    key = header_key(header)
    return any(key in table for table in _LOOKUPS.values())


# Checks beyond type and allowed values, kept beside the schema because they are contract too.

RANGES: Mapping[tuple[str, str], tuple[float | None, float | None]] = MappingProxyType(
    {
        ("units", "latitude"): (-90.0, 90.0),
        ("units", "longitude"): (-180.0, 180.0),
        ("pathway_events", "event_seq"): (1, None),
        ("pathway_events", "priority"): (1, 4),
        ("pathway_events", "supersedes_seq"): (1, None),
        ("production", "planned"): (0, None),
        ("production", "performed"): (0, None),
        ("beds", "available_beds"): (0, None),
        ("beds", "occupied_beds"): (0, None),
        ("beds", "overcrowded"): (0, None),
        ("beds", "outliers"): (0, None),
        ("theatre_sessions", "planned_minutes"): (0, None),
        ("theatre_sessions", "used_minutes"): (0, None),
        ("ed_visits", "triage"): (1, 5),
    }
)
"""Inclusive (minimum, maximum) of numeric columns; ``None`` leaves that side open."""

FORMATS: Mapping[tuple[str, str], tuple[str, str]] = MappingProxyType(
    {
        ("pathway_events", "procedure_code"): (r"^[A-Z]{3}[0-9]{2}$", "ABC12"),
        ("inpatient_stays", "diagnoses"): (r"^[A-Z][0-9]{2}(\.?[0-9A-Z]{1,4})?$", "S72 or S72.0"),
    }
)
"""(RE2 pattern, example) for coded text columns; values are upper-cased before matching."""

LIST_COLUMNS: frozenset[tuple[str, str]] = frozenset(
    {("units", "specialties"), ("inpatient_stays", "diagnoses")}
)
"""Columns holding a ``|``-separated list; each item is checked on its own."""

CODE_WIDTHS: Mapping[str, int] = MappingProxyType(
    {"region_code": 2, "municipality_code": 4, "home_municipality": 4}
)
"""Zero-padded code columns: Excel drops the leading zero of ``01`` or ``0180``; we restore it."""

CODE_LISTS: Mapping[str, str] = MappingProxyType(
    {
        "region_code": "region",
        "municipality_code": "municipality",
        "home_municipality": "municipality",
        "specialty": "specialty",
        "specialties": "specialty",
    }
)
"""Columns whose allowed values form a national code list (reported as ``unknown_code``)."""

VALUE_ALIASES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"patient_sex": MappingProxyType({"k": "F", "kvinna": "F", "man": "M"})}
)
"""Accepted spellings beyond the codes themselves (lower case): Swedish files write K for women."""

IDENTITY_COLUMNS: frozenset[str] = frozenset({"patient_id"})

DEFAULTS: Mapping[tuple[str, str], bool] = MappingProxyType(
    {("pathway_events", "protected_identity"): False}
)
"""Values of optional columns left empty (the format says "no (0)")."""


def detect_kind(headers: Iterable[str]) -> str | None:
    """The file kind whose columns the header names best, or ``None`` when none fits.

    A kind qualifies when at least two headers and at least half of its always-required
    columns are recognised; among those, the one recognising most headers wins (ties go to
    the kind missing fewer required columns).

    >>> detect_kind(["enhet_id", "kontakttyp", "vecka", "planerat"])
    'production'
    >>> detect_kind(["foo", "bar"]) is None
    True
    """
    keys = [header_key(h) for h in headers]
    best: tuple[int, int, str] | None = None
    for kind, schema in SCHEMAS.items():
        table = _LOOKUPS[kind]
        found = {table[k] for k in keys if k in table}
        required = {c.name for c in schema.columns if c.required is True}
        missing = len(required - found)
        if len(found) < 2 or len(required & found) * 2 < len(required):
            continue
        score = (len(found), -missing, kind)
        if best is None or score[:2] > best[:2]:
            best = score
    return None if best is None else best[2]


def column_names(kind: str) -> tuple[str, ...]:
    """The contract's column names of a file kind, in order: writers and readers share them."""
    return tuple(column.name for column in SCHEMAS[kind].columns)
