"""Tables of the web platform: accounts, sessions, sign-in throttling, API tokens and the audit log.

Why in the operational store: an audit record must be written in the same transaction as the
patient data it records (patient data law, docs/explanation/patient-data-law.md), and sessions must
survive a restart.

The audit log is append-only at the database level: triggers refuse UPDATE always and DELETE
unless a retention purge has opened a permit for rows older than the retention cut-off
(:data:`AUDIT_TRIGGERS`). Tamper evidence comes from the hash chain (``prev_hash`` → ``hash``)
that ``vardkoll.services.access.audit`` writes and verifies; ``audit_head`` holds the chain's end,
so a
truncated tail is detected too, and serialises concurrent writers (its row is updated first).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import DDL

from vardkoll.store._base import Base

GENESIS_HASH = "0" * 64


class User(Base):
    """A person (or a system, for API tokens) who may sign in, with one role and its scope."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str | None] = mapped_column(String(2), nullable=True)
    unit_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    municipality_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    language: Mapped[str | None] = mapped_column(String(2), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LoginAttempt(Base):
    """Failed sign-ins per account and client address (keyed by a hash of both)."""

    __tablename__ = "login_attempts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApiToken(Base):
    """A bearer token for system-to-system calls; it acts as its (service) user."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditRecord(Base):
    """One access to patient-level data. Never updated or deleted by the application."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    username: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(40))
    acting_for: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(500), default="")
    patient_pseudonym: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    identity_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    patients: Mapped[list[str]] = mapped_column(JSON, default=list)
    units: Mapped[list[str]] = mapped_column(JSON, default=list)
    resource: Mapped[str] = mapped_column(String(300))
    request_id: Mapped[str] = mapped_column(String(64))
    client_address: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The end of the audit hash chain (one row). Updating it first serialises writers."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    anchor_seq: Mapped[int] = mapped_column(Integer, default=0)
    anchor_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class AuditPurgePermit(Base):
    """Opened by the retention job only: rows older than ``cutoff`` may then be deleted."""

    __tablename__ = "audit_purge_permit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cutoff: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditReview(Base):
    """The outcome of a sample review (*stickprov*) of one audit record."""

    __tablename__ = "audit_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    audit_seq: Mapped[int] = mapped_column(Integer, index=True)
    sample_id: Mapped[str] = mapped_column(String(64), index=True)
    sample_kind: Mapped[str] = mapped_column(String(40))
    reviewer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


_SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit p WHERE OLD.at < p.cutoff)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END""",
]
_POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (
      SELECT 1 FROM audit_purge_permit p WHERE OLD.at < p.cutoff) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: UPDATE and DELETE are refused';
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_guard()""",
]
AUDIT_TRIGGERS: dict[str, list[str]] = {
    "sqlite": _SQLITE_TRIGGERS,
    "postgresql": _POSTGRES_TRIGGERS,
}
"""Trigger DDL per dialect, shared by ``create_all`` (tests) and migration 0002."""

for _dialect, _statements in AUDIT_TRIGGERS.items():
    for _statement in _statements:
        event.listen(
            AuditRecord.__table__,
            "after_create",
            DDL(_statement).execute_if(dialect=_dialect),  # type: ignore[no-untyped-call]
        )
