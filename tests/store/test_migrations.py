"""The packaged migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from vardkoll.store import Base, current_revision, head_revision, upgrade
from vardkoll.store._migrate import alembic_config


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_upgrade_is_repeatable_and_reaches_head(store_url: str, engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    tables_before = set(inspect(engine).get_table_names())
    assert upgrade(store_url) == head_revision()
    assert set(inspect(engine).get_table_names()) == tables_before
    assert {"import_batches", "pathway_events", "pathways", "patients"} <= tables_before


def test_the_chain_starts_with_the_operational_revision() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    revisions = list(scripts.walk_revisions())
    base = revisions[-1]
    assert base.revision == "0001_operational"
    assert base.down_revision is None
    # A simple chain: every revision has exactly one parent and one child.
    assert len(scripts.get_heads()) == 1
