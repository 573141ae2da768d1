"""Fixtures of the operations tests: private PostgreSQL schemas; helpers live in ops_support."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vardkoll.store import make_engine


@pytest.fixture
def make_pg_schema(pg_url: str) -> Iterator[Callable[[], str]]:
    """Private schemas in the test database (URLs with their search_path), dropped afterwards."""
    schemas: list[str] = []

    def make() -> str:
        schema = f"vk_ops_{uuid.uuid4().hex[:10]}"
        admin = make_engine(pg_url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        schemas.append(schema)
        sep = "&" if "?" in pg_url else "?"
        return f"{pg_url}{sep}options=-csearch_path%3D{schema}"

    yield make
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        for schema in schemas:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()
