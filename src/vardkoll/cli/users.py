"""``vardkoll users add/list/disable/enable`` and ``users token create/list/revoke``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from vardkoll.cli._options import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS
from vardkoll.cli.console import console, err_console
from vardkoll.domain import StoreError
from vardkoll.services.access import ROLE_NAMES, role_spec
from vardkoll.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

users = typer.Typer(help="Manage local accounts and API tokens.", no_args_is_help=True)


@contextlib.contextmanager
def account_session() -> Iterator[Session]:
    """A transaction on the operational store, with a clear message if it is not migrated."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.orm import Session

    from vardkoll.store import make_engine

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
    from vardkoll.services.access import create_user

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
    from vardkoll.services.access import list_users

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
    from vardkoll.services.access import set_active

    with account_session() as session:
        set_active(session, username, active=False)
    console.print(f"Avstängt / disabled: {username}")


@users.command("enable")
def enable(username: str) -> None:
    """Enable a disabled account again."""
    from vardkoll.services.access import set_active

    with account_session() as session:
        set_active(session, username, active=True)
    console.print(f"Aktiverat / enabled: {username}")


tokens = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
users.add_typer(tokens, name="token")


def _when(moment: datetime | None) -> str:
    return "–" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@tokens.command("create")
def token_create(
    username: Annotated[str, typer.Argument(help="The account the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "import",
    expires: Annotated[
        int,
        typer.Option(
            help=f"Days until the token stops working (1–{MAX_TOKEN_DAYS}).", show_default=True
        ),
    ] = DEFAULT_TOKEN_DAYS,
) -> None:
    """Create a token (printed once, on standard output; only its hash is stored)."""
    from vardkoll.services.access import create_api_token, get_user

    with account_session() as session:
        value = create_api_token(session, username=username, name=name, expires_days=expires)
        role = role_spec(get_user(session, username).role)
    if role is None or not role.api_import:
        err_console.print(
            f"Obs / note: {username} may read the API within its scope but not import "
            "(only role system_import imports)."
        )
    err_console.print(f"Giltig i / valid for {expires} dagar/days. Visas en gång / shown once:")
    console.print(value, soft_wrap=True, highlight=False)


@tokens.command("list")
def token_list(
    username: Annotated[str | None, typer.Argument(help="Only this account's tokens.")] = None,
) -> None:
    """List tokens: id, account, name, created, valid until, state (never the token)."""
    from vardkoll.services.access import list_tokens

    with account_session() as session:
        rows = list_tokens(session, username=username)
    table = Table("id", "username", "name", "created", "valid until", "state")
    for t in rows:
        table.add_row(
            str(t.id), t.username, t.name, _when(t.created_at), _when(t.valid_until), t.state
        )
    console.print(table)


@tokens.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The id `vardkoll users token list` shows.")],
) -> None:
    """Revoke a token: it stops working at once."""
    from vardkoll.services.access import revoke_token

    with account_session() as session:
        token = revoke_token(session, token_id=token_id)
    console.print(f"Återkallad / revoked: {token.id} ({token.username}, {token.name})")


def register(app: typer.Typer) -> None:
    """Attach ``vardkoll users`` to the root app."""
    app.add_typer(users, name="users")
