"""The waiting-list model that every simulation engine runs: inputs, checked once, up front.

One :class:`WaitingListModel` feeds the fast cohort engine, the patient-level check and the
SimPy reference, so "the same model" is a single object rather than three readings of a
document. **Time is in whole weeks.** Week 0 is the first simulated week; a patient who
arrives in week ``s`` and is treated in week ``t`` has waited ``t - s`` weeks, and at the end of
week ``t`` a patient still waiting has waited ``t - s + 1`` weeks (the arrival week counts).

Within each week, in this order:

1. paused patients whose pause ends come back, with the weeks they had waited before;
2. the week's referrals arrive;
3. the week's slots are offered, longest-waiting first within the booking rule; each offered
   patient accepts (and is treated) or, with probability ``decline_share``, chooses to wait
   (*patientvald väntan*) and is paused for ``pause_weeks`` weeks while the slot goes on to the
   next patient;
4. every patient still waiting and not paused leaves without treatment with probability
   ``removal_rate`` (validation, treated elsewhere, no longer needed);
5. the list is counted: size (paused included), beyond the guarantee, paused.

The clock stops while a patient is paused (the pause-adjusted view, docs/explanation/indicators.md);
paused patients are counted on the list but not against the guarantee.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

GUARANTEE_WEEKS = 90 / 7
"""The specialised-care guarantee, 90 days, in weeks (docs/explanation/care-guarantee.md)."""


def _frozen(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class InitialList:
    """Today's list, one entry per patient (all arrays the same length).

    ``queue`` is the queue index, ``waited_weeks`` whole weeks waited so far (pause-adjusted),
    ``priority`` 0 for the most urgent, and ``paused_weeks_left`` 0 for a bookable patient or
    ``k > 0`` for a paused one who comes back at the start of week ``k``.
    """

    queue: IntArray
    waited_weeks: IntArray
    priority: IntArray
    paused_weeks_left: IntArray

    @classmethod
    def from_arrays(
        cls,
        queue: npt.ArrayLike,
        waited_weeks: npt.ArrayLike,
        priority: npt.ArrayLike | None = None,
        paused_weeks_left: npt.ArrayLike | None = None,
    ) -> InitialList:
        """Build and check a list; waits in weeks are floored to whole weeks."""
        q = np.asarray(queue, dtype=np.int64).ravel()
        w_raw = np.asarray(waited_weeks, dtype=np.float64).ravel()
        n = q.size
        p = np.zeros(n, np.int64) if priority is None else np.asarray(priority, np.int64).ravel()
        z = (
            np.zeros(n, np.int64)
            if paused_weeks_left is None
            else np.asarray(paused_weeks_left, np.int64).ravel()
        )
        problems = []
        if not (w_raw.size == p.size == z.size == n):
            problems.append(
                "`InitialList` arrays must have one entry per patient; got lengths "
                f"queue={n}, waited_weeks={w_raw.size}, priority={p.size}, "
                f"paused_weeks_left={z.size}."
            )
        else:
            if n and (not np.all(np.isfinite(w_raw)) or w_raw.min() < 0):
                problems.append("`InitialList.waited_weeks` must be finite and non-negative.")
            if n and q.min() < 0:
                problems.append(f"`InitialList.queue` must be non-negative; got {q.min()}.")
            if n and p.min() < 0:
                problems.append(f"`InitialList.priority` must be non-negative; got {p.min()}.")
            if n and z.min() < 0:
                problems.append(
                    f"`InitialList.paused_weeks_left` must be non-negative; got {z.min()}."
                )
        if problems:
            raise InputError(" ".join(problems), field="initial")
        w = np.floor(w_raw).astype(np.int64)
        return cls(_frozen(q), _frozen(w), _frozen(p), _frozen(z))

    @classmethod
    def empty(cls) -> InitialList:
        """An empty list (the simulation starts with nobody waiting)."""
        return cls.from_arrays([], [])

    @property
    def size(self) -> int:
        return int(self.queue.size)


@dataclass(frozen=True)
class ArrivalForecast:
    """Referrals per week: Poisson around ``mean_per_week`` times a level drawn per replication.

    ``mean_per_week`` has shape ``(weeks, queues, priorities)``. The level is gamma-distributed
    with mean 1 and coefficient of variation ``level_cv`` (0 means no uncertainty in the
    level), drawn once per replication and queue: it carries the forecast's uncertainty, so a
    fan chart widens as it should instead of averaging the uncertainty away week by week.
    """

    mean_per_week: FloatArray
    level_cv: float = 0.0

    def __post_init__(self) -> None:
        mean = np.asarray(self.mean_per_week, dtype=np.float64)
        if mean.ndim != 3:
            raise InputError(
                "`ArrivalForecast.mean_per_week` must have shape (weeks, queues, priorities); "
                f"got shape {mean.shape}. Use `ArrivalForecast.constant` for a flat forecast.",
                field="mean_per_week",
            )
        if not np.all(np.isfinite(mean)) or (mean.size and mean.min() < 0):
            raise InputError(
                "`ArrivalForecast.mean_per_week` must be finite and non-negative.",
                field="mean_per_week",
            )
        if not (math.isfinite(self.level_cv) and self.level_cv >= 0):
            raise InputError(
                f"`ArrivalForecast.level_cv` must be non-negative; got {self.level_cv}.",
                field="level_cv",
            )
        object.__setattr__(self, "mean_per_week", _frozen(mean.copy()))

    @classmethod
    def constant(
        cls, mean_per_week: npt.ArrayLike, weeks: int, level_cv: float = 0.0
    ) -> ArrivalForecast:
        """The same mean every week; ``mean_per_week`` has shape ``(queues, priorities)``."""
        mean = np.asarray(mean_per_week, dtype=np.float64)
        if mean.ndim != 2:
            raise InputError(
                f"`mean_per_week` must have shape (queues, priorities); got {mean.shape}.",
                field="mean_per_week",
            )
        return cls(np.broadcast_to(mean, (weeks, *mean.shape)).copy(), level_cv)

    def levels(self, rng: np.random.Generator, replications: int) -> FloatArray:
        """One demand level per replication and queue, mean 1."""
        queues = self.mean_per_week.shape[1]
        if self.level_cv == 0:
            return np.ones((replications, queues))
        shape = 1.0 / self.level_cv**2
        return rng.gamma(shape, 1.0 / shape, size=(replications, queues))


@dataclass(frozen=True)
class ArrivalPaths:
    """Given arrival counts per replication, week, queue and priority (a replay, or a test).

    Shape ``(replications, weeks, queues, priorities)``; the simulation must ask for exactly
    that many replications.
    """

    counts: IntArray

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts)
        if counts.ndim != 4 or (counts.size and counts.min() < 0):
            raise InputError(
                "`ArrivalPaths.counts` must be non-negative with shape "
                f"(replications, weeks, queues, priorities); got shape {counts.shape}.",
                field="counts",
            )
        object.__setattr__(self, "counts", _frozen(counts.astype(np.int64)))


@runtime_checkable
class CapacityPolicy(Protocol):
    """Slots per queue for one week, decided from the state of the list (a strategy).

    ``waiting`` holds bookable patients per replication, queue and priority, after the week's
    arrivals; ``replications`` says which replications of the run the rows are. Return an
    integer array of shape ``(rows, queues)``.
    """

    def slots(
        self, week: int, replications: slice, waiting: IntArray, rng: np.random.Generator
    ) -> IntArray: ...


@runtime_checkable
class BookingRule(Protocol):
    """Splits a week's slots between priorities (a strategy).

    ``slots`` has shape ``(rows, queues)``, ``waiting`` ``(rows, queues, priorities)``; return
    slots per priority, shape ``(rows, queues, priorities)``, summing to at most ``slots``.
    Within a priority the longest-waiting patient is always offered first. Slots a priority
    cannot use (its list runs out) are lost for the week.
    """

    def allocate(self, week: int, slots: IntArray, waiting: IntArray) -> IntArray: ...


Booking = Literal["priority", "fifo"] | BookingRule


@dataclass(frozen=True)
class WaitingListModel:
    """One waiting-list system: today's list, arrivals, capacity and the rules of the week.

    ``capacity`` is slots per week, shape ``(weeks, queues)`` (non-integers are rounded at
    random, up with the probability of the fraction), or a :class:`CapacityPolicy`.
    ``booking`` is ``"priority"`` (most urgent first, then longest wait; unused slots flow to
    the next priority), ``"fifo"`` (longest wait first, priority ignored) or a
    :class:`BookingRule`. ``removal_rate`` is per waiting patient per week, ``decline_share`` the
    share of offers declined, ``guarantee_weeks`` the limit a wait is counted against.
    """

    initial: InitialList
    arrivals: ArrivalForecast | ArrivalPaths
    capacity: FloatArray | CapacityPolicy
    guarantee_weeks: float = GUARANTEE_WEEKS
    booking: Booking = "priority"
    removal_rate: float = 0.0
    decline_share: float = 0.0
    pause_weeks: int = 4
    weeks: int = field(init=False)
    queues: int = field(init=False)
    priorities: int = field(init=False)

    def __post_init__(self) -> None:
        problems: list[str] = []
        if isinstance(self.arrivals, ArrivalForecast):
            weeks, queues, priorities = self.arrivals.mean_per_week.shape
        elif isinstance(self.arrivals, ArrivalPaths):
            _, weeks, queues, priorities = self.arrivals.counts.shape
        else:
            raise InputError(
                "`arrivals` must be an ArrivalForecast or ArrivalPaths; "
                f"got {type(self.arrivals).__name__}.",
                field="arrivals",
            )
        object.__setattr__(self, "weeks", int(weeks))
        object.__setattr__(self, "queues", int(queues))
        object.__setattr__(self, "priorities", int(priorities))
        if weeks < 1 or queues < 1 or priorities < 1:
            problems.append(
                f"arrivals must cover at least one week, queue and priority; got {weeks} weeks, "
                f"{queues} queues, {priorities} priorities."
            )
        if not isinstance(self.capacity, CapacityPolicy):
            cap = np.asarray(self.capacity, dtype=np.float64)
            try:
                cap = np.broadcast_to(cap, (weeks, queues)).copy()
            except ValueError:
                problems.append(
                    f"`capacity` must broadcast to (weeks, queues) = ({weeks}, {queues}); "
                    f"got shape {cap.shape}."
                )
            else:
                if not np.all(np.isfinite(cap)) or cap.min() < 0:
                    problems.append("`capacity` must be finite and non-negative slots per week.")
                object.__setattr__(self, "capacity", _frozen(cap))
        if self.initial.size:
            if self.initial.queue.max() >= queues:
                problems.append(
                    f"`initial.queue` goes up to {self.initial.queue.max()} but there are only "
                    f"{queues} queues in the arrivals."
                )
            if self.initial.priority.max() >= priorities:
                problems.append(
                    f"`initial.priority` goes up to {self.initial.priority.max()} but there are "
                    f"only {priorities} priorities in the arrivals."
                )
        if not (math.isfinite(self.guarantee_weeks) and self.guarantee_weeks > 0):
            problems.append(f"`guarantee_weeks` must be positive; got {self.guarantee_weeks}.")
        if not 0 <= self.removal_rate < 1:
            problems.append(f"`removal_rate` must be in [0, 1); got {self.removal_rate}.")
        if not 0 <= self.decline_share < 1:
            problems.append(f"`decline_share` must be in [0, 1); got {self.decline_share}.")
        if self.pause_weeks < 1:
            problems.append(f"`pause_weeks` must be at least 1; got {self.pause_weeks}.")
        if not (self.booking in ("priority", "fifo") or isinstance(self.booking, BookingRule)):
            problems.append(
                f"`booking` must be 'priority', 'fifo' or a BookingRule; got {self.booking!r}."
            )
        if problems:
            raise InputError(" ".join(problems), field="model")

    @property
    def beyond_age(self) -> int:
        """Smallest start-of-week age (weeks) counted beyond the guarantee at week's end.

        At the end of the week a patient of age ``a`` has waited ``a + 1`` weeks, which is
        beyond the guarantee when ``a + 1 > guarantee_weeks``.
        """
        return math.floor(self.guarantee_weeks)

    def capacity_plan(self) -> FloatArray:
        """The capacity plan array; a model with a policy has none."""
        if isinstance(self.capacity, CapacityPolicy):
            raise InputError("This model's capacity is a policy, not a plan.", field="capacity")
        return np.asarray(self.capacity)


def round_slots(plan_row: FloatArray, rows: int, rng: np.random.Generator) -> IntArray:
    """Whole slots from a plan row: the floor, plus one with the probability of the fraction."""
    base = np.floor(plan_row)
    frac = plan_row - base
    slots = np.broadcast_to(base, (rows, plan_row.size)).astype(np.int64)
    if np.any(frac > 0):
        slots = slots + (rng.random((rows, plan_row.size)) < frac)
    return slots


def check_allocation(alloc: npt.ArrayLike, slots: IntArray, priorities: int) -> IntArray:
    """Refuse a booking rule's answer that is not whole, non-negative slots within capacity."""
    arr = np.asarray(alloc)
    expected = (*slots.shape, priorities)
    if arr.shape != expected or not np.issubdtype(arr.dtype, np.integer):
        raise InputError(
            f"A BookingRule must return whole slots of shape {expected}; "
            f"got {arr.dtype} of shape {arr.shape}.",
            field="booking",
        )
    if arr.min(initial=0) < 0 or np.any(arr.sum(axis=-1) > slots):
        raise InputError(
            "A BookingRule must return non-negative slots that sum to at most the capacity.",
            field="booking",
        )
    return arr.astype(np.int64)
