"""Importing files and building the analytics store: the workflows behind ``vardkoll import``
and ``vardkoll analytics build`` (and, later, the web upload).

A file is read and validated by ``vardkoll.ingest`` (CSV and XLSX; FHIR R4 for ``.json`` and
``.ndjson``), then stored by ``vardkoll.store`` in one transaction. A file with an invalid
row is rejected whole unless ``accept_valid``; either way the result lists every problem, so
the caller can show them and write the error report. The operational store is brought up to
date first, so a fresh installation can import without a separate ``vardkoll db upgrade``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vardkoll import ingest
from vardkoll.domain import InputError
from vardkoll.settings import Settings
from vardkoll.store import (
    AnalyticsBuildReport,
    ImportRejected,
    ImportReport,
    Lang,
    ProblemLike,
    ValidatedLike,
    build_analytics,
    import_validated,
    load_analytics_direct,
    make_engine,
    upgrade,
)

__all__ = [
    "FHIR_SUFFIXES",
    "FileImportResult",
    "ImportProgress",
    "build_analytics_store",
    "import_files",
    "load_national_files",
    "pseudonym_key",
    "read_file",
]

FHIR_SUFFIXES = (".json", ".ndjson")
ImportProgress = Callable[[str, int, int], None]
"""``progress(source, done, total)`` while a file's rows are stored."""


@dataclass(frozen=True)
class FileImportResult:
    """The outcome for one validated file (a FHIR file may yield several, one per kind).

    ``report`` is ``None`` when the file was rejected (nothing stored); ``problems`` lists
    every problem found, stored in quarantine or not.
    """

    source: str
    kind: str
    rows_read: int
    report: ImportReport | None
    problems: tuple[ProblemLike, ...]

    @property
    def rejected(self) -> bool:
        return self.report is None

    @property
    def rows_with_problems(self) -> int:
        return len({p.row for p in self.problems})


def pseudonym_key(settings: Settings) -> bytes:
    """The HMAC key of the patient pseudonym (per installation; see Settings.pseudonym_key)."""
    return settings.pseudonym_key()


def read_file(path: Path, *, kind: str | None = None) -> list[ValidatedLike]:
    """Read and validate one file: CSV/XLSX by the import format, FHIR by its resources."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path and try again.", file=str(path))
    if path.suffix.lower() in FHIR_SUFFIXES:
        read_fhir: Any = getattr(ingest, "read_fhir", None)
        if read_fhir is None:  # pragma: no cover - the FHIR reader ships with ingest
            raise InputError(f"{path}: FHIR import is not available in this installation.")
        return list(read_fhir(path))
    return [ingest.read_and_validate(path, kind=kind)]


def import_files(
    paths: Sequence[Path],
    *,
    settings: Settings,
    accept_valid: bool = False,
    kind: str | None = None,
    lang: str = "sv",
    progress: ImportProgress | None = None,
) -> list[FileImportResult]:
    """Import each file in turn (one transaction per file); never stops at a rejected file."""
    url = settings.resolved_database_url()
    upgrade(url)
    engine = make_engine(url)
    key = pseudonym_key(settings)
    language: Lang = "en" if lang == "en" else "sv"
    results: list[FileImportResult] = []
    try:
        for path in paths:
            for validated in read_file(path, kind=kind):
                source = validated.source

                def step(done: int, total: int, source: str = source) -> None:
                    if progress is not None:
                        progress(source, done, total)

                try:
                    report = import_validated(
                        engine,
                        validated,
                        accept_valid=accept_valid,
                        progress=step,
                        key=key,
                        lang=language,
                    )
                except ImportRejected as exc:
                    results.append(
                        FileImportResult(
                            source, validated.kind, validated.n_read, None, exc.problems
                        )
                    )
                    continue
                results.append(
                    FileImportResult(
                        source, validated.kind, validated.n_read, report, tuple(report.problems)
                    )
                )
    finally:
        engine.dispose()
    return results


def build_analytics_store(
    *, settings: Settings, as_of: dt.date | None = None
) -> AnalyticsBuildReport:
    """Rebuild the analytics store from the operational store (``vardkoll analytics build``)."""
    url = settings.resolved_database_url()
    upgrade(url)
    engine = make_engine(url)
    try:
        return build_analytics(
            engine,
            settings.resolved_analytics_path(),
            key=pseudonym_key(settings),
            as_of=as_of,
        )
    finally:
        engine.dispose()


def load_national_files(
    paths: Iterable[Path],
    *,
    settings: Settings,
    accept_valid: bool = False,
    as_of: dt.date | None = None,
) -> AnalyticsBuildReport:
    """Build the analytics store straight from files, bypassing the operational store."""
    return load_analytics_direct(
        [Path(p) for p in paths],
        settings.resolved_analytics_path(),
        key=pseudonym_key(settings),
        read=lambda p: ingest.read_and_validate(p),
        accept_valid=accept_valid,
        as_of=as_of,
    )
