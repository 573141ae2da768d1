"""The planner's questions about a queue: the capacity that meets the guarantee, and scenarios.

Both start from the queue's :class:`~vardkoll.services.planning.planner.PlanningCase` and its base
model, run a few hundred replications with a fixed seed (common random numbers, so scenarios
differ only by what they change), and are cached like the case: the page, its chart and its
exports ask the same question several times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vardkoll.domain import InputError
from vardkoll.planning import (
    CapacityGoal,
    PlanUnit,
    PlanWeek,
    Scenario,
    ScenarioOutcome,
    capacity_for_goal,
    compare_scenarios,
    production_plan,
)
from vardkoll.services.access.scope import Scope
from vardkoll.services.planning.data import PlanningKey
from vardkoll.services.planning.forms import DEFAULT_TARGET_SHARE, check_goal_week
from vardkoll.services.planning.planner import (
    UI_REPLICATIONS,
    PlanningCase,
    base_model,
    plan_kind,
    planning_case,
)
from vardkoll.settings import Settings
from vardkoll.store import analytics_cache, file_version

__all__ = ["GoalAnswer", "goal_answer", "scenario_outcomes"]


@dataclass(frozen=True)
class GoalAnswer:
    """The capacity that reaches ``target_share`` within the guarantee by ``by``, as a plan."""

    case: PlanningCase
    by: dt.date
    goal: CapacityGoal
    plan: tuple[PlanWeek, ...]

    @property
    def current_per_week(self) -> float:
        """Recent production per normal (five-day) week, to set the answer against."""
        return self.case.per_working_day * 5


def goal_answer(
    settings: Settings,
    scope: Scope,
    key: PlanningKey,
    *,
    by: dt.date,
    target_share: float = DEFAULT_TARGET_SHARE,
    replications: int = UI_REPLICATIONS,
    as_of: dt.date | None = None,
) -> GoalAnswer:
    """What weekly capacity reaches ``target_share`` by ``by`` and holds it (formulas + sim)."""
    case = planning_case(settings, scope, key, as_of=as_of)
    by_week = check_goal_week(case, by, target_share)
    hold = min(26, case.weeks - by_week)
    path = settings.resolved_analytics_path()
    cache_key = (
        "planning-goal",
        str(path),
        file_version(path),
        key,
        case.as_of,
        by_week,
        round(target_share, 4),
        replications,
    )

    def compute() -> GoalAnswer:
        goal = capacity_for_goal(
            base_model(case),
            target_share=target_share,
            by_week=by_week,
            hold_weeks=hold,
            replications=replications,
            seed=0,
        )
        plan = production_plan(
            start=case.start,
            weeks=len(goal.plan),
            base_per_week=np.asarray(goal.plan, dtype=float),
            units=(PlanUnit(key.unit_id, plan_kind(key.entry_type), 1.0),),
        )
        return GoalAnswer(case=case, by=by, goal=goal, plan=tuple(plan))

    result: GoalAnswer = analytics_cache.get(cache_key, compute)
    return result


def scenario_outcomes(
    settings: Settings,
    scope: Scope,
    key: PlanningKey,
    scenarios: Sequence[Scenario],
    *,
    replications: int = UI_REPLICATIONS,
    as_of: dt.date | None = None,
) -> tuple[PlanningCase, list[ScenarioOutcome]]:
    """Each scenario simulated on the base model with common random numbers."""
    case = planning_case(settings, scope, key, as_of=as_of)
    if not scenarios:
        raise InputError("Give at least one scenario to compare.", field="scenarios")
    path = settings.resolved_analytics_path()
    cache_key = (
        "planning-scenarios",
        str(path),
        file_version(path),
        key,
        case.as_of,
        tuple(_scenario_key(s) for s in scenarios),
        replications,
    )

    def compute() -> list[ScenarioOutcome]:
        return compare_scenarios(
            base_model(case),
            list(scenarios),
            replications=replications,
            seed=0,
            target_share=DEFAULT_TARGET_SHARE,
        )

    outcomes: list[ScenarioOutcome] = analytics_cache.get(cache_key, compute)
    return case, outcomes


def _scenario_key(s: Scenario) -> tuple[object, ...]:
    return (
        s.name,
        s.capacity_factor,
        tuple(sorted(s.extra_slots.items())),
        tuple(s.closed_weeks),
        s.redirected_per_week,
        s.demand_factor,
    )
