"""Scheduled imports from a watched folder: what a record system's nightly export drops off.

**When is a set complete?** A writer that is still copying must never be imported half-way.

- *Marker* (default, recommended): the producer writes its files, then creates an empty marker
  last. A file set is a subfolder ``DIR/<name>/`` holding a ``.ready`` file, or a single file
  ``DIR/<file>`` next to ``DIR/<file>.ready``.
- *Settling* (``settle_seconds``, for producers that cannot write a marker): a set is complete
  when none of its files changed for that many seconds and their sizes stay the same across
  a second look one second later.

**Each set is handled once.** One pass at a time holds ``DIR/.vardkoll-watch.lock``. A set is
first claimed by renaming it into ``DIR/processing/`` (a rename is atomic), imported through
the ordinary path (:func:`vardkoll.services.imports.workflows.import_files`: one transaction per
file,
files in name order), then moved to ``DIR/done/<UTC timestamp>-<name>/`` or
``DIR/failed/<…>/`` with ``errors.csv`` (every problem, values masked) and ``result.json``
(counts) beside the files.
A set found in ``processing/`` after a crash is imported again: imports are idempotent (a file
already stored is recognised by its checksum), so nothing is stored twice.

Log lines carry set and file names with anything shaped like an identity number masked, and
counts; never row values.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from vardkoll.domain import InputError, VardkollError
from vardkoll.ingest import write_error_report
from vardkoll.services.imports.workflows import FHIR_SUFFIXES, FileImportResult, import_files
from vardkoll.settings import Settings

__all__ = [
    "IMPORT_SUFFIXES",
    "MARKER",
    "SetOutcome",
    "find_ready_sets",
    "mask_identity",
    "watch",
    "watch_once",
]

log = logging.getLogger("vardkoll.watch")

MARKER = ".ready"
LOCK = ".vardkoll-watch.lock"
IMPORT_SUFFIXES = (".csv", ".xlsx", *FHIR_SUFFIXES)
RESERVED = ("done", "failed", "processing")
_STAMPED = re.compile(r"^\d{8}T\d{6}Z-")
_IDENTITY_LIKE = re.compile(r"(?<!\d)(\d{6}|\d{8})[-+]?\d{4}(?!\d)")


@dataclass(frozen=True)
class SetOutcome:
    """What happened to one file set."""

    name: str
    status: str  # "done" or "failed"
    destination: Path
    files: int
    rows_new: int
    problems: int
    error: str = ""


def mask_identity(text: str) -> str:
    """Mask anything shaped like a personnummer or samordningsnummer (for logs)."""
    return _IDENTITY_LIKE.sub("<id>", text)


def _is_candidate(path: Path) -> bool:
    return not path.name.startswith(".") and not path.name.endswith((MARKER, ".tmp", ".part"))


def _set_files(path: Path) -> list[Path]:
    """The importable files of a set (a folder's own files, or the one file), in name order."""
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.iterdir()
        if p.is_file() and _is_candidate(p) and p.suffix.lower() in IMPORT_SUFFIXES
    )


def _settled(path: Path, settle_seconds: float, now: float) -> bool:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    if not files or any(now - p.stat().st_mtime < settle_seconds for p in files):
        return False
    sizes = [p.stat().st_size for p in files]
    time.sleep(1.0)
    return sizes == [p.stat().st_size for p in files]


def find_ready_sets(directory: Path, *, settle_seconds: float | None = None) -> list[Path]:
    """The complete sets waiting in ``directory`` (see the module doc), oldest name first."""
    ready: list[Path] = []
    now = time.time()
    for path in sorted(directory.iterdir()):
        if not _is_candidate(path) or path.name in RESERVED:
            continue
        if path.is_file() and path.suffix.lower() not in IMPORT_SUFFIXES:
            continue
        if settle_seconds is None:
            marker = path / MARKER if path.is_dir() else path.with_name(path.name + MARKER)
            if marker.exists():
                ready.append(path)
        elif _settled(path, settle_seconds, now):
            ready.append(path)
    return ready


def _unique(base: Path, name: str) -> Path:
    target = base / name
    n = 1
    while target.exists():
        n += 1
        target = base / f"{name}-{n}"
    return target


def _claim(directory: Path, path: Path, stamp: str) -> Path:
    """Move a ready set (and its marker) into ``processing/`` as a folder of its own."""
    processing = directory / "processing"
    processing.mkdir(exist_ok=True)
    target = _unique(processing, f"{stamp}-{path.name}")
    if path.is_dir():
        os.rename(path, target)
    else:
        target.mkdir()
        try:
            os.rename(path, target / path.name)
        except FileNotFoundError:
            target.rmdir()
            raise
        marker = path.with_name(path.name + MARKER)
        if marker.exists():
            os.rename(marker, target / MARKER)
    return target


def _result_json(results: list[FileImportResult], error: str) -> dict[str, Any]:
    return {
        "error": error,
        "files": [
            {
                "file": Path(r.source).name,
                "kind": r.kind,
                "rows_read": r.rows_read,
                "rejected": r.rejected,
                "rows_new": r.report.rows_new if r.report else 0,
                "rows_unchanged": r.report.rows_unchanged if r.report else 0,
                "rows_quarantined": r.report.rows_quarantined if r.report else 0,
                "problems": len(r.problems),
            }
            for r in results
        ],
    }


def _process(
    claimed: Path, *, directory: Path, settings: Settings, accept_valid: bool, lang: str
) -> SetOutcome:
    name = _STAMPED.sub("", claimed.name)
    files = _set_files(claimed)
    results: list[FileImportResult] = []
    error = ""
    try:
        if not files:
            raise InputError(f"the set holds no importable file ({', '.join(IMPORT_SUFFIXES)}).")
        results = import_files(files, settings=settings, accept_valid=accept_valid, lang=lang)
    except VardkollError as exc:
        error = mask_identity(exc.message)
    except Exception as exc:  # one bad set must not stop the watcher
        error = mask_identity(f"{type(exc).__name__}: {exc}")
    problems = [p for r in results for p in r.problems]
    failed = (
        bool(error) or any(r.rejected for r in results) or (bool(problems) and not accept_valid)
    )
    status = "failed" if failed else "done"
    (claimed / "result.json").write_text(
        json.dumps(_result_json(results, error), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    if problems:
        write_error_report(cast(Any, problems), claimed / "errors.csv", lang=lang)
    archive = directory / status
    archive.mkdir(exist_ok=True)
    destination = _unique(archive, claimed.name)
    os.rename(claimed, destination)
    rows_new = sum(r.report.rows_new for r in results if r.report)
    return SetOutcome(name, status, destination, len(files), rows_new, len(problems), error)


def watch_once(
    directory: Path,
    *,
    settings: Settings,
    accept_valid: bool = False,
    settle_seconds: float | None = None,
    lang: str = "sv",
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> list[SetOutcome]:
    """Import every complete set once; first finish sets a crash left in ``processing/``.

    One pass at a time per folder: a pass holds ``DIR/.vardkoll-watch.lock``; a second
    watcher (an overlapping cron run, a second service) finds it taken and skips its pass, so
    it can never mistake a set being imported for one a crash left behind.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: no such folder; create it or check the path.")
    with _folder_lock(directory) as mine:
        if not mine:
            log.info("another watcher is working on %s; skipping this pass", directory.name)
            return []
        return _pass(directory, settings, accept_valid, settle_seconds, lang, now)


@contextmanager
def _folder_lock(directory: Path) -> Iterator[bool]:
    """An exclusive, non-blocking lock on the folder; yields whether it was obtained."""
    with (directory / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _pass(
    directory: Path,
    settings: Settings,
    accept_valid: bool,
    settle_seconds: float | None,
    lang: str,
    now: Callable[[], dt.datetime],
) -> list[SetOutcome]:
    outcomes: list[SetOutcome] = []
    processing = directory / "processing"
    leftovers = sorted(p for p in processing.iterdir() if p.is_dir()) if processing.is_dir() else []
    for claimed in leftovers:
        log.warning("resuming interrupted set %s", mask_identity(claimed.name))
        outcomes.append(_handle(claimed, directory, settings, accept_valid, lang))
    for path in find_ready_sets(directory, settle_seconds=settle_seconds):
        stamp = now().strftime("%Y%m%dT%H%M%SZ")
        try:
            claimed = _claim(directory, path, stamp)
        except FileNotFoundError:  # another watcher took it first
            continue
        outcomes.append(_handle(claimed, directory, settings, accept_valid, lang))
    return outcomes


def _handle(
    claimed: Path, directory: Path, settings: Settings, accept_valid: bool, lang: str
) -> SetOutcome:
    files = ", ".join(mask_identity(p.name) for p in _set_files(claimed))
    log.info("importing set %s: %s", mask_identity(claimed.name), files or "(no files)")
    outcome = _process(
        claimed, directory=directory, settings=settings, accept_valid=accept_valid, lang=lang
    )
    level = logging.INFO if outcome.status == "done" else logging.ERROR
    log.log(
        level,
        "set %s %s: %d files, %d new rows, %d problems%s → %s",
        mask_identity(outcome.name),
        outcome.status,
        outcome.files,
        outcome.rows_new,
        outcome.problems,
        f" ({outcome.error})" if outcome.error else "",
        mask_identity(str(outcome.destination.relative_to(directory))),
    )
    return outcome


def watch(
    directory: Path,
    *,
    settings: Settings,
    interval: float,
    stop: threading.Event,
    accept_valid: bool = False,
    settle_seconds: float | None = None,
    lang: str = "sv",
) -> None:
    """Poll ``directory`` every ``interval`` seconds until ``stop`` is set (long-running mode).

    A set being imported is finished before the loop looks at ``stop`` again.
    """
    if interval <= 0:
        raise InputError(f"--interval must be a positive number of seconds; got {interval}.")
    log.info("watching %s every %s s", mask_identity(str(directory)), interval)
    while not stop.is_set():
        try:
            watch_once(
                directory,
                settings=settings,
                accept_valid=accept_valid,
                settle_seconds=settle_seconds,
                lang=lang,
            )
        except VardkollError as exc:  # e.g. the database is down: say so, try again later
            log.error("watch pass failed: %s", mask_identity(exc.message))
        stop.wait(interval)
