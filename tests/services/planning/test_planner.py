"""The planner service against a pandas recomputation from the same analytics tables.

The store's SQL (clock starts per ISO week, the list on a date, rates) is checked row by row
against an independent pandas reading of the frames the store was written from; the scope is
checked by asking as users who may and may not see a queue.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from vardkoll.domain import NotFound, PermissionDenied
from vardkoll.planning import Scenario
from vardkoll.services.access.scope import Principal, Scope
from vardkoll.services.followup.overview import open_analytics
from vardkoll.services.planning.data import (
    PlanningKey,
    last_complete_monday,
    planning_rates,
    waiting_snapshot,
    weekly_inflow,
    weekly_treated,
)
from vardkoll.services.planning.planner import base_model, planning_case, planning_choices
from vardkoll.services.planning.questions import goal_answer, scenario_outcomes
from vardkoll.settings import Settings

Store = tuple[Settings, pd.DataFrame, pd.DataFrame]
KEY = PlanningKey("SE19-A", "orthopaedics", "treatment")
AS_OF = dt.date(2025, 3, 31)
COORDINATOR = Scope.for_principal(Principal(1, "samordnare", "regional_coordinator", "19"))
CHEF = Scope.for_principal(Principal(2, "chef", "clinic_manager", "19", ("SE19-A",)))
PKS_B = Scope.for_principal(Principal(3, "pks", "pks_analyst", "19", ("SE19-B",)))
NATIONAL = Scope.for_principal(Principal(4, "nationell", "national_analyst", None))


def _queue(frame: pd.DataFrame, key: PlanningKey) -> pd.DataFrame:
    return frame[
        (frame.unit_id == key.unit_id)
        & (frame.specialty == key.specialty)
        & (frame.entry_type == key.entry_type)
    ]


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def test_weekly_inflow_matches_a_pandas_count_of_clock_starts(store: Store) -> None:
    settings, pathways, _ = store
    with open_analytics(settings) as con:
        history = weekly_inflow(con, KEY, "TRUE", [], as_of=AS_OF)
    last = last_complete_monday(AS_OF)
    assert last == dt.date(2025, 3, 24)
    mine = _queue(pathways, KEY)
    weeks = mine.clock_start.map(_monday)
    expected = weeks[(weeks <= last) & (weeks > last - dt.timedelta(weeks=156))].value_counts()
    got = dict(zip(history.week_start, history.inflow, strict=True))
    assert history.week_start.iloc[-1] == last
    assert len(history) == 156
    assert sum(got.values()) == int(expected.sum())
    for week, count in expected.items():
        assert got[week] == count, week
    # Weeks without clock starts are there, as zeros, and consecutive.
    steps = {(b - a).days for a, b in zip(history.week_start, history.week_start[1:], strict=False)}
    assert steps == {7}
    # The partial week of AS_OF (a Monday) is left out.
    assert AS_OF not in got


def test_weekly_treated_matches_pandas(store: Store) -> None:
    settings, pathways, _ = store
    first, last = dt.date(2024, 10, 7), dt.date(2025, 3, 24)
    with open_analytics(settings) as con:
        treated = weekly_treated(con, KEY, "TRUE", [], first=first, last=last)
    mine = _queue(pathways, KEY)
    mine = mine[mine.removal_reason == "treated"]
    weeks = mine.removed_on.map(_monday)
    expected = weeks[(weeks >= first) & (weeks <= last)].value_counts()
    assert len(treated) == (last - first).days // 7 + 1
    for week, count in zip(treated.week_start, treated.treated, strict=True):
        assert count == expected.get(week, 0), week


def _reference_list(pathways: pd.DataFrame, pauses: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """The list on ``on`` recomputed in pandas: days waited net of pauses, priority, paused."""
    mine = _queue(pathways, KEY)
    waiting = mine[
        (mine.clock_start <= on) & (mine.removed_on.isna() | (mine.removed_on > on))
    ].copy()
    paused_days: dict[str, int] = {}
    paused_now: dict[str, int] = {}
    for row in pauses[pauses.pathway_key.isin(waiting.pathway_key)].itertuples():
        start = waiting.loc[waiting.pathway_key == row.pathway_key, "clock_start"].iloc[0]
        end = on if row.end_date is None or pd.isna(row.end_date) else min(row.end_date, on)
        days = max(0, (end - max(row.start_date, start)).days)
        paused_days[row.pathway_key] = paused_days.get(row.pathway_key, 0) + days
        if row.start_date <= on and (pd.isna(row.end_date) or row.end_date > on):
            paused_now[row.pathway_key] = (on - row.start_date).days
    waiting["days"] = [
        (on - c).days - paused_days.get(k, 0)
        for k, c in zip(waiting.pathway_key, waiting.clock_start, strict=True)
    ]
    waiting["paused"] = waiting.pathway_key.isin(paused_now)
    waiting["elapsed"] = waiting.pathway_key.map(paused_now)
    return waiting


def test_initial_list_from_the_store_matches_pandas(store: Store) -> None:
    settings, pathways, pauses = store
    on = dt.date(2025, 3, 30)
    with open_analytics(settings) as con:
        snap = waiting_snapshot(con, KEY, "TRUE", [], on=on)
    ref = _reference_list(pathways, pauses, on)
    initial = snap.initial
    assert snap.waiting == initial.size == len(ref)
    assert snap.paused == int(ref.paused.sum()) > 0
    # Weeks waited and priorities as multisets (the list carries no identities).
    assert sorted(initial.waited_weeks.tolist()) == sorted((ref.days // 7).tolist())
    assert np.bincount(initial.priority, minlength=4).tolist() == [
        int((ref.priority == p).sum()) for p in (1, 2, 3, 4)
    ]
    assert int((initial.paused_weeks_left > 0).sum()) == snap.paused
    # Beyond the 90-day guarantee, not paused: the same count both ways.
    assert snap.beyond == int(((ref.days > 90) & ~ref.paused).sum())
    assert snap.guarantee_weeks == pytest.approx(90 / 7)
    # A paused patient comes back after the typical finished pause less the time paused.
    mine = pauses[pauses.pathway_key.isin(_queue(pathways, KEY).pathway_key)]
    done = mine[mine.end_date.notna()]
    done = done[(done.end_date <= on) & (done.end_date > on - dt.timedelta(days=365))]
    typical = float(
        np.median([(e - s).days for s, e in zip(done.start_date, done.end_date, strict=True)])
    )
    expected_left = sorted(
        math.ceil(max(7.0, typical - e) / 7) for e in ref.elapsed.dropna().tolist()
    )
    assert sorted(initial.paused_weeks_left[initial.paused_weeks_left > 0].tolist()) == (
        expected_left
    )


def test_rates_match_pandas(store: Store) -> None:
    settings, pathways, _ = store
    on = dt.date(2025, 3, 31)
    start = on - dt.timedelta(weeks=26)
    with open_analytics(settings) as con:
        rates = planning_rates(con, KEY, "TRUE", [], on=on)
    mine = _queue(pathways, KEY)
    removed = mine[(mine.removed_on >= start) & (mine.removed_on < on)]
    untreated = int((removed.removal_reason != "treated").sum())
    treated = int((removed.removal_reason == "treated").sum())
    days = 0
    for c, r in zip(mine.clock_start, mine.removed_on, strict=True):
        end = on if r is None or pd.isna(r) else min(r, on)
        days += max(0, (end - max(c, start)).days)
    assert rates.removal_rate == pytest.approx(untreated / (days / 7))
    assert rates.treated_per_week == pytest.approx(treated / 26)
    last_year = mine[(mine.clock_start >= on - dt.timedelta(days=365)) & (mine.clock_start < on)]
    shares = last_year.priority.value_counts(normalize=True).sort_index()
    assert rates.priority_shares == pytest.approx(tuple(shares.tolist()))


def test_choices_follow_the_scope(store: Store) -> None:
    settings, _, _ = store
    units = {c.key.unit_id for c in planning_choices(settings, CHEF)}
    assert units == {"SE19-A"}
    assert {c.key.unit_id for c in planning_choices(settings, COORDINATOR)} == {
        "SE19-A",
        "SE19-B",
    }
    with pytest.raises(PermissionDenied):  # national analysts follow up; they do not plan units
        planning_choices(settings, NATIONAL)
    with pytest.raises(NotFound):
        planning_case(settings, PKS_B, KEY)
    with pytest.raises(NotFound):
        planning_case(settings, COORDINATOR, PlanningKey("SE01-A", "ophthalmology", "first_visit"))


def test_case_model_goal_and_scenarios_fit_together(store: Store) -> None:
    settings, _, _ = store
    case = planning_case(settings, CHEF, KEY)
    assert case.start == dt.date(2025, 3, 31)
    assert case.forecast is not None
    assert case.forecast.weeks[0] == case.start
    assert case.snapshot.on == dt.date(2025, 3, 30)
    # Capacity follows the calendar: Easter week 2025-W16 has 4 working days, so 4/5 of a
    # normal week (both outside the summer).
    w16 = case.week_of(dt.date(2025, 4, 14))
    assert case.capacity[w16, 0] == pytest.approx(case.capacity[0, 0] * 4 / 5)
    model = base_model(case)
    assert model.initial.size == case.snapshot.waiting
    assert model.removal_rate == case.rates.removal_rate
    answer = goal_answer(settings, CHEF, KEY, by=dt.date(2025, 9, 28), replications=100)
    assert answer.goal.by_week == 26
    assert answer.goal.relief_per_week >= answer.goal.sustainable_per_week > 0
    # The production plan spreads the goal's capacity over the calendar, week by week.
    assert [w.week_start for w in answer.plan][:2] == [case.start, case.week_start(1)]
    assert sum(w.planned for w in answer.plan) == pytest.approx(float(answer.goal.plan.sum()))
    _, outcomes = scenario_outcomes(
        settings,
        CHEF,
        KEY,
        [Scenario("base"), Scenario("more", capacity_factor=1.5)],
        replications=100,
    )
    base, more = (o.summary() for o in outcomes)
    assert more["end_queue_p50"] < base["end_queue_p50"]


def test_the_booking_rule_is_the_one_that_replays_the_past_best(store: Store) -> None:
    settings, _, _ = store
    case = planning_case(settings, CHEF, KEY)
    fit = case.booking_fit
    assert fit is not None
    assert fit.actual_share == case.snapshot.share_within
    assert fit.error <= min(
        abs(fit.simulated_share[rule] - fit.actual_share) for rule in ("priority", "fifo")
    )
    assert base_model(case).booking == fit.booking


def test_fit_booking_finds_the_urgent_share_that_replays_the_actual_share() -> None:
    from vardkoll.planning import InitialList
    from vardkoll.services.planning.calibration import fit_booking

    # A list of old, least urgent patients and a stream of urgent ones: under strict priority
    # the old ones keep waiting, under longest-wait-first they are treated.
    initial = InitialList.from_arrays([0] * 60, [10] * 60, [3] * 60)
    common = {
        "initial": initial,
        "inflow": [8.0] * 10,
        "treated": [12.0] * 10,
        "priority_shares": (1.0, 0.0, 0.0, 0.0),
        "guarantee_weeks": 90 / 7,
        "removal_rate": 0.0,
        "decline_share": 0.0,
        "pause_weeks": 4,
    }
    probe = fit_booking(actual_share=0.5, **common)  # type: ignore[arg-type]
    low, high = probe.simulated_share["priority"], probe.simulated_share["fifo"]
    assert high > low + 0.2
    strict = fit_booking(actual_share=low, **common)  # type: ignore[arg-type]
    assert strict.urgent_share == 1.0
    assert strict.error == 0.0
    between = fit_booking(actual_share=(low + high) / 2, **common)  # type: ignore[arg-type]
    assert 0.0 < between.urgent_share < 1.0
    assert between.error < 0.05


def test_a_short_forecast_still_gives_a_year_of_arrivals() -> None:
    """60 weeks of history forecast only 34 weeks ahead; the plan's year must still run."""
    import numpy as np
    import pandas as pd

    from vardkoll.planning import arrivals_from_forecast, forecast_series
    from vardkoll.services.planning.planner import _arrivals_for

    rng = np.random.default_rng(7)
    weeks = pd.date_range("2024-01-01", periods=60, freq="W-MON")
    series = pd.Series(rng.poisson(20, size=60).astype(float), index=weeks)
    forecast = forecast_series(series, horizon=34)
    shares = [0.1, 0.2, 0.3, 0.4]
    arrivals = _arrivals_for(forecast, shares, 52)
    assert arrivals.mean_per_week.shape == (52, 1, 4)
    head = arrivals_from_forecast(forecast, priority_shares=shares, horizon_weeks=34)
    np.testing.assert_allclose(arrivals.mean_per_week[:34], head.mean_per_week)
    np.testing.assert_allclose(
        arrivals.mean_per_week[34:], np.broadcast_to(head.mean_per_week.mean(axis=0), (18, 1, 4))
    )
    assert arrivals.level_cv == head.level_cv
