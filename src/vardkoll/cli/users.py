"""``vardkoll users add/list/disable/enable/token``: local accounts and API tokens."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from vardkoll.cli.console import console
from vardkoll.domain import InputError, StoreError
from vardkoll.services.accounts import create_api_token, create_user, list_users, set_active
from vardkoll.services.roles import ROLE_NAMES
from vardkoll.settings import get_settings
from vardkoll.store import make_engine

users = typer.Typer(help="Manage local accounts and API tokens.", no_args_is_help=True)


@contextlib.contextmanager
def account_session() -> Iterator[Session]:
    """A transaction on the operational store, with a clear message if it is not migrated."""
    engine = make_engine(get_settings().resolved_database_url())
    try:
        with Session(engine) as session, session.begin():
            yield session
    except DBAPIError as exc:
        raise StoreError(
            "the operational store has no account tables; run `vardkoll db upgrade` first."
        ) from exc


@users.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Login name (no blanks).")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLE_NAMES)}.")],
    region: Annotated[str | None, typer.Option(help="County code, e.g. 19.")] = None,
    unit: Annotated[list[str] | None, typer.Option(help="Unit id (repeatable).")] = None,
    municipality: Annotated[str | None, typer.Option(help="Municipality code.")] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    oidc_only: Annotated[
        bool, typer.Option("--oidc-only", help="No password: sign-in via OIDC or tokens only.")
    ] = False,
) -> None:
    """Add an account; the password is asked for (twice) unless --oidc-only."""
    password: str | None = None
    if not oidc_only:
        password = typer.prompt("Lösenord / Password", hide_input=True, confirmation_prompt=True)
    with account_session() as session:
        account = create_user(
            session,
            username=username,
            role=role,
            password=password,
            display_name=name,
            region_code=region,
            unit_ids=list(unit or []),
            municipality_code=municipality,
        )
    console.print(f"Konto skapat / account created: [bold]{account.username}[/] ({account.role})")


@users.command("list")
def list_() -> None:
    """List every account with its role and scope."""
    with account_session() as session:
        accounts = list_users(session)
    table = Table("username", "role", "region", "units", "municipality", "active")
    for a in accounts:
        table.add_row(
            a.username,
            a.role,
            a.region_code or "–",
            ", ".join(a.unit_ids) or "–",
            a.municipality_code or "–",
            "yes" if a.active else "no",
        )
    console.print(table)


@users.command("disable")
def disable(username: str) -> None:
    """Disable an account: its sessions and tokens stop working at once."""
    with account_session() as session:
        set_active(session, username, active=False)
    console.print(f"Avstängt / disabled: {username}")


@users.command("enable")
def enable(username: str) -> None:
    """Enable a disabled account again."""
    with account_session() as session:
        set_active(session, username, active=True)
    console.print(f"Aktiverat / enabled: {username}")


@users.command("token")
def token(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "import",
) -> None:
    """Create an API token for the account (shown once; only its hash is stored)."""
    if not name.strip():
        raise InputError("--name must say what the token is for.", field="name")
    with account_session() as session:
        value = create_api_token(session, username=username, name=name)
    console.print(value, soft_wrap=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Attach ``vardkoll users`` to the root app."""
    app.add_typer(users, name="users")
