"""Fair comparisons of units: funnel-plot limits and intervals for proportions.

A league table ranks units by their share within the guarantee and so punishes small units
for noise. A funnel plot instead draws, around the overall share ``p₀``, the range a unit of
each size would show by chance alone (95 % and 99.8 %, about 2 and 3 standard errors);
units outside the funnel differ by more than chance. Spiegelhalter (2005), *Funnel plots for
comparing institutional performance*, Stat. Med. 24:1185.

Two methods for the limits:

* ``exact`` — binomial quantiles of Binomial(n, p₀), interpolated between the discrete steps
  as Spiegelhalter's appendix does, so the funnel is smooth in n;
* ``normal`` — ``p₀ ± z·√(p₀(1 − p₀)/n)``, the usual approximation, fine for large n.

Per unit intervals: Wilson score (default) or exact Clopper–Pearson. Everything is NumPy and
the standard library (no SciPy): the binomial distribution is summed in log space.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd

from vardkoll.domain import InputError

__all__ = ["LEVELS", "binomial_cdf", "funnel", "funnel_limits", "proportion_interval"]

LEVELS: tuple[float, ...] = (0.95, 0.998)
FunnelMethod = Literal["exact", "normal"]


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p), summed in log space.

    >>> round(binomial_cdf(2, 10, 0.5), 6)  # (1 + 10 + 45) / 1024
    0.054688
    """
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    i = np.arange(1, k + 1, dtype=np.float64)
    log_choose = np.concatenate([[0.0], np.cumsum(np.log(n - i + 1) - np.log(i))])
    j = np.arange(k + 1, dtype=np.float64)
    log_pmf = log_choose + j * math.log(p) + (n - j) * math.log1p(-p)
    top = float(log_pmf.max())
    return float(min(1.0, math.exp(top) * np.exp(log_pmf - top).sum()))


def _binomial_quantile(q: float, n: int, p: float) -> int:
    """Smallest r with P(X ≤ r) ≥ q."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if binomial_cdf(mid, n, p) >= q:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _exact_limit(q: float, n: int, p: float) -> float:
    r = _binomial_quantile(q, n, p)
    at, below = binomial_cdf(r, n, p), binomial_cdf(r - 1, n, p)
    alpha = (at - q) / (at - below) if at > below else 0.0
    return max(0.0, min(1.0, (r - alpha) / n))


def funnel_limits(
    target: float,
    sizes: Sequence[int] | np.ndarray,
    *,
    level: float = 0.95,
    method: FunnelMethod = "exact",
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper funnel limits of a proportion at each denominator in ``sizes``.

    >>> low, high = funnel_limits(0.5, [100], method="normal")
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.402, 0.598)
    """
    if not 0.0 <= target <= 1.0:
        raise InputError(f"The target share must lie in 0 … 1; got {target}.", field="target")
    if not 0.0 < level < 1.0:
        raise InputError(
            f"The level must lie strictly between 0 and 1; got {level}.", field="level"
        )
    n = np.asarray(sizes, dtype=np.int64)
    if (n < 1).any():
        raise InputError("Every unit needs a denominator of at least 1.", field="sizes")
    tail = (1.0 - level) / 2
    if method == "normal":
        z = NormalDist().inv_cdf(1 - tail)
        half = z * np.sqrt(target * (1 - target) / n)
        return np.clip(target - half, 0, 1), np.clip(target + half, 0, 1)
    if method != "exact":
        raise InputError(f"method must be 'exact' or 'normal'; got {method!r}.", field="method")
    low = np.array([_exact_limit(tail, int(k), target) for k in n])
    high = np.array([_exact_limit(1 - tail, int(k), target) for k in n])
    return low, high


def _increasing_root(g: Callable[[float], float], target: float) -> float:
    """The p in 0 … 1 where the increasing function ``g`` reaches ``target`` (bisection)."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if g(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def proportion_interval(
    successes: int, n: int, *, level: float = 0.95, method: Literal["wilson", "exact"] = "wilson"
) -> tuple[float, float]:
    """Confidence interval of one unit's proportion ``successes / n``.

    >>> tuple(round(v, 4) for v in proportion_interval(0, 10, method="exact"))
    (0.0, 0.3085)
    """
    if n < 1 or not 0 <= successes <= n:
        raise InputError(
            f"Need 0 ≤ successes ≤ n and n ≥ 1; got {successes} of {n}.", field="successes"
        )
    tail = (1.0 - level) / 2
    if method == "wilson":
        z = NormalDist().inv_cdf(1 - tail)
        p = successes / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)
    if method != "exact":
        raise InputError(f"method must be 'wilson' or 'exact'; got {method!r}.", field="method")

    # Clopper–Pearson: P(X ≥ x | lower) = tail and P(X ≤ x | upper) = tail.
    lower = (
        0.0
        if successes == 0
        else _increasing_root(lambda p: 1 - binomial_cdf(successes - 1, n, p), tail)
    )
    upper = (
        1.0
        if successes == n
        else _increasing_root(lambda p: 1 - binomial_cdf(successes, n, p), 1 - tail)
    )
    return lower, upper


def funnel(
    units: pd.DataFrame,
    *,
    successes: str = "within",
    total: str = "count",
    target: float | None = None,
    levels: Sequence[float] = LEVELS,
    method: FunnelMethod = "exact",
) -> pd.DataFrame:
    """Each unit's share, its Wilson interval and where it falls in the funnel.

    ``target`` defaults to the pooled share. Column ``position`` is ``above_99.8``,
    ``above_95``, ``within``, ``below_95`` or ``below_99.8`` (for the default levels).
    """
    if units.empty:
        raise InputError("No units to compare.", field="units")
    x = units[successes].astype(np.int64).to_numpy()
    n = units[total].astype(np.int64).to_numpy()
    p0 = float(x.sum() / n.sum()) if target is None else target
    out = units.copy()
    out["share"] = x / n
    out["target"] = p0
    bounds = [proportion_interval(int(a), int(b)) for a, b in zip(x, n, strict=True)]
    out["interval_low"] = [b[0] for b in bounds]
    out["interval_high"] = [b[1] for b in bounds]
    position = np.full(len(out), "within", dtype=object)
    for level in sorted(levels):
        low, high = funnel_limits(p0, n, level=level, method=method)
        tag = f"{level * 100:g}"
        out[f"limit_low_{tag}"], out[f"limit_high_{tag}"] = low, high
        share = out["share"].to_numpy()
        position[share > high] = f"above_{tag}"
        position[share < low] = f"below_{tag}"
    out["position"] = position
    return out
