"""The analytics store: a DuckDB file with pseudonyms only, built set-based and swapped in whole.

Two ways in, one way out. :func:`build_analytics` reads the current rows of the operational
store; :func:`load_analytics_direct` reads national files straight through the validation of
``vardkoll.ingest`` (passed in as ``read``: the store may not import the ingest layer). Both
hand typed Arrow tables to :func:`_write`, which

1. replaces each patient identity by its pseudonym — one HMAC per distinct patient — and
   derives birth date and sex from the canonical identity in SQL, before anything is written;
2. computes pathways, pauses and responsible units with the domain rules, set-based
   (:mod:`._pathway_sql`);
3. writes the tables of docs/reference/analytics-schema.md, in a fixed row order, into a new
   file beside the target, checkpoints it, and ``os.replace``-s it over the old one: a reader
   sees the old file or the new one, never half of either.

Canonical identities live only in an in-memory DuckDB connection; the output file is attached
to it and receives nothing but the finished, pseudonymised tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from vardkoll.domain import InputError, StoreError
from vardkoll.store._analytics_sql import IDENTITY_FACTS_SQL, OUTPUT_TABLES
from vardkoll.store._bulk import fetch_arrow, q
from vardkoll.store._kinds import conform, kind_spec
from vardkoll.store._models_log import FILE_KINDS
from vardkoll.store._pathway_sql import build_pathway_tables, limits_table, paused_days_sql
from vardkoll.store._problems import ImportRejected, ProblemLike, ValidatedLike
from vardkoll.store._pseudonym import pseudonymise_many

__all__ = [
    "ANALYTICS_TABLES",
    "AnalyticsBuildReport",
    "analytics_checksums",
    "build_analytics",
    "load_analytics_direct",
]

ANALYTICS_TABLES = (*OUTPUT_TABLES, "build_info")
_PATIENT_KINDS = ("pathway_events", "ed_visits", "inpatient_stays")


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
    for kind in _PATIENT_KINDS:
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
) -> AnalyticsBuildReport:
    """Build the analytics store at ``path`` straight from files (the national path).

    Each file goes through ``read`` (``vardkoll.ingest.read_and_validate``: vectorised
    validation). Any invalid row rejects the whole build unless ``accept_valid``, in which
    case invalid rows are left out. Where several files carry the same natural key, the
    later file in ``paths`` wins — as a later import would supersede an earlier one.

    Raises
    ------
    ImportRejected
        Some file has invalid rows and ``accept_valid`` is false; nothing was written.
    """
    started = time.perf_counter()
    files = [Path(p) for p in paths]
    if not files:
        raise InputError("load_analytics_direct needs at least one file; got none.")
    by_kind: dict[str, list[pa.Table]] = {}
    problems: list[ProblemLike] = []
    for order, file in enumerate(files):
        validated = read(file)
        problems += validated.problems
        table = conform(validated.valid, kind_spec(validated.kind), validated.source)
        by_kind.setdefault(validated.kind, []).append(
            table.append_column("_file", pa.array([order] * table.num_rows, pa.int64()))
        )
    if problems and not accept_valid:
        raise ImportRejected(
            ", ".join(f.name for f in files), sorted(problems, key=lambda p: (p.file, p.row))
        )
    tables = {kind: _latest_per_key(kind, parts) for kind, parts in by_kind.items()}
    return _write(
        Path(path),
        tables,
        key=key,
        as_of=as_of or _today(),
        source="files: " + ", ".join(f.name for f in files),
        rule_set=rule_set,
        started=started,
    )


def _latest_per_key(kind: str, parts: list[pa.Table]) -> pa.Table:
    """One row per natural key: the one from the latest file (then the latest row).

    Validation already refuses a key twice within one file, so a single file is kept as it
    is; across files only the narrow key columns go through the window.
    """
    if len(parts) == 1:
        return parts[0].drop_columns(["_file"])
    spec = kind_spec(kind)
    table = pa.concat_tables(parts)
    keys = ", ".join(q(k) for k in spec.key)
    narrow = table.select([*spec.key, "_file", "_row"]).append_column(
        "_i", pa.array(range(table.num_rows), pa.int64())
    )
    con = duckdb.connect()
    try:
        con.register("t", narrow)
        keep = con.sql(
            f"""SELECT _i FROM t
            QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _file DESC, _row DESC) = 1
            ORDER BY _i"""
        ).to_arrow_table()
    finally:
        con.close()
    return table.take(keep.column("_i")).drop_columns(["_file"])


def _pseudonyms(tables: Mapping[str, pa.Table], key: bytes) -> pa.Table:
    """Distinct patients with their pseudonym: one HMAC each, however many rows name them."""
    ids: list[pa.ChunkedArray] = []
    types: list[pa.ChunkedArray] = []
    for kind in _PATIENT_KINDS:
        if kind in tables:
            ids.append(tables[kind].column("patient_id"))
            types.append(tables[kind].column("patient_id_type"))
    if not ids:
        return pa.table(
            {"patient_id": [], "identity_type": [], "patient_pseudonym": []},
            schema=pa.schema(
                [
                    ("patient_id", pa.string()),
                    ("identity_type", pa.string()),
                    ("patient_pseudonym", pa.string()),
                ]
            ),
        )
    all_ids = pa.chunked_array([c for col in ids for c in col.chunks], pa.string())
    all_types = pa.chunked_array([c for col in types for c in col.chunks], pa.string())
    unique = pc.unique(all_ids)
    first = pc.index_in(unique, all_ids)
    canonical = unique.to_pylist()
    pseudonyms = pseudonymise_many(canonical, key)
    return pa.table(
        {
            "patient_id": unique,
            "identity_type": all_types.take(first),
            "patient_pseudonym": pa.array(pseudonyms, pa.string()),
        }
    )


def _replace_identity(table: pa.Table, patients: pa.Table) -> pa.Table:
    """``table`` with ``patient_id`` holding the pseudonym (vectorised lookup)."""
    index = pc.index_in(table.column("patient_id"), patients.column("patient_id"))
    pseudonyms = patients.column("patient_pseudonym").take(index)
    position = table.schema.get_field_index("patient_id")
    return table.set_column(position, "patient_id", pseudonyms).drop_columns(["patient_id_type"])


def _empty(kind: str) -> pa.Table:
    spec = kind_spec(kind)
    table = spec.schema.empty_table()
    if spec.patient_column:
        table = table.append_column("patient_id_type", pa.array([], pa.string()))
    return table


def _write(
    path: Path,
    tables: Mapping[str, pa.Table],
    *,
    key: bytes,
    as_of: dt.date,
    source: str,
    rule_set: str,
    started: float,
) -> AnalyticsBuildReport:
    if not key:
        raise InputError("the analytics store needs a non-empty pseudonymisation key.")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.building")
    patients = _pseudonyms(tables, key)
    inputs = {kind: tables.get(kind, _empty(kind)) for kind in FILE_KINDS}
    # From here on every patient column holds the pseudonym, never the identity.
    pseudonymised = {kind: _replace_identity(inputs[kind], patients) for kind in _PATIENT_KINDS}
    con = duckdb.connect()
    try:
        con.register("vk_pat", patients)
        for kind in FILE_KINDS:
            if kind not in _PATIENT_KINDS:
                con.register(f"in_{kind}", inputs[kind])
        for kind, table in pseudonymised.items():
            con.register(f"ps_{kind}", table)
        con.execute(IDENTITY_FACTS_SQL)
        con.unregister("vk_pat")
        build_pathway_tables(
            con, pseudonymised["pathway_events"], limits=limits_table(rule_set), as_of=as_of
        )
        con.execute(f"CREATE TEMP TABLE vk_paused AS {paused_days_sql(as_of)}")
        con.execute(f"ATTACH {_literal(str(tmp))} AS out")
        rows: dict[str, int] = {}
        for name, select in OUTPUT_TABLES.items():
            con.execute(f"CREATE TABLE out.{name} AS {select}")
            rows[name] = int(con.execute(f"SELECT count(*) FROM out.{name}").fetchone()[0])  # type: ignore[index]
        con.execute(
            """CREATE TABLE out.build_info (built_at TIMESTAMPTZ, as_of DATE, source VARCHAR,
                                            rows_pathways BIGINT)"""
        )
        con.execute(
            "INSERT INTO out.build_info VALUES (?, ?, ?, ?)",
            [dt.datetime.now(dt.UTC), as_of, source, rows["pathways"]],
        )
        con.execute("CHECKPOINT out")
        con.execute("DETACH out")
    except BaseException:
        con.close()
        _remove(tmp)
        raise
    con.close()
    _replace(tmp, path)
    rows["build_info"] = 1
    return AnalyticsBuildReport(
        path=path,
        as_of=as_of,
        source=source,
        rows=rows,
        patients=patients.num_rows,
        seconds=time.perf_counter() - started,
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _remove(tmp: Path) -> None:
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _replace(tmp: Path, path: Path) -> None:
    """Make the new file durable, then swap it in with one atomic rename."""
    try:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        _remove(tmp)
        raise StoreError(
            f"could not put the new analytics store in place at {path}: {exc.strerror}; "
            "check that the directory is writable and has free space."
        ) from exc


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
