"""Any cut at any date for a user: the engine's result tables in reach, small counts masked.

What the indicator API (``/api/v1/indicators``) serves: ``waiting`` on a date, ``completed`` and
``flows`` over a period, for any cut of the dimensions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from vardkoll.analytics import (
    TABLE_COLUMNS,
    IndicatorTables,
    completed_in,
    flows_between,
    waiting_at,
)
from vardkoll.domain import InputError
from vardkoll.services.access.scope import Scope
from vardkoll.services.followup.indicators import (
    Place,
    computed,
    masks_small_cells,
    narrowed,
    scope_key,
)
from vardkoll.settings import Settings

TABLES: tuple[str, ...] = ("waiting", "completed", "flows")
_MASKED_WITH: dict[str, tuple[str, tuple[str, ...]]] = {
    "waiting": (
        "waiting_count",
        (
            "waiting_within_limit_share",
            "waiting_beyond_limit_count",
            "waiting_median_days",
            "waiting_p90_days",
        ),
    ),
    "completed": (
        "completed_count",
        (
            "completed_within_limit_share",
            "completed_beyond_limit_count",
            "completed_median_days",
            "completed_p90_days",
        ),
    ),
}
_FLOW_COUNTS = TABLE_COLUMNS["flows"]  # every value of the flows table is a count


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
    threshold = settings.small_cell_threshold if masks_small_cells(scope) else 0
    return mask_small_counts(frame, table, threshold)


def mask_small_counts(frame: pd.DataFrame, table: str, threshold: int) -> pd.DataFrame:
    """Counts ``0 < n < threshold`` withheld (with the figures that would reveal them).

    >>> f = pd.DataFrame({"inflow": [3, 40], "outflow": [0, 2]})
    >>> mask_small_counts(f, "flows", 5)[["inflow", "outflow", "masked"]].values.tolist()
    [[None, 0, True], [40, None, True]]
    """
    out = frame.astype(object).where(frame.notna(), None)
    masked = np.zeros(len(out), dtype=bool)
    if threshold > 1:
        if table in _MASKED_WITH:
            count, others = _MASKED_WITH[table]
            small = out[count].map(lambda v: v is not None and 0 < int(v) < threshold)
            small_mask = small.to_numpy(dtype=bool)
            for column in (count, *others):
                out.loc[small_mask, column] = None
            masked |= small_mask
        else:
            for column in (c for c in _FLOW_COUNTS if c in out.columns):
                small_mask = (
                    out[column]
                    .map(lambda v: v is not None and 0 < abs(int(v)) < threshold)
                    .to_numpy(dtype=bool)
                )
                out.loc[small_mask, column] = None
                masked |= small_mask
    out["masked"] = masked
    return out
