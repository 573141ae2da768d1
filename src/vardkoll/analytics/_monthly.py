"""Completed per month and flows per month for many groups at once, in NumPy.

The companions of :mod:`._sweep` for the ``sweep`` method of the standard series; the
``portable`` method computes the same tables as Ibis expressions inside the backend.

* **Flows** are events: +1 in the month of a clock start, −1 in the month of a removal
  (and, per unit, ±1 in the month of a transfer). A bincount per (group, month) and a
  cumulative sum along the months give the month-end queue; events before the first month
  land in a bucket ``-1`` so the sum starts right.
* **Completed**: one sort of the composite key (month, group, outcome, wait group, days)
  puts every cell's waits in order, so exact percentiles are read off by position; the
  pause-adjusted view sorts a second key with the paused days subtracted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vardkoll.analytics._sweep import cell_quantiles

__all__ = ["MonthlyCompleted", "MonthlyFlows", "Moves", "completed_by_month", "flows_by_month"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.signedinteger[Any]]


@dataclass(frozen=True)
class MonthlyFlows:
    """One entry per (group, month) where the queue or a flow is not zero."""

    gid: I64
    month: I64
    queue_start: I64
    inflow: I64
    outflow_treated: I64
    outflow_removed_other: I64
    transferred_in: I64
    transferred_out: I64
    queue_end: I64


@dataclass(frozen=True)
class Moves:
    """When rows are unit spans (:func:`._prepare.unit_segments`): the rows holding their
    clock start (``arrive``) and removal (``leave``) days, and the transfers in and out as
    (row, month bucket) pairs."""

    arrive: Ints
    leave: Ints
    in_row: Ints
    in_bucket: Ints
    out_row: Ints
    out_bucket: Ints


@dataclass(frozen=True)
class MonthlyCompleted:
    """One entry per (group, month, outcome, view group) with at least one completed.

    ``outcome`` 0 = treated, 1 = removed for another reason; ``view_group`` indexes
    :data:`._sweep.VIEW_GROUPS`.
    """

    gid: I64
    month: I64
    outcome: I64
    view_group: I64
    count: I64
    limited: I64
    within: I64
    median: F64
    p90: F64
    void: I64


def flows_by_month(
    gid: Ints,
    s_bucket: Ints,
    r_bucket: Ints,
    treated: B,
    groups: int,
    months: int,
    moves: Moves | None = None,
) -> MonthlyFlows:
    """Buckets: −1 before the first month, 0 … months − 1 inside, ``months`` after (or never).

    Clock starts after the last month are left out by the caller. Entries come out ordered
    by (month, group). With ``moves`` (rows are unit spans), a clock start or removal counts
    only on the row holding its day, and the transfers come from the moves' buckets.
    """
    width = months + 1  # bucket −1 … months − 1, shifted by one
    size = width * groups

    def per_bucket(bucket: Ints, row: Ints | slice) -> I64:
        inside = bucket < months
        cells = (bucket[inside].astype(np.int64) + 1) * groups + np.asarray(gid[row])[inside]
        return np.bincount(cells, minlength=size).reshape(width, groups)

    arrive: Ints | slice = slice(None) if moves is None else moves.arrive
    leave: Ints | slice = slice(None) if moves is None else moves.leave
    inflow = per_bucket(s_bucket[arrive], arrive)
    removed = r_bucket[leave] < months
    # One count per (bucket, group, treated): outflow of the other reasons first.
    cell = ((r_bucket[leave][removed].astype(np.int64) + 1) * groups + gid[leave][removed]) * 2
    out = np.bincount(cell + treated[leave][removed], minlength=size * 2).reshape(width, groups, 2)
    out_o, out_t = out[:, :, 0], out[:, :, 1]
    if moves is None:
        moved_in = moved_out = np.zeros((width, groups), dtype=np.int64)
    else:
        moved_in = per_bucket(moves.in_bucket, moves.in_row)
        moved_out = per_bucket(moves.out_bucket, moves.out_row)
    net = inflow + moved_in - out_t - out_o - moved_out
    queue_end = np.cumsum(net, axis=0)
    queue_start = queue_end - net
    inner = (slice(1, None), slice(None))
    keep = (
        (queue_start[inner] != 0)
        | (queue_end[inner] != 0)
        | (inflow[inner] != 0)
        | (out_t[inner] != 0)
        | (out_o[inner] != 0)
        | (moved_in[inner] != 0)
        | (moved_out[inner] != 0)
    )
    m, g = np.nonzero(keep)
    return MonthlyFlows(
        gid=g.astype(np.int64),
        month=m.astype(np.int64),
        queue_start=queue_start[inner][m, g],
        inflow=inflow[inner][m, g],
        outflow_treated=out_t[inner][m, g],
        outflow_removed_other=out_o[inner][m, g],
        transferred_in=moved_in[inner][m, g],
        transferred_out=moved_out[inner][m, g],
        queue_end=queue_end[inner][m, g],
    )


def _quantiles(sorted_keys: I64, span: int, counts: I64) -> tuple[I64, F64, F64]:
    present, median = cell_quantiles(sorted_keys, span, counts, 0.5)
    _, p90 = cell_quantiles(sorted_keys, span, counts, 0.9)
    return present, median, p90


def completed_by_month(
    gid: Ints,
    month: Ints,
    treated: B,
    days: Ints,
    paused: Ints,
    apart: B,
    limit: Ints,
    groups: int,
    months: int,
    void: B | None = None,
) -> MonthlyCompleted:
    """Completed pathways (already filtered to the months) per group, month and outcome.

    ``days`` is the national wait (removal − clock start), ``paused`` the paused days before
    removal, ``apart`` whether a PVV/MOV was recorded by removal, ``void`` whether the
    guarantee is void (such pathways come with ``limit`` −1 and are counted apart).
    """
    if void is None:
        void = np.zeros(gid.size, dtype=bool)
    # cell = (month · G + group) · 2 + outcome (0 treated, 1 removed for another reason).
    cell = (month.astype(np.int64) * groups + gid) * 2 + ~treated
    cells = groups * months * 2
    span = int(days.max()) + 1 if days.size else 1
    judged = limit >= 0
    # National view: cell × 2 + recorded, packed with the days into one key; one sort.
    national = cell * 2 + apart
    counts = np.bincount(national, minlength=cells * 2)
    limited = np.bincount(national[judged], minlength=cells * 2)
    within = np.bincount(national[judged & (days <= limit)], minlength=cells * 2)
    voided = np.bincount(national[void], minlength=cells * 2)
    keys = national * span + days
    keys.sort()
    present, median, p90 = _quantiles(keys, span, counts)
    cell_nat, view_group = np.divmod(present, 2)

    def part(cells: I64, view: I64) -> tuple[npt.NDArray[Any], ...]:
        """The present cells' columns, read off the count arrays of the view at hand."""
        return (
            cells,
            view,
            counts[present],
            limited[present],
            within[present],
            median,
            p90,
            voided[present],
        )

    parts = [part(cell_nat, view_group)]
    # Pause-adjusted view: the paused days subtracted, every pathway together.
    adjusted = days - paused
    keys = cell * span + adjusted
    keys.sort()
    counts = counts.reshape(cells, 2).sum(axis=1)
    limited = limited.reshape(cells, 2).sum(axis=1)
    voided = voided.reshape(cells, 2).sum(axis=1)
    within = np.bincount(cell[judged & (adjusted <= limit)], minlength=cells)
    present, median, p90 = _quantiles(keys, span, counts)
    parts.append(part(present, np.full(present.size, 2, dtype=np.int64)))
    columns = [np.concatenate([part[i] for part in parts]) for i in range(8)]
    m_g, outcome = np.divmod(columns[0], 2)
    m, g = np.divmod(m_g, groups)
    return MonthlyCompleted(
        gid=g.astype(np.int64),
        month=m.astype(np.int64),
        outcome=outcome.astype(np.int64),
        view_group=columns[1].astype(np.int64),
        count=columns[2].astype(np.int64),
        limited=columns[3].astype(np.int64),
        within=columns[4].astype(np.int64),
        median=columns[5].astype(np.float64),
        p90=columns[6].astype(np.float64),
        void=columns[7].astype(np.int64),
    )
