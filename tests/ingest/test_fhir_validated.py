"""FHIR through the shared row validation: read_fhir, and the round trip of validated events.

``events → export_fhir_bundle → (Bundle JSON or NDJSON) → read_fhir`` must give back the very
same typed ``valid`` table, for the samples and for generated pathways that obey every rule of
the import format.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.ingest._fhir_codes import PATHWAY_EVENT_COLUMNS
from vardkoll.ingest._fhir_read import read_fhir
from vardkoll.ingest._fhir_write import export_fhir_bundle, write_fhir_ndjson
from vardkoll.ingest._raw import RawTable
from vardkoll.ingest._validate import ValidatedFile, validate

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "fhir"
TODAY = dt.date(2025, 5, 1)


def _sorted(table: pa.Table) -> list[dict[str, Any]]:
    rows = table.drop(["_row"]).to_pylist()
    return sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))


def _by_kind(files: list[ValidatedFile]) -> dict[str, ValidatedFile]:
    return {f.kind: f for f in files}


def _read_back(bundle: dict[str, object], as_ndjson: bool) -> dict[str, ValidatedFile]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("b.ndjson" if as_ndjson else "b.json")
        if as_ndjson:
            write_fhir_ndjson(bundle, path)
        else:
            path.write_text(json.dumps(bundle), encoding="utf-8")
        return _by_kind(read_fhir(path, today=TODAY))


def test_samples_pass_the_shared_validation() -> None:
    bundle = _by_kind(read_fhir(SAMPLES / "bundle.json", today=TODAY))
    assert {k: (f.n_read, f.valid.num_rows, f.problems) for k, f in bundle.items()} == {
        "pathway_events": (12, 12, ()),
        "units": (2, 2, ()),
    }
    events = bundle["pathway_events"].valid
    assert set(events["patient_id_type"].to_pylist()) == {"personnummer", "samordningsnummer"}
    (ndjson,) = read_fhir(SAMPLES / "events.ndjson", today=TODAY)
    assert (ndjson.kind, ndjson.valid.num_rows, ndjson.problems) == ("pathway_events", 4, ())
    assert "reservnummer" in ndjson.valid["patient_id_type"].to_pylist()


def test_fhir_problems_join_the_report_and_leave_valid(tmp_path: Path) -> None:
    doc = json.loads((SAMPLES / "bundle.json").read_text(encoding="utf-8"))
    doc["entry"][11]["resource"]["extension"][0]["extension"][0]["valueCode"] = "colour"
    extra = {"url": "https://vardkoll.se/fhir/StructureDefinition/event-attribute"}
    extra["extension"] = [
        {"url": "name", "valueCode": "mood"},
        {"url": "value", "valueString": "x"},
    ]
    doc["entry"][16]["resource"]["extension"].append(extra)
    doc["entry"][1]["resource"]["identifier"][0]["system"] = "urn:oid:1.2.752.129.2.1.3.1"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    files = _by_kind(read_fhir(path, today=TODAY))
    events = files["pathway_events"]
    codes = {(p.row, p.code) for p in events.problems}
    assert codes == {
        (12, "fhir_unknown_attribute"),
        (12, "required_for_event"),  # the PVV pause lost its reference with the bad name
        (17, "fhir_unknown_attribute"),
        (2, "fhir_identifier_type_mismatch"),
    }
    # the priority change (entry 17) is valid for the shared rules but came from a broken
    # Task, so it leaves ``valid`` as well
    assert not {12, 17} & set(events.valid["_row"].to_pylist())
    assert events.valid.num_rows == 10
    assert files["units"].problems == ()
    message = next(p for p in events.problems if p.row == 12).message("en")
    assert "colour" in message


def test_a_file_with_nothing_usable_still_reports(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    path.write_text('{"resourceType": "Patient"}\n{"broken', encoding="utf-8")
    (only,) = read_fhir(path, today=TODAY)
    assert (only.kind, only.n_read, only.valid.num_rows) == ("pathway_events", 0, 0)
    assert [(p.row, p.code) for p in only.problems] == [(2, "fhir_invalid_json")]


def test_validated_sample_round_trip() -> None:
    first = _by_kind(read_fhir(SAMPLES / "bundle.json", today=TODAY))
    bundle = export_fhir_bundle(first["pathway_events"].valid, first["units"].valid)
    for as_ndjson in (False, True):
        again = _read_back(bundle, as_ndjson)
        for kind in ("pathway_events", "units"):
            assert again[kind].problems == ()
            assert _sorted(again[kind].valid) == _sorted(first[kind].valid)


_UNITS = ["SE2321000198-E0101", "SE2321000198-E0305"]
_IDENTITIES = {  # written in different accepted layouts; validation makes them canonical
    "19510402-9813": ("M", None),
    "701063-2391": (None, None),
    "22881201-AB90": (None, None),
    "198807129823": ("F", None),
}


@st.composite
def _pathway(
    draw: st.DrawFn, number: int, protected: dict[str, str | None]
) -> list[dict[str, Any]]:
    """A pathway that obeys the import format's rules, built step by step."""
    day = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 300)))
    identity = draw(st.sampled_from(sorted(_IDENTITIES)))
    common = {
        "source_system": draw(st.sampled_from(["COSMIC-VMD", "TakeCare SLL"])),
        "pathway_id": f"P{number:05d}",
        "patient_id": identity,
        "patient_sex": _IDENTITIES[identity][0],
        "protected_identity": protected[identity],
        "region_code": "19",
    }
    unit = draw(st.sampled_from(_UNITS))
    rows = [
        {
            "event_type": "clock_start",
            "event_date": day.isoformat(),
            "unit_id": unit,
            "home_municipality": draw(st.sampled_from(["1980", "1983"])),
            "specialty": draw(st.sampled_from(["orthopaedics", "ophthalmology", "ent"])),
            "entry_type": draw(st.sampled_from(["first_visit", "treatment"])),
            "priority": str(draw(st.integers(1, 4))),
            "procedure_code": draw(st.sampled_from([None, "NGB49", "JAB30"])),
        }
    ]
    declined: list[int] = []
    steps = draw(
        st.lists(
            st.sampled_from(["priority", "transfer", "offer", "pvv", "mov", "booking"]), max_size=5
        )
    )
    for step in steps:
        if step == "pvv" and not declined:
            continue
        row: dict[str, Any] = {"unit_id": unit}
        if step == "priority":
            row |= {"event_type": "priority_change", "priority": str(draw(st.integers(1, 4)))}
        elif step == "transfer":
            unit = draw(st.sampled_from(_UNITS))
            row |= {"event_type": "transfer", "unit_id": unit}
        elif step == "offer":
            outcome = draw(st.sampled_from(["accepted", "declined"]))
            row |= {
                "event_type": "offer",
                "offer_outcome": outcome,
                "offered_unit_id": "SE5565-E0007",
            }
            row["appointment_date"] = (day + dt.timedelta(days=30)).isoformat()
            if outcome == "declined":
                declined.append(len(rows) + 1)
        elif step in ("pvv", "mov"):
            reference = str(declined[-1]) if step == "pvv" else "SE2321000198-L0042"
            row |= {
                "event_type": "pause_start",
                "pause_reason": step.upper(),
                "reference": reference,
            }
            rows.append(row | {"event_date": day.isoformat()})
            day += dt.timedelta(days=draw(st.integers(0, 20)))
            row = {"unit_id": unit, "event_type": "pause_end"}
        else:
            row |= {"event_type": "booking", "appointment_date": "2025-09-01"}
        rows.append(row | {"event_date": day.isoformat()})
        day += dt.timedelta(days=draw(st.integers(0, 20)))
    if draw(st.booleans()):
        reason = draw(
            st.sampled_from(["treated", "no_longer_needed", "treated_elsewhere", "deceased"])
        )
        rows.append(
            {
                "event_type": "removal",
                "removal_reason": reason,
                "unit_id": unit,
                "event_date": day.isoformat(),
            }
        )
        if draw(st.booleans()):
            rows.append(
                {
                    "event_type": "void",
                    "supersedes_seq": str(len(rows)),
                    "unit_id": unit,
                    "event_date": day.isoformat(),
                }
            )
    return [common | row | {"event_seq": str(seq)} for seq, row in enumerate(rows, start=1)]


@st.composite
def _valid_events(draw: st.DrawFn) -> pa.Table:
    protected = {i: draw(st.sampled_from([None, "0", "1"])) for i in sorted(_IDENTITIES)}
    rows = [r for n in range(draw(st.integers(1, 5))) for r in draw(_pathway(n, protected))]
    columns = {c: pa.array([r.get(c) for r in rows], pa.string()) for c in PATHWAY_EVENT_COLUMNS}
    columns["_row"] = pa.array(range(2, len(rows) + 2), pa.int64())
    checked = validate(RawTable("gen.csv", "pathway_events", pa.table(columns)), today=TODAY)
    assert checked.problems == (), [p.message("en") for p in checked.problems]
    return checked.valid


@given(_valid_events(), st.booleans())
def test_validated_events_round_trip(valid: pa.Table, as_ndjson: bool) -> None:
    again = _read_back(export_fhir_bundle(valid), as_ndjson)["pathway_events"]
    assert again.problems == ()
    assert _sorted(again.valid) == _sorted(valid)
