"""The ASGI entry point for production servers: ``uvicorn --factory vardkoll.web.asgi:app``."""

from __future__ import annotations

from fastapi import FastAPI

from vardkoll.http.app import create_app
from vardkoll.settings import get_settings


def app() -> FastAPI:
    """Build the app from the ``VARDKOLL_*`` environment (refuses unsafe production settings)."""
    return create_app(get_settings())
