"""Weekly demand forecasts with prediction intervals and an honest, backtested accuracy.

:func:`forecast_series` checks the series, backtests every candidate model by rolling origin,
picks the one with the smallest backtest error (or the one asked for), refits it on the whole
history and returns a frozen :class:`Forecast`: point forecast, 80 % and 95 % intervals, the
chosen model, its backtest accuracy next to the baseline's, and a trust level a planner can act
on. **Time is in weeks**; counts are per ISO week, labelled by the week's Monday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError
from vardkoll.planning._forecast_backtest import (
    ForecastAccuracy,
    Trust,
    actuals,
    backtest_origins,
    is_seasonal,
    mase_scale,
    score,
    trust_level,
)
from vardkoll.planning._forecast_input import as_weekly_series, check_horizon
from vardkoll.planning._forecast_models import (
    MODELS,
    Design,
    FitLog,
    ModelSpec,
    Predictions,
    combine,
    make_design,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORECAST_METHODS", "Forecast", "ForecastMethod", "forecast_series"]

FloatArray = npt.NDArray[np.float64]
ForecastMethod = Literal["auto", "seasonal_naive", "naive", "ets", "regression", "ensemble"]
FORECAST_METHODS: tuple[str, ...] = (
    "auto",
    "seasonal_naive",
    "naive",
    "ets",
    "regression",
    "ensemble",
)
_ORDER = ("seasonal_naive", "naive", "ets", "regression", "ensemble")
"""Simplest first: on equal backtest error the simpler model wins."""
_FIT_ERRORS = (ValueError, ArithmeticError, np.linalg.LinAlgError)


@dataclass(frozen=True)
class Forecast:
    """One series' forecast, with the accuracy to judge it by.

    ``mean``, ``lower_80`` … ``upper_95`` have one value per week in ``weeks`` (Mondays),
    never negative. ``accuracy`` is the chosen model's backtest; ``baseline`` the seasonal
    naive (or, with under two years of history, naive) backtest on the same weeks;
    ``candidates`` every model tried. ``trust`` is ``high``/``medium``/``low`` and
    ``trust_reasons`` says what held it back; ``notes`` records everything else worth knowing
    (short history, clipping, convergence).
    """

    name: str
    model: str
    weeks: tuple[dt.date, ...]
    mean: FloatArray
    lower_80: FloatArray
    upper_80: FloatArray
    lower_95: FloatArray
    upper_95: FloatArray
    accuracy: ForecastAccuracy
    baseline: ForecastAccuracy
    candidates: tuple[ForecastAccuracy, ...]
    trust: Trust
    trust_reasons: tuple[str, ...]
    notes: tuple[str, ...]
    converged: bool
    history_weeks: int

    def __post_init__(self) -> None:
        for arr in (self.mean, self.lower_80, self.upper_80, self.lower_95, self.upper_95):
            arr.setflags(write=False)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled (from a worker process) arrays come back writable: freeze them again."""
        for key, value in state.items():
            object.__setattr__(self, key, value)
        for key in ("mean", "lower_80", "upper_80", "lower_95", "upper_95"):
            object.__setattr__(self, key, np.array(state[key], dtype=np.float64))
        self.__post_init__()

    def to_frame(self) -> pd.DataFrame:
        """One row per forecast week, with the accuracy repeated so each row stands alone."""
        import pandas as pd

        return pd.DataFrame(
            {
                "series": self.name,
                "week_start": list(self.weeks),
                "forecast": self.mean,
                "lower_80": self.lower_80,
                "upper_80": self.upper_80,
                "lower_95": self.lower_95,
                "upper_95": self.upper_95,
                "model": self.model,
                "mase": self.accuracy.mase,
                "coverage_80": self.accuracy.coverage_80,
                "coverage_95": self.accuracy.coverage_95,
                "trust": self.trust,
            }
        )


def _candidates(method: str, seasonal: bool) -> tuple[ModelSpec, list[ModelSpec], bool]:
    """(baseline, other models to backtest, whether to build the ensemble).

    The baseline is always backtested, so every forecast can be compared with it.
    """
    baseline = MODELS["seasonal_naive" if seasonal else "naive"]
    if method in ("auto", "ensemble"):
        return baseline, [MODELS["ets"], MODELS["regression"]], True
    if method == "seasonal_naive" and not seasonal:
        raise InputError(
            "`method='seasonal_naive'` needs two years of history (104 weeks, and room for the "
            "backtest); use `method='naive'` or 'auto' for this series."
        )
    if method == baseline.name:
        return baseline, [], False
    return baseline, [MODELS[method]], False


def forecast_series(
    y: Any,
    *,
    weeks: Sequence[object] | object | None = None,
    horizon: int = 12,
    method: ForecastMethod = "auto",
    name: str | None = None,
    backtest_step: int = 4,
) -> Forecast:
    """Forecast weekly counts ``horizon`` weeks ahead, with backtested accuracy.

    ``y`` is a pandas Series indexed by Monday dates (or ISO week labels ``'2025-W03'``), or
    an array of counts with ``weeks=`` (the Mondays, or the first Monday). ``method`` is
    ``'auto'`` (smallest backtest error among the baseline, ``ets``, ``regression`` and their
    ``ensemble``) or one of those names. Backtest origins lie every ``backtest_step`` weeks
    over the last year. Raises :class:`~vardkoll.domain.InputError` for short, NaN or
    negative input.

    >>> import numpy as np
    >>> rng = np.random.default_rng(7)
    >>> counts = rng.poisson(40, size=156)
    >>> f = forecast_series(counts, weeks="2023-01-02", horizon=4)
    >>> len(f.mean), f.weeks[0].isoformat(), bool((f.lower_95 <= f.mean).all())
    (4, '2025-12-29', True)
    >>> f.accuracy.mase < 1.0
    True
    """
    horizon = check_horizon(horizon)
    if method not in FORECAST_METHODS:
        raise InputError(f"`method` must be one of {', '.join(FORECAST_METHODS)}; got {method!r}.")
    if not isinstance(backtest_step, int) or isinstance(backtest_step, bool) or backtest_step < 1:
        raise InputError(
            f"`backtest_step` must be a positive number of weeks; got {backtest_step!r}."
        )
    series = as_weekly_series(y, weeks=weeks, horizon=horizon, name=name)
    n = len(series.values)
    seasonal = is_seasonal(n, horizon)
    design = make_design(
        series.values,
        series.weeks,
        series.future_weeks(horizon),
        backtest_origins(n, horizon, backtest_step),
        horizon,
        seasonal,
    )
    notes: list[str] = []
    if not seasonal:
        notes.append(
            f"less than two years of history ({n} weeks): the baseline is the naive forecast "
            "(last week carried forward) and MASE is scaled by naive lag-1 errors"
        )
    baseline, fitted, with_ensemble = _candidates(method, seasonal)
    observed = actuals(design.y, design.origins, horizon)
    scale = mase_scale(design.y, seasonal)

    runs: dict[str, tuple[Predictions, FitLog]] = {}
    for spec in [baseline, *fitted]:
        log = FitLog()
        try:
            pred = spec.backtest(design, log)
        except _FIT_ERRORS as exc:
            notes.append(f"{spec.name}: could not be fitted ({str(exc)[:100]})")
            continue
        if not (np.isfinite(pred.mean).all() and np.isfinite(pred.sd).all()):
            notes.append(f"{spec.name}: gave non-finite forecasts and was left out")
            continue
        runs[spec.name] = (pred, log)
    if with_ensemble and "ets" in runs and "regression" in runs:
        runs["ensemble"] = (combine([runs["ets"][0], runs["regression"][0]]), FitLog())

    accuracy = {
        model: score(model, pred.shown(), observed, scale, seasonal)
        for model, (pred, _) in runs.items()
    }
    ranked = sorted(accuracy.values(), key=lambda a: (a.mae, _ORDER.index(a.model)))
    wanted = method if method != "auto" else ranked[0].model
    chosen = wanted if wanted in runs else baseline.name
    if chosen != wanted:
        notes.append(f"{wanted} was asked for but could not be used; showing {chosen}")

    final, final_logs = _refit(chosen, design, notes)
    if final is None:
        chosen = baseline.name
        final, final_logs = _refit(chosen, design, notes)
        assert final is not None  # the baselines are closed-form and cannot fail
    logs = [*final_logs, *(runs[m][1] for m in _members(chosen))]
    for log in logs:
        notes.extend(n for n in log.notes if n not in notes)
    converged = all(log.converged for log in logs)

    shown = final.shown()
    if shown.clipped_mean:
        notes.append(
            f"the point forecast was below zero in {shown.clipped_mean} week(s) and is shown as 0"
        )
    trust, reasons = trust_level(accuracy[chosen], seasonal=seasonal, converged=converged)
    return Forecast(
        name=series.name,
        model=chosen,
        weeks=series.future_weeks(horizon),
        mean=shown.mean,
        lower_80=shown.lower_80,
        upper_80=shown.upper_80,
        lower_95=shown.lower_95,
        upper_95=shown.upper_95,
        accuracy=accuracy[chosen],
        baseline=accuracy[baseline.name],
        candidates=tuple(accuracy[m] for m in _ORDER if m in accuracy),
        trust=trust,
        trust_reasons=reasons,
        notes=tuple(notes),
        converged=converged,
        history_weeks=n,
    )


def _members(model: str) -> tuple[str, ...]:
    return ("ets", "regression") if model == "ensemble" else (model,)


def _refit(model: str, design: Design, notes: list[str]) -> tuple[Predictions | None, list[FitLog]]:
    """The chosen model refitted on the whole history; ``None`` (with a note) if that fails."""
    parts: list[Predictions] = []
    logs: list[FitLog] = []
    for member in _members(model):
        log = FitLog()
        try:
            pred = MODELS[member].forecast(design, log)
        except _FIT_ERRORS as exc:
            notes.append(f"{member}: the refit on the whole history failed ({str(exc)[:100]})")
            return None, logs
        if not (np.isfinite(pred.mean).all() and np.isfinite(pred.sd).all()):
            notes.append(f"{member}: the refit gave non-finite forecasts")
            return None, logs
        parts.append(pred)
        logs.append(log)
    return (parts[0] if len(parts) == 1 else combine(parts)), logs
