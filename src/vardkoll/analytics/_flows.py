"""Inflow, outflow and the queue at both ends of a period, so that start + in − out = end.

Two ways to the same numbers. :func:`flows_expr` answers one period with one pass of
conditional counts. :func:`monthly_flows_expr` answers every month of a series from *events*:
each pathway contributes +1 in the month of its clock start and −1 in the month of its
removal, summed per (cut, month), and the month-end queue is the running sum of those events
(a cumulative window per cut) — no pathway is expanded into the month ends it waited through.
Events before the first month fall into a bucket ``-1`` so the running sum starts from the
right queue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from vardkoll.analytics._prepare import IndicatorTables, epoch_day, prepared_pathways
from vardkoll.analytics._waiting import check_cut
from vardkoll.domain import InputError

__all__ = ["flows_expr", "month_index", "monthly_flows_expr"]

FLOW_COLUMNS = (
    "queue_start",
    "inflow",
    "outflow_treated",
    "outflow_removed_other",
    "outflow",
    "net_change",
    "queue_end",
)


def month_index(day: dt.date) -> int:
    """Months since year 0: the integer key of a calendar month (year × 12 + month − 1).

    >>> month_index(dt.date(2025, 1, 15))
    24300
    """
    return day.year * 12 + day.month - 1


def _flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    return condition.fill_null(False).cast("int32").cast("int64")


def flows_expr(
    tables: IndicatorTables,
    start: dt.date,
    end: dt.date,
    by: Sequence[str],
    *,
    prepared: ir.Table | None = None,
) -> ir.Table:
    """Queue at the evening before ``start``, flows in ``start … end``, queue at ``end``."""
    keys = check_cut(by)
    if end < start:
        raise InputError(
            f"The period ends {end.isoformat()} before it starts {start.isoformat()}.",
            field="period",
        )
    p = prepared if prepared is not None else prepared_pathways(tables)
    a, b = epoch_day(start), epoch_day(end)
    removed_in = (p.r >= a) & (p.r <= b)
    out = p.group_by(keys).aggregate(
        queue_start=_flag((p.s <= a - 1) & (p.r.isnull() | (p.r > a - 1))).sum(),
        inflow=_flag((p.s >= a) & (p.s <= b)).sum(),
        outflow_treated=_flag(removed_in & p.treated).sum(),
        outflow_removed_other=_flag(removed_in & ~p.treated).sum(),
        queue_end=_flag((p.s <= b) & (p.r.isnull() | (p.r > b))).sum(),
    )
    out = out.mutate(outflow=out.outflow_treated + out.outflow_removed_other)
    out = out.mutate(net_change=out.inflow - out.outflow)
    out = out.filter(
        (out.queue_start != 0) | (out.queue_end != 0) | (out.inflow != 0) | (out.outflow != 0)
    )
    return out.select(*keys, *FLOW_COLUMNS)


def monthly_flows_expr(
    tables: IndicatorTables,
    first_month: dt.date,
    months: int,
    by: Sequence[str],
    *,
    prepared: ir.Table | None = None,
) -> ir.Table:
    """Flows per calendar month for ``months`` months from ``first_month``'s month.

    Column ``month_index`` identifies the month (see :func:`month_index`). Rows where the
    queue is empty at both ends and nothing moved are left out.
    """
    keys = check_cut(by)
    if months < 1:
        raise InputError(f"months must be at least 1; got {months}.", field="months")
    p = prepared if prepared is not None else prepared_pathways(tables)
    base = month_index(first_month)
    last = base + months - 1
    s_month = p.clock_start.year() * 12 + p.clock_start.month() - 1
    r_month = p.removed_on.year() * 12 + p.removed_on.month() - 1
    zero = ibis.literal(0, "int64")
    arrivals = p.filter(s_month <= last).select(
        *keys,
        bucket=ibis.greatest(s_month - base, -1).cast("int64"),
        inflow=ibis.literal(1, "int64"),
        outflow_treated=zero,
        outflow_removed_other=zero,
    )
    removed = p.filter(p.r.notnull(), r_month <= last)
    departures = removed.select(
        *keys,
        bucket=ibis.greatest(r_month.cast("int64") - base, -1).cast("int64"),
        inflow=zero,
        outflow_treated=removed.treated.cast("int32").cast("int64"),
        outflow_removed_other=(~removed.treated).cast("int32").cast("int64"),
    )
    # A zero row for every cut and month, so the running sum has every month to stand on.
    # Union, not a join: dimension values may be NULL, and GROUP BY treats NULLs as equal.
    grid = (
        arrivals.select(*keys)
        .union(departures.select(*keys))
        .distinct()
        # int64 bounds, so the unnested column needs no cast (Spark refuses a generator
        # nested in an expression).
        .mutate(
            bucket=ibis.range(ibis.literal(-1, "int64"), ibis.literal(months, "int64")).unnest()
        )
        .mutate(inflow=zero, outflow_treated=zero, outflow_removed_other=zero)
    )
    events = arrivals.union(departures).union(grid)
    per_month = events.group_by([*keys, "bucket"]).aggregate(
        inflow=events.inflow.sum(),
        outflow_treated=events.outflow_treated.sum(),
        outflow_removed_other=events.outflow_removed_other.sum(),
    )
    per_month = per_month.mutate(
        outflow=per_month.outflow_treated + per_month.outflow_removed_other
    )
    per_month = per_month.mutate(net_change=per_month.inflow - per_month.outflow)
    running = ibis.window(group_by=keys, order_by="bucket", preceding=None, following=0)
    per_month = per_month.mutate(queue_end=per_month.net_change.sum().over(running))
    per_month = per_month.mutate(queue_start=per_month.queue_end - per_month.net_change)
    per_month = per_month.filter(
        per_month.bucket >= 0,
        (per_month.queue_start != 0)
        | (per_month.queue_end != 0)
        | (per_month.inflow != 0)
        | (per_month.outflow != 0),
    )
    per_month = per_month.mutate(month_index=(per_month.bucket + base).cast("int64"))
    return per_month.select(*keys, "month_index", *FLOW_COLUMNS)
