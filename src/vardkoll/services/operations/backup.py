"""Backups a region's IT can trust: one archive, checked on the way out and on the way back in.

An archive (``.tar.gz``, mode 0600) holds ``manifest.json`` first, then a consistent copy of
the operational store (see ``vardkoll.store._backup`` for how each database is copied), the
analytics DuckDB file and, when the installation keys pseudonyms with a key file, that file.
The manifest records the Vårdkoll version, the store's migration revision, ``store_checksum``,
row counts, whether the audit chain verified, and a SHA-256 per member.

Restore refuses before it changes anything: a member missing, altered or unexpected; a
manifest of another format; a revision this installation does not know; a store of another
kind; a pseudonym key that differs from the configured one; a live store that holds data
(without ``force``) or sits at another revision (even with ``force``). It then builds the
copy beside the live store, checks its checksum and audit chain, and only then swaps it in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session

from vardkoll import __version__
from vardkoll.domain import InputError, StoreError
from vardkoll.services.access import audit
from vardkoll.services.operations.backup_archive import (
    ANALYTICS_MEMBER,
    KEY_MEMBER,
    Manifest,
    read_manifest,
    sha256_file,
    unpack,
    write_archive,
)
from vardkoll.settings import PLACEHOLDER_SECRET, Settings
from vardkoll.store import (
    SQLITE_MEMBER,
    StagedStore,
    alembic_config,
    copy_file_atomically,
    discard_staged,
    head_revision,
    make_engine,
    row_counts,
    snapshot_store,
    stage_store,
    store_checksum,
    store_dialect,
    store_has_data,
    store_revision,
    swap_in,
)

__all__ = [
    "BackupReport",
    "Manifest",
    "RestoreReport",
    "create_backup",
    "key_fingerprint",
    "read_manifest",
    "restore_backup",
]


@dataclass(frozen=True)
class BackupReport:
    """The outcome of :func:`create_backup`."""

    path: Path
    manifest: Manifest
    bytes: int
    seconds: float


@dataclass(frozen=True)
class RestoreReport:
    """The outcome of :func:`restore_backup`."""

    manifest: Manifest
    replaced_data: bool
    restored: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())


def key_fingerprint(key: bytes) -> str:
    """A short, one-way fingerprint of the pseudonym key: equal keys, equal fingerprints."""
    return hashlib.sha256(b"vardkoll pseudonym key fingerprint\0" + key).hexdigest()[:16]


def _key_from_file(settings: Settings) -> bool:
    """Whether the installation keys pseudonyms with ``data_dir/installation.key``."""
    return settings.secret_key == PLACEHOLDER_SECRET and settings.environment != "production"


def _audit_ok(url: str) -> bool | None:
    """Whether the audit chain verifies (None: the store has no audit log at this revision)."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return audit.verify(session).ok
    except Exception:  # an older schema without the audit tables
        return None
    finally:
        engine.dispose()


@contextmanager
def _workdir(near: Path) -> Iterator[Path]:
    """A private scratch directory on the same file system as ``near`` (cheap renames)."""
    near.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".vardkoll-backup-", dir=near) as name:
        yield Path(name)


# --- backup ---------------------------------------------------------------------------------


def create_backup(
    out: Path,
    *,
    settings: Settings,
    include_analytics: bool = True,
    checksum: bool = True,
    now: dt.datetime | None = None,
) -> BackupReport:
    """Write one archive of the installation to ``out`` (atomically: complete, or not there).

    ``checksum=False`` leaves ``store_checksum`` out of the manifest (it reads every row
    through Python, the slow part for a large store); restore then checks row counts.
    """
    started = time.monotonic()
    url = settings.resolved_database_url()
    out = Path(out)
    with _workdir(out.parent) as work:
        snapshot = snapshot_store(url, work, checksum=checksum)
        if snapshot.revision is None:
            raise StoreError(
                "the operational store was never created; run `vardkoll db upgrade` (or import "
                "a file) before backing it up."
            )
        # Before hashing: opening the SQLite copy switches it to WAL, which edits its header.
        audit_verified = _audit_ok(
            f"sqlite:///{work / SQLITE_MEMBER}" if snapshot.dialect == "sqlite" else url
        )
        members = {name: sha256_file(work / name) for name in snapshot.members}
        analytics = settings.resolved_analytics_path()
        if include_analytics and analytics.is_file():
            # Copy from one open file: a rebuild that swaps the file meanwhile cannot tear it.
            copy_file_atomically(analytics, work / ANALYTICS_MEMBER)
            members[ANALYTICS_MEMBER] = sha256_file(work / ANALYTICS_MEMBER)
        key = settings.pseudonym_key()
        key_file = settings.data_dir / KEY_MEMBER
        if _key_from_file(settings) and key_file.is_file():
            copy_file_atomically(key_file, work / KEY_MEMBER, mode=0o600)
            members[KEY_MEMBER] = sha256_file(work / KEY_MEMBER)
        manifest = Manifest(
            vardkoll_version=__version__,
            created_at=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
            dialect=snapshot.dialect,
            alembic_revision=snapshot.revision,
            store_checksum=snapshot.checksum,
            audit_verified=audit_verified,
            key_fingerprint=key_fingerprint(key),
            rows=snapshot.rows,
            columns=snapshot.columns,
            members=members,
        )
        write_archive(out, manifest, work)
    return BackupReport(out, manifest, out.stat().st_size, time.monotonic() - started)


# --- restore --------------------------------------------------------------------------------


def _check_revision(manifest: Manifest, archive: Path) -> None:
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if manifest.alembic_revision not in known:
        raise InputError(
            f"{archive} was made at schema revision {manifest.alembic_revision}, which this "
            f"Vårdkoll ({__version__}) does not know; restore it with version "
            f"{manifest.vardkoll_version} or newer."
        )


def _check_key(manifest: Manifest, settings: Settings, archive: Path) -> None:
    """Pseudonyms in the archive must stay computable: same key, or the archive's key file."""
    if _key_from_file(settings):
        if KEY_MEMBER in manifest.members:
            return
        raise InputError(
            f"{archive} was made by an installation that keys pseudonyms with "
            "VARDKOLL_SECRET_KEY; set VARDKOLL_SECRET_KEY to that value and restore again."
        )
    if key_fingerprint(settings.pseudonym_key()) != manifest.key_fingerprint:
        raise InputError(
            f"{archive} was made with another pseudonym key than VARDKOLL_SECRET_KEY now holds; "
            "its pseudonyms would no longer match. Set the key the backup was made with."
        )


def _check_target(manifest: Manifest, url: str, *, force: bool) -> bool:
    """Refuse a live store that must not be replaced; return whether it holds data."""
    dialect = store_dialect(url)
    if dialect != manifest.dialect:
        raise InputError(
            f"the backup holds a {manifest.dialect} store but VARDKOLL_DATABASE_URL points at "
            f"{dialect}; restore into the same kind of database."
        )
    has_data = store_has_data(url)
    revision = store_revision(url)
    if has_data and revision != manifest.alembic_revision:
        raise InputError(
            f"the store is at schema revision {revision} but the backup at "
            f"{manifest.alembic_revision}; restoring would change the schema under the data. "
            "Restore into an empty database (a new VARDKOLL_DATABASE_URL) instead."
        )
    if has_data and not force:
        raise InputError(
            "the operational store already holds data; restoring replaces all of it. Run "
            "`vardkoll backup` first if you may need it, then restore with --force."
        )
    return has_data


def _verify_staged(staged: StagedStore, manifest: Manifest) -> None:
    counts = row_counts(staged.url)
    differ = sorted(t for t, n in manifest.rows.items() if counts.get(t) != n)
    if differ:
        raise StoreError(
            f"the restored copy's row counts differ from the backup's in {', '.join(differ)}; "
            "nothing was replaced. The archive may have been altered."
        )
    engine = make_engine(staged.url)
    try:
        if manifest.store_checksum is not None:
            got = store_checksum(engine)
            if got != manifest.store_checksum:
                raise StoreError(
                    "the restored copy's checksum differs from the backup's; nothing was "
                    "replaced. The archive may have been altered."
                )
    finally:
        engine.dispose()
    at_head = manifest.alembic_revision == head_revision()
    if manifest.audit_verified and at_head and not _audit_ok(staged.url):
        raise StoreError("the restored audit log does not verify; nothing was replaced.")


def restore_backup(archive: Path, *, settings: Settings, force: bool = False) -> RestoreReport:
    """Put an archive back: everything checked first, then swapped in (see the module doc)."""
    archive = Path(archive)
    manifest = read_manifest(archive)
    _check_revision(manifest, archive)
    url = settings.resolved_database_url()
    has_data = _check_target(manifest, url, force=force)
    _check_key(manifest, settings, archive)
    notes: list[str] = []
    with _workdir(settings.data_dir) as work:
        unpack(archive, work)
        staged = stage_store(
            url, work, revision=manifest.alembic_revision, columns=manifest.columns
        )
        try:
            _verify_staged(staged, manifest)
        except BaseException:
            discard_staged(staged)
            raise
        replaced = _swap_files(work, manifest, settings)
        try:
            swap_in(staged)
        except BaseException:
            _undo_files(replaced)
            raise
        for target, aside in replaced.items():
            if aside is None:
                continue
            if target.name == KEY_MEMBER and sha256_file(aside) != sha256_file(target):
                # A key that pseudonymised something may still be needed: keep it, private.
                kept = target.with_name(f"{KEY_MEMBER}.replaced-{_stamp()}")
                os.replace(aside, kept)
                notes.append(f"the previous pseudonym key was kept as {kept}.")
            else:
                aside.unlink(missing_ok=True)
    if ANALYTICS_MEMBER not in manifest.members:
        notes.append("the archive holds no analytics file; run `vardkoll analytics build`.")
    if manifest.alembic_revision != head_revision():
        notes.append(
            f"the store is at revision {manifest.alembic_revision}; run `vardkoll db upgrade` "
            "to bring it to this version's schema."
        )
    restored = ["operational store", *(m for m in manifest.members if m in _FILE_TARGETS)]
    return RestoreReport(manifest, has_data, tuple(restored), tuple(notes))


_FILE_TARGETS = (ANALYTICS_MEMBER, KEY_MEMBER)


def _file_target(member: str, settings: Settings) -> Path:
    if member == ANALYTICS_MEMBER:
        return settings.resolved_analytics_path()
    return settings.data_dir / KEY_MEMBER


def _swap_files(work: Path, manifest: Manifest, settings: Settings) -> dict[Path, Path | None]:
    """Move the analytics file and key file into place, keeping the old ones aside."""
    replaced: dict[Path, Path | None] = {}
    try:
        for member in _FILE_TARGETS:
            if member not in manifest.members:
                continue
            target = _file_target(member, settings)
            if member == ANALYTICS_MEMBER:
                # A stale DuckDB write-ahead log would be replayed onto the restored file.
                wal = target.with_name(target.name + ".wal")
                if wal.exists():
                    replaced[wal] = _set_aside(wal)
            replaced[target] = _set_aside(target) if target.exists() else None
            mode = 0o600 if member == KEY_MEMBER else None
            copy_file_atomically(work / member, target, mode=mode)
    except BaseException:
        _undo_files(replaced)
        raise
    return replaced


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _set_aside(path: Path) -> Path:
    aside = path.with_name(f".{path.name}.before-restore")
    os.replace(path, aside)
    return aside


def _undo_files(replaced: dict[Path, Path | None]) -> None:
    for target, aside in replaced.items():
        if aside is not None:
            os.replace(aside, target)
        else:
            target.unlink(missing_ok=True)
