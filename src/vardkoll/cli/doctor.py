"""``vardkoll doctor [--deploy]``: what is wrong with this installation, and how to fix it."""

from __future__ import annotations

from typing import Annotated

import typer

from vardkoll.cli.console import console
from vardkoll.domain import VardkollError
from vardkoll.settings import Settings, get_settings


def _store_problems(settings: Settings) -> list[str]:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from vardkoll.store import make_engine

    problems: list[str] = []
    try:
        engine = make_engine(settings.resolved_database_url())
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM users")).scalar()
            conn.execute(text("SELECT seq FROM audit_head")).scalar()
    except (DBAPIError, VardkollError) as exc:
        problems.append(
            "the operational store is not reachable or not migrated "
            f"({type(exc).__name__}); run `vardkoll db upgrade`."
        )
    if not settings.resolved_analytics_path().exists():
        problems.append(
            f"the analytics store {settings.resolved_analytics_path()} is missing; "
            "run `vardkoll analytics build`."
        )
    return problems


def register(app: typer.Typer) -> None:
    """Attach ``vardkoll doctor`` to the root app."""

    @app.command()
    def doctor(
        deploy: Annotated[
            bool, typer.Option("--deploy", help="Also check what production requires.")
        ] = False,
    ) -> None:
        """List configuration problems, one fix per line; exit 1 when there are any."""
        settings = get_settings()
        problems = _store_problems(settings)
        if deploy:
            problems += settings.deployment_problems()
        if not problems:
            console.print("Inga problem hittades / no problems found.")
            return
        console.print(f"[bold]{len(problems)} problem:[/]")
        for problem in problems:
            console.print(f"  • {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
