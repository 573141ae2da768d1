"""The vocabulary of Vårdkoll's FHIR R4 mapping: identifier systems, code systems, extensions.

One place holds every URL and code table, so the reader, the writer and the mapping page
(``docs/reference/fhir-mapping.md``) cannot drift apart. Swedish national systems come from
Inera's OID list and HL7 Sweden's base profiles; everything Vårdkoll defines itself lives
under :data:`VARDKOLL_FHIR`.
"""

from __future__ import annotations

from typing import Final

from vardkoll.ingest._schema import column_names

__all__ = [
    "APPOINTMENT_BOOKED",
    "APPOINTMENT_OFFERED",
    "ATTRIBUTE_COLUMNS",
    "COMMON_COLUMNS",
    "CS_ACT_CODE",
    "CS_ENTRY_TYPE",
    "CS_EVENT_TYPE",
    "CS_OWNERSHIP",
    "CS_PAUSE_REASON",
    "CS_REMOVAL_REASON",
    "CS_SE_SECURITY",
    "CS_SPECIALTY",
    "CS_TASK_CODE",
    "EVENT_RANK",
    "EXPORT_PERSON_SYSTEM",
    "EXT_ATTRIBUTE",
    "EXT_EVENT_SEQ",
    "EXT_HOME_MUNICIPALITY",
    "EXT_MUNICIPALITY_CODE",
    "EXT_REGION_CODE",
    "EXT_SUPERSEDES_SEQ",
    "HSA_ID",
    "KVA",
    "NATURAL_COLUMNS",
    "NRID_OID",
    "PATHWAY_EVENT_COLUMNS",
    "PATHWAY_ID_PREFIX",
    "PATIENT_COLUMNS",
    "PERSONNUMMER_OID",
    "PERSON_SYSTEMS",
    "PERSON_TYPE_RANK",
    "PRIORITY_FROM_FHIR",
    "PRIORITY_TO_FHIR",
    "PROTECTED_LABELS",
    "REQUEST_ENDED_STATUS",
    "REQUEST_SKIPPED_INTENT",
    "REQUEST_SKIPPED_STATUS",
    "SAMORDNINGSNUMMER_OID",
    "SEX_FROM_FHIR",
    "SEX_TO_FHIR",
    "TASK_CODE_FALLBACK",
    "TASK_EVENTS",
    "TASK_SKIPPED_STATUS",
    "UNIT_COLUMNS",
    "VARDKOLL_FHIR",
]

VARDKOLL_FHIR: Final = "https://vardkoll.se/fhir"

# --- Identifier systems ---------------------------------------------------------------------

PERSONNUMMER_OID: Final = "urn:oid:1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_OID: Final = "urn:oid:1.2.752.129.2.1.3.3"
# Inera, "Identifierare på Inera": OID for the national reserve number (NRID).
NRID_OID: Final = "urn:oid:1.2.752.74.9.1"
HSA_ID: Final = "urn:oid:1.2.752.129.2.1.4.1"
KVA: Final = "urn:oid:1.2.752.116.1.3.2.1.4"

# Accepted on import: the OIDs above and HL7 Sweden's base-profile URLs for the same numbers.
PERSON_SYSTEMS: Final[dict[str, str]] = {
    PERSONNUMMER_OID: "personnummer",
    "http://electronichealth.se/identifier/personnummer": "personnummer",
    SAMORDNINGSNUMMER_OID: "samordningsnummer",
    "http://electronichealth.se/identifier/samordningsnummer": "samordningsnummer",
    NRID_OID: "reservnummer",
    "http://electronichealth.se/identifier/nationelltReservnummer": "reservnummer",
}
# Written on export, one per identity type of ``vardkoll.domain.parse_identity``.
EXPORT_PERSON_SYSTEM: Final[dict[str, str]] = {
    "personnummer": PERSONNUMMER_OID,
    "samordningsnummer": SAMORDNINGSNUMMER_OID,
    "reservnummer": NRID_OID,
}
# Preference when a Patient carries several identities: the most permanent one wins.
PERSON_TYPE_RANK: Final[dict[str, int]] = {
    "personnummer": 0,
    "samordningsnummer": 1,
    "reservnummer": 2,
}

# A pathway identifier: ``PATHWAY_ID_PREFIX + quote(source_system)``, value = pathway_id.
PATHWAY_ID_PREFIX: Final = f"{VARDKOLL_FHIR}/sid/pathway/"

# --- Code systems -----------------------------------------------------------------------------

CS_ENTRY_TYPE: Final = f"{VARDKOLL_FHIR}/CodeSystem/entry-type"
CS_SPECIALTY: Final = f"{VARDKOLL_FHIR}/CodeSystem/specialty"
CS_EVENT_TYPE: Final = f"{VARDKOLL_FHIR}/CodeSystem/pathway-event-type"
CS_REMOVAL_REASON: Final = f"{VARDKOLL_FHIR}/CodeSystem/removal-reason"
CS_PAUSE_REASON: Final = f"{VARDKOLL_FHIR}/CodeSystem/pause-reason"
CS_OWNERSHIP: Final = f"{VARDKOLL_FHIR}/CodeSystem/ownership"
CS_TASK_CODE: Final = "http://hl7.org/fhir/CodeSystem/task-code"
CS_ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
# HL7 Sweden security labels for protected identity (skyddad identitet).
CS_SE_SECURITY: Final = "http://hl7.se/fhir/ig/base/CodeSystem/SecurityLabel"
PROTECTED_LABELS: Final[frozenset[tuple[str, str]]] = frozenset(
    {
        (CS_SE_SECURITY, "skyddadFolkbokforing"),
        (CS_SE_SECURITY, "sekretessmarkering"),
        (CS_ACT_CODE, "DEMO"),
    }
)

# --- Extensions -------------------------------------------------------------------------------

EXT_EVENT_SEQ: Final = f"{VARDKOLL_FHIR}/StructureDefinition/event-seq"
EXT_SUPERSEDES_SEQ: Final = f"{VARDKOLL_FHIR}/StructureDefinition/supersedes-seq"
EXT_REGION_CODE: Final = f"{VARDKOLL_FHIR}/StructureDefinition/region-code"
EXT_HOME_MUNICIPALITY: Final = f"{VARDKOLL_FHIR}/StructureDefinition/home-municipality"
EXT_MUNICIPALITY_CODE: Final = f"{VARDKOLL_FHIR}/StructureDefinition/municipality-code"
EXT_ATTRIBUTE: Final = f"{VARDKOLL_FHIR}/StructureDefinition/event-attribute"

# --- Code tables ------------------------------------------------------------------------------

# FHIR request-priority ↔ Vårdkoll priority (1 = most urgent).
PRIORITY_TO_FHIR: Final[dict[str, str]] = {"1": "stat", "2": "asap", "3": "urgent", "4": "routine"}
PRIORITY_FROM_FHIR: Final[dict[str, str]] = {v: k for k, v in PRIORITY_TO_FHIR.items()}

SEX_TO_FHIR: Final[dict[str, str]] = {"M": "male", "F": "female"}
SEX_FROM_FHIR: Final[dict[str, str]] = {v: k for k, v in SEX_TO_FHIR.items()}

# The events a Task carries, with the closest code of FHIR's own task-code system.
TASK_EVENTS: Final[dict[str, str | None]] = {
    "priority_change": "change",
    "transfer": "change",
    "pause_start": "suspend",
    "pause_end": "resume",
    "removal": "abort",
    "void": None,
}
# Without a Vårdkoll event-type coding, only these FHIR task codes are unambiguous.
TASK_CODE_FALLBACK: Final[dict[str, str]] = {"suspend": "pause_start", "resume": "pause_end"}

APPOINTMENT_BOOKED: Final = frozenset({"booked", "arrived", "checked-in", "fulfilled"})
APPOINTMENT_OFFERED: Final = frozenset({"proposed", "pending"})
TASK_SKIPPED_STATUS: Final = frozenset(
    {"draft", "cancelled", "rejected", "failed", "entered-in-error"}
)
REQUEST_SKIPPED_STATUS: Final = frozenset({"draft"})
REQUEST_SKIPPED_INTENT: Final = frozenset({"proposal", "option"})
REQUEST_ENDED_STATUS: Final = frozenset({"revoked", "completed", "entered-in-error"})

# Same-day events without an explicit sequence number are ordered by this rank.
EVENT_RANK: Final[dict[str, int]] = {
    "clock_start": 0,
    "priority_change": 1,
    "transfer": 2,
    "offer": 3,
    "booking": 4,
    "pause_start": 5,
    "pause_end": 6,
    "removal": 7,
    "void": 8,
}

# --- Column contract (docs/reference/import-format.md §1-2) -----------------------------------

PATHWAY_EVENT_COLUMNS: Final[tuple[str, ...]] = column_names("pathway_events")
UNIT_COLUMNS: Final[tuple[str, ...]] = column_names("units")
PATIENT_COLUMNS: Final = frozenset(
    {"patient_id", "protected_identity", "patient_sex", "patient_birth_date"}
)
# Columns every event resource carries in a named element or extension.
COMMON_COLUMNS: Final = frozenset(
    {"source_system", "pathway_id", "event_seq", "event_type", "event_date", "supersedes_seq"}
    | {"region_code", "home_municipality"}
    | PATIENT_COLUMNS
)
# Columns with a natural FHIR element, per event resource; every other non-empty column of an
# event travels in the event-attribute extension, so that an export reads back unchanged.
NATURAL_COLUMNS: Final[dict[str, frozenset[str]]] = {
    "clock_start": frozenset({"unit_id", "specialty", "entry_type", "priority", "procedure_code"}),
    "offer": frozenset({"appointment_date", "offer_outcome", "offered_unit_id"}),
    "booking": frozenset({"appointment_date"}),
    "encounter": frozenset({"unit_id", "removal_reason"}),
    "pause_start": frozenset({"unit_id", "pause_reason"}),
    "removal": frozenset({"unit_id", "removal_reason"}),
    "task": frozenset({"unit_id"}),
}
ATTRIBUTE_COLUMNS: Final = frozenset(PATHWAY_EVENT_COLUMNS) - COMMON_COLUMNS
