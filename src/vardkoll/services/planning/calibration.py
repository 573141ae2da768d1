"""Which booking rule reproduces the queue's recent past: a backcast over the last 26 weeks.

Why: "most urgent first" and "longest wait first" can give very different futures from the same
list and capacity (a strict priority rule leaves the least urgent waiting for ever, so their
share within the guarantee falls without end), and a region's practice lies somewhere between.
Rather than assume one, the planner replays the last 26 weeks — the list as it was, the clock
starts and treated patients as they were — under :class:`~vardkoll.planning.BlendedBooking`
with a share of the slots booked by urgency, and keeps the share whose simulated share within
the guarantee today lies closest to the actual one (a bisection: more urgency, fewer of the
long waiters called, a lower share). Strict priority (share 1) and "longest wait first" are
replayed too and shown, so a planner can see how far either pure rule is from the facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from vardkoll.planning import (
    ArrivalForecast,
    BlendedBooking,
    InitialList,
    WaitingListModel,
    simulate,
)

__all__ = ["BACKCAST_WEEKS", "BookingFit", "fit_booking"]

BACKCAST_WEEKS = 26
_REPLICATIONS = 100
_STEPS = 5
"""Bisection steps on the urgent share: to 1/32, finer than the backcast's own noise."""


@dataclass(frozen=True)
class BookingFit:
    """The booking rule chosen, the actual share today and the simulated medians.

    ``urgent_share`` is the share of slots the fitted rule books by urgency (1 = strict
    priority); ``simulated_share`` holds the pure rules' backcasts (``"priority"``,
    ``"fifo"``) and the fitted one's (``"fitted"``).
    """

    urgent_share: float
    actual_share: float
    simulated_share: dict[str, float]

    @property
    def booking(self) -> BlendedBooking:
        return BlendedBooking(self.urgent_share)

    @property
    def error(self) -> float:
        """How far the fitted rule's backcast lies from the actual share (0–1)."""
        return abs(self.simulated_share["fitted"] - self.actual_share)


def fit_booking(
    *,
    initial: InitialList,
    inflow: npt.ArrayLike,
    treated: npt.ArrayLike,
    priority_shares: tuple[float, ...],
    actual_share: float,
    guarantee_weeks: float,
    removal_rate: float,
    decline_share: float,
    pause_weeks: int,
) -> BookingFit:
    """Replay ``len(inflow)`` weeks from ``initial``; keep the urgent share closest to today.

    ``inflow`` and ``treated`` are the weeks' actual clock starts and treated patients. When
    even strict priority leaves more within the guarantee than today, the share is 1; when
    booking everyone by their share of the list leaves fewer, it is 0.
    """
    counts = np.asarray(inflow, dtype=np.float64)
    shares = np.asarray(priority_shares, dtype=np.float64)
    arrivals = ArrivalForecast(counts[:, None, None] * shares[None, None, :], level_cv=0.0)
    capacity = np.asarray(treated, dtype=np.float64)[:, None]

    def replay(booking: Literal["priority", "fifo"] | BlendedBooking) -> float:
        model = WaitingListModel(
            initial=initial,
            arrivals=arrivals,
            capacity=capacity,
            guarantee_weeks=guarantee_weeks,
            booking=booking,
            removal_rate=removal_rate,
            decline_share=decline_share,
            pause_weeks=pause_weeks,
        )
        result = simulate(model, replications=_REPLICATIONS, seed=0, percentiles=(50.0,))
        return float(result.share_within[0, -1, 0])

    lo, hi = 0.0, 1.0
    at = {1.0: replay(BlendedBooking(1.0)), 0.0: replay(BlendedBooking(0.0))}
    simulated = {"priority": at[1.0], "fifo": replay("fifo")}
    if at[1.0] >= actual_share:
        best = 1.0
    elif at[0.0] <= actual_share:
        best = 0.0
    else:
        for _ in range(_STEPS):
            mid = 0.5 * (lo + hi)
            at[mid] = replay(BlendedBooking(mid))
            if at[mid] >= actual_share:
                lo = mid
            else:
                hi = mid
        best = min(at, key=lambda a: (abs(at[a] - actual_share), -a))
    simulated["fitted"] = at[best]
    return BookingFit(urgent_share=best, actual_share=actual_share, simulated_share=simulated)
