"""API tokens: create (shown once, stored hashed), list, revoke, and resolve a bearer token.

Why hashed: a copy of the database must not be replayable as credentials, so only the token's
SHA-256 is kept; the token itself is printed once at creation.

Why every token ends: a forgotten token on a decommissioned integration server should stop
working on its own. Each token has an ``expires_at`` set at creation and a ``revoked_at`` set if
someone withdraws it; it is accepted while the earlier of the two lies ahead (*valid until*).
Rows written before tokens expired have no expiry and keep working until revoked.

Who may hold one: any active account; the token acts with exactly that account's scope. Only a
role with ``api_import`` (``system_import``) may import through it — the import routes check the
role, not the token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from vardkoll.domain import InputError, NotFound
from vardkoll.store import ApiToken, User

__all__ = [
    "DEFAULT_TOKEN_DAYS",
    "MAX_TOKEN_DAYS",
    "TokenPublic",
    "create_api_token",
    "hash_token",
    "list_tokens",
    "revoke_token",
    "user_for_token",
]

DEFAULT_TOKEN_DAYS = 90
"""How long a token lives unless its creator says otherwise."""
MAX_TOKEN_DAYS = 730
"""The longest life a token may be given: rotate at least every two years."""

TokenState = Literal["active", "ended"]


@dataclass(frozen=True)
class TokenPublic:
    """A token as lists show it: never the token, never its hash."""

    id: int
    username: str
    name: str
    created_at: datetime
    valid_until: datetime | None
    state: TokenState


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything here is stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _end(row: ApiToken) -> datetime | None:
    """When the token stops working: its expiry or its revocation, whichever came first."""
    ends = [_aware(t) for t in (row.expires_at, row.revoked_at) if t is not None]
    return min(ends) if ends else None


def _live(row: ApiToken, now: datetime) -> bool:
    end = _end(row)
    return end is None or end > now


def _public(row: ApiToken, username: str, now: datetime) -> TokenPublic:
    return TokenPublic(
        id=row.id,
        username=username,
        name=row.name,
        created_at=_aware(row.created_at),
        valid_until=_end(row),
        state="active" if _live(row, now) else "ended",
    )


def hash_token(token: str) -> str:
    """What is stored for an API token: its SHA-256 (the token itself is shown once)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no account named {username!r}; `vardkoll users list` shows them.")
    return user


def create_api_token(
    session: Session,
    *,
    username: str,
    name: str,
    expires_days: int = DEFAULT_TOKEN_DAYS,
    now: datetime | None = None,
) -> str:
    """A new bearer token for ``username`` valid ``expires_days``; returned once, stored hashed."""
    if not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise InputError(
            f"a token must expire in 1–{MAX_TOKEN_DAYS} days; got {expires_days}. "
            "Create a new token before the old one ends instead of a longer one.",
            field="expires_days",
            reason="token_days",
        )
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError(
            f"the token's name must say what it is for, in 1–100 characters; got {name!r}.",
            field="name",
            reason="token_name",
        )
    user = _user(session, username)
    if not user.active:
        raise InputError(
            f"account {username!r} is disabled; enable it before giving it a token.",
            field="username",
            reason="token_disabled",
        )
    now = now or datetime.now(UTC)
    token = "vk_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            name=name,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(days=expires_days),
        )
    )
    session.flush()
    return token


def list_tokens(
    session: Session, *, username: str | None = None, now: datetime | None = None
) -> list[TokenPublic]:
    """Every token (or one account's), oldest first, with whether it still works."""
    now = now or datetime.now(UTC)
    query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if username is not None:
        query = query.where(User.id == _user(session, username).id)
    rows = session.execute(query.order_by(ApiToken.id))
    return [_public(row, name, now) for row, name in rows]


def revoke_token(session: Session, *, token_id: int, now: datetime | None = None) -> TokenPublic:
    """End a token now (a token already ended keeps its earlier end)."""
    now = now or datetime.now(UTC)
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no API token {token_id}; `vardkoll users token list` shows them.")
    if _live(row, now):
        row.revoked_at = now
        session.flush()
    user = session.get(User, row.user_id)
    return _public(row, user.username if user else "", now)


def user_for_token(session: Session, token: str, *, now: datetime | None = None) -> User | None:
    """The active account behind a bearer token that has not ended, or ``None``."""
    now = now or datetime.now(UTC)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or not _live(row, now):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None
