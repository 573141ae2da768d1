"""The candidate forecast models, each run twice: once for the backtest, once for real.

Every model answers the same two questions, in the same shape:

* ``backtest(design)``: with its parameters estimated on the weeks before the first backtest
  origin only, what would it have forecast from each origin (mean and standard deviation,
  shape ``(origins, horizon)``)? Later origins reuse those parameters and only filter the
  newer weeks through the model, so no forecast ever sees the weeks it is judged on, and a
  whole backtest costs one fit.
* ``forecast(design)``: refitted on the whole history, the next ``horizon`` weeks.

Intervals are Gaussian, ``mean ± z·sd``; each model supplies its own ``sd`` per step ahead. The
models (see ``docs/explanation/forecasting.md``):

``seasonal_naive``
    This week last year (52 weeks back); the baseline with two years of history or more.
``naive``
    The last week, carried forward; the baseline when history is shorter.
``ets``
    Exponential smoothing (statsmodels ``ETSModel``): additive error, no trend, additive
    52-week seasonality when two years precede the first origin, otherwise level only; the
    smoothing weights maximise statsmodels' likelihood by a fast search (``_ets_estimate``).
``regression``
    Regression with AR(1) errors (statsmodels ``ARIMA``, feasible GLS): level, linear trend,
    three yearly Fourier pairs (with a year or more before the first origin), working days in
    the week and the summer-period indicator.
``ensemble``
    The mean of ``ets`` and ``regression``: means averaged, interval bounds averaged.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from vardkoll.planning._holidays import calendar_regressors

__all__ = [
    "MODELS",
    "SEASON",
    "Z80",
    "Z95",
    "Design",
    "FitLog",
    "ModelSpec",
    "Predictions",
    "ShownForecast",
    "combine",
    "make_design",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SEASON = 52
"""Weeks in the seasonal cycle of the naive baseline and of ETS."""
_YEAR_DAYS = 365.2425
_FOURIER_PAIRS = 3
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Design:
    """Everything the models need: the counts, the calendar, and the backtest origins.

    ``origins`` are indices into ``y``: from origin ``o`` the weeks ``y[:o]`` are known and
    ``y[o : o + horizon]`` are forecast. ``calendar`` has a row per observed and future week
    (working days, summer indicator) and ``day`` the day number of each week's Thursday.
    """

    y: FloatArray
    calendar: FloatArray
    day: IntArray
    origins: IntArray
    horizon: int
    seasonal: bool

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def first_origin(self) -> int:
        return int(self.origins[0])


def make_design(
    y: FloatArray,
    weeks: tuple[dt.date, ...],
    future: tuple[dt.date, ...],
    origins: IntArray,
    horizon: int,
    seasonal: bool,
) -> Design:
    """Attach the calendar regressors of the observed and future weeks."""
    all_weeks = weeks + future
    working, summer = calendar_regressors(all_weeks)
    day = np.array([(w - _EPOCH).days + 3 for w in all_weeks], dtype=np.int64)
    return Design(
        y=y,
        calendar=np.column_stack([working, summer]),
        day=day,
        origins=origins,
        horizon=horizon,
        seasonal=seasonal,
    )


Z80 = 1.2815515655446004
"""Standard normal quantile for a central 80 % interval."""
Z95 = 1.959963984540054
"""Standard normal quantile for a central 95 % interval."""


@dataclass(frozen=True)
class ShownForecast:
    """A forecast as shown to a planner: point and bounds, all clipped at zero.

    ``clipped_mean`` counts the points that were below zero before clipping.
    """

    mean: FloatArray
    lower_80: FloatArray
    upper_80: FloatArray
    lower_95: FloatArray
    upper_95: FloatArray
    clipped_mean: int


@dataclass(frozen=True)
class Predictions:
    """Means and standard deviations of forecasts, same shape."""

    mean: FloatArray
    sd: FloatArray

    def shown(self) -> ShownForecast:
        """Gaussian bounds ``mean ± z·sd``, then everything clipped at zero (counts can't be
        negative; clipping keeps coverage intact since every actual is ≥ 0)."""

        def clip(x: FloatArray) -> FloatArray:
            return np.maximum(x, 0.0)

        return ShownForecast(
            mean=clip(self.mean),
            lower_80=clip(self.mean - Z80 * self.sd),
            upper_80=clip(self.mean + Z80 * self.sd),
            lower_95=clip(self.mean - Z95 * self.sd),
            upper_95=clip(self.mean + Z95 * self.sd),
            clipped_mean=int(np.count_nonzero(self.mean < 0)),
        )


@dataclass
class FitLog:
    """What happened while fitting: convergence and anything else statsmodels said."""

    converged: bool = True
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


@contextmanager
def _listening(log: FitLog, model: str) -> Iterator[None]:
    """Catch statsmodels' warnings and keep them as notes instead of letting them escape.

    Under ``filterwarnings = error`` a ConvergenceWarning would otherwise abort the run; a
    planner is better served by a forecast marked "did not converge" than by none.
    """
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            log.converged = False
            log.note(f"{model}: the parameter estimation did not converge")
        else:
            log.note(f"{model}: statsmodels warned: {str(w.message).splitlines()[0][:120]}")


@dataclass(frozen=True)
class ModelSpec:
    """A named candidate: how to backtest it and how to forecast with it."""

    name: str
    backtest: Callable[[Design, FitLog], Predictions]
    forecast: Callable[[Design, FitLog], Predictions]


# --- baselines ---------------------------------------------------------------------------


def _rms(x: FloatArray) -> float:
    return math.sqrt(float(np.mean(x * x))) if len(x) else 0.0


def _seasonal_naive_at(y: FloatArray, o: int, horizon: int) -> tuple[FloatArray, FloatArray]:
    steps = np.arange(1, horizon + 1)
    target = o + steps - 1
    mean = y[target - SEASON * ((steps - 1) // SEASON + 1)]
    sigma = _rms(y[SEASON:o] - y[: o - SEASON])
    return mean, sigma * np.sqrt((steps - 1) // SEASON + 1.0)


def _naive_at(y: FloatArray, o: int, horizon: int) -> tuple[FloatArray, FloatArray]:
    steps = np.arange(1, horizon + 1)
    sigma = _rms(np.diff(y[:o]))
    return np.full(horizon, y[o - 1]), sigma * np.sqrt(steps.astype(np.float64))


def _baseline(at: Callable[[FloatArray, int, int], tuple[FloatArray, FloatArray]]) -> ModelSpec:
    def backtest(d: Design, log: FitLog) -> Predictions:
        pairs = [at(d.y, int(o), d.horizon) for o in d.origins]
        return Predictions(np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))

    def forecast(d: Design, log: FitLog) -> Predictions:
        mean, sd = at(d.y, d.n, d.horizon)
        return Predictions(mean, sd)

    name = "seasonal_naive" if at is _seasonal_naive_at else "naive"
    return ModelSpec(name, backtest, forecast)


# --- ETS ---------------------------------------------------------------------------------


def _ets_model(y: FloatArray, seasonal: bool, known: Any = None) -> Any:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    # A RangeIndex Series: statsmodels 0.15 predictions fail on bare NumPy input.
    endog = pd.Series(y, index=pd.RangeIndex(len(y)))
    kwargs: dict[str, Any] = {"error": "add"}
    if seasonal:
        kwargs |= {"seasonal": "add", "seasonal_periods": SEASON}
    if known is None:
        return ETSModel(endog, initialization_method="heuristic", **kwargs)
    level, season = known
    return ETSModel(
        endog,
        initialization_method="known",
        initial_level=level,
        initial_seasonal=season if seasonal else None,
        **kwargs,
    )


def _ets_seasonal(d: Design) -> bool:
    return d.seasonal and d.first_origin >= 2 * SEASON


_ALPHAS = np.array([0.001, 0.01, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.65, 0.8, 0.95])
_GAMMA_SHARES = np.array([0.0001, 0.01, 0.05, 0.1, 0.2, 0.4])
_BOUND = 1e-4


def _ets_estimate(model: Any, seasonal: bool) -> FloatArray:
    """Maximum-likelihood smoothing weights: a grid, then a shrinking pattern search.

    statsmodels' own ``fit`` drives L-BFGS over its full internal parameter vector and spends
    most of a backtest doing so (tens of milliseconds for two weights); the likelihood itself
    (``model.loglike``, statsmodels') costs microseconds. With only ``alpha`` and, when
    seasonal, ``gamma`` (kept below ``1 − alpha``, statsmodels' bound) to find, a
    deterministic search over that likelihood reaches the same optimum in a few milliseconds.
    """

    def params(alpha: float, share: float) -> FloatArray:
        alpha = min(max(alpha, _BOUND), 1 - _BOUND)
        if not seasonal:
            return np.array([alpha])
        share = min(max(share, _BOUND), 1 - _BOUND)
        return np.array([alpha, share * (1 - alpha)])

    def loglike(alpha: float, share: float) -> float:
        value = float(model.loglike(params(alpha, share)))
        return value if np.isfinite(value) else -np.inf

    shares = _GAMMA_SHARES if seasonal else np.array([0.0])
    best = max(((a, g) for a in _ALPHAS for g in shares), key=lambda p: loglike(*p))
    best_ll = loglike(*best)
    step = np.array([0.5, 0.5])  # multiplicative steps in (alpha, gamma share)
    while step.max() > 0.005:
        improved = False
        for axis in (0, 1) if seasonal else (0,):
            for sign in (1.0, -1.0):
                trial = list(best)
                trial[axis] = trial[axis] * float(np.exp(sign * step[axis]))
                value = loglike(trial[0], trial[1])
                if value > best_ll + 1e-10:
                    best, best_ll, improved = (trial[0], trial[1]), value, True
        if not improved:
            step /= 2
    return params(*best)


def _ets_backtest(d: Design, log: FitLog) -> Predictions:
    seasonal = _ets_seasonal(d)
    with _listening(log, "ets"):
        model = _ets_model(d.y[: d.first_origin], seasonal)
        estimate = _ets_estimate(model, seasonal)
        known = (model.initial_level, model.initial_seasonal)
        filtered = _ets_model(d.y, seasonal, known).smooth(estimate)
        means, sds = [], []
        for o in d.origins:
            p = filtered.get_prediction(start=int(o), end=int(o) + d.horizon - 1, dynamic=True)
            means.append(np.asarray(p.predicted_mean, dtype=np.float64))
            sds.append(np.sqrt(np.asarray(p.forecast_variance, dtype=np.float64)))
    return Predictions(np.array(means), np.array(sds))


def _ets_forecast(d: Design, log: FitLog) -> Predictions:
    with _listening(log, "ets"):
        seasonal = _ets_seasonal(d)
        model = _ets_model(d.y, seasonal)
        fitted = model.smooth(_ets_estimate(model, seasonal))
        p = fitted.get_prediction(start=d.n, end=d.n + d.horizon - 1)
        mean = np.asarray(p.predicted_mean, dtype=np.float64)
        sd = np.sqrt(np.asarray(p.forecast_variance, dtype=np.float64))
    return Predictions(mean, sd)


# --- regression with AR(1) errors ----------------------------------------------------------


def _regressors(d: Design, fit_weeks: int) -> FloatArray:
    """Level, trend (per year), Fourier pairs, working days, summer: one row per week.

    Columns that do not vary over the fitting weeks are dropped (a half-year without a summer
    week cannot estimate a summer effect); the Fourier pairs need a full year to fit.
    """
    rows = len(d.day)
    years = (d.day - d.day[0]) / _YEAR_DAYS
    columns = [np.ones(rows), years]
    if fit_weeks >= SEASON:
        angle = 2.0 * np.pi * d.day / _YEAR_DAYS
        for k in range(1, _FOURIER_PAIRS + 1):
            columns += [np.sin(k * angle), np.cos(k * angle)]
    columns += [d.calendar[:, 0], d.calendar[:, 1]]
    x = np.column_stack(columns)
    keep = [0] + [j for j in range(1, x.shape[1]) if np.ptp(x[:fit_weeks, j]) > 0]
    return x[:, keep]


def _regression_fit(
    y: FloatArray, x: FloatArray, log: FitLog
) -> tuple[tuple[int, int, int], FloatArray]:
    """Estimate the AR(1) coefficient and the noise variance; keep the regression open.

    Step 1, feasible GLS (Yule–Walker for the AR term): no numerical optimisation, so fast.
    Step 2, the same model in state-space form with the regression coefficients as states
    (``mle_regression=False``), filtered with the step-1 AR coefficient and variance: the
    Kalman filter then re-estimates the coefficients from whatever data it is given and
    carries their uncertainty into the intervals (a trend extrapolated 12 weeks is not known
    exactly). When the AR(1) estimate is non-stationary, GLS cannot proceed; the model then
    drops the AR term (ordinary least squares) and says so.
    """
    from statsmodels.tsa.arima.model import ARIMA

    order: tuple[int, int, int] = (1, 0, 0)
    try:
        gls = ARIMA(y, exog=x, order=order, trend="n").fit(method="yule_walker", cov_type="none")
    except (ValueError, np.linalg.LinAlgError):
        log.note("regression: AR(1) errors could not be estimated; fitted without them")
        order = (0, 0, 0)
        gls = ARIMA(y, exog=x, order=order, trend="n").fit(method="yule_walker", cov_type="none")
    # Degrees of freedom: the variance of residuals around k fitted coefficients is biased low.
    dof = len(y) / max(len(y) - x.shape[1] - sum(order), 1)
    params = (
        np.asarray(gls.params, dtype=np.float64)[x.shape[1] :] * np.r_[np.ones(sum(order)), dof]
    )
    return order, params


def _regression_filter(
    y: FloatArray, x: FloatArray, order: tuple[int, int, int], params: FloatArray
) -> Any:
    """The state-space regression run over ``y`` with fixed AR coefficient and variance."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    model = SARIMAX(y, exog=x, order=order, trend="n", mle_regression=False)
    return model.filter(params, cov_type="none")


def _regression_backtest(d: Design, log: FitLog) -> Predictions:
    x = _regressors(d, d.first_origin)
    with _listening(log, "regression"):
        order, params = _regression_fit(d.y[: d.first_origin], x[: d.first_origin], log)
        filtered = _regression_filter(d.y, x[: d.n], order, params)
        means, sds = [], []
        for o in d.origins:
            p = filtered.get_prediction(start=int(o), end=int(o) + d.horizon - 1, dynamic=True)
            means.append(np.asarray(p.predicted_mean, dtype=np.float64))
            sds.append(np.sqrt(np.asarray(p.var_pred_mean, dtype=np.float64)))
    return Predictions(np.array(means), np.array(sds))


def _regression_forecast(d: Design, log: FitLog) -> Predictions:
    x = _regressors(d, d.first_origin)
    with _listening(log, "regression"):
        order, params = _regression_fit(d.y, x[: d.n], log)
        p = _regression_filter(d.y, x[: d.n], order, params).get_forecast(d.horizon, exog=x[d.n :])
        mean = np.asarray(p.predicted_mean, dtype=np.float64)
        sd = np.sqrt(np.asarray(p.var_pred_mean, dtype=np.float64))
    return Predictions(mean, sd)


# --- ensemble ------------------------------------------------------------------------------


def combine(parts: list[Predictions]) -> Predictions:
    """The equal-weight ensemble: mean of means, mean of standard deviations.

    Averaging the standard deviations averages the interval bounds (all use the same ``z``);
    it assumes no diversification between the members, which keeps the intervals honest.
    """
    return Predictions(
        np.mean([p.mean for p in parts], axis=0), np.mean([p.sd for p in parts], axis=0)
    )


SEASONAL_NAIVE = _baseline(_seasonal_naive_at)
NAIVE = _baseline(_naive_at)
ETS = ModelSpec("ets", _ets_backtest, _ets_forecast)
REGRESSION = ModelSpec("regression", _regression_backtest, _regression_forecast)

MODELS: dict[str, ModelSpec] = {m.name: m for m in (SEASONAL_NAIVE, NAIVE, ETS, REGRESSION)}
"""The fitted candidates by name; ``ensemble`` is built from ``ets`` and ``regression``."""
