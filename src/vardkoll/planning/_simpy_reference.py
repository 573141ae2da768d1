"""An independent discrete-event implementation of the waiting-list model, with SimPy.

Used by the tests and the benchmark to check the cohort engine; it needs the dev dependencies
(``simpy``), is not exported from :mod:`vardkoll.planning` and is never imported at run time.

It reads the same :class:`~vardkoll.planning.WaitingListModel` but shares no code path with
the engines: every patient is a SimPy process holding its own removal clock (a geometric number
of weeks, drawn when it joins the list, since a weekly chance of removal is memoryless), the
week is a process that releases arrivals at the whole week, books at ``+0.25``, and counts the
list at ``+0.75``; removals fall due at ``+0.5``. Only arrivals from an
:class:`~vardkoll.planning.ArrivalForecast` and a capacity plan are supported.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from vardkoll.domain import InputError
from vardkoll.planning._model import ArrivalForecast, CapacityPolicy, WaitingListModel
from vardkoll.planning._result import (
    DEFAULT_PERCENTILES,
    SimulationPaths,
    SimulationResult,
    empty_paths,
    result_from_paths,
)

BOOK_AT = 0.25
REMOVE_AT = 0.5
COUNT_AT = 0.75


@dataclass(eq=False)
class Patient:
    """One patient on one queue's list."""

    queue: int
    priority: int
    started: int  # week the pause-adjusted wait started
    tiebreak: float
    paused: bool = False
    process: simpy.Process | None = None


class Clinic:
    """One replication: every queue's list, and the processes that change it."""

    def __init__(
        self, model: WaitingListModel, rep: int, rng: np.random.Generator, paths: SimulationPaths
    ) -> None:
        self.env = simpy.Environment()
        self.model = model
        self.rep = rep
        self.rng = rng
        self.paths = paths
        self.waiting: list[set[Patient]] = [set() for _ in range(model.queues)]
        self.on_pause = [0] * model.queues
        assert isinstance(model.arrivals, ArrivalForecast)
        self.forecast = model.arrivals
        self.levels = model.arrivals.levels(rng, 1)[0]

    def week_of(self) -> int:
        return int(np.floor(self.env.now))

    def join(self, patient: Patient) -> None:
        patient.paused = False
        self.waiting[patient.queue].add(patient)
        patient.process = self.env.process(self.wait(patient))

    def wait(self, patient: Patient) -> Generator[simpy.Event, Any, None]:
        """Wait on the list until treated, paused or removed (a geometric clock)."""
        try:
            if self.model.removal_rate > 0:
                weeks = int(self.rng.geometric(self.model.removal_rate))
                yield self.env.timeout(weeks - 1 + REMOVE_AT)
            else:
                yield self.env.event()  # nothing ends the wait but booking
        except simpy.Interrupt as stop:
            if stop.cause == "paused":
                yield self.env.process(self.pause(patient))
            return
        self.waiting[patient.queue].discard(patient)
        self.paths.removed[self.rep, self.week_of(), patient.queue] += 1

    def pause(self, patient: Patient) -> Generator[simpy.Event, Any, None]:
        """The patient chose to wait: off the list's clock for ``pause_weeks`` weeks."""
        weeks = self.model.pause_weeks
        yield self.env.timeout(weeks - BOOK_AT)
        self.on_pause[patient.queue] -= 1
        patient.started += weeks
        self.join(patient)

    def start_paused(self, patient: Patient, back: int) -> Generator[simpy.Event, Any, None]:
        self.on_pause[patient.queue] += 1
        yield self.env.timeout(back)
        self.on_pause[patient.queue] -= 1
        patient.started += back
        self.join(patient)

    def weeks(self) -> Generator[simpy.Event, Any, None]:
        model = self.model
        plan = np.asarray(model.capacity)
        for week in range(model.weeks):
            for q in range(model.queues):
                mean = self.forecast.mean_per_week[week, q] * self.levels[q]
                counts = self.rng.poisson(mean)
                self.paths.arrivals[self.rep, week, q] = int(counts.sum())
                for prio, count in enumerate(counts):
                    for _ in range(int(count)):
                        self.join(Patient(q, prio, week, float(self.rng.random())))
            yield self.env.timeout(BOOK_AT)
            for q in range(model.queues):
                whole = np.floor(plan[week, q])
                extra = self.rng.random() < plan[week, q] - whole
                self.book(week, q, int(whole) + int(extra))
            yield self.env.timeout(COUNT_AT - BOOK_AT)
            for q in range(model.queues):
                self.count(week, q)
            yield self.env.timeout(1 - COUNT_AT)

    def book(self, week: int, q: int, slots: int) -> None:
        model = self.model
        fifo = model.booking == "fifo"

        def key(p: Patient) -> tuple[int, int, float]:
            return (0 if fifo else p.priority, p.started, p.tiebreak)

        ordered = sorted(self.waiting[q], key=key)
        if isinstance(model.booking, str):
            rounds = [(ordered, slots)]
        else:
            counts = np.zeros((1, model.queues, model.priorities), np.int64)
            for p in ordered:
                counts[0, p.queue, p.priority] += 1
            # Rules see one queue at a time here; rows and other queues are placeholders.
            cap = np.zeros((1, model.queues), np.int64)
            cap[0, q] = slots
            alloc = model.booking.allocate(week, cap, counts)[0, q]
            rounds = [
                ([p for p in ordered if p.priority == k], int(alloc[k]))
                for k in range(model.priorities)
            ]
        for candidates, free in rounds:
            for patient in candidates:
                if free == 0:
                    break
                self.waiting[q].discard(patient)
                assert patient.process is not None
                if self.rng.random() < model.decline_share:
                    patient.paused = True
                    self.on_pause[q] += 1
                    self.paths.declined[self.rep, week, q] += 1
                    patient.process.interrupt("paused")
                else:
                    free -= 1
                    self.paths.treated[self.rep, week, q] += 1
                    self.paths.wait_weeks_treated[self.rep, week, q] += week - patient.started
                    patient.process.interrupt("treated")

    def count(self, week: int, q: int) -> None:
        waiting = self.waiting[q]
        beyond = sum(1 for p in waiting if week - p.started >= self.model.beyond_age)
        self.paths.queue_size[self.rep, week, q] = len(waiting) + self.on_pause[q]
        self.paths.paused[self.rep, week, q] = self.on_pause[q]
        self.paths.beyond_guarantee[self.rep, week, q] = beyond


def simulate_simpy(
    model: WaitingListModel,
    *,
    replications: int = 100,
    seed: int | np.random.SeedSequence = 0,
    percentiles: tuple[float, ...] = DEFAULT_PERCENTILES,
) -> SimulationResult:
    """Run the SimPy reference model; the result keeps every path (time in weeks)."""
    if not isinstance(model.arrivals, ArrivalForecast) or isinstance(
        model.capacity, CapacityPolicy
    ):
        raise InputError(
            "The SimPy reference takes an ArrivalForecast and a capacity plan only.",
            field="model",
        )
    paths = empty_paths(replications, model.weeks, model.queues)
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    init = model.initial
    for rep, child in enumerate(seq.spawn(replications)):
        rng = np.random.default_rng(child)
        clinic = Clinic(model, rep, rng, paths)
        paths.start_queue_size[rep] = np.bincount(init.queue, minlength=model.queues)
        for i in range(init.size):
            patient = Patient(
                int(init.queue[i]),
                int(init.priority[i]),
                -int(init.waited_weeks[i]),
                float(rng.random()),
            )
            back = int(init.paused_weeks_left[i])
            if back:
                clinic.env.process(clinic.start_paused(patient, back))
            else:
                clinic.join(patient)
        clinic.env.process(clinic.weeks())
        clinic.env.run(until=model.weeks)
    return result_from_paths(paths, percentiles)
