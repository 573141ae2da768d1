"""The analytics store: a DuckDB file with pseudonyms only, built set-based and swapped in whole.

Two ways in, one way out. :func:`build_analytics` reads the current rows of the operational
store; :func:`load_analytics_direct` reads national files straight through the validation of
``vardkoll.ingest`` (passed in as ``read``: the store may not import the ingest layer), one
file at a time. Both stage their rows into a :class:`._analytics_build.StagedBuild`, which

1. replaces each patient identity by its pseudonym — one HMAC per distinct patient of a
   chunk — and derives birth date and sex from the canonical identity in SQL, before anything
   is staged;
2. computes pathways, pauses and responsible units with the domain rules, set-based
   (:mod:`._pathway_sql`), one partition of pathways at a time;
3. writes the tables of docs/reference/analytics-schema.md, in a fixed row order, into a new
   file beside the target, checkpoints it, and ``os.replace``-s it over the old one: a reader
   sees the old file or the new one, never half of either.

Canonical identities live only in memory, one chunk at a time; the scratch file, DuckDB's
spill files and the output file receive nothing but pseudonymised rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from vardkoll.domain import InputError
from vardkoll.store._analytics_build import (
    DEFAULT_CHUNK_ROWS,
    DEFAULT_MEMORY_LIMIT,
    PATIENT_KINDS,
    StagedBuild,
)
from vardkoll.store._analytics_sql import OUTPUT_TABLES
from vardkoll.store._bulk import fetch_arrow, q
from vardkoll.store._kinds import conform, kind_spec
from vardkoll.store._models_log import FILE_KINDS
from vardkoll.store._problems import ImportRejected, ProblemLike, ValidatedLike

__all__ = [
    "ANALYTICS_TABLES",
    "AnalyticsBuildReport",
    "analytics_checksums",
    "build_analytics",
    "load_analytics_direct",
]

ANALYTICS_TABLES = (*OUTPUT_TABLES, "build_info")


@dataclass(frozen=True)
class AnalyticsBuildReport:
    """What a build wrote: where, as of when, from what, and how many rows per table."""

    path: Path
    as_of: dt.date
    source: str
    rows: Mapping[str, int]
    patients: int
    seconds: float


def _today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Stockholm")).date()


def _read_current(engine: Engine) -> dict[str, pa.Table]:
    """The current version of every row of every file kind, in one consistent snapshot."""
    tables: dict[str, pa.Table] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            types = fetch_arrow(
                conn,
                "SELECT identity AS patient_id, identity_type AS patient_id_type FROM patients",
                pa.schema([("patient_id", pa.string()), ("patient_id_type", pa.string())]),
            )
            for kind in FILE_KINDS:
                spec = kind_spec(kind)
                cols = ", ".join(q(c) for c in spec.columns)
                tables[kind] = fetch_arrow(
                    conn,
                    f"SELECT {cols} FROM {q(kind)} WHERE superseded_by IS NULL",
                    spec.schema,
                )
    for kind in PATIENT_KINDS:
        table = tables[kind]
        index = pc.index_in(table.column("patient_id"), types.column("patient_id"))
        tables[kind] = table.append_column(
            "patient_id_type", types.column("patient_id_type").take(index)
        )
    return tables


def build_analytics(
    engine: Engine,
    path: Path,
    *,
    key: bytes,
    as_of: dt.date | None = None,
    rule_set: str = "se-national",
) -> AnalyticsBuildReport:
    """Rebuild the analytics store at ``path`` from the operational store.

    ``as_of`` (default: today in Sweden) is the date the pathway states are replayed to;
    ``rule_set`` judges the guarantee (a redress offer declined after a breach voids it).
    """
    started = time.perf_counter()
    tables = _read_current(engine)
    return _write(
        Path(path),
        tables,
        key=key,
        as_of=as_of or _today(),
        source="operational store",
        rule_set=rule_set,
        started=started,
    )


def load_analytics_direct(
    paths: Iterable[Path],
    path: Path,
    *,
    key: bytes,
    read: Callable[[Path], ValidatedLike],
    accept_valid: bool = False,
    as_of: dt.date | None = None,
    rule_set: str = "se-national",
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> AnalyticsBuildReport:
    """Build the analytics store at ``path`` straight from files (the national path).

    Each file goes through ``read`` (``vardkoll.ingest.read_and_validate``: vectorised
    validation) and is staged before the next is read, so memory holds one file at a time
    (see :mod:`._analytics_build`; ``chunk_rows`` and ``memory_limit`` bound the rest). Any
    invalid row rejects the whole build unless ``accept_valid``, in which case invalid rows
    are left out. Where several files carry the same natural key, the later file in
    ``paths`` wins — as a later import would supersede an earlier one.

    Raises
    ------
    ImportRejected
        Some file has invalid rows and ``accept_valid`` is false; nothing was written.
    """
    started = time.perf_counter()
    files = [Path(p) for p in paths]
    if not files:
        raise InputError("load_analytics_direct needs at least one file; got none.")
    problems: list[ProblemLike] = []
    with StagedBuild(path, key=key, chunk_rows=chunk_rows, memory_limit=memory_limit) as build:
        for order, file in enumerate(files):
            validated = read(file)
            problems += validated.problems
            if problems and not accept_valid:
                del validated  # read on only to report every problem
                continue
            kind = validated.kind
            table = conform(validated.valid, kind_spec(kind), validated.source)
            del validated
            build.add(kind, table, file=order)
            del table
        if problems and not accept_valid:
            raise ImportRejected(
                ", ".join(f.name for f in files), sorted(problems, key=lambda p: (p.file, p.row))
            )
        return _finish(
            build,
            as_of=as_of or _today(),
            source="files: " + ", ".join(f.name for f in files),
            rule_set=rule_set,
            started=started,
        )


def _write(
    path: Path,
    tables: Mapping[str, pa.Table],
    *,
    key: bytes,
    as_of: dt.date,
    source: str,
    rule_set: str,
    started: float,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> AnalyticsBuildReport:
    """Build the store from whole tables of current rows (one table per kind)."""
    with StagedBuild(Path(path), key=key, chunk_rows=chunk_rows) as build:
        for kind, table in tables.items():
            build.add(kind, table)
        return _finish(build, as_of=as_of, source=source, rule_set=rule_set, started=started)


def _finish(
    build: StagedBuild, *, as_of: dt.date, source: str, rule_set: str, started: float
) -> AnalyticsBuildReport:
    # OUTPUT_TABLES is looked up here, at call time, so a test can break one table.
    rows, patients = build.write(OUTPUT_TABLES, as_of=as_of, source=source, rule_set=rule_set)
    return AnalyticsBuildReport(
        path=build.path,
        as_of=as_of,
        source=source,
        rows=rows,
        patients=patients,
        seconds=time.perf_counter() - started,
    )


def analytics_checksums(path: Path) -> dict[str, str]:
    """SHA-256 of each table's rows (``build_info`` without its build time)."""
    out: dict[str, str] = {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        for name in ANALYTICS_TABLES:
            select = (
                "SELECT as_of, source, rows_pathways FROM build_info"
                if name == "build_info"
                else f"SELECT * FROM {name}"
            )
            digest = hashlib.sha256()
            for row in con.execute(select).fetchall():
                digest.update(repr(row).encode())
            out[name] = digest.hexdigest()
    finally:
        con.close()
    return out
