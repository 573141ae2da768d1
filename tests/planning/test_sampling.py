"""The exact draws of the cohort engine against direct, one-patient-at-a-time definitions."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
from scipy.stats import binom, chisquare, nbinom

from vardkoll.planning._sampling import distinct_ranks, exclusive_cumsum, offers


@pytest.mark.parametrize(("picks", "among"), [(3, 5), (2, 40), (5, 5), (4, 7)])
def test_distinct_ranks_are_a_uniform_subset(picks: int, among: int) -> None:
    rng = np.random.default_rng(picks * 100 + among)
    draws = 8000
    # Many cells in one call, each with `picks` picks among `among`, then one with a single
    # pick among 3, so the per-cell bookkeeping is exercised too.
    cell = np.r_[np.repeat(np.arange(draws), picks), draws]
    high = np.r_[np.full(draws * picks, among), 3]
    ranks = distinct_ranks(cell, high, rng)
    assert 0 <= ranks[-1] < 3
    mine = ranks[:-1].reshape(draws, picks)
    assert mine.min() >= 0
    assert mine.max() < among
    ordered = np.sort(mine, axis=1)
    assert np.all(np.diff(ordered, axis=1) > 0)  # distinct within every cell
    if math.comb(among, picks) == 1:
        return
    if math.comb(among, picks) <= 60:
        seen = Counter(map(tuple, ordered.tolist()))
        counts = [seen[s] for s in itertools.combinations(range(among), picks)]
    else:  # too many subsets to count: each patient must be picked picks/among of the time
        counts = np.bincount(mine.ravel(), minlength=among).tolist()
    assert chisquare(counts).pvalue > 0.01


def exact_offer_pmf(bookable: int, slots: int, d: float) -> dict[tuple[int, int], float]:
    """P(accepted, declined) for offers made one by one, straight from the definition."""
    pmf: dict[tuple[int, int], float] = {}
    for x in range(bookable - slots + 1):  # the slots-th acceptance comes at offer slots + x
        pmf[(slots, x)] = float(nbinom.pmf(x, slots, 1 - d))
    for s in range(min(slots, bookable + 1)):  # the list runs out with s < slots accepted
        if s < slots:
            pmf[(s, bookable - s)] = pmf.get((s, bookable - s), 0.0) + float(
                binom.pmf(s, bookable, 1 - d)
            )
    return pmf


@pytest.mark.parametrize(("bookable", "slots", "d"), [(6, 3, 0.4), (12, 4, 0.2), (3, 5, 0.5)])
def test_offers_follow_the_one_by_one_distribution(bookable: int, slots: int, d: float) -> None:
    pmf = exact_offer_pmf(bookable, slots, d)
    assert sum(pmf.values()) == pytest.approx(1.0)
    rng = np.random.default_rng(bookable * 10 + slots)
    draws = 40_000
    acc, dec = offers(np.full(draws, bookable), np.full(draws, slots), d, rng)
    seen = Counter(zip(acc.tolist(), dec.tolist(), strict=True))
    assert set(seen) <= set(pmf)
    outcomes = [o for o in pmf if pmf[o] * draws >= 5]  # chi-square needs expected counts ≥ 5
    observed = [seen[o] for o in outcomes]
    expected = np.array([pmf[o] for o in outcomes])
    expected = expected / expected.sum() * sum(observed)
    assert chisquare(observed, expected).pvalue > 0.01


def test_offers_without_declines_fill_what_the_list_allows() -> None:
    acc, dec = offers(np.array([5, 0, 9]), np.array([3, 4, 20]), 0.0, np.random.default_rng(0))
    assert acc.tolist() == [3, 0, 9]
    assert dec.tolist() == [0, 0, 0]


def test_exclusive_cumsum() -> None:
    rows = np.random.default_rng(1).integers(0, 9, (5, 7))
    np.testing.assert_array_equal(exclusive_cumsum(rows), np.cumsum(rows, axis=0) - rows)
