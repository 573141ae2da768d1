"""The queueing calculators against NHSRwaitinglist's worked examples and its own tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.domain import InputError
from vardkoll.planning import (
    queue_load,
    relief_capacity,
    target_capacity,
    target_mean_wait,
    target_queue_size,
    waiting_list_pressure,
)


class TestEntGoldenExample:
    """DOMAIN.md §6: Q = 1200, T = 52 weeks, W = 63 weeks, D = 30/week, C = 27/week."""

    def test_load(self) -> None:
        assert queue_load(30, 27) == pytest.approx(1.11, abs=0.005)

    def test_target_mean_wait(self) -> None:
        assert target_mean_wait(52) == 13.0

    def test_target_queue_size(self) -> None:
        assert target_queue_size(30, 52) == 390.0

    def test_relief_capacity(self) -> None:
        assert relief_capacity(30, 1200, 390) == pytest.approx(61.153846, abs=1e-6)

    def test_pressure(self) -> None:
        assert waiting_list_pressure(63, 52) == pytest.approx(2.42, abs=0.005)


def test_relief_capacity_vector_from_upstream_tests() -> None:
    got = relief_capacity([30, 33, 35], [1200, 800, 250], [390, 200, 100], [26, 30, 15])
    np.testing.assert_allclose(got, [61.153846, 53, 45], atol=1e-6)


def test_target_capacity_from_upstream_tests() -> None:
    assert target_capacity(30, 52, 3, 1.1, 1.2) == pytest.approx(30.076442, abs=1e-6)
    assert target_capacity(30, 52, 3, 1.1, 1.2) == pytest.approx(
        30 + ((1.1**2 + 1.2**2) / 2) * (3 / 52)
    )
    # Upstream's (commented-out) vector test, which only the Kingman form with /2 reproduces.
    got = target_capacity([30, 42, 35], [52, 65, 50], [3, 2, 1], [1.1, 1.2, 1.3], [1.4, 1.5, 1.6])
    np.testing.assert_allclose(got, [30.0914423, 42.0567692, 35.0425], atol=1e-6)


def test_p_within_target_gives_factor_minus_log() -> None:
    assert target_mean_wait(52, p=0.92) == pytest.approx(52 / 2.5257, rel=1e-4)
    assert target_queue_size(30, 18, p=0.92) == pytest.approx(30 * 18 / -math.log(0.08))
    assert target_capacity(10, 18, p=0.92) == pytest.approx(10 + -math.log(0.08) / 18)


def test_relief_capacity_inflates_estimated_demand_only_below_one() -> None:
    # 2 × 30 × 0.5 / √900 = 1.0 is not below 1: demand stays 30.
    assert relief_capacity(30, 1200, 390, 26, num_referrals=900, cv_demand=0.5) == pytest.approx(
        30 + 810 / 26
    )
    # 2 × 30 × 0.5 / √3600 = 0.5: demand becomes 30 / 0.5 = 60.
    assert relief_capacity(30, 1200, 390, 26, num_referrals=3600, cv_demand=0.5) == pytest.approx(
        60 + 810 / 26
    )
    # Without referrals nothing is inflated whatever the CV.
    assert relief_capacity(30, 1200, 390, cv_demand=5.0) == pytest.approx(30 + 810 / 26)


def test_scalars_give_float_arrays_give_arrays_of_broadcast_shape() -> None:
    assert type(queue_load(30, 27)) is float
    out = queue_load(np.array([[30.0], [20.0]]), [10.0, 40.0])
    assert isinstance(out, np.ndarray)
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out, [[3.0, 0.75], [2.0, 0.5]])
    assert target_mean_wait([52, 26]).tolist() == [13.0, 6.5]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: queue_load(-1, 10), "demand"),
        (lambda: queue_load(10, 0), "capacity"),
        (lambda: queue_load(10, [5, -2]), "capacity"),
        (lambda: target_mean_wait(52, p=1.0), "p"),
        (lambda: target_mean_wait(52, p=0.0), "p"),
        (lambda: target_mean_wait(52, 4, p=0.9), "factor"),
        (lambda: target_mean_wait(0), "target_wait"),
        (lambda: target_queue_size(-3, 52), "demand"),
        (lambda: target_capacity(30, 52, cv_demand=-1), "cv_demand"),
        (lambda: relief_capacity(30, 1200, 390, time_to_target=0), "time_to_target"),
        (lambda: waiting_list_pressure(63, -52), "target_wait"),
        (lambda: queue_load("many", 3), "demand"),
    ],
)
def test_bad_input_raises_input_error_naming_the_field(call: object, field: str) -> None:
    with pytest.raises(InputError) as info:
        call()  # type: ignore[operator]
    assert info.value.context["field"] == field
    assert f"`{field}`" in str(info.value)


positive = st.floats(min_value=0.01, max_value=1e4, allow_nan=False)


@given(demand=positive, target=positive, p=st.floats(min_value=0.01, max_value=0.99))
def test_target_queue_is_littles_law_on_the_target_mean_wait(
    demand: float, target: float, p: float
) -> None:
    assert target_queue_size(demand, target, p=p) == pytest.approx(
        demand * target_mean_wait(target, p=p)
    )


@given(demand=positive, target=positive, factor=st.floats(min_value=0.5, max_value=10))
def test_target_capacity_exceeds_demand_and_falls_with_a_longer_target(
    demand: float, target: float, factor: float
) -> None:
    shorter = target_capacity(demand, target, factor)
    longer = target_capacity(demand, target * 2, factor)
    assert shorter > demand
    assert longer < shorter
