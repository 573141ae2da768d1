"""Exact vectorised draws the cohort engine needs, each for many cells at once.

A *cell* is one replication × queue. Patients of one priority and age are interchangeable, so
"which patients" reduces to "how many from each age": these helpers draw exactly that, with
the distribution of choosing individual patients, without a loop over patients.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


def distinct_ranks(cell: IntArray, high: IntArray, rng: np.random.Generator) -> IntArray:
    """One rank per pick, uniform in ``[0, high)``, all different within a cell.

    ``cell`` says which cell each pick belongs to (picks of a cell adjacent), ``high`` the
    number of patients to pick among (the same for every pick of a cell): a uniform draw of
    distinct patients, without replacement. Where few are picked among many (``k² <= high``)
    ranks are drawn independently and a cell whose ranks collide is drawn again whole (it
    rarely happens); elsewhere every patient of the cell gets a random key and the ``k``
    smallest keys are taken.
    """
    ranks = np.asarray(rng.integers(0, high), dtype=np.int64)
    shared = cell[1:] == cell[:-1]
    if not shared.any():  # one pick per cell: nothing can collide
        return ranks
    first = np.flatnonzero(np.r_[True, ~shared])
    picks = np.diff(np.r_[first, cell.size])
    crowded_cell = picks * picks > high[first]
    crowded = np.repeat(crowded_cell, picks)
    sparse = np.flatnonzero(~crowded)
    redo = sparse[_collisions(cell[sparse], ranks[sparse])]
    while redo.size:
        ranks[redo] = rng.integers(0, high[redo])
        redo = redo[_collisions(cell[redo], ranks[redo])]
    if crowded_cell.any():
        heads = first[crowded_cell]
        size, want = high[heads], picks[crowded_cell]
        offset = np.cumsum(size) - size
        owner = np.repeat(np.arange(heads.size), size)
        shuffled = np.lexsort((rng.random(int(size.sum())), owner))
        within = np.arange(int(want.sum())) - np.repeat(np.cumsum(want) - want, want)
        chosen = shuffled[np.repeat(offset, want) + within] - np.repeat(offset, want)
        ranks[np.flatnonzero(crowded)] = chosen
    return ranks


def _collisions(cell: IntArray, ranks: IntArray) -> IntArray:
    """Positions of the picks whose cell holds a repeated rank (picks of a cell adjacent)."""
    shared = cell[1:] == cell[:-1]
    if not shared.any():
        return np.zeros(0, dtype=np.int64)
    several = np.zeros(cell.size, dtype=bool)
    several[1:] |= shared
    several[:-1] |= shared
    idx = np.flatnonzero(several)
    span = int(ranks[idx].max()) + 1
    key = np.sort(cell[idx] * span + ranks[idx])
    repeated = key[1:][key[1:] == key[:-1]]
    if repeated.size == 0:
        return np.zeros(0, dtype=np.int64)
    bad = np.zeros(int(cell[idx].max()) + 1, dtype=bool)
    bad[repeated // span] = True
    return idx[bad[cell[idx]]]


def exclusive_cumsum(rows: IntArray) -> IntArray:
    """Running total of the rows before each row (axis 0), ``cumsum - rows``.

    A loop over the few rows: NumPy's cumsum along the first axis is several times slower.
    """
    out = np.empty_like(rows)
    total = np.zeros_like(rows[0])
    for i in range(rows.shape[0]):
        out[i] = total
        total += rows[i]
    return out


def bin_of_rank(counts: npt.NDArray[np.int64], ranks: IntArray) -> IntArray:
    """The bin holding the patient of a given rank; ``counts`` is ``(picks, bins)``."""
    return np.asarray((np.cumsum(counts, axis=1) <= ranks[:, None]).sum(axis=1), dtype=np.int64)


def offers(
    bookable: IntArray, slots: IntArray, decline_share: float, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Offer slots to the longest waiters, one after another, until filled or the list ends.

    Each offer is declined with probability ``decline_share`` and the slot goes on to the next
    patient. Returns ``(accepted, declined)`` per cell, exactly distributed as that sequence of
    offers: the declines before the ``slots``-th acceptance are negative binomial ``X``; when
    ``slots + X`` fits in the list that is the outcome, otherwise everyone was offered and the
    acceptances among them are hypergeometric (the first ``slots - 1`` acceptances lie at
    random among the ``slots - 1 + X`` offers before the last).
    """
    if decline_share == 0:
        return np.minimum(bookable, slots), np.zeros_like(bookable)
    accepted = np.zeros_like(bookable)
    declined = np.zeros_like(bookable)
    cells = np.flatnonzero((bookable > 0) & (slots > 0))
    if cells.size == 0:
        return accepted, declined
    n = bookable.ravel()[cells]
    k = slots.ravel()[cells]
    # Declines before the k-th acceptance; where they fit in the list, that is the answer.
    dec = rng.negative_binomial(k, 1.0 - decline_share)
    acc = k.copy()
    short = np.flatnonzero(k + dec > n)
    if short.size:
        # The list ran out before the k-th acceptance: all n were offered, and the first k-1
        # acceptances sit at random among the k-1+X offers before it, so the acceptances among
        # the first n offers are hypergeometric.
        acc[short] = rng.hypergeometric(k[short] - 1, dec[short], n[short])
        dec[short] = n[short] - acc[short]
    np.put(accepted, cells, acc)
    np.put(declined, cells, dec)
    return accepted, declined
