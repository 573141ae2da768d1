"""Month-end waiting states for many groups at once, exactly, in a few vectorised passes.

The obvious query joins every pathway to every month end it waited through and lets the
database compute a percentile per (group, month) from those rows, which means hashing and
sorting tens of millions of rows by text keys. This kernel instead:

1. sorts the pathways once by (group, clock start descending) — one packed integer key;
2. finds, per pathway, the first and last month end it waited through and the first with a
   pause recorded (binary searches), as byte-wide month indices;
3. for each month end, takes the waiting pathways — standard first, then those with a pause
   recorded — with a few byte-wide comparisons, which keeps the order of step 1.

Because days waited at month end m is ``m − clock_start``, every (month, wait group, group)
cell is then a contiguous run of pairs already in ascending order of days waited: counts are
bincounts and the order statistics behind an exact percentile are read off by position, for
all cells at once. The pause-adjusted view subtracts paused days, which reorders only the
pairs with a pause recorded (a minority): those are sorted on their own and merged into the
sorted rest (a two-run merge, linear time).

Percentiles are exact: linear interpolation between the order statistics at ``p·(n − 1)``, as
``quantile_cont`` in DuckDB, ``percentile_cont`` in PostgreSQL, ``percentile`` in Spark and
``numpy.quantile``'s default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["VIEW_GROUPS", "SweepInput", "SweepResult", "cell_quantiles", "sweep_month_ends"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

VIEW_GROUPS: tuple[tuple[str, str], ...] = (
    ("national", "standard"),
    ("national", "pvv_mov"),
    ("pause_adjusted", "all"),
)


@dataclass(frozen=True)
class SweepInput:
    """One row per pathway (epoch days; ``FAR`` for never; ``limit`` −1 for none), and the
    disjoint paused pieces ``[piece_start, piece_end)`` of row ``piece_row``."""

    gid: I64
    s: I64
    r: I64
    fp: I64
    limit: I64
    piece_row: I64
    piece_start: I64
    piece_end: I64
    groups: int


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


def cell_quantiles(
    cell: I64, sorted_values: I64, cells: int, p: float, counts: I64 | None = None
) -> tuple[I64, I64, F64]:
    """Present cells, their sizes and the p-quantile of each, for values sorted by cell.

    ``cell`` must be non-decreasing along ``sorted_values`` (each cell a contiguous run in
    ascending order).
    """
    if counts is None:
        counts = np.bincount(cell, minlength=cells).astype(np.int64)
    present = np.flatnonzero(counts)
    n = counts[present]
    starts = (np.cumsum(counts) - counts)[present]
    h = p * (n - 1).astype(np.float64)
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    x_lo = sorted_values[starts + lo].astype(np.float64)
    x_hi = sorted_values[starts + hi].astype(np.float64)
    return present, n, np.asarray(x_lo + (h - lo) * (x_hi - x_lo), dtype=np.float64)


def _counts(
    cell: I64, days: npt.NDArray[np.integer], limit: npt.NDArray[np.integer], cells: int
) -> tuple[I64, I64, I64]:
    """Size, pathways with a limit, and pathways within it, per cell (any order)."""
    # Compress-then-count: several times faster than bincount with boolean weights.
    counts = np.bincount(cell, minlength=cells).astype(np.int64)
    has_limit = limit >= 0
    limited = np.bincount(cell[has_limit], minlength=cells).astype(np.int64)
    within = np.bincount(cell[has_limit & (days <= limit)], minlength=cells)
    return counts, limited, within.astype(np.int64)


def _summarise(
    counts: I64, limited: I64, within: I64, sorted_values: I64
) -> tuple[I64, I64, I64, I64, F64, F64]:
    present, n, median = cell_quantiles(np.empty(0, np.int64), sorted_values, 0, 0.5, counts)
    _, _, p90 = cell_quantiles(np.empty(0, np.int64), sorted_values, 0, 0.9, counts)
    return present, n, limited[present], within[present], median, p90


def sweep_month_ends(data: SweepInput, month_ends: I64) -> SweepResult:
    """Waiting count, limit counts and exact median and p90 per month end, view group and group.

    ``view_group`` indexes :data:`VIEW_GROUPS`; ``month`` indexes ``month_ends``.
    """
    ends = np.asarray(month_ends, dtype=np.int64)
    months, groups = ends.size, data.groups
    # Month ends each pathway waited through, as month indices: from the first on or after
    # its clock start to the last before its removal; and the first with a pause recorded.
    first = np.searchsorted(ends, data.s, side="left")
    last = np.searchsorted(ends, data.r, side="left") - 1
    active = np.flatnonzero(first <= last)
    # One sort by (group, clock start descending). With fewer than 65,536 groups and days
    # that is two stable radix sorts on 16-bit keys; otherwise one sort of a packed key.
    s_active = data.s[active]
    recent = s_active.max() - s_active if active.size else s_active
    if groups < (1 << 16) and (recent.max() if active.size else 0) < (1 << 16):
        by_start = np.argsort(recent.astype(np.uint16), kind="stable")
        by_group = np.argsort(data.gid[active][by_start].astype(np.uint16), kind="stable")
        order = active[by_start[by_group]]
    else:
        packed = data.gid[active] * (1 << 32) + ((1 << 31) - 1 - s_active)
        order = active[np.argsort(packed)]
    del s_active, recent, active
    # Month indices in 16 bits and per-pair columns in 32 bits: less memory traffic.
    first_k = first[order].astype(np.int16)
    last_k = last[order].astype(np.int16)
    apart_k = np.minimum(np.searchsorted(ends, data.fp[order], side="left"), months)
    apart_k = apart_k.astype(np.int16)
    wide = months * 2 * groups >= np.iinfo(np.int32).max
    g = data.gid[order].astype(np.int32)
    s = data.s[order].astype(np.int32)
    limit = data.limit[order].astype(np.int32)

    # Pairs (pathway, month end) laid out month by month, the standard pathways of the month
    # first and then those with a pause recorded, each in (group, days) order: a few byte-wide
    # comparisons per month instead of a sort of all pairs.
    blocks: list[I64] = []
    sizes = np.zeros(2 * months, dtype=np.int64)
    for k in range(months):
        waiting = (first_k <= k) & (last_k >= k)
        recorded = apart_k <= k
        for bit, mask in ((0, waiting & ~recorded), (1, waiting & recorded)):
            rows = np.flatnonzero(mask)
            blocks.append(rows)
            sizes[2 * k + bit] = rows.size
    row = np.concatenate(blocks)
    del blocks
    block = np.repeat(np.arange(2 * months, dtype=np.int32), sizes)
    month = block >> 1
    apart = (block & 1).astype(bool)
    days = ends.astype(np.int32)[month] - s[row]
    pair_g = g[row]
    pair_limit = limit[row]
    total = row.size

    # National view: cells (month, recorded, group) are contiguous and in ascending days.
    national_cell = (block.astype(np.int64) if wide else block) * groups + pair_g
    del block
    counts, limited, within = _counts(national_cell, days, pair_limit, months * 2 * groups)
    present, n, lim_p, within_p, median, p90 = _summarise(counts, limited, within, days)
    m_a, gid = np.divmod(present, groups)
    m, a = np.divmod(m_a, 2)
    parts = [(m, a, gid, n, lim_p, within_p, median, p90)]

    # Pause-adjusted view: subtract paused days before the month end from the recorded pairs.
    apart_pairs = np.flatnonzero(apart)
    adjusted_apart = days[apart_pairs]
    if apart_pairs.size and data.piece_row.size:
        position = np.full(data.s.size, -1, dtype=np.int64)
        position[order] = np.arange(order.size, dtype=np.int64)
        piece_pos = position[data.piece_row]
        keep = piece_pos >= 0
        by_row = np.argsort(piece_pos[keep], kind="stable")
        p_row = piece_pos[keep][by_row]
        p_start, p_end = data.piece_start[keep][by_row], data.piece_end[keep][by_row]
        pair_rows = row[apart_pairs]
        lo = np.searchsorted(p_row, pair_rows, side="left")
        count = np.searchsorted(p_row, pair_rows, side="right") - lo
        owner = np.repeat(np.arange(apart_pairs.size), count)
        piece = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count - lo, count)
        overlap = np.clip(
            np.minimum(p_end[piece], ends[month[apart_pairs]][owner]) - p_start[piece], 0, None
        )
        paused = np.bincount(owner, weights=overlap, minlength=apart_pairs.size)
        adjusted_apart = adjusted_apart - paused.astype(np.int64)
    del row
    span = int(ends[-1] - s.min() + 1) if total else 1
    adjusted_cell = (month.astype(np.int64) if wide else month) * groups + pair_g
    adjusted_days = days.copy()
    adjusted_days[apart_pairs] = adjusted_apart
    counts, limited, within = _counts(adjusted_cell, adjusted_days, pair_limit, months * groups)
    del adjusted_days, pair_limit
    # Standard pairs are already in (month, group, days) order; the recorded ones are sorted
    # on their own and merged in (a two-run merge).
    standard = ~apart
    # Packed keys need 64 bits: cells × span overflows 32.
    key_std = adjusted_cell[standard].astype(np.int64) * span + days[standard]
    key_apart = np.sort(adjusted_cell[apart_pairs].astype(np.int64) * span + adjusted_apart)
    del days, adjusted_cell, standard
    merged = np.sort(np.concatenate([key_std, key_apart]), kind="stable")
    del key_std, key_apart
    present, n, lim_p, within_p, median, p90 = _summarise(counts, limited, within, merged % span)
    m, gid = np.divmod(present, groups)
    parts.append((m, np.full(m.size, 2, dtype=np.int64), gid, n, lim_p, within_p, median, p90))

    def cat(i: int) -> npt.NDArray[np.generic]:
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
    )
