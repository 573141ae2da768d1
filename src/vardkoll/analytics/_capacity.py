"""Primary-care access, the estimated current wait, spare capacity, load and pressure.

The estimated current wait (*aktuellt väntetidsläge*, docs/explanation/indicators.md) is stated with
its method:
**queue ahead ÷ recent weekly throughput** — the patients waiting on day d, served in
first-come order at the pace of the treated removals of the 8 weeks ending d, so
``7 × queue / treated_per_week`` days. It needs no model and is what a unit could tell a
patient on the phone; it ignores priorities and assumes the pace holds. Load and pressure
follow docs/explanation/queueing.md (Fong et al.; NHSRwaitinglist) with the units in the field
names: demand and capacity are per week, waits and limits in days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from vardkoll.analytics._prepare import (
    IndicatorTables,
    epoch_day,
    held_spans,
    holds,
    moved_in,
    prepared_pathways,
)
from vardkoll.analytics._waiting import check_cut
from vardkoll.domain import InputError, rule_set_in_force

__all__ = [
    "ESTIMATE_METHOD",
    "RECENT_WEEKS",
    "SPARE_CAPACITY_SHARE",
    "capacity_expr",
    "primary_care_expr",
]

RECENT_WEEKS = 8
"""Weeks of history behind demand, capacity and the estimated wait."""

SPARE_CAPACITY_SHARE = 0.5
"""A unit has spare capacity when its estimated wait is at most this share of the limit."""

ESTIMATE_METHOD = (
    f"queue ahead ÷ treated per week over the last {RECENT_WEEKS} weeks (first-come order)"
)


def _flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    return condition.fill_null(False).cast("int32").cast("int64")


def primary_care_expr(
    tables: IndicatorTables,
    start: dt.date,
    end: dt.date,
    by: Sequence[str],
    *,
    rule_set: str = "se-national",
    prepared: ir.Table | None = None,
) -> ir.Table:
    """Treated primary-care pathways removed in ``start … end``: assessments within the limit
    (3 days since 2019) and contacts on the same day, in the national view."""
    keys = check_cut(by)
    p = prepared if prepared is not None else prepared_pathways(tables, rule_set)
    done = p.filter(
        p.treated,
        p.r >= epoch_day(start),
        p.r <= epoch_day(end),
        p.entry_type.isin(["primary_assessment", "primary_contact"]),
    )
    days = done.r - done.s
    assessment = done.entry_type == "primary_assessment"
    contact = done.entry_type == "primary_contact"
    out = done.group_by(keys).aggregate(
        primary_assessment_count=_flag(assessment).sum(),
        primary_assessment_within_limit_share=ibis.ifelse(
            assessment,
            (days <= done.limit_days).cast("int32").cast("float64"),
            ibis.null("float64"),
        ).mean(),
        primary_contact_count=_flag(contact).sum(),
        primary_contact_same_day_share=ibis.ifelse(
            contact, (days == 0).cast("int32").cast("float64"), ibis.null("float64")
        ).mean(),
    )
    return out.mutate(view=ibis.literal("national"))


def limits_on(day: dt.date, rule_set: str) -> dict[str, int | None]:
    """The limit per entry type for a clock starting on ``day``."""
    return dict(rule_set_in_force(rule_set, day).limits)


def capacity_expr(
    tables: IndicatorTables,
    on: dt.date,
    by: Sequence[str],
    *,
    rule_set: str = "se-national",
    prepared: ir.Table | None = None,
) -> ir.Table:
    """Queue, recent demand and capacity, load, pressure, estimated wait and spare capacity.

    The cut must include ``entry_type``: the limit a patient referred on ``on`` is promised
    depends on it.
    """
    keys = check_cut(by)
    if "entry_type" not in keys:
        raise InputError(
            "The capacity indicators compare with the guarantee limit, which depends on the "
            f"entry type; add 'entry_type' to the cut {keys}.",
            field="by",
        )
    # Per unit span when the cut follows units: the queue on the unit holding the pathway on
    # the day, arrivals by clock start or transfer in, treated on the unit of the removal day.
    p = held_spans(
        tables, prepared if prepared is not None else prepared_pathways(tables, rule_set), keys
    )
    day = epoch_day(on)
    recent_from = day - 7 * RECENT_WEEKS + 1
    waiting = (p.s <= day) & (p.r.isnull() | (p.r > day)) & holds(p, day)
    arrived = ((p.s >= recent_from) & (p.s <= day) & holds(p, p.s)) | (
        moved_in(p) & (p.a_from >= recent_from) & (p.a_from <= day)
    )
    agg = p.group_by(keys).aggregate(
        queue_count=_flag(waiting).sum(),
        wait_days_sum=ibis.ifelse(waiting.fill_null(False), day - p.s, 0).sum(),
        recent_starts=_flag(arrived).sum(),
        recent_treated=_flag((p.r >= recent_from) & (p.r <= day) & p.treated & holds(p, p.r)).sum(),
    )
    agg = agg.filter((agg.queue_count > 0) | (agg.recent_starts > 0) | (agg.recent_treated > 0))
    branches = [
        (agg.entry_type == kind, ibis.literal(limit, "int64"))
        for kind, limit in limits_on(on, rule_set).items()
        if limit is not None
    ]
    limit = ibis.cases(*branches, else_=ibis.null("int64")) if branches else ibis.null("int64")
    demand = agg.recent_starts.cast("float64") / RECENT_WEEKS
    capacity = agg.recent_treated.cast("float64") / RECENT_WEEKS
    mean_wait = agg.wait_days_sum.cast("float64") / agg.queue_count.cast("float64").nullif(0)
    estimate = 7.0 * agg.queue_count.cast("float64") / capacity.nullif(0.0)
    out = agg.mutate(
        demand_per_week=demand,
        capacity_per_week=capacity,
        load=demand / capacity.nullif(0.0),
        mean_wait_days=mean_wait,
        limit_days=limit,
        pressure=2.0 * mean_wait / limit.cast("float64").nullif(0.0),
        estimated_wait_days=estimate,
        spare_capacity=estimate <= SPARE_CAPACITY_SHARE * limit.cast("float64"),
        view=ibis.literal("national"),
        method=ibis.literal(ESTIMATE_METHOD),
    )
    return out.drop("wait_days_sum", "recent_starts", "recent_treated")
