"""Result tables in one canonical shape, whatever backend or method produced them.

Why: the API, the exports and the cross-backend tests compare tables cell by cell, so column
order, row order and types must not depend on where the numbers were computed.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["COLUMNS", "finish", "month_bounds"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "waiting": (
        "view",
        "wait_group",
        "waiting_count",
        "waiting_within_limit_share",
        "waiting_beyond_limit_count",
        "waiting_guarantee_void_count",
        "waiting_median_days",
        "waiting_p90_days",
    ),
    "completed": (
        "outcome",
        "view",
        "wait_group",
        "completed_count",
        "completed_within_limit_share",
        "completed_beyond_limit_count",
        "completed_guarantee_void_count",
        "completed_median_days",
        "completed_p90_days",
    ),
    "flows": (
        "queue_start",
        "inflow",
        "outflow_treated",
        "outflow_removed_other",
        "outflow",
        "transferred_in",
        "transferred_out",
        "net_change",
        "queue_end",
    ),
    "primary_care": (
        "view",
        "primary_assessment_count",
        "primary_assessment_within_limit_share",
        "primary_contact_count",
        "primary_contact_same_day_share",
    ),
    "capacity": (
        "view",
        "queue_count",
        "demand_per_week",
        "capacity_per_week",
        "load",
        "mean_wait_days",
        "limit_days",
        "pressure",
        "estimated_wait_days",
        "spare_capacity",
        "method",
    ),
}
"""The value columns of each result table, after its date and cut columns."""

_INTEGER = {
    "priority",
    "waiting_count",
    "waiting_beyond_limit_count",
    "completed_count",
    "completed_beyond_limit_count",
    "waiting_guarantee_void_count",
    "completed_guarantee_void_count",
    "primary_assessment_count",
    "primary_contact_count",
    "queue_count",
    "limit_days",
    *COLUMNS["flows"],
}
_TEXT = {"view", "wait_group", "outcome", "method"}
_DATES = ("on", "period_start", "period_end")


def month_bounds(month_index: int) -> tuple[dt.date, dt.date]:
    """First and last day of the month ``year × 12 + month − 1``.

    >>> month_bounds(24300)
    (datetime.date(2025, 1, 1), datetime.date(2025, 1, 31))
    """
    year, month0 = divmod(month_index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, 1), dt.date(year, month0 + 1, last)


def _as_dates(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return pd.Series(column.dt.date, index=column.index, dtype=object).where(
            column.notna(), None
        )
    return column.astype(object).where(column.notna(), None)


def _sortable(column: pd.Series) -> pa.Array:
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype("str")
    return pa.array(column, from_pandas=True)


def finish(
    frame: pd.DataFrame,
    table: str,
    by: Sequence[str],
    *,
    presorted: bool = False,
    typed: bool = False,
) -> pd.DataFrame:
    """Columns in canonical order and types, rows sorted by date, cut and view.

    Text is ``category`` (few distinct values, many rows), counts ``Int64``, values ``float64``,
    dates ``datetime.date`` objects. Rows are sorted with Arrow (nulls first), which is much
    faster than pandas on text keys. ``presorted`` skips the sort for a caller that already
    ordered the rows the same way; ``typed`` also skips the conversions for one that built
    every column in its canonical type already (the ``sweep`` method, whose output the
    cross-method tests compare with these conversions' cell by cell, types included).
    """
    if typed and presorted:
        dates = [c for c in _DATES if c in frame.columns]
        return frame.reindex(columns=[*dates, *by, *COLUMNS[table]])
    frame = frame.copy()
    if "month_index" in frame.columns:
        codes, uniques = pd.factorize(frame["month_index"].astype("int64"))
        bounds = [month_bounds(int(i)) for i in uniques]
        frame["period_start"] = np.array([b[0] for b in bounds], dtype=object)[codes]
        frame["period_end"] = np.array([b[1] for b in bounds], dtype=object)[codes]
    dates = [c for c in _DATES if c in frame.columns]
    keys = [*dates, *by]
    frame = frame.reindex(columns=[*keys, *COLUMNS[table]])
    for name in frame.columns:
        column = frame[name]
        if name in dates:
            frame[name] = _as_dates(column)
        elif name in _INTEGER:
            frame[name] = pd.to_numeric(column).astype("Int64")
        elif name == "spare_capacity":
            frame[name] = column.astype("boolean")
        elif name in _TEXT or name in by:
            if not isinstance(column.dtype, pd.CategoricalDtype):
                column = column.astype("str").astype("category")
            # Categories in sorted order, so equal tables are equal whatever built them.
            frame[name] = column.cat.set_categories(sorted(column.cat.categories))
        else:
            frame[name] = pd.to_numeric(column).astype("float64")
    sort_keys = [*keys, *(c for c in ("outcome", "view", "wait_group") if c in frame.columns)]
    if len(frame) > 1 and sort_keys and not presorted:
        arrow = pa.table({k: _sortable(frame[k]) for k in sort_keys})
        order = pc.sort_indices(arrow, sort_keys=[(k, "ascending", "at_start") for k in sort_keys])
        frame = frame.take(np.asarray(order))
    return frame.reset_index(drop=True)
