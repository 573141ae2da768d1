"""The pages' part of the application: static files, the start page, the page routes, sign-in.

:func:`vardkoll.http.app.create_app` assembles it with the API; this module knows nothing of
the API.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from vardkoll.http.context import CtxDep
from vardkoll.settings import Settings
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
from vardkoll.web.templating import nav_items, render

STATIC = Path(__file__).resolve().parent / "static"


def mount_static(app: FastAPI) -> None:
    """Serve the pages' scripts, styles and images under ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def add_start_page(app: FastAPI) -> None:
    """``/`` sends a visitor to sign-in, or to the first page their role may open."""

    @app.get("/", include_in_schema=False)
    def start(ctx: CtxDep) -> Response:
        if ctx.principal is None:
            return RedirectResponse("/login", status_code=303)
        items = nav_items(ctx)
        if items:
            return RedirectResponse(items[0].path, status_code=303)
        return render(ctx, "home.html")


def install_pages(app: FastAPI, settings: Settings) -> None:
    """Add the page routes and, when configured, single sign-on."""
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
