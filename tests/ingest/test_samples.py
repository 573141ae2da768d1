"""The sample files in samples/ are valid, consistent with each other and with the domain."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from vk_ingest_testdata import SAMPLES, TODAY

from vardkoll.domain import PathwayEvent, parse_identity, validate_pathway
from vardkoll.ingest import FILE_KINDS, read_and_validate, read_raw


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_each_sample_is_valid_and_detected(kind: str) -> None:
    path = SAMPLES / f"{kind}.csv"
    assert read_raw(path).kind == kind
    checked = read_and_validate(path, today=TODAY)
    assert checked.problems == ()
    assert 10 <= checked.n_read <= 30
    assert checked.valid.num_rows == checked.n_read


def test_the_workbook_holds_the_same_events_under_swedish_headers() -> None:
    from_csv = read_and_validate(SAMPLES / "pathway_events.csv", today=TODAY)
    raw = read_raw(SAMPLES / "pathway_events.xlsx")
    assert "källsystem" not in raw.table.column_names  # Swedish headers resolved
    from_xlsx = read_and_validate(SAMPLES / "pathway_events.xlsx", today=TODAY)
    assert from_xlsx.problems == ()
    assert from_xlsx.valid.equals(from_csv.valid)


def _valid(kind: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = read_and_validate(
        SAMPLES / f"{kind}.csv", today=TODAY
    ).valid.to_pylist()
    return rows


def test_every_referenced_unit_exists() -> None:
    units = {r["unit_id"] for r in _valid("units")}
    for kind in FILE_KINDS[1:]:
        for row in _valid(kind):
            for column in ("unit_id", "offered_unit_id"):
                if row.get(column) is not None:
                    assert row[column] in units, (kind, column, row[column])


def test_units_offer_the_specialties_they_are_used_for() -> None:
    offered = {r["unit_id"]: set(r["specialties"].split("|")) for r in _valid("units")}
    for row in _valid("pathway_events"):
        if row["specialty"] is not None:
            assert row["specialty"] in offered[row["unit_id"]]
    for row in _valid("theatre_sessions"):
        assert row["specialty"] in offered[row["unit_id"]]


def test_every_identity_kind_appears_and_is_valid() -> None:
    kinds = {r["patient_id_type"] for r in _valid("pathway_events")}
    assert kinds == {"personnummer", "samordningsnummer", "reservnummer"}
    for row in _valid("pathway_events") + _valid("ed_visits") + _valid("inpatient_stays"):
        parse_identity(row["patient_id"], today=TODAY)


def test_sample_pathways_are_sound_in_the_domain_replay() -> None:
    pathways: dict[tuple[str, str], list[PathwayEvent]] = defaultdict(list)
    for row in _valid("pathway_events"):
        fields = {k: v for k, v in row.items() if k not in ("_row", "patient_id_type")}
        pathways[(row["source_system"], row["pathway_id"])].append(PathwayEvent(**fields))
    assert len(pathways) >= 8
    for key, events in pathways.items():
        assert validate_pathway(events, today=TODAY) == [], key
