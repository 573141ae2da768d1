"""Every store test runs on SQLite (a file in tmp_path) and on PostgreSQL.

PostgreSQL: each test process creates one database of its own (name with the process id and
a random suffix, so parallel processes never share one), migrates it once, empties the
store's tables before every test, and drops the database at the end of the session. Creating
a database costs most of a second; emptying the tables a few milliseconds.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vk_store_testdata import BACKENDS

from vardkoll.store import make_engine, upgrade
from vardkoll.store._models_files import FILE_TABLES

# The tables this part of the store owns (others, e.g. the audit chain, are left alone).
STORE_TABLES = (
    "import_batches",
    "quarantined_rows",
    "patients",
    "identity_links",
    "pathways",
    *FILE_TABLES,
)
_session_db: dict[str, str] = {}


def _admin(pg_url: str) -> Engine:
    return create_engine(
        make_url(pg_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )


def _process_database(pg_url: str) -> str:
    """This process's migrated PostgreSQL database (created on first use)."""
    if "url" not in _session_db:
        name = f"vk_store_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = _admin(pg_url)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        _session_db.update(name=name, admin=pg_url, url=url)
    return _session_db["url"]


@pytest.fixture(scope="session", autouse=True)
def _drop_process_database() -> Iterator[None]:
    yield
    if "url" in _session_db:
        admin = _admin(_session_db["admin"])
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{_session_db["name"]}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def fresh_pg(pg_url: str) -> str:
    """The URL of this process's PostgreSQL store, emptied for the test."""
    url = _process_database(pg_url)
    engine = make_engine(url)
    try:
        present = set(inspect(engine).get_table_names())
        tables = ", ".join(f'"{t}"' for t in STORE_TABLES if t in present)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty operational store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
        upgrade(url)
        return url
    return str(request.getfixturevalue("fresh_pg"))


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    e = make_engine(store_url)
    try:
        yield e
    finally:
        e.dispose()
