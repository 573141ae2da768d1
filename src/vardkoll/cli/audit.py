"""``vardkoll audit verify/purge``: check the audit log's hash chain; apply the retention period."""

from __future__ import annotations

import typer

from vardkoll.cli.console import console, err_console
from vardkoll.cli.users import account_session
from vardkoll.settings import get_settings

audit = typer.Typer(help="The audit log of patient-data access.", no_args_is_help=True)


@audit.command("verify")
def verify() -> None:
    """Recompute the hash chain; exit 1 and name the first broken record if it was tampered with."""
    from vardkoll.services.access import audit as audit_log

    with account_session() as session:
        report = audit_log.verify(session)
    if report.ok:
        console.print(
            f"Loggen är obruten / the log is intact: {report.checked} records, "
            f"head {report.head_seq} {report.head_hash}",
            highlight=False,
        )
        return
    err_console.print(
        f"[bold red]Loggen är bruten / the log is broken[/] at record {report.first_bad_seq}: "
        f"{report.problem}",
        highlight=False,
    )
    raise typer.Exit(1)


@audit.command("purge")
def purge() -> None:
    """Delete records older than VARDKOLL_AUDIT_RETENTION_YEARS (never younger ones)."""
    years = get_settings().audit_retention_years
    from vardkoll.services.access import audit as audit_log

    with account_session() as session:
        removed = audit_log.purge_expired(session, retention_years=years)
    console.print(f"Gallrade poster / purged records older than {years} years: {removed}")


def register(app: typer.Typer) -> None:
    """Attach ``vardkoll audit`` to the root app."""
    app.add_typer(audit, name="audit")
