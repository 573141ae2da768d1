"""The planner's form rules live in the service, shared by web and API (issue 07)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from vardkoll.domain import InputError
from vardkoll.services.access.scope import Principal, Scope
from vardkoll.services.planning.data import PlanningKey
from vardkoll.services.planning.forms import (
    DEFAULT_TARGET_SHARE,
    Problem,
    default_goal_date,
    parse_goal,
    parse_scenarios,
    scenario_fields,
)
from vardkoll.services.planning.planner import planning_case
from vardkoll.settings import Settings

Store = tuple[Settings, pd.DataFrame, pd.DataFrame]
CHEF = Scope.for_principal(Principal(2, "chef", "clinic_manager", "19", ("SE19-A",)))
KEY = PlanningKey("SE19-A", "orthopaedics", "treatment")


def test_goal_defaults_and_every_problem_at_once(store: Store) -> None:
    case = planning_case(store[0], CHEF, KEY)
    assert parse_goal(None, None, case) == (default_goal_date(case), DEFAULT_TARGET_SHARE)
    assert default_goal_date(case) == case.week_start(26) - dt.timedelta(days=1)
    assert parse_goal("2025-09-28", "85,5", case) == (dt.date(2025, 9, 28), 0.855)
    with pytest.raises(InputError) as caught:
        parse_goal("28/9", "nittio", case)
    problems = caught.value.context["problems"]
    assert [p.field for p in problems] == ["by", "target"]
    assert all(isinstance(p, Problem) for p in problems)
    assert [e["field"] for e in caught.value.context["errors"]] == ["by", "target"]
    with pytest.raises(InputError, match="must lie between"):
        parse_goal("2031-01-05", None, case)


def test_scenarios_are_validated_once_for_every_interface(store: Store) -> None:
    case = planning_case(store[0], CHEF, KEY)
    defaults = scenario_fields({})
    names = [s.name for s in parse_scenarios(defaults, case)]
    assert names == ["Current production", "Capacity +10 %", "Extra sessions and another provider"]
    typed = scenario_fields(
        {"s1_name": "A", "s1_capacity": "500", "s2_name": "A", "s2_closed": "x"}
    )
    with pytest.raises(InputError) as caught:
        parse_scenarios(typed, case)
    fields = [p.field for p in caught.value.context["problems"]]
    assert fields == ["s1_capacity", "s2_closed", "name"]
