"""The audit log on PostgreSQL: the same migration, trigger and hash chain as on SQLite."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from vardkoll.services.access import audit
from vardkoll.services.access.audit import Actor, AuditEntry
from vardkoll.store import head_revision, make_engine, upgrade

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_schema_url(pg_url: str) -> Iterator[str]:
    """A private schema in the test database, dropped afterwards."""
    schema = f"vk_web_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in pg_url else "?"
    yield f"{pg_url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_append_only_and_verifiable_on_postgresql(pg_schema_url: str) -> None:
    assert upgrade(pg_schema_url) == head_revision()
    engine = make_engine(pg_schema_url)
    actor = Actor(1, "anna", "care_guarantee_officer", "req", "10.0.0.1")
    old = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
    with Session(engine) as db, db.begin():
        for i in range(3):
            audit.write(
                db,
                actor,
                AuditEntry(
                    "read", "/patients", "waiting_list:region 19", patient_pseudonym=f"{i:032x}"
                ),
                now=old + dt.timedelta(days=i),
            )
    with Session(engine) as db:
        assert audit.verify(db).ok
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET purpose = 'x'"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    with Session(engine) as db, db.begin():
        removed = audit.purge_expired(
            db, retention_years=5, now=dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
        )
    assert removed == 1  # only the record older than five years
    with Session(engine) as db:
        report = audit.verify(db)
    assert report.ok
    assert report.checked == 2
    engine.dispose()
