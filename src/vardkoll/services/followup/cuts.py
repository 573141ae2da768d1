"""Any cut at any date for a user: the engine's result tables in reach, small counts masked.

What the indicator API (``/api/v1/indicators``) serves: ``waiting`` on a date, ``completed`` and
``flows`` over a period, for any cut of the dimensions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from vardkoll.analytics import (
    IndicatorTables,
    completed_in,
    flows_between,
    mask_long_table,
    waiting_at,
)
from vardkoll.domain import InputError
from vardkoll.services.access.scope import Scope
from vardkoll.services.followup.disclosure import disclosure_threshold
from vardkoll.services.followup.indicators import (
    Place,
    computed,
    narrowed,
    scope_key,
)
from vardkoll.settings import Settings

TABLES: tuple[str, ...] = ("waiting", "completed", "flows")


def indicator_table(
    settings: Settings,
    scope: Scope,
    place: Place,
    table: str,
    by: Sequence[str],
    *,
    start: dt.date,
    end: dt.date,
) -> pd.DataFrame:
    """The engine's ``waiting`` table on ``end``, or ``completed``/``flows`` in ``start … end``,
    for the user's reach at ``place``; small counts masked when the figures leave the region
    (column ``masked``)."""
    if table not in TABLES:
        raise InputError(f"table must be one of {', '.join(TABLES)}; got {table!r}.", field="table")
    if end < start:
        raise InputError(
            f"The period ends {end.isoformat()} before it starts {start.isoformat()}.",
            field="end",
        )
    key = ("table", scope_key(scope), place, table, tuple(by), start, end)

    def compute(t: IndicatorTables) -> pd.DataFrame:
        mine = narrowed(t, scope, place, None)
        if table == "waiting":
            return waiting_at(mine, end, by)
        if table == "completed":
            return completed_in(mine, start, end, by)
        return flows_between(mine, start, end, by)

    frame = computed(settings, key, compute).copy()
    threshold = disclosure_threshold(settings, scope)
    return mask_small_counts(frame, table, threshold, by)


def mask_small_counts(
    frame: pd.DataFrame, table: str, threshold: int, by: Sequence[str] = ()
) -> pd.DataFrame:
    """Counts ``0 < n < threshold`` withheld, with the figures that would reveal them.

    Why the bundle's rule (:func:`vardkoll.analytics.mask_long_table`): the API and
    the bundle publish the same long tables, so they hide the same cells; a flow hidden alone
    would come back as ``queue_end − queue_start`` minus the other flows.

    >>> f = pd.DataFrame({"inflow": [3, 40], "outflow": [0, 2], "queue_end": [50, 60]})
    >>> shown = mask_small_counts(f, "flows", 5)
    >>> shown[["inflow", "outflow", "queue_end", "masked"]].values.tolist()
    [[None, None, 50, True], [None, None, 60, True]]
    """
    out = frame.astype(object).where(frame.notna(), None)
    if threshold <= 1 or frame.empty:
        out["masked"] = False
        return out
    shown = mask_long_table(frame, table, by, threshold, markers=False)
    hidden = shown.isna() & frame.notna()
    out = out.mask(hidden, None)
    out["masked"] = hidden.any(axis=1).to_numpy(dtype=bool)
    return out
