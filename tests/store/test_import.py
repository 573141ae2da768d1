"""Storing validated files: versions, idempotency, rejection, quarantine — on both databases."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlalchemy import Engine, text
from vk_store_testdata import (
    Problem,
    ed_rows,
    events_table,
    other_rows,
    random_history,
    region_events,
    stay_rows,
    typed_table,
    unit_rows,
    validated,
)

from vardkoll.domain import PathwayEvent, StoreError, pseudonymise
from vardkoll.store import ImportRejected, import_validated, kind_spec, store_checksum
from vardkoll.store._bulk import fetch_arrow, q

KEY = b"test-key"


def _current(engine: Engine, kind: str) -> pa.Table:
    spec = kind_spec(kind)
    cols = ", ".join(q(c) for c in spec.columns)
    keys = ", ".join(q(k) for k in spec.key)
    with engine.connect() as conn:
        return fetch_arrow(
            conn,
            f"SELECT {cols} FROM {q(kind)} WHERE superseded_by IS NULL ORDER BY {keys}",
            spec.schema,
        )


def _scalar(engine: Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


@pytest.mark.parametrize(
    "kind", ["units", "production", "beds", "theatre_sessions", "ed_visits", "inpatient_stays"]
)
def test_every_kind_round_trips_exactly(engine: Engine, kind: str) -> None:
    rng = random.Random(7)
    rows = {
        "units": lambda: unit_rows(5),
        "ed_visits": lambda: ed_rows(rng, 40),
        "inpatient_stays": lambda: stay_rows(rng, 40),
    }.get(kind, lambda: other_rows(kind, 40))()
    table = typed_table(kind, rows)
    report = import_validated(engine, validated(kind, table), key=KEY)
    assert (report.rows_new, report.rows_unchanged, report.rows_quarantined) == (len(rows), 0, 0)
    spec = kind_spec(kind)
    expected = table.select(list(spec.columns)).sort_by([(k, "ascending") for k in spec.key])
    assert _current(engine, kind).equals(expected)


def test_pathway_events_round_trip_and_patients(engine: Engine) -> None:
    events = region_events(60, seed=3)
    table = events_table(events)
    report = import_validated(engine, validated("pathway_events", table), key=KEY)
    assert report.rows_new == len(events)
    assert report.pathways_changed == 60
    spec = kind_spec("pathway_events")
    expected = table.select(list(spec.columns)).sort_by([(k, "ascending") for k in spec.key])
    assert _current(engine, "pathway_events").equals(expected)
    patients = {e.patient_id for e in events}
    assert _scalar(engine, "SELECT count(*) FROM patients") == len(patients)
    some = sorted(patients)[0]
    stored = _scalar(engine, f"SELECT pseudonym FROM patients WHERE identity = '{some}'")
    assert stored == pseudonymise(some, KEY)


def test_reimport_changes_nothing(engine: Engine) -> None:
    file = validated("pathway_events", events_table(region_events(40, seed=5)))
    import_validated(engine, file, key=KEY)
    before = store_checksum(engine, include_log=False)
    again = import_validated(engine, file, key=KEY)
    assert store_checksum(engine, include_log=False) == before
    assert (again.rows_new, again.rows_superseded) == (0, 0)
    assert again.rows_unchanged == file.valid.num_rows
    # The log records both runs; the second stored nothing.
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, rows_stored, rows_unchanged, status FROM import_batches ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, file.valid.num_rows, 0, "stored"),
        (2, 0, file.valid.num_rows, "stored"),
    ]


def test_changed_row_supersedes_and_history_is_kept(engine: Engine) -> None:
    rows = other_rows("beds", 6)
    import_validated(engine, validated("beds", typed_table("beds", rows)))
    changed = [dict(r) for r in rows]
    changed[2]["occupied_beds"] = 99
    report = import_validated(engine, validated("beds", typed_table("beds", changed)))
    assert (report.rows_new, report.rows_superseded, report.rows_unchanged) == (0, 1, 5)
    ward, day = rows[2]["ward_id"], rows[2]["date"].isoformat()
    with engine.connect() as conn:
        history = conn.execute(
            text(
                "SELECT version, occupied_beds, batch_id, superseded_by FROM beds "
                "WHERE ward_id = :w AND date = :d ORDER BY version"
            ),
            {"w": ward, "d": dt.date.fromisoformat(day)},
        ).all()
    assert [tuple(h) for h in history] == [(1, rows[2]["occupied_beds"], 1, 2), (2, 99, 2, None)]
    # Importing the old content again supersedes once more: version 3, back to the old value.
    third = import_validated(engine, validated("beds", typed_table("beds", rows)))
    assert third.rows_superseded == 1
    assert _scalar(engine, "SELECT max(version) FROM beds") == 3


def test_null_versus_value_counts_as_a_change(engine: Engine) -> None:
    rows = other_rows("production", 3)
    rows[0]["performed"] = None
    import_validated(engine, validated("production", typed_table("production", rows)))
    rows[0]["performed"] = 0
    report = import_validated(engine, validated("production", typed_table("production", rows)))
    assert report.rows_superseded == 1


def test_invalid_rows_reject_the_whole_file(engine: Engine) -> None:
    import_validated(engine, validated("units", typed_table("units", unit_rows(2))))
    before = store_checksum(engine)
    table = typed_table("beds", other_rows("beds", 5))
    bad = (Problem("beds.csv", 9, "date", "2025-13-01", "not_date"),)
    with pytest.raises(ImportRejected) as info:
        import_validated(engine, validated("beds", table, problems=bad))
    assert [p.row for p in info.value.problems] == [9]
    assert info.value.status == 422
    assert store_checksum(engine) == before


def test_accept_valid_quarantines_with_reasons_and_masks_identities(engine: Engine) -> None:
    table = typed_table("ed_visits", ed_rows(random.Random(2), 4))
    problems = (
        Problem("ed.csv", 7, "patient_id", "19640823-3235", "bad_identity"),
        Problem("ed.csv", 7, "triage", "9", "out_of_range"),
        Problem("ed.csv", 8, "unit_id", "see 196408233234", "unknown_unit"),
    )
    report = import_validated(
        engine, validated("ed_visits", table, problems=problems), accept_valid=True
    )
    assert (report.rows_read, report.rows_new, report.rows_quarantined) == (6, 4, 2)
    assert report.quarantined_by_reason == {
        "bad_identity": 1,
        "out_of_range": 1,
        "unknown_unit": 1,
    }
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT row, field, value, code FROM quarantined_rows ORDER BY row, field")
        ).all()
        status = conn.execute(text("SELECT status, rows_quarantined FROM import_batches")).one()
    assert [tuple(r) for r in stored] == [
        (7, "patient_id", "19640823-****", "bad_identity"),
        (7, "triage", "9", "out_of_range"),
        (8, "unit_id", "see 19640823****", "unknown_unit"),
    ]
    assert tuple(status) == ("stored_with_quarantine", 2)


def test_duplicate_keys_in_one_file_are_named(engine: Engine) -> None:
    rows = unit_rows(3)
    rows.append(dict(rows[1], unit_name="Same id again"))
    table = typed_table("units", rows)
    with pytest.raises(ImportRejected) as info:
        import_validated(engine, validated("units", table))
    assert {(p.row, p.code) for p in info.value.problems} == {
        (3, "duplicate_key"),
        (5, "duplicate_key"),
    }
    assert "rows 3, 5" in info.value.problems[0].message("en")
    report = import_validated(engine, validated("units", table), accept_valid=True)
    assert (report.rows_new, report.rows_quarantined) == (2, 2)


def test_a_missing_column_is_a_clear_store_error(engine: Engine) -> None:
    table = typed_table("units", unit_rows(1)).drop_columns(["latitude"])
    with pytest.raises(StoreError, match="latitude"):
        import_validated(engine, validated("units", table))


def test_progress_reaches_the_total(engine: Engine) -> None:
    calls: list[tuple[int, int]] = []
    import_validated(
        engine,
        validated("beds", typed_table("beds", other_rows("beds", 10))),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1][0] == calls[-1][1] == 20
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


# --- pathways across files ---------------------------------------------------------------


def _split(events: list[PathwayEvent], cut: dt.date) -> tuple[pa.Table, pa.Table]:
    """Events up to ``cut`` (first delivery) and after it (second), like monthly files."""
    table = events_table(events)
    early = pc.less_equal(table.column("event_date"), pa.scalar(cut, pa.date32()))
    return table.filter(early), table.filter(pc.invert(early))


def test_pathway_state_follows_events_across_files(engine: Engine) -> None:
    events = region_events(80, seed=11)
    first, second = _split(events, dt.date(2024, 9, 1))
    import_validated(engine, validated("pathway_events", first, source="jan.csv"))
    import_validated(engine, validated("pathway_events", second, source="feb.csv"))
    # The same state as importing everything at once, in a fresh database of the same kind.
    with engine.connect() as conn:
        split_state = conn.execute(
            text("SELECT * FROM pathways ORDER BY source_system, pathway_id")
        ).all()
        conn.execute(text("DELETE FROM pathways"))
        conn.commit()
    import_validated(engine, validated("pathway_events", events_table(events)))
    with engine.connect() as conn:
        whole = conn.execute(
            text("SELECT * FROM pathways ORDER BY source_system, pathway_id")
        ).all()
    assert split_state == whole
    assert len(whole) == 80


def test_events_without_clock_start_are_rejected(engine: Engine) -> None:
    events = random_history(random.Random(1), pathway_id="P9")
    later = [e for e in events if e.event_type != "clock_start"]
    orphan = events_table([replace(e, pathway_id="ORPHAN") for e in later][:2] or later[:1])
    assert orphan.num_rows > 0, "seed 1 gives a history with events after its clock start"
    with pytest.raises(ImportRejected) as info:
        import_validated(engine, validated("pathway_events", orphan))
    assert {p.code for p in info.value.problems} == {"pathway_without_clock_start"}
    assert _scalar(engine, "SELECT count(*) FROM pathway_events") == 0


def test_second_open_pathway_for_same_patient_unit_is_rejected(engine: Engine) -> None:
    rng = random.Random(4)
    pin = "196408233234"
    open_one = [
        e
        for e in random_history(
            rng,
            pathway_id="A",
            patient=pin,
            specialty="ent",
            entry_type="treatment",
            complex_events=False,
        )
        if e.event_type != "removal"
    ]
    import_validated(engine, validated("pathway_events", events_table(open_one)))
    clash = random_history(
        rng,
        pathway_id="B",
        patient=pin,
        specialty="ent",
        entry_type="treatment",
        complex_events=False,
    )
    clash = [e for e in clash if e.event_type != "removal"]
    other = random_history(rng, pathway_id="C", complex_events=False)
    file = validated("pathway_events", events_table(clash + other), source="b.csv")
    before = store_checksum(engine)
    with pytest.raises(ImportRejected) as info:
        import_validated(engine, file)
    assert {p.code for p in info.value.problems} == {"open_pathway_conflict"}
    assert {p.value for p in info.value.problems} == {"B"}
    assert "COSMIC-VMD:A" in info.value.problems[0].message("en")
    assert store_checksum(engine) == before
    # With --accept-valid, B is quarantined and C stored.
    report = import_validated(engine, file, accept_valid=True)
    assert report.rows_quarantined == len(clash)
    assert report.rows_new == len(other)
    ids = _scalar(engine, "SELECT count(*) FROM pathways WHERE pathway_id IN ('A', 'C')")
    assert ids == 2
    # Removing A first lets B in (delete-then-insert never trips the partial index).
    removal = replace(
        open_one[-1],
        event_seq=len(open_one) + 1,
        event_type="removal",
        removal_reason="treated",
        priority=None,
        pause_reason=None,
        reference=None,
        offer_outcome=None,
        offered_unit_id=None,
        appointment_date=None,
        supersedes_seq=None,
        event_date=max(e.event_date for e in open_one),
    )
    both = events_table([removal, *clash])
    report = import_validated(engine, validated("pathway_events", both))
    assert report.rows_new == 1 + len(clash)


def test_removal_before_clock_start_across_files_is_rejected(engine: Engine) -> None:
    history = random_history(random.Random(8), pathway_id="R", complex_events=False)
    start = [e for e in history if e.event_type == "clock_start"][:1]
    import_validated(engine, validated("pathway_events", events_table(start)))
    early = replace(
        start[0],
        event_seq=2,
        event_type="removal",
        removal_reason="treated",
        event_date=start[0].event_date - dt.timedelta(days=3),
        specialty=None,
        entry_type=None,
        priority=None,
        home_municipality=None,
        procedure_code=None,
    )
    with pytest.raises(ImportRejected) as info:
        import_validated(engine, validated("pathway_events", events_table([early])))
    assert [p.code for p in info.value.problems] == ["removal_before_clock_start"]
