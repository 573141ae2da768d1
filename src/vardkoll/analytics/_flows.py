"""Inflow, outflow, transfers and the queue at both ends of a period, so that
start + inflow + transferred in − outflow − transferred out = end.

Two ways to the same numbers. :func:`flows_expr` answers one period with one pass of
conditional counts. :func:`monthly_flows_expr` answers every month of a series from *events*:
each pathway contributes +1 in the month of its clock start and −1 in the month of its
removal, summed per (cut, month), and the month-end queue is the running sum of those events
(a cumulative window per cut) — no pathway is expanded into the month ends it waited through.
Events before the first month fall into a bucket ``-1`` so the running sum starts from the
right queue.

When the cut follows units and the source records transfers (``pathway_units``), every
pathway counts once per unit that held it (:func:`._prepare.unit_segments`, the unit holds it
on the days ``a_from ≤ d < a_to``): its clock start on the unit holding that day, its
removal on the unit holding the removal day, and a transfer out of one unit and into the
next on the day the next takes over while the pathway waits (``s < a_from ≤ r``). Without
a unit in the cut a transfer moves nothing and both transfer columns are 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from vardkoll.analytics._frames import month_bounds
from vardkoll.analytics._prepare import (
    UNIT_DIMENSIONS,
    IndicatorTables,
    epoch_day,
    held_spans,
    holds,
    moved_in,
    moved_out,
    prepared_pathways,
)
from vardkoll.analytics._waiting import check_cut, still_waiting
from vardkoll.domain import InputError

__all__ = ["flows_expr", "month_index", "monthly_flows_expr"]

FLOW_COLUMNS = (
    "queue_start",
    "inflow",
    "outflow_treated",
    "outflow_removed_other",
    "outflow",
    "transferred_in",
    "transferred_out",
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


def _waiting_on(p: ir.Table, day: dt.date) -> ir.BooleanValue:
    """In the queue at the end of ``day``: still waiting (the one definition), on this span."""
    return still_waiting(p, day) & holds(p, epoch_day(day))


def _keep(out: ir.Table) -> ir.BooleanValue:
    return (
        (out.queue_start != 0)
        | (out.queue_end != 0)
        | (out.inflow != 0)
        | (out.outflow != 0)
        | (out.transferred_in != 0)
        | (out.transferred_out != 0)
    )


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
    p = held_spans(tables, prepared if prepared is not None else prepared_pathways(tables), keys)
    a, b = epoch_day(start), epoch_day(end)
    removed_in = (p.r >= a) & (p.r <= b) & holds(p, p.r)
    out = p.group_by(keys).aggregate(
        queue_start=_flag(_waiting_on(p, start - dt.timedelta(days=1))).sum(),
        inflow=_flag((p.s >= a) & (p.s <= b) & holds(p, p.s)).sum(),
        outflow_treated=_flag(removed_in & p.treated).sum(),
        outflow_removed_other=_flag(removed_in & ~p.treated).sum(),
        transferred_in=_flag(moved_in(p) & (p.a_from >= a) & (p.a_from <= b)).sum(),
        transferred_out=_flag(moved_out(p) & (p.a_to >= a) & (p.a_to <= b)).sum(),
        queue_end=_flag(_waiting_on(p, end)).sum(),
    )
    out = out.mutate(outflow=out.outflow_treated + out.outflow_removed_other)
    out = out.mutate(net_change=out.inflow + out.transferred_in - out.outflow - out.transferred_out)
    return out.filter(_keep(out)).select(*keys, *FLOW_COLUMNS)


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
    moving = bool(UNIT_DIMENSIONS & set(keys)) and tables.pathway_units is not None
    p = held_spans(tables, prepared if prepared is not None else prepared_pathways(tables), keys)
    base = month_index(first_month)
    last = base + months - 1
    s_month = p.clock_start.year() * 12 + p.clock_start.month() - 1
    r_month = p.removed_on.year() * 12 + p.removed_on.month() - 1
    zero = ibis.literal(0, "int64")
    one = ibis.literal(1, "int64")
    counts = dict.fromkeys(
        ("inflow", "outflow_treated", "outflow_removed_other", "transferred_in", "transferred_out"),
        zero,
    )
    arrivals = p.filter(s_month <= last, holds(p, p.s)).select(
        *keys, bucket=ibis.greatest(s_month - base, -1).cast("int64"), **{**counts, "inflow": one}
    )
    removed = p.filter(p.r.notnull(), r_month <= last, holds(p, p.r))
    departures = removed.select(
        *keys,
        bucket=ibis.greatest(r_month.cast("int64") - base, -1).cast("int64"),
        **{
            **counts,
            "outflow_treated": removed.treated.cast("int32").cast("int64"),
            "outflow_removed_other": (~removed.treated).cast("int32").cast("int64"),
        },
    )
    parts = [arrivals, departures]
    if moving:
        end = epoch_day(month_bounds(last)[1])
        came = p.filter(moved_in(p), p.a_from <= end)
        went = p.filter(moved_out(p), p.a_to <= end)
        parts += [
            came.select(
                *keys,
                bucket=_bucket(came.a_from, base, months),
                **{**counts, "transferred_in": one},
            ),
            went.select(
                *keys,
                bucket=_bucket(went.a_to, base, months),
                **{**counts, "transferred_out": one},
            ),
        ]
    # A zero row for every cut and month, so the running sum has every month to stand on.
    # Union, not a join: dimension values may be NULL, and GROUP BY treats NULLs as equal.
    present = parts[0].select(*keys)
    for part in parts[1:]:
        present = present.union(part.select(*keys))
    grid = (
        present.distinct()
        # int64 bounds, so the unnested column needs no cast (Spark refuses a generator
        # nested in an expression).
        .mutate(
            bucket=ibis.range(ibis.literal(-1, "int64"), ibis.literal(months, "int64")).unnest()
        )
        .mutate(**counts)
    )
    events = parts[0]
    for part in [*parts[1:], grid]:
        events = events.union(part)
    per_month = events.group_by([*keys, "bucket"]).aggregate(
        **{name: events[name].sum() for name in counts}
    )
    per_month = per_month.mutate(
        outflow=per_month.outflow_treated + per_month.outflow_removed_other
    )
    per_month = per_month.mutate(
        net_change=per_month.inflow
        + per_month.transferred_in
        - per_month.outflow
        - per_month.transferred_out
    )
    running = ibis.window(group_by=keys, order_by="bucket", preceding=None, following=0)
    per_month = per_month.mutate(queue_end=per_month.net_change.sum().over(running))
    per_month = per_month.mutate(queue_start=per_month.queue_end - per_month.net_change)
    per_month = per_month.filter(per_month.bucket >= 0, _keep(per_month))
    per_month = per_month.mutate(month_index=(per_month.bucket + base).cast("int64"))
    return per_month.select(*keys, "month_index", *FLOW_COLUMNS)


def _bucket(day: ir.IntegerValue, base: int, months: int) -> ir.IntegerValue:
    """Month of epoch day ``day`` counted from month index ``base``, −1 for any earlier: a
    CASE over the month starts, which every backend runs alike."""
    starts = [epoch_day(month_bounds(base + i)[0]) for i in range(months + 1)]
    branches = [(day < starts[0], ibis.literal(-1, "int64"))]
    branches += [(day < starts[i + 1], ibis.literal(i, "int64")) for i in range(months)]
    return ibis.cases(*branches, else_=ibis.literal(months, "int64"))
