"""The ``vardkoll`` command. It only wires command modules together and turns errors into
clear messages: a user of the CLI never sees a traceback."""

from __future__ import annotations

import sys

import typer

from vardkoll import __version__
from vardkoll.cli import audit, db, demo, doctor, generate, imports, users
from vardkoll.cli import backup as backup_cli
from vardkoll.cli import indicators as indicators_cli
from vardkoll.cli import report as report_cli
from vardkoll.cli import retention as retention_cli
from vardkoll.cli.console import err_console
from vardkoll.domain import VardkollError

app = typer.Typer(
    name="vardkoll",
    help="Vårdkoll — see and steer access to care across a Swedish region.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print the installed version."""
    typer.echo(__version__)


demo.register(app)
users.register(app)
audit.register(app)
doctor.register(app)
imports.register(app)
db.register(app)
generate.register(app)
indicators_cli.register(app)
report_cli.register(app)
backup_cli.register(app)
retention_cli.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, and render any error as one readable line with an exit code."""
    try:
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:  # typer.Exit(n) comes back as a return value here
            sys.exit(code)
    except VardkollError as exc:
        err_console.print(f"[bold red]Fel / Error:[/] {exc.message}")
        sys.exit(2 if exc.status == 422 else 1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("Avbrutet / Aborted.")
        sys.exit(130)
    except Exception as exc:  # last line of defence: never show a traceback
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        err_console.print(
            f"[bold red]Oväntat fel / Unexpected error:[/] {type(exc).__name__}: {exc}"
        )
        sys.exit(1)
