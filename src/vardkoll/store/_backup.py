"""Consistent copies of the operational store, and putting one back without a half-way state.

Why these two shapes:

- **SQLite**: ``VACUUM INTO`` writes a compact copy from one read transaction, so the copy is
  consistent while the application keeps writing (WAL lets readers and the writer overlap).
  Restore checks the copy, then SQLite's online backup API copies it into the live file in
  one write transaction: other connections see the old store or the new one, never a mix.
- **PostgreSQL**: ``COPY … TO STDOUT`` of every table inside one ``REPEATABLE READ, READ ONLY``
  transaction, i.e. one snapshot. No ``pg_dump`` is needed on the application host (it must
  match the server's major version and often is not installed there); the schema itself is
  re-created by the packaged migrations at the copy's revision, so the copy carries data
  only. The checksum is computed in the same snapshot (``pg_export_snapshot``). Restore loads
  a new schema, checks it, then one transaction renames the schemas.

The copy is only ever restored into the same kind of database it came from.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, MetaData, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from vardkoll.domain import InputError, StoreError
from vardkoll.store._checksum import store_checksum
from vardkoll.store._engine import make_engine
from vardkoll.store._migrate import head_revision, upgrade

__all__ = [
    "SQLITE_MEMBER",
    "StagedStore",
    "StoreSnapshot",
    "copy_file_atomically",
    "copy_member_name",
    "discard_staged",
    "row_counts",
    "snapshot_store",
    "stage_store",
    "store_dialect",
    "store_has_data",
    "store_revision",
    "swap_in",
]

SQLITE_MEMBER = "store.sqlite3"
_VERSION_TABLE = "alembic_version"
_SNAPSHOT_ID = re.compile(r"^[0-9A-Fa-f-]+$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoreSnapshot:
    """What :func:`snapshot_store` wrote: members relative to its directory, and their facts."""

    dialect: str
    revision: str | None
    checksum: str | None
    rows: dict[str, int]
    columns: dict[str, list[str]]
    members: tuple[str, ...]


@dataclass(frozen=True)
class StagedStore:
    """A complete, checked copy waiting beside the live store (a file, or a schema)."""

    dialect: str
    url: str
    target_url: str
    location: str


def copy_member_name(table: str) -> str:
    """Archive member holding one PostgreSQL table's ``COPY`` text."""
    return f"store/{table}.copy"


def store_dialect(url: str) -> str:
    """``sqlite`` or ``postgresql`` (the URL is checked the same way as for the engine)."""
    engine = make_engine(url)
    try:
        return engine.dialect.name
    finally:
        engine.dispose()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InputError(
            "an in-memory SQLite store cannot be backed up or restored; set "
            "VARDKOLL_DATABASE_URL to a file (sqlite:////path/vardkoll.sqlite3)."
        )
    return Path(database)


def store_revision(url: str) -> str | None:
    """The migration revision of the store at ``url`` (None: never migrated, or no file)."""
    if url.startswith("sqlite") and not _sqlite_path(url).exists():
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def store_has_data(url: str) -> bool:
    """True when any table holds a row beyond what a fresh migration creates.

    A fresh store has only its revision stamp and the audit chain's genesis head (seq 0).
    """
    if url.startswith("sqlite") and not _sqlite_path(url).exists():
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            for name in inspect(conn).get_table_names():
                if name == _VERSION_TABLE:
                    continue
                if name == "audit_head":
                    query = f'SELECT 1 FROM "{name}" WHERE seq <> 0 LIMIT 1'
                else:
                    query = f'SELECT 1 FROM "{name}" LIMIT 1'
                if conn.exec_driver_sql(query).first() is not None:
                    return True
        return False
    finally:
        engine.dispose()


def _checksum_if_head(engine: Engine, revision: str | None) -> str | None:
    """``store_checksum`` describes the installed schema; an older copy gets counts only."""
    return store_checksum(engine) if revision == head_revision() else None


def _row_counts(conn: Connection, tables: list[str]) -> dict[str, int]:
    return {
        t: int(conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one()) for t in tables
    }


def row_counts(url: str) -> dict[str, int]:
    """Rows per table (the migrations' own version table left out)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = sorted(t for t in inspect(conn).get_table_names() if t != _VERSION_TABLE)
            return _row_counts(conn, tables)
    finally:
        engine.dispose()


# --- taking a copy --------------------------------------------------------------------------


def snapshot_store(url: str, directory: Path, *, checksum: bool = True) -> StoreSnapshot:
    """Write a consistent copy of the store at ``url`` into ``directory``.

    ``checksum=False`` skips ``store_checksum`` (the slow part: every row through Python);
    the copy is then checked by row counts only.
    """
    directory.mkdir(parents=True, exist_ok=True)
    if store_dialect(url) == "sqlite":
        return _snapshot_sqlite(url, directory, checksum=checksum)
    return _snapshot_postgres(url, directory, checksum=checksum)


def _snapshot_sqlite(url: str, directory: Path, *, checksum: bool) -> StoreSnapshot:
    source = _sqlite_path(url)
    if not source.is_file():
        raise StoreError(f"there is no operational store at {source}; nothing to back up.")
    out = directory / SQLITE_MEMBER
    con = sqlite3.connect(source, timeout=60)
    try:
        con.execute("VACUUM INTO ?", (str(out),))
    finally:
        con.close()
    engine = create_engine(f"sqlite:///{out}", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
            tables = sorted(t for t in inspect(conn).get_table_names() if t != _VERSION_TABLE)
            rows = _row_counts(conn, tables)
            columns = {t: [c["name"] for c in inspect(conn).get_columns(t)] for t in tables}
        digest = _checksum_if_head(engine, revision) if checksum else None
    finally:
        engine.dispose()
    return StoreSnapshot("sqlite", revision, digest, rows, columns, (SQLITE_MEMBER,))


def _driver(conn: Connection) -> Any:
    """The psycopg connection under SQLAlchemy's, for ``COPY``."""
    return conn.connection.driver_connection


def _snapshot_postgres(url: str, directory: Path, *, checksum: bool) -> StoreSnapshot:
    engine = make_engine(url)
    try:
        with engine.connect() as base:
            conn = base.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                snapshot_id = str(conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar())
                revision = MigrationContext.configure(conn).get_current_revision()
                inspector = inspect(conn)
                tables = sorted(t for t in inspector.get_table_names() if t != _VERSION_TABLE)
                columns = {t: [c["name"] for c in inspector.get_columns(t)] for t in tables}
                rows: dict[str, int] = {}
                members: list[str] = []
                (directory / "store").mkdir(exist_ok=True)
                for table in tables:
                    member = copy_member_name(table)
                    rows[table] = _copy_out(conn, table, columns[table], directory / member)
                    members.append(member)
                digest = (
                    _checksum_in_snapshot(engine, snapshot_id)
                    if checksum and revision == head_revision()
                    else None
                )
    finally:
        engine.dispose()
    return StoreSnapshot("postgresql", revision, digest, rows, columns, tuple(members))


def _column_list(columns: list[str]) -> str:
    return ", ".join('"' + c.replace('"', '""') + '"' for c in columns)


def _copy_out(conn: Connection, table: str, columns: list[str], path: Path) -> int:
    """``COPY`` one table as text; rows end in a newline (newlines in values are escaped)."""
    lines = 0
    statement = f'COPY "{table}" ({_column_list(columns)}) TO STDOUT'
    with (
        _driver(conn).cursor() as cur,
        path.open("wb") as out,
        cur.copy(statement) as copy,
    ):
        for chunk in copy:
            data = bytes(chunk)
            lines += data.count(b"\n")
            out.write(data)
    return lines


def _checksum_in_snapshot(engine: Engine, snapshot_id: str) -> str:
    """``store_checksum`` read in the exported snapshot: the digest of exactly what was copied."""
    if not _SNAPSHOT_ID.match(snapshot_id):  # pragma: no cover - PostgreSQL's own format
        raise StoreError(f"unexpected snapshot id {snapshot_id!r} from PostgreSQL")
    pinned = create_engine(engine.url, isolation_level="REPEATABLE READ", poolclass=NullPool)

    @event.listens_for(pinned, "begin")
    def _pin(conn: Connection) -> None:
        conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot_id}'")

    try:
        return store_checksum(pinned)
    finally:
        pinned.dispose()


# --- putting a copy back --------------------------------------------------------------------


def stage_store(
    target_url: str, directory: Path, *, revision: str, columns: dict[str, list[str]]
) -> StagedStore:
    """Build a complete copy beside the live store from ``directory`` (nothing live changes)."""
    if store_dialect(target_url) == "sqlite":
        return _stage_sqlite(target_url, directory)
    return _stage_postgres(target_url, directory, revision=revision, columns=columns)


def _stage_sqlite(target_url: str, directory: Path) -> StagedStore:
    staged = directory / SQLITE_MEMBER
    con = sqlite3.connect(staged)
    try:
        result = con.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"the archive's SQLite store is not a database: {exc}.") from exc
    finally:
        con.close()
    if result != [("ok",)]:
        raise InputError(f"the archive's SQLite store fails its integrity check: {result[:3]}.")
    return StagedStore("sqlite", f"sqlite:///{staged}", target_url, str(staged))


def _search_path_url(url: str, schema: str) -> str:
    """``url`` with ``schema`` first on the search path (later ``-c`` options win)."""
    parsed = make_url(url)
    options = parsed.query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    options = f"{options} -csearch_path={schema}".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def _live_schema(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    finally:
        engine.dispose()
    if not schema:
        raise StoreError(
            "the database's search_path names no existing schema; create the schema the store "
            "should live in (CREATE SCHEMA …) and try again."
        )
    return str(schema)


def _stage_postgres(
    target_url: str, directory: Path, *, revision: str, columns: dict[str, list[str]]
) -> StagedStore:
    schema = f"vk_restore_{uuid.uuid4().hex[:12]}"
    admin = make_engine(target_url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    finally:
        admin.dispose()
    staged_url = _search_path_url(target_url, schema)
    staged = StagedStore("postgresql", staged_url, target_url, schema)
    try:
        upgrade(staged_url, revision=revision)
        engine = make_engine(staged_url)
        try:
            with engine.begin() as conn:
                _load_postgres(conn, directory, columns)
        finally:
            engine.dispose()
    except BaseException:
        discard_staged(staged)
        raise
    return staged


def _load_postgres(conn: Connection, directory: Path, columns: dict[str, list[str]]) -> None:
    """Empty what the migrations seeded, ``COPY`` every table in, and move sequences past it."""
    metadata = MetaData()
    metadata.reflect(conn)
    tables = [t for t in metadata.sorted_tables if t.name != _VERSION_TABLE]
    missing = sorted(set(columns) - {t.name for t in tables})
    if missing:
        raise InputError(
            f"the archive holds tables the schema at its revision lacks: {', '.join(missing)}."
        )
    if tables:
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    raw = _driver(conn)
    for table in tables:
        if table.name not in columns:
            continue
        wanted = columns[table.name]
        unknown = sorted(set(wanted) - {c.name for c in table.columns})
        if unknown:
            raise InputError(
                f"the archive's table {table.name} has columns the schema lacks: "
                f"{', '.join(unknown)}; the archive does not match its stated revision."
            )
        path = directory / copy_member_name(table.name)
        statement = f'COPY "{table.name}" ({_column_list(wanted)}) FROM STDIN'
        with raw.cursor() as cur, path.open("rb") as src, cur.copy(statement) as copy:
            while chunk := src.read(_CHUNK):
                copy.write(chunk)
        for column in table.columns:
            sequence = conn.exec_driver_sql(
                "SELECT pg_get_serial_sequence(%s, %s)", (f'"{table.name}"', column.name)
            ).scalar()
            if sequence:
                conn.exec_driver_sql(
                    f'SELECT setval(%s, COALESCE((SELECT max("{column.name}") FROM '
                    f'"{table.name}"), 0) + 1, false)',
                    (sequence,),
                )


def discard_staged(staged: StagedStore) -> None:
    """Remove a staged copy that will not be used (a file is left for its directory's owner)."""
    if staged.dialect != "postgresql":
        return
    admin = make_engine(staged.target_url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{staged.location}" CASCADE')
    finally:
        admin.dispose()


def swap_in(staged: StagedStore) -> None:
    """Make the staged copy the live store, in one transaction of the target database."""
    if staged.dialect == "sqlite":
        _swap_sqlite(staged)
    else:
        _swap_postgres(staged)


def _swap_sqlite(staged: StagedStore) -> None:
    target = _sqlite_path(staged.target_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(staged.location)
    destination = sqlite3.connect(target, timeout=60)
    try:
        # pages=-1: every page in one step, i.e. one write transaction on the live file.
        source.backup(destination, pages=-1)
    except sqlite3.OperationalError as exc:
        raise StoreError(
            f"could not replace the store at {target}: {exc}; stop the Vårdkoll services that "
            "use it and try again."
        ) from exc
    finally:
        destination.close()
        source.close()


def _swap_postgres(staged: StagedStore) -> None:
    live = _live_schema(staged.target_url)
    aside = f"vk_replaced_{uuid.uuid4().hex[:12]}"
    admin = make_engine(staged.target_url)
    try:
        with admin.begin() as conn:
            # Fail clearly rather than wait for ever behind a running application.
            conn.exec_driver_sql("SET LOCAL lock_timeout = '30s'")
            conn.exec_driver_sql(f'ALTER SCHEMA "{live}" RENAME TO "{aside}"')
            conn.exec_driver_sql(f'ALTER SCHEMA "{staged.location}" RENAME TO "{live}"')
            conn.exec_driver_sql(f'DROP SCHEMA "{aside}" CASCADE')
    except DBAPIError as exc:
        discard_staged(staged)
        raise StoreError(
            f"could not swap the restored schema in: {exc.orig}; stop the Vårdkoll services "
            "that use the database, make sure the restoring role owns the schema, and retry."
        ) from exc
    finally:
        admin.dispose()


def copy_file_atomically(source: Path, target: Path, *, mode: int | None = None) -> None:
    """Copy beside ``target`` first, then rename over it: readers see old or new, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.restore")
    with source.open("rb") as src, tmp.open("wb") as dst:
        shutil.copyfileobj(src, dst, _CHUNK)
        dst.flush()
        os.fsync(dst.fileno())
    if mode is not None:
        tmp.chmod(mode)
    os.replace(tmp, target)
