"""Scenarios: exact changes to the model, and comparisons with common random numbers."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pytest

from vardkoll.domain import InputError
from vardkoll.planning import (
    ArrivalForecast,
    ArrivalPaths,
    InitialList,
    Scenario,
    WaitingListModel,
    compare_scenarios,
    simulate,
)
from vardkoll.planning._scenarios import common_arrivals

IntArray = npt.NDArray[np.int64]


def model(weeks: int = 40, queues: int = 1, level_cv: float = 0.2) -> WaitingListModel:
    n = 400 * queues
    return WaitingListModel(
        initial=InitialList.from_arrays(
            queue=np.arange(n) % queues, waited_weeks=np.arange(n) % 26, priority=np.arange(n) % 2
        ),
        arrivals=ArrivalForecast.constant(np.full((queues, 2), 12.0), weeks, level_cv=level_cv),
        capacity=np.tile(np.linspace(20.0, 26.0, weeks)[:, None], (1, queues)),
        removal_rate=0.002,
    )


def test_a_neutral_scenario_changes_nothing() -> None:
    base = model()
    same = Scenario("Today").apply(base)
    np.testing.assert_array_equal(np.asarray(same.capacity), np.asarray(base.capacity))
    assert isinstance(same.arrivals, ArrivalForecast)
    assert isinstance(base.arrivals, ArrivalForecast)
    np.testing.assert_array_equal(same.arrivals.mean_per_week, base.arrivals.mean_per_week)


def test_apply_is_exact_on_capacity_and_demand() -> None:
    base = model(weeks=6, queues=2)
    scenario = Scenario(
        "mixed",
        capacity_factor=0.9,
        extra_slots={1: 5.0, 3: -100.0},
        closed_weeks=(4,),
        redirected_per_week=2.5,
        demand_factor=1.3,
    )
    changed = scenario.apply(base)
    planned = np.asarray(base.capacity)
    expected = planned * 0.9
    expected[1] += 5.0
    expected[3] = 0.0  # cancelled sessions never take a week below zero
    expected[4] = 0.0  # closed
    expected += 2.5  # redirected patients leave every week, closed weeks included
    np.testing.assert_allclose(np.asarray(changed.capacity), expected)
    assert isinstance(changed.arrivals, ArrivalForecast)
    assert isinstance(base.arrivals, ArrivalForecast)
    np.testing.assert_allclose(changed.arrivals.mean_per_week, base.arrivals.mean_per_week * 1.3)
    assert changed.arrivals.level_cv == base.arrivals.level_cv
    assert changed.initial is base.initial
    assert changed.removal_rate == base.removal_rate
    np.testing.assert_allclose(np.asarray(base.capacity), planned)  # the base is untouched


class Constant:
    """A capacity policy: the same slots every week."""

    def __init__(self, slots: int) -> None:
        self.value = slots

    def slots(
        self, week: int, replications: slice, waiting: IntArray, rng: np.random.Generator
    ) -> IntArray:
        return np.full(waiting.shape[:2], self.value, dtype=np.int64)


def test_a_capacity_policy_is_wrapped_with_the_same_rule() -> None:
    base = WaitingListModel(
        initial=InitialList.empty(),
        arrivals=ArrivalForecast.constant([[5.0]], weeks=4),
        capacity=Constant(10),
    )
    changed = Scenario(
        "x", capacity_factor=1.5, extra_slots={1: 2.0}, closed_weeks=(2,), redirected_per_week=1.0
    ).apply(base)
    rng = np.random.default_rng(0)
    waiting = np.zeros((3, 1, 1), dtype=np.int64)
    got = [int(changed.capacity.slots(w, slice(0, 3), waiting, rng)[0, 0]) for w in range(4)]  # type: ignore[union-attr]
    assert got == [16, 18, 1, 16]
    result = simulate(changed, replications=10, seed=0)
    assert result.queue_size.shape[1] == 4


def test_scenarios_refuse_what_they_cannot_mean() -> None:
    with pytest.raises(InputError, match="capacity_factor"):
        Scenario("bad", capacity_factor=-1.0)
    with pytest.raises(InputError, match="closed_weeks"):
        Scenario("bad", closed_weeks=(-1,))
    with pytest.raises(InputError, match="weeks \\[50\\]"):
        Scenario("late", extra_slots={50: 1.0}).apply(model(weeks=40))
    paths = WaitingListModel(
        initial=InitialList.empty(),
        arrivals=ArrivalPaths(np.ones((2, 3, 1, 1), dtype=np.int64)),
        capacity=np.ones((3, 1)),
    )
    with pytest.raises(InputError, match="fixed"):
        Scenario("more", demand_factor=1.2).apply(paths)
    with pytest.raises(InputError, match="queue"):
        compare_scenarios(model(), [Scenario("a")], queue=3)
    assert isinstance(Scenario("a", extra_slots={1: 2.0}).extra_slots, MappingProxyType)


def test_scenarios_are_values() -> None:
    a = Scenario("a", extra_slots={1: 2.0, 0: 1.0}, closed_weeks=[3])  # type: ignore[arg-type]
    b = Scenario("a", extra_slots={0: 1.0, 1: 2.0}, closed_weeks=(3,))
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, Scenario("c")}) == 2


@pytest.mark.parametrize("factor", [0.7, 1.0, 1.4])
def test_common_arrivals_keep_the_scaled_mean_and_stay_coupled(factor: float) -> None:
    arrivals = ArrivalForecast.constant([[10.0, 30.0]], weeks=20, level_cv=0.1)
    base = common_arrivals(arrivals, 400, seed=4).counts
    scaled = common_arrivals(arrivals, 400, seed=4, demand_factor=factor).counts
    mean = scaled.mean(axis=(0, 1, 2))
    sem = scaled.sum(axis=(1, 2)).std(ddof=1) / np.sqrt(400) / 20
    np.testing.assert_allclose(mean, [10 * factor, 30 * factor], atol=4 * sem.max() + 1e-9)
    if factor < 1:
        assert np.all(scaled <= base)
    else:
        assert np.all(scaled >= base)


def test_common_random_numbers_shrink_the_noise_in_a_difference() -> None:
    base = model()
    today, more = Scenario("Today"), Scenario("+8 %", capacity_factor=1.08)
    reps = 300
    crn = compare_scenarios(base, [today, more], replications=reps, seed=9)
    diff_crn = (crn[1].result.final_queue_size[:, 0] - crn[0].result.final_queue_size[:, 0]).astype(
        float
    )
    a = simulate(today.apply(base), replications=reps, seed=1).final_queue_size[:, 0]
    b = simulate(more.apply(base), replications=reps, seed=2).final_queue_size[:, 0]
    diff_independent = (b - a).astype(float)
    # The effect is the same either way (more capacity, a shorter list) ...
    assert diff_crn.mean() < 0
    assert diff_independent.mean() < 0
    se = np.sqrt(diff_crn.var(ddof=1) / reps + diff_independent.var(ddof=1) / reps)
    assert abs(diff_crn.mean() - diff_independent.mean()) < 4 * se
    # ... but its noise is far smaller with common random numbers.
    assert diff_crn.var(ddof=1) < 0.1 * diff_independent.var(ddof=1)


def test_outcome_bands_for_one_queue_are_the_results() -> None:
    (outcome,) = compare_scenarios(model(), [Scenario("Today")], replications=100, seed=2)
    result = outcome.result
    assert result.percentiles == (10.0, 50.0, 90.0)
    np.testing.assert_array_equal(outcome.queue_p50, result.queue_size[1, :, 0])
    np.testing.assert_array_equal(outcome.share_p10, result.share_within[0, :, 0])
    np.testing.assert_array_equal(outcome.beyond_p50, result.beyond_guarantee[1, :, 0])
    assert np.all(outcome.queue_p10 <= outcome.queue_p50)
    assert np.all(outcome.queue_p50 <= outcome.queue_p90)
    assert not outcome.queue_p50.flags.writeable


def test_the_whole_list_adds_the_queues_per_replication() -> None:
    base = model(weeks=12, queues=3)
    whole, first = (
        compare_scenarios(base, [Scenario("Today")], replications=80, seed=5, queue=q)[0]
        for q in (None, 0)
    )
    paths = whole.result.paths
    assert paths is not None
    total = paths.queue_size.sum(axis=2)
    np.testing.assert_allclose(whole.queue_p50, np.percentile(total, 50, axis=0))
    bookable = total - paths.paused.sum(axis=2)
    share = 1 - paths.beyond_guarantee.sum(axis=2) / np.maximum(bookable, 1)
    np.testing.assert_allclose(whole.share_p90, np.percentile(share, 90, axis=0), rtol=1e-5)
    np.testing.assert_array_equal(first.queue_p50, first.result.queue_size[1, :, 0])
    assert whole.queue_p50[-1] > 2 * first.queue_p50[-1]


def test_summary_counts_weeks_to_the_target() -> None:
    base = model(weeks=40, level_cv=0.0)
    slow, fast = compare_scenarios(
        base,
        [Scenario("Today", capacity_factor=0.5), Scenario("Double", capacity_factor=2.0)],
        replications=100,
        seed=3,
    )
    assert "weeks_to_target" not in slow.summary()
    got = fast.summary()
    first = int(np.flatnonzero(fast.share_p50 >= 0.9)[0])
    assert got["weeks_to_target"] == first + 1
    assert got["end_queue_p50"] == fast.queue_p50[-1]
    assert got["end_share_p50"] >= 0.9 > slow.summary()["end_share_p50"]
    assert fast.share_p50[first - 1] < 0.9 if first else True


def test_redirecting_patients_shortens_the_list_like_extra_slots() -> None:
    base = model(level_cv=0.0)
    outcomes = compare_scenarios(
        base,
        [
            Scenario("Today"),
            Scenario("Send 4 a week elsewhere", redirected_per_week=4.0),
            Scenario("More referrals", demand_factor=1.2),
        ],
        replications=100,
        seed=1,
    )
    today, redirected, more = (o.summary()["end_queue_p50"] for o in outcomes)
    assert redirected < today < more
