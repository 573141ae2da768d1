"""Local accounts: create, list, disable; and the demo accounts.

API tokens live in :mod:`vardkoll.services.access.tokens` (re-exported here for older callers).

Why checked here: a role without the region, units or municipality it needs would have a
scope that reaches nothing, which is safe but confusing — so creating one is an input error that
says what to add. Each such error carries a ``reason`` code in its context, so the web form can
give its own advice (the messages here name the CLI's flags).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from vardkoll.domain import InputError, NotFound
from vardkoll.services.access.passwords import hash_password
from vardkoll.services.access.roles import ROLE_NAMES, role_spec
from vardkoll.services.access.scope import Principal
from vardkoll.services.access.tokens import create_api_token as create_api_token
from vardkoll.services.access.tokens import hash_token as hash_token
from vardkoll.services.access.tokens import user_for_token as user_for_token
from vardkoll.store import User


@dataclass(frozen=True)
class AccountPublic:
    """An account as lists and the API show it (no hash)."""

    id: int
    username: str
    display_name: str
    role: str
    region_code: str | None
    unit_ids: tuple[str, ...]
    municipality_code: str | None
    active: bool


def principal_of(user: User) -> Principal:
    """The scope-relevant part of an account."""
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        region_code=user.region_code,
        unit_ids=tuple(user.unit_ids or ()),
        municipality_code=user.municipality_code,
        active=user.active,
    )


def _public(user: User) -> AccountPublic:
    return AccountPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        region_code=user.region_code,
        unit_ids=tuple(user.unit_ids or ()),
        municipality_code=user.municipality_code,
        active=user.active,
    )


def _check_assignment(
    role: str, region_code: str | None, unit_ids: list[str], municipality_code: str | None
) -> None:
    spec = role_spec(role)
    if spec is None:
        raise InputError(
            f"role must be one of {', '.join(ROLE_NAMES)}; got {role!r}.",
            field="role",
            reason="unknown_role",
        )
    if spec.needs_region and not region_code:
        raise InputError(
            f"role {role} needs a region; add --region CODE (two digits, e.g. 19).",
            field="region_code",
            reason="needs_region",
        )
    if region_code is not None and not (len(region_code) == 2 and region_code.isdigit()):
        raise InputError(
            f"region must be a two-digit county code such as 19; got {region_code!r}.",
            field="region_code",
            reason="bad_region",
        )
    if spec.needs_units and not unit_ids:
        raise InputError(
            f"role {role} needs at least one unit; add --unit UNIT_ID (repeatable).",
            field="unit_ids",
            reason="needs_units",
        )
    if spec.needs_municipality and not municipality_code:
        raise InputError(
            f"role {role} needs a municipality; add --municipality CODE (four digits).",
            field="municipality_code",
            reason="needs_municipality",
        )


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str | None,
    display_name: str = "",
    region_code: str | None = None,
    unit_ids: list[str] | None = None,
    municipality_code: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> AccountPublic:
    """Add an account. ``password=None`` makes an account that signs in only via OIDC/tokens."""
    username = username.strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise InputError(
            f"username must be 1–100 characters without blanks; got {username!r}.",
            field="username",
            reason="bad_username",
        )
    units = [u.strip() for u in (unit_ids or []) if u.strip()]
    _check_assignment(role, region_code, units, municipality_code)
    if password is not None and len(password) < 12:
        raise InputError(
            "password must be at least 12 characters long.",
            field="password",
            reason="short_password",
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InputError(
            f"username {username!r} is taken; choose another.",
            field="username",
            reason="username_taken",
        )
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password) if password is not None else None,
        role=role,
        region_code=region_code,
        unit_ids=units,
        municipality_code=municipality_code,
        language=language,
        active=True,
        created_at=now or datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    return _public(user)


def list_users(session: Session) -> list[AccountPublic]:
    """Every account, by username."""
    return [_public(u) for u in session.scalars(select(User).order_by(User.username))]


def get_user(session: Session, username: str) -> User:
    """The account named ``username``."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no account named {username!r}; `vardkoll users list` shows them.")
    return user


def set_active(session: Session, username: str, *, active: bool) -> AccountPublic:
    """Disable (or enable again) an account. A disabled account's sessions stop working."""
    user = get_user(session, username)
    user.active = active
    session.flush()
    return _public(user)


DEMO_REGION = "19"
DEMO_MUNICIPALITY = "1980"


def _first_units(engine: Engine, region_code: str, count: int = 2) -> list[str]:
    """The first units of the region in the operational store, if it has a ``units`` table."""
    query = text("SELECT unit_id FROM units WHERE region_code = :r ORDER BY unit_id LIMIT :n")
    try:
        with engine.connect() as conn:
            return [str(u) for u in conn.execute(query, {"r": region_code, "n": count}).scalars()]
    except DBAPIError:
        return []


DemoAccount = tuple[str, str, str, str]
"""(username, password, role, scope description)."""


def create_demo_accounts(
    engine: Engine,
    *,
    region_code: str = DEMO_REGION,
    unit_ids: list[str] | None = None,
    municipality_code: str = DEMO_MUNICIPALITY,
) -> list[DemoAccount]:
    """One account per role for the demo, created once; returns what to print at start.

    Passwords are fixed and printed — demo mode only. ``unit_ids`` defaults to the first two
    units of the region in the store's ``units`` table when it exists.
    """
    units = list(unit_ids or []) or _first_units(engine, region_code)
    plan: list[tuple[str, str, str | None, list[str], str | None, str]] = [
        ("nationell", "national_analyst", None, [], None, "alla regioner, aggregat"),
        ("samordnare", "regional_coordinator", region_code, [], None, f"region {region_code}"),
        ("vardgaranti", "care_guarantee_officer", region_code, [], None, f"region {region_code}"),
        ("chef", "clinic_manager", region_code, units, None, "enheter " + ", ".join(units)),
        ("pks", "pks_analyst", region_code, units, None, "enheter " + ", ".join(units)),
        (
            "kommun",
            "municipal_discharge_coordinator",
            region_code,
            [],
            municipality_code,
            f"kommun {municipality_code}",
        ),
        ("admin", "admin", None, [], None, "konton och logg"),
    ]
    created: list[DemoAccount] = []
    with Session(engine) as session, session.begin():
        for username, role, region, unit_list, municipality, scope in plan:
            spec = role_spec(role)
            if spec is not None and spec.needs_units and not unit_list:
                continue
            password = f"demo-{username}-2025"
            existing = session.scalar(select(User).where(User.username == username))
            if existing is None:
                create_user(
                    session,
                    username=username,
                    role=role,
                    password=password,
                    region_code=region,
                    unit_ids=unit_list,
                    municipality_code=municipality,
                )
            created.append((username, password, role, scope))
    return created
