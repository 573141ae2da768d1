"""Export pathway events as FHIR R4 and read them back: the same events come out.

Every exported resource is also checked directly against the ``fhir.resources`` R4B model
(not through the reader's own validation helper), so "valid FHIR" is judged independently.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.domain import InputError
from vardkoll.ingest._fhir_codes import PATHWAY_EVENT_COLUMNS, UNIT_COLUMNS
from vardkoll.ingest._fhir_read import read_fhir_raw
from vardkoll.ingest._fhir_write import export_fhir_bundle, write_fhir_ndjson

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "fhir"
# Fictitious identities with valid check digits (birth numbers 98x; a samordningsnummer;
# a national reserve number) and the sex and birth date each person is recorded with.
PEOPLE = [
    ("195104029813", "M", None),
    ("197010632391", None, None),
    ("22881201AB90", "F", "1988-12-01"),
    ("198807129823", "F", "1988-07-12"),
]
EVENT_TYPES = [
    "clock_start",
    "priority_change",
    "pause_start",
    "pause_end",
    "offer",
    "booking",
    "transfer",
    "removal",
    "void",
]
_WORD = st.text("abcdefghijkXYZ_0123456789", min_size=1, max_size=8)
_DATE = st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat)


def _key(row: dict[str, Any]) -> tuple[str, str, int]:
    return (row["source_system"], row["pathway_id"], int(row["event_seq"]))


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pa.Table:
    return pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in columns})


def _read_back(bundle: dict[str, object], as_ndjson: bool) -> tuple[list[dict[str, Any]], list]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("b.ndjson" if as_ndjson else "b.json")
        if as_ndjson:
            write_fhir_ndjson(bundle, path)
        else:
            path.write_text(json.dumps(bundle), encoding="utf-8")
        tables, problems = read_fhir_raw(path)
    rows = [r for t in tables if t.kind == "pathway_events" for r in t.table.to_pylist()]
    for row in rows:
        del row["_row"]
    return rows, problems


def _assert_valid_fhir(bundle: dict[str, Any]) -> None:
    get_fhir_model_class("Bundle").model_validate({k: v for k, v in bundle.items() if k != "entry"})
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"].endswith(f"/{resource['resourceType']}/{resource['id']}")


@st.composite
def _event(draw: st.DrawFn, event_type: str, person: tuple[str, str | None, str | None]) -> dict:
    """One event: required columns filled, any other column present or not, at random."""
    maybe = lambda s: draw(st.none() | s)  # noqa: E731
    row: dict[str, Any] = {
        "event_type": event_type,
        "event_date": maybe(_DATE),
        "patient_id": person[0],
        "patient_sex": person[1],
        "patient_birth_date": person[2],
        "region_code": draw(st.sampled_from(["19", "03", "01"])),
        "unit_id": draw(st.sampled_from(["SE2321000198-E0101", "SE2321000198-E0305"])),
        "home_municipality": maybe(st.sampled_from(["1980", "1983", "0380"])),
        "specialty": maybe(_WORD),
        "entry_type": maybe(_WORD),
        "priority": maybe(st.sampled_from(["1", "2", "3", "4"])),
        "procedure_code": maybe(_WORD),
        "pause_reason": maybe(st.sampled_from(["PVV", "MOV"])),
        "reference": maybe(_WORD),
        "offered_unit_id": maybe(st.just("SE5565594230-E0007")),
        "appointment_date": maybe(_DATE),
        "supersedes_seq": maybe(st.integers(1, 9).map(str)),
        "removal_reason": maybe(st.sampled_from(["treated", "no_longer_needed", "deceased"])),
        "offer_outcome": maybe(st.sampled_from(["accepted", "declined"])),
    }
    if event_type == "offer":  # an offer is an event only once the patient has answered
        row["offer_outcome"] = draw(st.sampled_from(["accepted", "declined"]))
    return row


@st.composite
def _events(draw: st.DrawFn) -> list[dict[str, Any]]:
    protected = {p[0]: draw(st.sampled_from(["0", "1"])) for p in PEOPLE}
    rows: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 4))):
        source = draw(st.sampled_from(["COSMIC-VMD", "Millennium Region X", "TakeCare/SLL"]))
        person = draw(st.sampled_from(PEOPLE))
        first = draw(st.sampled_from(["clock_start", "clock_start", "booking"]))
        types = [first, *draw(st.lists(st.sampled_from(EVENT_TYPES), max_size=6))]
        for seq, event_type in enumerate(types, start=1):
            row = draw(_event(event_type, person))
            row |= {"source_system": source, "pathway_id": f"P{n:04d}", "event_seq": str(seq)}
            row["protected_identity"] = protected[person[0]]
            rows.append(row)
    return rows


@given(_events(), st.booleans())
def test_round_trip_returns_the_same_events(rows: list[dict[str, Any]], as_ndjson: bool) -> None:
    bundle = export_fhir_bundle(_table(rows, PATHWAY_EVENT_COLUMNS))
    _assert_valid_fhir(bundle)
    back, problems = _read_back(bundle, as_ndjson)
    assert problems == []
    expected = [{c: r.get(c) for c in PATHWAY_EVENT_COLUMNS} for r in rows]
    assert sorted(back, key=_key) == sorted(expected, key=_key)


def test_sample_round_trip_with_units() -> None:
    tables, problems = read_fhir_raw(SAMPLES / "bundle.json")
    assert problems == []
    events, units = (
        next(t.table for t in tables if t.kind == k) for k in ("pathway_events", "units")
    )
    bundle = export_fhir_bundle(events.drop(["_row"]), units.drop(["_row"]))
    _assert_valid_fhir(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    for kind in (
        "Patient",
        "Organization",
        "Location",
        "ServiceRequest",
        "Appointment",
        "Encounter",
        "Task",
    ):
        assert kind in kinds
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "again.ndjson"
        write_fhir_ndjson(bundle, path)
        assert len(path.read_text(encoding="utf-8").splitlines()) == len(bundle["entry"])
        again, problems = read_fhir_raw(path)
    assert problems == []
    for kind, original in (("pathway_events", events), ("units", units)):
        table = next(t.table for t in again if t.kind == kind)
        got = sorted(table.drop(["_row"]).to_pylist(), key=str)
        assert got == sorted(original.drop(["_row"]).to_pylist(), key=str)


def test_export_is_deterministic_and_ids_carry_no_identity() -> None:
    rows = [
        {
            "source_system": "COSMIC-VMD",
            "pathway_id": "P1",
            "event_seq": "1",
            "event_type": "clock_start",
            "event_date": "2025-01-10",
            "patient_id": PEOPLE[0][0],
            "protected_identity": "0",
            "region_code": "19",
            "unit_id": "SE2321000198-E0101",
        }
    ]
    first = export_fhir_bundle(_table(rows, PATHWAY_EVENT_COLUMNS))
    assert first == export_fhir_bundle(_table(rows, PATHWAY_EVENT_COLUMNS))
    for entry in first["entry"]:  # type: ignore[union-attr]
        assert PEOPLE[0][0] not in entry["fullUrl"]
        assert PEOPLE[0][0][2:] not in entry["fullUrl"]


def test_typed_columns_export_as_the_import_format() -> None:
    table = pa.table(
        {
            "source_system": ["COSMIC-VMD", "COSMIC-VMD"],
            "pathway_id": ["P1", "P1"],
            "event_seq": pa.array([1, 2], pa.int64()),
            "event_type": ["clock_start", "booking"],
            "event_date": pa.array([dt.date(2025, 1, 10), dt.date(2025, 1, 20)], pa.date32()),
            "patient_id": ["197010632391"] * 2,
            "patient_id_type": ["samordningsnummer"] * 2,
            "protected_identity": pa.array([True, True]),
            "region_code": ["19", "19"],
            "unit_id": ["SE2321000198-E0101"] * 2,
            "priority": pa.array([2, None], pa.int64()),
            "appointment_date": pa.array([None, dt.date(2025, 3, 1)], pa.date32()),
        }
    )
    bundle = export_fhir_bundle(table)
    resources = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}  # type: ignore[union-attr]
    patient = resources["Patient"]
    assert patient["identifier"] == [
        {"system": "urn:oid:1.2.752.129.2.1.3.3", "value": "197010632391"}
    ]
    assert patient["meta"]["security"][0]["code"] == "sekretessmarkering"
    assert resources["ServiceRequest"]["priority"] == "asap"
    assert resources["Appointment"]["start"] == "2025-03-01T00:00:00+01:00"
    back, _ = _read_back(bundle, as_ndjson=False)
    assert [
        (r["event_seq"], r["priority"], r["protected_identity"]) for r in sorted(back, key=_key)
    ] == [
        ("1", "2", "1"),
        ("2", None, "1"),
    ]


def test_patient_identities_replace_pseudonyms() -> None:
    rows = [
        {
            "source_system": "S",
            "pathway_id": "P1",
            "event_seq": "1",
            "event_type": "clock_start",
            "event_date": "2025-01-10",
            "patient_id": "pseudo-1",
            "region_code": "19",
            "unit_id": "SE2321000198-E0101",
        }
    ]
    table = _table(rows, PATHWAY_EVENT_COLUMNS)
    bundle = export_fhir_bundle(table, patient_identities={"pseudo-1": "22881201AB90"})
    patient = bundle["entry"][0]["resource"]  # type: ignore[index]
    assert patient["identifier"] == [{"system": "urn:oid:1.2.752.74.9.1", "value": "22881201AB90"}]
    with pytest.raises(InputError) as caught:
        export_fhir_bundle(table, patient_identities={})
    assert "pseudo-1" not in str(caught.value)


def test_export_errors_never_show_an_identity() -> None:
    base = {
        "source_system": "S",
        "pathway_id": "P1",
        "event_type": "clock_start",
        "event_date": "2025-01-10",
        "patient_id": "195104029813",
        "region_code": "19",
        "unit_id": "SE2321000198-E0101",
    }
    conflicting = [
        base | {"event_seq": "1", "patient_sex": "M"},
        base | {"event_seq": "2", "patient_sex": "F"},
    ]
    with pytest.raises(InputError, match="patient_sex differs") as caught:
        export_fhir_bundle(_table(conflicting, PATHWAY_EVENT_COLUMNS))
    assert "195104029813" not in str(caught.value)
    bad_identity = [base | {"event_seq": "1", "patient_id": "195104029814"}]
    with pytest.raises(InputError) as caught:
        export_fhir_bundle(_table(bad_identity, PATHWAY_EVENT_COLUMNS))
    assert "195104029814" not in str(caught.value)
    with pytest.raises(InputError, match="unknown event_type"):
        export_fhir_bundle(
            _table([base | {"event_seq": "1", "event_type": "dance"}], PATHWAY_EVENT_COLUMNS)
        )


def test_write_ndjson_refuses_what_is_not_a_bundle(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="needs a Bundle"):
        write_fhir_ndjson({"resourceType": "Patient"}, tmp_path / "x.ndjson")
    with pytest.raises(InputError, match="no resource"):
        write_fhir_ndjson({"resourceType": "Bundle", "entry": [{}]}, tmp_path / "x.ndjson")
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_units_columns_are_the_contract() -> None:
    from vardkoll.ingest._schema import SCHEMAS

    assert SCHEMAS["pathway_events"].names == PATHWAY_EVENT_COLUMNS
    assert SCHEMAS["units"].names == UNIT_COLUMNS
