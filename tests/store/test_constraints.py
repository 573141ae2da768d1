"""The invariants are the database's, not only the code's: direct writes that break them fail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from vardkoll.store._models_files import BedsRow, PathwayEventRow, PathwayState
from vardkoll.store._models_log import ImportBatch
from vardkoll.store._models_people import IdentityLinkRow, Patient

NOW = dt.datetime(2025, 3, 5, 8, 0, tzinfo=dt.UTC)
PIN = "196408233234"


def _batch(**kw: Any) -> dict[str, Any]:
    row = {
        "file_name": "f.csv",
        "sha256": "0" * 64,
        "kind": "beds",
        "started_at": NOW,
        "accept_valid": False,
        "rows_read": 10,
        "rows_stored": 0,
        "rows_unchanged": 0,
        "rows_superseded": 0,
        "rows_quarantined": 0,
        "status": "stored",
    }
    row.update(kw)
    return row


def _bed(**kw: Any) -> dict[str, Any]:
    row = {
        "ward_id": "W1",
        "date": dt.date(2025, 3, 5),
        "unit_id": "U1",
        "hospital": "H",
        "care_type": "somatic",
        "available_beds": 24,
        "occupied_beds": 20,
        "overcrowded": 0,
        "outliers": 0,
        "version": 1,
        "batch_id": 1,
        "superseded_by": None,
    }
    row.update(kw)
    return row


def _state(pathway_id: str, **kw: Any) -> dict[str, Any]:
    row = {
        "source_system": "S",
        "pathway_id": pathway_id,
        "patient_id": PIN,
        "region_code": "19",
        "home_municipality": "1980",
        "unit_id": "U1",
        "specialty": "ent",
        "entry_type": "treatment",
        "priority": 2,
        "procedure_code": None,
        "clock_start": dt.date(2025, 1, 1),
        "removed_on": None,
        "removal_reason": None,
        "paused": False,
        "has_pvv": False,
        "has_mov": False,
        "last_event_seq": 1,
    }
    row.update(kw)
    return row


def _violates(engine: Engine, table: Any, *rows: dict[str, Any]) -> bool:
    """True when inserting ``rows`` is refused by the database (and nothing is kept)."""
    try:
        with engine.begin() as conn:
            for row in rows:
                conn.execute(insert(table).values(**row))
    except IntegrityError:
        return True
    return False


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(insert(ImportBatch).values(**_batch()))
        conn.execute(insert(ImportBatch).values(**_batch()))
        conn.execute(
            insert(Patient).values(
                identity=PIN, identity_type="personnummer", protected=False, pseudonym=None
            )
        )
    return engine


def test_counts_cannot_be_negative_or_exceed_the_rows_read(seeded: Engine) -> None:
    assert _violates(seeded, ImportBatch, _batch(rows_stored=-1))
    assert _violates(seeded, ImportBatch, _batch(rows_stored=8, rows_unchanged=3))
    assert _violates(seeded, ImportBatch, _batch(kind="nonsense"))
    assert _violates(seeded, BedsRow, _bed(occupied_beds=-2))
    assert not _violates(seeded, BedsRow, _bed())


def test_one_current_version_per_key_superseded_only_by_a_later_batch(seeded: Engine) -> None:
    assert _violates(seeded, BedsRow, _bed(), _bed(version=2))  # two current versions
    assert _violates(seeded, BedsRow, _bed(superseded_by=1))  # superseded by its own batch
    assert not _violates(seeded, BedsRow, _bed(superseded_by=2), _bed(version=2, batch_id=2))


def test_rows_belong_to_a_recorded_batch_and_a_known_patient(seeded: Engine) -> None:
    assert _violates(seeded, BedsRow, _bed(batch_id=99))
    event = {
        "source_system": "S",
        "pathway_id": "P",
        "event_seq": 1,
        "event_type": "clock_start",
        "event_date": dt.date(2025, 1, 1),
        "patient_id": "195001011234",
        "protected_identity": False,
        "region_code": "19",
        "unit_id": "U1",
        "version": 1,
        "batch_id": 1,
    }
    assert _violates(seeded, PathwayEventRow, event)  # unknown patient
    assert not _violates(seeded, PathwayEventRow, dict(event, patient_id=PIN))
    assert _violates(seeded, PathwayEventRow, dict(event, event_seq=2, patient_id=PIN, priority=7))


def test_one_open_pathway_per_patient_unit_specialty_and_entry_type(seeded: Engine) -> None:
    assert _violates(seeded, PathwayState, _state("A"), _state("B"))
    assert not _violates(
        seeded,
        PathwayState,
        _state("A", removed_on=dt.date(2025, 2, 1), removal_reason="treated"),
        _state("B"),
        _state("C", specialty="urology"),
    )
    assert _violates(
        seeded, PathwayState, _state("D", unit_id="U9", removed_on=dt.date(2025, 2, 1))
    )
    assert _violates(
        seeded,
        PathwayState,
        _state("E", unit_id="U9", removed_on=dt.date(2024, 12, 1), removal_reason="treated"),
    )


def test_identity_links_join_two_known_identities(seeded: Engine) -> None:
    link = {
        "from_identity": PIN,
        "to_identity": PIN,
        "linked_on": dt.date(2025, 1, 1),
        "reason": "x",
    }
    assert _violates(seeded, IdentityLinkRow, link)
    assert _violates(seeded, IdentityLinkRow, dict(link, to_identity="195001011234"))


def test_identity_links_resolve_and_refuse_cycles(engine: Engine) -> None:
    from vardkoll.domain import DomainRuleError, IdentityLink, nrid_check_digit
    from vardkoll.store import add_identity_link, identity_history

    body = "22640823AB3"
    reserve = body + str(nrid_check_digit(body))
    add_identity_link(engine, IdentityLink(reserve, PIN, dt.date(2025, 2, 1), "assigned"))
    history = identity_history(engine)
    assert history.current(reserve) == PIN
    with pytest.raises(DomainRuleError):
        add_identity_link(engine, IdentityLink(PIN, reserve, dt.date(2025, 3, 1), "back"))
    assert len(identity_history(engine).links) == 1
    with engine.connect() as conn:
        types = dict(conn.execute(select(Patient.identity, Patient.identity_type)).all())
    assert types == {PIN: "personnummer", reserve: "reservnummer"}
