"""``vardkoll backup --out FILE`` and ``vardkoll restore FILE [--force]``.

Exit codes: 0 done; 2 refused (a damaged or mismatched archive, a store that must not be
replaced) with one line saying why and what to do; 1 when the store itself failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vardkoll.cli.console import console, err_console
from vardkoll.settings import get_settings


def register(app: typer.Typer) -> None:
    """Attach ``vardkoll backup`` and ``vardkoll restore`` to the root app."""

    @app.command("backup")
    def backup_command(
        out: Annotated[Path, typer.Option("--out", help="Archive to write (.tar.gz).")],
        analytics: Annotated[
            bool,
            typer.Option("--analytics/--no-analytics", help="Include the analytics DuckDB file."),
        ] = True,
        checksum: Annotated[
            bool,
            typer.Option(
                "--checksum/--no-checksum",
                help="Digest every row into the manifest (slow on large stores; restore then "
                "checks row counts only).",
            ),
        ] = True,
    ) -> None:
        """Write a consistent backup: operational store, analytics file, pseudonym key file."""
        from vardkoll.services.operations import create_backup

        report = create_backup(
            out, settings=get_settings(), include_analytics=analytics, checksum=checksum
        )
        m = report.manifest
        console.print(
            f"Säkerhetskopia / backup: [bold]{report.path}[/] · {report.bytes / 1e6:.1f} MB · "
            f"{sum(m.rows.values())} rows · revision {m.alembic_revision} · "
            f"{report.seconds:.1f} s",
            highlight=False,
        )
        if m.audit_verified is False:
            err_console.print(
                "[bold yellow]Varning / warning:[/] the audit log did not verify when the backup "
                "was taken; run `vardkoll audit verify` and keep this archive as evidence."
            )
        if "installation.key" in m.members:
            console.print(
                "The archive holds the pseudonym key: store it encrypted and access-controlled."
            )

    @app.command("restore")
    def restore_command(
        archive: Annotated[Path, typer.Argument(help="Archive written by `vardkoll backup`.")],
        force: Annotated[
            bool, typer.Option("--force", help="Replace a store that already holds data.")
        ] = False,
    ) -> None:
        """Restore a backup: checked completely first, then swapped in atomically."""
        from vardkoll.services.operations import restore_backup

        report = restore_backup(archive, settings=get_settings(), force=force)
        m = report.manifest
        console.print(
            f"Återställd / restored from {m.created_at} (Vårdkoll {m.vardkoll_version}, "
            f"revision {m.alembic_revision}): {', '.join(report.restored)}",
            highlight=False,
        )
        for note in report.notes:
            console.print(note, highlight=False)
