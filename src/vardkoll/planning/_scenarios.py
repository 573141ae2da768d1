"""What-if scenarios on a waiting-list model, compared with common random numbers.

A :class:`Scenario` is a small, named change to a :class:`WaitingListModel` (capacity up or
down, extra sessions, closed weeks, patients sent to another provider, demand up or down);
:func:`compare_scenarios` simulates each one and returns a :class:`ScenarioOutcome` per
scenario with the bands a fan chart and a side-by-side table need.

**Common random numbers.** Two scenarios simulated with unrelated random numbers differ by
their effect *and* by Monte Carlo noise; with a few hundred replications the noise can hide a
small effect or invent one. :func:`compare_scenarios` therefore gives every scenario the same
random referrals: replication ``r`` of every scenario sees the same demand level and the same
arrivals week by week (drawn once, before any scenario runs; a scenario that scales demand
thins or tops up those same arrivals, which keeps them Poisson with the scaled mean). The rest
of the randomness (fractional slots, declined offers, removals) uses the same seed for every
scenario. The difference between two scenarios in one replication is then mostly their effect,
and its spread over replications is far smaller than with independent runs
(``tests/planning/test_scenarios.py`` checks this).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError
from vardkoll.planning._model import (
    ArrivalForecast,
    ArrivalPaths,
    CapacityPolicy,
    IntArray,
    WaitingListModel,
)
from vardkoll.planning._result import SimulationResult, share_within
from vardkoll.planning._simulation import simulate

__all__ = ["Scenario", "ScenarioOutcome", "common_arrivals", "compare_scenarios"]

FloatArray = npt.NDArray[np.float64]

BANDS = (10.0, 50.0, 90.0)
MAX_COMMON_CELLS = 10_000_000
"""Largest replications × weeks × queues × priorities for which arrivals are drawn up front
(80 MB of counts); beyond it scenarios share only the seed."""
_ARRIVAL_STREAM = 7_000_001
"""Spawn key of the arrival stream: distinct from the simulation's per-block streams."""


def _neutral_mapping() -> Mapping[int, float]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Scenario:
    """A named change to a model; the neutral values leave the model as it is.

    Time is in weeks; week ``0`` is the model's first simulated week. ``capacity_factor``
    scales the planned slots of every week and queue; ``extra_slots`` adds slots in given weeks
    (week index → slots, added to every queue; negative for cancelled sessions, a week never
    going below 0); ``closed_weeks`` are weeks the clinic produces nothing (its own slots,
    extra ones included, are 0); ``redirected_per_week`` patients a week per queue are sent to
    another provider and leave the list the way a treated patient does (by the booking rule:
    most urgent, then longest-waiting, first), closed weeks included; ``demand_factor`` scales
    the expected referrals.

    So, week by week: ``slots = max(capacity × capacity_factor + extra, 0)``, 0 in a closed
    week, plus ``redirected_per_week``.

    >>> import numpy as np
    >>> from vardkoll.planning import ArrivalForecast, InitialList, WaitingListModel
    >>> model = WaitingListModel(
    ...     initial=InitialList.empty(),
    ...     arrivals=ArrivalForecast.constant([[10.0]], weeks=4),
    ...     capacity=np.full((4, 1), 10.0),
    ... )
    >>> more = Scenario("Summer closed, two extra sessions", closed_weeks=(1,),
    ...                 extra_slots={2: 6.0}, redirected_per_week=1.0, demand_factor=1.2)
    >>> changed = more.apply(model)
    >>> np.asarray(changed.capacity).ravel().tolist()
    [11.0, 1.0, 17.0, 11.0]
    >>> float(changed.arrivals.mean_per_week[0, 0, 0])
    12.0
    """

    name: str
    capacity_factor: float = 1.0
    extra_slots: Mapping[int, float] = field(default_factory=_neutral_mapping)
    closed_weeks: tuple[int, ...] = ()
    redirected_per_week: float = 0.0
    demand_factor: float = 1.0
    description: str = ""

    def __post_init__(self) -> None:
        problems = []
        for name in ("capacity_factor", "demand_factor", "redirected_per_week"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                problems.append(f"`Scenario.{name}` must be a non-negative number; got {value!r}.")
        for week, extra in dict(self.extra_slots).items():
            if not isinstance(week, int | np.integer) or week < 0:
                problems.append(
                    f"`Scenario.extra_slots` keys are week indices (0 = first week); got {week!r}."
                )
            if not (isinstance(extra, int | float | np.number) and math.isfinite(float(extra))):
                problems.append(
                    f"`Scenario.extra_slots[{week!r}]` must be a number of slots; got {extra!r}."
                )
        bad_closed = [w for w in self.closed_weeks if not isinstance(w, int | np.integer) or w < 0]
        if bad_closed:
            problems.append(
                "`Scenario.closed_weeks` are week indices (0 = first week); got "
                f"{list(self.closed_weeks)}."
            )
        if problems:
            raise InputError(f"Scenario {self.name!r}: " + " ".join(problems), field="scenario")
        object.__setattr__(self, "extra_slots", MappingProxyType(dict(self.extra_slots)))
        object.__setattr__(self, "closed_weeks", tuple(int(w) for w in self.closed_weeks))

    def __hash__(self) -> int:
        """Hashable (a cache key) although ``extra_slots`` is a mapping."""
        return hash(
            (
                self.name,
                self.capacity_factor,
                tuple(sorted(self.extra_slots.items())),
                self.closed_weeks,
                self.redirected_per_week,
                self.demand_factor,
                self.description,
            )
        )

    @property
    def changes_capacity(self) -> bool:
        return bool(
            self.capacity_factor != 1.0
            or self.extra_slots
            or self.closed_weeks
            or self.redirected_per_week
        )

    def _check_weeks(self, weeks: int) -> None:
        outside = sorted({*self.extra_slots, *self.closed_weeks} - set(range(weeks)))
        if outside:
            raise InputError(
                f"Scenario {self.name!r} changes weeks {outside}, but the model covers weeks "
                f"0 to {weeks - 1}.",
                field="scenario",
            )

    def weekly_extra(self, weeks: int) -> FloatArray:
        """Extra slots per week, one value per week of a ``weeks``-long model."""
        extra = np.zeros(weeks)
        for week, slots in self.extra_slots.items():
            extra[week] = float(slots)
        return extra

    def capacity(self, planned: FloatArray) -> FloatArray:
        """The scenario's slots from planned slots of shape ``(weeks, queues)``."""
        weeks = planned.shape[0]
        self._check_weeks(weeks)
        own = np.maximum(planned * self.capacity_factor + self.weekly_extra(weeks)[:, None], 0.0)
        if self.closed_weeks:
            own[list(self.closed_weeks)] = 0.0
        return np.asarray(own + self.redirected_per_week, dtype=np.float64)

    def apply(self, model: WaitingListModel) -> WaitingListModel:
        """The model with this scenario's changes (a new model; ``model`` is not touched)."""
        self._check_weeks(model.weeks)
        arrivals = model.arrivals
        if self.demand_factor != 1.0:
            if isinstance(arrivals, ArrivalPaths):
                raise InputError(
                    f"Scenario {self.name!r} scales demand, but the model's arrivals are fixed "
                    "paths; build the model from an ArrivalForecast to change demand.",
                    field="demand_factor",
                )
            arrivals = ArrivalForecast(
                arrivals.mean_per_week * self.demand_factor, level_cv=arrivals.level_cv
            )
        capacity: FloatArray | CapacityPolicy = model.capacity
        if self.changes_capacity:
            if isinstance(model.capacity, CapacityPolicy):
                capacity = _ScenarioPolicy(model.capacity, self)
            else:
                capacity = self.capacity(np.asarray(model.capacity, dtype=np.float64))
        return dataclasses.replace(model, arrivals=arrivals, capacity=capacity)


@dataclass(frozen=True)
class _ScenarioPolicy:
    """A capacity policy with a scenario's changes laid over the slots it decides."""

    inner: CapacityPolicy
    scenario: Scenario

    def slots(
        self, week: int, replications: slice, waiting: IntArray, rng: np.random.Generator
    ) -> IntArray:
        base = np.asarray(self.inner.slots(week, replications, waiting, rng), dtype=np.float64)
        s = self.scenario
        own = np.maximum(base * s.capacity_factor + float(s.extra_slots.get(week, 0.0)), 0.0)
        if week in s.closed_weeks:
            own[:] = 0.0
        total = own + s.redirected_per_week
        whole = np.floor(total)
        frac = total - whole
        if np.any(frac > 0):
            whole = whole + (rng.random(total.shape) < frac)
        return whole.astype(np.int64)


@dataclass(frozen=True)
class ScenarioOutcome:
    """One scenario's simulated future, with the per-week bands a planner reads.

    Arrays have one value per week (week ``0`` first), for the queue the comparison was asked
    about, or for the whole list (all queues together). ``queue_*`` are list sizes,
    ``beyond_p50`` the median number beyond the guarantee, ``share_*`` the share of bookable
    patients within the guarantee, at the 10th, 50th and 90th percentile over replications.
    ``result`` is the full simulation result (every queue, percentiles 10, 50 and 90).
    """

    scenario: Scenario
    result: SimulationResult
    queue_p10: FloatArray
    queue_p50: FloatArray
    queue_p90: FloatArray
    beyond_p50: FloatArray
    share_p10: FloatArray
    share_p50: FloatArray
    share_p90: FloatArray
    target_share: float = 0.9

    def summary(self) -> dict[str, float]:
        """Key figures for a side-by-side table.

        Keys: ``end_queue_p10``, ``end_queue_p50``, ``end_queue_p90`` (list size after the
        last week), ``end_beyond_p50``, ``end_share_p10``, ``end_share_p50``,
        ``end_share_p90`` (share within the guarantee after the last week), and
        ``weeks_to_target``: the number of weeks until the median share first reaches
        ``target_share`` (1 means after the first week). The key is **absent** when the
        median never reaches the target within the horizon.
        """
        out = {
            "end_queue_p10": float(self.queue_p10[-1]),
            "end_queue_p50": float(self.queue_p50[-1]),
            "end_queue_p90": float(self.queue_p90[-1]),
            "end_beyond_p50": float(self.beyond_p50[-1]),
            "end_share_p10": float(self.share_p10[-1]),
            "end_share_p50": float(self.share_p50[-1]),
            "end_share_p90": float(self.share_p90[-1]),
        }
        reached = np.flatnonzero(self.share_p50 >= self.target_share - 1e-12)
        if reached.size:
            out["weeks_to_target"] = float(reached[0] + 1)
        return out


def common_arrivals(
    arrivals: ArrivalForecast,
    replications: int,
    seed: int,
    demand_factor: float = 1.0,
) -> ArrivalPaths:
    """Arrival paths drawn from ``arrivals``, the same for every caller with the same seed.

    The base paths are Poisson around the mean times one gamma level per replication and
    queue. A ``demand_factor`` below 1 thins them (each arrival kept with that probability),
    above 1 adds Poisson arrivals with the extra mean: both keep the arrivals Poisson with the
    scaled mean, and both leave a replication's base arrivals in place, so scenarios that scale
    demand differently stay coupled. The streams depend on the seed and the factor only.
    """
    root = np.random.SeedSequence(seed, spawn_key=(_ARRIVAL_STREAM,))
    base_seq, thin_seq, top_seq = root.spawn(3)
    rng = np.random.default_rng(base_seq)
    levels = arrivals.levels(rng, replications)  # (replications, queues)
    lam = arrivals.mean_per_week[None, :, :, :] * levels[:, None, :, None]
    counts = np.asarray(rng.poisson(lam), dtype=np.int64)
    if demand_factor < 1.0:
        counts = np.asarray(
            np.random.default_rng(thin_seq).binomial(counts, demand_factor), dtype=np.int64
        )
    elif demand_factor > 1.0:
        extra = np.random.default_rng(top_seq).poisson(lam * (demand_factor - 1.0))
        counts = counts + np.asarray(extra, dtype=np.int64)
    return ArrivalPaths(counts)


def _bands(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(
        np.percentile(np.asarray(values, dtype=np.float64), BANDS, axis=0), dtype=np.float64
    )


def _outcome(
    scenario: Scenario, result: SimulationResult, queue: int | None, target_share: float
) -> ScenarioOutcome:
    if queue is None and result.queues > 1:
        paths = result.paths
        assert paths is not None
        size = paths.queue_size.sum(axis=2)
        paused = paths.paused.sum(axis=2)
        beyond = paths.beyond_guarantee.sum(axis=2)
        queue_b, beyond_b = _bands(size), _bands(beyond)
        share_b = _bands(share_within(size, paused, beyond))
    else:
        q = 0 if queue is None else queue
        queue_b = result.queue_size[:, :, q]
        beyond_b = result.beyond_guarantee[:, :, q]
        share_b = result.share_within[:, :, q]

    def ro(a: FloatArray) -> FloatArray:
        out = np.array(a, dtype=np.float64)
        out.setflags(write=False)
        return out

    return ScenarioOutcome(
        scenario=scenario,
        result=result,
        queue_p10=ro(queue_b[0]),
        queue_p50=ro(queue_b[1]),
        queue_p90=ro(queue_b[2]),
        beyond_p50=ro(beyond_b[1]),
        share_p10=ro(share_b[0]),
        share_p50=ro(share_b[1]),
        share_p90=ro(share_b[2]),
        target_share=target_share,
    )


def compare_scenarios(
    base: WaitingListModel,
    scenarios: Sequence[Scenario],
    *,
    replications: int = 500,
    seed: int = 0,
    queue: int | None = None,
    target_share: float = 0.9,
) -> list[ScenarioOutcome]:
    """Simulate every scenario on ``base`` with common random numbers; one outcome each.

    Outcomes come in the order of ``scenarios``; include an unchanged ``Scenario("Today")``
    to compare against the plan as it stands. ``queue`` picks the queue the per-week bands
    describe; ``None`` (the default) means the whole list, all queues together (then every
    replication's weekly counts are kept: memory grows with replications × weeks × queues).
    ``target_share`` is the share within the guarantee that ``summary()`` counts weeks to.
    Common random numbers (see the module documentation) are used when the arrivals are an
    :class:`ArrivalForecast` of at most ``MAX_COMMON_CELLS`` cells; otherwise, and for fixed
    arrival paths, scenarios share the seed.

    >>> import numpy as np
    >>> from vardkoll.planning import ArrivalForecast, InitialList, WaitingListModel
    >>> model = WaitingListModel(
    ...     initial=InitialList.from_arrays(queue=[0] * 300, waited_weeks=np.arange(300) % 30),
    ...     arrivals=ArrivalForecast.constant([[20.0]], weeks=52, level_cv=0.1),
    ...     capacity=np.full((52, 1), 20.0),
    ... )
    >>> today, more = compare_scenarios(
    ...     model, [Scenario("Today"), Scenario("+15 %", capacity_factor=1.15)],
    ...     replications=100, seed=1)
    >>> bool(more.summary()["end_queue_p50"] < today.summary()["end_queue_p50"])
    True
    """
    if not scenarios:
        raise InputError("`scenarios` must hold at least one Scenario.", field="scenarios")
    if replications < 1:
        raise InputError(
            f"`replications` must be at least 1; got {replications}.", field="replications"
        )
    if queue is not None and not 0 <= queue < base.queues:
        raise InputError(
            f"`queue` must be between 0 and {base.queues - 1}, or None for the whole list; "
            f"got {queue}.",
            field="queue",
        )
    if not 0.0 < target_share < 1.0:
        raise InputError(
            f"`target_share` must be between 0 and 1; got {target_share}.", field="target_share"
        )
    arrivals = base.arrivals
    cells = replications * base.weeks * base.queues * base.priorities
    common = isinstance(arrivals, ArrivalForecast) and cells <= MAX_COMMON_CELLS
    keep = queue is None and base.queues > 1
    outcomes = []
    for scenario in scenarios:
        model = scenario.apply(base)
        if common:
            assert isinstance(arrivals, ArrivalForecast)
            paths = common_arrivals(arrivals, replications, seed, scenario.demand_factor)
            model = dataclasses.replace(model, arrivals=paths)
        result = simulate(
            model, replications=replications, seed=seed, percentiles=BANDS, keep_paths=keep
        )
        outcomes.append(_outcome(scenario, result, queue, target_share))
    return outcomes
