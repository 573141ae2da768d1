"""``POST /api/v1/imports``: system accounts only, all files validated first, re-posts replayed."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from web_support import World, migrated_sqlite

from vardkoll.api import imports as imports_api
from vardkoll.ingest import read_and_validate
from vardkoll.services.access.tokens import create_api_token
from vardkoll.services.imports.workflows import import_files
from vardkoll.settings import Settings
from vardkoll.store import FILE_TABLES, make_engine
from vardkoll.store._auth_models import ApiToken

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
UNITS = SAMPLES / "units.csv"
EVENTS = SAMPLES / "pathway_events.csv"
PNR = re.compile(r"(19|20)\d{6}-?\d{4}")


def _files(*paths: Path, **renamed: bytes) -> list[tuple[str, tuple[str, bytes, str]]]:
    parts = [("files", (p.name, p.read_bytes(), "text/csv")) for p in paths]
    parts += [("files", (name, body, "text/csv")) for name, body in renamed.items()]
    return parts


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def importer(world: World) -> dict[str, str]:
    world.user("importer", "system_import", region="19")
    return _bearer(world.token("importer"))


def _batches(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM import_batches")).scalar_one())


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every current row of every file table, without the bookkeeping columns."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name, model in FILE_TABLES.items():
            table = model.__table__  # type: ignore[attr-defined]
            cols = [c for c in table.columns if c.name not in {"batch_id", "superseded_by"}]
            rows = conn.execute(select(*cols).where(table.c.superseded_by.is_(None)))
            out[name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def test_samples_are_stored_with_the_same_rows_as_the_cli(
    world: World, importer: dict[str, str], tmp_path: Path
) -> None:
    response = world.client().post("/api/v1/imports", files=_files(UNITS, EVENTS), headers=importer)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/imports/{body['id']}"
    assert body["status"] == "stored"
    expected = {p.name: read_and_validate(p).n_read for p in (UNITS, EVENTS)}
    assert {f["file"]: f["rows_read"] for f in body["files"]} == expected
    assert body["rows_read"] == sum(expected.values())
    assert body["rows_new"] + body["rows_superseded"] + body["rows_unchanged"] <= body["rows_read"]
    assert all(f["status"] == "stored" for f in body["files"])
    assert body["errors"] == []
    # The CLI's workflow on a second, fresh store with the same key stores the same rows.
    reference = Settings(
        data_dir=world.settings.data_dir,
        database_url=migrated_sqlite(tmp_path / "reference.sqlite3"),
        secret_key=world.settings.secret_key,
    )
    cli = import_files([UNITS, EVENTS], settings=reference)
    assert [(Path(r.source).name, r.rejected) for r in cli] == [
        ("units.csv", False),
        ("pathway_events.csv", False),
    ]
    assert {Path(r.source).name: r.report.rows_new for r in cli if r.report} == {
        f["file"]: f["rows_new"] for f in body["files"]
    }
    engine = make_engine(reference.resolved_database_url())
    try:
        assert _rows(world.engine) == _rows(engine)
    finally:
        engine.dispose()


def test_reposting_the_same_files_returns_the_earlier_result(
    world: World, importer: dict[str, str]
) -> None:
    client = world.client()
    first = client.post("/api/v1/imports", files=_files(UNITS, EVENTS), headers=importer)
    assert first.status_code == 201
    batches = _batches(world.engine)
    again = client.post("/api/v1/imports", files=_files(EVENTS, UNITS), headers=importer)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert _batches(world.engine) == batches  # nothing imported a second time
    status = client.get(f"/api/v1/imports/{first.json()['id']}", headers=importer)
    assert status.status_code == 200
    assert status.json() == first.json()
    # Different content is a different operation: the store then reports rows unchanged.
    one = client.post("/api/v1/imports", files=_files(UNITS), headers=importer)
    assert one.status_code == 201
    assert one.json()["id"] != first.json()["id"]
    assert one.json()["rows_unchanged"] == read_and_validate(UNITS).n_read


def test_one_bad_row_rejects_the_whole_request_with_every_problem(
    world: World, importer: dict[str, str]
) -> None:
    lines = EVENTS.read_text(encoding="utf-8-sig").splitlines()
    fields = lines[2].split(";")
    fields[4] = "2025-02-30"  # event_date: no such day
    fields[5] = "19510402-2249"  # patient_id: wrong check digit
    lines[2] = ";".join(fields)
    broken = ("\n".join(lines) + "\n").encode("utf-8")
    response = world.client().post(
        "/api/v1/imports", files=_files(UNITS, **{"events.csv": broken}), headers=importer
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "import_rejected"
    assert re.fullmatch(r"/api/v1/imports/[0-9a-f]{32}", body["instance"])
    by_field = {e["field"]: e for e in body["errors"]}
    assert {"event_date", "patient_id"} <= set(by_field)
    assert by_field["event_date"]["file"] == "events.csv"
    assert by_field["event_date"]["row"] == 3  # the header is row 1
    assert by_field["event_date"]["value"] == "2025-02-30"
    assert by_field["event_date"]["message"]  # the reason, in Swedish by default
    assert not PNR.search(response.text), "identity numbers are masked in the answer"
    assert _batches(world.engine) == 0  # the valid units.csv was not stored either
    kept = list((world.settings.data_dir / "api-imports").iterdir())
    assert [p.suffix for p in kept] == [".json"]  # the posted files are not kept
    assert not PNR.search(kept[0].read_text(encoding="utf-8"))
    status = world.client().get(body["instance"], headers=importer).json()
    assert status["status"] == "rejected"
    assert {f["file"]: f["status"] for f in status["files"]} == {
        "units.csv": "not_stored",
        "events.csv": "rejected",
    }


def test_reasons_follow_the_requested_language(world: World, importer: dict[str, str]) -> None:
    body = UNITS.read_bytes().replace(b";public;", b";publik;", 1)
    sv = world.client().post("/api/v1/imports", files=_files(**{"a.csv": body}), headers=importer)
    en = world.client().post(
        "/api/v1/imports?lang=en", files=_files(**{"a.csv": body}), headers=importer
    )
    assert sv.status_code == en.status_code == 422
    (sv_error,) = sv.json()["errors"]
    (en_error,) = en.json()["errors"]
    assert sv_error["field"] == en_error["field"] == "ownership"
    assert sv_error["message"] != en_error["message"]


def test_events_of_another_region_are_refused(world: World) -> None:
    world.user("stockholm", "system_import", region="01")
    token = _bearer(world.token("stockholm"))
    response = world.client().post("/api/v1/imports", files=_files(UNITS, EVENTS), headers=token)
    assert response.status_code == 422
    codes = {(e["file"], e["field"], e["code"]) for e in response.json()["errors"]}
    assert codes == {("pathway_events.csv", "region_code", "outside_region")}
    assert _batches(world.engine) == 0


def test_a_fhir_bundle_is_imported(world: World, importer: dict[str, str]) -> None:
    bundle = SAMPLES / "fhir" / "bundle.json"
    response = world.client().post(
        "/api/v1/imports",
        files=[("files", ("bundle.json", bundle.read_bytes(), "application/fhir+json"))],
        headers=importer,
    )
    assert response.status_code == 201, response.text
    kinds = {f["kind"] for f in response.json()["files"]}
    assert kinds <= {"units", "pathway_events"}
    assert "pathway_events" in kinds


def test_a_body_over_the_limit_is_refused_with_413(
    world: World, importer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports_api, "MAX_UPLOAD_BYTES", 1000)
    response = world.client().post("/api/v1/imports", files=_files(EVENTS), headers=importer)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    # Without a Content-Length (chunked), the body is counted while it is read.
    request = httpx2.Request(
        "POST",
        "http://127.0.0.1/api/v1/imports",
        files=_files(EVENTS),
        headers=importer,
    )
    del request.headers["content-length"]
    chunked = world.client().send(request)
    assert chunked.status_code == 413
    assert _batches(world.engine) == 0


@pytest.mark.parametrize(
    ("role", "kwargs"),
    [
        ("care_guarantee_officer", {"region": "19"}),
        ("regional_coordinator", {"region": "19"}),
        ("admin", {}),
        ("national_analyst", {}),
    ],
)
def test_every_other_role_is_refused(world: World, role: str, kwargs: dict[str, Any]) -> None:
    world.user("someone", role, **kwargs)
    token = _bearer(world.token("someone"))
    response = world.client().post("/api/v1/imports", files=_files(UNITS), headers=token)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert world.client().get("/api/v1/imports/" + "0" * 32, headers=token).status_code == 403
    assert _batches(world.engine) == 0


def test_a_session_cookie_is_not_enough_even_for_the_system_account(world: World) -> None:
    world.user("importer", "system_import", region="19")
    response = world.client("importer").post("/api/v1/imports", files=_files(UNITS))
    assert response.status_code == 403
    anonymous = world.client().post("/api/v1/imports", files=_files(UNITS))
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"


def test_revoked_and_expired_tokens_get_401(world: World) -> None:
    world.user("importer", "system_import", region="19")
    revoked = world.token("importer")
    with Session(world.engine) as db, db.begin():
        expired = create_api_token(
            db,
            username="importer",
            name="old",
            expires_days=1,
            now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
        )
        row = db.scalars(select(ApiToken).order_by(ApiToken.id)).first()
        assert row is not None
        row.revoked_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    for token in (revoked, expired):
        response = world.client().post(
            "/api/v1/imports", files=_files(UNITS), headers=_bearer(token)
        )
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "sign_in_required"


def test_another_accounts_import_is_not_found(world: World, importer: dict[str, str]) -> None:
    done = world.client().post("/api/v1/imports", files=_files(UNITS), headers=importer).json()
    world.user("other", "system_import", region="19")
    other = _bearer(world.token("other"))
    response = world.client().get(f"/api/v1/imports/{done['id']}", headers=other)
    missing = world.client().get("/api/v1/imports/" + "f" * 32, headers=other)
    assert response.status_code == missing.status_code == 404
    assert response.json()["detail"].replace(done["id"], "") == missing.json()["detail"].replace(
        "f" * 32, ""
    )


def test_requests_without_usable_files_say_what_to_send(
    world: World, importer: dict[str, str]
) -> None:
    client = world.client()
    no_files = client.post("/api/v1/imports", data={"x": "1"}, headers=importer)
    assert no_files.status_code == 422
    assert no_files.json()["errors"][0]["field"] == "files"
    json_body = client.post("/api/v1/imports", json={"files": []}, headers=importer)
    assert json_body.status_code == 422
    bad_name = client.post("/api/v1/imports", files=_files(**{"data.exe": b"MZ"}), headers=importer)
    assert bad_name.status_code == 422
    assert ".csv" in bad_name.json()["errors"][0]["message"]
    twice = client.post("/api/v1/imports", files=_files(UNITS, UNITS), headers=importer)
    assert twice.status_code == 422
    garbage = client.post(
        "/api/v1/imports", files=_files(**{"x.xlsx": b"not a workbook"}), headers=importer
    )
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0]["file"] == "x.xlsx"
    status = client.get(garbage.json()["instance"], headers=importer).json()
    assert status["files"] == [
        {
            "file": "x.xlsx",
            "kind": "unknown",
            "status": "rejected",
            "rows_read": 0,
            "rows_new": 0,
            "rows_superseded": 0,
            "rows_unchanged": 0,
        }
    ]
    assert _batches(world.engine) == 0
