"""The ``sweep`` method of the standard series: one pull from the backend, then NumPy.

The backend (DuckDB, PostgreSQL or Spark, through Ibis) prepares one row per pathway — the
cut's values, clock start, removal, first pause, limit, outcome — and the disjoint paused
pieces. Everything else is array work: a dense group id per row, then the three kernels.
"""

from __future__ import annotations

import datetime as dt
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
from vardkoll.analytics._prepare import (
    FAR_DAY,
    IndicatorTables,
    epoch_day,
    pause_pieces,
    prepared_pathways,
)
from vardkoll.analytics._sweep import VIEW_GROUPS, SweepInput, sweep_month_ends

__all__ = ["sweep_series"]

I64 = npt.NDArray[np.int64]
_VIEWS = [v for v, _ in VIEW_GROUPS]
_GROUPS = [w for _, w in VIEW_GROUPS]
_OUTCOMES = ["treated", "removed_other"]
# Sort ranks matching finish(): "pvv_mov" < "standard" within "national"; "removed_other" <
# "treated".
_VIEW_GROUP_RANK = np.array([1, 0, 2], dtype=np.int64)
_OUTCOME_RANK = np.array([1, 0], dtype=np.int64)


def _grouped(rows: ir.Table, by: Sequence[str]) -> tuple[ir.Table, ir.Table]:
    """``rows`` with a group id ``gid`` for the cut instead of the cut's values, and the
    groups (``gid`` and values). Computed in the backend, so only integers travel."""
    if not by:
        return rows.mutate(gid=ibis.literal(0, "int64")), ibis.memtable({"gid": [0]})
    groups = rows.select(*by).distinct()
    order = [ibis.asc(groups[k], nulls_first=True) for k in by]
    groups = groups.mutate(gid=ibis.row_number().over(order_by=order).cast("int64"))
    joined = rows.join(groups, [rows[k].identical_to(groups[k]) for k in by])
    keep = [c for c in rows.columns if c not in by]
    return joined.select(*(rows[c] for c in keep), joined.gid), groups


def _hashed_groups(rows: ir.Table, by: Sequence[str]) -> tuple[pa.Table, I64, pa.Table]:
    """DuckDB only: a 64-bit hash of the cut's values per row instead of a join.

    Hashing is far cheaper than joining ten million rows on text keys. The groups' own table
    checks that no two distinct groups share a hash (probability about G² / 2⁶⁵); if they
    ever do, the exact join is used instead.
    """
    con = ibis.get_backend(rows)
    keys = ", ".join(f'"{k}"' for k in by)
    rows_sql = ibis.to_sql(rows, dialect="duckdb")
    others = ", ".join(f'"{c}"' for c in rows.columns if c not in by)
    table = con.con.sql(f"SELECT hash({keys}) AS gh, {others} FROM ({rows_sql})").to_arrow_table()
    groups = con.con.sql(
        f"SELECT hash({keys}) AS gh, {keys} FROM ({rows_sql}) GROUP BY ALL"
    ).to_arrow_table()
    hashes = np.asarray(groups.column("gh").to_numpy(), dtype=np.uint64)
    if np.unique(hashes).size != hashes.size:  # a collision: fall back to the exact join
        grouped, groups_expr = _grouped(rows, by)
        exact = to_arrow(grouped)
        return exact, _ints(exact.column("gid"), 0), to_arrow(groups_expr)
    index = pd.Index(hashes)
    gid = np.asarray(
        index.get_indexer(pd.Index(np.asarray(table.column("gh").to_numpy(), dtype=np.uint64))),
        dtype=np.int64,
    )
    groups = groups.drop_columns(["gh"]).append_column(
        "gid", pa.array(np.arange(groups.num_rows, dtype=np.int64))
    )
    return table, gid, groups


class _Frame:
    """Builds an output frame in canonical row order from group ids and integer sort keys.

    The cut's values are ranked once per group (Arrow sort, nulls first, as :func:`finish`
    sorts); rows are then ordered by integer keys only. Text columns come out as pandas
    categoricals built from codes, so no string is materialised per row.
    """

    def __init__(self, groups: pa.Table, by: Sequence[str]) -> None:
        self.by = list(by)
        groups = groups.sort_by("gid")
        n = groups.num_rows
        self.rank = np.zeros(n, dtype=np.int64)
        if self.by:
            order = pc.sort_indices(groups, sort_keys=[(k, "ascending", "at_start") for k in by])
            self.rank[np.asarray(order)] = np.arange(n)
        self.columns: dict[str, tuple[I64, Any]] = {}
        for k in self.by:
            column = groups.column(k).combine_chunks()
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                encoded = pc.dictionary_encode(column)
                codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(), dtype=np.int64)
                self.columns[k] = (codes, encoded.dictionary.to_pylist())
            else:
                self.columns[k] = (np.arange(n, dtype=np.int64), column.to_pandas())

    def build(self, gid: I64, keys_after: list[I64], month: I64) -> tuple[pd.DataFrame, I64]:
        order = np.lexsort([*reversed(keys_after), self.rank[gid], month])
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


def _ints(column: pa.ChunkedArray, null: int) -> I64:
    return np.asarray(column.fill_null(null).to_numpy(), dtype=np.int64)


def _months_since_1970(days: I64) -> I64:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _share(within: I64, limited: I64) -> npt.NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(limited > 0, within / np.maximum(limited, 1), np.nan)


def _beyond(within: I64, limited: I64) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(limited - within, limited == 0)


def sweep_series(
    tables: IndicatorTables, ends: Sequence[dt.date], by: Sequence[str], rule_set: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(waiting, completed, flows)`` frames for the month ends ``ends`` (before finishing)."""
    prep = prepared_pathways(tables, rule_set)
    last = epoch_day(ends[-1])
    rows = prep.filter(prep.s <= last)
    rows = rows.select(
        *by,
        paused_key=ibis.ifelse(rows.fp.notnull(), rows.pathway_key, ibis.null("string")),
        s=rows.s,
        r=rows.r.fill_null(FAR_DAY),
        fp=rows.fp.fill_null(FAR_DAY),
        limit_days=rows.limit_days.fill_null(-1),
        treated=rows.treated,
    )
    if tables.backend == "duckdb" and by:
        table, gid, groups = _hashed_groups(rows, by)
    else:
        grouped, groups_expr = _grouped(rows, by)
        table = to_arrow(grouped)
        groups = to_arrow(groups_expr)
        gid = _ints(table.column("gid"), 0)
    pieces = to_arrow(pause_pieces(tables))
    keyed = np.flatnonzero(table.column("paused_key").is_valid().to_numpy(zero_copy_only=False))
    keys = table.column("paused_key").take(pa.array(keyed)).combine_chunks()
    where = pc.index_in(pieces.column("pathway_key"), value_set=keys)
    found = where.is_valid().to_numpy(zero_copy_only=False)
    piece_row = keyed[np.asarray(where.fill_null(0).to_numpy(), dtype=np.int64)][found]
    piece_start = _ints(pieces.column("ps"), 0)[found]
    piece_end = _ints(pieces.column("pe"), FAR_DAY)[found]
    s = _ints(table.column("s"), 0)
    r = _ints(table.column("r"), FAR_DAY)
    fp = _ints(table.column("fp"), FAR_DAY)
    limit = _ints(table.column("limit_days"), -1)
    treated = np.asarray(table.column("treated").to_numpy(zero_copy_only=False), dtype=bool)
    n_groups = groups.num_rows
    frames = _Frame(groups, by)

    # Month-end states.
    data = SweepInput(gid, s, r, fp, limit, piece_row, piece_start, piece_end, n_groups)
    res = sweep_month_ends(data, np.array([epoch_day(d) for d in ends], dtype=np.int64))
    waiting, o = frames.build(res.gid, [_VIEW_GROUP_RANK[res.view_group]], res.month)
    _assign(
        waiting,
        {
            "on": _dates(list(ends), res.month[o]),
            "view": _labels(_VIEWS, res.view_group[o]),
            "wait_group": _labels(_GROUPS, res.view_group[o]),
            "waiting_count": res.count[o],
            "waiting_within_limit_share": _share(res.within[o], res.limited[o]),
            "waiting_beyond_limit_count": _beyond(res.within[o], res.limited[o]),
            "waiting_median_days": res.median[o],
            "waiting_p90_days": res.p90[o],
        },
    )

    # Flows: start and removal events, bucketed by calendar month.
    months = len(ends)
    base = month_index(ends[0]) - 1970 * 12
    s_bucket = np.maximum(_months_since_1970(s) - base, -1)
    r_bucket = np.where(r >= FAR_DAY, months, np.maximum(_months_since_1970(r) - base, -1))
    r_bucket = np.minimum(r_bucket, months)
    fl = flows_by_month(gid, s_bucket, r_bucket, treated, n_groups, months)
    flows, o = frames.build(fl.gid, [], fl.month)
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
    paused = np.zeros(s.size, dtype=np.int64)
    if piece_row.size:
        overlap = np.clip(np.minimum(piece_end, r[piece_row]) - piece_start, 0, None)
        paused = np.bincount(piece_row, weights=overlap, minlength=s.size).astype(np.int64)
    cm = completed_by_month(
        gid[done],
        r_bucket[done],
        treated[done],
        (r - s)[done],
        paused[done],
        fp[done] <= r[done],
        limit[done],
        n_groups,
        months,
    )
    completed, o = frames.build(
        cm.gid, [_OUTCOME_RANK[cm.outcome], _VIEW_GROUP_RANK[cm.view_group]], cm.month
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
            "completed_median_days": cm.median[o],
            "completed_p90_days": cm.p90[o],
        },
    )
    return waiting, completed, flows
