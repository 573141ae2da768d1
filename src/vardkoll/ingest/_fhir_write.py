"""Pathway events (and units) → a FHIR R4 Bundle, and a Bundle → NDJSON.

The export is the exact inverse of the reader: every column of every event lands in a FHIR
element or a Vårdkoll extension (``docs/reference/fhir-mapping.md``), so reading the Bundle
back yields the same rows. Resource ids are derived from the natural keys (patients are
numbered instead: an id must never be a hash of a personnummer), so exporting the same events
twice gives the same Bundle. Every resource is validated against the FHIR R4 model (R4B
classes, see ``_fhir_parse``) before the Bundle is returned.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa

from vardkoll.domain import InputError
from vardkoll.ingest._fhir_bundle import (
    BundleBuilder,
    Row,
    coding,
    reference_to,
    resource_id,
    table_rows,
    whole_number,
)
from vardkoll.ingest._fhir_codes import (
    ATTRIBUTE_COLUMNS,
    CS_ENTRY_TYPE,
    CS_EVENT_TYPE,
    CS_PAUSE_REASON,
    CS_REMOVAL_REASON,
    CS_SPECIALTY,
    CS_TASK_CODE,
    EXT_ATTRIBUTE,
    EXT_EVENT_SEQ,
    EXT_HOME_MUNICIPALITY,
    EXT_REGION_CODE,
    EXT_SUPERSEDES_SEQ,
    KVA,
    NATURAL_COLUMNS,
    PATHWAY_ID_PREFIX,
    PRIORITY_TO_FHIR,
    TASK_EVENTS,
    VARDKOLL_FHIR,
)
from vardkoll.ingest._fhir_parse import Entry, JsonObject, validate_resource
from vardkoll.ingest._fhir_refs import STOCKHOLM

__all__ = [
    "export_fhir_bundle",
    "write_fhir_ndjson",
]

_ENCOUNTER_CLASS = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}


def _day(date_text: str, days: int = 0) -> str:
    day = dt.date.fromisoformat(date_text) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(0), tzinfo=STOCKHOLM).isoformat()


def _extensions(row: Row, natural: frozenset[str], where: str) -> list[JsonObject]:
    exts: list[JsonObject] = [
        {
            "url": EXT_EVENT_SEQ,
            "valueInteger": whole_number("event_seq", row["event_seq"] or "", where),
        }
    ]
    if row.get("supersedes_seq"):
        value = whole_number("supersedes_seq", row["supersedes_seq"] or "", where)
        exts.append({"url": EXT_SUPERSEDES_SEQ, "valueInteger": value})
    for url, column in (
        (EXT_REGION_CODE, "region_code"),
        (EXT_HOME_MUNICIPALITY, "home_municipality"),
    ):
        if row.get(column):
            exts.append({"url": url, "valueString": row[column]})
    for column in sorted(ATTRIBUTE_COLUMNS - natural):
        if row.get(column) is not None:
            parts = [
                {"url": "name", "valueCode": column},
                {"url": "value", "valueString": row[column]},
            ]
            exts.append({"url": EXT_ATTRIBUTE, "extension": parts})
    return exts


def _request_status(rows: list[Row]) -> str:
    voided = {r["supersedes_seq"] for r in rows if r["event_type"] == "void"}
    removals = [r for r in rows if r["event_type"] == "removal" and r["event_seq"] not in voided]
    if not removals:
        return "active"
    reason = removals[-1].get("removal_reason")
    return {"treated": "completed", "registered_in_error": "entered-in-error"}.get(
        reason or "", "revoked"
    )


def _pathway_resources(b: BundleBuilder, rows: list[Row]) -> None:
    source, pathway_id = rows[0]["source_system"] or "", rows[0]["pathway_id"] or ""
    identifier = {"system": PATHWAY_ID_PREFIX + quote(source, safe=""), "value": pathway_id}
    starts = [r for r in rows if r["event_type"] == "clock_start"]
    anchor = resource_id("sr", source, pathway_id, starts[0]["event_seq"]) if starts else None
    based_on: JsonObject = (
        {"reference": f"ServiceRequest/{anchor}"}
        if anchor
        else {"type": "ServiceRequest", "identifier": identifier}
    )
    status = _request_status(rows)
    for row in rows:
        event_type, seq = row["event_type"] or "", row["event_seq"]
        where = f"event {seq} of pathway {pathway_id!r}"
        patient = reference_to(b.patient(row, pathway_id))
        unit_id = row.get("unit_id")
        unit = reference_to(b.unit_org(unit_id)) if unit_id else None
        date = row.get("event_date")
        if event_type == "clock_start":
            res = _service_request(row, identifier, status, patient, unit)
            kind, rid = "clock_start", resource_id("sr", source, pathway_id, seq)
        elif event_type in ("offer", "booking"):
            res = _appointment(b, row, based_on, patient)
            kind, rid = event_type, resource_id("appt", source, pathway_id, seq)
        elif event_type == "removal" and row.get("removal_reason") == "treated":
            res = {"resourceType": "Encounter", "status": "finished", "class": _ENCOUNTER_CLASS}
            res.update({"basedOn": [based_on], "subject": patient})
            res.update({"serviceProvider": unit} if unit else {})
            res.update({"period": {"end": date}} if date else {})
            kind, rid = "encounter", resource_id("enc", source, pathway_id, seq)
        elif event_type in TASK_EVENTS:
            res = _task(row, event_type, based_on, patient, unit)
            kind = event_type if event_type in NATURAL_COLUMNS else "task"
            rid = resource_id("task", source, pathway_id, seq)
        else:
            raise InputError(
                f"Cannot export {where}: unknown event_type {event_type!r}.", field="event_type"
            )
        head = {"resourceType": res.pop("resourceType"), "id": rid}
        head["extension"] = _extensions(row, NATURAL_COLUMNS[kind], where)
        b.add({**head, **res})


def _service_request(
    row: Row, identifier: JsonObject, status: str, patient: JsonObject, unit: JsonObject | None
) -> JsonObject:
    res: JsonObject = {
        "resourceType": "ServiceRequest",
        "identifier": [identifier],
        "status": status,
        "intent": "order",
        "subject": patient,
    }
    if row.get("entry_type"):
        res["category"] = [coding(CS_ENTRY_TYPE, row["entry_type"] or "")]
    if row.get("procedure_code"):
        res["code"] = coding(KVA, row["procedure_code"] or "")
    if row.get("priority"):
        res["priority"] = PRIORITY_TO_FHIR.get(row["priority"] or "", row["priority"])
    if row.get("event_date"):
        res["authoredOn"] = row["event_date"]
    if unit:
        res["performer"] = [unit]
    if row.get("specialty"):
        res["performerType"] = coding(CS_SPECIALTY, row["specialty"] or "")
    return res


def _appointment(
    b: BundleBuilder, row: Row, based_on: JsonObject, patient: JsonObject
) -> JsonObject:
    offer = row["event_type"] == "offer"
    answer = (row.get("offer_outcome") or "needs-action") if offer else "accepted"
    participants: list[JsonObject] = [{"actor": patient, "status": answer}]
    if offer and row.get("offered_unit_id"):
        location = b.location(row["offered_unit_id"] or "")
        participants.append({"actor": reference_to(location), "status": "accepted"})
    res: JsonObject = {
        "resourceType": "Appointment",
        "status": "proposed" if offer else "booked",
        "basedOn": [based_on],
        "participant": participants,
    }
    if row.get("event_date"):
        res["created"] = row["event_date"]
    if row.get("appointment_date"):
        res["start"] = _day(row["appointment_date"] or "")
        res["end"] = _day(row["appointment_date"] or "", days=1)
    return res


def _task(
    row: Row, event_type: str, based_on: JsonObject, patient: JsonObject, unit: JsonObject | None
) -> JsonObject:
    code = [{"system": CS_EVENT_TYPE, "code": event_type}]
    if TASK_EVENTS[event_type]:
        code.append({"system": CS_TASK_CODE, "code": TASK_EVENTS[event_type] or ""})
    res: JsonObject = {
        "resourceType": "Task",
        "status": "completed",
        "intent": "order",
        "code": {"coding": code},
        "focus": based_on,
        "basedOn": [based_on],
        "for": patient,
    }
    if row.get("event_date"):
        res["authoredOn"] = row["event_date"]
    if unit:
        res["owner"] = unit
    if event_type == "pause_start" and row.get("pause_reason"):
        res["statusReason"] = coding(CS_PAUSE_REASON, row["pause_reason"] or "")
    if event_type == "removal" and row.get("removal_reason"):
        res["statusReason"] = coding(CS_REMOVAL_REASON, row["removal_reason"] or "")
    return res


def export_fhir_bundle(
    events: pa.Table,
    units: pa.Table | None = None,
    *,
    patient_identities: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """A FHIR R4 Bundle (type ``collection``) of the given pathway events and units.

    Parameters
    ----------
    events:
        Pathway-event rows with the columns of the import format (typed as in
        ``ValidatedFile.valid`` or all text); extra columns such as ``patient_id_type`` are
        used where they help and otherwise ignored.
    units:
        Optional unit rows; they become an Organization per provider and unit and a Location
        per unit (with its position).
    patient_identities:
        Optional map from each ``patient_id`` of ``events`` to the identity to write in
        ``Patient.identifier`` (for instance from pseudonyms back to personnummer); by
        default the ``patient_id`` itself is written.

    Raises
    ------
    InputError
        When an event cannot be expressed (no patient, an unknown event type, …) or a built
        resource fails FHIR validation. Messages never contain an identity in full.
    """
    builder = BundleBuilder(patient_identities)
    if units is not None:
        builder.add_units(table_rows(units))
    pathways: dict[tuple[str | None, str | None], list[Row]] = {}
    for row in table_rows(events):
        pathways.setdefault((row.get("source_system"), row.get("pathway_id")), []).append(row)
    for rows in pathways.values():
        rows.sort(key=lambda r: whole_number("event_seq", r.get("event_seq") or "", "an event"))
        _pathway_resources(builder, rows)
    builder.finish_patients()
    order = {"Patient": 0, "Organization": 1, "Location": 2}
    resources = sorted(
        builder.resources.values(),
        key=lambda r: order.get(r["resourceType"], 3),
    )
    for resource in resources:
        issues = validate_resource(Entry(0, resource))
        if issues:
            where = ", ".join(f"{i.field}: {i.params.get('reason', i.code)}" for i in issues[:3])
            raise InputError(
                f"The exported {resource['resourceType']} {resource['id']} is not valid FHIR R4 "
                f"({where}); check the event values it was built from.",
            )
    entries = [
        {"fullUrl": f"{VARDKOLL_FHIR}/{r['resourceType']}/{r['id']}", "resource": r}
        for r in resources
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def write_fhir_ndjson(bundle: Mapping[str, object], path: Path) -> None:
    """Write the resources of ``bundle`` as NDJSON (one resource per line, UTF-8), atomically.

    The file appears complete or not at all: it is written beside ``path`` and renamed.
    """
    entries = bundle.get("entry")
    if bundle.get("resourceType") != "Bundle" or not isinstance(entries, list):
        raise InputError(
            'write_fhir_ndjson needs a Bundle: a mapping with "resourceType": "Bundle" and a '
            '"entry" list (as export_fhir_bundle returns).'
        )
    lines = []
    for i, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise InputError(f"Bundle entry {i} has no resource object; nothing to write.")
        lines.append(json.dumps(resource, ensure_ascii=False, separators=(",", ":")))
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path())
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write("".join(line + "\n" for line in lines))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
