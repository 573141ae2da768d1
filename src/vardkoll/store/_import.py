"""Storing one validated file: one transaction, versioned, all-or-nothing.

The steps, all inside one writing transaction (:func:`._engine.write_transaction`, which also
serialises concurrent imports):

1. record the batch (``import_batches``);
2. stage the valid rows in a temporary table (``COPY`` on PostgreSQL, ``executemany`` on
   SQLite);
3. for pathway events, recompute the touched pathways' states and check the rules that span
   files (:mod:`._pathway_step`);
4. add new patients;
5. merge: a current version whose content differs is marked superseded by this batch, and
   every staged row without an identical current version becomes the new current version;
6. replace the touched pathways' states, write the quarantine, and close the batch.

A kill at any point leaves the store exactly as it was: nothing is visible until the commit.
For the kill tests, ``VARDKOLL_TEST_PAUSE_AT=<step>`` makes the process announce the step on
stderr and stop there (steps: ``locked``, ``staged``, ``checked``, ``merged``, ``pathways``,
``before_commit``, ``committed``) — for an hour, or ``VARDKOLL_TEST_PAUSE_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, insert, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from vardkoll.domain import StoreError
from vardkoll.store._bulk import create_temp_table, drop_temp_table, load_table, q
from vardkoll.store._engine import write_transaction
from vardkoll.store._kinds import KindSpec, conform, kind_spec
from vardkoll.store._models_log import ImportBatch, QuarantinedRow
from vardkoll.store._pathway_step import STATE_STAGE, compute_states, write_states
from vardkoll.store._problems import (
    ImportRejected,
    ImportReport,
    Lang,
    ProblemLike,
    StoreProblem,
    ValidatedLike,
    mask_value,
)
from vardkoll.store._pseudonym import pseudonymise_many

__all__ = ["PAUSE_ENV", "PAUSE_SECONDS_ENV", "import_validated"]

PAUSE_ENV = "VARDKOLL_TEST_PAUSE_AT"
PAUSE_SECONDS_ENV = "VARDKOLL_TEST_PAUSE_SECONDS"
STAGE = "vk_stage"
Progress = Callable[[int, int], None]


def _pause(step: str) -> None:
    """Stop here when a kill test asks for it (announced on stderr, then sleep)."""
    if os.environ.get(PAUSE_ENV) == step:
        print(f"VARDKOLL_PAUSED_AT {step}", file=sys.stderr, flush=True)
        time.sleep(float(os.environ.get(PAUSE_SECONDS_ENV, "3600")))


def _duplicate_keys(table: pa.Table, spec: KindSpec, source: str) -> list[StoreProblem]:
    """Every row whose natural key appears more than once in the file."""
    if table.num_rows == 0:
        return []
    keys = ", ".join(q(k) for k in spec.key)
    con = duckdb.connect()
    try:
        con.register("t", table.select([*spec.key, "_row"]))
        rows = con.execute(
            f"""SELECT {keys}, list(_row ORDER BY _row) FROM t GROUP BY ALL
            HAVING count(*) > 1"""
        ).fetchall()
    finally:
        con.close()
    problems = []
    for *key, dup_rows in rows:
        label = ", ".join(f"{k}={v}" for k, v in zip(spec.key, key, strict=True))
        listed = ", ".join(str(r) for r in dup_rows)
        for r in dup_rows:
            problems.append(
                StoreProblem(
                    source,
                    int(r),
                    spec.key[-1],
                    mask_value(spec.key[-1], str(key[-1])),
                    "duplicate_key",
                    {"key": mask_value("key", label) or "", "rows": listed},
                )
            )
    return problems


def _drop_rows(table: pa.Table, rows: set[int]) -> pa.Table:
    if not rows:
        return table
    return table.filter(pc.invert(pc.is_in(table.column("_row"), pa.array(sorted(rows)))))


def _with_pseudonyms(table: pa.Table, spec: KindSpec, key: bytes | None) -> pa.Table:
    """Add ``_pseudonym``: one HMAC per distinct patient, not per row."""
    if spec.patient_column is None or key is None:
        return table
    ids = table.column(spec.patient_column)
    unique = pc.unique(ids)
    pseudonyms = pa.array(pseudonymise_many(unique.to_pylist(), key), pa.string())
    return table.append_column("_pseudonym", pseudonyms.take(pc.index_in(ids, unique)))


def _merge(conn: Connection, spec: KindSpec, batch_id: int) -> tuple[int, int]:
    """Supersede changed current versions, insert new ones; returns (superseded, inserted).

    A new version's number is the superseded one's plus one (1 for a new key). PostgreSQL
    collects the superseded keys with ``UPDATE … RETURNING`` and joins them; SQLite looks each
    up in the primary key, which is cheap there.
    """
    t = q(spec.table.name)
    sqlite = conn.dialect.name == "sqlite"
    differs = " IS NOT " if sqlite else " IS DISTINCT FROM "

    def match(a: str, b: str) -> str:
        return " AND ".join(f"{a}.{q(k)} = {b}.{q(k)}" for k in spec.key)

    changed = " OR ".join(f"t.{q(c)}{differs}s.{q(c)}" for c in spec.content)
    update = f"""UPDATE {t} AS t SET superseded_by = :b FROM {q(STAGE)} AS s
        WHERE {match("t", "s")} AND t.superseded_by IS NULL AND ({changed})"""
    keys = ", ".join(q(k) for k in spec.key)
    if sqlite:
        superseded = conn.execute(text(update), {"b": batch_id}).rowcount
        previous = f"(SELECT MAX(x.version) FROM {t} x WHERE {match('x', 's')})"
        join = ""
    else:
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE vk_superseded ON COMMIT DROP AS "
            f"SELECT {keys}, version FROM {t} WITH NO DATA"
        )
        superseded = conn.execute(
            text(
                f"""WITH u AS ({update} RETURNING {", ".join(f"t.{q(k)}" for k in spec.key)},
                                t.version)
                INSERT INTO vk_superseded SELECT * FROM u"""
            ),
            {"b": batch_id},
        ).rowcount
        previous = "v.version"
        join = f"LEFT JOIN vk_superseded v ON {match('v', 's')}"
    cols = [*spec.key, *spec.content]
    inserted = conn.execute(
        text(
            f"""INSERT INTO {t} ({", ".join(q(c) for c in cols)}, version, batch_id)
            SELECT {", ".join(f"s.{q(c)}" for c in cols)}, COALESCE({previous}, 0) + 1, :b
            FROM {q(STAGE)} s {join}
            WHERE NOT EXISTS (SELECT 1 FROM {t} c
                              WHERE {match("c", "s")} AND c.superseded_by IS NULL)"""
        ),
        {"b": batch_id},
    ).rowcount
    if not sqlite:
        conn.exec_driver_sql("DROP TABLE vk_superseded")
    return int(superseded), int(inserted)


def _distinct_patients(spec: KindSpec, table: pa.Table) -> pa.Table:
    """One row per patient of the file (grouped in Arrow, not in the database)."""
    pid = spec.patient_column or ""
    n = table.num_rows
    protected = (
        table.column("protected_identity")
        if "protected_identity" in table.column_names
        else pa.array([False] * n, pa.bool_())
    )
    pseudonym = (
        table.column("_pseudonym")
        if "_pseudonym" in table.column_names
        else pa.nulls(n, pa.string())
    )
    slim = pa.table(
        {
            "identity": table.column(pid),
            "identity_type": table.column(f"{pid}_type"),
            "protected": protected,
            "pseudonym": pseudonym,
        }
    )
    grouped = slim.group_by("identity", use_threads=False).aggregate(
        [("identity_type", "first"), ("protected", "any"), ("pseudonym", "first")]
    )
    return pa.table(
        {
            "identity": grouped.column("identity"),
            "identity_type": grouped.column("identity_type_first"),
            "protected": grouped.column("protected_any"),
            "pseudonym": grouped.column("pseudonym_first"),
        }
    )


def _add_patients(conn: Connection, spec: KindSpec, table: pa.Table, batch_id: int) -> None:
    """Insert unseen patients; mark a patient protected once any file says so."""
    patients = _distinct_patients(spec, table)
    create_temp_table(conn, "vk_stage_patients", patients.schema)
    load_table(conn, "vk_stage_patients", patients)
    conn.execute(
        text(
            """INSERT INTO patients (identity, identity_type, protected, pseudonym,
                                     first_batch_id)
            SELECT identity, identity_type, protected, pseudonym, :b
            FROM vk_stage_patients WHERE true
            ON CONFLICT (identity) DO UPDATE
            SET protected = (patients.protected OR excluded.protected),
                pseudonym = COALESCE(patients.pseudonym, excluded.pseudonym)
            WHERE (excluded.protected AND NOT patients.protected)
               OR (patients.pseudonym IS NULL AND excluded.pseudonym IS NOT NULL)"""
        ),
        {"b": batch_id},
    )
    drop_temp_table(conn, "vk_stage_patients")


def _expand(rejected: dict[tuple[str, str], StoreProblem], table: pa.Table) -> list[StoreProblem]:
    """One problem per file row of each rejected pathway."""
    out: list[StoreProblem] = []
    ss = table.column("source_system").to_pylist()
    pid = table.column("pathway_id").to_pylist()
    rows = table.column("_row").to_pylist()
    for s, p, r in zip(ss, pid, rows, strict=True):
        problem = rejected.get((s, p))
        if problem is not None:
            out.append(
                StoreProblem(problem.file, r, problem.field, p, problem.code, problem.params)
            )
    return out


def _unstage(conn: Connection, rows: set[int]) -> None:
    """Take quarantined rows out of the staging table (set-based, any number of rows)."""
    gone = pa.table({"_row": pa.array(sorted(rows), pa.int64())})
    create_temp_table(conn, "vk_gone", gone.schema)
    load_table(conn, "vk_gone", gone)
    conn.exec_driver_sql(f"DELETE FROM {q(STAGE)} WHERE _row IN (SELECT _row FROM vk_gone)")
    drop_temp_table(conn, "vk_gone")


def _refused(exc: DBAPIError, source: str) -> StoreError:
    """Name the constraint a file broke without echoing values (they may be identities)."""
    orig = exc.orig
    name = getattr(getattr(orig, "diag", None), "constraint_name", None)
    detail = name or str(orig).split("\n")[0]
    if isinstance(exc, IntegrityError):
        return StoreError(
            f"{source}: the store refused the file ({detail}); nothing was stored. The rows "
            "break a rule the database guarantees — check them against the stored data.",
            file=source,
        )
    return StoreError(
        f"{source}: the database could not complete the import ({detail}); nothing was "
        "stored. Check that the store is reachable and not locked, then import again.",
        file=source,
    )


def import_validated(
    engine: Engine,
    validated: ValidatedLike,
    *,
    accept_valid: bool = False,
    progress: Progress | None = None,
    key: bytes | None = None,
    lang: Lang = "sv",
) -> ImportReport:
    """Store one validated file in one transaction; return what happened to its rows.

    Parameters
    ----------
    engine:
        From :func:`make_engine`, on a store brought up to date by :func:`upgrade`.
    validated:
        A ``vardkoll.ingest.ValidatedFile`` (or anything shaped like it).
    accept_valid:
        Store the valid rows and quarantine the invalid ones (with their reasons) instead of
        rejecting the whole file.
    progress:
        Called as ``progress(done, total)`` while rows are staged and merged.
    key:
        The pseudonymisation key; when given, new patients get their pseudonym stored.
    lang:
        Language of the reasons written to the quarantine.

    Raises
    ------
    ImportRejected
        Some row is invalid and ``accept_valid`` is false; nothing was stored.
    StoreError
        The database refused or failed; nothing was stored.
    """
    spec = kind_spec(validated.kind)
    source = validated.source
    table = conform(validated.valid, spec, source)
    problems: list[ProblemLike] = [*validated.problems]
    duplicates = _duplicate_keys(table, spec, source)
    problems += duplicates
    if problems and not accept_valid:
        raise ImportRejected(source, sorted(problems, key=lambda p: (p.row, p.field)))
    table = _drop_rows(table, {p.row for p in duplicates})
    table = _with_pseudonyms(table, spec, key)
    total = max(1, 2 * table.num_rows)
    done = 0

    def staged(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    try:
        with write_transaction(engine) as conn:
            _pause("locked")
            batch_id = int(
                conn.execute(
                    insert(ImportBatch)
                    .values(
                        file_name=source,
                        sha256=validated.sha256,
                        kind=spec.kind,
                        started_at=dt.datetime.now(dt.UTC),
                        accept_valid=accept_valid,
                        rows_read=validated.n_read,
                        rows_stored=0,
                        rows_unchanged=0,
                        rows_superseded=0,
                        rows_quarantined=0,
                        status="running",
                    )
                    .returning(ImportBatch.id)
                ).scalar_one()
            )
            create_temp_table(conn, STAGE, table.schema)
            load_table(conn, STAGE, table, progress=staged)
            keys = ", ".join(q(k) for k in spec.key)
            conn.exec_driver_sql(f"CREATE INDEX vk_stage_key ON {q(STAGE)} ({keys})")
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"ANALYZE {q(STAGE)}")
                conn.exec_driver_sql("SET LOCAL jit = off")  # compiling costs more than it saves
            _pause("staged")
            pathways_changed = 0
            if spec.kind == "pathway_events":
                update_ = compute_states(conn, table, STAGE, source=source)
                if update_.rejected:
                    found = _expand(update_.rejected, table)
                    if not accept_valid:
                        raise ImportRejected(source, [*problems, *found])
                    problems += found
                    gone = {p.row for p in found}
                    table = _drop_rows(table, gone)
                    _unstage(conn, gone)
            _pause("checked")
            if spec.patient_column is not None:
                _add_patients(conn, spec, table, batch_id)
            superseded, inserted = _merge(conn, spec, batch_id)
            if progress is not None:
                progress(total, total)
            _pause("merged")
            if spec.kind == "pathway_events":
                pathways_changed = write_states(conn, STAGE)
                drop_temp_table(conn, STATE_STAGE)
            _pause("pathways")
            report = _close_batch(
                conn,
                batch_id,
                validated,
                problems,
                superseded=superseded,
                inserted=inserted,
                staged_rows=table.num_rows,
                pathways_changed=pathways_changed,
                lang=lang,
            )
            drop_temp_table(conn, STAGE)
            _pause("before_commit")
    except DBAPIError as exc:
        raise _refused(exc, source) from exc
    _pause("committed")
    return report


def _close_batch(
    conn: Connection,
    batch_id: int,
    validated: ValidatedLike,
    problems: Sequence[ProblemLike],
    *,
    superseded: int,
    inserted: int,
    staged_rows: int,
    pathways_changed: int,
    lang: Lang,
) -> ImportReport:
    quarantined_rows = len({p.row for p in problems})
    by_reason = Counter(code for _, code in {(p.row, p.code) for p in problems})
    if problems:
        conn.execute(
            insert(QuarantinedRow),
            [
                {
                    "batch_id": batch_id,
                    "row": p.row,
                    "field": p.field,
                    "value": mask_value(p.field, p.value),
                    "code": p.code,
                    "reason": p.message(lang),
                }
                for p in sorted(problems, key=lambda p: (p.row, p.field, p.code))
            ],
        )
    conn.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .values(
            finished_at=dt.datetime.now(dt.UTC),
            rows_stored=inserted,
            rows_unchanged=staged_rows - inserted,
            rows_superseded=superseded,
            rows_quarantined=quarantined_rows,
            status="stored_with_quarantine" if problems else "stored",
        )
    )
    return ImportReport(
        source=validated.source,
        kind=validated.kind,
        sha256=validated.sha256,
        batch_id=batch_id,
        rows_read=validated.n_read,
        rows_new=inserted - superseded,
        rows_superseded=superseded,
        rows_unchanged=staged_rows - inserted,
        rows_quarantined=quarantined_rows,
        quarantined_by_reason=dict(sorted(by_reason.items())),
        problems=tuple(problems),
        pathways_changed=pathways_changed,
    )
