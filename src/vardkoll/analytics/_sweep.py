"""Month-end waiting states for many groups at once, exactly, without a loop over months.

The obvious query joins every pathway to every month end it waited through and lets the
database compute a percentile per (group, month) from those rows, which means hashing and
sorting tens of millions of rows by text keys. This kernel works on integers only:

1. Per pathway, the month ends it waited through form one run ``first … last`` (found with a
   day → month-end lookup table, not a search per pathway). The run splits at the first month
   end with a PVV/MOV recorded into a *standard* and a *reported apart* interval.
2. **Counts from events.** Waiting, with a limit, and within the limit per (month end, wait
   group, group) are interval-coverage counts: +1 where an interval starts, −1 after it
   ends, a cumulative sum along the months. Within the limit is itself an interval: days
   waited at month end m are ``m − clock_start``, so a pathway is within while
   ``m ≤ clock_start + limit``.
3. **Exact percentiles from sorted composite keys.** Each (pathway, month end) pair becomes
   one 64-bit key ``cell × span + days``, cell = (month, wait group, group); one sort orders
   every cell's waits at once, and the order statistics behind a percentile are read off by
   position (cell sizes from step 2). The pause-adjusted view builds a second set of keys,
   subtracting the paused days before the month end from the (few) pairs reported apart —
   a pathway has no paused day before its first recorded pause.

Percentiles are exact: linear interpolation between the order statistics at ``p·(n − 1)``, as
``quantile_cont`` in DuckDB, ``percentile_cont`` in PostgreSQL, ``percentile`` in Spark and
``numpy.quantile``'s default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "VIEW_GROUPS",
    "MonthPosition",
    "SweepInput",
    "SweepResult",
    "cell_quantiles",
    "sweep_month_ends",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Ints = npt.NDArray[np.signedinteger[Any]]

VIEW_GROUPS: tuple[tuple[str, str], ...] = (
    ("national", "standard"),
    ("national", "pvv_mov"),
    ("pause_adjusted", "all"),
)


@dataclass(frozen=True)
class SweepInput:
    """One row per pathway (epoch days; ``FAR`` for never; ``limit`` −1 for none; from
    ``void_since`` on the guarantee is void: counted apart, judged against no limit), and the
    disjoint paused pieces ``[piece_start, piece_end)`` of row ``piece_row``. Any signed
    integer width; int32 halves the memory traffic. With ``a_from``/``a_to`` a row is one
    unit's span of a pathway (:func:`._prepare.unit_segments`) and counts only at month
    ends ``a_from ≤ m < a_to``."""

    gid: Ints
    s: Ints
    r: Ints
    fp: Ints
    limit: Ints
    piece_row: Ints
    piece_start: Ints
    piece_end: Ints
    groups: int
    void_since: Ints | None = None
    a_from: Ints | None = None
    a_to: Ints | None = None


@dataclass(frozen=True)
class SweepResult:
    """Flat columns, one entry per (month end, view group, group) with at least one waiting."""

    month: I64
    view_group: I64
    gid: I64
    count: I64
    limited: I64
    within: I64
    median: F64
    p90: F64
    void: I64


class MonthPosition:
    """``numpy.searchsorted(ends, days)`` for many days at once, by a lookup table.

    Days before the first month end all answer 0 and days after the last all answer
    ``len(ends)``, so clipping to one day either side keeps every answer exact and the table
    small (one entry per day of the series).
    """

    def __init__(self, ends: I64) -> None:
        self.low, self.high = int(ends[0]) - 1, int(ends[-1]) + 1
        days = np.arange(self.low, self.high + 1, dtype=np.int64)
        dtype = np.int16 if ends.size < (1 << 15) - 2 else np.int32
        self._left = np.searchsorted(ends, days, side="left").astype(dtype)
        self._right = np.searchsorted(ends, days, side="right").astype(dtype)

    def left(self, days: Ints) -> npt.NDArray[Any]:
        """Index of the first month end on or after each day."""
        return self._left[np.clip(days, self.low, self.high) - self.low]

    def right(self, days: Ints) -> npt.NDArray[Any]:
        """Index of the first month end after each day."""
        return self._right[np.clip(days, self.low, self.high) - self.low]


def cell_quantiles(
    sorted_keys: I64, span: int, counts: I64, p: float, lag: I64 | None = None
) -> tuple[I64, F64]:
    """Present cells and the p-quantile of each, from keys ``cell × span + value`` sorted.

    ``counts`` holds every cell's size in cell order (so cell c's values are the run of
    ``sorted_keys`` after the first ``counts[:c].sum()``). With ``lag``, a cell's values are
    ``value − lag[cell]``.
    """
    present = np.flatnonzero(counts)
    n = counts[present]
    starts = (np.cumsum(counts) - counts)[present]
    h = p * (n - 1).astype(np.float64)
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    base = present.astype(np.int64) * span
    if lag is not None:
        base += lag[present]
    x_lo = (sorted_keys[starts + lo] - base).astype(np.float64)
    x_hi = (sorted_keys[starts + hi] - base).astype(np.float64)
    return present, np.asarray(x_lo + (h - lo) * (x_hi - x_lo), dtype=np.float64)


def _covering(lo: Ints, hi: Ints, cell: Ints, months: int, cells: int) -> I64:
    """How many intervals ``lo … hi`` (month indices, inclusive) cover each month, per cell:
    an array (months, cells). An empty interval must have ``hi = lo − 1``: its +1 and −1
    then land on the same place and cancel."""
    size = (months + 1) * cells
    starts = np.bincount(lo.astype(np.int64) * cells + cell, minlength=size)
    stops = np.bincount((hi.astype(np.int64) + 1) * cells + cell, minlength=size)
    return np.cumsum((starts - stops).reshape(months + 1, cells), axis=0)[:months]


def _paused_before(data: SweepInput, rows: Ints, on: I64) -> I64:
    """Paused days before ``on[j]`` of pathway ``rows[j]``, for each j (pieces are disjoint)."""
    if not rows.size or not data.piece_row.size:
        return np.zeros(rows.size, dtype=np.int64)
    order = np.argsort(data.piece_row, kind="stable")
    piece_row = data.piece_row[order]
    lo = np.searchsorted(piece_row, rows, side="left")
    count = np.searchsorted(piece_row, rows, side="right") - lo
    owner = np.repeat(np.arange(rows.size, dtype=np.int64), count)
    piece = order[np.repeat(lo - (np.cumsum(count) - count), count) + np.arange(owner.size)]
    overlap = np.minimum(data.piece_end[piece], on[owner]) - data.piece_start[piece]
    paused = np.bincount(owner, weights=np.maximum(overlap, 0), minlength=rows.size)
    return paused.astype(np.int64)


def _empty() -> SweepResult:
    i, f = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return SweepResult(i, i, i, i, i, i, f, f, i)


def sweep_month_ends(data: SweepInput, month_ends: I64) -> SweepResult:
    """Waiting count, limit counts and exact median and p90 per month end, view group and group.

    ``view_group`` indexes :data:`VIEW_GROUPS`; ``month`` indexes ``month_ends``.
    """
    ends = np.asarray(month_ends, dtype=np.int64)
    months, groups = ends.size, data.groups
    position = MonthPosition(ends)
    # The run of month ends each pathway waited through, split where a pause is recorded.
    counted_from = data.s if data.a_from is None else np.maximum(data.s, data.a_from)
    counted_to = data.r if data.a_to is None else np.minimum(data.r, data.a_to)
    first = position.left(counted_from)
    last = position.left(counted_to).astype(np.int32) - 1
    apart_from = position.left(data.fp)
    active = np.flatnonzero(first <= last)
    if not active.size:
        return _empty()
    first, last, apart_from = first[active], last[active], apart_from[active]
    g = data.gid[active].astype(np.int32)
    s = data.s[active].astype(np.int32)
    limit = data.limit[active]
    # Standard interval first … (first pause − 1); apart interval (first pause) … last. Only
    # the non-empty apart intervals are kept, so pathway j's apart interval is row
    # ``active.size + j'`` for the j' of ``apart``.
    std_hi = np.minimum(last, apart_from.astype(np.int32) - 1)
    apart = np.flatnonzero(apart_from <= last)
    lo = np.concatenate([first, np.maximum(first, apart_from)[apart]]).astype(np.int32)
    hi = np.concatenate([std_hi, last[apart]])
    hi = np.maximum(hi, lo - 1)  # an empty interval adds +1 and −1 at the same place
    cell = np.concatenate([g, g[apart] + groups])
    rows = np.concatenate([np.arange(active.size, dtype=np.int32), apart.astype(np.int32)])
    del std_hi, first, last, apart_from

    # Counts per (month, wait group, group) from interval events; cell = wait group × G + g.
    cells = 2 * groups
    counts = _covering(lo, hi, cell, months, cells)
    # From the first month end on or after ``void_since`` the guarantee is void: those month
    # ends are counted apart and judged against no limit; the ones before are ordinary.
    void_from = (
        np.full(rows.size, months, dtype=np.int32)
        if data.void_since is None
        else position.left(data.void_since[active][rows]).astype(np.int32)
    )
    voided = _covering(
        np.maximum(lo, void_from),
        np.maximum(hi, np.maximum(lo, void_from) - 1),
        cell,
        months,
        cells,
    )
    judged = limit[rows] >= 0
    lo_j, cell_j, rows_j = lo[judged], cell[judged], rows[judged]
    hi_j = np.maximum(np.minimum(hi[judged], void_from[judged] - 1), lo_j - 1)
    with_limit = _covering(lo_j, hi_j, cell_j, months, cells)
    # Last month end within the limit: m ≤ clock_start + limit.
    within_to = position.right(s[rows_j] + limit[rows_j]).astype(np.int32) - 1
    within_hi = np.maximum(np.minimum(hi_j, within_to), lo_j - 1)
    within = _covering(lo_j, within_hi, cell_j, months, cells)
    del lo_j, hi_j, cell_j, rows_j, within_to, within_hi, judged

    # Every (pathway, month end) pair as a composite key ``cell × span + (m_last − s)``: within
    # a cell the month end is fixed, so ordering by −s orders by days waited, and the key of a
    # pathway's next month end is the key of this one plus a constant. No pair needs its
    # month to be computed, only the apart pairs (for their paused days).
    n = (hi - lo + 1).astype(np.int64)
    n_std = int(n[: active.size].sum())
    total = int(n.sum())
    m_last = int(ends[-1])
    span = int(m_last - int(s.min()) + 1)
    start = np.cumsum(n) - n
    comp = m_last - s[rows].astype(np.int64)
    step = groups * span  # one month, in the pause-adjusted key
    # National: cell (k·2 + a)·G + g, one month = 2·step.
    keys = np.repeat(cell.astype(np.int64) * span + comp + 2 * step * (lo - start), n)
    ramp = np.arange(total, dtype=np.int64)
    ramp *= step
    keys += ramp
    keys += ramp
    keys.sort()
    flat = counts.ravel()
    lag = np.repeat(m_last - ends, 2 * groups)  # m_last − m_k per national cell
    present, median = cell_quantiles(keys, span, flat, 0.5, lag)
    _, p90 = cell_quantiles(keys, span, flat, 0.9, lag)
    m_a, gid = np.divmod(present, groups)
    m, a = np.divmod(m_a, 2)
    flat_lim, flat_within = with_limit.ravel(), within.ravel()
    parts = [
        (
            m,
            a,
            gid,
            flat[present],
            flat_lim[present],
            flat_within[present],
            median,
            p90,
            voided.ravel()[present],
        )
    ]

    # Pause-adjusted: cell k·G + g, and the apart pairs' paused days before m_k subtracted.
    g_rows = np.where(cell >= groups, cell - groups, cell).astype(np.int64)
    keys = np.repeat(g_rows * span + comp + step * (lo - start), n)
    keys += ramp
    del ramp, comp, g_rows
    tail = slice(active.size, None)
    k_apart = np.repeat(lo[tail].astype(np.int64) - (start[tail] - n_std), n[tail]) + np.arange(
        total - n_std, dtype=np.int64
    )
    rows_apart = active[np.repeat(rows[tail], n[tail])]
    paused = _paused_before(data, rows_apart, ends[k_apart])
    keys[n_std:] -= paused
    keys.sort()
    both = counts[:, :groups] + counts[:, groups:]
    lag = np.repeat(m_last - ends, groups)
    present, median = cell_quantiles(keys, span, both.ravel(), 0.5, lag)
    _, p90 = cell_quantiles(keys, span, both.ravel(), 0.9, lag)
    del keys
    # Within on the adjusted clock: standard pairs as nationally, apart pairs one by one.
    apart_g = data.gid[rows_apart].astype(np.int64)
    apart_limit = data.limit[rows_apart]
    apart_days = ends[k_apart] - data.s[rows_apart] - paused
    apart_void_from = np.repeat(void_from[tail], n[tail])
    judged = (apart_limit >= 0) & (apart_days <= apart_limit) & (k_apart < apart_void_from)
    apart_within = np.bincount(
        k_apart[judged] * groups + apart_g[judged], minlength=months * groups
    )
    adj_within = within[:, :groups].ravel() + apart_within
    adj_limited = (with_limit[:, :groups] + with_limit[:, groups:]).ravel()
    m, gid = np.divmod(present, groups)
    parts.append(
        (
            m,
            np.full(m.size, 2, dtype=np.int64),
            gid,
            both.ravel()[present],
            adj_limited[present],
            adj_within[present],
            median,
            p90,
            (voided[:, :groups] + voided[:, groups:]).ravel()[present],
        )
    )

    def cat(i: int) -> npt.NDArray[Any]:
        return np.concatenate([part[i] for part in parts])

    return SweepResult(
        month=cat(0).astype(np.int64),
        view_group=cat(1).astype(np.int64),
        gid=cat(2).astype(np.int64),
        count=cat(3).astype(np.int64),
        limited=cat(4).astype(np.int64),
        within=cat(5).astype(np.int64),
        median=cat(6).astype(np.float64),
        p90=cat(7).astype(np.float64),
        void=cat(8).astype(np.int64),
    )
