"""Patient-level mode: the same model with one entry per patient, for checking the cohort engine.

Slow and plain on purpose: each patient carries a priority, the week their (pause-adjusted)
wait started and, while paused, the week the pause ends; each week the offers go one patient
at a time down a sorted list. Nothing is shared with the cohort engine but the model and the
result record, so agreement between the two is evidence, not an echo.
"""

from __future__ import annotations

import numpy as np

from vardkoll.planning._model import (
    ArrivalForecast,
    CapacityPolicy,
    InitialList,  # noqa: F401  (used by the docstring example)
    IntArray,
    WaitingListModel,
    check_allocation,
    round_slots,
)
from vardkoll.planning._result import (
    DEFAULT_PERCENTILES,
    SimulationPaths,
    SimulationResult,
    empty_paths,
    result_from_paths,
)

_BOOKABLE = -1


class _Queue:
    """One queue's patients in one replication: parallel arrays, one entry per patient."""

    def __init__(self, priority: IntArray, started: IntArray, back: IntArray) -> None:
        self.priority = priority
        self.started = started  # week the pause-adjusted wait started (age = week - started)
        self.back = back  # week a paused patient comes back, or _BOOKABLE
        self.paused_at = np.zeros_like(back)

    def add(self, priority: IntArray, week: int) -> None:
        self.priority = np.concatenate([self.priority, priority])
        self.started = np.concatenate([self.started, np.full(priority.size, week)])
        self.back = np.concatenate([self.back, np.full(priority.size, _BOOKABLE)])
        self.paused_at = np.concatenate([self.paused_at, np.zeros(priority.size, np.int64)])

    def drop(self, gone: np.ndarray) -> None:
        keep = ~gone
        self.priority = self.priority[keep]
        self.started = self.started[keep]
        self.back = self.back[keep]
        self.paused_at = self.paused_at[keep]


def _order(queue: _Queue, candidates: IntArray, fifo: bool, rng: np.random.Generator) -> IntArray:
    """Candidates in booking order: (priority unless FIFO), then longest wait, ties at random."""
    tiebreak = rng.random(candidates.size)
    keys = [tiebreak, queue.started[candidates]]
    if not fifo:
        keys.append(queue.priority[candidates])
    return candidates[np.lexsort(keys)]


def simulate_patients(
    model: WaitingListModel,
    *,
    replications: int = 100,
    seed: int | np.random.SeedSequence = 0,
    percentiles: tuple[float, ...] = DEFAULT_PERCENTILES,
) -> SimulationResult:
    """Simulate ``model`` patient by patient (weeks throughout); the result keeps every path.

    >>> import numpy as np
    >>> model = WaitingListModel(
    ...     initial=InitialList.from_arrays(queue=[0] * 20, waited_weeks=range(20)),
    ...     arrivals=ArrivalForecast.constant([[3.0]], weeks=8),
    ...     capacity=np.full((8, 1), 4.0),
    ... )
    >>> result = simulate_patients(model, replications=20, seed=2)
    >>> paths = result.paths
    >>> bool(np.all(paths.queue_size[:, -1] ==
    ...      paths.start_queue_size + (paths.arrivals - paths.treated - paths.removed).sum(1)))
    True
    """
    weeks, queues, prios = model.weeks, model.queues, model.priorities
    fifo = model.booking == "fifo"
    rule = None if isinstance(model.booking, str) else model.booking
    plan = None if isinstance(model.capacity, CapacityPolicy) else np.asarray(model.capacity)
    paths = empty_paths(replications, weeks, queues)
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    init = model.initial
    for rep, child in enumerate(seq.spawn(replications)):
        rng = np.random.default_rng(child)
        levels = (
            model.arrivals.levels(rng, 1)[0]
            if isinstance(model.arrivals, ArrivalForecast)
            else np.ones(queues)
        )
        lists = []
        for q in range(queues):
            sel = init.queue == q
            back = np.where(init.paused_weeks_left[sel] > 0, init.paused_weeks_left[sel], _BOOKABLE)
            lists.append(_Queue(init.priority[sel].copy(), -init.waited_weeks[sel], back))
        paths.start_queue_size[rep] = np.bincount(init.queue, minlength=queues)
        for week in range(weeks):
            for q, queue in enumerate(lists):
                returning = queue.back == week
                queue.started[returning] += week - queue.paused_at[returning]
                queue.back[returning] = _BOOKABLE
                if isinstance(model.arrivals, ArrivalForecast):
                    counts = rng.poisson(model.arrivals.mean_per_week[week, q] * levels[q])
                else:
                    counts = model.arrivals.counts[rep, week, q]
                queue.add(np.repeat(np.arange(prios), counts), week)
                paths.arrivals[rep, week, q] = int(np.sum(counts))
            waiting = np.zeros((1, queues, prios), np.int64)
            for q, queue in enumerate(lists):
                bookable = queue.back == _BOOKABLE
                waiting[0, q] = np.bincount(queue.priority[bookable], minlength=prios)
            if plan is None:
                assert isinstance(model.capacity, CapacityPolicy)
                slots = np.asarray(model.capacity.slots(week, slice(rep, rep + 1), waiting, rng))
            else:
                slots = round_slots(plan[week], 1, rng)
            alloc = (
                None
                if rule is None
                else check_allocation(rule.allocate(week, slots, waiting), slots, prios)
            )
            for q, queue in enumerate(lists):
                _book_and_remove(model, queue, week, rep, q, slots, alloc, fifo, rng, paths)
    return result_from_paths(paths, percentiles)


def _book_and_remove(
    model: WaitingListModel,
    queue: _Queue,
    week: int,
    rep: int,
    q: int,
    slots: IntArray,
    alloc: IntArray | None,
    fifo: bool,
    rng: np.random.Generator,
    paths: SimulationPaths,
) -> None:
    bookable = np.flatnonzero(queue.back == _BOOKABLE)
    if alloc is None:
        rounds = [(_order(queue, bookable, fifo, rng), int(slots[0, q]))]
    else:
        rounds = [
            (_order(queue, bookable[queue.priority[bookable] == k], fifo, rng), int(alloc[0, q, k]))
            for k in range(alloc.shape[2])
        ]
    gone = np.zeros(queue.priority.size, dtype=bool)
    treated = declined = waited = 0
    for order, free in rounds:
        for i in order:
            if free == 0:
                break
            if rng.random() < model.decline_share:
                queue.back[i] = week + model.pause_weeks
                queue.paused_at[i] = week
                declined += 1
            else:
                gone[i] = True
                treated += 1
                waited += week - int(queue.started[i])
                free -= 1
    still = (queue.back == _BOOKABLE) & ~gone
    removed = still & (rng.random(queue.priority.size) < model.removal_rate)
    gone |= removed
    queue.drop(gone)
    bookable_now = queue.back == _BOOKABLE
    ages = week - queue.started[bookable_now]
    paths.treated[rep, week, q] = treated
    paths.declined[rep, week, q] = declined
    paths.removed[rep, week, q] = int(removed.sum())
    paths.wait_weeks_treated[rep, week, q] = waited
    paths.queue_size[rep, week, q] = queue.priority.size
    paths.paused[rep, week, q] = int((~bookable_now).sum())
    paths.beyond_guarantee[rep, week, q] = int((ages >= model.beyond_age).sum())
