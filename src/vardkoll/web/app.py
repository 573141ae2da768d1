"""The web application factory: it only assembles routes, templates and settings."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from vardkoll import __version__
from vardkoll.settings import Settings

_PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Vårdkoll</title></head>
<body><main><h1>Vårdkoll</h1>
<p>Lägesbild för tillgänglighet och kapacitet i vården. Version {version}.</p>
</main></body></html>"""


def create_app(settings: Settings) -> FastAPI:
    """Build the app for one installation."""
    app = FastAPI(title="Vårdkoll", version=__version__)
    app.state.settings = settings

    @app.get("/", response_class=HTMLResponse)
    def overview() -> str:
        return _PAGE.format(version=__version__)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
