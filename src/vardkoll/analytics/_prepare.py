"""The per-pathway facts every indicator starts from, as Ibis expressions.

Dates become integer *epoch days* at once, so every later step is integer arithmetic that
compiles the same on DuckDB, PostgreSQL and Spark. Days are counted as in
:func:`vardkoll.domain.days_waited`: calendar days, the clock-start day is day 0, and a pause
``start … end − 1`` removes the paused days inside ``clock_start … d − 1``.

A pathway whose guarantee is void (the patient declined the other provider offered after a
breach, DOMAIN.md §1.4) is still counted as waiting and completed, but from the day it became
void (``guarantee_void_since``) it is never judged against the limit: it is counted apart in
``*_guarantee_void_count``. Before that day it is an ordinary waiter, so a month end in the
past is judged by what had happened by then (:func:`vardkoll.analytics.void_on`).

Which pathways are *reported apart* in the national view is read from ``pauses``: a pathway
belongs to the PVV/MOV group from the day its first pause starts, so a historical month end is
judged by what was recorded by then (the ``has_pvv``/``has_mov`` flags describe only today).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from vardkoll.domain import InputError, rule_set_versions

__all__ = [
    "FAR_DAY",
    "IndicatorTables",
    "epoch_day",
    "held_spans",
    "holds",
    "moved_in",
    "moved_out",
    "on_units_at",
    "pathway_facts",
    "pause_pieces",
    "paused_days_before",
    "prepared_pathways",
    "unit_segments",
]

FAR_DAY = 1_000_000
"""Epoch day standing for "never" (an open pause, a pathway not yet removed): year 4707."""

_EPOCH = dt.date(1970, 1, 1)

AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 17, "0-17"),
    (18, 44, "18-44"),
    (45, 64, "45-64"),
    (65, 79, "65-79"),
    (80, None, "80+"),
)

PATHWAY_COLUMNS = (
    "pathway_key",
    "region_code",
    "provider_id",
    "unit_id",
    "specialty",
    "entry_type",
    "priority",
    "sex",
    "age_at_clock_start",
    "clock_start",
    "removed_on",
    "removal_reason",
)
PAUSE_COLUMNS = ("pathway_key", "reason", "start_date", "end_date")
UNIT_COLUMNS = ("pathway_key", "unit_id", "valid_from", "valid_to")
UNIT_DIMENSIONS = frozenset({"unit_id", "provider_id"})
"""The dimensions a transfer between units changes."""


def epoch_day(day: dt.date) -> int:
    """Days since 1970-01-01, the integer the engine counts in.

    >>> epoch_day(dt.date(1970, 1, 31))
    30
    """
    return (day - _EPOCH).days


@dataclass(frozen=True)
class IndicatorTables:
    """The analytics-store tables the waiting-time indicators read, on any Ibis backend.

    ``backend`` is the Ibis connection's name (``duckdb``, ``postgres``, ``pyspark``); results
    do not depend on it. ``pathway_units`` (optional) says which unit was responsible when;
    without it a pathway stays on ``pathways.unit_id`` for its whole history.
    """

    pathways: ir.Table
    pauses: ir.Table
    backend: str = "duckdb"
    pathway_units: ir.Table | None = None

    def __post_init__(self) -> None:
        tables = [
            ("pathways", self.pathways, PATHWAY_COLUMNS),
            ("pauses", self.pauses, PAUSE_COLUMNS),
        ]
        if self.pathway_units is not None:
            tables.append(("pathway_units", self.pathway_units, UNIT_COLUMNS))
        for name, table, wanted in tables:
            missing = [c for c in wanted if c not in table.columns]
            if missing:
                raise InputError(
                    f"Table {name!r} lacks the columns {', '.join(missing)} of the analytics "
                    "schema (docs/reference/analytics-schema.md); rebuild the analytics store.",
                    field=name,
                )


def _limit_expr(entry_type: ir.StringValue, s: ir.IntegerValue, rule_set: str) -> ir.IntegerValue:
    """The limit in days of the rule-set version in force on each pathway's clock start."""
    branches: list[tuple[ir.BooleanValue, ir.IntegerValue]] = []
    for version in rule_set_versions(rule_set):
        in_force = s >= epoch_day(version.valid_from)
        if version.valid_to is not None:
            in_force = in_force & (s <= epoch_day(version.valid_to))
        for kind, limit in version.limits.items():
            if limit is not None:
                branches.append((in_force & (entry_type == kind), ibis.literal(limit, "int64")))
    if not branches:
        return ibis.null("int64")
    return ibis.cases(*branches, else_=ibis.null("int64"))


def _age_band(age: ir.IntegerValue) -> ir.StringValue:
    branches = []
    for low, high, label in AGE_BANDS:
        cond = age >= low if high is None else (age >= low) & (age <= high)
        branches.append((cond, ibis.literal(label)))
    return ibis.cases(*branches, else_=ibis.literal("unknown"))


def pathway_facts(tables: IndicatorTables, rule_set: str = "se-national") -> ir.Table:
    """:func:`prepared_pathways` without ``fp``: read from ``pathways`` alone, no join."""
    p = tables.pathways
    s = p.clock_start.epoch_days()
    return p.select(
        pathway_key=p.pathway_key,
        region_code=p.region_code,
        provider_id=p.provider_id,
        unit_id=p.unit_id,
        specialty=p.specialty,
        entry_type=p.entry_type,
        priority=p.priority.cast("int64"),
        age_band=_age_band(p.age_at_clock_start),
        sex=p.sex,
        clock_start=p.clock_start,
        s=s.cast("int64"),
        r=p.removed_on.epoch_days().cast("int64"),
        removed_on=p.removed_on,
        treated=(p.removal_reason == "treated").fill_null(False),
        limit_days=_limit_expr(p.entry_type, s, rule_set),
        guarantee_void_since=_void_since(p),
        v=_void_since(p).epoch_days().cast("int64"),
    )


def _void_since(p: ir.Table) -> ir.DateValue:
    """The day the guarantee became void; NULL when it is not (or the store predates it)."""
    if "guarantee_void_since" in p.columns:
        return p.guarantee_void_since.cast("date")
    return ibis.null("date")


def prepared_pathways(tables: IndicatorTables, rule_set: str = "se-national") -> ir.Table:
    """One row per pathway with the dimensions and the integer facts the indicators need.

    Columns: ``pathway_key``, the dimensions of :data:`DIMENSIONS`, ``clock_start`` and ``s``
    (clock start, date and epoch day), ``r`` (removal, epoch day, NULL while waiting),
    ``removed_on`` (date), ``treated``, ``limit_days`` (NULL without a limit),
    ``guarantee_void_since`` and ``v`` (the day a declined redress offer voided the guarantee,
    DOMAIN.md §1.4, date and epoch day; NULL when not void) and ``fp`` (first pause start,
    NULL without pause).
    """
    first_pause = tables.pauses.group_by("pathway_key").aggregate(
        fp=tables.pauses.start_date.epoch_days().min()
    )
    base = pathway_facts(tables, rule_set)
    joined = base.left_join(first_pause, "pathway_key")
    return joined.select(*base.columns, fp=joined.fp.cast("int64"))


def pause_pieces(tables: IndicatorTables) -> ir.Table:
    """Each pathway's paused days as disjoint half-open pieces ``[ps, pe)`` in epoch days.

    Overlapping pauses count once: sorted by start, each pause keeps only the part after the
    latest end of the pauses before it. Pieces are clipped to start at the clock start; an
    open pause ends at :data:`FAR_DAY`.
    """
    pa = tables.pauses
    pw = tables.pathways.select("pathway_key", s=tables.pathways.clock_start.epoch_days())
    j = pa.inner_join(pw, "pathway_key")
    start = j.start_date.epoch_days().cast("int64")
    end = j.end_date.epoch_days().cast("int64").fill_null(FAR_DAY)
    rows = j.select(pathway_key=j.pathway_key, s=j.s.cast("int64"), ps0=start, pe=end)
    order = ["ps0", "pe"]
    upto = ibis.window(group_by="pathway_key", order_by=order, preceding=None, following=0)
    rows = rows.mutate(max_end=rows.pe.max().over(upto))
    rows = rows.mutate(
        prev_end=rows.max_end.lag().over(ibis.window(group_by="pathway_key", order_by=order))
    )
    ps = ibis.greatest(rows.ps0, rows.s, rows.prev_end.fill_null(rows.s))
    pieces = rows.select("pathway_key", ps=ps, pe=rows.pe)
    return pieces.filter(pieces.pe > pieces.ps)


def paused_days_before(pieces: ir.Table, day: int | ir.IntegerValue) -> ir.IntegerValue:
    """Paused days inside ``… day − 1`` of one piece (sum it per pathway)."""
    return ibis.greatest(ibis.least(pieces.pe, day) - pieces.ps, 0)


def unit_segments(tables: IndicatorTables, rows: ir.Table) -> ir.Table:
    """``rows`` (with ``pathway_key``, ``unit_id`` and ``provider_id``) once per unit that held
    the pathway, with that unit and its provider, and ``a_from``/``a_to``: the unit holds the
    pathway on the days ``a_from ≤ d < a_to`` (epoch days, ∓:data:`FAR_DAY` open-ended).

    The rule of ``pathway_units``: a unit holds the pathway from its ``valid_from`` until the
    next unit's; the first unit also the days before. Of units taking over on the same day
    the greatest ``unit_id`` holds; a segment of no length (``valid_to`` = ``valid_from``:
    moved on and off the same day) never holds. So every day has exactly one holder, and a
    pathway without ``pathway_units`` rows keeps ``pathways.unit_id`` on every day. The
    provider is the one ``pathways`` records for the unit.
    """
    far = ibis.literal(FAR_DAY, "int64")
    pu = tables.pathway_units
    if pu is None:
        return rows.mutate(a_from=-far, a_to=far)
    start = pu.valid_from.epoch_days().cast("int64")
    end = pu.valid_to.epoch_days().cast("int64")
    segments = pu.filter(end.isnull() | (end > start)).select(
        "pathway_key", seg_unit=pu.unit_id, vf=start
    )
    ordered = ibis.window(group_by="pathway_key", order_by=[segments.vf, segments.seg_unit])
    segments = segments.mutate(
        a_to=segments.vf.lead().over(ordered).fill_null(far),
        first_vf=segments.vf.min().over(ibis.window(group_by="pathway_key")),
    )
    # Ties on valid_from: only the last in order (the greatest unit) keeps a non-empty span.
    segments = segments.filter(segments.a_to > segments.vf)
    segments = segments.select(
        "pathway_key",
        "seg_unit",
        a_from=ibis.ifelse(segments.vf == segments.first_vf, -far, segments.vf),
        a_to=segments.a_to,
    )
    providers = tables.pathways.group_by(seg_unit=tables.pathways.unit_id).aggregate(
        seg_provider=tables.pathways.provider_id.max()
    )
    segments = segments.left_join(providers, "seg_unit").select(
        "pathway_key", "seg_unit", "seg_provider", "a_from", "a_to"
    )
    joined = rows.left_join(segments, "pathway_key")
    moved = joined.seg_unit.notnull()
    replaced = {
        "unit_id": ibis.ifelse(moved, joined.seg_unit, joined.unit_id),
        "provider_id": ibis.ifelse(
            moved, joined.seg_provider.fill_null(joined.provider_id), joined.provider_id
        ),
    }
    return joined.select(
        *(replaced.get(c, joined[c]).name(c) for c in rows.columns),
        a_from=joined.a_from.fill_null(-far),
        a_to=joined.a_to.fill_null(far),
    )


def held_spans(tables: IndicatorTables, p: ir.Table, keys: Sequence[str]) -> ir.Table:
    """``p`` once per unit span (:func:`unit_segments`) when the cut follows units, else as
    it is with one span covering every day. ``changes_in``/``changes_out``: the span before
    (after) it belongs to another group of the cut, so its start (end) is a transfer; moving
    between two units of one provider is none for a cut by provider."""
    far = ibis.literal(FAR_DAY, "int64")
    if not (UNIT_DIMENSIONS & set(keys) and tables.pathway_units is not None):
        no = ibis.literal(False)
        return p.mutate(a_from=-far, a_to=far, changes_in=no, changes_out=no)
    spans = unit_segments(tables, p)
    order = ibis.window(group_by="pathway_key", order_by="a_from")
    dims = [k for k in keys if k in UNIT_DIMENSIONS]
    changes_in = ibis.literal(False)
    changes_out = ibis.literal(False)
    for k in dims:
        changes_in = changes_in | ~spans[k].lag().over(order).identical_to(spans[k])
        changes_out = changes_out | ~spans[k].lead().over(order).identical_to(spans[k])
    return spans.mutate(changes_in=changes_in, changes_out=changes_out)


def holds(p: ir.Table, day: ir.IntegerValue | int) -> ir.BooleanValue:
    """The span's unit holds the pathway on ``day``."""
    return (p.a_from <= day) & (p.a_to > day)


def moved_in(p: ir.Table) -> ir.BooleanValue:
    """The span begins while the pathway waits, coming from another group: a transfer in on
    day ``a_from`` (spans of :func:`held_spans`)."""
    return (p.a_from > p.s) & (p.r.isnull() | (p.a_from <= p.r)) & p.changes_in


def moved_out(p: ir.Table) -> ir.BooleanValue:
    """The span ends while the pathway waits, going to another group: a transfer out on day
    ``a_to``."""
    return (p.a_to > p.s) & (p.a_to < FAR_DAY) & (p.r.isnull() | (p.a_to <= p.r)) & p.changes_out


def on_units_at(tables: IndicatorTables, rows: ir.Table, day: int | ir.IntegerValue) -> ir.Table:
    """``rows`` with ``unit_id`` and ``provider_id`` of the unit holding each pathway on epoch
    day ``day`` (:func:`unit_segments`)."""
    if tables.pathway_units is None:
        return rows
    segments = unit_segments(tables, rows)
    held = segments.filter(segments.a_from <= day, segments.a_to > day)
    return held.select(*rows.columns)
