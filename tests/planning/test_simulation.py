"""The cohort engine: invariants, agreement with the patient-level mode and the SimPy model."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import ks_2samp

from vardkoll.domain import InputError
from vardkoll.planning import (
    ArrivalForecast,
    InitialList,
    SimulationPaths,
    SimulationResult,
    WaitingListModel,
    simulate,
    simulate_patients,
)
from vardkoll.planning._simpy_reference import simulate_simpy

IntArray = npt.NDArray[np.int64]


def check_invariants(model: WaitingListModel, paths: SimulationPaths) -> None:
    """What must hold on every path, every week, exactly."""
    change = paths.arrivals - paths.treated - paths.removed
    expected = paths.start_queue_size[:, None, :] + np.cumsum(change, axis=1)
    np.testing.assert_array_equal(paths.queue_size, expected)  # conservation of patients
    for name in ("arrivals", "treated", "declined", "removed", "queue_size", "paused"):
        assert getattr(paths, name).min() >= 0, name
    assert paths.wait_weeks_treated.min() >= 0  # waits are never negative
    assert np.all(paths.wait_weeks_treated >= 0)
    assert np.all(paths.beyond_guarantee + paths.paused <= paths.queue_size)
    if not callable(getattr(model.capacity, "slots", None)):
        plan = np.ceil(np.asarray(model.capacity))
        assert np.all(paths.treated <= plan[None, :, :])  # never more than the capacity


def mixed_model(weeks: int = 20) -> WaitingListModel:
    """Two queues, three priorities, removals, declines, a demand level, fractional capacity."""
    rng = np.random.default_rng(11)
    size = 220
    initial = InitialList.from_arrays(
        queue=rng.integers(0, 2, size),
        waited_weeks=rng.exponential(8.0, size),
        priority=rng.integers(0, 3, size),
        paused_weeks_left=(rng.random(size) < 0.05) * rng.integers(1, 6, size),
    )
    mean = np.array([[1.0, 2.0, 3.0], [0.5, 1.5, 4.0]])
    capacity = np.tile([6.5, 5.0], (weeks, 1))
    capacity[8:11] = 0.0  # a closure, as over a holiday
    return WaitingListModel(
        initial=initial,
        arrivals=ArrivalForecast.constant(mean, weeks, level_cv=0.15),
        capacity=capacity,
        removal_rate=0.02,
        decline_share=0.1,
        pause_weeks=3,
    )


def assert_agree(a: SimulationResult, b: SimulationResult) -> None:
    assert a.paths is not None
    assert b.paths is not None
    for q in range(a.queues):
        final = ks_2samp(a.final_queue_size[:, q], b.final_queue_size[:, q])
        beyond = ks_2samp(a.paths.beyond_guarantee[:, -1, q], b.paths.beyond_guarantee[:, -1, q])
        assert final.pvalue > 0.01, (q, final)
        assert beyond.pvalue > 0.01, (q, beyond)


@pytest.mark.slow
def test_agrees_with_the_independent_simpy_model() -> None:
    model = mixed_model()
    engine = simulate(model, replications=400, seed=101, keep_paths=True)
    reference = simulate_simpy(model, replications=200, seed=202)
    assert reference.paths is not None
    check_invariants(model, reference.paths)
    assert_agree(engine, reference)


@pytest.mark.slow
def test_agrees_with_the_patient_level_mode() -> None:
    model = mixed_model()
    engine = simulate(model, replications=400, seed=303, keep_paths=True)
    patients = simulate_patients(model, replications=300, seed=404)
    assert patients.paths is not None
    check_invariants(model, patients.paths)
    assert_agree(engine, patients)


@pytest.mark.slow
def test_short_lists_with_many_declines_agree_with_the_patient_level_mode() -> None:
    """Lists that run dry while half the offers are declined: the rarer branches of the draws."""
    weeks = 15
    rng = np.random.default_rng(3)
    model = WaitingListModel(
        initial=InitialList.from_arrays(
            queue=rng.integers(0, 2, 40),
            waited_weeks=rng.integers(0, 20, 40),
            priority=rng.integers(0, 3, 40),
        ),
        arrivals=ArrivalForecast.constant([[1.0, 1.5, 2.0], [0.5, 0.5, 1.0]], weeks, 0.2),
        capacity=np.tile([4.7, 2.2], (weeks, 1)),
        removal_rate=0.05,
        decline_share=0.5,
        pause_weeks=2,
        guarantee_weeks=3.5,
    )
    engine = simulate(model, replications=800, seed=21, keep_paths=True)
    patients = simulate_patients(model, replications=300, seed=22)
    assert engine.paths is not None
    assert patients.paths is not None
    check_invariants(model, engine.paths)
    for name in ("queue_size", "beyond_guarantee", "paused"):
        for q in range(2):
            a = getattr(engine.paths, name)[:, [4, 14], q]
            b = getattr(patients.paths, name)[:, [4, 14], q]
            for w in range(2):
                assert ks_2samp(a[:, w], b[:, w]).pvalue > 0.01, (name, q, w)


class HalfAndHalf:
    """A booking rule: half the slots (rounded up) to priority 0, the rest to priority 1."""

    def allocate(self, week: int, slots: IntArray, waiting: IntArray) -> IntArray:
        first = (slots + 1) // 2
        return np.stack([first, slots - first], axis=-1)


def test_a_booking_rule_object_is_used_the_same_way_by_both_modes() -> None:
    weeks = 12
    model = WaitingListModel(
        initial=InitialList.from_arrays(queue=np.zeros(60, int), waited_weeks=np.arange(60) % 15),
        arrivals=ArrivalForecast.constant([[3.0, 1.0]], weeks),
        capacity=np.full((weeks, 1), 4.0),
        booking=HalfAndHalf(),
    )
    engine = simulate(model, replications=300, seed=5, keep_paths=True)
    patients = simulate_patients(model, replications=200, seed=6)
    assert engine.paths is not None
    check_invariants(model, engine.paths)
    # Priority 1 gets 2 slots a week but only ~1 arrives, so it runs dry and slots are lost.
    assert engine.paths.treated.mean() < 4.0
    assert_agree(engine, patients)


def test_priority_booking_leaves_more_beyond_the_guarantee_than_fifo() -> None:
    """Serving the urgent first lets old routine referrals age; FIFO does not."""
    weeks = 30
    common = {
        "initial": InitialList.from_arrays(
            queue=np.zeros(200, int), waited_weeks=np.arange(200) % 20, priority=np.arange(200) % 2
        ),
        "arrivals": ArrivalForecast.constant([[5.0, 5.0]], weeks),
        "capacity": np.full((weeks, 1), 10.0),
    }
    fifo = simulate(WaitingListModel(booking="fifo", **common), replications=200, seed=1)
    prio = simulate(WaitingListModel(booking="priority", **common), replications=200, seed=1)
    # Same flows in and out, so the list is the same size; its age profile is not.
    assert abs(fifo.mean_queue_size[-1, 0] - prio.mean_queue_size[-1, 0]) < 10
    assert prio.beyond_guarantee[2, -1, 0] > fifo.beyond_guarantee[2, -1, 0] + 5


def test_same_seed_same_result_other_seed_other_result() -> None:
    model = mixed_model(weeks=8)
    a = simulate(model, replications=50, seed=9)
    b = simulate(model, replications=50, seed=9)
    c = simulate(model, replications=50, seed=10)
    np.testing.assert_array_equal(a.final_queue_size, b.final_queue_size)
    assert not np.array_equal(a.final_queue_size, c.final_queue_size)


@pytest.mark.slow
def test_worker_processes_give_the_same_result() -> None:
    """Blocks have their own random streams, so where they run does not change the answer."""
    model = mixed_model(weeks=6)
    alone = simulate(model, replications=60, seed=8, block_size=20, keep_paths=True)
    shared = simulate(model, replications=60, seed=8, block_size=20, keep_paths=True, workers=2)
    np.testing.assert_array_equal(alone.queue_size, shared.queue_size)
    np.testing.assert_array_equal(alone.final_queue_size, shared.final_queue_size)
    assert alone.paths is not None
    assert shared.paths is not None
    np.testing.assert_array_equal(alone.paths.treated, shared.paths.treated)
    np.testing.assert_array_equal(alone.paths.start_queue_size, shared.paths.start_queue_size)


def test_result_is_a_frozen_record_with_read_only_arrays() -> None:
    result = simulate(mixed_model(weeks=4), replications=10, seed=1)
    with pytest.raises(FrozenInstanceError):
        result.weeks = 5  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.queue_size[0, 0, 0] = 1.0
    assert result.queue_size.shape == (5, 4, 2)
    assert np.all(np.diff(result.queue_size, axis=0) >= 0)  # bands are ordered
    assert np.all((result.share_within >= 0) & (result.share_within <= 1))


def test_initial_paused_patients_stay_on_the_list_and_come_back() -> None:
    weeks = 6
    model = WaitingListModel(
        initial=InitialList.from_arrays(
            queue=[0, 0, 0, 0], waited_weeks=[20, 20, 1, 1], paused_weeks_left=[0, 2, 4, 9]
        ),
        arrivals=ArrivalForecast.constant([[0.0]], weeks),
        capacity=np.zeros((weeks, 1)),
    )
    result = simulate(model, replications=3, seed=0, keep_paths=True)
    assert result.paths is not None
    np.testing.assert_array_equal(result.paths.paused[0, :, 0], [3, 3, 2, 2, 1, 1])
    np.testing.assert_array_equal(result.paths.queue_size[0, :, 0], [4] * weeks)
    # The patient back in week 2 had waited 20 weeks (clock stopped while paused): beyond.
    np.testing.assert_array_equal(result.paths.beyond_guarantee[0, :, 0], [1, 1, 2, 2, 2, 2])


def test_fractional_capacity_is_kept_on_average() -> None:
    weeks = 40
    model = WaitingListModel(
        initial=InitialList.from_arrays(queue=np.zeros(500, int), waited_weeks=np.zeros(500)),
        arrivals=ArrivalForecast.constant([[0.0]], weeks),
        capacity=np.full((weeks, 1), 2.3),
    )
    result = simulate(model, replications=100, seed=3)
    assert result.mean_treated.mean() == pytest.approx(2.3, abs=0.05)


def test_bad_models_are_refused_with_every_problem_named() -> None:
    with pytest.raises(InputError) as info:
        WaitingListModel(
            initial=InitialList.from_arrays(queue=[5], waited_weeks=[1], priority=[3]),
            arrivals=ArrivalForecast.constant([[1.0, 1.0]], 4),
            capacity=np.full((3, 1), 1.0),
            removal_rate=1.5,
            pause_weeks=0,
        )
    message = str(info.value)
    for fragment in ("capacity", "initial.queue", "initial.priority", "removal_rate", "pause"):
        assert fragment in message
    with pytest.raises(InputError, match="waited_weeks"):
        InitialList.from_arrays(queue=[0], waited_weeks=[-1])
    with pytest.raises(InputError, match="tracked_weeks"):
        simulate(mixed_model(weeks=2), replications=2, tracked_weeks=3)


scenario = st.fixed_dictionaries(
    {
        "queues": st.integers(1, 3),
        "priorities": st.integers(1, 3),
        "weeks": st.integers(1, 8),
        "patients": st.integers(0, 40),
        "seed": st.integers(0, 2**32 - 1),
        "removal": st.sampled_from([0.0, 0.05, 0.3]),
        "decline": st.sampled_from([0.0, 0.2, 0.6]),
        "pause": st.integers(1, 4),
        "booking": st.sampled_from(["priority", "fifo"]),
        "tracked": st.sampled_from([None, 20]),
        "guarantee": st.sampled_from([2.0, 90 / 7]),
    }
)


def build(s: dict[str, object]) -> WaitingListModel:
    rng = np.random.default_rng(int(s["seed"]))  # type: ignore[call-overload]
    q, p, t, n = (int(s[k]) for k in ("queues", "priorities", "weeks", "patients"))  # type: ignore[call-overload]
    initial = InitialList.from_arrays(
        queue=rng.integers(0, q, n),
        waited_weeks=rng.integers(0, 30, n),
        priority=rng.integers(0, p, n),
        paused_weeks_left=(rng.random(n) < 0.2) * rng.integers(1, 5, n),
    )
    return WaitingListModel(
        initial=initial,
        arrivals=ArrivalForecast(rng.uniform(0, 5, (t, q, p)), level_cv=0.2),
        capacity=rng.uniform(0, 6, (t, q)),
        removal_rate=float(s["removal"]),  # type: ignore[arg-type]
        decline_share=float(s["decline"]),  # type: ignore[arg-type]
        pause_weeks=int(s["pause"]),  # type: ignore[call-overload]
        booking=s["booking"],  # type: ignore[arg-type]
        guarantee_weeks=float(s["guarantee"]),  # type: ignore[arg-type]
    )


@given(s=scenario)
def test_invariants_hold_in_the_cohort_engine(s: dict[str, object]) -> None:
    model = build(s)
    tracked = s["tracked"]
    result = simulate(
        model,
        replications=4,
        seed=int(s["seed"]),  # type: ignore[call-overload]
        block_size=3,
        tracked_weeks=None if tracked is None else int(tracked),  # type: ignore[call-overload]
        keep_paths=True,
    )
    assert result.paths is not None
    check_invariants(model, result.paths)


@given(s=scenario)
def test_invariants_hold_in_the_patient_level_mode(s: dict[str, object]) -> None:
    model = build(s)
    result = simulate_patients(model, replications=2, seed=int(s["seed"]))  # type: ignore[call-overload]
    assert result.paths is not None
    check_invariants(model, result.paths)
