"""Completed per month and flows per month for many groups at once, in NumPy.

The companions of :mod:`._sweep` for the ``sweep`` method of the standard series; the
``portable`` method computes the same tables as Ibis expressions inside the backend.

* **Flows** are events: +1 in the month of a clock start, −1 in the month of a removal. A
  bincount per (group, month) and a cumulative sum along the months give the month-end
  queue; events before the first month land in a bucket ``-1`` so the sum starts right.
* **Completed**: one sort of the composite key (group, month, outcome, days) puts every
  cell's waits in order, so exact percentiles are read off by position. The pause-adjusted
  view re-sorts only the pathways paused before removal and merges them back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vardkoll.analytics._sweep import cell_quantiles

__all__ = ["MonthlyCompleted", "MonthlyFlows", "completed_by_month", "flows_by_month"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


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


def flows_by_month(
    gid: I64, s_bucket: I64, r_bucket: I64, treated: B, groups: int, months: int
) -> MonthlyFlows:
    """Buckets: −1 before the first month, 0 … months − 1 inside, ``months`` after (or never).

    Clock starts after the last month are left out by the caller.
    """
    width = months + 1  # bucket −1 … months − 1, shifted by one
    inside_s = s_bucket < months
    inflow = np.bincount(
        gid[inside_s] * width + s_bucket[inside_s] + 1, minlength=groups * width
    ).reshape(groups, width)
    removed = r_bucket < months
    cell = gid[removed] * width + r_bucket[removed] + 1
    out_t = np.bincount(cell, weights=treated[removed], minlength=groups * width)
    out_o = np.bincount(cell, weights=~treated[removed], minlength=groups * width)
    out_t = out_t.astype(np.int64).reshape(groups, width)
    out_o = out_o.astype(np.int64).reshape(groups, width)
    queue_end = np.cumsum(inflow - out_t - out_o, axis=1)
    queue_start = queue_end - inflow + out_t + out_o
    inner = (slice(None), slice(1, None))
    keep = (
        (queue_start[inner] != 0)
        | (queue_end[inner] != 0)
        | (inflow[inner] != 0)
        | (out_t[inner] != 0)
        | (out_o[inner] != 0)
    )
    g, m = np.nonzero(keep)
    return MonthlyFlows(
        gid=g.astype(np.int64),
        month=m.astype(np.int64),
        queue_start=queue_start[inner][g, m],
        inflow=inflow[inner][g, m],
        outflow_treated=out_t[inner][g, m],
        outflow_removed_other=out_o[inner][g, m],
        queue_end=queue_end[inner][g, m],
    )


def _stats(cell: I64, days: I64, limit: I64, sorted_days: I64, cells: int) -> tuple[I64, ...]:
    counts = np.bincount(cell, minlength=cells).astype(np.int64)
    has_limit = limit >= 0
    limited = np.bincount(cell[has_limit], minlength=cells).astype(np.int64)
    within = np.bincount(cell[has_limit & (days <= limit)], minlength=cells)
    present, n, median = cell_quantiles(cell, sorted_days, cells, 0.5, counts)
    _, _, p90 = cell_quantiles(cell, sorted_days, cells, 0.9, counts)
    return present, n, limited[present], within[present].astype(np.int64), median, p90  # type: ignore[return-value]


def completed_by_month(
    gid: I64,
    month: I64,
    treated: B,
    days: I64,
    paused: I64,
    apart: B,
    limit: I64,
    groups: int,
    months: int,
) -> MonthlyCompleted:
    """Completed pathways (already filtered to the months) per group, month and outcome.

    ``days`` is the national wait (removal − clock start), ``paused`` the paused days before
    removal, ``apart`` whether a PVV/MOV was recorded by removal.
    """
    outcome = (~treated).astype(np.int64)
    cell = (gid * months + month) * 2 + outcome
    cells = groups * months * 2
    span = int(days.max()) + 1 if days.size else 1
    # National view: cell × (recorded) packed with the days into one key; one sort orders all.
    national_cell = cell * 2 + apart
    national_sorted = np.sort(national_cell * span + days)
    parts = [(3, _stats(national_cell, days, limit, national_sorted % span, cells * 2))]
    # Pause-adjusted view: unrecorded pathways keep their order (key cell·span + d), the
    # recorded ones are sorted on their own and merged in.
    adjusted = days - paused
    nat_cell_sorted = national_sorted // span
    standard = nat_cell_sorted % 2 == 0
    key_std = (nat_cell_sorted[standard] // 2) * span + national_sorted[standard] % span
    key_apt = np.sort(cell[apart] * span + adjusted[apart])
    merged = np.sort(np.concatenate([key_std, key_apt]), kind="stable")  # two-run merge
    parts.append((2, _stats(cell, adjusted, limit, merged % span, cells)))
    columns: dict[str, list[npt.NDArray[np.generic]]] = {
        k: []
        for k in (
            "gid",
            "month",
            "outcome",
            "view_group",
            "count",
            "limited",
            "within",
            "median",
            "p90",
        )
    }
    for kind, (present, n, limited, within, median, p90) in parts:
        if kind == 3:  # national: the last bit is the view group (0 standard, 1 PVV/MOV)
            present, view_group = np.divmod(present, 2)
        else:
            view_group = np.full(present.size, 2, dtype=np.int64)
        g_m, out = np.divmod(present, 2)
        g, m = np.divmod(g_m, months)
        for name, values in (
            ("gid", g),
            ("month", m),
            ("outcome", out),
            ("view_group", view_group),
            ("count", n),
            ("limited", limited),
            ("within", within),
            ("median", median),
            ("p90", p90),
        ):
            columns[name].append(values)
    cat = {k: np.concatenate(v) for k, v in columns.items()}
    return MonthlyCompleted(**cat)
