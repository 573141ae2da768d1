"""Finding what a FHIR reference points at, and reading identities, codes and dates defensively.

A record system may reference a resource in the same Bundle (``Patient/12``, a ``urn:uuid:``
fullUrl, an absolute URL, ``#contained``) or only by identifier (a *logical* reference such as
``{"identifier": {"system": "urn:oid:1.2.752.129.2.1.3.1", "value": "…"}}``). Both are
accepted. Every helper tolerates any JSON shape: the resource was checked against the FHIR
model first, but a reader must never fail with a traceback on what a file contains.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from vardkoll.domain import InputError, parse_identity
from vardkoll.ingest._fhir_codes import HSA_ID, PERSON_SYSTEMS, PERSON_TYPE_RANK
from vardkoll.ingest._fhir_parse import Entry, FhirIssue, JsonObject

__all__ = [
    "STOCKHOLM",
    "Missing",
    "ResourceIndex",
    "Target",
    "as_dict",
    "as_list",
    "as_str",
    "code_in",
    "codings",
    "ext_scalar",
    "ext_value",
    "extensions",
    "local_date",
    "person_identity",
    "unit_identity",
]

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def as_list(value: object) -> list[Any]:
    """``value`` as a list: FHIR repeats are lists, but a sloppy sender may send one object."""
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def as_dict(value: object) -> JsonObject:
    return value if isinstance(value, dict) else {}


def as_str(value: object) -> str | None:
    """A primitive as text (``None`` for missing, objects and lists)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | str):
        text = str(value).strip()
        return text or None
    return None


def codings(concepts: object) -> list[JsonObject]:
    """All codings of one CodeableConcept or a list of them."""
    found: list[JsonObject] = []
    for concept in as_list(concepts):
        found += [c for c in as_list(as_dict(concept).get("coding")) if isinstance(c, dict)]
    return found


def code_in(concepts: object, system: str) -> str | None:
    """The first code from ``system`` among the codings of ``concepts``."""
    for coding in codings(concepts):
        if coding.get("system") == system:
            return as_str(coding.get("code"))
    return None


def extensions(resource: JsonObject, url: str) -> list[JsonObject]:
    return [
        e for e in as_list(resource.get("extension")) if isinstance(e, dict) and e.get("url") == url
    ]


def ext_value(ext: JsonObject) -> str | None:
    """The ``value[x]`` of an extension as text, whatever its type."""
    for key, value in ext.items():
        if key.startswith("value"):
            return as_str(value)
    return None


def ext_scalar(resource: JsonObject, url: str) -> str | None:
    found = extensions(resource, url)
    return ext_value(found[0]) if found else None


def local_date(value: object) -> str | None:
    """The Europe/Stockholm calendar date of a FHIR date or dateTime.

    A date (or partial date) passes through unchanged so that the shared row validation
    reports it against the column; a dateTime with an offset is converted to local time first.

    >>> local_date("2025-02-28T23:30:00Z")  # 00:30 on 1 March in Stockholm
    '2025-03-01'
    >>> local_date("2025-03-05"), local_date("2025-03"), local_date(None)
    ('2025-03-05', '2025-03', None)
    """
    text = as_str(value)
    if text is None or "T" not in text:
        return text
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(STOCKHOLM)
    return moment.date().isoformat()


@dataclass(frozen=True)
class Target:
    """What a reference points at: a resource in the file, or only an identifier."""

    resource_type: str | None
    resource: JsonObject | None
    row: int | None
    identifiers: tuple[JsonObject, ...]


class Missing:
    """A literal reference to nothing in the file (the reference text is kept for the report)."""

    def __init__(self, reference: str) -> None:
        self.reference = reference


class ResourceIndex:
    """Every resource of a file by ``Type/id`` and by Bundle ``fullUrl``."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.issues: list[FhirIssue] = []
        self._by_key: dict[str, Entry] = {}
        self._by_identifier: dict[tuple[str, str], Entry] = {}
        for entry in entries:
            for ident in as_list(entry.resource.get("identifier")):
                system, value = (
                    as_str(as_dict(ident).get("system")),
                    as_str(as_dict(ident).get("value")),
                )
                if system and value:
                    self._by_identifier.setdefault((system, value), entry)
            rtype, rid = entry.resource["resourceType"], as_str(entry.resource.get("id"))
            keys = [f"{rtype}/{rid}"] if rid else []
            if entry.full_url:
                keys.append(entry.full_url)
            for key in keys:
                if key in self._by_key:
                    self.issues.append(
                        FhirIssue(entry.row, f"{rtype}.id", rid, "fhir_duplicate_id")
                    )
                    break
                self._by_key[key] = entry

    def resolve(self, reference: object, owner: Entry) -> Target | Missing | None:
        """Follow ``reference`` (a FHIR Reference object) from the resource ``owner``."""
        ref = as_dict(reference)
        literal = as_str(ref.get("reference"))
        declared = as_str(ref.get("type"))
        if literal is None:
            ident = as_dict(ref.get("identifier"))
            if not ident:
                return None
            key = (as_str(ident.get("system")) or "", as_str(ident.get("value")) or "")
            found = self._by_identifier.get(key)
            if found is not None and declared in (None, found.resource["resourceType"]):
                return _target(found.resource, found.row)
            return Target(declared or _type_by_system(ident), None, None, (ident,))
        if literal.startswith("#"):
            for contained in as_list(owner.resource.get("contained")):
                if isinstance(contained, dict) and as_str(contained.get("id")) == literal[1:]:
                    return _target(contained, owner.row)
            return Missing(literal)
        entry = self._by_key.get(literal) or self._by_key.get(_type_and_id(literal))
        if entry is None:
            return Missing(literal)
        return _target(entry.resource, entry.row)


def _target(resource: JsonObject, row: int) -> Target:
    idents = tuple(i for i in as_list(resource.get("identifier")) if isinstance(i, dict))
    return Target(as_str(resource.get("resourceType")), resource, row, idents)


def _type_and_id(literal: str) -> str:
    """``https://host/fhir/Patient/1/_history/2`` → ``Patient/1``."""
    parts = [p for p in literal.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return "/".join(parts[-2:])


def _type_by_system(identifier: JsonObject) -> str | None:
    return "Patient" if identifier.get("system") in PERSON_SYSTEMS else None


def person_identity(
    target: Target, row: int, path: str
) -> tuple[str | None, str | None, list[FhirIssue]]:
    """The best Swedish identity among a Patient's identifiers: (value, type, issues).

    A personnummer beats a samordningsnummer beats a reserve number. A value whose own
    layout says otherwise than its system (a samordningsnummer under the personnummer OID)
    is reported rather than silently re-typed. Values never enter an issue's text.
    """
    known: list[tuple[int, str, str]] = []
    systems: list[str] = []
    for ident in target.identifiers:
        system, value = as_str(ident.get("system")), as_str(ident.get("value"))
        if system in PERSON_SYSTEMS and value:
            kind = PERSON_SYSTEMS[system]
            known.append((PERSON_TYPE_RANK[kind], kind, value))
        elif system:
            systems.append(system)
    if not known:
        if systems:
            shown = ", ".join(sorted(set(systems)))[:200]
            return None, None, [FhirIssue(row, path, shown, "fhir_unknown_identifier_system")]
        return None, None, [FhirIssue(row, path, None, "fhir_missing_identifier")]
    _, kind, value = min(known)
    issues: list[FhirIssue] = []
    try:
        parsed = parse_identity(value)
    except InputError:
        parsed = None  # the shared validation reports the value against patient_id
    if parsed is not None and parsed.type != kind:
        params = {"system_type": kind, "value_type": parsed.type}
        issues.append(FhirIssue(row, path, None, "fhir_identifier_type_mismatch", params))
    return value, kind, issues


def unit_identity(target: Target, row: int, path: str) -> tuple[str | None, list[FhirIssue]]:
    """The HSA id of an Organization or Location (or of a logical reference)."""
    systems: list[str] = []
    for ident in target.identifiers:
        system, value = as_str(ident.get("system")), as_str(ident.get("value"))
        if system == HSA_ID and value:
            return value, []
        if system:
            systems.append(system)
    if systems:
        shown = ", ".join(sorted(set(systems)))[:200]
        return None, [FhirIssue(row, path, shown, "fhir_unknown_identifier_system")]
    return None, [FhirIssue(row, path, None, "fhir_missing_identifier")]
