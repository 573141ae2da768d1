"""Vectorised random draws the generator needs many millions of.

Why these helpers: at national scale a per-patient Python loop would take tens of minutes,
so every choice (a unit for each referral, an age for each patient) is one NumPy call over
the whole column.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vardkoll.synth._calendar import IntArray

__all__ = ["categorical_rows", "distance_km", "draw_age_days", "repeat_counts"]

FloatArray = npt.NDArray[np.float64]


def categorical_rows(weights: FloatArray, rows: IntArray, rng: np.random.Generator) -> IntArray:
    """For each entry of ``rows``, draw a column of ``weights[row]`` with those weights.

    One ``searchsorted`` over the flattened cumulative table: row ``r`` occupies the interval
    ``(r, r + 1]``, so ``r + u`` lands in the chosen column of its own row.

    >>> rng = np.random.default_rng(0)
    >>> w = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    >>> categorical_rows(w, np.array([0, 1, 0]), rng).tolist()
    [1, 0, 1]
    """
    n_rows, n_cols = weights.shape
    totals = weights.sum(axis=1, keepdims=True)
    if np.any(totals[np.unique(rows)] <= 0):
        raise ValueError("categorical_rows: a row that is drawn from has no positive weight")
    cdf = np.cumsum(weights / np.where(totals > 0, totals, 1.0), axis=1)
    cdf[:, -1] = 1.0
    flat = (cdf + np.arange(n_rows)[:, None]).ravel()
    u = rng.random(rows.size) * (1 - 1e-12)
    position = np.searchsorted(flat, rows + u, side="right")
    chosen = position - rows * n_cols
    return np.asarray(np.minimum(chosen, n_cols - 1), dtype=np.int64)


def repeat_counts(counts: IntArray) -> tuple[IntArray, IntArray]:
    """Expand a count matrix ``counts[i, j]`` into row and column indices, one per unit."""
    flat = counts.ravel()
    cells = np.repeat(np.arange(flat.size), flat)
    return cells // counts.shape[1], cells % counts.shape[1]


def draw_age_days(band_low: IntArray, band_high: IntArray, rng: np.random.Generator) -> IntArray:
    """An age in days, uniform within each inclusive band of years."""
    low = band_low * 365.25
    high = (band_high + 1) * 365.25 - 1
    return np.asarray(np.floor(low + rng.random(band_low.size) * (high - low)), dtype=np.int64)


def distance_km(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Approximate distances (equirectangular; fine within a region)."""
    mean_lat = np.radians((lat1 + lat2) / 2)
    dx = np.radians(lon2 - lon1) * np.cos(mean_lat)
    dy = np.radians(lat2 - lat1)
    return np.asarray(6371.0 * np.hypot(dx, dy), dtype=np.float64)
