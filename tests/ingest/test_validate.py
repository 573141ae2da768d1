"""Validation of single cells and of the header: each rule with a failing and a passing row.

Every test builds a small file by hand and names the exact problems expected as
(row, field, code), so a missed or an extra problem fails the test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pytest
from vk_ingest_testdata import PIN_A, PIN_B, TODAY, clock_start, csv_text, event

from vardkoll.ingest import RawTable, ValidatedFile, read_and_validate, validate

Write = Callable[..., Path]

UNIT_COLUMNS = (
    "provider_id",
    "provider_name",
    "ownership",
    "unit_id",
    "unit_name",
    "region_code",
    "municipality_code",
    "latitude",
    "longitude",
    "specialties",
)


def unit(**extra: str) -> dict[str, str]:
    row = dict(
        provider_id="P1",
        provider_name="Region X",
        ownership="public",
        unit_id="U1",
        unit_name="Mottagningen",
        region_code="19",
        municipality_code="1980",
        latitude="59,61",
        longitude="16,54",
        specialties="orthopaedics",
    )
    row.update(extra)
    return row


def check(
    write: Write,
    rows: Sequence[Mapping[str, str]],
    columns: Sequence[str] | None = None,
    kind: str | None = None,
) -> ValidatedFile:
    text = csv_text(rows, columns) if columns else csv_text(rows)
    return read_and_validate(write(text), kind=kind, today=TODAY)


def found(checked: ValidatedFile) -> list[tuple[int, str, str]]:
    return [(p.row, p.field, p.code) for p in checked.problems]


# -------------------------------------------------------------------------- the header


def test_unknown_column_with_a_suggestion(write_file: Write) -> None:
    columns = [*UNIT_COLUMNS[:-1], "verksamhetsomraden_x"]
    checked = check(write_file, [unit(verksamhetsomraden_x="ent")], columns)
    assert found(checked) == [
        (1, "specialties", "missing_column"),
        (1, "verksamhetsomraden_x", "unknown_column"),
    ]
    unknown = checked.problems[1]
    assert unknown.params["suggestion"] == "verksamhetsområden"
    assert "Menade du «verksamhetsområden»?" in unknown.message("sv")
    assert checked.valid.num_rows == 0  # the file is unusable as it stands


def test_duplicate_column_through_its_swedish_alias(write_file: Write) -> None:
    columns = [*UNIT_COLUMNS, "enhet_id"]
    row = unit() | {"enhet_id": "U1"}
    checked = check(write_file, [row], columns)
    assert found(checked) == [(1, "unit_id", "duplicate_column")]
    assert checked.valid.num_rows == 0


def test_unnamed_column_with_values(write_file: Write) -> None:
    columns = [*UNIT_COLUMNS, ""]
    checked = check(write_file, [unit() | {"": "stray"}], columns)
    assert found(checked) == [(1, "", "unnamed_column")]
    assert checked.problems[0].value == "stray"


def test_header_problems_do_not_stop_the_row_checks(write_file: Write) -> None:
    columns = [c for c in UNIT_COLUMNS if c != "longitude"]
    checked = check(write_file, [unit(latitude="north")], columns)
    assert found(checked) == [(1, "longitude", "missing_column"), (2, "latitude", "not_decimal")]


def test_optional_columns_may_be_left_out(write_file: Write) -> None:
    columns = ["unit_id", "entry_type", "week", "planned"]  # no 'performed'
    checked = check(
        write_file,
        [dict(unit_id="U1", entry_type="treatment", week="2025-W1", planned="3")],
        columns,
    )
    assert checked.problems == ()
    assert checked.valid.column("performed").to_pylist() == [None]


# ------------------------------------------------------------------------- one cell


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"provider_name": ""}, [(2, "provider_name", "required")]),
        ({"ownership": "Private"}, []),  # case does not matter …
        ({"ownership": "privat"}, [(2, "ownership", "not_allowed")]),  # … spelling does
        ({"region_code": "9"}, []),  # Excel dropped the zero of 09
        ({"region_code": "26"}, [(2, "region_code", "unknown_code")]),
        ({"municipality_code": "180"}, []),  # 0180 Stockholm
        ({"municipality_code": "1999"}, [(2, "municipality_code", "unknown_code")]),
        ({"latitude": "91"}, [(2, "latitude", "out_of_range")]),
        ({"longitude": "16.54"}, []),
        ({"specialties": "ent | Orthopaedics|"}, []),
        ({"specialties": "ent|ortopedi"}, [(2, "specialties", "unknown_code")]),
    ],
)
def test_unit_cells(
    write_file: Write, changes: dict[str, str], expected: list[tuple[int, str, str]]
) -> None:
    checked = check(write_file, [unit(**changes)], UNIT_COLUMNS)
    assert found(checked) == expected
    assert checked.valid.num_rows == (0 if expected else 1)


def test_codes_are_stored_in_canonical_form(write_file: Write) -> None:
    rows = [
        unit(
            ownership="PUBLIC",
            region_code="9",
            municipality_code="180",
            specialties=" ent |Orthopaedics",
        )
    ]
    (row,) = check(write_file, rows, UNIT_COLUMNS).valid.to_pylist()
    assert (row["ownership"], row["region_code"], row["municipality_code"]) == (
        "public",
        "09",
        "0180",
    )
    assert row["specialties"] == "ent|orthopaedics"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"event_seq": "x"}, [(2, "event_seq", "not_integer")]),
        ({"event_seq": "0"}, [(2, "event_seq", "out_of_range")]),
        ({"priority": "5"}, [(2, "priority", "out_of_range")]),
        ({"event_date": "2025-02-30"}, [(2, "event_date", "not_date")]),
        ({"event_date": "0202-03-05"}, [(2, "event_date", "implausible_date")]),
        ({"event_type": "start"}, [(2, "event_type", "not_allowed")]),
        ({"entry_type": "Treatment"}, []),
        ({"specialty": "kardiologi"}, [(2, "specialty", "unknown_code")]),
        ({"procedure_code": "ngb49"}, []),
        ({"procedure_code": "NGB4"}, [(2, "procedure_code", "bad_format")]),
        ({"patient_sex": "K"}, []),  # Swedish K(vinna)
        ({"patient_sex": "X"}, [(2, "patient_sex", "not_allowed")]),
        ({"protected_identity": "SANT"}, []),
        ({"protected_identity": "kanske"}, [(2, "protected_identity", "not_bool")]),
        ({"patient_birth_date": "1951-04-31"}, [(2, "patient_birth_date", "not_date")]),
        (
            {"patient_id": PIN_A[:-1] + str((int(PIN_A[-1]) + 1) % 10)},
            [(2, "patient_id", "bad_identity")],
        ),
        ({"patient_id": "701063-2391"}, []),  # samordningsnummer
        ({"patient_id": ""}, [(2, "patient_id", "required")]),
        ({"home_municipality": ""}, [(2, "home_municipality", "required_for_event")]),
    ],
)
def test_pathway_event_cells(
    write_file: Write, changes: dict[str, str], expected: list[tuple[int, str, str]]
) -> None:
    columns = [
        "source_system",
        "pathway_id",
        "event_seq",
        "event_type",
        "event_date",
        "patient_id",
        "protected_identity",
        "patient_sex",
        "patient_birth_date",
        "home_municipality",
        "region_code",
        "unit_id",
        "specialty",
        "entry_type",
        "priority",
        "procedure_code",
    ]
    checked = check(write_file, [clock_start(**changes)], columns)
    assert found(checked) == expected


@pytest.mark.parametrize(
    ("row", "missing"),
    [
        (event(2, "priority_change", "2025-03-06"), "priority"),
        (event(2, "pause_start", "2025-03-06", reference="SE-L1"), "pause_reason"),
        (event(2, "pause_start", "2025-03-06", pause_reason="MOV"), "reference"),
        (
            event(2, "offer", "2025-03-06", offered_unit_id="U2", appointment_date="2025-04-01"),
            "offer_outcome",
        ),
        (
            event(
                2, "offer", "2025-03-06", offer_outcome="declined", appointment_date="2025-04-01"
            ),
            "offered_unit_id",
        ),
        (
            event(2, "offer", "2025-03-06", offer_outcome="declined", offered_unit_id="U2"),
            "appointment_date",
        ),
        (event(2, "booking", "2025-03-06"), "appointment_date"),
        (event(2, "removal", "2025-03-06"), "removal_reason"),
        (event(2, "void", "2025-03-06"), "supersedes_seq"),
    ],
)
def test_fields_required_by_the_event_type(
    write_file: Write, row: dict[str, str], missing: str
) -> None:
    checked = check(write_file, [clock_start(), row])
    assert found(checked) == [(3, missing, "required_for_event")]
    assert checked.problems[0].params["event_type"] == row["event_type"]
    assert checked.valid.column("_row").to_pylist() == [2]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"arrival": "2025-03-05 08:30"}, []),
        ({"arrival": "igår"}, [(2, "arrival", "not_datetime")]),
        ({"triage": "6"}, [(2, "triage", "out_of_range")]),
        ({"departure": "2025-03-05T08:00"}, [(2, "departure", "before_arrival")]),
        ({"physician_seen": "2025-03-05T08:00"}, [(2, "physician_seen", "before_arrival")]),
        ({"departure": "2025-03-05T07:29Z"}, [(2, "departure", "before_arrival")]),
        ({"departure": "2025-03-05T07:31Z"}, []),  # 08:31 Swedish winter time
        ({"disposition": "dead"}, [(2, "disposition", "not_allowed")]),
    ],
)
def test_ed_visit_cells_and_times(
    write_file: Write, changes: dict[str, str], expected: list[tuple[int, str, str]]
) -> None:
    row = (
        dict(
            visit_id="V1",
            unit_id="U9",
            patient_id=PIN_B,
            arrival="2025-03-05T08:30",
            triage="3",
            physician_seen="",
            departure="2025-03-05T12:10",
            disposition="home",
        )
        | changes
    )
    assert found(check(write_file, [row], list(row))) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"discharged": ""}, []),  # still admitted
        ({"discharged": "2025-03-01T14:00"}, [(2, "discharged", "before_admitted")]),
        (
            {"ready_for_discharge": "2025-02-28T10:00"},
            [(2, "ready_for_discharge", "before_admitted")],
        ),
        ({"diagnoses": "S72|w19|F00.1"}, []),
        ({"diagnoses": "S72|höft"}, [(2, "diagnoses", "bad_format")]),
    ],
)
def test_inpatient_stay_cells_and_times(
    write_file: Write, changes: dict[str, str], expected: list[tuple[int, str, str]]
) -> None:
    row = (
        dict(
            stay_id="VT1",
            patient_id=PIN_A,
            unit_id="U3",
            ward_id="A1",
            care_type="somatic",
            municipality_code="1980",
            admitted="2025-03-01T14:20",
            admission_notice_sent="2025-03-01T18:00",
            ready_for_discharge="2025-03-06T10:00",
            discharged="2025-03-09T11:00",
            diagnoses="S72",
        )
        | changes
    )
    assert found(check(write_file, [row], list(row))) == expected


@pytest.mark.parametrize(
    ("kind", "columns", "rows"),
    [
        (
            "production",
            ["unit_id", "entry_type", "week", "planned"],
            [["U1", "treatment", "2025-W14", "1"], ["U1", "treatment", "2025 v14", "2"]],
        ),
        (
            "beds",
            [
                "ward_id",
                "unit_id",
                "hospital",
                "care_type",
                "date",
                "available_beds",
                "occupied_beds",
                "overcrowded",
                "outliers",
            ],
            [
                ["A1", "U1", "S", "somatic", "2025-03-05", "1", "1", "0", "0"],
                ["A1", "U1", "S", "somatic", "45721", "2", "2", "0", "0"],
            ],
        ),
        (
            "theatre_sessions",
            [
                "session_id",
                "unit_id",
                "theatre_id",
                "date",
                "specialty",
                "planned_minutes",
                "used_minutes",
                "cancelled",
            ],
            [
                ["S1", "U1", "T1", "2025-03-05", "ent", "480", "400", "0"],
                ["S1 ", "U1", "T1", "2025-03-06", "ent", "480", "400", "1"],
            ],
        ),
    ],
)
def test_duplicate_natural_keys_after_normalisation(
    write_file: Write, kind: str, columns: list[str], rows: list[list[str]]
) -> None:
    checked = check(write_file, [dict(zip(columns, r, strict=True)) for r in rows], columns)
    key = {"production": "week", "beds": "date", "theatre_sessions": "session_id"}[kind]
    assert found(checked) == [(3, key, "duplicate_key")]
    assert checked.problems[0].params["first_row"] == "2"
    assert checked.valid.column("_row").to_pylist() == [2]


# ----------------------------------------------------------------- the report as a whole


def test_every_problem_of_every_row_is_reported_in_order(write_file: Write) -> None:
    rows = [
        clock_start(event_seq="x", priority="9"),
        clock_start(pathway="P2", event_date="2025-13-01", patient_id="123"),
        clock_start(pathway="P3"),
    ]
    checked = check(write_file, rows)
    assert found(checked) == [
        (2, "event_seq", "not_integer"),
        (2, "priority", "out_of_range"),
        (3, "event_date", "not_date"),
        (3, "patient_id", "bad_identity"),
    ]
    assert checked.rejected_rows == frozenset({2, 3})
    assert checked.n_read == 3
    assert checked.valid.column("pathway_id").to_pylist() == ["P3"]


def test_no_personnummer_in_values_or_messages(write_file: Write) -> None:
    wrong = PIN_B[:-1] + str((int(PIN_B[-1]) + 1) % 10)
    rows = [clock_start(patient_id=wrong, pathway_id=PIN_A, reference=PIN_B, event_seq="z")]
    checked = check(write_file, rows)
    assert {p.code for p in checked.problems} >= {"bad_identity", "not_integer"}
    for p in checked.problems:
        for text in (p.value or "", p.message("sv"), p.message("en"), *p.params.values()):
            for number in (PIN_A, PIN_B, wrong):
                assert number not in text
                assert number.replace("-", "") not in text
                assert number[2:] not in text
    bad = next(p for p in checked.problems if p.code == "bad_identity")
    assert bad.value == wrong[:9] + "****"
    assert bad.row == 2


def test_valid_table_types(write_file: Write) -> None:
    rows = [
        clock_start(protected_identity="1"),
        event(2, "booking", "2025-03-06", appointment_date="2025-09-01"),
    ]
    checked = check(write_file, rows, [*rows[0], "appointment_date"])
    schema = checked.valid.schema
    assert schema.field("event_seq").type == pa.int64()
    assert schema.field("event_date").type == pa.date32()
    assert schema.field("protected_identity").type == pa.bool_()
    assert schema.field("patient_id_type").type == pa.string()
    assert schema.field("_row").type == pa.int64()
    assert checked.valid.column("protected_identity").to_pylist() == [True, False]
    assert checked.valid.column("patient_id").to_pylist() == [PIN_A.replace("-", "")] * 2
    assert checked.valid.column("patient_id_type").to_pylist() == ["personnummer"] * 2
    assert checked.valid.column("appointment_date").to_pylist() == [None, dt.date(2025, 9, 1)]


def test_sha256_is_the_files_and_validate_works_on_any_raw_table(write_file: Write) -> None:
    path = write_file(csv_text([clock_start()]))
    checked = read_and_validate(path, today=TODAY)
    assert checked.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # A RawTable built by another reader (e.g. FHIR) has no file hash: its content is hashed.
    table = pa.table({k: pa.array([v]) for k, v in clock_start().items()})
    first = validate(RawTable("fhir", "pathway_events", table), today=TODAY)
    again = validate(RawTable("fhir", "pathway_events", table), today=TODAY)
    assert first.problems == ()
    assert first.valid.column("_row").to_pylist() == [2]
    assert first.sha256 == again.sha256 != checked.sha256
