"""Checking a weekly series before any model sees it.

Every problem is found here, up front, with the week and value named, so that a planner who
feeds a spreadsheet export learns what to fix rather than reading a statsmodels traceback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError
from vardkoll.planning._holidays import as_mondays

__all__ = [
    "MAX_HORIZON",
    "MIN_FIT_WEEKS",
    "WeeklySeries",
    "as_weekly_series",
    "check_horizon",
    "minimum_weeks",
]

FloatArray = npt.NDArray[np.float64]

MIN_FIT_WEEKS = 26
"""Weeks a model needs before the first backtest origin (half a year)."""

MAX_HORIZON = 52
"""The longest horizon: one year ahead, as far as the calendar regressors are meant to reach."""


def check_horizon(horizon: object) -> int:
    """``horizon`` as an int in 1 … 52, or :class:`InputError`."""
    if (
        not isinstance(horizon, int | np.integer)
        or isinstance(horizon, bool)
        or not 1 <= int(horizon) <= MAX_HORIZON
    ):
        raise InputError(
            f"`horizon` must be a whole number of weeks from 1 to {MAX_HORIZON}; got {horizon!r}."
        )
    return int(horizon)


def minimum_weeks(horizon: int) -> int:
    """The shortest history accepted: 26 weeks to fit plus one horizon to check against."""
    return MIN_FIT_WEEKS + horizon


@dataclass(frozen=True)
class WeeklySeries:
    """A checked weekly series: non-negative finite counts on consecutive Mondays."""

    name: str
    weeks: tuple[dt.date, ...]
    values: FloatArray

    def __post_init__(self) -> None:
        self.values.setflags(write=False)

    def future_weeks(self, horizon: int) -> tuple[dt.date, ...]:
        """The ``horizon`` Mondays after the last observed week."""
        last = self.weeks[-1]
        return tuple(last + dt.timedelta(weeks=k) for k in range(1, horizon + 1))


def _values_and_labels(
    y: Any, weeks: Sequence[object] | object | None
) -> tuple[FloatArray, list[dt.date], str | None]:
    import pandas as pd

    name: str | None = None
    if isinstance(y, pd.Series):
        name = None if y.name is None else str(y.name)
        labels: Sequence[object] = list(y.index) if weeks is None else []
        raw = y.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        labels = []
        try:
            raw = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(f"the weekly counts must be numbers ({exc}).") from exc
    if raw.ndim != 1:
        raise InputError(f"the weekly counts must be one-dimensional; got shape {raw.shape}.")
    if weeks is not None:
        if isinstance(weeks, str | dt.date | np.datetime64):
            first = as_mondays([weeks])[0]
            mondays = [first + dt.timedelta(weeks=k) for k in range(len(raw))]
        else:
            mondays = as_mondays(weeks)  # type: ignore[arg-type]
    elif labels:
        mondays = as_mondays(labels)
    else:
        raise InputError(
            "a NumPy array of weekly counts needs `weeks=`: the Monday of each week, or the "
            "Monday of the first week."
        )
    if len(mondays) != len(raw):
        raise InputError(
            f"`weeks` has {len(mondays)} labels for {len(raw)} weekly counts; give one per week."
        )
    return raw, mondays, name


def as_weekly_series(
    y: Any,
    *,
    weeks: Sequence[object] | object | None = None,
    horizon: int,
    name: str | None = None,
) -> WeeklySeries:
    """Check ``y`` (a pandas Series indexed by Mondays, or counts with ``weeks=``).

    Raises :class:`InputError` naming the first bad week for NaN, infinite or negative counts,
    labels that are not Mondays, gaps or repeats in the weeks, and histories too short to
    fit and check a model (fewer than 26 weeks plus one horizon).
    """
    raw, mondays, series_name = _values_and_labels(y, weeks)
    label = name or series_name or "series"
    need = minimum_weeks(horizon)
    if len(raw) < need:
        raise InputError(
            f"{label}: a forecast {horizon} weeks ahead needs at least {need} weeks of history "
            f"({MIN_FIT_WEEKS} to fit and {horizon} to check it against); got {len(raw)}."
        )
    bad = ~np.isfinite(raw)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{label}: the count for the week of {mondays[i].isoformat()} is {raw[i]}; every "
            "week needs a number (a week without referrals is 0)."
        )
    negative = raw < 0
    if negative.any():
        i = int(np.flatnonzero(negative)[0])
        raise InputError(
            f"{label}: the count for the week of {mondays[i].isoformat()} is {raw[i]:g}; "
            "counts of referrals cannot be negative."
        )
    for i in range(1, len(mondays)):
        step = (mondays[i] - mondays[i - 1]).days
        if step != 7:
            what = "repeats" if step == 0 else "is out of order" if step < 0 else "leaves a gap"
            raise InputError(
                f"{label}: the week of {mondays[i].isoformat()} {what} after "
                f"{mondays[i - 1].isoformat()}; give one count per consecutive week, in order "
                "(0 for a week without referrals)."
            )
    return WeeklySeries(name=label, weeks=tuple(mondays), values=raw.copy())
