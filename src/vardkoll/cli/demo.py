"""``vardkoll demo``: prepare the demo region once, then serve the web app on it."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from vardkoll.cli.console import console
from vardkoll.settings import get_settings

_STAGES = {
    "generate": "Genererar region / Generating region",
    "analytics": "Bygger analyslager / Building analytics store",
}


def register(app: typer.Typer) -> None:
    """Attach the demo command to the root app."""

    @app.command()
    def demo(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        prepare_only: Annotated[
            bool, typer.Option("--prepare-only", help="Prepare the demo data, do not serve.")
        ] = False,
    ) -> None:
        """Generate and import the demo region (first run only), then serve the web app."""
        import uvicorn

        from vardkoll.http.app import create_app
        from vardkoll.services.operations import prepare_demo

        os.environ.setdefault("VARDKOLL_ENVIRONMENT", "demo")
        settings = get_settings()
        tasks: dict[str, TaskID] = {}
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    label = _STAGES.get(stage) or "Importerar / Importing " + stage.split(":")[-1]
                    tasks[stage] = bar.add_task(label, total=max(total, 1))
                bar.update(tasks[stage], completed=done, total=max(total, 1))

            report = prepare_demo(settings, progress=progress)

        state = "förberedd nu / prepared now" if report.prepared_now else "fanns redan / reused"
        console.print(
            f"Demoregion [bold]{report.region_code}[/] ({state}), data t.o.m. / up to "
            f"{report.as_of.isoformat()}, {report.rows_imported:,} rader / rows."
        )
        console.print("[bold]Demokonton / Demo accounts[/] (endast demo / demo only):")
        for username, password, role, scope in report.accounts:
            console.print(f"  {username:<12} {password:<22} {role} — {scope}", soft_wrap=True)
        if prepare_only:
            return
        web_app = create_app(settings)
        console.print(
            f"Vårdkoll körs på / runs at [bold]http://{host}:{port}/[/]  (Ctrl+C stoppar)"
        )
        uvicorn.run(web_app, host=host, port=port, log_level="warning")
