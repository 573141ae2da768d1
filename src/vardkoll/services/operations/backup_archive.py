"""The backup archive: its manifest, writing it, and reading it back with every member checked.

An archive is a ``.tar.gz`` whose first member is ``manifest.json``; the other members are the
store copy (``store.sqlite3``, or ``store/<table>.copy`` per PostgreSQL table), the analytics
file and the key file. Reading unpacks only members the manifest lists, under fixed names, and
checks each one's SHA-256 as it streams, so a damaged or altered archive is refused before
anything is restored.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from vardkoll.domain import InputError
from vardkoll.store import SQLITE_MEMBER, copy_member_name

__all__ = [
    "ANALYTICS_MEMBER",
    "FORMAT",
    "FORMAT_VERSION",
    "KEY_MEMBER",
    "MANIFEST",
    "Manifest",
    "read_manifest",
    "sha256_file",
    "unpack",
    "write_archive",
]

FORMAT = "vardkoll-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ANALYTICS_MEMBER = "analytics.duckdb"
KEY_MEMBER = "installation.key"
_CHUNK = 1 << 20
_MEMBER_NAME = re.compile(r"store\.sqlite3|analytics\.duckdb|installation\.key|store/\w+\.copy")


@dataclass(frozen=True)
class Manifest:
    """What an archive holds, and the facts restore checks it against."""

    vardkoll_version: str
    created_at: str
    dialect: str
    alembic_revision: str
    store_checksum: str | None
    audit_verified: bool | None
    key_fingerprint: str
    rows: dict[str, int]
    columns: dict[str, list[str]]
    members: dict[str, str]
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=2, sort_keys=True, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes, *, source: Path) -> Manifest:
        try:
            raw = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                f"{source}: the archive's manifest is not valid JSON ({exc})."
            ) from exc
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise InputError(f"{source} is not a Vårdkoll backup (its manifest names no format).")
        if raw.get("format_version") != FORMAT_VERSION:
            raise InputError(
                f"{source} is backup format {raw.get('format_version')!r}; this Vårdkoll reads "
                f"format {FORMAT_VERSION}. Restore it with the version that made it "
                f"({raw.get('vardkoll_version', 'unknown')})."
            )
        try:
            manifest = cls(**raw)
        except TypeError as exc:
            raise InputError(f"{source}: the archive's manifest is incomplete ({exc}).") from exc
        manifest._check_members(source)
        return manifest

    def _check_members(self, source: Path) -> None:
        """Only the members a backup can hold, and the store's own ones all present."""
        odd = sorted(m for m in self.members if not _MEMBER_NAME.fullmatch(m))
        if odd:
            raise InputError(f"{source}: the manifest lists unexpected members {odd}; refused.")
        if self.dialect == "sqlite":
            needed = {SQLITE_MEMBER}
        elif self.dialect == "postgresql":
            needed = {copy_member_name(t) for t in self.columns}
        else:
            raise InputError(f"{source}: unknown database kind {self.dialect!r} in the manifest.")
        missing = sorted(needed - set(self.members))
        if missing:
            raise InputError(f"{source}: the manifest lacks the store's {', '.join(missing)}.")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(out: Path, manifest: Manifest, work: Path) -> None:
    """Write the manifest first, then every member from ``work``; renamed into place at the end
    so a half-written archive never carries the final name. Mode 0600: it holds patient data."""
    partial = out.with_name(f".{out.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with (
        os.fdopen(fd, "wb") as raw,
        tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar,
    ):
        info = tarfile.TarInfo(MANIFEST)
        body = manifest.to_json()
        info.size, info.mtime, info.mode = len(body), int(time.time()), 0o600
        tar.addfile(info, io.BytesIO(body))
        for name in sorted(manifest.members):
            tar.add(work / name, arcname=name, recursive=False)
        raw.flush()
    os.replace(partial, out)


def _open(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise InputError(f"{archive}: no such file; check the path of the backup archive.")
    try:
        return tarfile.open(archive, mode="r:gz")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise InputError(
            f"{archive} is not a readable backup archive ({exc}); it is damaged or not a "
            "Vårdkoll backup."
        ) from exc


def read_manifest(archive: Path) -> Manifest:
    """The manifest of ``archive`` (its first member), without unpacking the rest."""
    with _open(archive) as tar:
        try:
            member = tar.next()
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise InputError(f"{archive} is damaged: {exc}.") from exc
        if member is None or member.name != MANIFEST:
            raise InputError(
                f"{archive} is not a Vårdkoll backup: it does not start with a manifest."
            )
        handle = tar.extractfile(member)
        if handle is None:  # pragma: no cover - a manifest is a regular file
            raise InputError(f"{archive}: the manifest is not a file.")
        return Manifest.from_json(handle.read(), source=archive)


def unpack(archive: Path, work: Path) -> Manifest:
    """Unpack only the members the manifest names, checking each one's SHA-256."""
    manifest = read_manifest(archive)
    seen: set[str] = set()
    with _open(archive) as tar:
        try:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if member.name not in manifest.members or not member.isfile():
                    raise InputError(
                        f"{archive} holds {member.name!r}, which its manifest does not list; "
                        "the archive was altered."
                    )
                target = work / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                handle = tar.extractfile(member)
                assert handle is not None
                digest = hashlib.sha256()
                with target.open("wb") as out:
                    while chunk := handle.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != manifest.members[member.name]:
                    raise InputError(
                        f"{archive}: {member.name} does not match its checksum in the manifest; "
                        "the archive is damaged. Use another backup."
                    )
                seen.add(member.name)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise InputError(f"{archive} is damaged ({exc}); use another backup.") from exc
    missing = sorted(set(manifest.members) - seen)
    if missing:
        raise InputError(f"{archive} lacks {', '.join(missing)}; the archive is incomplete.")
    return manifest
