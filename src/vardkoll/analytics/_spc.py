"""Statistical process control: XmR charts with the usual special-cause rules, in NumPy.

Why SPC and not a bare trend line: a share within the guarantee moves every month; the
question a coordinator has is whether a move is *signal* or the usual noise. The XmR
(individuals and moving range) chart answers it with limits from the data's own short-term
variation:

* centre line: the mean of the points of the phase;
* moving range ``MR_i = |x_i − x_{i−1}|`` inside the phase, ``MR̄`` their mean;
* process limits: centre ± 2.66 · MR̄ (2.66 = 3 / d₂ with d₂ = 1.128 for ranges of two);
* one sigma: 2.66 · MR̄ / 3 (≈ MR̄ / 1.128), so "near a limit" (beyond 2σ) is
  centre ± (2/3)·2.66·MR̄.

Special-cause rules (as in NHS England's *Making data count*):

1. ``beyond_limits`` — a point outside the process limits;
2. ``run`` — 7 or more consecutive points on the same side of the centre line (a point on
   the line breaks the run);
3. ``trend`` — 6 or more consecutive points each higher (or each lower) than the one before;
4. ``two_of_three`` — two of three consecutive points beyond 2σ on the same side.

Limits can be recalculated from chosen change points (a new way of working began): each
phase gets its own centre, MR̄ and limits, and rules never look across a phase boundary.
With a direction (``up`` or ``down`` is better) each signal is an improvement or a concern.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError

__all__ = ["RULES", "Signal", "XmRChart", "xmr"]

F64 = npt.NDArray[np.float64]
Direction = Literal["up", "down"]

RULES: tuple[str, ...] = ("beyond_limits", "run", "trend", "two_of_three")
RUN_LENGTH = 7
TREND_LENGTH = 6
LIMIT_FACTOR = 2.66


@dataclass(frozen=True)
class Signal:
    """One special cause: which rule, which points (indices), and on which side."""

    rule: str
    points: tuple[int, ...]
    side: Literal["high", "low"]
    assessment: Literal["improvement", "concern", "neutral"]


@dataclass(frozen=True)
class XmRChart:
    """An XmR chart; every per-point array has the length of ``values``."""

    values: F64
    centre: F64
    upper: F64
    lower: F64
    moving_range: F64
    mean_moving_range: F64
    phase: npt.NDArray[np.int64]
    signals: tuple[Signal, ...]
    direction: Direction | None

    @property
    def sigma(self) -> F64:
        """One sigma per point: 2.66 · MR̄ / 3."""
        return self.mean_moving_range * LIMIT_FACTOR / 3

    def point_status(self) -> list[str]:
        """Per point: ``common``, or ``improvement``/``concern``/``neutral`` if in a signal.

        A point in both an improvement and a concern (possible only across rules) shows as
        ``concern``: the coordinator should look.
        """
        status = ["common"] * len(self.values)
        rank = {"common": 0, "neutral": 1, "improvement": 2, "concern": 3}
        for signal in self.signals:
            for i in signal.points:
                if rank[signal.assessment] > rank[status[i]]:
                    status[i] = signal.assessment
        return status


def _assess(side: str, direction: Direction | None) -> Literal["improvement", "concern", "neutral"]:
    if direction is None:
        return "neutral"
    good = (side == "high") == (direction == "up")
    return "improvement" if good else "concern"


def _runs(flags: npt.NDArray[np.bool_], length: int) -> list[tuple[int, int]]:
    """(start, stop) of each run of True at least ``length`` long."""
    runs, start = [], None
    for i, flag in enumerate([*flags.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                runs.append((start, i))
            start = None
    return runs


def _phase_signals(
    x: F64,
    centre: float,
    upper: float,
    lower: float,
    sigma: float,
    offset: int,
    direction: Direction | None,
) -> list[Signal]:
    signals: list[Signal] = []

    def add(rule: str, points: Sequence[int], side: Literal["high", "low"]) -> None:
        signals.append(
            Signal(rule, tuple(offset + p for p in points), side, _assess(side, direction))
        )

    for i in np.flatnonzero(x > upper).tolist():
        add("beyond_limits", [i], "high")
    for i in np.flatnonzero(x < lower).tolist():
        add("beyond_limits", [i], "low")
    for side, flags in (("high", x > centre), ("low", x < centre)):
        for a, b in _runs(flags, RUN_LENGTH):
            add("run", range(a, b), side)  # type: ignore[arg-type]
    step = np.diff(x)
    for side, flags in (("high", step > 0), ("low", step < 0)):
        # TREND_LENGTH points make TREND_LENGTH − 1 consecutive steps in one direction.
        for a, b in _runs(flags, TREND_LENGTH - 1):
            add("trend", range(a, b + 1), side)  # type: ignore[arg-type]
    if sigma > 0:
        for side, near in (("high", x > centre + 2 * sigma), ("low", x < centre - 2 * sigma)):
            marked: set[int] = set()
            for i in range(len(x) - 2):
                window = [j for j in range(i, i + 3) if near[j]]
                if len(window) >= 2:
                    marked.update(window)
            if marked:
                # One signal per stretch of overlapping windows.
                points = sorted(marked)
                group = [points[0]]
                for p in points[1:]:
                    if p - group[-1] <= 2:
                        group.append(p)
                    else:
                        add("two_of_three", group, side)  # type: ignore[arg-type]
                        group = [p]
                add("two_of_three", group, side)  # type: ignore[arg-type]
    return signals


def xmr(
    values: Sequence[float] | F64,
    *,
    change_points: Sequence[int] = (),
    direction: Direction | None = None,
) -> XmRChart:
    """Build an XmR chart; ``change_points`` are indices where a new phase begins.

    >>> chart = xmr([10, 12, 11, 13, 12])
    >>> round(float(chart.centre[0]), 2), round(float(chart.mean_moving_range[0]), 2)
    (11.6, 1.5)
    >>> round(float(chart.upper[0]), 2), round(float(chart.lower[0]), 2)
    (15.59, 7.61)
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        raise InputError(f"An XmR chart needs at least 2 values; got {x.size}.", field="values")
    if not np.isfinite(x).all():
        raise InputError(
            "XmR values must be finite numbers; drop the empty months first.", field="values"
        )
    if direction not in (None, "up", "down"):
        raise InputError(
            f"direction must be 'up', 'down' or None; got {direction!r}.", field="direction"
        )
    cuts = sorted(set(change_points))
    if any(c < 2 or c > x.size - 2 for c in cuts) or any(b - a < 2 for a, b in pairwise(cuts)):
        raise InputError(
            f"Change points {list(change_points)} must leave at least 2 points in every phase "
            f"of the {x.size} values.",
            field="change_points",
        )
    bounds = [0, *cuts, x.size]
    n = x.size
    centre, upper, lower = np.empty(n), np.empty(n), np.empty(n)
    mr, mr_bar = np.full(n, np.nan), np.empty(n)
    phase = np.empty(n, dtype=np.int64)
    signals: list[Signal] = []
    for k, (a, b) in enumerate(pairwise(bounds)):
        part = x[a:b]
        ranges = np.abs(np.diff(part))
        c, m = float(part.mean()), float(ranges.mean())
        centre[a:b], mr_bar[a:b], phase[a:b] = c, m, k
        mr[a + 1 : b] = ranges
        upper[a:b], lower[a:b] = c + LIMIT_FACTOR * m, c - LIMIT_FACTOR * m
        signals += _phase_signals(
            part, c, c + LIMIT_FACTOR * m, c - LIMIT_FACTOR * m, LIMIT_FACTOR * m / 3, a, direction
        )
    return XmRChart(
        values=x,
        centre=centre,
        upper=upper,
        lower=lower,
        moving_range=mr,
        mean_moving_range=mr_bar,
        phase=phase,
        signals=tuple(signals),
        direction=direction,
    )
