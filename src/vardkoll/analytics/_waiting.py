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

__all__ = ["check_cut", "completed_expr", "waiting_expr"]


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
    day = epoch_day(on)
    prep = prepared if prepared is not None else prepared_pathways(tables, rule_set)
    pcs = pieces if pieces is not None else pause_pieces(tables)
    waiting = prep.filter(prep.s <= day, prep.r.isnull() | (prep.r > day))
    if UNIT_DIMENSIONS & set(keys):
        waiting = on_units_at(tables, waiting, day)  # the unit responsible on the day
    paused = pcs.group_by("pathway_key").aggregate(paused=paused_days_before(pcs, day).sum())
    j = waiting.left_join(paused, "pathway_key")
    rows = j.select(*waiting.columns, paused=j.paused.fill_null(0))
    both = _both_views(
        rows,
        keys,
        national_days=day - rows.s,
        adjusted_days=day - rows.s - rows.paused,
        apart=(rows.fp <= day).fill_null(False),
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
