"""``vardkoll demo``: start the web app on the demo region with embedded storage."""

from __future__ import annotations

from typing import Annotated

import typer

from vardkoll.cli.console import console
from vardkoll.settings import get_settings


def register(app: typer.Typer) -> None:
    """Attach the demo command to the root app."""

    @app.command()
    def demo(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    ) -> None:
        """Prepare the demo region (first run only) and serve the web app."""
        import uvicorn

        from vardkoll.web.app import create_app

        settings = get_settings()
        web_app = create_app(settings)
        console.print(f"Vårdkoll körs på / runs at [bold]http://{host}:{port}/[/]")
        uvicorn.run(web_app, host=host, port=port, log_level="warning")
