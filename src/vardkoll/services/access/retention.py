"""The retention job: remove what has outlived its purpose, never the audit log before its time.

What goes, and why:

- **audit log** records older than ``audit_retention_years`` (at least five; patient data law),
  through :func:`vardkoll.services.access.audit.purge_expired` only, which re-anchors the hash
  chain.
  A log that does not verify is *not* purged: the break is evidence and must stay.
- **web sessions** idle past ``session_idle_minutes``: they can no longer sign anyone in.
- **sign-in throttling** rows whose window and lockout are both over: they would be reset at
  the next attempt anyway.
- **error reports** (``data_dir/error-reports/*.csv``) older than ``error_report_days``: they
  repeat rejected values from source files.
- **imported files** in watched folders (``done/`` and ``failed/`` under each folder) older
  than ``import_files_days``: the store keeps the data; the files are copies of patient data.

Everything runs in one transaction of the store; files are removed after it commits. With
``dry_run`` nothing is removed and the report says what would be.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from vardkoll.domain import InputError, StoreError
from vardkoll.services.access import audit
from vardkoll.services.access.auth import purge_expired_sessions
from vardkoll.settings import Settings
from vardkoll.store import AuditRecord, LoginAttempt, WebSession, make_engine

__all__ = [
    "ERROR_REPORT_DAYS",
    "IMPORT_FILES_DAYS",
    "RetentionItem",
    "RetentionReport",
    "audit_cutoff",
    "run_retention",
]

ERROR_REPORT_DAYS = 90
IMPORT_FILES_DAYS = 30
WATCH_ARCHIVES = ("done", "failed")
_STAMP = re.compile(r"\d{8}T\d{6}Z")


@dataclass(frozen=True)
class RetentionItem:
    """One kind of data: how much went (or would go), and the cut-off applied."""

    what: str
    removed: int
    cutoff: datetime
    note: str = ""


@dataclass(frozen=True)
class RetentionReport:
    """The outcome of :func:`run_retention`."""

    items: tuple[RetentionItem, ...]
    dry_run: bool
    audit_intact: bool


def audit_cutoff(now: datetime, retention_years: int) -> datetime:
    """The instant before which audit records may go (the rule ``purge_expired`` applies)."""
    return now - timedelta(days=round(365.25 * retention_years))


def _age_stamp(path: Path) -> float:
    """When a file or set was archived: the UTC stamp its name starts with, else its mtime."""
    match = _STAMP.match(path.name)
    if match:
        moment = datetime.strptime(match.group(0), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return moment.timestamp()
    return path.stat().st_mtime


def _old_files(paths: Sequence[Path], cutoff: datetime) -> list[Path]:
    limit = cutoff.timestamp()
    return [p for p in paths if p.exists() and _age_stamp(p) < limit]


def _stale_reports(settings: Settings, cutoff: datetime) -> list[Path]:
    folder = settings.data_dir / "error-reports"
    return _old_files(sorted(folder.glob("*.csv")) if folder.is_dir() else [], cutoff)


def _stale_import_sets(watch_dirs: Sequence[Path], cutoff: datetime) -> list[Path]:
    sets: list[Path] = []
    for folder in watch_dirs:
        for archive in WATCH_ARCHIVES:
            base = Path(folder) / archive
            if base.is_dir():
                sets.extend(sorted(p for p in base.iterdir() if p.is_dir()))
    return _old_files(sets, cutoff)


def run_retention(
    *,
    settings: Settings,
    now: datetime | None = None,
    dry_run: bool = False,
    watch_dirs: Sequence[Path] = (),
    error_report_days: int = ERROR_REPORT_DAYS,
    import_files_days: int = IMPORT_FILES_DAYS,
) -> RetentionReport:
    """Apply every retention rule (see the module doc); ``dry_run`` only counts."""
    for name, days in (
        ("error_report_days", error_report_days),
        ("import_files_days", import_files_days),
    ):
        if days < 1:
            raise InputError(f"--{name.replace('_', '-')} must be at least 1; got {days}.")
    now = now or datetime.now(UTC)
    years = settings.audit_retention_years
    items: list[RetentionItem] = []
    engine = make_engine(settings.resolved_database_url())
    try:
        with Session(engine) as session, session.begin():
            intact = audit.verify(session).ok
            a_cut = audit_cutoff(now, years)
            if not intact:
                items.append(RetentionItem("audit_log", 0, a_cut, "chain broken: kept as evidence"))
            elif dry_run:
                n = session.scalar(select(func.count()).where(AuditRecord.at < a_cut)) or 0
                items.append(RetentionItem("audit_log", int(n), a_cut, f"older than {years} years"))
            else:
                n = audit.purge_expired(session, retention_years=years, now=now)
                if not audit.verify(session).ok:  # pragma: no cover - purge re-anchors the chain
                    raise StoreError(
                        "the audit chain does not verify after the purge; rolled back."
                    )
                items.append(RetentionItem("audit_log", n, a_cut, f"older than {years} years"))
            s_cut = now - timedelta(minutes=settings.session_idle_minutes)
            if dry_run:
                n = session.scalar(select(func.count()).where(WebSession.last_seen < s_cut)) or 0
            else:
                n = purge_expired_sessions(session, settings=settings, now=now)
            items.append(RetentionItem("web_sessions", int(n), s_cut, "idle past the limit"))
            l_cut = now - timedelta(minutes=settings.login_lockout_minutes)
            stale = and_(
                LoginAttempt.first_failure_at < l_cut,
                or_(LoginAttempt.locked_until.is_(None), LoginAttempt.locked_until <= now),
            )
            if dry_run:
                n = session.scalar(select(func.count()).where(stale)) or 0
            else:
                n = getattr(session.execute(delete(LoginAttempt).where(stale)), "rowcount", 0)
            items.append(RetentionItem("login_attempts", int(n or 0), l_cut, "window over"))
    finally:
        engine.dispose()
    r_cut = now - timedelta(days=error_report_days)
    reports = _stale_reports(settings, r_cut)
    f_cut = now - timedelta(days=import_files_days)
    sets = _stale_import_sets(watch_dirs, f_cut)
    if not dry_run:
        for path in reports:
            path.unlink(missing_ok=True)
        for folder in sets:
            shutil.rmtree(folder, ignore_errors=True)
    items.append(RetentionItem("error_reports", len(reports), r_cut, "CSV files"))
    items.append(RetentionItem("imported_file_sets", len(sets), f_cut, "done/ and failed/"))
    return RetentionReport(tuple(items), dry_run, intact)
