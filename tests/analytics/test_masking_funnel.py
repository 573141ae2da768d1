"""Small-cell masking (no masked cell recoverable from totals) and funnel-plot limits."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vardkoll.analytics import (
    binomial_cdf,
    funnel,
    funnel_limits,
    mask_small_cells,
    proportion_interval,
)
from vardkoll.domain import InputError


def recoverable(values: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Masked cells a reader can compute from the published cells and totals.

    The published table satisfies: every interior row sums to its total, every column to
    its total, the totals to the grand total. Unknowns are the masked cells; a cell is
    recoverable exactly when its unit vector lies in the row space of the equations (linear
    algebra, independent of the bridge argument the engine uses).
    """
    rows, cols = values.shape
    unknown = list(zip(*np.nonzero(mask), strict=True))
    index = {cell: k for k, cell in enumerate(unknown)}
    equations = []
    for i in range(rows):  # row i: sum of interior cells − total cell = 0
        eq = np.zeros(len(unknown))
        for j in range(cols):
            if (i, j) in index:
                eq[index[(i, j)]] = -1.0 if j == cols - 1 else 1.0
        equations.append(eq)
    for j in range(cols):
        eq = np.zeros(len(unknown))
        for i in range(rows):
            if (i, j) in index:
                eq[index[(i, j)]] = -1.0 if i == rows - 1 else 1.0
        equations.append(eq)
    a = np.array(equations)
    rank = np.linalg.matrix_rank(a) if len(unknown) else 0
    found = []
    for cell, k in index.items():
        e = np.zeros(len(unknown))
        e[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            found.append((int(cell[0]), int(cell[1])))
    return found


@given(
    arrays(
        np.int64,
        st.tuples(st.integers(1, 5), st.integers(1, 5)),
        elements=st.sampled_from([0, 1, 2, 3, 4, 5, 7, 12, 30, 80]),
    ),
    st.sampled_from([3, 5, 10]),
)
def test_no_masked_cell_can_be_recovered_from_totals(counts: np.ndarray, threshold: int) -> None:
    table = mask_small_cells(pd.DataFrame(counts), threshold=threshold)
    values, mask = table.values.to_numpy(), table.masked.to_numpy()
    small = (values > 0) & (values < threshold)
    assert (mask[small]).all(), "every small cell, totals included, is masked"
    assert (table.primary.to_numpy() == small).all()
    assert recoverable(values, mask) == []
    assert (values[:-1, -1] == values[:-1, :-1].sum(axis=1)).all()
    assert values[-1, -1] == counts.sum()


def test_a_lone_small_cell_takes_a_partner_in_its_row_and_column() -> None:
    counts = pd.DataFrame(
        {"a": [3, 40, 50], "b": [20, 30, 60], "c": [25, 35, 45]}, index=["x", "y", "z"]
    )
    table = mask_small_cells(counts)
    published = table.published()
    assert published.loc["x", "a"] == "<5"
    # The cells hidden only to protect it are not small, and do not say they are.
    assert published.loc["x", "b"] == published.loc["y", "a"] == ".."
    masked = table.masked
    assert masked.loc["x"].sum() >= 2
    assert masked["a"].sum() >= 2
    assert not masked.loc["Totalt / Total", "Totalt / Total"]
    assert recoverable(table.values.to_numpy(), masked.to_numpy()) == []
    # The secondary cells are the cheapest that close the cycle: 20 and 40, then 30.
    assert set(zip(*np.nonzero(masked.to_numpy()), strict=True)) == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_threshold_is_configurable_and_checked() -> None:
    counts = pd.DataFrame({"a": [6, 40], "b": [20, 30]})
    assert not mask_small_cells(counts).masked.to_numpy().any()
    assert mask_small_cells(counts, threshold=10).masked.iloc[0, 0]
    with pytest.raises(InputError, match="threshold"):
        mask_small_cells(counts, threshold=0)
    with pytest.raises(InputError, match="non-negative"):
        mask_small_cells(pd.DataFrame({"a": [-1, 2]}))


def test_binomial_cdf_against_direct_sums() -> None:
    for n, p in ((10, 0.3), (57, 0.92), (200, 0.5)):
        for k in (0, 3, n // 2, n - 1):
            direct = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))
            assert binomial_cdf(k, n, p) == pytest.approx(direct, rel=1e-9, abs=1e-15)


def test_intervals_against_closed_forms() -> None:
    # Clopper–Pearson at the edges has closed forms: 1 − (α/2)^(1/n) and (α/2)^(1/n).
    assert proportion_interval(0, 10, method="exact") == pytest.approx((0.0, 1 - 0.025**0.1))
    assert proportion_interval(10, 10, method="exact") == pytest.approx((0.025**0.1, 1.0))
    # Published values for 5 of 10 (Clopper–Pearson 0.1871–0.8129; Wilson 0.2366–0.7634).
    assert proportion_interval(5, 10, method="exact") == pytest.approx((0.1871, 0.8129), abs=1e-4)
    assert proportion_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)


def test_funnel_limits_exact_and_normal() -> None:
    sizes = [20, 200, 2000, 20000]
    low_n, high_n = funnel_limits(0.8, sizes, level=0.998, method="normal")
    z = 3.090232306
    assert high_n[1] == pytest.approx(0.8 + z * math.sqrt(0.8 * 0.2 / 200))
    low_e, high_e = funnel_limits(0.8, sizes, level=0.998)
    # The exact funnel converges to the normal one as n grows, and is asymmetric when small.
    assert abs(low_e[-1] - low_n[-1]) < 5e-4
    assert abs(high_e[-1] - high_n[-1]) < 5e-4
    assert (0.8 - low_e[0]) > (high_e[0] - 0.8)
    # By construction about 0.1 % of draws fall above the 99.8 % upper limit.
    rng = np.random.default_rng(3)
    draws = rng.binomial(200, 0.8, 200_000) / 200
    assert np.mean(draws > high_e[1]) == pytest.approx(0.001, abs=0.0006)


def test_funnel_positions_units() -> None:
    units = pd.DataFrame(
        {"unit": ["a", "b", "c"], "within": [90, 40, 800], "count": [100, 100, 1000]}
    )
    out = funnel(units, target=0.8)
    assert list(out.position) == ["above_95", "below_99.8", "within"]
    assert (out.interval_low < out.share).all()
    assert (out.share < out.interval_high).all()
    assert funnel(units).target.iloc[0] == pytest.approx(930 / 1200)
