"""The audit log: one record per patient-level response, append-only, tamper-evident, reviewable."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import random
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from web_support import PATHWAYS, World

from vardkoll.services.access import audit
from vardkoll.services.access.audit import Actor, AuditEntry

PNR = re.compile(r"(?<![0-9a-f])(19|20)\d{6}-?\d{4}(?![0-9a-f])")


def _records(world: World) -> list[dict[str, object]]:
    with world.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_log ORDER BY seq")).mappings().all()
    return [dict(r) for r in rows]


@pytest.fixture
def officer(world: World) -> str:
    world.user("vardgaranti", "care_guarantee_officer", region="19")
    return "vardgaranti"


def test_each_patient_level_response_writes_exactly_one_record(world: World, officer: str) -> None:
    client = world.client(officer)
    bearer = {"Authorization": f"Bearer {world.token(officer)}"}
    unprotected = next(p for p in PATHWAYS if p.region == "19" and not p.protected)
    for path, headers in (
        ("/waiting-lists", {}),
        ("/waiting-lists/export.xlsx", {}),
        ("/waiting-lists/export.csv", {}),
        ("/api/v1/waiting-list", bearer),
        (f"/patients/{unprotected.pseudonym}", {}),
        (f"/api/v1/patients/{unprotected.pseudonym}", bearer),
    ):
        before = world.audit_count()
        assert client.get(path, headers=headers).status_code == 200, path
        assert world.audit_count() == before + 1, path
    # Aggregates are not patient-level data: no record.
    before = world.audit_count()
    assert client.get("/overview").status_code == 200
    assert client.get("/api/v1/overview", headers=bearer).status_code == 200
    assert world.audit_count() == before
    last = _records(world)[-1]
    assert last["username"] == officer
    assert last["role"] == "care_guarantee_officer"
    assert last["patient_pseudonym"] == unprotected.pseudonym
    assert last["identity_type"] == "personnummer"
    assert last["action"] == "read"
    assert last["acting_for"] == "waiting_list:region 19"
    assert last["request_id"]
    assert last["client_address"]


def test_a_list_record_names_every_patient_shown(world: World, officer: str) -> None:
    data = (
        world.client(officer)
        .get("/api/v1/waiting-list", headers={"Authorization": f"Bearer {world.token(officer)}"})
        .json()["data"]
    )
    record = _records(world)[-1]
    assert record["action"] == "list"
    assert set(json.loads(str(record["patients"]))) == {row["patient_pseudonym"] for row in data}


def test_a_protected_identity_needs_a_purpose_and_shows_no_identity(
    world: World, officer: str
) -> None:
    protected = next(p for p in PATHWAYS if p.protected)
    client = world.client(officer)
    before = world.audit_count()
    form = client.get(f"/patients/{protected.pseudonym}")
    assert form.status_code == 200
    assert 'name="purpose"' in form.text
    assert world.audit_count() == before  # nothing shown, nothing logged
    api = client.get(f"/api/v1/patients/{protected.pseudonym}")
    assert api.status_code == 428
    assert api.json()["code"] == "purpose_required"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    page = client.post(
        f"/patients/{protected.pseudonym}",
        data={"purpose": "Patienten ringde om sin tid", "csrf_token": csrf},
    )
    assert page.status_code == 200
    assert protected.identity not in page.text
    assert protected.identity[:8] not in page.text
    record = _records(world)[-1]
    assert record["action"] == "read_protected"
    assert record["purpose"] == "Patienten ringde om sin tid"
    unprotected = next(p for p in PATHWAYS if p.region == "19" and not p.protected)
    shown = client.get(f"/patients/{unprotected.pseudonym}").text
    assert f"{unprotected.identity[:8]}-{unprotected.identity[8:]}" in shown


def test_if_the_audit_write_fails_the_request_fails(
    world: World, officer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> int:
        raise DBAPIError("INSERT INTO audit_log", {}, Exception("disk full"))

    monkeypatch.setattr(audit, "write", broken)
    client = world.client(officer)
    response = client.get("/api/v1/waiting-list")
    assert response.status_code == 503
    assert response.json()["code"] == "store_error"
    assert "patient_pseudonym" not in response.text
    page = client.get("/waiting-lists")
    assert page.status_code == 503
    assert not any(p.pseudonym in page.text for p in PATHWAYS)
    assert world.audit_count() == 0


def test_the_log_is_append_only_in_the_database(world: World, officer: str) -> None:
    world.client(officer).get("/waiting-lists")
    with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET purpose = 'x'"))
    with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    assert world.audit_count() == 1


def _write_many(session: Session, n: int, start: dt.datetime) -> None:
    actor = Actor(1, "anna", "care_guarantee_officer", "req", "10.0.0.1")
    for i in range(n):
        audit.write(
            session,
            actor,
            AuditEntry(
                action="read",
                resource="/patients",
                acting_for="waiting_list:region 19",
                patient_pseudonym=f"{i:032x}",
                identity_type="personnummer",
            ),
            now=start + dt.timedelta(hours=i),
        )


def test_verify_finds_an_edited_record_and_a_truncated_tail(world: World) -> None:
    start = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    with Session(world.engine) as db, db.begin():
        _write_many(db, 5, start)
    with Session(world.engine) as db:
        report = audit.verify(db)
    assert report.ok
    assert report.checked == 5
    assert report.head_seq == 5
    # An attacker with database access drops the trigger and edits record 3.
    with world.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET username = 'someone' WHERE seq = 3"))
    with Session(world.engine) as db:
        report = audit.verify(db)
    assert not report.ok
    assert report.first_bad_seq == 3
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET username = 'anna' WHERE seq = 3"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        conn.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    with Session(world.engine) as db:
        report = audit.verify(db)
    assert not report.ok
    assert "removed from the end" in report.problem


def test_retention_purges_only_records_older_than_the_period(world: World) -> None:
    now = dt.datetime(2031, 6, 1, tzinfo=dt.UTC)
    old = now - dt.timedelta(days=365 * 6)
    with Session(world.engine) as db, db.begin():
        _write_many(db, 3, old)  # six years old
        _write_many(db, 2, now - dt.timedelta(days=30))
    with Session(world.engine) as db, db.begin():
        with pytest.raises(ValueError, match="at least 5 years"):
            audit.purge_expired(db, retention_years=4, now=now)
        assert audit.purge_expired(db, retention_years=5, now=now) == 3
    with Session(world.engine) as db:
        report = audit.verify(db)
    assert report.ok
    assert report.checked == 2  # the chain still verifies from the anchor
    with Session(world.engine) as db, db.begin():
        assert audit.purge_expired(db, retention_years=5, now=now) == 0
    # Without a permit the database still refuses deletes.
    with pytest.raises(DBAPIError), world.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


def test_samples_and_review_outcomes(world: World) -> None:
    world.user("chef", "clinic_manager", region="19", units=["SE19-A"])
    world.user("admin", "admin")
    with Session(world.engine) as db, db.begin():
        chef_id = db.execute(text("SELECT id FROM users WHERE username='chef'")).scalar_one()
        start = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)  # a Monday morning
        actor = Actor(chef_id, "chef", "clinic_manager", "r", "10.0.0.9")
        audit.write(
            db,
            actor,
            AuditEntry(
                "read",
                "/patients",
                "waiting_list:SE19-A",
                patient_pseudonym="a" * 32,
                units=("SE19-A",),
            ),
            now=start,
        )
        audit.write(
            db,
            actor,
            AuditEntry(
                "read",
                "/patients",
                "waiting_list:SE19-A",
                patient_pseudonym="b" * 32,
                units=("SE19-B",),
            ),
            now=start + dt.timedelta(days=5, hours=12),
        )  # Saturday evening, other unit
    since, until = dt.datetime(2025, 3, 1, tzinfo=dt.UTC), dt.datetime(2025, 3, 31, tzinfo=dt.UTC)
    with Session(world.engine) as db, db.begin():
        outside = audit.draw_sample(
            db, kind="outside_unit", size=10, since=since, until=until, rng=random.Random(1)
        )
        evening = audit.draw_sample(
            db, kind="off_hours", size=10, since=since, until=until, rng=random.Random(1)
        )
        rows = audit.sample_rows(db, outside)
        assert [r.patient_pseudonym for _, r in rows] == ["b" * 32]
        assert [r.patient_pseudonym for _, r in audit.sample_rows(db, evening)] == ["b" * 32]
        sampled = audit.draw_sample(
            db, kind="random", size=1, since=since, until=until, rng=random.Random(2)
        )
        assert len(audit.sample_rows(db, sampled)) == 1
    admin = world.client("admin")
    page = admin.get(f"/admin/audit/samples/{outside}")
    review_id = re.search(r'action="/admin/audit/reviews/(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    done = admin.post(
        f"/admin/audit/reviews/{review_id}",
        data={"outcome": "follow_up", "note": "Fråga chefen", "csrf_token": csrf},
    )
    assert done.status_code == 303
    assert "Fråga chefen" in admin.get(f"/admin/audit/samples/{outside}").text
    assert admin.get("/admin/audit").status_code == 200
    assert world.client("chef").get("/admin/audit").status_code == 403


def test_patient_log_extract_by_identity_in_the_form_body(world: World, officer: str) -> None:
    patient = next(p for p in PATHWAYS if p.region == "19" and not p.protected)
    world.client(officer).get(f"/patients/{patient.pseudonym}")
    world.user("admin", "admin")
    admin = world.client("admin")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/admin/audit").text).group(1)  # type: ignore[union-attr]
    response = admin.post(
        "/admin/audit/extract", data={"patient": patient.identity, "csrf_token": csrf}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [r["Användare"] for r in rows] == [officer]
    assert rows[0]["Enhet eller process"] == "Väntelistor – Region Västmanland"
    assert rows[0]["Roll"] == "Handläggare vårdgaranti"
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00$", rows[0]["Tid"])
    assert _records(world)[-1]["action"] == "log_extract"  # producing the extract is logged


def _extract(admin, patient: str, **fields: str):  # type: ignore[no-untyped-def]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/admin/audit").text)
    assert csrf is not None
    return admin.post(
        "/admin/audit/extract",
        data={"patient": patient, "csrf_token": csrf.group(1), **fields},
    )


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00")


def test_patient_log_extract_as_pdf_lists_the_same_accesses_as_the_csv(
    world: World, officer: str
) -> None:
    patient = next(p for p in PATHWAYS if p.region == "19" and not p.protected)
    other = next(p for p in PATHWAYS if p.region == "19" and p.key != patient.key)
    client = world.client(officer)
    client.get(f"/patients/{patient.pseudonym}")
    client.get(f"/patients/{other.pseudonym}")  # another patient: in neither extract
    client.get(f"/api/v1/patients/{patient.pseudonym}")
    world.user("admin", "admin")
    admin = world.client("admin")
    csv_response = _extract(admin, patient.identity, file_format="csv")
    rows = list(
        csv.DictReader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";")
    )
    assert [r["Användare"] for r in rows] == [officer, officer]
    before = world.audit_count()
    response = _extract(admin, patient.identity, file_format="pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = _pdf_text(response.content)
    # The PDF lists the CSV's accesses, plus the CSV extract itself (also an access).
    times = ISO_TIME.findall(text)
    assert times[: len(rows)] == [r["Tid"] for r in rows]
    assert len(times) == len(rows) + 1
    assert "Loggutdrag för patient" in text  # Swedish by default
    assert "Handläggare vårdgaranti" in text  # the role, by its Swedish name
    flat = " ".join(text.split())  # table cells wrap
    assert "Väntelistor – Region Västmanland" in flat  # the process and region by name
    assert "waiting_list" not in text
    assert f"Antal åtkomster: {len(rows) + 1}" in text
    assert patient.pseudonym in text
    assert patient.identity not in text
    assert patient.identity[2:8] not in text.replace(patient.pseudonym, "")
    assert not PNR.search(text)
    # Producing the PDF is logged like the CSV: one record, for this patient.
    assert world.audit_count() == before + 1
    record = _records(world)[-1]
    assert record["action"] == "log_extract"
    assert record["patient_pseudonym"] == patient.pseudonym
    assert record["purpose"] == "patient log extract (PDF)"


def test_patient_log_extract_pdf_in_english_on_request(world: World, officer: str) -> None:
    patient = next(p for p in PATHWAYS if p.region == "19" and not p.protected)
    world.client(officer).get(f"/patients/{patient.pseudonym}")
    world.user("admin", "admin")
    admin = world.client("admin")
    english = _pdf_text(
        _extract(admin, patient.pseudonym, file_format="pdf", document_language="en").content
    )
    assert "Patient log extract" in english
    assert "Care-guarantee officer" in english
    # The page's language is the default for the document's.
    admin.get("/admin/audit?lang=en")
    assert "Patient log extract" in _pdf_text(
        _extract(admin, patient.pseudonym, file_format="pdf").content
    )
    nobody = _pdf_text(_extract(admin, "0" * 32, file_format="pdf", document_language="sv").content)
    assert "Loggen visar ingen åtkomst" in nobody
    bad = _extract(admin, patient.pseudonym, file_format="docx")
    assert bad.status_code == 422


def test_no_personnummer_in_urls_audit_records_or_logs(
    world: World, officer: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = world.client(officer)
    urls: list[str] = []
    for path in ("/overview", "/waiting-lists", "/waiting-lists?sort=priority&dir=desc"):
        page = client.get(path)
        urls += re.findall(r'(?:href|hx-get|action|data-vega-spec)="([^"]+)"', page.text)
        for p in PATHWAYS:
            assert p.identity not in page.text
    for url in urls:
        assert not PNR.search(url), url
        if url.startswith("/patients/"):
            client.get(url)
    for record in _records(world):
        assert not PNR.search(" ".join(str(v) for v in record.values())), record
    assert not PNR.search(caplog.text)
    with Session(world.engine) as db, db.begin(), pytest.raises(ValueError, match="identity"):
        audit.write(
            db, Actor(1, "a", "r", "x", "y"), AuditEntry("read", "/patients/196408233234", "x")
        )
