"""The retention job: the audit log keeps everything younger than its retention, and verifies after.

Ages are checked against an independent reference: the set of seeded ages (in days) that
exceed ``365.25 × years`` days, computed here without the service's own cut-off.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from ops_support import AUDIT_AGES_DAYS, NOW, audit_report, populate, sqlite_settings
from sqlalchemy import text
from sqlalchemy.orm import Session

from vardkoll.services.access.auth import start_session
from vardkoll.services.access.retention import run_retention
from vardkoll.settings import Settings
from vardkoll.store import make_engine
from vardkoll.store._auth_models import LoginAttempt, User


@pytest.fixture
def installation(tmp_path: Path) -> Settings:
    settings = sqlite_settings(tmp_path / "site")
    populate(settings, analytics=False)
    return settings


def _audit_times(settings: Settings) -> list[dt.datetime]:
    engine = make_engine(settings.resolved_database_url())
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT at FROM audit_log ORDER BY seq")).scalars().all()
    finally:
        engine.dispose()
    return [dt.datetime.fromisoformat(str(r)).replace(tzinfo=dt.UTC) for r in rows]


def _count(settings: Settings, table: str) -> int:
    engine = make_engine(settings.resolved_database_url())
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize("years", [5, 6, 7])
def test_audit_records_younger_than_retention_stay_and_the_chain_verifies(
    installation: Settings, years: int
) -> None:
    settings = installation.model_copy(update={"audit_retention_years": years})
    expected_kept = sorted(a for a in AUDIT_AGES_DAYS if a <= 365.25 * years)
    report = run_retention(settings=settings, now=NOW)
    audit_item = next(i for i in report.items if i.what == "audit_log")
    assert audit_item.removed == len(AUDIT_AGES_DAYS) - len(expected_kept)
    kept_ages = sorted(round((NOW - at) / dt.timedelta(days=1)) for at in _audit_times(settings))
    assert kept_ages == expected_kept
    verified = audit_report(settings)
    assert verified.ok
    assert verified.checked == len(expected_kept)
    # Running again removes nothing more: nothing younger is ever touched.
    again = run_retention(settings=settings, now=NOW)
    assert next(i for i in again.items if i.what == "audit_log").removed == 0


def test_dry_run_counts_but_changes_nothing(installation: Settings) -> None:
    before = _audit_times(installation)
    report = run_retention(settings=installation, now=NOW, dry_run=True)
    assert report.dry_run
    assert next(i for i in report.items if i.what == "audit_log").removed == 3
    assert _audit_times(installation) == before


def test_a_broken_chain_is_kept_as_evidence(installation: Settings) -> None:
    engine = make_engine(installation.resolved_database_url())
    with engine.begin() as conn:  # tamper the way an attacker with file access could
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET purpose = 'edited' WHERE seq = 7"))
    engine.dispose()
    before = _audit_times(installation)
    report = run_retention(settings=installation, now=NOW)
    assert not report.audit_intact
    assert _audit_times(installation) == before


def test_expired_sessions_stale_throttles_and_old_files_go(
    installation: Settings, tmp_path: Path
) -> None:
    engine = make_engine(installation.resolved_database_url())
    with Session(engine) as session, session.begin():
        user = session.query(User).filter_by(username="anna").one()
        start_session(session, user, now=NOW - dt.timedelta(minutes=5))  # still live
        old = NOW - dt.timedelta(days=2)
        session.add(LoginAttempt(key="a" * 64, failures=2, first_failure_at=old))
        session.add(
            LoginAttempt(
                key="b" * 64,
                failures=5,
                first_failure_at=NOW - dt.timedelta(minutes=1),
                locked_until=NOW + dt.timedelta(minutes=14),
            )
        )
    engine.dispose()
    reports = installation.data_dir / "error-reports"
    reports.mkdir()
    stale, fresh = reports / "old.csv", reports / "new.csv"
    for path in (stale, fresh):
        path.write_text("x")
    os.utime(stale, (NOW.timestamp() - 100 * 86400,) * 2)
    os.utime(fresh, (NOW.timestamp() - 10 * 86400,) * 2)
    watched = tmp_path / "inbox"
    old_set, new_set = watched / "done" / "20250101T000000Z-a", watched / "failed" / "b"
    for folder in (old_set, new_set):
        folder.mkdir(parents=True)
        (folder / "units.csv").write_text("x")
    os.utime(old_set, (NOW.timestamp() - 40 * 86400,) * 2)
    os.utime(new_set, (NOW.timestamp() - 5 * 86400,) * 2)

    report = run_retention(settings=installation, now=NOW, watch_dirs=[watched])
    removed = {i.what: i.removed for i in report.items}
    assert removed["web_sessions"] == 1  # the one from the fixture, three days idle
    assert removed["login_attempts"] == 1
    assert removed["error_reports"] == 1
    assert removed["imported_file_sets"] == 1
    assert _count(installation, "web_sessions") == 1
    assert _count(installation, "login_attempts") == 1
    assert not stale.exists()
    assert fresh.exists()
    assert not old_set.exists()
    assert new_set.exists()


def test_retention_below_five_years_cannot_be_configured() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 5"):
        Settings(audit_retention_years=4)
