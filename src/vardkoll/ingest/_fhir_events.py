"""FHIR resources → pathway-event rows (all text), one resource at a time.

The mapping is documented in ``docs/reference/fhir-mapping.md``; in short:

- ServiceRequest → ``clock_start`` (the decision on referral or to treat);
- Appointment booked → ``booking``; proposed with the patient's answer → ``offer``;
- Encounter finished → ``removal`` with reason ``treated``;
- Task with a Vårdkoll event-type code → ``priority_change``, ``pause_start``, ``pause_end``,
  ``transfer``, ``removal`` (any other reason) or ``void``.

Rows keep ``event_seq`` empty unless the resource states it; the reader numbers the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from vardkoll.ingest._fhir_codes import (
    APPOINTMENT_BOOKED,
    APPOINTMENT_OFFERED,
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
    PATHWAY_ID_PREFIX,
    PRIORITY_FROM_FHIR,
    PROTECTED_LABELS,
    REQUEST_ENDED_STATUS,
    REQUEST_SKIPPED_INTENT,
    REQUEST_SKIPPED_STATUS,
    SEX_FROM_FHIR,
    TASK_CODE_FALLBACK,
    TASK_EVENTS,
    TASK_SKIPPED_STATUS,
)
from vardkoll.ingest._fhir_parse import Entry, FhirIssue, JsonObject
from vardkoll.ingest._fhir_refs import (
    Missing,
    ResourceIndex,
    Target,
    as_dict,
    as_list,
    as_str,
    code_in,
    ext_scalar,
    ext_value,
    extensions,
    local_date,
    person_identity,
    unit_identity,
)

__all__ = [
    "EventConverter",
    "EventRow",
    "Row",
    "pathway_key",
]

Row = dict[str, str | None]


@dataclass
class EventRow:
    """One event with where it came from, for numbering and for the error report."""

    values: Row
    row: int
    sort_key: tuple[str, str]  # (resource type, id) breaks ties deterministically
    explicit_seq: bool


@dataclass
class EventConverter:
    """Turns the resources of one file into event rows, collecting FHIR issues on the way."""

    index: ResourceIndex
    events: list[EventRow] = field(default_factory=list)
    issues: list[FhirIssue] = field(default_factory=list)
    ended_requests: list[tuple[tuple[str | None, str | None], int, str]] = field(
        default_factory=list
    )
    _patients: dict[int, Row] = field(default_factory=dict)

    # --- shared pieces ------------------------------------------------------------------------

    def _emit(self, entry: Entry, event_type: str, pathway: tuple[str | None, str | None]) -> Row:
        res = entry.resource
        values: Row = {
            "source_system": pathway[0],
            "pathway_id": pathway[1],
            "event_type": event_type,
            "event_seq": ext_scalar(res, EXT_EVENT_SEQ),
            "supersedes_seq": ext_scalar(res, EXT_SUPERSEDES_SEQ),
            "region_code": ext_scalar(res, EXT_REGION_CODE),
            "home_municipality": ext_scalar(res, EXT_HOME_MUNICIPALITY),
        }
        key = (str(res.get("resourceType")), as_str(res.get("id")) or "")
        self.events.append(EventRow(values, entry.row, key, values["event_seq"] is not None))
        return values

    def _attributes(self, entry: Entry, values: Row) -> None:
        rtype = entry.resource["resourceType"]
        for ext in extensions(entry.resource, EXT_ATTRIBUTE):
            parts = {
                as_str(p.get("url")): ext_value(p)
                for p in as_list(ext.get("extension"))
                if isinstance(p, dict)
            }
            name, value = parts.get("name"), parts.get("value")
            if name not in ATTRIBUTE_COLUMNS:
                self.issues.append(
                    FhirIssue(entry.row, f"{rtype}.extension", name, "fhir_unknown_attribute")
                )
            elif values.get(name) is None:
                values[name] = value

    def _patient(self, reference: object, entry: Entry, path: str) -> Row:
        target = self.index.resolve(reference, entry)
        if target is None:
            self.issues.append(FhirIssue(entry.row, path, None, "fhir_missing_reference"))
            return {}
        if isinstance(target, Missing):
            issue = FhirIssue(entry.row, path, target.reference, "fhir_reference_not_found")
            self.issues.append(issue)
            return {}
        if target.resource_type != "Patient":
            shown = target.resource_type
            self.issues.append(FhirIssue(entry.row, path, shown, "fhir_wrong_reference_type"))
            return {}
        cache_key = id(target.resource) if target.resource is not None else -1
        if cache_key in self._patients:
            return self._patients[cache_key]
        own = target.row is not None and target.resource is not None
        row, field_path = (target.row, "Patient.identifier") if own else (entry.row, path)
        value, _kind, issues = person_identity(target, row or entry.row, field_path)
        self.issues += issues
        facts: Row = {"patient_id": value}
        if target.resource is not None:
            facts.update(_patient_facts(target.resource))
        if cache_key != -1:
            self._patients[cache_key] = facts
        return facts

    def _unit(self, reference: object, entry: Entry, path: str) -> str | None:
        target = self.index.resolve(reference, entry)
        if target is None:
            return None
        if isinstance(target, Missing):
            issue = FhirIssue(entry.row, path, target.reference, "fhir_reference_not_found")
            self.issues.append(issue)
            return None
        own = target.row is not None and target.resource is not None
        where = (target.row, f"{target.resource_type}.identifier") if own else (entry.row, path)
        value, issues = unit_identity(target, where[0] or entry.row, where[1])
        self.issues += issues
        return value

    def _pathway_of(
        self, entry: Entry, references: list[tuple[str, object]]
    ) -> tuple[str | None, str | None] | None:
        """The pathway a dependent resource belongs to, from its first ServiceRequest link."""
        first_missing: tuple[str, Missing] | None = None
        for path, reference in references:
            target = self.index.resolve(reference, entry)
            if isinstance(target, Missing):
                first_missing = first_missing or (path, target)
            elif isinstance(target, Target) and target.resource_type in (None, "ServiceRequest"):
                return pathway_key(target.identifiers)
        if first_missing is not None:
            path, missing = first_missing
            self.issues.append(
                FhirIssue(entry.row, path, missing.reference, "fhir_reference_not_found")
            )
        return None

    # --- resources ----------------------------------------------------------------------------

    def service_request(self, entry: Entry) -> None:
        res = entry.resource
        status, intent = as_str(res.get("status")), as_str(res.get("intent"))
        if status in REQUEST_SKIPPED_STATUS or intent in REQUEST_SKIPPED_INTENT:
            return
        idents = tuple(i for i in as_list(res.get("identifier")) if isinstance(i, dict))
        found = pathway_key(idents)
        pathway: tuple[str | None, str | None] = found or (None, None)
        if found is None:
            issue = FhirIssue(entry.row, "ServiceRequest.identifier", None, "fhir_no_pathway_id")
            self.issues.append(issue)
        values = self._emit(entry, "clock_start", pathway)
        values["event_date"] = local_date(res.get("authoredOn"))
        values.update(self._patient(res.get("subject"), entry, "ServiceRequest.subject"))
        performers = as_list(res.get("performer"))
        if performers:
            values["unit_id"] = self._unit(performers[0], entry, "ServiceRequest.performer[0]")
        values["specialty"] = code_in(res.get("performerType"), CS_SPECIALTY)
        values["entry_type"] = code_in(res.get("category"), CS_ENTRY_TYPE)
        priority = as_str(res.get("priority"))
        values["priority"] = PRIORITY_FROM_FHIR.get(priority or "", priority)
        values["procedure_code"] = code_in(res.get("code"), KVA)
        self._attributes(entry, values)
        if status in REQUEST_ENDED_STATUS:
            self.ended_requests.append((pathway, entry.row, status or ""))

    def appointment(self, entry: Entry) -> None:
        res = entry.resource
        status = as_str(res.get("status"))
        if status in APPOINTMENT_BOOKED:
            event_type = "booking"
        elif status in APPOINTMENT_OFFERED:
            event_type = "offer"
        else:
            return
        based_on = [
            (f"Appointment.basedOn[{i}]", r) for i, r in enumerate(as_list(res.get("basedOn")))
        ]
        pathway = self._pathway_of(entry, based_on)
        if pathway is None:
            return
        patient_ref, answer, location_ref = None, None, None
        for i, participant in enumerate(as_list(res.get("participant"))):
            actor = as_dict(as_dict(participant).get("actor"))
            target = self.index.resolve(actor, entry)
            kind = target.resource_type if isinstance(target, Target) else _literal_type(actor)
            if kind == "Patient" and patient_ref is None:
                patient_ref, answer = (i, actor), as_str(as_dict(participant).get("status"))
            elif kind == "Location" and location_ref is None:
                location_ref = (i, actor)
        if event_type == "offer" and answer not in ("accepted", "declined"):
            return  # an offer becomes an event once the patient has answered
        values = self._emit(entry, event_type, pathway)
        values["event_date"] = local_date(res.get("created"))
        start = res.get("start") or as_dict(as_list(res.get("requestedPeriod"))[:1] or {}).get(
            "start"
        )
        values["appointment_date"] = local_date(start)
        if patient_ref is None:
            issue = FhirIssue(entry.row, "Appointment.participant", None, "fhir_no_patient")
            self.issues.append(issue)
        else:
            path = f"Appointment.participant[{patient_ref[0]}].actor"
            values.update(self._patient(patient_ref[1], entry, path))
        if event_type == "offer":
            values["offer_outcome"] = answer
            if location_ref is not None:
                path = f"Appointment.participant[{location_ref[0]}].actor"
                values["offered_unit_id"] = self._unit(location_ref[1], entry, path)
        self._attributes(entry, values)

    def encounter(self, entry: Entry) -> None:
        res = entry.resource
        if as_str(res.get("status")) != "finished":
            return
        based_on = [
            (f"Encounter.basedOn[{i}]", r) for i, r in enumerate(as_list(res.get("basedOn")))
        ]
        pathway = self._pathway_of(entry, based_on)
        if pathway is None:
            return
        values = self._emit(entry, "removal", pathway)
        values["event_date"] = local_date(as_dict(res.get("period")).get("end"))
        values.update(self._patient(res.get("subject"), entry, "Encounter.subject"))
        values["unit_id"] = self._unit(
            res.get("serviceProvider"), entry, "Encounter.serviceProvider"
        )
        values["removal_reason"] = "treated"
        self._attributes(entry, values)

    def task(self, entry: Entry) -> None:
        res = entry.resource
        if as_str(res.get("status")) in TASK_SKIPPED_STATUS:
            return
        event_type = code_in(res.get("code"), CS_EVENT_TYPE)
        if event_type not in TASK_EVENTS:
            event_type = TASK_CODE_FALLBACK.get(code_in(res.get("code"), CS_TASK_CODE) or "")
        if event_type is None:
            return
        links = [(f"Task.basedOn[{i}]", r) for i, r in enumerate(as_list(res.get("basedOn")))]
        pathway = self._pathway_of(entry, [*links, ("Task.focus", res.get("focus"))])
        if pathway is None:
            return
        values = self._emit(entry, event_type, pathway)
        values["event_date"] = local_date(res.get("authoredOn"))
        values.update(self._patient(res.get("for"), entry, "Task.for"))
        values["unit_id"] = self._unit(res.get("owner"), entry, "Task.owner")
        if event_type == "pause_start":
            values["pause_reason"] = code_in(res.get("statusReason"), CS_PAUSE_REASON)
        elif event_type == "removal":
            values["removal_reason"] = code_in(res.get("statusReason"), CS_REMOVAL_REASON)
        self._attributes(entry, values)


def pathway_key(identifiers: tuple[JsonObject, ...]) -> tuple[str, str] | None:
    """(source_system, pathway_id) from a ServiceRequest's identifiers.

    Vårdkoll's own system (``…/sid/pathway/<source system>``) wins; otherwise the ``official``
    identifier, otherwise the first complete one, whose system then names the source system.

    >>> pathway_key(({"system": "https://vardkoll.se/fhir/sid/pathway/COSMIC%20X", "value": "P1"},))
    ('COSMIC X', 'P1')
    >>> pathway_key((
    ...     {"system": "urn:x:order", "value": "B-1"},
    ...     {"use": "official", "system": "urn:x:referral", "value": "R-9"},
    ... ))
    ('urn:x:referral', 'R-9')
    """
    complete = [
        (system, value)
        for i in identifiers
        if (system := as_str(i.get("system"))) and (value := as_str(i.get("value")))
    ]
    for system, value in complete:
        if system.startswith(PATHWAY_ID_PREFIX):
            return unquote(system[len(PATHWAY_ID_PREFIX) :]), value
    official: list[tuple[str, str]] = []
    for i in identifiers:
        system, value = as_str(i.get("system")), as_str(i.get("value"))
        if i.get("use") == "official" and system and value:
            official.append((system, value))
    chosen = official or complete
    return chosen[0] if chosen else None


def _literal_type(reference: JsonObject) -> str | None:
    declared = as_str(reference.get("type"))
    literal = as_str(reference.get("reference")) or ""
    return declared or (literal.split("/")[-2] if literal.count("/") >= 1 else None)


def _patient_facts(patient: JsonObject) -> Row:
    labels = {(as_str(c.get("system")), as_str(c.get("code"))) for c in _security(patient)}
    birth = as_str(patient.get("birthDate"))
    return {
        "protected_identity": "1" if labels & PROTECTED_LABELS else "0",
        "patient_sex": SEX_FROM_FHIR.get(as_str(patient.get("gender")) or ""),
        "patient_birth_date": birth if birth and len(birth) == 10 else None,
    }


def _security(resource: JsonObject) -> list[JsonObject]:
    meta = as_dict(resource.get("meta"))
    return [c for c in as_list(meta.get("security")) if isinstance(c, dict)]
