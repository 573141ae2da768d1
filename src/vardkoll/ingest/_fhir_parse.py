"""From bytes to FHIR resources: Bundle or NDJSON, each resource checked against FHIR R4.

Why R4B models: ``fhir.resources`` 8 ships R5 as its default and keeps R4B (4.3.0) and STU3
beside it, but no plain R4 (4.0.1). R4B changed only the medication-definition, evidence and
subscription resources (HL7, "R4B explanation"); the resources used here (Patient,
Organization, Location, ServiceRequest, Appointment, Encounter, Task, Bundle) are the same as in
R4, so an R4 resource validates as R4B and what we export under R4B is valid R4. R5 is not an
option: it restructured Encounter and Appointment.

Nothing here raises past the reader: a file that cannot be read at all is an
:class:`~vardkoll.domain.InputError`; anything wrong inside a readable file becomes a
:class:`FhirIssue` naming the resource (1-based Bundle entry or NDJSON line) and the FHIR path.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vardkoll.domain import InputError

__all__ = [
    "Entry",
    "FhirIssue",
    "JsonObject",
    "load_entries",
    "validate_resource",
]

JsonObject = dict[str, Any]

_RESOURCE_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
_MAX_VALUE = 120


@dataclass(frozen=True)
class FhirIssue:
    """A problem the shared row validation cannot see, before it becomes a ``RowProblem``."""

    row: int
    field: str
    value: str | None
    code: str
    params: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """One resource of the file and where a person finds it (``row``)."""

    row: int
    resource: JsonObject
    full_url: str | None = None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in FHIR JSON")


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"Cannot read the FHIR file {path.name!r}: {exc.strerror or exc}. "
            "Check the path and its permissions.",
            file=str(path),
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"The FHIR file {path.name!r} is not UTF-8 (invalid byte at offset {exc.start}); "
            "FHIR JSON is always UTF-8, so export it again as UTF-8.",
            file=str(path),
        ) from None


def load_entries(path: Path) -> tuple[list[Entry], list[FhirIssue]]:
    """Read a Bundle (JSON), a single resource, or NDJSON (one resource per line)."""
    text = _decode(path)
    if not text.strip():
        raise InputError(
            f"The FHIR file {path.name!r} is empty; expected a Bundle or NDJSON resources.",
            file=str(path),
        )
    try:
        doc = _loads(text)
    except (ValueError, RecursionError) as whole_error:
        return _ndjson(path, text, whole_error)
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceType"), str):
        raise InputError(
            f"The FHIR file {path.name!r} is JSON but not a FHIR resource: the top level must "
            'be an object with "resourceType" (a Bundle, or one resource per line as NDJSON).',
            file=str(path),
        )
    if doc["resourceType"] != "Bundle":
        return [Entry(1, doc)], []
    return _bundle_entries(path, doc)


def _bundle_entries(path: Path, bundle: JsonObject) -> tuple[list[Entry], list[FhirIssue]]:
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise InputError(
            f'The Bundle in {path.name!r} has an "entry" that is not a list; '
            "each entry must be an object with a resource.",
            file=str(path),
        )
    found: list[Entry] = []
    issues: list[FhirIssue] = []
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            issues.append(FhirIssue(i, "Bundle.entry", None, "fhir_not_a_resource"))
            continue
        resource = entry.get("resource")
        if resource is None:
            continue  # e.g. a DELETE in a transaction: nothing to import
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            issues.append(FhirIssue(i, "Bundle.entry.resource", None, "fhir_not_a_resource"))
            continue
        full_url = entry.get("fullUrl")
        found.append(Entry(i, resource, full_url if isinstance(full_url, str) else None))
    return found, issues


def _ndjson(
    path: Path, text: str, whole_error: ValueError | RecursionError
) -> tuple[list[Entry], list[FhirIssue]]:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    try:
        first_doc = _loads(first)
    except (ValueError, RecursionError):
        first_doc = None
    if not isinstance(first_doc, dict):
        where = ""
        if isinstance(whole_error, json.JSONDecodeError):
            where = f" at line {whole_error.lineno}, column {whole_error.colno}"
        raise InputError(
            f"The FHIR file {path.name!r} is not valid JSON{where}, nor NDJSON with one "
            "resource per line. Is the file complete (not cut short)? Export it again.",
            file=str(path),
        )
    found: list[Entry] = []
    issues: list[FhirIssue] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            doc = _loads(line)
        except (ValueError, RecursionError):
            issues.append(FhirIssue(number, "resource", None, "fhir_invalid_json"))
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("resourceType"), str):
            issues.append(FhirIssue(number, "resource", None, "fhir_not_a_resource"))
        elif doc["resourceType"] == "Bundle":
            issues.append(FhirIssue(number, "resource", "Bundle", "fhir_bundle_in_ndjson"))
        else:
            found.append(Entry(number, doc))
    return found, issues


def _fhir_name(part: object) -> str:
    text = str(part)
    return text.removesuffix("_fhir") if isinstance(part, str) else f"[{text}]"


def _path(resource_type: str, loc: tuple[object, ...]) -> str:
    path = resource_type
    for part in loc:
        name = _fhir_name(part)
        path += name if name.startswith("[") else f".{name}"
    return path


def _shown(resource_type: str, path: str, value: object) -> str | None:
    """The offending value, unless it may identify a person or is not a plain value."""
    if resource_type == "Patient" or "identifier" in path:
        return None
    if isinstance(value, bool | int | float | str):
        return str(value)[:_MAX_VALUE]
    return None


def validate_resource(entry: Entry) -> list[FhirIssue]:
    """Check one resource against the FHIR R4 (R4B) model; an empty list means valid."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    resource_type = entry.resource["resourceType"]
    if not _RESOURCE_TYPE.match(resource_type):
        return [FhirIssue(entry.row, "resourceType", None, "fhir_unknown_resource_type")]
    try:
        model = get_fhir_model_class(resource_type)
    except ValueError:
        shown = resource_type[:_MAX_VALUE]
        return [FhirIssue(entry.row, "resourceType", shown, "fhir_unknown_resource_type")]
    try:
        model.model_validate(entry.resource)
    except ValidationError as exc:
        issues: list[FhirIssue] = []
        for error in exc.errors(include_url=False):
            path = _path(resource_type, tuple(error.get("loc", ())))
            value = _shown(resource_type, path, error.get("input"))
            reason = str(error.get("msg", "invalid"))[:200]
            issues.append(FhirIssue(entry.row, path, value, "fhir_invalid", {"reason": reason}))
        return issues
    except Exception as exc:  # fhir.resources raises KeyError etc. on some malformed input
        reason = type(exc).__name__
        return [FhirIssue(entry.row, resource_type, None, "fhir_invalid", {"reason": reason})]
    return []
