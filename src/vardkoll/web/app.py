"""The web application factory: it only assembles routes, templates, middleware and settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from vardkoll import __version__
from vardkoll.api.imports import router as api_imports_router
from vardkoll.api.indicators import router as api_indicators_router
from vardkoll.api.router import router as api_router
from vardkoll.domain import InputError
from vardkoll.settings import Settings
from vardkoll.store import make_engine
from vardkoll.web.context import CtxDep
from vardkoll.web.errors import install_error_handlers
from vardkoll.web.oidc import install_oidc
from vardkoll.web.routes import (
    admin,
    auth,
    followup,
    overview,
    patients,
    planning,
    planning_plans,
    planning_scenarios,
    reports,
)
from vardkoll.web.security import install_security
from vardkoll.web.templating import nav_items, render

STATIC = Path(__file__).resolve().parent / "static"


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
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def start(ctx: CtxDep) -> Response:
        if ctx.principal is None:
            return RedirectResponse("/login", status_code=303)
        items = nav_items(ctx)
        if items:
            return RedirectResponse(items[0].path, status_code=303)
        return render(ctx, "home.html")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for module in (
        auth,
        overview,
        patients,
        admin,
        planning_plans,
        planning_scenarios,
        planning,
        followup,
        reports,
    ):
        app.include_router(module.router)
    install_oidc(app, settings)
    app.include_router(api_router)
    app.include_router(api_imports_router)
    app.include_router(api_indicators_router)
    return app
