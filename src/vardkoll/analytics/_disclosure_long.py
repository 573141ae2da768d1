"""Disclosure control of long tables (one row per cut, month and view): the indicator
bundle (``vardkoll indicators --out``) and the indicator API publish the same tables, so both
hide the same cells through :func:`mask_long_table`.

Why a rule of its own: long tables are not cross tables, so the cycle-based secondary
masking of :mod:`._disclosure` does not apply row by row. The rule:

1. **Primary:** every count ``0 < n < threshold`` is masked, and so is every rate per week
   whose count (rate × weeks) is.
2. **Siblings:** rows that differ only in the cut's last dimension (the specialties of a unit,
   the sexes of a region...) add up to the parent's figure, which another cut publishes. When
   exactly one sibling of a count column is masked, the smallest other non-zero sibling is
   masked too, so the parent minus the rest does not give it back.
3. **Stock and flow:** in a flows row, masking one flow masks all of them (inflow, treated,
   removed for other reasons, outflow, net change), since ``queue_end − queue_start = inflow −
   outflow`` would give a single one back.
4. **Derived:** shares, medians, percentiles, loads and estimates of a row are masked when a
   count they rest on is.

What it does not promise: the cross-table guarantee of the monthly report; use the report
(``vardkoll report monthly``) for figures going to the national authority.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from vardkoll.analytics._capacity import RECENT_WEEKS
from vardkoll.analytics._disclosure import SECONDARY_MARKER, primary_marker
from vardkoll.analytics._frames import COLUMNS as TABLE_COLUMNS

__all__ = ["LONG_TABLE_KINDS", "mask_long_table"]

_COUNTS = {
    "waiting": ("waiting_count", "waiting_beyond_limit_count"),
    "completed": ("completed_count", "completed_beyond_limit_count"),
    "flows": tuple(c for c in TABLE_COLUMNS["flows"] if c != "net_change"),
    "capacity": ("queue_count",),
    "primary_care": ("primary_assessment_count", "primary_contact_count"),
}
_DERIVED: dict[str, dict[str, tuple[str, ...]]] = {
    "waiting": {
        "waiting_within_limit_share": ("waiting_count", "waiting_beyond_limit_count"),
        "waiting_median_days": ("waiting_count",),
        "waiting_p90_days": ("waiting_count",),
    },
    "completed": {
        "completed_within_limit_share": ("completed_count", "completed_beyond_limit_count"),
        "completed_median_days": ("completed_count",),
        "completed_p90_days": ("completed_count",),
    },
    "flows": {"net_change": ("inflow", "outflow", "transferred_in", "transferred_out")},
    "capacity": {
        "demand_per_week": ("demand_per_week",),
        "capacity_per_week": ("capacity_per_week",),
        "load": ("demand_per_week", "capacity_per_week"),
        "mean_wait_days": ("queue_count",),
        "pressure": ("queue_count",),
        "estimated_wait_days": ("queue_count", "capacity_per_week"),
        "spare_capacity": ("queue_count", "capacity_per_week"),
    },
    "primary_care": {
        "primary_assessment_within_limit_share": ("primary_assessment_count",),
        "primary_contact_same_day_share": ("primary_contact_count",),
    },
}
LONG_TABLE_KINDS: tuple[str, ...] = tuple(_COUNTS)
"""The kinds of long table the rule knows."""
_FLOWS = tuple(c for c in TABLE_COLUMNS["flows"] if not c.startswith("queue_"))
"""The movements of a month: a masked one masks them all (they sum to the queue's change)."""
_CONTEXT = ("on", "period_start", "period_end", "view", "wait_group", "outcome")


def _small(values: pd.Series, threshold: int) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return ((numbers > 0) & (numbers < threshold)).fillna(False).astype(bool)


def _siblings(
    frame: pd.DataFrame, masked: pd.DataFrame, columns: Sequence[str], by: Sequence[str]
) -> None:
    """Mask a second sibling wherever a group has exactly one masked cell of a column."""
    if len(by) < 2:
        return
    keys = [c for c in (*_CONTEXT, *by[:-1]) if c in frame.columns]
    indices: Any = frame.groupby(keys, observed=True, dropna=False, sort=False).indices
    groups: dict[Any, npt.NDArray[np.intp]] = {k: np.asarray(v) for k, v in indices.items()}
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy()
        flags = masked[column].to_numpy(copy=True)
        for rows in groups.values():
            hidden = rows[flags[rows]]
            if len(hidden) != 1:
                continue
            open_rows = [r for r in rows if not flags[r] and values[r] > 0]
            if open_rows:
                flags[min(open_rows, key=lambda r: (values[r], r))] = True
        masked[column] = flags


def _masks(
    kind: str, frame: pd.DataFrame, by: Sequence[str], threshold: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(full, primary) boolean masks of one table (same shape as ``frame``)."""
    masked = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    primary = masked.copy()
    if kind not in _COUNTS or frame.empty:
        return masked, primary
    for column in _COUNTS[kind]:
        if column in frame.columns:
            primary[column] = _small(frame[column], threshold)
    if kind == "capacity":
        for column in ("demand_per_week", "capacity_per_week"):
            if column in frame.columns:
                count = pd.to_numeric(frame[column], errors="coerce") * RECENT_WEEKS
                primary[column] = _small(count.round(), threshold)
    masked |= primary
    counts = [c for c in _COUNTS[kind] if c in frame.columns]
    _siblings(frame, masked, counts, by)
    if kind == "flows":
        any_flow = masked[[c for c in _FLOWS if c in frame.columns]].any(axis=1)
        for column in _FLOWS:
            if column in frame.columns:
                masked[column] |= any_flow
    for column, sources in _DERIVED[kind].items():
        if column in frame.columns:
            present = [s for s in sources if s in frame.columns]
            masked[column] |= masked[present].any(axis=1)
    return masked, primary


def mask_long_table(
    frame: pd.DataFrame,
    kind: str,
    by: Sequence[str],
    threshold: int,
    *,
    markers: bool = True,
) -> pd.DataFrame:
    """``frame`` (an indicator table of ``kind``: waiting, completed, flows, capacity or
    primary_care, cut ``by``) with small cells masked.

    With ``markers`` masked cells read ``<5`` (primary) or ``..`` (secondary, derived) — for
    JSON, Excel and the terminal; without, they are empty (null) so typed Parquet columns
    stay typed.
    """
    masked, primary = _masks(kind, frame, by, threshold)
    out = frame.copy()
    for column in frame.columns:
        hidden = masked[column].to_numpy()
        if not hidden.any():
            continue
        if markers:
            marks = np.where(
                primary[column].to_numpy(), primary_marker(threshold), SECONDARY_MARKER
            )
            column_values = np.array(out[column].astype(object).to_numpy(), dtype=object)
            column_values[hidden] = marks[hidden]
            out[column] = column_values
        else:
            out[column] = out[column].mask(hidden)
    return out
