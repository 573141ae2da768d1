"""A booking rule between "most urgent first" and "longest wait first": a share of urgency.

Why: strict priority leaves the least urgent waiting for ever once capacity is tight (their
share within the guarantee falls without end), while "longest wait first" ignores urgency. A
clinic books between the two: urgent patients go first, but long waiters of every priority are
still called. :class:`BlendedBooking` gives ``urgent_share`` of each week's slots by priority
(most urgent first) and the rest to every priority in proportion to how many of it wait,
longest-waiting first within each priority. ``urgent_share=1`` is strict priority;
``urgent_share=0`` books every priority at its share of the list, so none falls behind, which
in steady state keeps each priority's waits alike, as "longest wait first" does. The planner
fits ``urgent_share`` to the queue's last 26 weeks (``services/planning/calibration.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vardkoll.domain import InputError
from vardkoll.planning._model import IntArray

__all__ = ["BlendedBooking"]


@dataclass(frozen=True)
class BlendedBooking:
    """``urgent_share`` of the slots by priority, the rest in proportion to the list.

    >>> import numpy as np
    >>> rule = BlendedBooking(0.5)
    >>> slots = np.array([[10]])
    >>> waiting = np.array([[[2, 8, 10, 20]]])
    >>> rule.allocate(0, slots, waiting).tolist()   # 5 by priority: 2 + 3, then 5 by share
    [[[2, 4, 1, 3]]]
    """

    urgent_share: float

    def __post_init__(self) -> None:
        a = self.urgent_share
        if not (isinstance(a, int | float) and math.isfinite(a) and 0.0 <= a <= 1.0):
            raise InputError(
                f"`BlendedBooking.urgent_share` must be a share from 0 to 1; got {a!r}.",
                field="booking",
            )

    def allocate(self, week: int, slots: IntArray, waiting: IntArray) -> IntArray:
        """Slots per priority, shape ``waiting.shape``; never more than wait in a priority."""
        slots = np.asarray(slots, dtype=np.int64)
        waiting = np.asarray(waiting, dtype=np.int64)
        urgent = np.rint(slots * self.urgent_share).astype(np.int64)
        before = np.cumsum(waiting, axis=-1) - waiting
        strict = np.clip(urgent[..., None] - before, 0, waiting)
        left = waiting - strict
        rest = np.minimum(slots - strict.sum(axis=-1), left.sum(axis=-1))
        total = np.maximum(left.sum(axis=-1), 1)
        ideal = rest[..., None] * left / total[..., None]
        share = np.floor(ideal).astype(np.int64)
        # Largest remainders take the slots the floors left over (never beyond the list).
        short = rest - share.sum(axis=-1)
        remainder = np.where(share < left, ideal - share, -1.0)
        order = np.argsort(-remainder, axis=-1, kind="stable")
        rank = np.argsort(order, axis=-1, kind="stable")
        share = share + (rank < short[..., None])
        return np.asarray(strict + share, dtype=np.int64)
