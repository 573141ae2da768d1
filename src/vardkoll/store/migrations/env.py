"""Alembic environment of the operational store, run by :func:`vardkoll.store.upgrade`.

The caller hands over an open connection in ``config.attributes["connection"]`` (so the
upgrade runs on exactly the engine, with exactly the settings, the application uses);
``alembic`` on the command line with ``sqlalchemy.url`` set works too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import vardkoll.store  # noqa: F401  (registers every table on the metadata)
from vardkoll.store._base import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copy
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    """Use the caller's connection, or open one from ``sqlalchemy.url``."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from vardkoll.store._engine import make_engine

    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url or pass a connection in config.attributes")
    with make_engine(url).connect() as conn:
        _run(conn)


# Imported outside Alembic (doctest collection), the context proxy has no config: do nothing.
if hasattr(context, "config"):
    run_migrations()
