"""The API's part of the application: every ``/api/v1`` resource router, in the documented order.

The order fixes the order of the paths in the OpenAPI document that clients are generated from.
"""

from __future__ import annotations

from fastapi import FastAPI

from vardkoll.api import alerts, audit, imports, indicators, me, overview, patients, waiting_lists

RESOURCES = (me, overview, alerts, waiting_lists, patients, audit, imports, indicators)


def install_api(app: FastAPI) -> None:
    """Add the resource routers under ``/api/v1``."""
    for module in RESOURCES:
        app.include_router(module.router)
