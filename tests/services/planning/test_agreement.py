"""The scenario "current production" agrees with the follow-up and with the capacity answer.

Issue 07: the page said 53.5 a week reaches 90 % within the guarantee while its scenarios said
current production falls from 80 % to 36 % and +10 % ends at 41 % with a shorter queue. Strict
priority booking starved the least urgent; the booking rule is now fitted to the queue's past.
These tests hold the planner to what the follow-up measures today and to its own answers.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from vardkoll.planning import Scenario
from vardkoll.services.access.scope import Principal, Scope
from vardkoll.services.planning.data import PlanningKey
from vardkoll.services.planning.planner import planning_case
from vardkoll.services.planning.questions import goal_answer, scenario_outcomes
from vardkoll.settings import Settings

Store = tuple[Settings, pd.DataFrame, pd.DataFrame]
CHEF = Scope.for_principal(Principal(2, "chef", "clinic_manager", "19", ("SE19-A",)))
KEYS = [
    PlanningKey("SE19-A", "orthopaedics", "treatment"),
    PlanningKey("SE19-A", "orthopaedics", "first_visit"),
]
STABLE_DRIFT = 0.15
"""How far the share may drift over a year of unchanged production while the list holds its
size (summer closures dip it); strict priority drifted 0.4 on these queues and on the demo."""


@pytest.mark.parametrize("key", KEYS, ids=lambda k: k.entry_type)
def test_current_production_starts_at_todays_share_and_stays_there(
    store: Store, key: PlanningKey
) -> None:
    settings, _, _ = store
    case = planning_case(settings, CHEF, key)
    _, (today,) = scenario_outcomes(settings, CHEF, key, [Scenario("Today")], replications=100)
    observed = case.snapshot.share_within
    assert case.snapshot.waiting > 0
    # Week 0: the simulated list is today's list after one week's work, which can move the
    # share by at most that week's slots and referrals over the bookable list.
    bookable = case.snapshot.waiting - case.snapshot.paused
    one_week = (case.capacity[0, 0] + case.arrivals.mean_per_week[0].sum()) / bookable
    assert abs(float(today.share_p50[0]) - observed) <= one_week
    assert abs(float(today.queue_p50[0]) - case.snapshot.waiting) <= 0.15 * case.snapshot.waiting
    # Unchanged production and a list that holds its size: the share holds its level too.
    end_queue = float(today.queue_p50[-1])
    if abs(end_queue - case.snapshot.waiting) <= 0.2 * case.snapshot.waiting:
        assert abs(float(today.share_p50[-1]) - observed) <= STABLE_DRIFT


@pytest.mark.parametrize("key", KEYS, ids=lambda k: k.entry_type)
def test_more_capacity_never_lowers_the_share_the_scenarios_report(
    store: Store, key: PlanningKey
) -> None:
    """A shorter list with a smaller share within the guarantee was the contradiction."""
    settings, _, _ = store
    _, (today, more) = scenario_outcomes(
        settings,
        CHEF,
        key,
        [Scenario("Today"), Scenario("+10 %", capacity_factor=1.1)],
        replications=100,
    )
    assert more.queue_p50[-1] <= today.queue_p50[-1]
    assert more.share_p50[-1] >= today.share_p50[-1] - 0.02


def test_the_goals_capacity_reaches_the_goal_as_a_scenario_too(store: Store) -> None:
    """Run the capacity answer's relief level as a scenario: it reaches the target by the date."""
    settings, _, _ = store
    key = KEYS[0]
    case = planning_case(settings, CHEF, key)
    by = case.week_start(26) - dt.timedelta(days=1)
    answer = goal_answer(settings, CHEF, key, by=by, replications=100)
    goal = answer.goal
    assert goal.confirmed
    current = float(case.capacity[:, 0].mean())
    factor = goal.relief_per_week / current if current else 1.0
    _, (relief,) = scenario_outcomes(
        settings,
        CHEF,
        key,
        [Scenario("relief", capacity_factor=factor * 1.1)],
        replications=100,
    )
    assert float(relief.share_p50[goal.by_week - 1]) >= goal.target_share - 0.05
