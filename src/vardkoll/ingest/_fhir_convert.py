"""A file's FHIR resources → event rows and unit rows, numbered and completed.

Numbering (so that re-imports are idempotent): a resource that states its sequence number in
the ``event-seq`` extension keeps it. The other events of a pathway are sorted by
(event date, event-type rank, resource type, resource id, position in the file) and numbered
after the highest stated number (from 1 when none is stated). The numbers are therefore the
same on every import of the same resources, in any order in the file, as long as the source
keeps its resource ids; a source that adds an *earlier-dated* event later should send
``event-seq`` (Vårdkoll's own export always does).

Completion: ``region_code`` and ``unit_id`` are required on every event but usually stated
once per pathway, so an event without them takes them from the event before it in the same
pathway (after a ``transfer``, the new unit). A missing ``region_code`` on a ``clock_start``
falls back to the county part (first two digits) of the home municipality.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from vardkoll.ingest._fhir_codes import (
    CS_OWNERSHIP,
    CS_SPECIALTY,
    EVENT_RANK,
    EXT_MUNICIPALITY_CODE,
    EXT_REGION_CODE,
    PATHWAY_EVENT_COLUMNS,
    UNIT_COLUMNS,
)
from vardkoll.ingest._fhir_events import EventConverter, EventRow, Row
from vardkoll.ingest._fhir_parse import Entry, FhirIssue, JsonObject, validate_resource
from vardkoll.ingest._fhir_refs import (
    ResourceIndex,
    Target,
    as_dict,
    as_str,
    code_in,
    codings,
    ext_scalar,
    unit_identity,
)

__all__ = [
    "Conversion",
    "convert",
]

_HANDLERS = {
    "ServiceRequest": EventConverter.service_request,
    "Appointment": EventConverter.appointment,
    "Encounter": EventConverter.encounter,
    "Task": EventConverter.task,
}
_FILLED_FORWARD = ("region_code", "unit_id")


@dataclass(frozen=True)
class Conversion:
    """Rows of each kind (each a column → text mapping plus its ``_row``) and FHIR issues."""

    events: list[tuple[Row, int]]
    units: list[tuple[Row, int]]
    issues: list[FhirIssue]


def convert(entries: list[Entry]) -> Conversion:
    """Validate every resource, then map the valid ones to rows."""
    issues: list[FhirIssue] = []
    valid: list[Entry] = []
    for entry in entries:
        found = validate_resource(entry)
        issues += found
        if not found:
            valid.append(entry)
    index = ResourceIndex(entries)  # invalid resources still resolve, so no cascade of issues
    issues += index.issues
    converter = EventConverter(index)
    for entry in valid:
        handler = _HANDLERS.get(entry.resource["resourceType"])
        if handler is not None:
            handler(converter, entry)
    issues += converter.issues
    events = _numbered(converter.events)
    issues += _ended_without_removal(converter, events)
    units = _units(valid, index, issues)
    # A broken Patient or Organization referred to many times is reported once.
    unique: dict[tuple[int, str, str | None, str], FhirIssue] = {}
    for issue in issues:
        unique.setdefault((issue.row, issue.field, issue.value, issue.code), issue)
    return Conversion(events, units, list(unique.values()))


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _numbered(events: list[EventRow]) -> list[tuple[Row, int]]:
    by_pathway: dict[tuple[str | None, str | None], list[EventRow]] = defaultdict(list)
    for event in events:
        by_pathway[(event.values["source_system"], event.values["pathway_id"])].append(event)
    for group in by_pathway.values():
        stated = [n for e in group if e.explicit_seq and (n := _int(e.values["event_seq"]))]
        implicit = sorted(
            (e for e in group if not e.explicit_seq),
            key=lambda e: (
                e.values.get("event_date") or "",
                EVENT_RANK.get(e.values["event_type"] or "", 99),
                *e.sort_key,
                e.row,
            ),
        )
        for number, event in enumerate(implicit, start=max(stated, default=0) + 1):
            event.values["event_seq"] = str(number)
        _fill_forward(group)
    ordered = sorted(events, key=lambda e: (e.row, _int(e.values["event_seq"]) or 0))
    return [({c: e.values.get(c) for c in PATHWAY_EVENT_COLUMNS}, e.row) for e in ordered]


def _fill_forward(group: list[EventRow]) -> None:
    last: dict[str, str | None] = dict.fromkeys(_FILLED_FORWARD)
    for event in sorted(group, key=lambda e: (_int(e.values["event_seq"]) or 0, e.row)):
        values = event.values
        home = values.get("home_municipality")
        if values.get("region_code") is None and home and len(home) == 4 and home.isdigit():
            values["region_code"] = home[:2]
        for column in _FILLED_FORWARD:
            if values.get(column) is None:
                values[column] = last[column]
            last[column] = values[column]


def _ended_without_removal(
    converter: EventConverter, events: list[tuple[Row, int]]
) -> list[FhirIssue]:
    """A revoked or completed ServiceRequest needs the event that ended it."""
    removed = {
        (row["source_system"], row["pathway_id"])
        for row, _ in events
        if row["event_type"] == "removal"
    }
    return [
        FhirIssue(row, "ServiceRequest.status", status, "fhir_ended_without_removal")
        for pathway, row, status in converter.ended_requests
        if pathway not in removed
    ]


def _units(
    valid: list[Entry], index: ResourceIndex, issues: list[FhirIssue]
) -> list[tuple[Row, int]]:
    """Organizations that state Vårdkoll unit facts (ownership or specialties) become units."""
    locations = [e for e in valid if e.resource["resourceType"] == "Location"]
    units: list[tuple[Row, int]] = []
    for entry in valid:
        res = entry.resource
        if res["resourceType"] != "Organization":
            continue
        ownership = code_in(res.get("type"), CS_OWNERSHIP)
        specialties = [
            code
            for c in codings(res.get("type"))
            if c.get("system") == CS_SPECIALTY and (code := as_str(c.get("code")))
        ]
        if ownership is None and not specialties:
            continue
        unit_id, found = unit_identity(
            _own_target(res, entry.row), entry.row, "Organization.identifier"
        )
        issues += found
        provider_id, provider_name = _provider(entry, index, issues)
        position = _position(entry, unit_id, locations, index)
        row: Row = {
            "provider_id": provider_id,
            "provider_name": provider_name,
            "ownership": ownership,
            "unit_id": unit_id,
            "unit_name": as_str(res.get("name")),
            "region_code": ext_scalar(res, EXT_REGION_CODE),
            "municipality_code": ext_scalar(res, EXT_MUNICIPALITY_CODE),
            "latitude": as_str(position.get("latitude")),
            "longitude": as_str(position.get("longitude")),
            "specialties": "|".join(specialties) or None,
        }
        units.append(({c: row[c] for c in UNIT_COLUMNS}, entry.row))
    return units


def _own_target(resource: JsonObject, row: int) -> Target:
    idents = tuple(i for i in resource.get("identifier") or [] if isinstance(i, dict))
    return Target(as_str(resource.get("resourceType")), resource, row, idents)


def _provider(
    entry: Entry, index: ResourceIndex, issues: list[FhirIssue]
) -> tuple[str | None, str | None]:
    target = index.resolve(entry.resource.get("partOf"), entry)
    if not isinstance(target, Target):
        if target is not None:
            ref = target.reference
            issues.append(
                FhirIssue(entry.row, "Organization.partOf", ref, "fhir_reference_not_found")
            )
        return None, None
    own = target.resource is not None and target.row is not None
    where = (
        (target.row or entry.row, "Organization.identifier")
        if own
        else (entry.row, "Organization.partOf")
    )
    provider_id, found = unit_identity(target, *where)
    issues += found
    name = as_str(target.resource.get("name")) if target.resource is not None else None
    return provider_id, name


def _position(
    unit: Entry, unit_id: str | None, locations: list[Entry], index: ResourceIndex
) -> JsonObject:
    """The position of the unit's Location: same HSA id, or managed by the unit."""
    for location in locations:
        res = location.resource
        same_id = unit_id is not None and any(
            as_str(as_dict(i).get("value")) == unit_id for i in res.get("identifier") or []
        )
        managed = index.resolve(res.get("managingOrganization"), location)
        if same_id or (isinstance(managed, Target) and managed.resource is unit.resource):
            return as_dict(res.get("position"))
    return {}
