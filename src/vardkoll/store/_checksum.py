"""A digest of everything in the operational store, to prove that nothing changed.

The kill, idempotency and concurrency tests compare digests taken before and after: equal
digests mean every row of every table is the same. Values are read through SQLAlchemy's
types and normalised (instants in UTC, dates in ISO form), so the same rows give the same
digest on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from typing import Any

from sqlalchemy import Engine, Table, inspect, select, text

from vardkoll.store._base import Base

__all__ = ["LOG_TABLES", "store_checksum"]

LOG_TABLES = frozenset({"import_batches", "quarantined_rows"})


def _norm(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return str(value.isoformat())
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value.normalize())
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _batch_columns(table: Table) -> set[int]:
    """Positions of the columns that refer to an import batch."""
    return {
        i
        for i, column in enumerate(table.columns)
        if any(fk.column.table.name == "import_batches" for fk in column.foreign_keys)
    }


def store_checksum(engine: Engine, *, include_log: bool = True) -> str:
    """SHA-256 over every row of every table of the store, in primary-key order.

    ``include_log=False`` digests the data alone: it leaves out the import log
    (``import_batches``, ``quarantined_rows``) — an import that changed nothing still records
    that it ran — and replaces batch ids by their rank (1st, 2nd … stored batch), since
    PostgreSQL spends sequence numbers on rolled-back imports.
    """
    digest = hashlib.sha256()
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        rank: dict[Any, int] = {}
        if not include_log and "import_batches" in existing:
            ids = conn.execute(text("SELECT id FROM import_batches ORDER BY id")).scalars()
            rank = {batch: i for i, batch in enumerate(ids, start=1)}
        for name in sorted(Base.metadata.tables):
            if name not in existing or (not include_log and name in LOG_TABLES):
                continue
            table = Base.metadata.tables[name]
            order = list(table.primary_key.columns) or list(table.columns)
            batch_cols = _batch_columns(table) if not include_log else set()
            digest.update(f"\x1e{name}\x1d".encode())
            for row in conn.execute(select(*table.columns).order_by(*order)):
                values = [rank.get(v, v) if i in batch_cols else v for i, v in enumerate(row)]
                digest.update("\x1f".join(_norm(v) for v in values).encode())
                digest.update(b"\x1e")
    return digest.hexdigest()
