"""Which booking rule reproduces the queue's recent past: a backcast over the last 26 weeks.

Why: "most urgent first" and "longest wait first" can give very different futures from the same
list and capacity (a strict priority rule leaves the least urgent waiting), and a region's
practice lies somewhere between. Rather than assume one, the planner replays the last 26 weeks
— the list as it was, the clock starts and treated patients as they were — under each rule, and
keeps the rule whose simulated share within the guarantee today lies closest to the actual one.
The figures are shown, so a planner can see how well either rule fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from vardkoll.planning import ArrivalForecast, InitialList, WaitingListModel, simulate

__all__ = ["BACKCAST_WEEKS", "BookingFit", "fit_booking"]

BACKCAST_WEEKS = 26
RULES: tuple[Literal["priority", "fifo"], ...] = ("priority", "fifo")
_REPLICATIONS = 100


@dataclass(frozen=True)
class BookingFit:
    """The booking rule chosen, the actual share today and each rule's simulated median."""

    booking: Literal["priority", "fifo"]
    actual_share: float
    simulated_share: dict[str, float]

    @property
    def error(self) -> float:
        """How far the chosen rule's backcast lies from the actual share (0–1)."""
        return abs(self.simulated_share[self.booking] - self.actual_share)


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
    """Replay ``len(inflow)`` weeks from ``initial`` under each rule; keep the closer one.

    ``inflow`` and ``treated`` are the weeks' actual clock starts and treated patients; ties
    go to ``"priority"`` (the rule DOMAIN.md describes).
    """
    counts = np.asarray(inflow, dtype=np.float64)
    shares = np.asarray(priority_shares, dtype=np.float64)
    arrivals = ArrivalForecast(counts[:, None, None] * shares[None, None, :], level_cv=0.0)
    capacity = np.asarray(treated, dtype=np.float64)[:, None]
    simulated: dict[str, float] = {}
    for rule in RULES:
        model = WaitingListModel(
            initial=initial,
            arrivals=arrivals,
            capacity=capacity,
            guarantee_weeks=guarantee_weeks,
            booking=rule,
            removal_rate=removal_rate,
            decline_share=decline_share,
            pause_weeks=pause_weeks,
        )
        result = simulate(model, replications=_REPLICATIONS, seed=0, percentiles=(50.0,))
        simulated[rule] = float(result.share_within[0, -1, 0])
    best = min(RULES, key=lambda r: (abs(simulated[r] - actual_share), RULES.index(r)))
    return BookingFit(booking=best, actual_share=actual_share, simulated_share=simulated)
