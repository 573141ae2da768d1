"""Saved production plans and their follow-up: plan against what was actually produced.

A plan is saved from the planner (the capacity that meets the guarantee, spread over ISO
weeks); later, the weeks that have passed are set against the treated removals the analytics
store records for the same unit, specialty and entry type, and each deviation gets a code the
interface explains (holiday, summer, below or above plan, no actual yet, on plan).

Plans are filtered by the same scope as the aggregates they were made from: a plan of a unit
outside the user's reach is :class:`~vardkoll.domain.NotFound`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine, select
from sqlalchemy.orm import Session, selectinload

from vardkoll.domain import InputError, NotFound, PermissionDenied
from vardkoll.planning import PlanDeviation, PlanWeek, plan_vs_actual
from vardkoll.services.access.scope import Scope
from vardkoll.services.followup.indicators import names
from vardkoll.services.followup.overview import open_analytics, store_facts
from vardkoll.services.planning.data import PlanningKey, last_complete_monday, weekly_treated
from vardkoll.services.planning.planner import plan_kind
from vardkoll.settings import Settings
from vardkoll.store import ProductionPlan, ProductionPlanWeek

__all__ = [
    "PlanFollowUp",
    "SavedPlan",
    "list_plans",
    "load_plan",
    "plan_follow_up",
    "save_plan",
    "unit_names",
]


@dataclass(frozen=True)
class SavedPlan:
    """A plan as stored: who, when, for which queue, from which scenario, and its weeks."""

    id: int
    region_code: str
    key: PlanningKey
    as_of: dt.date
    scenario: str
    created_by: str
    created_at: dt.datetime
    weeks: tuple[PlanWeek, ...]

    @property
    def total(self) -> float:
        return sum(w.planned for w in self.weeks)


def _visible(scope: Scope) -> ColumnElement[bool]:
    """The plans in the user's reach: their region's, or their own units' plans."""
    if not scope.plans:
        raise PermissionDenied("Your role does not include production planning.")
    table = ProductionPlan.__table__
    return scope.condition("aggregates", region=table.c.region_code, unit=table.c.unit_id)


def save_plan(
    engine: Engine,
    scope: Scope,
    *,
    region_code: str,
    key: PlanningKey,
    as_of: dt.date,
    weeks: Sequence[PlanWeek],
    scenario: str,
    now: dt.datetime | None = None,
) -> int:
    """Store ``weeks`` as a plan of ``key`` and return its id (the caller checked the scope)."""
    if not weeks:
        raise InputError("A production plan needs at least one week.", field="weeks")
    p = scope.principal
    plan = ProductionPlan(
        region_code=region_code,
        unit_id=key.unit_id,
        specialty=key.specialty,
        entry_type=key.entry_type,
        as_of=as_of,
        scenario=scenario[:2000],
        created_by=p.username,
        created_at=now or dt.datetime.now(dt.UTC),
    )
    plan.weeks = [
        ProductionPlanWeek(
            week_start=w.week_start,
            working_days=int(w.working_days),
            planned=float(w.planned),
            note=(w.note or "")[:200],
        )
        for w in weeks
    ]
    with Session(engine) as db, db.begin():
        db.add(plan)
        db.flush()
        return int(plan.id)


def _saved(row: ProductionPlan) -> SavedPlan:
    kind = plan_kind(row.entry_type)
    return SavedPlan(
        id=row.id,
        region_code=row.region_code,
        key=PlanningKey(row.unit_id, row.specialty, row.entry_type),
        as_of=row.as_of,
        scenario=row.scenario,
        created_by=row.created_by,
        created_at=row.created_at,
        weeks=tuple(
            PlanWeek(
                week_start=w.week_start,
                iso_week=_iso(w.week_start),
                planned=w.planned,
                working_days=w.working_days,
                note=w.note,
                unit=row.unit_id,
                entry_type=kind,
                summer="summer" in w.note.split(","),
            )
            for w in row.weeks
        ),
    )


def _iso(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def list_plans(engine: Engine, scope: Scope) -> list[SavedPlan]:
    """The saved plans in the user's scope, newest first."""
    query = (
        select(ProductionPlan)
        .where(_visible(scope))
        .options(selectinload(ProductionPlan.weeks))
        .order_by(ProductionPlan.created_at.desc(), ProductionPlan.id.desc())
    )
    with Session(engine) as db:
        return [_saved(row) for row in db.scalars(query)]


def load_plan(engine: Engine, scope: Scope, plan_id: int) -> SavedPlan:
    """One saved plan, or :class:`NotFound` when it does not exist or is out of scope."""
    query = (
        select(ProductionPlan)
        .where(ProductionPlan.id == plan_id, _visible(scope))
        .options(selectinload(ProductionPlan.weeks))
    )
    with Session(engine) as db:
        row = db.scalars(query).first()
        if row is None:
            raise NotFound("No such production plan in your scope.")
        return _saved(row)


@dataclass(frozen=True)
class PlanFollowUp:
    """A saved plan against what was produced, up to the store's last complete week."""

    plan: SavedPlan
    store_as_of: dt.date
    rows: tuple[PlanDeviation, ...]

    @property
    def planned_so_far(self) -> float:
        return sum(r.planned for r in self.rows if r.actual is not None)

    @property
    def actual_so_far(self) -> float:
        return sum(r.actual for r in self.rows if r.actual is not None)


def plan_follow_up(settings: Settings, engine: Engine, scope: Scope, plan_id: int) -> PlanFollowUp:
    """Plan vs actual for a saved plan: actual = treated removals per ISO week in the store."""
    plan = load_plan(engine, scope, plan_id)
    as_of = store_facts(settings)[0]
    last = last_complete_monday(as_of)
    first = plan.weeks[0].week_start
    where, params = scope.duckdb_where("aggregates", table="p")
    actual: dict[tuple[str, str, dt.date], float] = {}
    if first <= last:
        with open_analytics(settings) as con:
            treated = weekly_treated(
                con, plan.key, where, params, first=first, last=min(last, plan.weeks[-1].week_start)
            )
        kind = plan_kind(plan.key.entry_type)
        for week, count in zip(treated["week_start"], treated["treated"], strict=True):
            actual[(plan.key.unit_id, kind, week)] = float(count)
    today = dt.datetime.now(ZoneInfo(settings.timezone)).date()
    rows = plan_vs_actual(list(plan.weeks), actual, as_of=as_of, today=today)
    return PlanFollowUp(plan=plan, store_as_of=as_of, rows=tuple(rows))


def unit_names(settings: Settings, unit_ids: Sequence[str]) -> dict[str, str]:
    """The units' names from the analytics store (a unit missing there keeps its id).

    Why: saved plans keep the unit id (a stable key); people read the unit's name. The names
    are the follow-up's, read once per store version for every page that shows a unit.
    """
    known = names(settings)
    return {u: known.of("unit_id", u) or u for u in sorted(set(unit_ids))}
