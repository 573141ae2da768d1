"""Completed per month and flows per month for many groups at once, in NumPy.

The companions of :mod:`._sweep` for the ``sweep`` method of the standard series; the
``portable`` method computes the same tables as Ibis expressions inside the backend.

* **Flows** are events: +1 in the month of a clock start, −1 in the month of a removal. A
  bincount per (group, month) and a cumulative sum along the months give the month-end
  queue; events before the first month land in a bucket ``-1`` so the sum starts right.
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

__all__ = ["MonthlyCompleted", "MonthlyFlows", "completed_by_month", "flows_by_month"]

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
    queue_end: I64


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
    gid: Ints, s_bucket: Ints, r_bucket: Ints, treated: B, groups: int, months: int
) -> MonthlyFlows:
    """Buckets: −1 before the first month, 0 … months − 1 inside, ``months`` after (or never).

    Clock starts after the last month are left out by the caller. Entries come out ordered
    by (month, group).
    """
    width = months + 1  # bucket −1 … months − 1, shifted by one
    size = width * groups
    inside_s = s_bucket < months
    inflow = np.bincount(
        (s_bucket[inside_s].astype(np.int64) + 1) * groups + gid[inside_s], minlength=size
    ).reshape(width, groups)
    removed = r_bucket < months
    # One count per (bucket, group, treated): outflow of the other reasons first.
    cell = ((r_bucket[removed].astype(np.int64) + 1) * groups + gid[removed]) * 2
    out = np.bincount(cell + treated[removed], minlength=size * 2).reshape(width, groups, 2)
    out_o, out_t = out[:, :, 0], out[:, :, 1]
    queue_end = np.cumsum(inflow - out_t - out_o, axis=0)
    queue_start = queue_end - inflow + out_t + out_o
    inner = (slice(1, None), slice(None))
    keep = (
        (queue_start[inner] != 0)
        | (queue_end[inner] != 0)
        | (inflow[inner] != 0)
        | (out_t[inner] != 0)
        | (out_o[inner] != 0)
    )
    m, g = np.nonzero(keep)
    return MonthlyFlows(
        gid=g.astype(np.int64),
        month=m.astype(np.int64),
        queue_start=queue_start[inner][m, g].astype(np.int64),
        inflow=inflow[inner][m, g].astype(np.int64),
        outflow_treated=out_t[inner][m, g].astype(np.int64),
        outflow_removed_other=out_o[inner][m, g].astype(np.int64),
        queue_end=queue_end[inner][m, g].astype(np.int64),
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
    parts = [
        (
            cell_nat,
            view_group,
            counts[present],
            limited[present],
            within[present],
            median,
            p90,
            voided[present],
        )
    ]
    # Pause-adjusted view: the paused days subtracted, every pathway together.
    adjusted = days - paused
    keys = cell * span + adjusted
    keys.sort()
    counts = counts.reshape(cells, 2).sum(axis=1)
    limited = limited.reshape(cells, 2).sum(axis=1)
    voided = voided.reshape(cells, 2).sum(axis=1)
    within = np.bincount(cell[judged & (adjusted <= limit)], minlength=cells)
    present, median, p90 = _quantiles(keys, span, counts)
    view_group = np.full(present.size, 2, dtype=np.int64)
    parts.append(
        (
            present,
            view_group,
            counts[present],
            limited[present],
            within[present],
            median,
            p90,
            voided[present],
        )
    )
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
