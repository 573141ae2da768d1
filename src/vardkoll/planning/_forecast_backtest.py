"""Rolling-origin backtests, the accuracy they measure, and the trust rule built on it.

A backtest replays the past: from each origin in the last year, forecast ``horizon`` weeks
with only the weeks before the origin, and compare with what happened. Three numbers come out:

* **MASE** (mean absolute scaled error): the mean absolute error over all origins and steps,
  divided by the mean absolute error of the in-sample seasonal naive forecast
  (``|y[t] − y[t−52]|`` over the whole history). Below 1 the model beats "same week last
  year"; with less than two years of history the scale is the naive lag-1 error instead.
* **coverage** of the 80 % and 95 % intervals: the share of actual weeks inside them.
* **WAPE** (weighted absolute percentage error): total absolute error over total actual
  count, the typical error as a share of demand.

The trust rule turns these into ``high``, ``medium`` or ``low``; its thresholds are below, and
``docs/explanation/forecasting.md`` explains them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from vardkoll.planning._forecast_input import MIN_FIT_WEEKS
from vardkoll.planning._forecast_models import ShownForecast

__all__ = [
    "ForecastAccuracy",
    "Trust",
    "backtest_origins",
    "is_seasonal",
    "mase_scale",
    "score",
    "trust_level",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Trust = Literal["high", "medium", "low"]


SEASONAL_WEEKS = 104
"""History needed for the seasonal baseline and the seasonal MASE scale: two full years."""
_SEASONAL_FIT_WEEKS = 52 + MIN_FIT_WEEKS
"""Weeks before the first origin when seasonal: a year to look back on plus half a year."""
BACKTEST_SPAN = 52
"""Origins lie in the last year of history."""

# The trust rule (see the module docstring and docs/explanation/forecasting.md).
HIGH_MAX_MASE = 1.0
HIGH_MIN_COVERAGE_95 = 0.90
HIGH_MIN_COVERAGE_80 = 0.70
HIGH_MAX_WAPE = 0.15
LOW_MIN_COVERAGE_95 = 0.80
LOW_MAX_WAPE = 0.50
MIN_BACKTEST_POINTS = 24


def is_seasonal(n: int, horizon: int) -> bool:
    """Whether the history allows the 52-week baseline: two years, and room to backtest it."""
    return n >= SEASONAL_WEEKS and n - horizon >= _SEASONAL_FIT_WEEKS


def backtest_origins(n: int, horizon: int, step: int) -> IntArray:
    """Origins every ``step`` weeks over the last year, the last one ``horizon`` from the end.

    >>> backtest_origins(156, 12, 4).tolist()
    [104, 108, 112, 116, 120, 124, 128, 132, 136, 140, 144]
    """
    min_fit = _SEASONAL_FIT_WEEKS if is_seasonal(n, horizon) else MIN_FIT_WEEKS
    last = n - horizon
    first = max(n - BACKTEST_SPAN, min_fit)
    origins = np.arange(last, first - 1, -step, dtype=np.int64)[::-1]
    return origins if len(origins) else np.array([last], dtype=np.int64)


def mase_scale(y: FloatArray, seasonal: bool) -> float:
    """Mean absolute in-sample error of the seasonal naive (lag 52) or naive (lag 1) forecast."""
    lag = 52 if seasonal else 1
    return float(np.mean(np.abs(y[lag:] - y[:-lag])))


def actuals(y: FloatArray, origins: IntArray, horizon: int) -> FloatArray:
    """The observed weeks each backtest forecast is judged against, ``(origins, horizon)``."""
    observed: FloatArray = y[origins[:, None] + np.arange(horizon)[None, :]]
    return observed


@dataclass(frozen=True)
class ForecastAccuracy:
    """What the rolling-origin backtest measured for one model on one series.

    ``mase`` is ``nan`` when the history has no variation to scale by. ``scale`` names the
    MASE denominator: ``"seasonal naive (lag 52)"`` or ``"naive (lag 1)"``.
    """

    model: str
    mase: float
    mae: float
    wape: float
    coverage_80: float
    coverage_95: float
    origins: int
    points: int
    horizon: int
    scale: str


def score(
    model: str,
    shown: ShownForecast,
    observed: FloatArray,
    scale: float,
    seasonal: bool,
) -> ForecastAccuracy:
    """Score backtest forecasts, as they would have been shown, against the observed weeks."""
    err = np.abs(observed - shown.mean)
    mae = float(err.mean())
    total = float(observed.sum())
    wape = float(err.sum()) / total if total > 0 else (0.0 if mae == 0 else float("inf"))
    inside = [
        float(np.mean((lower <= observed) & (observed <= upper)))
        for lower, upper in (
            (shown.lower_80, shown.upper_80),
            (shown.lower_95, shown.upper_95),
        )
    ]
    return ForecastAccuracy(
        model=model,
        mase=mae / scale if scale > 0 else float("nan"),
        mae=mae,
        wape=wape,
        coverage_80=inside[0],
        coverage_95=inside[1],
        origins=int(observed.shape[0]),
        points=int(observed.size),
        horizon=int(observed.shape[1]),
        scale="seasonal naive (lag 52)" if seasonal else "naive (lag 1)",
    )


def trust_level(
    acc: ForecastAccuracy, *, seasonal: bool, converged: bool
) -> tuple[Trust, tuple[str, ...]]:
    """``high``, ``medium`` or ``low``, with the reasons that kept it from being higher.

    * **low** when any of: MASE undefined or ≥ 1 (no better than repeating last year);
      95 % coverage below 80 % (the intervals are far too narrow); WAPE above 50 % (the
      typical error is half the demand); fewer than 24 backtest points to judge by.
    * **high** when all of: MASE below 1; 95 % coverage at least 90 % and 80 % coverage at
      least 70 %; WAPE at most 15 %; two years of history; the fit converged.
    * **medium** otherwise.
    """
    low: list[str] = []
    if not np.isfinite(acc.mase):
        low.append("MASE is undefined: the history does not vary")
    elif acc.mase >= HIGH_MAX_MASE:
        low.append(f"MASE {acc.mase:.2f} ≥ 1: no better than same week last year")
    if acc.coverage_95 < LOW_MIN_COVERAGE_95:
        low.append(f"the 95 % interval held only {acc.coverage_95:.0%} of past weeks")
    if acc.wape > LOW_MAX_WAPE:
        low.append(f"typical error {acc.wape:.0%} of demand (WAPE)")
    if acc.points < MIN_BACKTEST_POINTS:
        low.append(f"only {acc.points} backtest weeks to judge by")
    if low:
        return "low", tuple(low)
    medium: list[str] = []
    if acc.coverage_95 < HIGH_MIN_COVERAGE_95:
        medium.append(f"the 95 % interval held {acc.coverage_95:.0%} of past weeks (< 90 %)")
    if acc.coverage_80 < HIGH_MIN_COVERAGE_80:
        medium.append(f"the 80 % interval held {acc.coverage_80:.0%} of past weeks (< 70 %)")
    if acc.wape > HIGH_MAX_WAPE:
        medium.append(f"typical error {acc.wape:.0%} of demand (WAPE > 15 %)")
    if not seasonal:
        medium.append("less than two years of history: no seasonal baseline")
    if not converged:
        medium.append("the model fit did not converge")
    return ("medium", tuple(medium)) if medium else ("high", ())
