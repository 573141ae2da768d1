"""Imports posted by a system account through the API: validate all, store, remember the result.

Why a separate workflow from ``vardkoll import``: the files arrive over the network from a
system, not from a person at a terminal, so

- **every file is validated before any is stored**: one bad row anywhere and nothing of the
  request is stored, and the answer lists every problem (file, row, field, value, reason);
- **a re-post of the same files returns the earlier result** instead of importing again: the
  operation id is a hash of the account and the files' names and contents, and the stored
  outcome is kept under ``data_dir/api-imports``. A rejected request is not remembered as final
  (nothing was stored, so trying again is harmless and may succeed once the data are fixed);
- the account's **region** bounds what it may send: waiting-list events of another region's
  responsibility are refused (reference files such as ``units`` may name other regions' units,
  as patients are offered care there).

Reading and storing are the CLI's: :func:`vardkoll.services.imports.workflows.read_file` and
:func:`vardkoll.store.import_validated`, one transaction per file. A file the store itself
refuses (a rule that needs the stored history, such as an event for a pathway that has no
clock start) stops the request there: earlier files stay stored, later ones are not tried,
and the outcome says which is which.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine

from vardkoll.domain import InputError, NotFound, PermissionDenied
from vardkoll.ingest import FILE_KINDS
from vardkoll.services.access.roles import role_spec
from vardkoll.services.access.scope import Principal
from vardkoll.services.imports.workflows import FHIR_SUFFIXES, read_file
from vardkoll.settings import Settings
from vardkoll.store import (
    ImportRejected,
    Lang,
    ProblemLike,
    ValidatedLike,
    import_validated,
    mask_value,
)

__all__ = [
    "ACCEPTED_SUFFIXES",
    "MAX_FILES",
    "FileOutcome",
    "ImportOperation",
    "ImportProblem",
    "Upload",
    "get_operation",
    "operation_id",
    "require_import_right",
    "run_import",
]

ACCEPTED_SUFFIXES = (".csv", ".xlsx", *FHIR_SUFFIXES)
MAX_FILES = 20
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_OPERATION_ID = re.compile(r"^[0-9a-f]{32}$")
_LOCK = threading.Lock()

OperationStatus = Literal["stored", "rejected"]
FileStatus = Literal["stored", "rejected", "not_stored"]


@dataclass(frozen=True)
class Upload:
    """One posted file: the name the client gave it and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class ImportProblem:
    """One problem with one field of one row of one file (identity values masked)."""

    file: str
    row: int
    field: str
    value: str | None
    code: str
    reason: str


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file (a FHIR file may give one outcome per kind)."""

    file: str
    kind: str
    status: FileStatus
    rows_read: int
    rows_new: int = 0
    rows_superseded: int = 0
    rows_unchanged: int = 0


@dataclass(frozen=True)
class ImportOperation:
    """One posted request and its outcome, as stored and as the API returns it."""

    id: str
    status: OperationStatus
    username: str
    created_at: datetime
    files: tuple[FileOutcome, ...]
    errors: tuple[ImportProblem, ...]

    def to_json(self) -> str:
        body = asdict(self)
        body["created_at"] = self.created_at.isoformat()
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ImportOperation:
        body: dict[str, Any] = json.loads(text)
        return cls(
            id=body["id"],
            status=body["status"],
            username=body["username"],
            created_at=datetime.fromisoformat(body["created_at"]),
            files=tuple(FileOutcome(**f) for f in body["files"]),
            errors=tuple(ImportProblem(**e) for e in body["errors"]),
        )


def require_import_right(principal: Principal) -> None:
    """Default deny: only a role with ``api_import`` (``system_import``) may import."""
    spec = role_spec(principal.role)
    if spec is None or not spec.api_import or not principal.active:
        raise PermissionDenied("Only system accounts for imports (role system_import) import.")


def _safe_name(name: str) -> str:
    """The file's base name, reduced to characters safe on every file system."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _SAFE_NAME.sub("_", base).strip("._")[:100]


def operation_id(username: str, uploads: Sequence[Upload]) -> str:
    """Stable id of a request: the same account posting the same files gets the same id."""
    parts = sorted((_safe_name(u.name), hashlib.sha256(u.content).hexdigest()) for u in uploads)
    text = json.dumps([username, parts], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _folder(settings: Settings) -> Path:
    return settings.data_dir / "api-imports"


def _load(settings: Settings, op_id: str) -> ImportOperation | None:
    if not _OPERATION_ID.match(op_id):
        return None
    path = _folder(settings) / f"{op_id}.json"
    if not path.is_file():
        return None
    return ImportOperation.from_json(path.read_text(encoding="utf-8"))


def _save(settings: Settings, op: ImportOperation) -> None:
    """Write atomically; a stored outcome is never overwritten (the first one is the answer)."""
    folder = _folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{op.id}.json"
    existing = _load(settings, op.id)
    if existing is not None and existing.status == "stored":
        return
    handle, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(op.to_json())
    os.replace(tmp, target)


def get_operation(settings: Settings, principal: Principal, op_id: str) -> ImportOperation:
    """The caller's own operation; another account's looks exactly like a missing one."""
    require_import_right(principal)
    op = _load(settings, op_id)
    if op is None or op.username != principal.username:
        raise NotFound(f"no import {op_id!r} of yours; the id is in the answer to the POST.")
    return op


def _problem(p: ProblemLike, name: str, lang: Lang) -> ImportProblem:
    return ImportProblem(
        file=name,
        row=int(p.row),
        field=p.field,
        value=mask_value(p.field, p.value),
        code=p.code,
        reason=p.message(lang),
    )


def _request_problem(name: str, field: str, value: str | None, reason: str) -> ImportProblem:
    return ImportProblem(
        file=name, row=0, field=field, value=value, code="invalid_input", reason=reason
    )


_REGION_REASON = {
    "sv": "Förloppet hör till region {value}, men kontot importerar för region {region}.",
    "en": "The pathway belongs to region {value}, but the account imports for region {region}.",
}


def _outside_region(
    validated: ValidatedLike, name: str, region: str, lang: Lang
) -> list[ImportProblem]:
    """Waiting-list events whose responsible region is not the account's."""
    table = validated.valid
    if validated.kind != "pathway_events" or "region_code" not in table.column_names:
        return []
    found: list[ImportProblem] = []
    for row, value in zip(
        table.column("_row").to_pylist(), table.column("region_code").to_pylist(), strict=True
    ):
        if value is not None and value != region:
            reason = _REGION_REASON[lang].format(value=value, region=region)
            found.append(
                ImportProblem(name, int(row), "region_code", value, "outside_region", reason)
            )
    return found


def _check_uploads(uploads: Sequence[Upload]) -> list[ImportProblem]:
    problems: list[ImportProblem] = []
    if not uploads:
        problems.append(_request_problem("", "files", None, "Send at least one file."))
    if len(uploads) > MAX_FILES:
        problems.append(
            _request_problem(
                "", "files", str(len(uploads)), f"Send at most {MAX_FILES} files per request."
            )
        )
    seen: set[str] = set()
    for upload in uploads:
        name = _safe_name(upload.name)
        if not name or Path(name).suffix.lower() not in ACCEPTED_SUFFIXES:
            problems.append(
                _request_problem(
                    name or upload.name[:100],
                    "files",
                    upload.name[:100],
                    "Each file needs a name ending in " + ", ".join(ACCEPTED_SUFFIXES) + ".",
                )
            )
        elif name in seen:
            problems.append(
                _request_problem(name, "files", name, "Each file must have its own name.")
            )
        seen.add(name)
    return problems


def _read_all(
    folder: Path, uploads: Sequence[Upload], region: str | None, lang: Lang
) -> tuple[list[tuple[str, ValidatedLike]], list[ImportProblem]]:
    """Every file read and validated; its problems, with the client's file names."""
    validated: list[tuple[str, ValidatedLike]] = []
    problems: list[ImportProblem] = []
    for upload in uploads:
        name = _safe_name(upload.name)
        path = folder / name
        path.write_bytes(upload.content)
        try:
            files = read_file(path)
        except InputError as exc:
            problems.append(
                _request_problem(name, "file", None, exc.message.replace(str(path), name))
            )
            continue
        for v in files:
            problems += [_problem(p, name, lang) for p in v.problems]
            if region is not None:
                problems += _outside_region(v, name, region, lang)
            validated.append((name, v))
    order = {kind: i for i, kind in enumerate(FILE_KINDS)}
    validated.sort(key=lambda item: order.get(item[1].kind, len(order)))  # units first
    return validated, problems


def run_import(
    *,
    settings: Settings,
    engine: Engine,
    principal: Principal,
    uploads: Sequence[Upload],
    lang: str = "sv",
    now: datetime | None = None,
) -> tuple[ImportOperation, bool]:
    """Validate every file, then store them; returns the outcome and whether it is a replay."""
    require_import_right(principal)
    problems = _check_uploads(uploads)
    if problems:
        raise InputError(
            "The request's files cannot be imported: " + " ".join(p.reason for p in problems),
            errors=[{"field": p.field, "code": p.code, "message": p.reason} for p in problems],
        )
    language: Lang = "en" if lang == "en" else "sv"
    op_id = operation_id(principal.username, uploads)
    with _LOCK:  # one import at a time per process; the store serialises across processes
        earlier = _load(settings, op_id)
        if earlier is not None and earlier.status == "stored":
            return earlier, True
        op = _run(settings, engine, principal, uploads, op_id, language, now or datetime.now(UTC))
        _save(settings, op)
    return op, False


def _run(
    settings: Settings,
    engine: Engine,
    principal: Principal,
    uploads: Sequence[Upload],
    op_id: str,
    lang: Lang,
    now: datetime,
) -> ImportOperation:
    def done(
        status: OperationStatus, files: list[FileOutcome], errors: list[ImportProblem]
    ) -> ImportOperation:
        return ImportOperation(op_id, status, principal.username, now, tuple(files), tuple(errors))

    # The files are kept only while they are imported (they hold identity numbers); the folder
    # name ties the import log's file names to the operation.
    _folder(settings).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{op_id}-", dir=_folder(settings)) as tmp:
        validated, problems = _read_all(Path(tmp), uploads, principal.region_code, lang)
        if problems:
            names = {p.file for p in problems}
            files = [
                FileOutcome(name, v.kind, "rejected" if name in names else "not_stored", v.n_read)
                for name, v in validated
            ]
            unreadable = sorted(names - {name for name, _ in validated})
            files += [FileOutcome(name, "unknown", "rejected", 0) for name in unreadable]
            return done("rejected", files, problems)
        key = settings.pseudonym_key()
        outcomes: list[FileOutcome] = []
        for i, (name, v) in enumerate(validated):
            try:
                report = import_validated(engine, v, key=key, lang=lang)
            except ImportRejected as exc:
                outcomes.append(FileOutcome(name, v.kind, "rejected", v.n_read))
                outcomes += [
                    FileOutcome(later, w.kind, "not_stored", w.n_read)
                    for later, w in validated[i + 1 :]
                ]
                return done("rejected", outcomes, [_problem(p, name, lang) for p in exc.problems])
            outcomes.append(
                FileOutcome(
                    name,
                    v.kind,
                    "stored",
                    report.rows_read,
                    report.rows_new,
                    report.rows_superseded,
                    report.rows_unchanged,
                )
            )
    return done("stored", outcomes, [])
