"""Schema migrations, run from Python: ``vardkoll db upgrade`` and the tests call :func:`upgrade`.

The migration scripts ship inside the package (``vardkoll/store/migrations``), so an
installed wheel can upgrade its own database without an ``alembic.ini`` in the working
directory.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from vardkoll.domain import StoreError
from vardkoll.store._engine import make_engine

__all__ = ["MIGRATIONS", "alembic_config", "current_revision", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest revision the installed package knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise StoreError("no migrations found in the installed package")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str, *, revision: str = "head") -> str:
    """Bring the operational store at ``url`` up to ``revision``; return the revision reached.

    Safe to run again and again: an up-to-date database is left as it is.
    """
    engine = make_engine(url)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
        reached = current_revision(engine)
    except OperationalError as exc:
        raise StoreError(
            f"could not upgrade the operational store: {exc.orig}; check that the database "
            "is reachable and that its directory is writable."
        ) from exc
    finally:
        engine.dispose()
    if reached is None:  # pragma: no cover - alembic always stamps
        raise StoreError("the upgrade finished but the database has no revision stamp")
    return reached
