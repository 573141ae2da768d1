"""``vardkoll db upgrade|status`` and ``vardkoll analytics build``: the two stores' upkeep."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.table import Table

from vardkoll.cli.console import console, err_console
from vardkoll.domain import InputError
from vardkoll.settings import Settings, get_settings

if TYPE_CHECKING:
    from vardkoll.store import ImportRejected

db = typer.Typer(help="The operational store: schema migrations.", no_args_is_help=True)
analytics = typer.Typer(help="The analytics store (DuckDB, pseudonyms only).", no_args_is_help=True)


@db.command("upgrade")
def upgrade_command() -> None:
    """Create or migrate the operational store to the newest schema (safe to repeat)."""
    from vardkoll.store import upgrade

    url = get_settings().resolved_database_url()
    revision = upgrade(url)
    console.print(f"Databasen är på version / the database is at revision [bold]{revision}[/]")


@db.command("status")
def status_command() -> None:
    """Show the database's schema revision and the newest one this version knows."""
    from vardkoll.store import current_revision, head_revision, make_engine

    engine = make_engine(get_settings().resolved_database_url())
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    console.print(f"database: {current or '(not created)'} · newest: {head}", highlight=False)
    if current != head:
        console.print("Kör / run: vardkoll db upgrade")
        raise typer.Exit(1)


def _as_of(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--as-of must be a date YYYY-MM-DD; got {text!r}.") from None


@analytics.command("build")
def build_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Build straight from these files (national data) instead."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Replay pathways to this date (default: today).")
    ] = None,
    accept_valid: Annotated[
        bool, typer.Option("--accept-valid", help="With files: leave out invalid rows.")
    ] = False,
) -> None:
    """Rebuild the analytics store; readers switch to the new file at once, never half-built."""
    from vardkoll.services.imports import build_analytics_store, load_national_files
    from vardkoll.store import ImportRejected

    settings = get_settings()
    day = _as_of(as_of)
    if files:
        try:
            report = load_national_files(
                files, settings=settings, accept_valid=accept_valid, as_of=day
            )
        except ImportRejected as exc:
            _show_rejection(exc, settings)
            raise typer.Exit(1) from None
    else:
        report = build_analytics_store(settings=settings, as_of=day)
    table = Table(title=f"{report.path} · as of {report.as_of.isoformat()}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in report.rows.items():
        table.add_row(name, str(n))
    console.print(table)
    console.print(
        f"{report.patients} patients (pseudonyms) · {report.seconds:.1f} s · {report.source}",
        highlight=False,
    )


def _show_rejection(exc: ImportRejected, settings: Settings) -> None:
    """The first problems on screen, all of them in the CSV error report."""
    from vardkoll.ingest import write_error_report

    err_console.print(f"[bold red]Fel / Error:[/] {exc.message}")
    table = Table(title=f"{min(20, len(exc.problems))} / {len(exc.problems)}")
    for col in ("file", "row", "field", "value", "reason"):
        table.add_column(col, overflow="fold")
    for p in exc.problems[:20]:
        table.add_row(Path(p.file).name, str(p.row), p.field, p.value or "", p.message("sv"))
    console.print(table)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = settings.data_dir / "error-reports" / f"analytics-{stamp}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_error_report(cast(Any, exc.problems), path)
    console.print(f"Felrapport / error report: {path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Attach ``vardkoll db`` and ``vardkoll analytics`` to the root app."""
    app.add_typer(db, name="db")
    app.add_typer(analytics, name="analytics")
