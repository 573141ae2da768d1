"""``vardkoll backup`` / ``restore``: a round trip gives the same store; bad archives are refused.

The oracle is ``store_checksum`` (every row of every table) and the audit chain's own
verification, taken before the backup and after the restore into a different place.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ops_support import audit_report, checksum, populate, sqlite_settings, write_audit
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from vardkoll.domain import InputError, StoreError
from vardkoll.services.access.accounts import create_user
from vardkoll.services.operations.backup import create_backup, read_manifest, restore_backup
from vardkoll.settings import Settings
from vardkoll.store import head_revision, make_engine, upgrade


@pytest.fixture
def source(tmp_path: Path) -> Settings:
    settings = sqlite_settings(tmp_path / "source")
    populate(settings)
    return settings


def _rows(settings: Settings, table: str) -> int:
    engine = make_engine(settings.resolved_database_url())
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_sqlite_round_trip_restores_every_row_the_key_and_the_analytics_file(
    source: Settings, tmp_path: Path
) -> None:
    before = checksum(source)
    chain = audit_report(source)
    assert chain.ok
    assert chain.checked == 8
    archive = tmp_path / "backup.tar.gz"
    report = create_backup(archive, settings=source)
    assert archive.stat().st_mode & 0o777 == 0o600
    manifest = read_manifest(archive)
    assert manifest.alembic_revision == head_revision()
    assert manifest.store_checksum == before
    assert manifest.audit_verified is True
    assert set(manifest.members) == {"store.sqlite3", "analytics.duckdb", "installation.key"}
    assert report.manifest == manifest

    target = sqlite_settings(tmp_path / "target")
    restored = restore_backup(archive, settings=target)
    assert restored.replaced_data is False
    assert checksum(target) == before
    after = audit_report(target)
    assert after.ok
    assert (after.checked, after.head_hash) == (chain.checked, chain.head_hash)
    assert (target.data_dir / "installation.key").read_bytes() == (
        source.data_dir / "installation.key"
    ).read_bytes()
    assert target.resolved_analytics_path().read_bytes() == (
        source.resolved_analytics_path().read_bytes()
    )
    # The restored store is live: the application can write to it again.
    write_audit(target, (0,))
    assert audit_report(target).ok


def test_restore_refuses_a_store_with_data_unless_forced(source: Settings, tmp_path: Path) -> None:
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive, settings=source)
    before = checksum(source)
    write_audit(source, (0,))  # the live store moves on after the backup
    changed = checksum(source)
    with pytest.raises(InputError, match=r"already holds data.*--force"):
        restore_backup(archive, settings=source)
    assert checksum(source) == changed
    restore_backup(archive, settings=source, force=True)
    assert checksum(source) == before
    assert audit_report(source).ok


def _rewrite(archive: Path, out: Path, edit: Callable[[str, bytes], bytes]) -> None:
    """Copy an archive member by member, passing each through ``edit``."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            handle = src.extractfile(member)
            assert handle is not None
            data = edit(member.name, handle.read())
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


def test_damaged_or_altered_archives_are_refused_before_anything_changes(
    source: Settings, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive, settings=source)
    target = sqlite_settings(tmp_path / "target")

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(InputError, match="damaged"):
        restore_backup(truncated, settings=target)

    def flip_a_page(name: str, data: bytes) -> bytes:
        if name != "store.sqlite3":
            return data
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]

    altered = tmp_path / "altered.tar.gz"
    _rewrite(archive, altered, flip_a_page)
    with pytest.raises(InputError, match=r"store\.sqlite3 does not match its checksum"):
        restore_backup(altered, settings=target)

    not_a_backup = tmp_path / "other.tar.gz"
    with tarfile.open(not_a_backup, "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("hello.txt"), io.BytesIO(b""))
    with pytest.raises(InputError, match="not a Vårdkoll backup"):
        restore_backup(not_a_backup, settings=target)

    def escape(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["members"]["../../outside.txt"] = "0" * 64
        return json.dumps(manifest).encode()

    traversal = tmp_path / "traversal.tar.gz"
    _rewrite(archive, traversal, escape)
    with pytest.raises(InputError, match="unexpected members"):
        restore_backup(traversal, settings=target)
    assert not (tmp_path / "outside.txt").exists()

    # Nothing was created at the target by any of the refusals.
    assert not (target.data_dir / "vardkoll.sqlite3").exists()
    assert not target.resolved_analytics_path().exists()


def test_restore_refuses_another_schema_revision(source: Settings, tmp_path: Path) -> None:
    old = sqlite_settings(tmp_path / "old")
    upgrade(old.resolved_database_url(), revision="0001_operational")
    archive = tmp_path / "old.tar.gz"
    create_backup(archive, settings=old)
    assert read_manifest(archive).alembic_revision == "0001_operational"
    assert read_manifest(archive).store_checksum is None  # digests describe the newest schema
    before = checksum(source)
    with pytest.raises(InputError, match=r"schema revision .*0001_operational"):
        restore_backup(archive, settings=source, force=True)
    assert checksum(source) == before

    # An archive from a newer Vårdkoll (a revision this one does not know) is refused too.
    future = tmp_path / "future.tar.gz"

    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["alembic_revision"] = "9999_from_the_future"
        return json.dumps(manifest).encode()

    _rewrite(archive, future, newer)
    with pytest.raises(InputError, match="does not know"):
        restore_backup(future, settings=sqlite_settings(tmp_path / "empty"))


def test_an_older_archive_restores_into_an_empty_store(tmp_path: Path) -> None:
    old = sqlite_settings(tmp_path / "old")
    upgrade(old.resolved_database_url(), revision="0001_operational")
    archive = tmp_path / "old.tar.gz"
    create_backup(archive, settings=old)
    target = sqlite_settings(tmp_path / "target")
    report = restore_backup(archive, settings=target)
    assert any("vardkoll db upgrade" in note for note in report.notes)
    assert upgrade(target.resolved_database_url()) == head_revision()


def test_key_mismatch_is_refused(source: Settings, tmp_path: Path) -> None:
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive, settings=source)
    keyed = Settings(
        data_dir=tmp_path / "keyed",
        database_url=f"sqlite:///{tmp_path / 'keyed' / 'v.sqlite3'}",
        secret_key="x" * 48,
    )
    with pytest.raises(InputError, match="VARDKOLL_SECRET_KEY"):
        restore_backup(archive, settings=keyed)


def test_cli_refuses_with_one_clear_line(source: Settings, tmp_path: Path) -> None:
    env = {
        "VARDKOLL_DATA_DIR": str(source.data_dir),
        "VARDKOLL_DATABASE_URL": source.resolved_database_url(),
        "PATH": "/usr/bin:/bin",
    }
    archive = tmp_path / "cli.tar.gz"
    run = [sys.executable, "-m", "vardkoll"]
    made = subprocess.run(
        [*run, "backup", "--out", str(archive)], env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    refused = subprocess.run(
        [*run, "restore", str(archive)], env=env, capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert "--force" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout
    forced = subprocess.run(
        [*run, "restore", str(archive), "--force"], env=env, capture_output=True, text=True
    )
    assert forced.returncode == 0, forced.stderr


# --- PostgreSQL -----------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgresql_round_trip_and_forced_restore(
    make_pg_schema: Callable[[], str], tmp_path: Path
) -> None:
    source = Settings(data_dir=tmp_path / "source", database_url=make_pg_schema())
    populate(source, analytics=False)
    before = checksum(source)
    chain = audit_report(source)
    archive = tmp_path / "pg.tar.gz"
    create_backup(archive, settings=source)
    manifest = read_manifest(archive)
    assert manifest.dialect == "postgresql"
    assert manifest.store_checksum == before
    assert manifest.rows["audit_log"] == 8
    assert "store/audit_log.copy" in manifest.members

    target = Settings(data_dir=tmp_path / "target", database_url=make_pg_schema())
    restore_backup(archive, settings=target)
    assert checksum(target) == before
    after = audit_report(target)
    assert after.ok
    assert after.head_hash == chain.head_hash
    # Sequences moved past the restored ids: new rows get fresh ones.
    engine = make_engine(target.resolved_database_url())
    with Session(engine) as session, session.begin():
        create_user(session, username="bert", role="admin", password=None)
    engine.dispose()
    # The append-only guard came back with the schema.
    engine = make_engine(target.resolved_database_url())
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log"))
    finally:
        engine.dispose()

    # The live source moves on; a forced restore brings back exactly the backup.
    write_audit(source, (0,))
    with pytest.raises(InputError, match="already holds data"):
        restore_backup(archive, settings=source)
    restore_backup(archive, settings=source, force=True)
    assert checksum(source) == before
    assert audit_report(source).ok
    assert _rows(source, "audit_log") == 8


@pytest.mark.postgres
def test_postgresql_refuses_an_sqlite_archive(
    make_pg_schema: Callable[[], str], source: Settings, tmp_path: Path
) -> None:
    archive = tmp_path / "sqlite.tar.gz"
    create_backup(archive, settings=source)
    target = Settings(data_dir=tmp_path / "target", database_url=make_pg_schema())
    with pytest.raises(InputError, match="same kind of database"):
        restore_backup(archive, settings=target)


def _backup_while_writing(settings: Settings, archive: Path) -> int:
    """Take a backup while another thread appends audit records; return how many it wrote."""
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        while not stop.is_set():
            write_audit(settings, (0,))
            written[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while (
            written[0] < 3 and thread.is_alive()
        ):  # the writer is demonstrably running before the backup starts
            time.sleep(0.01)
        create_backup(archive, settings=settings)
    finally:
        stop.set()
        thread.join()
    return written[0]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_backup_taken_during_writes_is_one_consistent_moment(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """audit_head and audit_log copied at different moments would break the chain on restore."""
    if backend == "sqlite":
        settings, target = sqlite_settings(tmp_path / "s"), sqlite_settings(tmp_path / "t")
        upgrade(settings.resolved_database_url())
    else:
        make = request.getfixturevalue("make_pg_schema")
        settings = Settings(data_dir=tmp_path / "s", database_url=make())
        target = Settings(data_dir=tmp_path / "t", database_url=make())
        upgrade(settings.resolved_database_url())
    archive = tmp_path / "busy.tar.gz"
    written = _backup_while_writing(settings, archive)
    manifest = read_manifest(archive)
    assert 3 <= manifest.rows["audit_log"] <= written
    restore_backup(archive, settings=target)  # verifies checksum and chain before swapping
    report = audit_report(target)
    assert report.ok
    assert report.checked == manifest.rows["audit_log"]


def test_without_checksum_restore_checks_row_counts(source: Settings, tmp_path: Path) -> None:
    archive = tmp_path / "quick.tar.gz"
    create_backup(archive, settings=source, checksum=False)
    assert read_manifest(archive).store_checksum is None
    before = checksum(source)
    target = sqlite_settings(tmp_path / "target")
    restore_backup(archive, settings=target)
    assert checksum(target) == before

    def miscount(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["rows"]["audit_log"] += 1
        return json.dumps(manifest).encode()

    altered = tmp_path / "miscount.tar.gz"
    _rewrite(archive, altered, miscount)
    other = sqlite_settings(tmp_path / "other")
    with pytest.raises(StoreError, match=r"row counts differ from the backup.s in audit_log"):
        restore_backup(altered, settings=other)
    assert not (other.data_dir / "vardkoll.sqlite3").exists()


def test_a_different_key_at_the_target_is_kept_aside_not_lost(
    source: Settings, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive, settings=source)
    target = sqlite_settings(tmp_path / "target")
    own_key = target.pseudonym_key()  # a fresh installation made a key of its own
    report = restore_backup(archive, settings=target)
    assert target.pseudonym_key() == source.pseudonym_key() != own_key
    (kept,) = target.data_dir.glob("installation.key.replaced-*")
    assert kept.read_text(encoding="ascii").strip().encode() == own_key
    assert kept.stat().st_mode & 0o777 == 0o600
    assert any(str(kept) in note for note in report.notes)


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[str]:
    """A database of its own, so the store lives in ``public`` as in production."""
    name = f"vk_ops_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(make_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.mark.postgres
def test_postgresql_public_schema_is_swapped(pg_database: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "site", database_url=pg_database)
    upgrade(pg_database)
    write_audit(settings)
    before = checksum(settings)
    archive = tmp_path / "public.tar.gz"
    create_backup(archive, settings=settings)
    write_audit(settings, (0,))
    restore_backup(archive, settings=settings, force=True)
    assert checksum(settings) == before
    assert audit_report(settings).ok
    engine = make_engine(pg_database)
    with engine.connect() as conn:
        schemas = set(conn.execute(text("SELECT nspname FROM pg_namespace")).scalars())
        current = conn.execute(text("SELECT current_schema()")).scalar()
    engine.dispose()
    assert current == "public"
    assert not {s for s in schemas if s.startswith(("vk_restore_", "vk_replaced_"))}
