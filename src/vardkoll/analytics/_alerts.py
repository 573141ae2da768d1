"""Alerts for the region overview: where the guarantee is slipping and where the queue outgrows
production — pure functions over the monthly series, so any cut and any backend can feed them.

Two questions a coordinator asks every morning (issue #6, *Views*):

* **Is the share within the guarantee falling?** Only if the share at the month end lies below
  the share ``window`` months earlier; then yes when, in the last ``window`` months, the
  XmR chart of the share (better = up, :func:`xmr`) shows a special cause of *concern*, or the
  share at the month end lies at least ``min_drop`` (a share, 0.05 = five percentage
  points) below the share ``window`` months earlier. The SPC rule catches a shift against the
  unit's own noise; the plain drop catches a slide that is steady but too short for the rules.
* **Does the queue grow faster than production?** Yes when, over the last ``window`` months,
  inflow exceeded outflow in most months (all but at most one) and the net growth
  ``Σ inflow − Σ outflow`` (equal to ``queue_end − queue_start`` by the stock-flow identity;
  per unit, transfers in count with the inflow and transfers out with the outflow)
  is at least ``min_net`` pathways and at least ``min_growth`` of the queue at the window's
  start. Outflow counts every removal, so a list kept short by removals rather than treatment
  still shows; the alert reports treated and removed apart.

Small groups move by chance: a group needs ``min_waiting`` pathways waiting at the latest
month end before its share is judged. Thresholds are arguments, with the defaults documented
in docs/explanation/follow-up.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from vardkoll.analytics._spc import Direction, xmr
from vardkoll.domain import InputError

__all__ = [
    "BETTER_DIRECTION",
    "Alert",
    "alerts_from_series",
    "queue_growing",
    "share_falling",
]

AlertKind = Literal["share_falling", "queue_growing"]

BETTER_DIRECTION: Mapping[str, Direction | None] = MappingProxyType(
    {
        "waiting_count": "down",
        "waiting_within_limit_share": "up",
        "waiting_beyond_limit_count": "down",
        "waiting_guarantee_void_count": None,
        "waiting_median_days": "down",
        "waiting_p90_days": "down",
        "completed_count": None,
        "completed_within_limit_share": "up",
        "completed_beyond_limit_count": "down",
        "completed_guarantee_void_count": None,
        "completed_median_days": "down",
        "completed_p90_days": "down",
        "queue_start": "down",
        "queue_end": "down",
        "inflow": None,
        "outflow": "up",
        "outflow_treated": "up",
        "outflow_removed_other": None,
        "transferred_in": None,
        "transferred_out": None,
        "net_change": "down",
    }
)
"""Which way is better for each series indicator (``None``: neither), for SPC markers."""


@dataclass(frozen=True)
class Alert:
    """One alert for one group of a cut at the latest month end.

    ``key`` holds the cut's values (dimension → value); ``reasons`` say which test fired
    (``spc_concern:<rule>``, ``drop``, ``inflow_exceeds_outflow``); ``figures`` hold the
    numbers behind it; ``severity`` orders alerts of one kind (a larger drop or a faster
    relative growth first).
    """

    kind: AlertKind
    key: Mapping[str, str | None]
    month_end: dt.date
    reasons: tuple[str, ...]
    figures: Mapping[str, float] = field(default_factory=dict)
    severity: float = 0.0


def _check_window(window: int) -> None:
    if window < 1:
        raise InputError(f"window must be at least 1 month; got {window}.", field="window")


def share_falling(
    shares: Sequence[float] | np.ndarray, *, window: int = 3, min_drop: float = 0.05
) -> tuple[str, ...]:
    """Why the share (oldest first, finite values) is falling; empty when it is not.

    >>> share_falling([0.9, 0.9, 0.88, 0.8, 0.75, 0.7])
    ('spc_concern:beyond_limits', 'spc_concern:two_of_three', 'drop')
    >>> share_falling([0.9, 0.91, 0.9, 0.92, 0.9, 0.91])
    ()
    """
    _check_window(window)
    x = np.asarray(shares, dtype=np.float64)
    if x.size < 2 or not np.isfinite(x).all():
        return ()
    # The heading says the share *falls*: whatever rule fires, the share now must lie below
    # the share ``window`` months earlier (the figure shown beside it), or below the oldest
    # point when the series is shorter. A concern whose run ended before a recovery is past.
    reference = x[-1 - window] if x.size > window else x[0]
    if not x[-1] < reference - 1e-12:
        return ()
    reasons: list[str] = []
    recent = set(range(max(0, x.size - window), x.size))
    chart = xmr(x, direction="up")
    for signal in chart.signals:
        if signal.assessment == "concern" and recent & set(signal.points):
            reason = f"spc_concern:{signal.rule}"
            if reason not in reasons:
                reasons.append(reason)
    if x.size > window and x[-1] <= x[-1 - window] - min_drop + 1e-12:
        reasons.append("drop")
    return tuple(reasons)


def queue_growing(
    inflow: Sequence[int] | np.ndarray,
    outflow: Sequence[int] | np.ndarray,
    queue_start: int,
    *,
    window: int = 3,
    min_net: int = 5,
    min_growth: float = 0.05,
) -> bool:
    """True when the last ``window`` months' inflow outran outflow (see the module docstring).

    ``queue_start`` is the queue the evening before the window's first month.

    >>> queue_growing([30, 32, 35], [25, 26, 36], queue_start=100)
    True
    >>> queue_growing([30, 32, 35], [31, 33, 34], queue_start=100)
    False
    """
    _check_window(window)
    a = np.asarray(inflow, dtype=np.int64)[-window:]
    b = np.asarray(outflow, dtype=np.int64)[-window:]
    if a.size != b.size or a.size < window:
        return False
    net = int(a.sum() - b.sum())
    months_up = int((a > b).sum())
    return (
        months_up >= max(1, window - 1)
        and net >= min_net
        and net >= min_growth * max(queue_start, 0)
    )


def _counts(frame: pd.DataFrame, column: str) -> npt.NDArray[np.int64]:
    """A count column with missing months (and a missing column) as 0."""
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=np.int64)
    return np.asarray(frame[column].astype("Float64").fillna(0).to_numpy(), dtype=np.int64)


def _groups(frame: pd.DataFrame, by: Sequence[str]) -> dict[tuple[str | None, ...], pd.DataFrame]:
    if not by:
        return {(): frame}
    out: dict[tuple[str | None, ...], pd.DataFrame] = {}
    for key, part in frame.groupby(list(by), observed=True, dropna=False, sort=True):
        values = key if isinstance(key, tuple) else (key,)
        out[tuple(None if _missing(v) else str(v) for v in values)] = part
    return out


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def alerts_from_series(
    waiting: pd.DataFrame,
    flows: pd.DataFrame,
    by: Sequence[str],
    month_ends: Sequence[dt.date],
    *,
    view: str = "pause_adjusted",
    wait_group: str = "all",
    window: int = 3,
    min_drop: float = 0.05,
    min_waiting: int = 10,
    min_net: int = 5,
    min_growth: float = 0.05,
) -> list[Alert]:
    """Every alert of a standard series (:class:`StandardSeries` frames) for the cut ``by``.

    ``waiting`` and ``flows`` are the series' frames; ``month_ends`` its month ends, oldest
    first (a month without rows has nobody waiting and nothing moving). Shares come from
    ``view``/``wait_group``. Alerts come back share alerts first, each kind by severity.
    """
    if not month_ends:
        return []
    last = month_ends[-1]
    keys = list(by)
    alerts: list[Alert] = []
    ends = list(month_ends)
    rows = waiting[(waiting["view"] == view) & (waiting["wait_group"] == wait_group)]
    for key, part in _groups(rows, keys).items():
        series = part.set_index("on").reindex(ends)
        count = series["waiting_count"].astype("Float64").fillna(0).to_numpy(dtype=np.float64)
        share = (
            series["waiting_within_limit_share"]
            .astype("Float64")
            .to_numpy(dtype=np.float64, na_value=np.nan)
        )
        if count[-1] < min_waiting or not np.isfinite(share[-1]):
            continue
        # The chart runs over the months since the share is known without a gap.
        finite = np.isfinite(share)
        first = len(share) - int(np.argmin(finite[::-1])) if not finite.all() else 0
        recent = share[first:]
        reasons = share_falling(recent, window=window, min_drop=min_drop)
        if not reasons:
            continue
        before = float(recent[-1 - window]) if recent.size > window else float("nan")
        alerts.append(
            Alert(
                kind="share_falling",
                key=dict(zip(keys, key, strict=True)),
                month_end=last,
                reasons=reasons,
                figures={
                    "share": float(recent[-1]),
                    "share_before": before,
                    "change": float(recent[-1]) - before,
                    "waiting_count": float(count[-1]),
                },
                # A drop counts by its size; an SPC concern adds a fixed weight, so a shift
                # against the unit's own noise ranks with a five-point drop.
                severity=(max(before - float(recent[-1]), 0.0) if math.isfinite(before) else 0.0)
                + (0.05 if any(r.startswith("spc_concern") for r in reasons) else 0.0),
            )
        )
    window_ends = ends[-window:]
    for key, part in _groups(flows, keys).items():
        # A month without a row had an empty queue at both ends and nothing moving.
        ordered = part.set_index("period_end").reindex(window_ends)
        inflow, outflow = _counts(ordered, "inflow"), _counts(ordered, "outflow")
        moved_in = _counts(ordered, "transferred_in")
        moved_out = _counts(ordered, "transferred_out")
        first_start = ordered["queue_start"].iloc[0]
        start = 0 if _missing(first_start) else int(first_start)
        # Patients transferred in load the unit like new referrals; transferred out relieve it.
        arrivals, departures = inflow + moved_in, outflow + moved_out
        if not queue_growing(
            arrivals, departures, start, window=window, min_net=min_net, min_growth=min_growth
        ):
            continue
        net = int(arrivals.sum() - departures.sum())
        treated = ordered["outflow_treated"].astype("Float64").fillna(0).sum()
        removed = ordered["outflow_removed_other"].astype("Float64").fillna(0).sum()
        alerts.append(
            Alert(
                kind="queue_growing",
                key=dict(zip(keys, key, strict=True)),
                month_end=last,
                reasons=("inflow_exceeds_outflow",),
                figures={
                    "inflow": float(inflow.sum()),
                    "outflow": float(outflow.sum()),
                    "outflow_treated": float(treated),
                    "outflow_removed_other": float(removed),
                    "transferred_in": float(moved_in.sum()),
                    "transferred_out": float(moved_out.sum()),
                    "net_change": float(net),
                    "queue_start": float(start),
                    "queue_end": float(start + net),
                },
                severity=net / max(start, 1),
            )
        )
    order = {"share_falling": 0, "queue_growing": 1}
    alerts.sort(key=lambda a: (order[a.kind], -a.severity))
    return alerts
