"""Reading FHIR R4 Bundles and NDJSON into pathway events and units.

The expected events below were worked out by hand from the sample files and the mapping in
docs/reference/fhir-mapping.md (numbering by date and event rank, units filled forward), not
produced by the code under test.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from vardkoll.domain import InputError
from vardkoll.ingest._fhir_codes import PATHWAY_EVENT_COLUMNS, UNIT_COLUMNS
from vardkoll.ingest._fhir_read import read_fhir_raw

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "fhir"
BUNDLE = SAMPLES / "bundle.json"
NDJSON = SAMPLES / "events.ndjson"
PNR = "urn:oid:1.2.752.129.2.1.3.1"
HSA = "urn:oid:1.2.752.129.2.1.4.1"

# (pathway_id, event_seq, event_type, event_date, unit_id, bundle entry)
BUNDLE_EVENTS = [
    ("P000101", 1, "clock_start", "2025-01-10", "SE2321000198-E0101", 10),
    ("P000101", 2, "offer", "2025-02-01", "SE2321000198-E0101", 11),
    ("P000101", 3, "pause_start", "2025-02-01", "SE2321000198-E0101", 12),
    ("P000101", 4, "pause_end", "2025-03-01", "SE2321000198-E0101", 13),
    ("P000101", 5, "booking", "2025-03-05", "SE2321000198-E0101", 14),
    ("P000101", 6, "removal", "2025-04-10", "SE2321000198-E0101", 15),
    ("P000102", 1, "clock_start", "2025-02-03", "SE2321000198-E0305", 16),
    ("P000102", 2, "priority_change", "2025-02-10", "SE2321000198-E0305", 17),
    ("P000102", 3, "transfer", "2025-02-15", "SE2321000198-E0306", 18),
    ("P000102", 4, "removal", "2025-03-20", "SE2321000198-E0306", 19),
    ("P000103", 1, "clock_start", "2025-03-01", "SE2321000198-E0101", 21),
    ("P000103", 2, "booking", "2025-03-10", "SE2321000198-E0101", 22),
]


def _rows(path: Path, kind: str = "pathway_events") -> list[dict[str, Any]]:
    tables, problems = read_fhir_raw(path)
    assert problems == []
    (table,) = [t.table for t in tables if t.kind == kind]
    return table.to_pylist()


def _by_key(rows: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(r["pathway_id"], int(r["event_seq"])): r for r in rows}


def _write(tmp_path: Path, doc: object, name: str = "f.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def _sample_resources() -> list[dict[str, Any]]:
    doc = json.loads(BUNDLE.read_text(encoding="utf-8"))
    return [e["resource"] for e in doc["entry"]]


# --- the sample Bundle ----------------------------------------------------------------------


def test_bundle_yields_the_hand_computed_events() -> None:
    rows = _rows(BUNDLE)
    assert [
        (
            r["pathway_id"],
            int(r["event_seq"]),
            r["event_type"],
            r["event_date"],
            r["unit_id"],
            r["_row"],
        )
        for r in rows
    ] == BUNDLE_EVENTS
    assert {r["source_system"] for r in rows} == {"COSMIC-VMD"}
    assert {r["region_code"] for r in rows} == {"19"}  # P000102: from home municipality 1983


def test_bundle_event_details() -> None:
    ev = _by_key(_rows(BUNDLE))
    start = ev[("P000101", 1)]
    assert (start["specialty"], start["entry_type"], start["priority"]) == (
        "orthopaedics",
        "treatment",
        "3",  # FHIR "urgent"
    )
    assert (start["procedure_code"], start["home_municipality"]) == ("NGB49", "1980")
    assert (start["patient_id"], start["patient_sex"], start["patient_birth_date"]) == (
        "195104029813",
        "M",
        "1951-04-02",
    )
    offer = ev[("P000101", 2)]
    assert (offer["offer_outcome"], offer["offered_unit_id"], offer["appointment_date"]) == (
        "declined",
        "SE5565594230-E0007",
        "2025-02-20",
    )
    assert (ev[("P000101", 3)]["pause_reason"], ev[("P000101", 3)]["reference"]) == ("PVV", "2")
    assert ev[("P000101", 5)]["event_date"] == "2025-03-05"  # created 14:12+01:00
    assert ev[("P000101", 6)]["removal_reason"] == "treated"
    assert ev[("P000102", 1)]["patient_id"] == "197010632391"  # samordningsnummer
    assert ev[("P000102", 1)]["event_date"] == "2025-02-03"
    assert ev[("P000102", 2)]["priority"] == "2"
    assert ev[("P000102", 4)]["removal_reason"] == "no_longer_needed"
    assert ev[("P000103", 1)]["priority"] == "2"  # FHIR "asap"
    assert {ev[("P000103", s)]["protected_identity"] for s in (1, 2)} == {"1"}
    assert ev[("P000103", 2)]["appointment_date"] == "2025-06-02"
    assert all(set(r) == {*PATHWAY_EVENT_COLUMNS, "_row"} for r in ev.values())


def test_bundle_units_from_organizations_with_unit_facts() -> None:
    units = _rows(BUNDLE, "units")
    assert [(u["unit_id"], u["_row"]) for u in units] == [
        ("SE2321000198-E0101", 5),
        ("SE2321000198-E0305", 6),
    ]
    first = units[0]
    assert {k: first[k] for k in UNIT_COLUMNS} == {
        "provider_id": "SE2321000198-P01",
        "provider_name": "Region Västmanland",
        "ownership": "public",
        "unit_id": "SE2321000198-E0101",
        "unit_name": "Ortopedmottagningen Västerås",
        "region_code": "19",
        "municipality_code": "1980",
        "latitude": "59.6099",  # from the Location it manages
        "longitude": "16.5448",
        "specialties": "orthopaedics|general_surgery",
    }
    assert (units[1]["latitude"], units[1]["longitude"]) == ("59.5141", "15.9926")


def test_numbering_does_not_depend_on_resource_order(tmp_path: Path) -> None:
    resources = _sample_resources()
    expected = {(r["pathway_id"], r["event_seq"], r["event_type"]) for r in _rows(BUNDLE)}
    for seed in range(3):
        random.Random(seed).shuffle(resources)
        rows = _rows(_write(tmp_path, _bundle(*resources)))
        assert {(r["pathway_id"], r["event_seq"], r["event_type"]) for r in rows} == expected


def test_stated_event_seq_wins_and_others_follow(tmp_path: Path) -> None:
    resources = _sample_resources()
    booking = next(r for r in resources if r.get("id") == "appt-101-booked")
    booking["extension"] = [
        {"url": "https://vardkoll.se/fhir/StructureDefinition/event-seq", "valueInteger": 20}
    ]
    ev = _by_key(_rows(_write(tmp_path, _bundle(*resources))))
    assert ev[("P000101", 20)]["event_type"] == "booking"
    # the five unnumbered events keep their order and are numbered after the stated 20
    assert [ev[("P000101", n)]["event_type"] for n in range(21, 26)] == [
        "clock_start",
        "offer",
        "pause_start",
        "pause_end",
        "removal",
    ]


# --- the sample NDJSON ------------------------------------------------------------------------


def test_ndjson_yields_events_with_line_numbers() -> None:
    tables, problems = read_fhir_raw(NDJSON)
    assert problems == []
    assert [t.kind for t in tables] == ["pathway_events"]  # no Organization → no units
    rows = tables[0].table.to_pylist()
    assert [
        (r["pathway_id"], int(r["event_seq"]), r["event_type"], r["event_date"], r["_row"])
        for r in rows
    ] == [
        ("R-2025-0042", 1, "clock_start", "2025-02-14", 3),
        ("R-2025-0042", 2, "booking", "2025-02-20", 4),
        ("R-2025-0042", 3, "removal", "2025-03-18", 5),
        ("R-2025-0057", 1, "clock_start", "2025-03-03", 7),
    ]
    ev = _by_key(rows)
    # the "official" identifier names the pathway; its system names the source system
    assert ev[("R-2025-0042", 1)]["source_system"] == "https://journal.example.se/fhir/sid/remiss"
    # logical references: the unit by HSA id, the patient by personnummer (found in the file)
    assert ev[("R-2025-0042", 1)]["unit_id"] == "SE2321000198-E0404"
    assert ev[("R-2025-0042", 2)]["patient_sex"] == "M"
    assert ev[("R-2025-0042", 2)]["appointment_date"] == "2025-03-18"
    reserve = ev[("R-2025-0057", 1)]
    assert (reserve["patient_id"], reserve["region_code"]) == ("22881201AB90", "19")
    assert (reserve["procedure_code"], reserve["priority"]) == ("JAB30", "3")


def test_local_time_decides_the_date(tmp_path: Path) -> None:
    resources = _sample_resources()
    request = next(r for r in resources if r.get("id") == "sr-103")
    request["authoredOn"] = "2025-02-28T23:30:00Z"  # 00:30 on 1 March in Stockholm
    ev = _by_key(_rows(_write(tmp_path, _bundle(*resources))))
    assert ev[("P000103", 1)]["event_date"] == "2025-03-01"


# --- problems, never tracebacks -------------------------------------------------------------


def _problems(path: Path) -> list[tuple[int, str, str]]:
    _, problems = read_fhir_raw(path)
    return [(p.row, p.field, p.code) for p in problems]


def test_invalid_resource_is_named_by_entry_and_path(tmp_path: Path) -> None:
    resources = _sample_resources()
    resources[9]["authoredOn"] = "2025-13-45"
    del resources[14]["status"]
    found = _problems(_write(tmp_path, _bundle(*resources)))
    assert (10, "ServiceRequest.authoredOn", "fhir_invalid") in found
    assert (15, "Encounter.status", "fhir_invalid") in found


def test_unknown_identifier_system_and_type_mismatch(tmp_path: Path) -> None:
    resources = _sample_resources()
    resources[0]["identifier"][0]["system"] = "urn:oid:9.9.9"
    resources[1]["identifier"][0]["system"] = PNR  # a samordningsnummer under the pnr OID
    tables, problems = read_fhir_raw(_write(tmp_path, _bundle(*resources)))
    found = [(p.row, p.field, p.code) for p in problems]
    assert (1, "Patient.identifier", "fhir_unknown_identifier_system") in found
    assert (2, "Patient.identifier", "fhir_identifier_type_mismatch") in found
    unknown = next(p for p in problems if p.code == "fhir_unknown_identifier_system")
    assert unknown.value == "urn:oid:9.9.9"
    rows = tables[0].table.to_pylist()
    assert {r["patient_id"] for r in rows if r["pathway_id"] == "P000101"} == {None}
    for problem in problems:  # no identity in any problem text
        assert "197010632391" not in f"{problem.value} {dict(problem.params)}"


def test_unit_with_unknown_identifier_system(tmp_path: Path) -> None:
    resources = _sample_resources()
    resources[19]["identifier"][0]["system"] = "urn:oid:1.2.3"  # ogon-vasteras
    found = _problems(_write(tmp_path, _bundle(*resources)))
    assert (20, "Organization.identifier", "fhir_unknown_identifier_system") in found


def test_reference_to_a_missing_patient_and_request(tmp_path: Path) -> None:
    resources = [r for r in _sample_resources() if r.get("id") not in ("pat-a", "sr-102")]
    found = _problems(_write(tmp_path, _bundle(*resources)))
    # entries shift by one after removing pat-a (entry 1)
    assert (9, "ServiceRequest.subject", "fhir_reference_not_found") in found
    assert (16, "Task.focus", "fhir_reference_not_found") in found


def test_revoked_request_without_its_removal(tmp_path: Path) -> None:
    resources = [r for r in _sample_resources() if r.get("id") != "task-102-removal"]
    found = _problems(_write(tmp_path, _bundle(*resources)))
    assert found == [(16, "ServiceRequest.status", "fhir_ended_without_removal")]


def test_unknown_resource_type_and_attribute(tmp_path: Path) -> None:
    resources = _sample_resources()
    resources[11]["extension"][0]["extension"][0]["valueCode"] = "colour"
    found = _problems(_write(tmp_path, _bundle(*resources, {"resourceType": "Spaceship"})))
    assert (12, "Task.extension", "fhir_unknown_attribute") in found
    assert (23, "resourceType", "fhir_unknown_resource_type") in found


def test_broken_ndjson_lines_are_row_problems(tmp_path: Path) -> None:
    lines = NDJSON.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3][:40]  # a line cut short
    lines.append("[1, 2]")
    lines.append(json.dumps(_bundle()))
    path = tmp_path / "x.ndjson"
    path.write_text("\n".join(lines), encoding="utf-8")
    found = _problems(path)
    assert (4, "resource", "fhir_invalid_json") in found
    assert (10, "resource", "fhir_not_a_resource") in found
    assert (11, "resource", "fhir_bundle_in_ndjson") in found


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\xff\xfe{}", "UTF-8"),
        (BUNDLE.read_bytes()[:500], "not valid JSON"),
        (b"[1, 2, 3]", "not a FHIR resource"),
        (b'{"resourceType": "Bundle", "entry": 5}', "not a list"),
        (b"NaN", "not valid JSON"),
    ],
)
def test_unreadable_files_raise_input_error(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=words):
        read_fhir_raw(path)


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Cannot read"):
        read_fhir_raw(tmp_path / "nope.json")


def test_fhir_problem_messages_exist_in_both_languages() -> None:
    from vardkoll.ingest._fhir_messages import FHIR_CATALOGUE

    for code, texts in FHIR_CATALOGUE.items():
        assert set(texts) == {"sv", "en"}, code
        assert texts["sv"] != texts["en"], code


def test_a_broken_unit_referred_to_twice_is_reported_once(tmp_path: Path) -> None:
    resources = _sample_resources()
    resources[4]["identifier"][0]["system"] = "urn:oid:1.2.3"  # orto-vasteras, used 3 times
    found = _problems(_write(tmp_path, _bundle(*resources)))
    assert found.count((5, "Organization.identifier", "fhir_unknown_identifier_system")) == 1
