"""Sign-in, throttling and server-side sessions.

Why server-side sessions: signing out or disabling an account ends access at once, and the
cookie carries nothing but a random token (only its SHA-256 is stored, so a copy of the database
cannot be replayed as cookies). Sign-in failures are counted per account and client address in
the store, so the limit holds across processes and restarts.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vardkoll.domain import PermissionDenied
from vardkoll.services.access.passwords import verify_password
from vardkoll.settings import Settings
from vardkoll.store import LoginAttempt, User, WebSession


class SignInFailed(PermissionDenied):
    """Wrong username or password (one message for both: no account oracle)."""

    status = 401
    code = "sign_in_failed"


class SignInThrottled(PermissionDenied):
    """Too many failed sign-ins for this account from this address."""

    status = 429
    code = "sign_in_throttled"


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything here is stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _attempt_key(username: str, client_address: str) -> str:
    return hashlib.sha256(f"{username.strip().lower()}|{client_address}".encode()).hexdigest()


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    client_address: str,
    settings: Settings,
    now: datetime | None = None,
) -> User:
    """The active account whose password matches, or :class:`SignInFailed`/:class:`SignInThrottled`.

    A failure is counted in the caller's transaction before this raises, so callers catch the
    error inside the transaction and let it commit (the web route does).
    """
    now = now or datetime.now(UTC)
    key = _attempt_key(username, client_address)
    attempt = session.get(LoginAttempt, key)
    locked_until = _aware(attempt.locked_until) if attempt and attempt.locked_until else None
    if locked_until is not None and locked_until > now:
        minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
        raise SignInThrottled(
            f"Too many failed sign-ins; try again in {minutes} minutes.", minutes=minutes
        )
    user = session.scalar(select(User).where(User.username == username.strip()))
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and user.active:
        if attempt is not None:
            session.delete(attempt)
        return user
    window = timedelta(minutes=settings.login_lockout_minutes)
    if attempt is None:
        attempt = LoginAttempt(key=key, failures=0, first_failure_at=now)
        session.add(attempt)
    elif now - _aware(attempt.first_failure_at) > window and (
        attempt.locked_until is None or _aware(attempt.locked_until) <= now
    ):
        attempt.failures = 0
        attempt.first_failure_at = now
        attempt.locked_until = None
    attempt.failures += 1
    if attempt.failures >= settings.login_max_failures:
        attempt.locked_until = now + window
    session.flush()
    raise SignInFailed("Wrong username or password.")


@dataclass(frozen=True)
class SessionInfo:
    """A live session: its account, its CSRF token and its remembered choices."""

    session_id: str
    user: User
    csrf_token: str
    data: dict[str, Any]
    touch_due: bool = False


def _session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session, user: User, *, data: dict[str, Any] | None = None, now: datetime | None = None
) -> str:
    """Create a session for ``user``; returns the cookie token (shown once, stored hashed)."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=_session_id(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen=now,
            data=dict(data or {}),
        )
    )
    session.flush()
    return token


def load_session(
    session: Session, token: str, *, settings: Settings, now: datetime | None = None
) -> SessionInfo | None:
    """The live session behind a cookie token; expired or disabled ones are removed."""
    now = now or datetime.now(UTC)
    # One round trip for the session and its account: this runs on every request.
    found = session.execute(
        select(WebSession, User)
        .outerjoin(User, User.id == WebSession.user_id)
        .where(WebSession.id == _session_id(token))
    ).first()
    if found is None:
        return None
    row, user = found
    idle = timedelta(minutes=settings.session_idle_minutes)
    if user is None or not user.active or now - _aware(row.last_seen) > idle:
        session.delete(row)
        session.flush()
        return None
    # Touched at most once a minute, and not here: a read transaction that turns into a write
    # can fail at once under SQLite's WAL when another request wrote meanwhile (a 503 for a
    # page that only reads). The caller touches it in its own short write (:func:`touch_session`).
    due = now - _aware(row.last_seen) > timedelta(seconds=60)
    return SessionInfo(row.id, user, row.csrf_token, dict(row.data or {}), touch_due=due)


def touch_session(session: Session, session_id: str, *, now: datetime | None = None) -> None:
    """Mark a session as seen now (keeps it from idling out while in use)."""
    row = session.get(WebSession, session_id)
    if row is not None:
        row.last_seen = now or datetime.now(UTC)


def update_session_data(session: Session, session_id: str, **values: Any) -> None:
    """Remember choices (region, period, language) in the session."""
    row = session.get(WebSession, session_id)
    if row is not None:
        row.data = {**(row.data or {}), **values}
        session.flush()


def end_session(session: Session, session_id: str) -> None:
    """Sign out: the session row goes, so the cookie is worthless from now on."""
    session.execute(delete(WebSession).where(WebSession.id == session_id))


def purge_expired_sessions(session: Session, *, settings: Settings, now: datetime) -> int:
    """Remove sessions idle past the limit; returns how many."""
    cutoff = now - timedelta(minutes=settings.session_idle_minutes)
    result = session.execute(delete(WebSession).where(WebSession.last_seen < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
