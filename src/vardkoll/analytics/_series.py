"""The standard monthly series: 36 month ends per cut, for every cut of :data:`CUTS`.

Three tables per cut: ``waiting`` (month-end states in both views, exact percentiles),
``completed`` (per month, treated and removed apart) and ``flows`` (queue at both ends of
each month, inflow and outflow). Two methods give the same numbers:

* ``sweep`` (default): the backend prepares one row per pathway — per unit span of a
  pathway when the cut follows units and the source records transfers — (a group id and a
  few 32-bit integer columns), and NumPy derives every month from events — month-end counts
  by interval events and exact percentiles from one sort of composite keys (:mod:`._sweep`),
  flows by cumulative sums of start, removal and transfer events per group, completed by one
  sort (:mod:`._monthly`) — on chunks of groups in two threads (:mod:`._sweep_chunks`).
* ``portable``: Ibis expressions only, so everything stays inside the backend — flows by a
  running-sum window over events, completed by one grouped aggregate, month-end states by
  one query per month end, unioned. What a Spark cluster should use for national data that
  should not leave it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from vardkoll.analytics._definitions import CUTS
from vardkoll.analytics._flows import month_index, monthly_flows_expr
from vardkoll.analytics._frames import finish, month_bounds
from vardkoll.analytics._indicators import execute
from vardkoll.analytics._prepare import (
    IndicatorTables,
    pause_pieces,
    prepared_pathways,
)
from vardkoll.analytics._series_sweep import sweep_series
from vardkoll.analytics._waiting import check_cut, completed_expr, waiting_expr
from vardkoll.domain import InputError

__all__ = ["Method", "StandardSeries", "series_for_cut", "series_month_ends", "standard_series"]

Method = Literal["sweep", "portable"]
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class StandardSeries:
    """One cut's monthly series: month-end waiting states, completed and flows per month."""

    by: tuple[str, ...]
    month_ends: tuple[dt.date, ...]
    method: str
    waiting: pd.DataFrame
    completed: pd.DataFrame
    flows: pd.DataFrame


def series_month_ends(as_of: dt.date, months: int) -> list[dt.date]:
    """The last ``months`` month ends on or before ``as_of``, oldest first.

    >>> [d.isoformat() for d in series_month_ends(dt.date(2025, 3, 15), 2)]
    ['2025-01-31', '2025-02-28']
    """
    if months < 1:
        raise InputError(f"months must be at least 1; got {months}.", field="months")
    last = month_index(as_of) - (0 if as_of == month_bounds(month_index(as_of))[1] else 1)
    return [month_bounds(i)[1] for i in range(last - months + 1, last + 1)]


def _portable_waiting(
    tables: IndicatorTables, ends: Sequence[dt.date], by: Sequence[str], rule_set: str
) -> pd.DataFrame:
    prep = prepared_pathways(tables, rule_set)
    pieces = pause_pieces(tables)
    parts = [
        waiting_expr(tables, day, by, rule_set=rule_set, prepared=prep, pieces=pieces)
        for day in ends
    ]
    union = parts[0]
    for part in parts[1:]:
        union = union.union(part)
    return execute(union)


def series_for_cut(
    tables: IndicatorTables,
    as_of: dt.date,
    by: Sequence[str],
    *,
    months: int = 36,
    rule_set: str = "se-national",
    method: Method = "sweep",
) -> StandardSeries:
    """The monthly series of one cut for the ``months`` month ends up to ``as_of``."""
    keys = check_cut(by)
    ends = series_month_ends(as_of, months)
    if method == "sweep":
        waiting, completed, flows = sweep_series(tables, ends, keys, rule_set)
    elif method == "portable":
        waiting = _portable_waiting(tables, ends, keys, rule_set)
        prep = prepared_pathways(tables, rule_set)
        first_day = month_bounds(month_index(ends[0]))[0]
        completed = execute(
            completed_expr(
                tables, first_day, ends[-1], keys, monthly=True, rule_set=rule_set, prepared=prep
            )
        )
        flows = execute(monthly_flows_expr(tables, first_day, months, keys, prepared=prep))
    else:
        raise InputError(f"method must be 'sweep' or 'portable'; got {method!r}.", field="method")
    swept = method == "sweep"  # sweep frames come sorted and typed
    return StandardSeries(
        by=tuple(keys),
        month_ends=tuple(ends),
        method=method,
        waiting=finish(waiting, "waiting", keys, presorted=swept, typed=swept),
        completed=finish(completed, "completed", keys, presorted=swept, typed=swept),
        flows=finish(flows, "flows", keys, presorted=swept, typed=swept),
    )


def standard_series(
    tables: IndicatorTables,
    as_of: dt.date,
    *,
    months: int = 36,
    cuts: Mapping[str, Sequence[str]] = CUTS,
    rule_set: str = "se-national",
    method: Method = "sweep",
) -> dict[str, StandardSeries]:
    """Every standard cut's series (:data:`CUTS`), keyed by the cut's name."""
    return {
        name: series_for_cut(tables, as_of, by, months=months, rule_set=rule_set, method=method)
        for name, by in cuts.items()
    }
