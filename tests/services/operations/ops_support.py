"""Installations for the operations tests: a populated store on SQLite and on PostgreSQL.

A populated installation has imported sample files (units, pathway events), an account, a web
session, audit records spread over seven years (so retention has something on both sides of
its cut-off), a built analytics file and its own pseudonym key file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from vardkoll.services.access import audit
from vardkoll.services.access.accounts import create_user
from vardkoll.services.access.audit import Actor, AuditEntry
from vardkoll.services.access.auth import start_session
from vardkoll.services.imports.workflows import build_analytics_store, import_files
from vardkoll.settings import Settings
from vardkoll.store import make_engine, store_checksum, upgrade
from vardkoll.store._auth_models import User

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
# Ages of the audit records in days: some past five years, some well within, one just inside.
AUDIT_AGES_DAYS = (2600, 2200, 1900, 1820, 1500, 400, 30, 1)


def write_audit(settings: Settings, ages_days: tuple[int, ...] = AUDIT_AGES_DAYS) -> None:
    engine = make_engine(settings.resolved_database_url())
    actor = Actor(1, "anna", "care_guarantee_officer", "req-1", "10.0.0.1")
    try:
        with Session(engine) as session, session.begin():
            for i, age in enumerate(sorted(ages_days, reverse=True)):
                audit.write(
                    session,
                    actor,
                    AuditEntry(
                        "read", "/patients", "waiting_list:region 19", patient_pseudonym=f"{i:032x}"
                    ),
                    now=NOW - dt.timedelta(days=age),
                )
    finally:
        engine.dispose()


def populate(settings: Settings, *, analytics: bool = True) -> None:
    """Fill an installation the way real use does (imports, accounts, sessions, audit)."""
    results = import_files(
        [SAMPLES / "units.csv", SAMPLES / "pathway_events.csv"], settings=settings
    )
    assert all(not r.rejected for r in results)
    engine = make_engine(settings.resolved_database_url())
    try:
        with Session(engine) as session, session.begin():
            create_user(
                session,
                username="anna",
                role="care_guarantee_officer",
                password=None,
                region_code="19",
            )
            user = session.query(User).filter_by(username="anna").one()
            start_session(session, user, now=NOW - dt.timedelta(days=3))
    finally:
        engine.dispose()
    write_audit(settings)
    if analytics:
        build_analytics_store(settings=settings, as_of=dt.date(2025, 12, 31))


def checksum(settings: Settings) -> str:
    engine = make_engine(settings.resolved_database_url())
    try:
        return store_checksum(engine)
    finally:
        engine.dispose()


def audit_report(settings: Settings) -> audit.VerifyReport:
    engine = make_engine(settings.resolved_database_url())
    try:
        with Session(engine) as session:
            return audit.verify(session)
    finally:
        engine.dispose()


def sqlite_settings(base: Path) -> Settings:
    return Settings(data_dir=base, database_url=f"sqlite:///{base / 'vardkoll.sqlite3'}")


__all__ = [
    "AUDIT_AGES_DAYS",
    "NOW",
    "SAMPLES",
    "audit_report",
    "checksum",
    "populate",
    "sqlite_settings",
    "upgrade",
    "write_audit",
]
