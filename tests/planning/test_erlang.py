"""Erlang B and C against published tables, a direct formula and their defining properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.domain import InputError
from vardkoll.planning import erlang_b, erlang_c, servers_for_blocking


def direct_erlang_b(n: int, a: float) -> float:
    """The textbook ratio ``(A^n/n!) / Σ A^k/k!``, fine for small n."""
    terms = [a**k / math.factorial(k) for k in range(n + 1)]
    return terms[-1] / sum(terms)


def direct_erlang_c(n: int, a: float) -> float:
    """The textbook Erlang C ratio, fine for small n."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


# Standard Erlang B tables (offered traffic in erlangs at a given grade of service); the
# traffic figures are rounded to three decimals, hence the tolerance on the blocking.
ERLANG_B_TABLE = [
    (5, 1.361, 0.01),
    (10, 4.461, 0.01),
    (10, 5.084, 0.02),
    (10, 6.216, 0.05),
    (15, 8.108, 0.01),  # erlang.com calculator manual: 15 lines at 1 % carry 8.108 erlangs
    (20, 12.031, 0.01),
    (50, 37.901, 0.01),
    (100, 84.064, 0.01),
]


@pytest.mark.parametrize(("servers", "load", "blocking"), ERLANG_B_TABLE)
def test_erlang_b_matches_published_tables(servers: int, load: float, blocking: float) -> None:
    assert erlang_b(servers, load) == pytest.approx(blocking, rel=2e-3)


def test_erlang_b_reference_value() -> None:
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=5e-7)


def test_servers_for_blocking_reproduces_a_published_sizing() -> None:
    # erlang.com: 50 000 minutes a day, 19 % in the busy hour (158.333 erlangs) at 3 %
    # blocking needs 168 lines.
    assert servers_for_blocking(50_000 * 0.19 / 60, 0.03) == 168


def test_erlang_c_closed_forms() -> None:
    # M/M/1: an arrival waits exactly when the server is busy, probability ρ.
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    # M/M/2 with ρ = 1/2: P(wait) = 2ρ² / (1 + ρ) = 1/3.
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


def test_erlang_c_is_one_when_overloaded() -> None:
    assert erlang_c(5, 5.0) == 1.0
    assert erlang_c(5, 7.5) == 1.0
    np.testing.assert_array_equal(erlang_c([2, 3, 4], 3.0), [1.0, 1.0, erlang_c(4, 3.0)])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 20])
@pytest.mark.parametrize("a", [0.1, 0.9, 2.5, 7.0, 15.0])
def test_agrees_with_the_direct_formula_for_small_n(n: int, a: float) -> None:
    assert erlang_b(n, a) == pytest.approx(direct_erlang_b(n, a), rel=1e-12)
    if a < n:
        assert erlang_c(n, a) == pytest.approx(direct_erlang_c(n, a), rel=1e-10)


def test_stable_for_thousands_of_servers() -> None:
    # The direct formula overflows here (a**n is far past float range); the recursion doesn't.
    value = erlang_b(5000, 4900.0)
    assert 0.0 < value < 0.05
    assert math.isfinite(erlang_c(5000, 4900.0))
    assert servers_for_blocking(4900.0, 0.01) > 4900


def test_vectorised_shapes() -> None:
    out = erlang_b(np.array([[5], [10]]), [1.0, 5.0, 9.0])
    assert out.shape == (2, 3)
    assert out[1, 1] == pytest.approx(erlang_b(10, 5.0))
    assert type(erlang_b(3, 1.0)) is float


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_b(0, 1.0),
        lambda: erlang_b(2.5, 1.0),
        lambda: erlang_b(3, -1.0),
        lambda: erlang_c(-2, 1.0),
        lambda: servers_for_blocking(5.0, 0.0),
        lambda: servers_for_blocking(5.0, 1.0),
        lambda: servers_for_blocking(-5.0, 0.1),
    ],
)
def test_bad_input(call: object) -> None:
    with pytest.raises(InputError):
        call()  # type: ignore[operator]


servers_st = st.integers(min_value=1, max_value=300)
load_st = st.floats(min_value=0.0, max_value=400.0, allow_nan=False)


@given(n=servers_st, a=load_st)
def test_erlang_b_is_a_probability_decreasing_in_servers(n: int, a: float) -> None:
    b_n, b_next = erlang_b(n, a), erlang_b(n + 1, a)
    assert 0.0 <= b_next <= b_n <= 1.0
    if a > 0 and b_n > 1e-250:  # below that both underflow towards zero
        assert b_next < b_n


@given(n=servers_st, a=st.floats(min_value=0.01, max_value=299.0))
def test_erlang_c_at_least_erlang_b(n: int, a: float) -> None:
    if a < n:
        assert erlang_b(n, a) <= erlang_c(n, a) <= 1.0


@given(a=st.floats(min_value=0.0, max_value=500.0), eps=st.floats(min_value=1e-4, max_value=0.9))
def test_servers_for_blocking_is_minimal(a: float, eps: float) -> None:
    n = servers_for_blocking(a, eps)
    assert isinstance(n, int)
    assert erlang_b(n, a) <= eps
    if n > 1:
        assert erlang_b(n - 1, a) > eps
