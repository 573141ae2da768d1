"""From a demand forecast to the simulation's arrivals, uncertainty included.

A :class:`~vardkoll.planning.Forecast` gives, per week, a mean and prediction intervals; the
simulation wants an :class:`~vardkoll.planning.ArrivalForecast`: Poisson arrivals around a mean
times a gamma *level* drawn once per replication and queue (mean 1, coefficient of variation
``level_cv``). The hand-off keeps the forecast mean exactly (the level has mean 1) and turns
the width of the 80 % interval into ``level_cv``.

How the width becomes ``level_cv``: the 80 % interval gives each week a predictive standard
deviation ``sd_w = (upper_80 - lower_80) / (2 × 1.2816)`` (from the upper half alone,
``(upper_80 - mean) / 1.2816``, where the lower bound was clipped at 0). Under the simulation's
model a week's arrivals have variance ``mean_w + level_cv² × mean_w²`` (Poisson noise plus the
level), so ``level_cv`` is chosen to make the weekly variances, summed over the horizon, equal
to the forecast's: ``level_cv² = Σ max(sd_w² - mean_w, 0) / Σ mean_w²``. An interval no wider
than Poisson noise alone gives ``level_cv = 0``.

Because the level is drawn once per replication, a replication whose demand is high is high
all along: the forecast's error is treated as persistent, as the errors of a demand level are
in practice. Each week's spread matches the interval; the spread of the total over many weeks
is wider than it would be with independent weekly errors (the cautious reading, since a list
grows with the total).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError
from vardkoll.planning._forecast import Forecast
from vardkoll.planning._model import ArrivalForecast

__all__ = ["arrivals_from_forecast", "arrivals_from_forecasts", "level_cv_from_forecast"]

FloatArray = npt.NDArray[np.float64]

Z80 = 1.2815515655446004
"""The standard normal quantile at 0.9: an 80 % interval spans ``± Z80`` standard deviations."""


def _horizon(forecast: Forecast, horizon_weeks: int | None) -> int:
    available = int(forecast.mean.size)
    if horizon_weeks is None:
        return available
    if not 1 <= horizon_weeks <= available:
        raise InputError(
            f"`horizon_weeks` must be between 1 and the forecast's {available} weeks "
            f"(forecast {forecast.name!r}); got {horizon_weeks}. Forecast further ahead, or "
            "simulate fewer weeks.",
            field="horizon_weeks",
        )
    return int(horizon_weeks)


def _spread(forecast: Forecast, weeks: int) -> tuple[FloatArray, FloatArray]:
    """(mean, predictive variance) per week over the first ``weeks`` weeks."""
    mean = np.asarray(forecast.mean[:weeks], dtype=np.float64)
    lower = np.asarray(forecast.lower_80[:weeks], dtype=np.float64)
    upper = np.asarray(forecast.upper_80[:weeks], dtype=np.float64)
    clipped = lower <= 0.0
    sd = np.where(clipped, (upper - mean) / Z80, (upper - lower) / (2.0 * Z80))
    return mean, np.maximum(sd, 0.0) ** 2


def _cv(means: FloatArray, variances: FloatArray) -> float:
    square = float(np.sum(means**2))
    if square == 0.0:
        return 0.0
    excess = float(np.sum(np.maximum(variances - means, 0.0)))
    return float(np.sqrt(excess / square))


def level_cv_from_forecast(forecast: Forecast, *, horizon_weeks: int | None = None) -> float:
    """The gamma level's coefficient of variation that reproduces the forecast's interval.

    See the module documentation: the weekly variances, summed over the first
    ``horizon_weeks`` weeks, match the 80 % interval's, Poisson noise included.
    """
    mean, var = _spread(forecast, _horizon(forecast, horizon_weeks))
    return _cv(mean, var)


def _shares(priority_shares: Sequence[float] | None, what: str) -> FloatArray:
    if priority_shares is None:
        return np.ones(1)
    shares = np.asarray(priority_shares, dtype=np.float64).ravel()
    if (
        shares.size == 0
        or not np.all(np.isfinite(shares))
        or shares.min() < 0
        or abs(float(shares.sum()) - 1.0) > 1e-3
    ):
        raise InputError(
            f"`priority_shares`{what} must be non-negative shares, most urgent first, that sum "
            f"to 1; got {shares.tolist()}.",
            field="priority_shares",
        )
    return np.asarray(shares / shares.sum(), dtype=np.float64)


def arrivals_from_forecast(
    forecast: Forecast,
    *,
    priority_shares: Sequence[float] | None = None,
    horizon_weeks: int | None = None,
) -> ArrivalForecast:
    """Arrivals for a one-queue simulation from one weekly forecast.

    Week ``w`` of the simulation is ``forecast.weeks[w]``. ``priority_shares`` splits each
    week's mean between priorities, most urgent (priority 0) first, and must sum to 1; without
    it there is one priority. ``horizon_weeks`` keeps the first weeks only (default: all).
    The mean is kept exactly; ``level_cv`` comes from the 80 % interval
    (:func:`level_cv_from_forecast`).

    >>> import numpy as np
    >>> from vardkoll.planning import forecast_series
    >>> rng = np.random.default_rng(3)
    >>> history = rng.poisson(40, size=156).astype(float)
    >>> fc = forecast_series(history, weeks="2023-01-02", horizon=26, method="naive")
    >>> arrivals = arrivals_from_forecast(fc, priority_shares=[0.2, 0.8])
    >>> arrivals.mean_per_week.shape                        # (weeks, queues, priorities)
    (26, 1, 2)
    >>> bool(np.allclose(arrivals.mean_per_week.sum(axis=(1, 2)), fc.mean))
    True
    """
    return arrivals_from_forecasts(
        [forecast], priority_shares=priority_shares, horizon_weeks=horizon_weeks
    )


def arrivals_from_forecasts(
    forecasts: Sequence[Forecast],
    *,
    priority_shares: Sequence[float] | Sequence[Sequence[float]] | None = None,
    horizon_weeks: int | None = None,
) -> ArrivalForecast:
    """Arrivals for a many-queue simulation: queue ``i`` gets ``forecasts[i]``.

    The forecasts must cover the same weeks. ``priority_shares`` is one list of shares for
    every queue, or one list per queue. The model has a single ``level_cv``, so it is fitted
    to all queues' intervals together (the same formula, summed over queues too); a queue
    whose forecast is much less certain than the others is then drawn a little too narrow.
    """
    if not forecasts:
        raise InputError("`forecasts` must hold at least one forecast.", field="forecasts")
    horizon = min(_horizon(f, horizon_weeks) for f in forecasts)
    first = forecasts[0]
    for f in forecasts[1:]:
        if tuple(f.weeks[:horizon]) != tuple(first.weeks[:horizon]):
            raise InputError(
                f"Forecasts {first.name!r} and {f.name!r} cover different weeks; forecast every "
                "queue from the same week for the same horizon.",
                field="forecasts",
            )
    shares: list[FloatArray]
    if priority_shares is not None and len(priority_shares) and np.ndim(priority_shares[0]) == 1:
        per_queue = cast("Sequence[Sequence[float]]", priority_shares)
        if len(per_queue) != len(forecasts):
            raise InputError(
                f"`priority_shares` has {len(per_queue)} lists for {len(forecasts)} forecasts; "
                "give one list for all queues or one per queue.",
                field="priority_shares",
            )
        shares = [_shares(s, f" for queue {i}") for i, s in enumerate(per_queue)]
    else:
        one = _shares(cast("Sequence[float] | None", priority_shares), "")
        shares = [one] * len(forecasts)
    if len({s.size for s in shares}) != 1:
        raise InputError(
            "`priority_shares` must give every queue the same number of priorities; got "
            f"{[s.size for s in shares]}.",
            field="priority_shares",
        )
    spreads = [_spread(f, horizon) for f in forecasts]
    means = np.stack([m for m, _ in spreads], axis=1)  # (weeks, queues)
    variances = np.stack([v for _, v in spreads], axis=1)
    split = np.stack(shares, axis=0)  # (queues, priorities)
    mean_per_week = means[:, :, None] * split[None, :, :]
    return ArrivalForecast(mean_per_week, level_cv=_cv(means, variances))
