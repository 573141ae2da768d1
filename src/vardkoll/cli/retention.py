"""``vardkoll retention run [--dry-run]``: apply every retention rule; the audit log only past its
retention period (``vardkoll audit purge`` does the audit part alone)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from vardkoll.cli._options import ERROR_REPORT_DAYS, IMPORT_FILES_DAYS
from vardkoll.cli.console import console, err_console
from vardkoll.settings import get_settings

retention = typer.Typer(help="Remove data past its retention period.", no_args_is_help=True)


@retention.command("run")
def run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would go; remove nothing.")
    ] = False,
    watch_dir: Annotated[
        list[Path] | None,
        typer.Option(help="A watched import folder whose done/ and failed/ sets age out."),
    ] = None,
    error_report_days: Annotated[
        int, typer.Option(help="Keep import error reports this many days.")
    ] = ERROR_REPORT_DAYS,
    import_files_days: Annotated[
        int, typer.Option(help="Keep imported file sets in watched folders this many days.")
    ] = IMPORT_FILES_DAYS,
) -> None:
    """Purge audit records past VARDKOLL_AUDIT_RETENTION_YEARS, expired sessions, old files."""
    from vardkoll.services.access import run_retention

    report = run_retention(
        settings=get_settings(),
        dry_run=dry_run,
        watch_dirs=list(watch_dir or []),
        error_report_days=error_report_days,
        import_files_days=import_files_days,
    )
    title = "Gallring (torrkörning) / retention (dry run)" if dry_run else "Gallring / retention"
    table = Table(title=title)
    table.add_column("data")
    table.add_column("would go" if dry_run else "removed", justify="right")
    table.add_column("older than (UTC)")
    table.add_column("note")
    for item in report.items:
        table.add_row(
            item.what, str(item.removed), item.cutoff.isoformat(timespec="seconds"), item.note
        )
    console.print(table)
    if not report.audit_intact:
        err_console.print(
            "[bold red]The audit log does not verify[/]; it was not purged. "
            "Run `vardkoll audit verify` and investigate."
        )
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach ``vardkoll retention`` to the root app."""
    app.add_typer(retention, name="retention")
