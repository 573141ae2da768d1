"""Building the analytics store in bounded memory: stage chunk by chunk, replay by partition.

A national build reads 46 million rows; holding them all as Arrow tables (and every
intermediate of the pathway replay) took about 1 GB per million rows. Here nothing is held
whole in Python:

1. each file (or each table of the operational store) is cut into chunks of ``chunk_rows``;
   a chunk's patient identities are replaced by their pseudonyms — and its identity facts
   (type, birth date, sex) derived — in memory, and only then is the chunk appended to a
   staging table of a scratch DuckDB file beside the target. The scratch file and DuckDB's
   spill files therefore never hold an identity;
2. where several files carry the same natural key, the later one wins (as a later import would
   supersede an earlier one): duplicates are found by hash, then resolved exactly;
3. the pathway replay (:mod:`._pathway_sql`) runs per partition of pathways — by a hash of
   ``(source_system, pathway_id)``, about ``chunk_rows`` events each — and every rule in it
   is per pathway, so the partitions' results are simply appended;
4. the output tables are written by the same SELECTs (:mod:`._analytics_sql`) into a new file
   beside the target, which is renamed over the old one only when complete.

DuckDB's own memory is capped (``memory_limit``) and it spills to the scratch folder; the
result is the same rows, in the same order, however small the chunks (a test builds with tiny
chunks and compares checksums).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.domain import InputError, StoreError
from vardkoll.store._analytics_sql import IDENTITY_FACTS_SELECT
from vardkoll.store._bulk import q
from vardkoll.store._kinds import kind_spec
from vardkoll.store._models_log import FILE_KINDS
from vardkoll.store._pathway_sql import build_pathway_tables, limits_table, paused_days_sql
from vardkoll.store._pseudonym import pseudonymise_many

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_MEMORY_LIMIT",
    "PATIENT_KINDS",
    "SNAPSHOT_MONTHS",
    "StagedBuild",
]

PATIENT_KINDS = ("pathway_events", "ed_visits", "inpatient_stays")
DEFAULT_CHUNK_ROWS = 2_000_000
DEFAULT_MEMORY_LIMIT = "3GB"
SNAPSHOT_MONTHS = 48
_EXTRA = (("_row", pa.int64()), ("_file", pa.int64()), ("_seq", pa.int64()))
_PATHWAY_RESULTS = ("vk_state", "vk_pauses", "vk_units", "vk_paused")


def _staged_schema(kind: str) -> pa.Schema:
    """A kind's columns (patient column holding the pseudonym) plus the staging order."""
    schema = kind_spec(kind).schema
    for name, dtype in _EXTRA:
        schema = schema.append(pa.field(name, dtype))
    return schema


class StagedBuild:
    """One build: :meth:`add` chunks of current rows, then :meth:`write` the store once.

    Always :meth:`close` (a ``with`` block does): it removes the scratch folder and, unless
    :meth:`write` succeeded, the half-built file — so a failed build leaves the old store.
    """

    def __init__(
        self,
        path: Path,
        *,
        key: bytes,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        memory_limit: str = DEFAULT_MEMORY_LIMIT,
    ) -> None:
        if not key:
            raise InputError("the analytics store needs a non-empty pseudonymisation key.")
        if chunk_rows < 1:
            raise InputError(f"chunk_rows must be at least 1; got {chunk_rows}.")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _sweep_debris(self.path)
        stem = f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        self.tmp = self.path.with_name(stem + ".building")
        self.scratch = self.path.with_name(stem + ".scratch")
        self.scratch.mkdir()
        self.key = key
        self.chunk_rows = chunk_rows
        self._seq = 0
        self._files: dict[str, set[int]] = {kind: set() for kind in FILE_KINDS}
        self._written = False
        try:
            self.con = duckdb.connect(
                str(self.scratch / "staging.duckdb"),
                config={
                    "memory_limit": memory_limit,
                    "temp_directory": str(self.scratch / "spill"),
                    "preserve_insertion_order": True,
                },
            )
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise
        try:
            self._create_staging()
        except BaseException:
            self.close()
            raise

    def _create_staging(self) -> None:
        for kind in FILE_KINDS:
            self.con.register("vk_chunk", _staged_schema(kind).empty_table())
            self.con.execute(f"CREATE TABLE st_{kind} AS SELECT * FROM vk_chunk")
            self.con.unregister("vk_chunk")
        self.con.register("vk_pat", _patients(pa.array([], pa.string()), [], []))
        self.con.execute(
            f"CREATE TABLE st_facts AS SELECT *, CAST(0 AS BIGINT) AS _prio "
            f"FROM ({IDENTITY_FACTS_SELECT}) LIMIT 0"
        )
        self.con.unregister("vk_pat")

    def __enter__(self) -> StagedBuild:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- staging ---------------------------------------------------------------------------

    def add(self, kind: str, table: pa.Table, *, file: int = 0) -> None:
        """Stage current rows of ``kind``; ``file`` orders files (a later one wins a key).

        ``table`` has the kind's columns (``patient_id`` canonical, with ``patient_id_type``,
        for patient kinds) and optionally ``_row``, the row in its file.
        """
        spec = kind_spec(kind)
        if "_row" not in table.column_names:
            table = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
        schema = _staged_schema(kind)
        for start in range(0, table.num_rows, self.chunk_rows):
            chunk = table.slice(start, self.chunk_rows)
            if spec.patient_column:
                chunk = self._pseudonymise(kind, chunk)
            n = chunk.num_rows
            chunk = chunk.select([*spec.columns, "_row"])
            chunk = chunk.append_column("_file", pa.array([file] * n, pa.int64()))
            chunk = chunk.append_column(
                "_seq", pa.array(range(self._seq, self._seq + n), pa.int64())
            )
            self._insert(f"st_{kind}", chunk.cast(schema))
            self._seq += n
        self._files[kind].add(file)

    def _insert(self, table: str, rows: pa.Table) -> None:
        self.con.register("vk_chunk", rows)
        try:
            self.con.execute(f"INSERT INTO {table} SELECT * FROM vk_chunk")
        finally:
            self.con.unregister("vk_chunk")

    def _pseudonymise(self, kind: str, chunk: pa.Table) -> pa.Table:
        """The chunk with pseudonyms; its patients' facts go to ``st_facts`` (one HMAC each)."""
        ids = chunk.column("patient_id")
        unique = pc.unique(ids)
        first = pc.index_in(unique, ids)
        pseudonyms = pseudonymise_many(unique.to_pylist(), self.key)
        patients = _patients(unique, chunk.column("patient_id_type").take(first), pseudonyms)
        # The first row naming a patient sets its identity type, as one pass over all
        # patient kinds in order would: kind first, then staging order.
        prio = PATIENT_KINDS.index(kind) * 2**48 + self._seq
        self.con.register("vk_pat", patients)
        try:
            self.con.execute(
                f"INSERT INTO st_facts SELECT *, CAST(? AS BIGINT) AS _prio "
                f"FROM ({IDENTITY_FACTS_SELECT})",
                [prio],
            )
        finally:
            self.con.unregister("vk_pat")
        position = chunk.schema.get_field_index("patient_id")
        replaced = patients.column("patient_pseudonym").take(pc.index_in(ids, unique))
        return chunk.set_column(position, "patient_id", replaced).drop_columns(["patient_id_type"])

    def _latest_per_key(self, kind: str) -> None:
        """Across files, keep one row per natural key: the later file's (then later row)."""
        if len(self._files[kind]) < 2:
            return
        keys = ", ".join(q(k) for k in kind_spec(kind).key)
        self.con.execute(
            f"""DELETE FROM st_{kind} WHERE _seq IN (
                SELECT _seq FROM (
                    SELECT _seq, row_number() OVER (
                        PARTITION BY {keys} ORDER BY _file DESC, _row DESC) AS rn
                    FROM st_{kind}
                    WHERE hash({keys}) IN (
                        SELECT h FROM (SELECT hash({keys}) AS h FROM st_{kind})
                        GROUP BY h HAVING count(*) > 1))
                WHERE rn > 1)"""
        )

    # -- building --------------------------------------------------------------------------

    def _replay(self, *, as_of: dt.date, rule_set: str) -> None:
        """Pathway states, pauses, units and paused days, one partition of pathways at a time."""
        con = self.con
        row = con.execute("SELECT count(*) FROM st_pathway_events").fetchone()
        parts = max(1, math.ceil((row[0] if row else 0) / self.chunk_rows))
        columns = ", ".join(q(c) for c in kind_spec("pathway_events").columns)
        limits = limits_table(rule_set)
        for part in range(parts):
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE vk_part AS
                SELECT {columns}, _row, _seq AS _i FROM st_pathway_events
                WHERE hash(source_system, pathway_id) % {parts} = {part}"""
            )
            build_pathway_tables(con, "vk_part", limits=limits, as_of=as_of)
            con.execute(f"CREATE OR REPLACE TEMP TABLE vk_paused AS {paused_days_sql(as_of)}")
            for name in _PATHWAY_RESULTS:
                if part == 0:
                    con.execute(f"CREATE TABLE acc_{name} AS SELECT * FROM {name}")
                else:
                    con.execute(f"INSERT INTO acc_{name} SELECT * FROM {name}")
            self._drop_temp()
        for name in _PATHWAY_RESULTS:
            con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM acc_{name}")

    def _drop_temp(self) -> None:
        """Drop the replay's intermediates (views first: they may name the tables)."""
        views = self.con.execute(
            "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
        ).fetchall()
        tables = self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary"
        ).fetchall()
        for object_type, names in (("VIEW", views), ("TABLE", tables)):
            for (name,) in names:
                self.con.execute(f"DROP {object_type} IF EXISTS temp.{q(name)}")

    def write(
        self,
        output_tables: Mapping[str, str],
        *,
        as_of: dt.date,
        source: str,
        rule_set: str,
    ) -> tuple[dict[str, int], int]:
        """Write the store and swap it in; returns rows per table and distinct patients."""
        con = self.con
        for kind in FILE_KINDS:
            self._latest_per_key(kind)
        con.execute(
            """CREATE TABLE vk_facts AS
            SELECT patient_pseudonym, arg_min(identity_type, _prio) AS identity_type,
                   arg_min(birth_date, _prio) AS birth_date, arg_min(sex, _prio) AS sex
            FROM st_facts GROUP BY patient_pseudonym"""
        )
        con.execute("DROP TABLE st_facts")
        self._replay(as_of=as_of, rule_set=rule_set)
        for kind in FILE_KINDS:
            prefix = "ps" if kind in PATIENT_KINDS else "in"
            con.execute(
                f"CREATE TEMP VIEW {prefix}_{kind} AS SELECT * EXCLUDE (_file, _seq) FROM st_{kind}"
            )
        con.register("vk_limits", limits_table(rule_set))
        con.register("vk_snapshot_dates", _snapshot_dates(as_of, rule_set))
        con.execute(f"ATTACH {_literal(str(self.tmp))} AS out")
        rows: dict[str, int] = {}
        for name, select in output_tables.items():
            con.execute(f"CREATE TABLE out.{name} AS {select}")
            counted = con.execute(f"SELECT count(*) FROM out.{name}").fetchone()
            rows[name] = int(counted[0]) if counted else 0
        con.execute(
            """CREATE TABLE out.build_info (built_at TIMESTAMPTZ, as_of DATE, source VARCHAR,
                                            rows_pathways BIGINT)"""
        )
        con.execute(
            "INSERT INTO out.build_info VALUES (?, ?, ?, ?)",
            [dt.datetime.now(dt.UTC), as_of, source, rows.get("pathways", 0)],
        )
        con.execute("CHECKPOINT out")
        con.execute("DETACH out")
        counted = con.execute(
            " UNION ".join(f"SELECT patient_id FROM st_{kind}" for kind in PATIENT_KINDS).join(
                ["SELECT count(*) FROM (", ")"]
            )
        ).fetchone()
        patients = int(counted[0]) if counted else 0
        con.close()
        _replace(self.tmp, self.path)
        self._written = True
        rows["build_info"] = 1
        return rows, patients

    def close(self) -> None:
        """Release DuckDB and remove the scratch folder (and an unfinished output file)."""
        try:
            self.con.close()
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)
            if not self._written:
                _remove(self.tmp)


def _sweep_debris(path: Path) -> None:
    """Remove what builds of ``path`` killed outright (``kill -9``, power cut) left behind.

    Their names carry the builder's process id; a build whose process is gone cannot finish,
    so its scratch folder and half-written file go. Running builds are left alone.
    """
    for leftover in path.parent.glob(f".{path.name}.*"):
        parts = leftover.name[len(path.name) + 2 :].split(".")
        if len(parts) < 3 or not parts[0].isdigit() or parts[2] not in ("scratch", "building"):
            continue
        if _alive(int(parts[0])):
            continue
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _snapshot_dates(as_of: dt.date, rule_set: str) -> pa.Table:
    """``as_of`` and the ``SNAPSHOT_MONTHS - 1`` month ends before it (``waiting_snapshots``).

    Enough for the overview of any of the 24 dates one can pick, each with its 24-month trend.
    """
    ends = [as_of]
    first = as_of.replace(day=1)
    for _ in range(SNAPSHOT_MONTHS - 1):
        end = first - dt.timedelta(days=1)
        ends.append(end)
        first = end.replace(day=1)
    return pa.table(
        {"month_end": pa.array(sorted(ends), pa.date32()), "rule_set": [rule_set] * len(ends)}
    )


def _patients(ids: pa.Array, types: pa.Array | list[str], pseudonyms: list[str]) -> pa.Table:
    return pa.table(
        {
            "patient_id": pa.array(ids, pa.string()),
            "identity_type": pa.array(types, pa.string()),
            "patient_pseudonym": pa.array(pseudonyms, pa.string()),
        }
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
