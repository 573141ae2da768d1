"""The blended booking rule: within capacity and the list, strict priority at one end.

Issue 07: strict priority starved the least urgent, so the planner's "current production"
fell from 80 % to 36 % within the guarantee at unchanged production.
"""

from __future__ import annotations

import numpy as np
import pytest

from vardkoll.domain import InputError
from vardkoll.planning import (
    ArrivalForecast,
    BlendedBooking,
    InitialList,
    WaitingListModel,
    simulate,
)


@pytest.mark.parametrize("share", [0.0, 0.3, 0.5, 1.0])
def test_allocations_stay_within_the_slots_and_the_list(share: float) -> None:
    rng = np.random.default_rng(3)
    waiting = rng.integers(0, 30, size=(50, 2, 4))
    slots = rng.integers(0, 80, size=(50, 2))
    alloc = BlendedBooking(share).allocate(0, slots, waiting)
    assert alloc.shape == waiting.shape
    assert alloc.dtype.kind == "i"
    assert (alloc >= 0).all()
    assert (alloc <= waiting).all()
    assert (alloc.sum(axis=-1) == np.minimum(slots, waiting.sum(axis=-1))).all()


def test_share_one_is_strict_priority_and_share_zero_follows_the_list() -> None:
    waiting = np.array([[[5, 5, 5, 30]]])
    slots = np.array([[20]])
    assert BlendedBooking(1.0).allocate(0, slots, waiting).tolist() == [[[5, 5, 5, 5]]]
    assert BlendedBooking(0.0).allocate(0, slots, waiting).tolist() == [[[2, 2, 2, 14]]]
    with pytest.raises(InputError, match="urgent_share"):
        BlendedBooking(1.5)


def test_least_urgent_are_not_starved_when_capacity_matches_demand() -> None:
    """Strict priority lets priority 4 age past the guarantee; the blend keeps the share up."""
    weeks = 52
    initial = InitialList.from_arrays(
        np.zeros(200, np.int64), np.arange(200) % 12, np.arange(200) % 4
    )
    arrivals = ArrivalForecast.constant([[6.0, 6.0, 6.0, 6.0]], weeks=weeks)
    shares = {}
    for name, booking in (("strict", BlendedBooking(1.0)), ("blend", BlendedBooking(0.5))):
        model = WaitingListModel(
            initial=initial,
            arrivals=arrivals,
            capacity=np.full((weeks, 1), 23.5),
            guarantee_weeks=90 / 7,
            booking=booking,
            removal_rate=0.005,
        )
        result = simulate(model, replications=50, seed=1, percentiles=(50.0,))
        shares[name] = float(result.share_within[0, -1, 0])
    assert shares["blend"] > shares["strict"] + 0.1
