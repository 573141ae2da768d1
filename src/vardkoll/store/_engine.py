"""Engines for the operational store: SQLite embedded, PostgreSQL in production.

Why the care here: an import must be all-or-nothing even when the process is killed, and two
imports must never interleave. On SQLite that needs WAL with ``synchronous=FULL`` (a commit is
on disk before it returns), foreign keys switched on (SQLite ignores them by default), a busy
timeout (a second writer waits instead of failing), and ``BEGIN IMMEDIATE`` for writers (the
write lock is taken at the start, so two importers cannot deadlock upgrading read locks). Each
setting is read back on every new connection: a file system that silently refuses WAL must
stop the program, not quietly weaken it. On PostgreSQL writers take one transaction-scoped
advisory lock, so imports run one after another while readers carry on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from vardkoll.domain import InputError, StoreError

__all__ = ["WRITE_LOCK_ID", "make_engine", "write_transaction"]

DEFAULT_BUSY_TIMEOUT_MS = 60_000
# Key of the PostgreSQL advisory lock that serialises writers (any fixed 64-bit number).
WRITE_LOCK_ID = 0x5641_5244_4B4F_4C4C  # "VARDKOLL"
_IMMEDIATE = "vardkoll_begin_immediate"


def _normalise_url(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError(
            f"database URL {url!r} is not a SQLAlchemy URL; use e.g. "
            "'sqlite:////path/vardkoll.sqlite3' or 'postgresql+psycopg://user@host/db'."
        ) from exc
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in {"sqlite", "sqlite+pysqlite", "postgresql+psycopg"}:
        raise InputError(
            f"database URL uses {parsed.drivername!r}; Vårdkoll supports 'sqlite' and "
            "'postgresql+psycopg' (install the extra: pip install 'vardkoll[postgres]')."
        )
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``url`` with the durability settings the store relies on.

    >>> engine = make_engine("sqlite://")
    >>> with engine.connect() as conn:
    ...     conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
    1
    """
    url = _normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, busy_timeout_ms)
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise StoreError(
            "PostgreSQL needs the psycopg driver; install it with "
            "pip install 'vardkoll[postgres]' (or uv sync --extra postgres)."
        ) from exc
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    database = make_url(url).database
    in_memory = database in {None, "", ":memory:"}
    if database and not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # Enough pooled connections for a web server's thread pool: a connection closed on return
    # (pool overflow) costs four PRAGMAs and their read-back on the next request.
    engine = create_engine(url) if in_memory else create_engine(url, pool_size=20, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # SQLAlchemy, not the sqlite3 module, decides when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
            _check_pragmas(cursor, busy_timeout_ms, in_memory=in_memory)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _check_pragmas(cursor: Any, busy_timeout_ms: int, *, in_memory: bool) -> None:
    """Read every setting back: SQLite ignores a PRAGMA it cannot apply instead of failing."""
    expected: dict[str, object] = {
        "journal_mode": "memory" if in_memory else "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": int(busy_timeout_ms),
    }
    for name, want in expected.items():
        got = cursor.execute(f"PRAGMA {name}").fetchone()[0]
        if isinstance(got, str):
            got = got.lower()
        if got != want:
            raise StoreError(
                f"SQLite refused PRAGMA {name} = {want} (it reports {got!r}); the store cannot "
                "guarantee atomic imports. Keep the database on a local disk that supports "
                "WAL, or use PostgreSQL."
            )


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One writing transaction, serialised against every other writer of the store.

    Commits when the block ends normally and rolls back on any exception. Readers are never
    blocked (WAL on SQLite, MVCC on PostgreSQL).
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(**{_IMMEDIATE: True})
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_ID})
            yield conn
