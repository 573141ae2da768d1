"""Building blocks of the FHIR export: cell text, resource ids, Patients and Organizations.

Split from ``_fhir_write`` so that each module holds one concept: this one the shared
resources of a Bundle (who and where), that one the events (what happened, and when).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal

import pyarrow as pa

from vardkoll.domain import InputError, mask_identity, parse_identity
from vardkoll.ingest._fhir_codes import (
    CS_OWNERSHIP,
    CS_SE_SECURITY,
    CS_SPECIALTY,
    EXPORT_PERSON_SYSTEM,
    EXT_MUNICIPALITY_CODE,
    EXT_REGION_CODE,
    HSA_ID,
    SEX_TO_FHIR,
)
from vardkoll.ingest._fhir_parse import JsonObject
from vardkoll.ingest._fhir_refs import STOCKHOLM

__all__ = [
    "BundleBuilder",
    "Row",
    "coding",
    "decimal_number",
    "reference_to",
    "resource_id",
    "table_rows",
    "text_cell",
    "whole_number",
]

Row = dict[str, str | None]
_PATIENT_FACTS = ("patient_sex", "patient_birth_date", "protected_identity")


def text_cell(value: object) -> str | None:
    """A typed cell (as in a validated table) in the text form of the import format."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        local = value.astimezone(STOCKHOLM) if value.tzinfo is not None else value
        return local.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        return str(value)
    text = str(value).strip()
    return text or None


def table_rows(table: pa.Table) -> list[Row]:
    return [{k: text_cell(v) for k, v in row.items()} for row in table.to_pylist()]


def resource_id(prefix: str, *parts: str | None) -> str:
    digest = hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:20]}"


def reference_to(resource: JsonObject) -> JsonObject:
    return {"reference": f"{resource['resourceType']}/{resource['id']}"}


def coding(system: str, code: str) -> JsonObject:
    return {"coding": [{"system": system, "code": code}]}


def decimal_number(column: str, value: str, unit_id: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InputError(
            f"{column} of unit {unit_id!r} must be a number in WGS84 degrees; got {value!r}.",
            field=column,
        ) from None


def whole_number(column: str, value: str, where: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InputError(
            f"{column} must be a whole number to export {where}; got {value!r}.", field=column
        ) from None


class BundleBuilder:
    def __init__(self, patient_identities: Mapping[str, str] | None) -> None:
        self.identities = patient_identities
        self.resources: dict[str, JsonObject] = {}  # "Type/id" → resource, in insertion order
        self.patients: dict[str, JsonObject] = {}
        self.facts: dict[str, Row] = {}
        self.units: dict[str, JsonObject] = {}
        self.locations: dict[str, JsonObject] = {}

    def add(self, resource: JsonObject) -> JsonObject:
        self.resources.setdefault(f"{resource['resourceType']}/{resource['id']}", resource)
        return resource

    # --- organisation ----------------------------------------------------------------------

    def unit_org(self, unit_id: str) -> JsonObject:
        if unit_id not in self.units:
            org = {
                "resourceType": "Organization",
                "id": resource_id("org", unit_id),
                "identifier": [{"system": HSA_ID, "value": unit_id}],
            }
            self.units[unit_id] = self.add(org)
        return self.units[unit_id]

    def location(self, unit_id: str) -> JsonObject:
        if unit_id not in self.locations:
            loc = {
                "resourceType": "Location",
                "id": resource_id("loc", unit_id),
                "identifier": [{"system": HSA_ID, "value": unit_id}],
            }
            self.locations[unit_id] = self.add(loc)
        return self.locations[unit_id]

    def add_units(self, rows: Iterable[Row]) -> None:
        for row in rows:
            unit_id, provider_id = row.get("unit_id"), row.get("provider_id")
            if unit_id is None:
                raise InputError("Every unit needs a unit_id to be exported.", field="unit_id")
            org = self.unit_org(unit_id)
            if row.get("unit_name"):
                org["name"] = row["unit_name"]
            ownership = row.get("ownership")
            types = [coding(CS_OWNERSHIP, ownership)] if ownership else []
            types += [
                coding(CS_SPECIALTY, s) for s in (row.get("specialties") or "").split("|") if s
            ]
            if types:
                org["type"] = types
            if provider_id:
                provider = self.add(
                    {
                        "resourceType": "Organization",
                        "id": resource_id("prov", provider_id),
                        "identifier": [{"system": HSA_ID, "value": provider_id}],
                        **({"name": row["provider_name"]} if row.get("provider_name") else {}),
                    }
                )
                org["partOf"] = reference_to(provider)
            exts = [
                {"url": url, "valueString": row[col]}
                for url, col in (
                    (EXT_REGION_CODE, "region_code"),
                    (EXT_MUNICIPALITY_CODE, "municipality_code"),
                )
                if row.get(col)
            ]
            if exts:
                org["extension"] = exts
            loc = self.location(unit_id)
            loc.update({"status": "active", "managingOrganization": reference_to(org)})
            if row.get("unit_name"):
                loc["name"] = row["unit_name"]
            if row.get("latitude") and row.get("longitude"):
                lat = decimal_number("latitude", row["latitude"] or "", unit_id)
                lon = decimal_number("longitude", row["longitude"] or "", unit_id)
                loc["position"] = {"latitude": lat, "longitude": lon}

    # --- patients ----------------------------------------------------------------------------

    def patient(self, row: Row, pathway_id: str) -> JsonObject:
        patient_id = row.get("patient_id")
        if patient_id is None:
            raise InputError(
                f"Pathway {pathway_id!r} has an event without patient_id; every event needs one.",
                field="patient_id",
            )
        if patient_id not in self.patients:
            self.patients[patient_id] = self.add(self._new_patient(row, patient_id))
        patient = self.patients[patient_id]
        known = self.facts.setdefault(patient_id, {})
        for column, value in _patient_facts(row).items():
            if value is None:
                continue
            if known.get(column, value) != value:
                raise InputError(
                    f"Pathway {pathway_id!r}: {column} differs between events of the same "
                    "patient; FHIR states it once per Patient, so make the events agree.",
                    field=column,
                )
            known[column] = value
        return patient

    def _new_patient(self, row: Row, patient_id: str) -> JsonObject:
        if self.identities is not None:
            identity = self.identities.get(patient_id)
            if identity is None:
                raise InputError(
                    "patient_identities has no identity for patient "
                    f"{mask_identity(patient_id)!r}; give one for every patient_id of the events.",
                    field="patient_id",
                )
            kind = None
        else:
            identity, kind = patient_id, row.get("patient_id_type")
        if kind not in EXPORT_PERSON_SYSTEM:
            kind = parse_identity(identity).type
        return {
            "resourceType": "Patient",
            "id": f"patient-{len(self.patients) + 1}",
            "identifier": [{"system": EXPORT_PERSON_SYSTEM[kind], "value": identity}],
        }

    def finish_patients(self) -> None:
        for patient_id, patient in self.patients.items():
            facts = self.facts.get(patient_id, {})
            sex = facts.get("patient_sex")
            if sex in SEX_TO_FHIR:
                patient["gender"] = SEX_TO_FHIR[sex or ""]
            if facts.get("patient_birth_date"):
                patient["birthDate"] = facts["patient_birth_date"]
            if facts.get("protected_identity") == "1":
                patient["meta"] = {
                    "security": [{"system": CS_SE_SECURITY, "code": "sekretessmarkering"}]
                }


def _patient_facts(row: Row) -> Row:
    facts = {c: row.get(c) for c in _PATIENT_FACTS}
    if facts["protected_identity"] is None:
        facts["protected_identity"] = "0"
    return facts
