"""Goal seeking: the weekly capacity that reaches a share within the guarantee, and holds it.

The formulas of docs/explanation/queueing.md give the answer in two parts: a *relief* capacity that
brings the list down to its target size by the goal week, then a *sustainable* capacity that keeps
it there. The simulation, started from today's real list, then checks the plan; where it falls
short, a bisection with common random numbers finds the smallest plan that does reach it.

**The criterion.** A plan *reaches* the target when the median (p50 over replications) share
of bookable patients within the guarantee, at the end of week ``by_week``, is at least
``target_share``; it *holds* when that median stays at or above the target in every week of
the hold period. The median, not a low percentile: it is the plan that works in the typical
future; ``simulated_share_p10`` shows how far a bad future falls short.

**The search.** Later weeks cannot change earlier ones, so the two levels are sought one after
the other. First the relief level: a multiplier ``m`` on the formula's relief capacity is raised
geometrically until the plan reaches the target, then bisected down to within 1 % (or a quarter
slot a week). Then, with that relief level, the same for the sustainable level and the hold
criterion. Every trial uses the same random referrals and the same seed (common random
numbers), so the trials differ only by their capacity and the search does not chase noise. The
formulas are never searched *down*: when they are confirmed, they are the answer.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError
from vardkoll.planning._calculators import relief_capacity, target_capacity, target_queue_size
from vardkoll.planning._model import ArrivalForecast, ArrivalPaths, InitialList, WaitingListModel
from vardkoll.planning._scenarios import MAX_COMMON_CELLS, common_arrivals
from vardkoll.planning._simulation import simulate

__all__ = ["FORMULA_METHOD", "CapacityGoal", "capacity_for_goal"]

FloatArray = npt.NDArray[np.float64]

FORMULA_METHOD = "relief_capacity+target_capacity"
"""Relief capacity (Fong et al.) to the target queue size, then Kingman's target capacity."""
_MAX_MULTIPLIER = 8.0
_REL_TOL = 0.01
_ABS_TOL = 0.25


@dataclass(frozen=True)
class CapacityGoal:
    """The answer to "what weekly capacity reaches ``target_share`` within the guarantee by
    week ``by_week``, and holds it?" — for one queue, time in weeks.

    ``relief_per_week`` is the capacity for the first ``relief_weeks`` (= ``by_week``) weeks,
    the relief period; ``sustainable_per_week`` the capacity afterwards; ``plan`` is that
    weekly plan, relief then sustainable, over ``relief_weeks + hold_weeks`` weeks.
    ``formula_relief`` and ``formula_sustainable`` are what the formulas alone gave
    (``formula_method`` names them); the plan is larger where the simulation said the formulas
    fall short (``searched``). ``simulated_share_p50`` and ``simulated_share_p10`` are the
    simulated shares within the guarantee after week ``by_week`` for the returned plan;
    ``hold_share_p50`` is the lowest median share over the hold period. ``confirmed`` is True
    when the median reaches the target after week ``by_week`` and stays at or above it through
    the hold period. ``demand_per_week`` is the mean forecast demand over the plan, ``notes``
    what was adjusted and why.
    """

    target_share: float
    by_week: int
    sustainable_per_week: float
    relief_per_week: float
    relief_weeks: int
    formula_method: str
    simulated_share_p50: float
    simulated_share_p10: float
    confirmed: bool
    plan: FloatArray
    hold_weeks: int = 0
    formula_relief: float = math.nan
    formula_sustainable: float = math.nan
    hold_share_p50: float = math.nan
    demand_per_week: float = math.nan
    searched: bool = False
    notes: tuple[str, ...] = ()


def _one_queue(model: WaitingListModel, queue: int, weeks: int) -> WaitingListModel:
    """``model`` cut to one queue (renumbered 0) and its first ``weeks`` weeks."""
    init = model.initial
    mine = init.queue == queue
    initial = InitialList.from_arrays(
        np.zeros(int(mine.sum()), np.int64),
        init.waited_weeks[mine],
        init.priority[mine],
        init.paused_weeks_left[mine],
    )
    arrivals: ArrivalForecast | ArrivalPaths
    if isinstance(model.arrivals, ArrivalForecast):
        arrivals = ArrivalForecast(
            model.arrivals.mean_per_week[:weeks, queue : queue + 1, :],
            level_cv=model.arrivals.level_cv,
        )
    else:
        arrivals = ArrivalPaths(model.arrivals.counts[:, :weeks, queue : queue + 1, :])
    return dataclasses.replace(
        model, initial=initial, arrivals=arrivals, capacity=np.zeros((weeks, 1))
    )


def _weekly_demand(model: WaitingListModel) -> FloatArray:
    if isinstance(model.arrivals, ArrivalForecast):
        return np.asarray(model.arrivals.mean_per_week[:, 0, :].sum(axis=1), dtype=np.float64)
    return np.asarray(model.arrivals.counts[:, :, 0, :].sum(axis=2).mean(axis=0), np.float64)


def _check(
    model: WaitingListModel,
    target_share: float,
    by_week: int,
    hold_weeks: int,
    replications: int,
    queue: int,
) -> None:
    problems = []
    if not 0.0 < target_share < 1.0:
        problems.append(f"`target_share` must be between 0 and 1; got {target_share}.")
    if not 1 <= by_week <= model.weeks:
        problems.append(
            f"`by_week` must be between 1 and the model's {model.weeks} weeks; got {by_week}. "
            "Forecast (and simulate) further ahead for a later goal."
        )
    if hold_weeks < 0:
        problems.append(f"`hold_weeks` must be 0 or more; got {hold_weeks}.")
    if replications < 1:
        problems.append(f"`replications` must be at least 1; got {replications}.")
    if not 0 <= queue < model.queues:
        problems.append(f"`queue` must be between 0 and {model.queues - 1}; got {queue}.")
    if isinstance(model.arrivals, ArrivalPaths) and model.arrivals.counts.shape[0] != replications:
        problems.append(
            f"The model's arrival paths hold {model.arrivals.counts.shape[0]} replications; "
            f"`replications` must be the same; got {replications}."
        )
    if problems:
        raise InputError(" ".join(problems), field="capacity_for_goal")


def _search(passes: Callable[[float], bool], level: float) -> tuple[float, bool]:
    """Smallest multiplier ``m >= 1`` (to the tolerance) with ``passes(m)``; ``(m, found)``."""
    lo, hi = 1.0, 1.25
    while not passes(hi):
        lo, hi = hi, hi * 1.5
        if hi > _MAX_MULTIPLIER:
            return lo, False
    while (hi - lo) > _REL_TOL * lo and (hi - lo) * level > _ABS_TOL:
        mid = 0.5 * (lo + hi)
        if passes(mid):
            hi = mid
        else:
            lo = mid
    return hi, True


def capacity_for_goal(
    model: WaitingListModel,
    *,
    target_share: float = 0.9,
    by_week: int,
    hold_weeks: int = 26,
    replications: int = 200,
    seed: int = 0,
    queue: int = 0,
) -> CapacityGoal:
    """The capacity plan that reaches ``target_share`` within the guarantee by ``by_week``.

    For the ``queue`` of ``model`` (its list, arrivals and rules; its capacity is what is being
    sought, so it is ignored), time in weeks. The formulas, with ``T`` the model's guarantee,
    ``D`` the mean forecast demand and ``Q`` today's list (paused patients included):
    ``Q_target = target_queue_size(D_hold, T, p=target_share)``,
    ``relief = max(relief_capacity(D_relief, Q, Q_target, time_to_target=by_week),
    sustainable)`` and ``sustainable = target_capacity(D_hold, T, p=target_share)``
    (Poisson flows, ``cv = 1``), with ``D_relief`` the mean demand of the first ``by_week``
    weeks and ``D_hold`` of the hold period. Removals without treatment are left out of the
    formulas (they only help) but are in the simulation. Then the simulation checks the plan
    and, when it falls short, searches as the module documentation describes. The hold period
    is cut to the weeks the model covers (``notes`` says so).

    >>> import numpy as np
    >>> from vardkoll.planning import ArrivalForecast, InitialList, WaitingListModel
    >>> model = WaitingListModel(
    ...     initial=InitialList.from_arrays(queue=[0] * 600, waited_weeks=np.arange(600) % 24),
    ...     arrivals=ArrivalForecast.constant([[30.0]], weeks=52),
    ...     capacity=np.full((52, 1), 27.0),
    ... )
    >>> goal = capacity_for_goal(model, by_week=26, hold_weeks=26, replications=100)
    >>> goal.relief_per_week > goal.sustainable_per_week > 30
    True
    >>> goal.confirmed, goal.simulated_share_p50 >= 0.9
    (True, True)
    """
    _check(model, target_share, by_week, hold_weeks, replications, queue)
    notes: list[str] = []
    horizon = min(by_week + hold_weeks, model.weeks)
    if horizon < by_week + hold_weeks:
        notes.append(
            f"hold period cut to {horizon - by_week} weeks: the model covers {model.weeks} weeks"
        )
    hold = horizon - by_week
    sub = _one_queue(model, queue, horizon)
    demand = _weekly_demand(sub)
    d_relief = float(demand[:by_week].mean())
    d_hold = float(demand[by_week:].mean()) if hold else d_relief
    t = float(model.guarantee_weeks)
    q_now = float(sub.initial.size)
    q_target = float(target_queue_size(d_hold, t, p=target_share))
    sustainable = float(target_capacity(d_hold, t, p=target_share))
    relief = max(float(relief_capacity(d_relief, q_now, q_target, by_week)), sustainable)
    if model.removal_rate > 0:
        notes.append("removals without treatment are in the simulation, not in the formulas")

    arrivals = sub.arrivals
    if isinstance(arrivals, ArrivalForecast) and replications * sub.weeks * sub.priorities <= (
        MAX_COMMON_CELLS
    ):
        sub = dataclasses.replace(sub, arrivals=common_arrivals(arrivals, replications, seed))

    def shares(plan: FloatArray) -> tuple[FloatArray, FloatArray]:
        weeks = plan.size
        trial = sub if weeks == sub.weeks else _truncate(sub, weeks)
        trial = dataclasses.replace(trial, capacity=plan[:, None])
        res = simulate(trial, replications=replications, seed=seed, percentiles=(10.0, 50.0))
        return res.share_within[0, :, 0], res.share_within[1, :, 0]

    def plan_of(r: float, s: float) -> FloatArray:
        return np.concatenate([np.full(by_week, r), np.full(hold, s)]).astype(np.float64)

    def reaches(m: float) -> bool:
        return bool(shares(np.full(by_week, relief * m))[1][-1] >= target_share)

    def holds(r: float) -> Callable[[float], bool]:
        def check(m: float) -> bool:
            p50 = shares(plan_of(r, sustainable * m))[1]
            return bool(p50[by_week - 1 :].min() >= target_share)

        return check

    searched = False
    relief_found = relief
    if not reaches(1.0):
        searched = True
        m, found = _search(reaches, max(relief, 1.0))
        relief_found = relief * m if relief > 0 else m
        notes.append(
            f"relief raised ×{m:.3f} from the formula's {relief:.1f}: the simulation "
            "showed it falls short" + ("" if found else " (search gave up; target not reached)")
        )
    sustainable_found = sustainable
    if hold and not holds(relief_found)(1.0):
        searched = True
        m, found = _search(holds(relief_found), max(sustainable, 1.0))
        sustainable_found = sustainable * m if sustainable > 0 else m
        notes.append(
            f"sustainable level raised ×{m:.3f} from the formula's {sustainable:.1f}: the "
            "simulated share fell below the target during the hold period"
            + ("" if found else " (search gave up; target not held)")
        )
    plan = plan_of(relief_found, sustainable_found)
    p10, p50 = shares(plan)
    at = by_week - 1
    hold_min = float(p50[at:].min())
    plan.setflags(write=False)
    return CapacityGoal(
        target_share=target_share,
        by_week=by_week,
        sustainable_per_week=sustainable_found,
        relief_per_week=relief_found,
        relief_weeks=by_week,
        formula_method=FORMULA_METHOD,
        simulated_share_p50=float(p50[at]),
        simulated_share_p10=float(p10[at]),
        confirmed=bool(p50[at] >= target_share and hold_min >= target_share),
        plan=plan,
        hold_weeks=hold,
        formula_relief=relief,
        formula_sustainable=sustainable,
        hold_share_p50=hold_min,
        demand_per_week=float(demand.mean()),
        searched=searched,
        notes=tuple(notes),
    )


def _truncate(model: WaitingListModel, weeks: int) -> WaitingListModel:
    arrivals = model.arrivals
    cut: ArrivalForecast | ArrivalPaths
    if isinstance(arrivals, ArrivalForecast):
        cut = ArrivalForecast(arrivals.mean_per_week[:weeks], level_cv=arrivals.level_cv)
    else:
        cut = ArrivalPaths(arrivals.counts[:, :weeks])
    return dataclasses.replace(model, arrivals=cut, capacity=np.zeros((weeks, model.queues)))
