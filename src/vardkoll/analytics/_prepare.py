"""The per-pathway facts every indicator starts from, as Ibis expressions.

Dates become integer *epoch days* at once, so every later step is integer arithmetic that
compiles the same on DuckDB, PostgreSQL and Spark. Days are counted as in
:func:`vardkoll.domain.days_waited`: calendar days, the clock-start day is day 0, and a pause
``start … end − 1`` removes the paused days inside ``clock_start … d − 1``.

Which pathways are *reported apart* in the national view is read from ``pauses``: a pathway
belongs to the PVV/MOV group from the day its first pause starts, so a historical month end is
judged by what was recorded by then (the ``has_pvv``/``has_mov`` flags describe only today).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from vardkoll.domain import InputError, rule_set_versions

__all__ = [
    "FAR_DAY",
    "IndicatorTables",
    "epoch_day",
    "pause_pieces",
    "paused_days_before",
    "prepared_pathways",
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


def epoch_day(day: dt.date) -> int:
    """Days since 1970-01-01, the integer the engine counts in.

    >>> epoch_day(dt.date(1970, 1, 31))
    30
    """
    return (day - _EPOCH).days


@dataclass(frozen=True)
class IndicatorTables:
    """The two analytics-store tables the waiting-time indicators read, on any Ibis backend.

    ``backend`` is the Ibis connection's name (``duckdb``, ``postgres``, ``pyspark``); results
    do not depend on it.
    """

    pathways: ir.Table
    pauses: ir.Table
    backend: str = "duckdb"

    def __post_init__(self) -> None:
        for name, table, wanted in (
            ("pathways", self.pathways, PATHWAY_COLUMNS),
            ("pauses", self.pauses, PAUSE_COLUMNS),
        ):
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


def prepared_pathways(tables: IndicatorTables, rule_set: str = "se-national") -> ir.Table:
    """One row per pathway with the dimensions and the integer facts the indicators need.

    Columns: ``pathway_key``, the dimensions of :data:`DIMENSIONS`, ``clock_start`` and ``s``
    (clock start, date and epoch day), ``r`` (removal, epoch day, NULL while waiting),
    ``removed_on`` (date), ``treated``, ``limit_days`` (NULL without a limit) and ``fp`` (first
    pause start, NULL without pause).
    """
    p = tables.pathways
    first_pause = tables.pauses.group_by("pathway_key").aggregate(
        fp=tables.pauses.start_date.epoch_days().min()
    )
    s = p.clock_start.epoch_days()
    base = p.select(
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
    )
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
