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
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.analytics._flows import month_index
from vardkoll.analytics._indicators import to_arrow
from vardkoll.analytics._monthly import completed_by_month, flows_by_month
from vardkoll.analytics._prepare import FAR_DAY, IndicatorTables, epoch_day, pathway_facts
from vardkoll.analytics._sweep import VIEW_GROUPS, MonthPosition, SweepInput, sweep_month_ends

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


def _rows(
    tables: IndicatorTables, first: int, last: int, by: Sequence[str], rule_set: str
) -> ir.Table:
    """One row per pathway on the list at some time in ``first … last`` (started by ``last``,
    not removed before ``first``): the cut's values, the integer facts and ``pz``, the
    pathway's pauses packed (NULL without pause). A pathway removed before ``first`` counts
    in no month of the series."""
    facts = pathway_facts(tables, rule_set)
    pa_ = tables.pauses
    start = pa_.start_date.epoch_days().cast("int64")
    end = pa_.end_date.epoch_days().cast("int64").fill_null(FAR_DAY)
    pauses = pa_.group_by("pathway_key").aggregate(
        fp=start.min(), pz=(start * _PACK + end).collect()
    )
    rows = facts.filter(facts.s <= last, facts.r.isnull() | (facts.r >= first))
    joined = rows.left_join(pauses, "pathway_key")
    return joined.select(
        *(joined[k] for k in by),
        s=joined.s.cast("int32"),
        r=joined.r.fill_null(FAR_DAY).cast("int32"),
        fp=joined.fp.fill_null(FAR_DAY).cast("int32"),
        # A void guarantee is judged against no limit; it is counted apart.
        limit_days=ibis.ifelse(joined.void, -1, joined.limit_days.fill_null(-1)).cast("int32"),
        treated=joined.treated,
        void=joined.void,
        pz=joined.pz,
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


class _Frame:
    """Builds an output frame in canonical row order from group ids and integer sort keys.

    The groups are ranked once (Arrow sort, nulls first, as :func:`finish` sorts) and the
    rows' group ids replaced by the ranks, so rows are then ordered by one integer key. Text
    columns come out as pandas categoricals built from codes: no string is made per row.
    """

    def __init__(self, groups: pa.Table, by: Sequence[str]) -> None:
        self.by = list(by)
        groups = groups.sort_by("gid")
        n = groups.num_rows
        self.size = n
        self.rank = np.arange(n, dtype=np.int32)
        if self.by:
            order = pc.sort_indices(groups, sort_keys=[(k, "ascending", "at_start") for k in by])
            self.rank[np.asarray(order)] = np.arange(n, dtype=np.int32)
            groups = groups.take(order)
        self.columns: dict[str, tuple[I64, Any]] = {}
        for k in self.by:
            column = groups.column(k).combine_chunks()
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                encoded = pc.dictionary_encode(column)
                codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(), dtype=np.int64)
                self.columns[k] = (codes, encoded.dictionary.to_pylist())
            else:
                self.columns[k] = (np.arange(n, dtype=np.int64), column.to_pandas())

    def build(self, gid: I64, month: I64, after: I64, kinds: int) -> tuple[pd.DataFrame, I64]:
        """Rows ordered by (month, group, ``after``), ``after`` in ``0 … kinds − 1``; ``gid``
        already holds ranks. The kernels emit runs in this order, which a stable sort merges
        in linear time."""
        key = (month.astype(np.int64) * self.size + gid) * kinds + after
        order = np.argsort(key, kind="stable")
        g = gid[order]
        frame = pd.DataFrame(index=pd.RangeIndex(order.size))
        for k, (codes, values) in self.columns.items():
            if isinstance(values, list):
                categories: pd.Index[str] = pd.Index(values, dtype="str")
                frame[k] = pd.Categorical.from_codes(codes[g], categories=categories)
            else:
                frame[k] = values.iloc[g].to_numpy()
        return frame, order


def _labels(names: Sequence[str], codes: I64) -> pd.Categorical[str]:
    """Text column from small integer codes into ``names`` (which may repeat)."""
    categories = list(dict.fromkeys(names))
    lookup = np.array([categories.index(n) for n in names], dtype=np.int64)
    labels: pd.Categorical[str] = pd.Categorical.from_codes(
        lookup[codes], categories=pd.Index(categories)
    )
    return labels


def _dates(days: list[dt.date], codes: I64) -> npt.NDArray[np.object_]:
    return np.array(days, dtype=object)[codes]


def _assign(frame: pd.DataFrame, columns: dict[str, Any]) -> None:
    for name, values in columns.items():
        frame[name] = values


def _column(table: pa.Table, name: str, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """A NULL-free column as NumPy, without a copy when the types already agree."""
    return np.asarray(table.column(name).to_numpy(), dtype=dtype)


def _pauses(table: pa.Table) -> tuple[I64, I64, I64]:
    """The packed pause lists as (row, start, end), one entry per pause."""
    lists = table.column("pz").combine_chunks()
    row = np.asarray(pc.list_parent_indices(lists).to_numpy(), dtype=np.int64)
    packed = np.asarray(pc.list_flatten(lists).to_numpy(), dtype=np.int64)
    return row, packed // _PACK, packed % _PACK


def _share(within: I64, limited: I64) -> npt.NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(limited > 0, within / np.maximum(limited, 1), np.nan)


def _beyond(within: I64, limited: I64) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(limited - within, limited == 0)


def sweep_series(
    tables: IndicatorTables, ends: Sequence[dt.date], by: Sequence[str], rule_set: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(waiting, completed, flows)`` frames for the month ends ``ends`` (before finishing)."""
    first, last = epoch_day(ends[0].replace(day=1)), epoch_day(ends[-1])
    rows = _rows(tables, first, last, by, rule_set)
    pulled = None
    if tables.backend == "duckdb" and by:
        facts = pathway_facts(tables, rule_set)
        on_list = facts.filter(facts.s <= last, facts.r.isnull() | (facts.r >= first))
        pulled = _hashed_groups(rows, on_list.select(*by), by)
    table, groups = pulled if pulled is not None else _grouped(rows, by)
    gid = _column(table, "gid", np.int32)
    s = _column(table, "s", np.int32)
    r = _column(table, "r", np.int32)
    fp = _column(table, "fp", np.int32)
    limit = _column(table, "limit_days", np.int32)
    treated = _column(table, "treated", np.bool_)
    void = _column(table, "void", np.bool_)
    piece_row, piece_start, piece_end = disjoint_pieces(*_pauses(table), s)
    del table
    n_groups = groups.num_rows
    frames = _Frame(groups, by)
    gid = frames.rank[gid]

    # Month-end states.
    data = SweepInput(gid, s, r, fp, limit, piece_row, piece_start, piece_end, n_groups, void)
    month_ends = np.array([epoch_day(d) for d in ends], dtype=np.int64)
    res = sweep_month_ends(data, month_ends)
    del data

    # Flows: start and removal events, bucketed by calendar month: −1 before the first
    # month, ``months`` after the last (or never).
    months = len(ends)
    position = MonthPosition(np.array([epoch_day(d) for d in ends], dtype=np.int64))
    first_day = epoch_day(ends[0].replace(day=1))
    s_bucket = np.where(s < first_day, -1, position.left(s)).astype(np.int32)
    r_bucket = np.where(r < first_day, -1, position.left(r)).astype(np.int32)
    fl = flows_by_month(gid, s_bucket, r_bucket, treated, n_groups, months)
    flows, o = frames.build(fl.gid, fl.month, np.zeros(fl.gid.size, np.int64), 1)
    outflow = fl.outflow_treated[o] + fl.outflow_removed_other[o]
    _assign(
        flows,
        {
            "month_index": fl.month[o] + month_index(ends[0]),
            "queue_start": fl.queue_start[o],
            "inflow": fl.inflow[o],
            "outflow_treated": fl.outflow_treated[o],
            "outflow_removed_other": fl.outflow_removed_other[o],
            "outflow": outflow,
            "net_change": fl.inflow[o] - outflow,
            "queue_end": fl.queue_end[o],
        },
    )

    # Completed in each month: waits up to the removal day, paused days before it.
    done = np.flatnonzero((r_bucket >= 0) & (r_bucket < months))
    paused = np.zeros(done.size, dtype=np.int64)
    if piece_row.size:
        where = np.searchsorted(done, piece_row)
        hit = done[np.minimum(where, done.size - 1)] == piece_row if done.size else where < 0
        overlap = np.minimum(piece_end[hit], r[piece_row[hit]]) - piece_start[hit]
        paused = np.bincount(
            where[hit], weights=np.maximum(overlap, 0), minlength=done.size
        ).astype(np.int64)
    cm = completed_by_month(
        gid[done],
        r_bucket[done],
        treated[done],
        r[done] - s[done],
        paused,
        fp[done] <= r[done],
        limit[done],
        n_groups,
        months,
        void[done],
    )
    completed, o = frames.build(
        cm.gid, cm.month, _OUTCOME_RANK[cm.outcome] * 3 + _VIEW_GROUP_RANK[cm.view_group], 6
    )
    _assign(
        completed,
        {
            "month_index": cm.month[o] + month_index(ends[0]),
            "outcome": _labels(_OUTCOMES, cm.outcome[o]),
            "view": _labels(_VIEWS, cm.view_group[o]),
            "wait_group": _labels(_GROUPS, cm.view_group[o]),
            "completed_count": cm.count[o],
            "completed_within_limit_share": _share(cm.within[o], cm.limited[o]),
            "completed_beyond_limit_count": _beyond(cm.within[o], cm.limited[o]),
            "completed_guarantee_void_count": cm.void[o],
            "completed_median_days": cm.median[o],
            "completed_p90_days": cm.p90[o],
        },
    )
    waiting, o = frames.build(res.gid, res.month, _VIEW_GROUP_RANK[res.view_group], 3)
    _assign(
        waiting,
        {
            "on": _dates(list(ends), res.month[o]),
            "view": _labels(_VIEWS, res.view_group[o]),
            "wait_group": _labels(_GROUPS, res.view_group[o]),
            "waiting_count": res.count[o],
            "waiting_within_limit_share": _share(res.within[o], res.limited[o]),
            "waiting_beyond_limit_count": _beyond(res.within[o], res.limited[o]),
            "waiting_guarantee_void_count": res.void[o],
            "waiting_median_days": res.median[o],
            "waiting_p90_days": res.p90[o],
        },
    )
    return waiting, completed, flows
