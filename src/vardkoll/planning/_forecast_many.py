"""Forecasts for every queue of a region at once, and for its totals.

A region has a few hundred unit × specialty × entry type series. :func:`forecast_many` takes
them as one long table (a row per series and week), fills weeks without referrals with 0,
adds the totals asked for (the region by default) and runs :func:`forecast_series` on each,
optionally in worker processes. Series that cannot be forecast (too short, for instance) are
kept aside with the reason instead of stopping the others.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError
from vardkoll.planning._forecast import (
    FORECAST_METHODS,
    Forecast,
    ForecastMethod,
    forecast_series,
)
from vardkoll.planning._forecast_input import check_horizon

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ALL", "ForecastSet", "forecast_many"]

ALL = "*"
"""The key value of a column summed over in a total (the region total is ``('*', '*', '*')``)."""

Key = tuple[str, ...]
_Item = tuple[Key, npt.NDArray[np.float64], dt.date]


@dataclass(frozen=True)
class ForecastSet:
    """The forecasts of many series, by key (one value per column of ``by``)."""

    by: tuple[str, ...]
    forecasts: Mapping[Key, Forecast]
    skipped: Mapping[Key, str]

    def to_frame(self) -> pd.DataFrame:
        """Every forecast week of every series, the key columns first."""
        import pandas as pd

        frames = []
        for key, forecast in self.forecasts.items():
            frame = forecast.to_frame().drop(columns="series")
            for column, value in zip(self.by, key, strict=True):
                frame[column] = value
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=[*self.by, "week_start", "forecast"])
        table = pd.concat(frames, ignore_index=True)
        return table[[*self.by, *(c for c in table.columns if c not in self.by)]]

    def summary(self) -> pd.DataFrame:
        """One row per series: model, accuracy beside the baseline's, trust, and why."""
        import pandas as pd

        rows = []
        for key, f in self.forecasts.items():
            rows.append(
                {
                    **dict(zip(self.by, key, strict=True)),
                    "history_weeks": f.history_weeks,
                    "model": f.model,
                    "mase": f.accuracy.mase,
                    "baseline_mase": f.baseline.mase,
                    "coverage_80": f.accuracy.coverage_80,
                    "coverage_95": f.accuracy.coverage_95,
                    "wape": f.accuracy.wape,
                    "trust": f.trust,
                    "why": "; ".join(f.trust_reasons),
                    "notes": "; ".join(f.notes),
                }
            )
        for key, reason in self.skipped.items():
            rows.append({**dict(zip(self.by, key, strict=True)), "trust": None, "notes": reason})
        return pd.DataFrame(rows)


def _check_frame(frame: Any, by: Sequence[str], week: str, value: str) -> pd.DataFrame:
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"`frame` must be a pandas DataFrame; got {type(frame).__name__}.")
    missing = [c for c in (*by, week, value) if c not in frame.columns]
    if missing:
        raise InputError(
            f"`frame` lacks the column(s) {', '.join(missing)}; it has "
            f"{', '.join(map(str, frame.columns))}. Name them with `by=`, `week=` and `value=`."
        )
    try:
        weeks = pd.to_datetime(frame[week]).dt.normalize()
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"column {week!r} must hold dates (the Monday of each week): {exc}"
        ) from exc
    not_monday = weeks.dt.day_of_week != 0
    if not_monday.any():
        bad = weeks[not_monday].iloc[0].date().isoformat()
        raise InputError(
            f"column {week!r} holds {int(not_monday.sum())} date(s) that are not Mondays, "
            f"e.g. {bad}; label each week by its Monday (the ISO week start)."
        )
    values = pd.to_numeric(frame[value], errors="coerce").astype("float64")
    bad_values = ~np.isfinite(values.to_numpy()) | (values.to_numpy() < 0)
    if bad_values.any():
        i = int(np.flatnonzero(bad_values)[0])
        raise InputError(
            f"column {value!r} holds {int(bad_values.sum())} value(s) that are missing, "
            f"not numbers or negative, e.g. {frame[value].iloc[i]!r} in row {i}; counts must be "
            "0 or more (write 0 for a week without referrals)."
        )
    clean = frame[list(by)].astype(str)
    clean["__week"] = weeks
    clean["__value"] = values
    return clean


def _series_items(
    clean: pd.DataFrame, by: Sequence[str], totals: Sequence[Sequence[str]]
) -> list[_Item]:
    """One (key, counts, first Monday) per series and total; missing weeks become 0."""
    import pandas as pd

    last = clean["__week"].max()
    items: list[_Item] = []
    levels: list[tuple[str, ...]] = [tuple(by)]
    for total in totals:
        unknown = [c for c in total if c not in by]
        if unknown:
            raise InputError(
                f"`totals` entry {tuple(total)!r} names {', '.join(unknown)}, which is not in "
                f"`by` ({', '.join(by)})."
            )
        levels.append(tuple(c for c in by if c in total))
    for level in levels:
        per_series: list[tuple[Any, pd.Series[float]]]
        if level:
            groups = clean.groupby([*level, "__week"], sort=True)["__value"].sum()
            per_series = list(groups.groupby(level=list(range(len(level))), sort=True))
        else:
            per_series = [((), clean.groupby("__week", sort=True)["__value"].sum())]
        for group_key, counts in per_series:
            parts = group_key if isinstance(group_key, tuple) else (group_key,)
            named = dict(zip(level, parts, strict=True))
            key = tuple(str(named.get(c, ALL)) for c in by)
            weekly = counts.droplevel(list(range(len(level)))) if level else counts
            span = pd.date_range(weekly.index.min(), last, freq="7D")
            filled = weekly.reindex(span, fill_value=0.0)
            items.append((key, np.asarray(filled, dtype=np.float64), span[0].date()))
    return items


def _forecast_chunk(
    items: list[_Item], horizon: int, method: ForecastMethod, backtest_step: int
) -> list[tuple[Key, Forecast | str]]:
    out: list[tuple[Key, Forecast | str]] = []
    for key, counts, first in items:
        try:
            result: Forecast | str = forecast_series(
                counts,
                weeks=first,
                horizon=horizon,
                method=method,
                name=" × ".join(key),
                backtest_step=backtest_step,
            )
        except InputError as exc:
            result = str(exc)
        out.append((key, result))
    return out


_PRELOAD = [
    "vardkoll.planning._forecast_many",
    "statsmodels.tsa.arima.model",
    "statsmodels.tsa.statespace.sarimax",
    "statsmodels.tsa.exponential_smoothing.ets",
]


def _context() -> multiprocessing.context.BaseContext:
    """Worker processes that start fast and safely.

    Forking the caller is unsafe when it holds threads (a web server, BLAS), and spawning
    re-imports statsmodels in every worker (seconds each). A fork server that has imported
    the models once forks clean, ready workers; where there is none (Windows), spawn.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def forecast_many(
    frame: pd.DataFrame,
    *,
    by: Sequence[str] = ("unit_id", "specialty", "entry_type"),
    week: str = "week_start",
    value: str = "inflow",
    totals: Sequence[Sequence[str]] = ((),),
    horizon: int = 12,
    method: ForecastMethod = "auto",
    backtest_step: int = 4,
    workers: int = 1,
) -> ForecastSet:
    """Forecast every series of a long table: a row per ``by`` key and ``week`` (a Monday).

    Rows with the same key and week are summed; weeks missing between a series' first week
    and the table's last week count as 0. ``totals`` lists the subsets of ``by`` to add up
    (``()`` is the region total; ``("specialty",)`` gives one total per specialty); their
    keys carry ``'*'`` in the summed columns. ``workers > 1`` spreads the series over that
    many processes. Series that cannot be forecast land in ``skipped`` with the reason.
    """
    horizon = check_horizon(horizon)
    if method not in FORECAST_METHODS:
        raise InputError(f"`method` must be one of {', '.join(FORECAST_METHODS)}; got {method!r}.")
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InputError(f"`workers` must be a positive number of processes; got {workers!r}.")
    by = tuple(by)
    if not by:
        raise InputError("`by` must name at least one column that identifies a series.")
    clean = _check_frame(frame, by, week, value)
    items = _series_items(clean, by, totals) if len(clean) else []
    if workers == 1 or len(items) < 2:
        results = _forecast_chunk(items, horizon, method, backtest_step)
    else:
        # Interleaved chunks balance long and short series.
        chunks = [items[i :: workers * 4] for i in range(workers * 4)]
        with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
            parts = pool.map(
                _forecast_chunk,
                chunks,
                [horizon] * len(chunks),
                [method] * len(chunks),
                [backtest_step] * len(chunks),
            )
            by_key = dict(pair for part in parts for pair in part)
        results = [(key, by_key[key]) for key, _, _ in items]
    forecasts = {key: r for key, r in results if isinstance(r, Forecast)}
    skipped = {key: r for key, r in results if isinstance(r, str)}
    return ForecastSet(
        by=by, forecasts=MappingProxyType(forecasts), skipped=MappingProxyType(skipped)
    )
