"""Still waiting at a date and completed in a period, in both views, as Ibis expressions.

One expression per question, grouped by any cut of :data:`DIMENSIONS`. Both views come back
in one table: ``national`` (calendar days; pathways with a recorded PVV/MOV in
``wait_group = 'pvv_mov'``, the rest in ``'standard'``) and ``pause_adjusted`` (paused days
subtracted; ``wait_group = 'all'``). Percentiles are exact, linear interpolation between order
statistics (``quantile_cont`` / ``percentile_cont`` / Spark ``percentile``, NumPy's default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from vardkoll.analytics._definitions import DIMENSIONS
from vardkoll.analytics._prepare import (
    UNIT_DIMENSIONS,
    IndicatorTables,
    epoch_day,
    on_units_at,
    pause_pieces,
    paused_days_before,
    prepared_pathways,
    unit_segments,
)
from vardkoll.domain import InputError

__all__ = [
    "check_cut",
    "completed_expr",
    "still_waiting",
    "still_waiting_sql",
    "void_on",
    "waiting_expr",
    "waiting_rows",
]


def _day(on: dt.date | ir.DateValue) -> ir.DateValue:
    return on if isinstance(on, ir.Value) else ibis.literal(on, "date")


def still_waiting(p: ir.Table, on: dt.date | ir.DateValue) -> ir.BooleanValue:
    """The one definition of *still waiting at the end of day* ``on`` (DOMAIN.md §2).

    The clock started on or before ``on`` and the pathway was not removed by then
    (``removed_on`` empty or later). ``p`` is any table with ``clock_start`` and
    ``removed_on`` (dates): the store's ``pathways`` or :func:`prepared_pathways`. The
    indicators, the overview, the waiting list and the planner all ask this question, so it
    is written once, here; ``on`` may be a date column (a join with month ends).
    """
    day = _day(on)
    return (p.clock_start <= day) & (p.removed_on.isnull() | (p.removed_on > day))


def void_on(p: ir.Table, on: dt.date | ir.DateValue) -> ir.BooleanValue:
    """The guarantee is void on day ``on``: it became void (a declined redress offer,
    DOMAIN.md §1.4) on or before it. Before that day the pathway is an ordinary waiter."""
    return (p.guarantee_void_since <= _day(on)).fill_null(False)


_SQL_PATHWAYS = ibis.schema(
    {
        "pathway_key": "string",
        "clock_start": "date",
        "removed_on": "date",
    }
)


def still_waiting_sql(on: dt.date, *, table: str = "pathways") -> str:
    """DuckDB SQL for the ``pathway_key`` of every pathway of ``table`` still waiting on
    ``on`` (:func:`still_waiting`, compiled): for the SQL reads of the store (the waiting
    list, the planner), which join it instead of restating the rule."""
    t = ibis.table(_SQL_PATHWAYS, name=table)
    return str(ibis.to_sql(t.filter(still_waiting(t, on)).select("pathway_key"), "duckdb"))


def check_cut(by: Sequence[str]) -> list[str]:
    """The cut as a list, or an :class:`InputError` naming the unknown dimension."""
    by = list(by)
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise InputError(
            f"Unknown dimension(s) {', '.join(map(repr, unknown))} in the cut; use any of "
            f"{', '.join(DIMENSIONS)}.",
            field="by",
        )
    if len(set(by)) != len(by):
        raise InputError(f"The cut {by} names a dimension twice; name each once.", field="by")
    return by


def _summary(rows: ir.Table, keys: Sequence[str], prefix: str) -> ir.Table:
    """Count, share within limit, count beyond, void count and the two percentiles of
    ``rows.days``. A void guarantee has no limit here (``_both_views``), so it is neither
    within nor beyond."""
    days = rows.days
    return rows.group_by(list(keys)).aggregate(
        **{
            f"{prefix}_count": rows.count(),
            f"{prefix}_within_limit_share": (days <= rows.limit_days)
            .cast("int32")
            .cast("float64")
            .mean(),
            f"{prefix}_beyond_limit_count": (days > rows.limit_days)
            .cast("int32")
            .cast("int64")
            .sum(),
            f"{prefix}_guarantee_void_count": rows.void.cast("int32").cast("int64").sum(),
            f"{prefix}_median_days": days.cast("float64").quantile(0.5),
            f"{prefix}_p90_days": days.cast("float64").quantile(0.9),
        }
    )


def _both_views(
    rows: ir.Table,
    keys: Sequence[str],
    national_days: ir.IntegerValue,
    adjusted_days: ir.IntegerValue,
    apart: ir.BooleanValue,
) -> ir.Table:
    # A guarantee void on the day is judged against no limit: it is counted apart.
    judged = ibis.ifelse(rows.void, ibis.null("int64"), rows.limit_days)
    national = rows.select(
        *keys,
        view=ibis.literal("national"),
        wait_group=ibis.ifelse(apart, "pvv_mov", "standard"),
        days=national_days,
        limit_days=judged,
        void=rows.void,
    )
    adjusted = rows.select(
        *keys,
        view=ibis.literal("pause_adjusted"),
        wait_group=ibis.literal("all"),
        days=adjusted_days,
        limit_days=judged,
        void=rows.void,
    )
    return national.union(adjusted)


def waiting_rows(
    tables: IndicatorTables,
    on: dt.date,
    *,
    unit_on_day: bool = False,
    rule_set: str = "se-national",
    prepared: ir.Table | None = None,
    pieces: ir.Table | None = None,
) -> ir.Table:
    """One row per pathway :func:`still_waiting` at the end of day ``on``.

    The columns of :func:`prepared_pathways` (or of ``prepared``, already narrowed), with
    ``unit_id``/``provider_id`` of the unit responsible that day when ``unit_on_day``, and
    ``paused`` (paused days before ``on``), ``national_days`` (``on − clock_start``),
    ``adjusted_days`` (minus ``paused``, as :func:`domain.days_waited`), ``apart`` (a PVV/MOV
    recorded by ``on``) and ``void`` (:func:`void_on`).
    """
    day = epoch_day(on)
    prep = prepared if prepared is not None else prepared_pathways(tables, rule_set)
    pcs = pieces if pieces is not None else pause_pieces(tables)
    waiting = prep.filter(still_waiting(prep, on))
    if unit_on_day:
        waiting = on_units_at(tables, waiting, day)  # the unit responsible on the day
    paused = pcs.group_by("pathway_key").aggregate(paused=paused_days_before(pcs, day).sum())
    j = waiting.left_join(paused, "pathway_key")
    rows = j.select(*waiting.columns, paused=j.paused.fill_null(0))
    return rows.mutate(
        national_days=day - rows.s,
        adjusted_days=day - rows.s - rows.paused,
        apart=(rows.fp <= day).fill_null(False),
        void=void_on(rows, on),
    )


def waiting_expr(
    tables: IndicatorTables,
    on: dt.date,
    by: Sequence[str],
    *,
    rule_set: str = "se-national",
    prepared: ir.Table | None = None,
    pieces: ir.Table | None = None,
) -> ir.Table:
    """Still waiting at the end of day ``on``, per cut, view and wait group.

    A pathway waits on day d when ``clock_start ≤ d`` and it is not removed by d
    (``removed_on > d`` or empty), on the unit responsible that day (``pathway_units``).
    Days waited: ``d − clock_start`` in the national view and minus the paused days before d
    in the pause-adjusted view (:func:`domain.days_waited`).
    """
    keys = check_cut(by)
    rows = waiting_rows(
        tables,
        on,
        unit_on_day=bool(UNIT_DIMENSIONS & set(keys)),
        rule_set=rule_set,
        prepared=prepared,
        pieces=pieces,
    )
    both = _both_views(
        rows,
        keys,
        national_days=rows.national_days,
        adjusted_days=rows.adjusted_days,
        apart=rows.apart,
    )
    out = _summary(both, [*keys, "view", "wait_group"], "waiting")
    return out.mutate(on=ibis.literal(on, "date"))


def completed_expr(
    tables: IndicatorTables,
    start: dt.date,
    end: dt.date,
    by: Sequence[str],
    *,
    monthly: bool = False,
    rule_set: str = "se-national",
    prepared: ir.Table | None = None,
    pieces: ir.Table | None = None,
) -> ir.Table:
    """Pathways removed in ``start … end`` (both inclusive), per cut, view, group and outcome.

    The wait of a completed pathway is counted up to its removal day, on the unit
    responsible that day (``pathway_units``). ``outcome`` is
    ``treated`` or ``removed_other`` and is always a grouping key. With ``monthly`` the rows
    are also split by calendar month (column ``month_index`` = year × 12 + month − 1).
    """
    keys = check_cut(by)
    if end < start:
        raise InputError(
            f"The period ends {end.isoformat()} before it starts {start.isoformat()}.",
            field="period",
        )
    prep = prepared if prepared is not None else prepared_pathways(tables, rule_set)
    pcs = pieces if pieces is not None else pause_pieces(tables)
    done = prep.filter(prep.r >= epoch_day(start), prep.r <= epoch_day(end))
    if UNIT_DIMENSIONS & set(keys) and tables.pathway_units is not None:
        held = unit_segments(tables, done)  # on the unit responsible on the removal day
        done = held.filter(held.a_from <= held.r, held.a_to > held.r).select(*done.columns)
    done = done.mutate(
        void=void_on(done, done.removed_on),
        outcome=ibis.ifelse(done.treated, "treated", "removed_other"),
        month_index=done.removed_on.year() * 12 + done.removed_on.month() - 1,
    )
    pj = pcs.inner_join(done.select("pathway_key", rr=done.r), "pathway_key")
    paused = pj.group_by("pathway_key").aggregate(paused=paused_days_before(pj, pj.rr).sum())
    j = done.left_join(paused, "pathway_key")
    rows = j.select(*done.columns, paused=j.paused.fill_null(0))
    extra = ["outcome", "month_index"] if monthly else ["outcome"]
    both = _both_views(
        rows,
        [*keys, *extra],
        national_days=rows.r - rows.s,
        adjusted_days=rows.r - rows.s - rows.paused,
        apart=(rows.fp <= rows.r).fill_null(False),
    )
    return _summary(both, [*keys, *extra, "view", "wait_group"], "completed")
