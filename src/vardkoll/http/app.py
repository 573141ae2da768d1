"""The application factory: it only assembles the pages, the API, middleware and settings.

This is the one place that knows both interfaces; the web and API packages never import each
other, and share only what lives in :mod:`vardkoll.http`.
"""

from __future__ import annotations

from fastapi import FastAPI

from vardkoll import __version__
from vardkoll.api.app import install_api
from vardkoll.domain import InputError
from vardkoll.http.errors import install_error_handlers
from vardkoll.http.security import install_security
from vardkoll.settings import Settings
from vardkoll.store import make_engine
from vardkoll.web.app import add_start_page, install_pages, mount_static
from vardkoll.web.errors import error_page


def create_app(settings: Settings) -> FastAPI:
    """Build the app for one installation; production refuses an unsafe configuration."""
    if settings.environment == "production":
        problems = settings.deployment_problems()
        if problems:
            raise InputError(
                "refusing to start in production: "
                + " ".join(problems)
                + " (`vardkoll doctor --deploy` lists them.)"
            )
    app = FastAPI(
        title="Vårdkoll",
        version=__version__,
        description="Waiting times against the care guarantee, capacity and planning.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        debug=settings.debug,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.resolved_database_url())
    install_security(app, settings)
    install_error_handlers(app, error_page)
    mount_static(app)
    add_start_page(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    install_pages(app, settings)
    install_api(app)
    return app
