"""The planner's workflow: cases, calibration, questions, the forms' rules, saved plans and the
warm-up.

The interfaces import from this face; the modules beside it are its implementation. The face
loads a module only when one of its names is first used, so ``vardkoll --help`` and a page
that needs one name do not pay for the whole subpackage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vardkoll.services._faces import load_name

if TYPE_CHECKING:
    from vardkoll.services.planning.data import PlanningKey
    from vardkoll.services.planning.forms import (
        FIELDS,
        SLOTS,
        Problem,
        default_goal_date,
        parse_goal,
        parse_scenarios,
        scenario_fields,
    )
    from vardkoll.services.planning.planner import PlanningCase, planning_case, planning_choices
    from vardkoll.services.planning.production_plans import (
        list_plans,
        plan_follow_up,
        save_plan,
        unit_names,
    )
    from vardkoll.services.planning.questions import GoalAnswer, goal_answer, scenario_outcomes
    from vardkoll.services.planning.warmup import PlanningWarmer

_HOME: dict[str, str] = {
    "FIELDS": "forms",
    "GoalAnswer": "questions",
    "PlanningCase": "planner",
    "PlanningKey": "data",
    "PlanningWarmer": "warmup",
    "Problem": "forms",
    "SLOTS": "forms",
    "default_goal_date": "forms",
    "goal_answer": "questions",
    "list_plans": "production_plans",
    "parse_goal": "forms",
    "parse_scenarios": "forms",
    "plan_follow_up": "production_plans",
    "planning_case": "planner",
    "planning_choices": "planner",
    "save_plan": "production_plans",
    "scenario_fields": "forms",
    "scenario_outcomes": "questions",
    "unit_names": "production_plans",
}


def __getattr__(name: str) -> Any:
    return load_name(__name__, _HOME, name, globals())


__all__ = [
    "FIELDS",
    "SLOTS",
    "GoalAnswer",
    "PlanningCase",
    "PlanningKey",
    "PlanningWarmer",
    "Problem",
    "default_goal_date",
    "goal_answer",
    "list_plans",
    "parse_goal",
    "parse_scenarios",
    "plan_follow_up",
    "planning_case",
    "planning_choices",
    "save_plan",
    "scenario_fields",
    "scenario_outcomes",
    "unit_names",
]
