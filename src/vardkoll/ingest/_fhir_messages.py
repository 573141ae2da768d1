"""Messages for the problems only a FHIR file can have, in Swedish and English.

Same shape and placeholders as the shared catalogue (``_messages.CATALOGUE``): ``{field}`` is
the FHIR path (``Appointment.basedOn[0]``), ``{value}`` the offending value, ``{row}`` the
Bundle entry (1-based) or NDJSON line. Each message says what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["FHIR_CATALOGUE", "fhir_detail"]

_MAPPING = "docs/reference/fhir-mapping.md"

FHIR_CATALOGUE: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "fhir_invalid_json": {
            "sv": "Rad {row} är inte giltig JSON (avklippt eller trasig). Exportera filen igen.",
            "en": "Line {row} is not valid JSON (cut short or broken). Export the file again.",
        },
        "fhir_not_a_resource": {
            "sv": 'Post {row} är ingen FHIR-resurs (ett JSON-objekt med "resourceType"). '
            "Rätta eller ta bort posten.",
            "en": 'Entry {row} is not a FHIR resource (a JSON object with "resourceType"). '
            "Correct or remove the entry.",
        },
        "fhir_bundle_in_ndjson": {
            "sv": "Rad {row} är en Bundle; i NDJSON ska varje rad vara en enskild resurs. "
            "Skicka Bundlen som en egen JSON-fil.",
            "en": "Line {row} is a Bundle; in NDJSON every line must be a single resource. "
            "Send the Bundle as a JSON file of its own.",
        },
        "fhir_unknown_resource_type": {
            "sv": "«{value}» är ingen resurstyp i FHIR R4. Kontrollera resourceType.",
            "en": "'{value}' is not a FHIR R4 resource type. Check resourceType.",
        },
        "fhir_invalid": {
            "sv": "Resursen följer inte FHIR R4 vid {field}: {reason}. Rätta elementet i "
            "källsystemets export.",
            "en": "The resource does not conform to FHIR R4 at {field}: {reason}. Correct the "
            "element in the source system's export.",
        },
        "fhir_duplicate_id": {
            "sv": "Resurs-id «{value}» förekommer redan tidigare i filen. Varje resurs behöver "
            "ett eget id.",
            "en": "Resource id '{value}' already occurs earlier in the file. Every resource "
            "needs its own id.",
        },
        "fhir_unknown_identifier_system": {
            "sv": "{field} har bara identifierare med okända system ({value}). Använd "
            "personnummer, samordningsnummer eller nationellt reservnummer för patienter och "
            f"HSA-id för enheter (se {_MAPPING}).",
            "en": "{field} has only identifiers with unknown systems ({value}). Use "
            "personnummer, samordningsnummer or the national reserve number for patients and "
            f"HSA id for units (see {_MAPPING}).",
        },
        "fhir_missing_identifier": {
            "sv": "{field} saknar identifierare (system och värde). Lägg till den.",
            "en": "{field} has no identifier (system and value). Add it.",
        },
        "fhir_identifier_type_mismatch": {
            "sv": "Identifieraren i {field} anges som {system_type} men numret är ett "
            "{value_type}. Använd systemet som hör till numret.",
            "en": "The identifier in {field} is declared a {system_type} but the number is a "
            "{value_type}. Use the system that belongs to the number.",
        },
        "fhir_missing_reference": {
            "sv": "{field} saknas; händelsen behöver en patient. Lägg till referensen.",
            "en": "{field} is missing; the event needs a patient. Add the reference.",
        },
        "fhir_reference_not_found": {
            "sv": "{field} pekar på «{value}», som inte finns i filen. Ta med resursen eller "
            "använd en referens med identifierare.",
            "en": "{field} points at '{value}', which is not in the file. Include the resource "
            "or use a reference by identifier.",
        },
        "fhir_wrong_reference_type": {
            "sv": "{field} pekar på en {value}, men ska peka på en Patient. Rätta referensen.",
            "en": "{field} points at a {value} but must point at a Patient. Correct the reference.",
        },
        "fhir_no_pathway_id": {
            "sv": "ServiceRequest saknar identifierare med system och värde; förlopp_id och "
            f"källsystem hämtas därifrån (se {_MAPPING}). Lägg till den.",
            "en": "The ServiceRequest has no identifier with system and value; pathway_id and "
            f"source_system come from it (see {_MAPPING}). Add it.",
        },
        "fhir_no_patient": {
            "sv": "Appointment har ingen deltagare som är en Patient. Lägg till patienten som "
            "deltagare.",
            "en": "The Appointment has no participant that is a Patient. Add the patient as a "
            "participant.",
        },
        "fhir_unknown_attribute": {
            "sv": "Tillägget event-attribute namnger «{value}», som inte är en kolumn i "
            "pathway_events. Rätta namnet.",
            "en": "The event-attribute extension names '{value}', which is not a pathway_events "
            "column. Correct the name.",
        },
        "fhir_ended_without_removal": {
            "sv": "ServiceRequest har status {value} men filen saknar händelsen som avslutade "
            "förloppet. Skicka med ett avslutat Encounter (genomförd) eller en Task med "
            "avslutsorsak.",
            "en": "The ServiceRequest has status {value} but the file lacks the event that "
            "ended the pathway. Include a finished Encounter (treated) or a Task with the "
            "removal reason.",
        },
    }
)


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fhir_detail(
    code: str, row: int, field: str, value: str | None, params: Mapping[str, str]
) -> str:
    """The English message, kept in the problem's params as a fallback rendering."""
    template = FHIR_CATALOGUE.get(code, {}).get("en", code)
    values = _Keep(params)
    values.update({"row": str(row), "field": field, "value": value or ""})
    return template.format_map(values)
