"""The ``pathways`` current-state table, kept in step with ``pathway_events`` during an import.

For every pathway the file touches, the state is recomputed from the file's rows plus the
events already stored for it (set-based, :mod:`._pathway_sql`). Before anything is written
the new states are checked against the rules that span files: every pathway has a clock
start, no removal predates it, and at most one pathway is open per patient, unit, specialty
and entry type — within the file and against every other stored pathway. Offending pathways
become row problems: the import is rejected, or (``accept_valid``) their rows are quarantined.
The partial unique index on ``pathways`` enforces the last rule again in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Table

from vardkoll.store._bulk import create_temp_table, fetch_arrow, load_table, q
from vardkoll.store._kinds import kind_spec, table_schema
from vardkoll.store._models_files import PathwayState
from vardkoll.store._pathway_sql import build_pathway_tables, limits_table
from vardkoll.store._problems import StoreProblem

__all__ = ["STATE_STAGE", "PathwayUpdate", "compute_states", "write_states"]

STATE_STAGE = "vk_stage_pathways"
STATE_TABLE = cast(Table, PathwayState.__table__)
STATE_COLUMNS = tuple(c.name for c in STATE_TABLE.columns)


@dataclass(frozen=True)
class PathwayUpdate:
    """New states for the file's pathways, and the pathways whose rows must be set aside."""

    states: pa.Table
    rejected: dict[tuple[str, str], StoreProblem]  # pathway -> problem (row filled per row)


def _existing_events(conn: Connection, stage: str) -> pa.Table:
    """Stored current events of the file's pathways that the file does not itself carry."""
    spec = kind_spec("pathway_events")
    cols = ", ".join(f"e.{q(c)}" for c in spec.columns)
    sql = f"""SELECT {cols} FROM pathway_events e
        JOIN (SELECT DISTINCT source_system, pathway_id FROM {q(stage)}) a
          ON e.source_system = a.source_system AND e.pathway_id = a.pathway_id
        WHERE e.superseded_by IS NULL AND NOT EXISTS (
            SELECT 1 FROM {q(stage)} s WHERE s.source_system = e.source_system
            AND s.pathway_id = e.pathway_id AND s.event_seq = e.event_seq)"""
    return fetch_arrow(conn, sql, spec.schema)


def compute_states(
    conn: Connection, file_rows: pa.Table, stage: str, *, source: str
) -> PathwayUpdate:
    """Recompute the states of the file's pathways and find the ones breaking a rule."""
    spec = kind_spec("pathway_events")
    union = pa.concat_tables([file_rows.select(list(spec.columns)), _existing_events(conn, stage)])
    con = duckdb.connect()
    try:
        con.register("vk_events_in", union)
        build_pathway_tables(con, union, limits=limits_table(), with_units=False)
        rejected: dict[tuple[str, str], StoreProblem] = {}

        def reject(rows: list[tuple[object, ...]], code: str, *names: str) -> None:
            for row in rows:
                ss, pid = str(row[0]), str(row[1])
                params = {"pathway": f"{ss}:{pid}"}
                params.update({n: str(v) for n, v in zip(names, row[2:], strict=True)})
                rejected.setdefault(
                    (ss, pid), StoreProblem(source, 0, "pathway_id", pid, code, params)
                )

        reject(
            con.execute(
                """SELECT source_system, pathway_id FROM vk_events_in GROUP BY ALL
                HAVING NOT bool_or(event_type = 'clock_start')"""
            ).fetchall(),
            "pathway_without_clock_start",
        )
        reject(
            con.execute(
                """SELECT k.source_system, k.pathway_id, min(e.event_date), any_value(c.clock)
                FROM vk_e1 e JOIN vk_cand c ON c.pw = e.pw AND c.epoch = e.epoch
                JOIN vk_keys k ON k.pw = e.pw
                WHERE e.event_type = 'removal' AND e.event_date < c.clock GROUP BY ALL"""
            ).fetchall(),
            "removal_before_clock_start",
            "removed_on",
            "clock_start",
        )
        reject(
            con.execute(
                """SELECT source_system, pathway_id, other FROM (
                    SELECT source_system, pathway_id,
                        first(source_system || ':' || pathway_id) OVER w AS other,
                        row_number() OVER w AS n
                    FROM vk_state WHERE removed_on IS NULL
                    WINDOW w AS (PARTITION BY patient_id, unit_id, specialty, entry_type
                                 ORDER BY clock_start, source_system, pathway_id))
                WHERE n > 1"""
            ).fetchall(),
            "open_pathway_conflict",
            "other",
        )
        states = con.sql(
            f"SELECT {', '.join(STATE_COLUMNS)} FROM vk_state ORDER BY source_system, pathway_id"
        ).to_arrow_table()
    finally:
        con.close()
    states = states.cast(table_schema(STATE_TABLE, STATE_COLUMNS))
    create_temp_table(conn, STATE_STAGE, states.schema)
    load_table(conn, STATE_STAGE, states)
    # Open pathways that would collide with another stored, untouched open pathway.
    clashes = conn.exec_driver_sql(
        f"""SELECT n.source_system, n.pathway_id, p.source_system || ':' || p.pathway_id
        FROM {q(STATE_STAGE)} n JOIN pathways p ON p.patient_id = n.patient_id
            AND p.unit_id = n.unit_id AND p.specialty = n.specialty
            AND p.entry_type = n.entry_type
        WHERE n.removed_on IS NULL AND p.removed_on IS NULL AND NOT EXISTS (
            SELECT 1 FROM {q(stage)} s WHERE s.source_system = p.source_system
            AND s.pathway_id = p.pathway_id)"""
    ).fetchall()
    reject([tuple(r) for r in clashes], "open_pathway_conflict", "other")
    if rejected:
        keep = pc.invert(
            pc.is_in(
                pc.binary_join_element_wise(
                    states.column("source_system"), states.column("pathway_id"), "\x1f"
                ),
                pa.array([f"{ss}\x1f{pid}" for ss, pid in rejected]),
            )
        )
        states = states.filter(keep)
        conn.exec_driver_sql(f"DELETE FROM {q(STATE_STAGE)}")
        load_table(conn, STATE_STAGE, states)
    return PathwayUpdate(states=states, rejected=rejected)


def write_states(conn: Connection, stage: str) -> int:
    """Replace the states of every pathway the (remaining) file rows touch.

    Delete first, then insert: the partial unique index never sees a moment where a closed
    pathway and its successor are both open.
    """
    conn.exec_driver_sql(
        f"""DELETE FROM pathways WHERE EXISTS (SELECT 1 FROM {q(stage)} s
            WHERE s.source_system = pathways.source_system
            AND s.pathway_id = pathways.pathway_id)"""
    )
    cols = ", ".join(q(c) for c in STATE_COLUMNS)
    result = conn.exec_driver_sql(
        f"INSERT INTO pathways ({cols}) SELECT {cols} FROM {q(STATE_STAGE)}"
    )
    return int(result.rowcount)
