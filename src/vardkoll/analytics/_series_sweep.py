"""The ``sweep`` method of the standard series: one pull from the backend, then NumPy.

The backend (DuckDB, PostgreSQL or Spark, through Ibis) prepares one row per pathway: a
group id for the cut's values, clock start, removal, first pause, limit, outcome as 32-bit
integers, and the pathway's pauses packed into a list. Everything else is array work: the
disjoint paused pieces, then the three kernels. On DuckDB the group id comes from a 64-bit
hash of the cut's values joined to the (small) table of distinct groups, so no text column
of ten million rows ever leaves the database.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.analytics._flows import month_index
from vardkoll.analytics._frames import month_bounds
from vardkoll.analytics._indicators import to_arrow
from vardkoll.analytics._monthly import MonthlyCompleted, MonthlyFlows
from vardkoll.analytics._prepare import (
    FAR_DAY,
    UNIT_DIMENSIONS,
    IndicatorTables,
    epoch_day,
    held_spans,
    pathway_facts,
)
from vardkoll.analytics._sweep import VIEW_GROUPS, SweepResult
from vardkoll.analytics._sweep_chunks import KernelInput, Spans, run_kernels
from vardkoll.analytics._sweep_frames import (
    GroupFrame,
    Placement,
    dates,
    integers,
    labels,
    shares,
)

__all__ = ["disjoint_pieces", "sweep_series"]

I64 = npt.NDArray[np.int64]
_VIEWS = [v for v, _ in VIEW_GROUPS]
_GROUPS = [w for _, w in VIEW_GROUPS]
_OUTCOMES = ["treated", "removed_other"]
# Sort ranks matching finish(): "pvv_mov" < "standard" within "national"; "removed_other" <
# "treated".
_VIEW_GROUP_RANK = np.array([1, 0, 2], dtype=np.int64)
_OUTCOME_RANK = np.array([1, 0], dtype=np.int64)


_PACK = 1 << 21
"""A pause travels as one integer ``start × 2²¹ + end`` (epoch days stay below 2²¹ until the
year 7711), so its two ends cannot be paired up wrongly by an unordered aggregate."""


def _spans(
    tables: IndicatorTables, first: int, last: int, by: Sequence[str], rule_set: str
) -> ir.Table:
    """The pathway facts that matter to months ``first … last``: one row per pathway, or per
    unit span of a pathway when the cut follows units and the source records transfers
    (:func:`._prepare.unit_segments`, columns ``a_from``/``a_to``).

    A pathway removed before ``first`` adds nothing to any month (its events cancel before
    the first), nor does a span beginning after ``last``: both are left out.
    """
    facts = pathway_facts(tables, rule_set)
    if not (UNIT_DIMENSIONS & set(by) and tables.pathway_units is not None):
        return facts.filter(facts.s <= last, facts.r.isnull() | (facts.r >= first))
    spans = held_spans(tables, facts, by)
    return spans.filter(
        spans.s < spans.a_to,
        spans.r.isnull() | (spans.a_from <= spans.r),
        ibis.greatest(spans.s, spans.a_from) <= last,
        # Not ``least(r, a_to) ≥ first``: a span whose end is no transfer (the next span is
        # the same group's) leaves its −1 to that next span.
        spans.r.isnull() | (spans.r >= first),
    )


def _rows(spans: ir.Table, tables: IndicatorTables, by: Sequence[str]) -> ir.Table:
    """The spans with the cut's values, the integer facts and ``pz``, the pathway's pauses
    packed (NULL without pause)."""
    pa_ = tables.pauses
    start = pa_.start_date.epoch_days().cast("int64")
    end = pa_.end_date.epoch_days().cast("int64").fill_null(FAR_DAY)
    pauses = pa_.group_by("pathway_key").aggregate(
        fp=start.min(), pz=(start * _PACK + end).collect()
    )
    joined = spans.left_join(pauses, "pathway_key")
    moved = (
        {
            "a_from": joined.a_from.cast("int32"),
            "a_to": joined.a_to.cast("int32"),
            "changes_in": joined.changes_in,
            "changes_out": joined.changes_out,
        }
        if "a_from" in spans.columns
        else {}
    )
    return joined.select(
        *(joined[k] for k in by),
        s=joined.s.cast("int32"),
        r=joined.r.fill_null(FAR_DAY).cast("int32"),
        fp=joined.fp.fill_null(FAR_DAY).cast("int32"),
        limit_days=joined.limit_days.fill_null(-1).cast("int32"),
        treated=joined.treated,
        # From this day on the guarantee is void: counted apart, judged against no limit.
        void_since=joined.v.fill_null(FAR_DAY).cast("int32"),
        pz=joined.pz,
        **moved,
    )


def _grouped(rows: ir.Table, by: Sequence[str]) -> tuple[pa.Table, pa.Table]:
    """``rows`` with a group id ``gid`` for the cut instead of the cut's values, and the
    groups (``gid`` and values). Computed in the backend, so only integers travel."""
    if not by:
        return to_arrow(rows.mutate(gid=ibis.literal(0, "int32"))), pa.table({"gid": [0]})
    groups = rows.select(*by).distinct()
    order = [ibis.asc(groups[k], nulls_first=True) for k in by]
    groups = groups.mutate(gid=(ibis.row_number().over(order_by=order)).cast("int32"))
    joined = rows.join(groups, [rows[k].identical_to(groups[k]) for k in by])
    keep = [c for c in rows.columns if c not in by]
    return to_arrow(joined.select(*(rows[c] for c in keep), joined.gid)), to_arrow(groups)


def _hashed_groups(
    rows: ir.Table, dims: ir.Table, by: Sequence[str]
) -> tuple[pa.Table, pa.Table] | None:
    """DuckDB only: the group id by a 64-bit hash of the cut's values, joined on integers.

    Hashing is far cheaper than joining ten million rows on text keys. The groups' own table
    checks that no two distinct groups share a hash (probability about G² / 2⁶⁵); if they
    ever do, this returns None and the caller uses the exact join.
    """
    con = ibis.get_backend(rows)
    keys = ", ".join(f'"{k}"' for k in by)
    dims_sql = ibis.to_sql(dims, dialect="duckdb")
    groups = con.con.sql(
        f"SELECT hash({keys}) AS gh, {keys} FROM ({dims_sql}) GROUP BY ALL"
    ).to_arrow_table()
    hashes = groups.column("gh")
    if pc.count_distinct(hashes).as_py() != groups.num_rows:
        return None
    ids = pa.table({"gh": hashes, "gid": pa.array(np.arange(groups.num_rows, dtype=np.int32))})
    name = f"vk_sweep_groups_{uuid.uuid4().hex}"
    others = ", ".join(f't."{c}"' for c in rows.columns if c not in by)
    rows_sql = ibis.to_sql(rows, dialect="duckdb")
    con.con.register(name, ids)
    try:
        table = con.con.sql(
            f"SELECT g.gid, {others} FROM ({rows_sql}) t JOIN {name} g ON g.gh = hash("
            + ", ".join(f't."{k}"' for k in by)
            + ")"
        ).to_arrow_table()
    finally:
        con.con.unregister(name)
    return table, groups.drop_columns(["gh"]).append_column("gid", ids.column("gid"))


def disjoint_pieces(
    row: npt.NDArray[np.int64],
    start: npt.NDArray[np.int64],
    end: npt.NDArray[np.int64],
    clock_start: npt.NDArray[np.signedinteger[Any]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each row's pauses as disjoint pieces ``[start, end)`` from its clock start on.

    The same rule as :func:`._prepare.pause_pieces`: sorted by start, each pause keeps only
    the part after the latest end of the pauses before it, and nothing before the clock.
    """
    order = np.lexsort([end, start, row])
    row, start, end = row[order], start[order], end[order]
    # Running maximum of the ends within each row: rows are offset so they never mix.
    running = np.maximum.accumulate(row * _PACK + end)
    before = np.empty_like(running)
    before[:1] = -1
    before[1:] = running[:-1] - row[1:] * _PACK  # negative where a new row begins
    piece_start = np.maximum(np.maximum(start, clock_start[row]), before)
    keep = end > piece_start
    return row[keep], piece_start[keep], end[keep]


def _column(table: pa.Table, name: str, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """A NULL-free column as NumPy, without a copy when the types already agree."""
    return np.asarray(table.column(name).to_numpy(), dtype=dtype)


def _pauses(table: pa.Table) -> tuple[I64, I64, I64]:
    """The packed pause lists as (row, start, end), one entry per pause."""
    lists = table.column("pz").combine_chunks()
    row = np.asarray(pc.list_parent_indices(lists).to_numpy(), dtype=np.int64)
    packed = np.asarray(pc.list_flatten(lists).to_numpy(), dtype=np.int64)
    return row, packed // _PACK, packed % _PACK


_KINDS: tuple[tuple[str, type[np.generic]], ...] = (
    ("gid", np.int32),
    ("r", np.int32),
    ("fp", np.int32),
    ("limit_days", np.int32),
    ("treated", np.bool_),
    ("void_since", np.int32),
    ("a_from", np.int32),
    ("a_to", np.int32),
    ("changes_in", np.bool_),
    ("changes_out", np.bool_),
)


def _arrays(table: pa.Table) -> tuple[dict[str, npt.NDArray[Any]], tuple[I64, I64, I64]]:
    """The pulled columns as NumPy, and the disjoint pause pieces: two at a time on two
    threads (Arrow's and NumPy's copies release the GIL)."""
    names = set(table.column_names)
    s = _column(table, "s", np.int32)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="vk-pull") as pool:
        pieces = pool.submit(lambda: disjoint_pieces(*_pauses(table), s))
        wanted = [(name, kind) for name, kind in _KINDS if name in names]
        converted = dict(pool.map(lambda item: (item[0], _column(table, item[0], item[1])), wanted))
        converted["s"] = s
        return converted, pieces.result()


def sweep_series(
    tables: IndicatorTables, ends: Sequence[dt.date], by: Sequence[str], rule_set: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(waiting, completed, flows)`` frames for the month ends ``ends`` (before finishing)."""
    first, last = epoch_day(ends[0].replace(day=1)), epoch_day(ends[-1])
    spans = _spans(tables, first, last, by, rule_set)
    rows = _rows(spans, tables, by)
    pulled = None
    if tables.backend == "duckdb" and by:
        pulled = _hashed_groups(rows, spans.select(*by), by)
    table, groups = pulled if pulled is not None else _grouped(rows, by)
    converted, (piece_row, piece_start, piece_end) = _arrays(table)
    s = converted.pop("s")
    gid, r, fp = converted.pop("gid"), converted.pop("r"), converted.pop("fp")
    limit, treated = converted.pop("limit_days"), converted["treated"]
    void = converted["void_since"]
    spans = (
        Spans(
            converted["a_from"],
            converted["a_to"],
            converted["changes_in"],
            converted["changes_out"],
        )
        if "a_from" in converted
        else None
    )
    del converted
    del table
    n_groups = groups.num_rows
    frames = GroupFrame(groups, by)
    month_ends = np.array([epoch_day(d) for d in ends], dtype=np.int64)
    results = run_kernels(
        KernelInput(
            frames.rank[gid],
            s,
            r,
            fp,
            limit,
            treated,
            void,
            piece_row,
            piece_start,
            piece_end,
            n_groups,
            spans,
        ),
        month_ends,
        first,
    )
    del (
        gid,
        s,
        r,
        fp,
        limit,
        treated,
        void,
        piece_row,
        piece_start,
        piece_end,
        spans,
    )
    periods = [month_bounds(month_index(ends[0]) + i) for i in range(len(ends))]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="vk-frames") as pool:
        completed = pool.submit(_completed_frame, results.completed, frames, periods)
        flows = pool.submit(_flows_frame, results.flows, frames, periods)
        waiting = _waiting_frame(results.waiting, frames, ends)
        return waiting, completed.result(), flows.result()


def _parts(results: Sequence[Any], name: str) -> list[npt.NDArray[Any]]:
    return [getattr(r, name) for r in results]


def _judged(table: str, results: Sequence[Any], place: Placement) -> dict[str, Any]:
    """The count, the judgement against the limit and the percentiles of ``waiting`` or
    ``completed`` (the kernels' ``count``, ``within``, ``limited``, ``void``, ``median``,
    ``p90``)."""
    share, beyond = shares(
        place.take(_parts(results, "within"), np.int64),
        place.take(_parts(results, "limited"), np.int64),
    )
    return {
        f"{table}_count": integers(place.take(_parts(results, "count"), np.int64)),
        f"{table}_within_limit_share": share,
        f"{table}_beyond_limit_count": beyond,
        f"{table}_guarantee_void_count": integers(place.take(_parts(results, "void"), np.int64)),
        f"{table}_median_days": place.take(_parts(results, "median"), np.float64),
        f"{table}_p90_days": place.take(_parts(results, "p90"), np.float64),
    }


def _period_columns(
    periods: Sequence[tuple[dt.date, dt.date]], month: npt.NDArray[Any]
) -> dict[str, npt.NDArray[np.object_]]:
    return {
        "period_start": dates([p[0] for p in periods], month),
        "period_end": dates([p[1] for p in periods], month),
    }


def _waiting_frame(
    results: Sequence[SweepResult], frames: GroupFrame, ends: Sequence[dt.date]
) -> pd.DataFrame:
    view_group = _parts(results, "view_group")
    place = Placement(
        _parts(results, "gid"),
        _parts(results, "month"),
        [_VIEW_GROUP_RANK[v] for v in view_group],
        3,
        frames.size,
    )
    month = place.take(_parts(results, "month"), np.int64)
    view = place.take(view_group, np.int8)
    return pd.DataFrame(
        {
            "on": dates(ends, month),
            **frames.columns(place.take(_parts(results, "gid"), np.int64)),
            "view": labels(_VIEWS, view),
            "wait_group": labels(_GROUPS, view),
            **_judged("waiting", results, place),
        },
        copy=False,
    )


def _completed_frame(
    results: Sequence[MonthlyCompleted],
    frames: GroupFrame,
    periods: Sequence[tuple[dt.date, dt.date]],
) -> pd.DataFrame:
    outcome, view_group = _parts(results, "outcome"), _parts(results, "view_group")
    place = Placement(
        _parts(results, "gid"),
        _parts(results, "month"),
        [
            _OUTCOME_RANK[o] * 3 + _VIEW_GROUP_RANK[v]
            for o, v in zip(outcome, view_group, strict=True)
        ],
        6,
        frames.size,
    )
    month = place.take(_parts(results, "month"), np.int64)
    view = place.take(view_group, np.int8)
    return pd.DataFrame(
        {
            **_period_columns(periods, month),
            **frames.columns(place.take(_parts(results, "gid"), np.int64)),
            "outcome": labels(_OUTCOMES, place.take(outcome, np.int8)),
            "view": labels(_VIEWS, view),
            "wait_group": labels(_GROUPS, view),
            **_judged("completed", results, place),
        },
        copy=False,
    )


def _flows_frame(
    results: Sequence[MonthlyFlows],
    frames: GroupFrame,
    periods: Sequence[tuple[dt.date, dt.date]],
) -> pd.DataFrame:
    gid = _parts(results, "gid")
    place = Placement(
        gid, _parts(results, "month"), [np.zeros(g.size, np.int64) for g in gid], 1, frames.size
    )
    month = place.take(_parts(results, "month"), np.int64)
    inflow = place.take(_parts(results, "inflow"), np.int64)
    treated = place.take(_parts(results, "outflow_treated"), np.int64)
    other = place.take(_parts(results, "outflow_removed_other"), np.int64)
    outflow = treated + other
    moved_in = place.take(_parts(results, "transferred_in"), np.int64)
    moved_out = place.take(_parts(results, "transferred_out"), np.int64)
    return pd.DataFrame(
        {
            **_period_columns(periods, month),
            **frames.columns(place.take(gid, np.int64)),
            "queue_start": integers(place.take(_parts(results, "queue_start"), np.int64)),
            "inflow": integers(inflow),
            "outflow_treated": integers(treated),
            "outflow_removed_other": integers(other),
            "outflow": integers(outflow),
            "transferred_in": integers(moved_in),
            "transferred_out": integers(moved_out),
            "net_change": integers(inflow + moved_in - outflow - moved_out),
            "queue_end": integers(place.take(_parts(results, "queue_end"), np.int64)),
        },
        copy=False,
    )
