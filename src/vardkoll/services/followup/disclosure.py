"""What of the overview may be shown to whom: small cells masked when figures leave the region.

Why here and not in the page: the overview page, its exports and the API show the same cells,
so one function decides what is withheld and all three show the same holes. A national analyst's
view leaves the region (docs/explanation/patient-data-law.md), so counts under
``Settings.small_cell_threshold`` are masked for them; users inside the region see every number.

Why secondary suppression: the page shows totals per entry type beside the cells, so hiding a
lone small cell would leave it as *total − the others*. The waiting counts form a grid
(specialty × entry type) whose totals are public, and :func:`vardkoll.analytics.suppress` hides
further cells until no hidden one can be solved for. The number beyond the guarantee is a second
grid: a cell whose waiting count is hidden counts as small there too, so its split can never be
worked back from the entry type's share. Hiding more never reveals more, so the union is safe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vardkoll.analytics import Overview, TrendPoint, suppress
from vardkoll.services.access.scope import Scope
from vardkoll.settings import Settings


@dataclass(frozen=True)
class ShownCell:
    """One overview cell as shown: ``None`` where a number is withheld."""

    entry_type: str
    specialty: str
    limit_days: int | None
    waiting: int | None
    within_limit: int | None
    beyond_limit: int | None
    share_within: float | None
    masked: bool


@dataclass(frozen=True)
class ShownTotal:
    """An entry type's total over the specialties, as shown."""

    entry_type: str
    waiting: int | None
    share_within: float | None
    limited: bool


@dataclass(frozen=True)
class ShownTrendPoint:
    """A month end of the trend, as shown."""

    month_end: dt.date
    entry_type: str
    waiting: int | None
    within_limit: int | None
    share_within: float | None


@dataclass(frozen=True)
class ShownOverview:
    """The overview with what may be shown; ``threshold`` 0 means nothing was masked."""

    data: Overview
    cells: tuple[ShownCell, ...]
    totals: tuple[ShownTotal, ...]
    trend: tuple[ShownTrendPoint, ...]
    threshold: int

    @property
    def masked_any(self) -> bool:
        return any(c.masked for c in self.cells) or any(t.waiting is None for t in self.totals)


def disclosure_threshold(settings: Settings, scope: Scope) -> int:
    """The small-cell threshold for this user: 0 inside the region, the setting beyond it."""
    return settings.small_cell_threshold if scope.reach("aggregates") == "all" else 0


def _grid_masks(
    data: Overview, specialties: list[str], entries: list[str], threshold: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Masks of the waiting grid and of the within/beyond split, totals in the last row/column."""
    rows, cols = len(specialties), len(entries)
    waiting = np.zeros((rows + 1, cols + 1), np.int64)
    beyond = np.zeros((rows + 1, cols + 1), np.int64)
    within = np.zeros((rows + 1, cols + 1), np.int64)
    for c in data.cells:
        r, k = specialties.index(c.specialty), entries.index(c.entry_type)
        waiting[r, k] = c.waiting
        if c.limit_days is not None:
            beyond[r, k], within[r, k] = c.beyond_limit, c.within_limit
    for grid in (waiting, beyond, within):
        grid[:rows, cols] = grid[:rows, :cols].sum(axis=1)
        grid[rows, :] = grid[:rows, :].sum(axis=0)
    _, hide_waiting = suppress(waiting, threshold)
    # The split is one grid: a cell is small there when either part is small or its waiting
    # count is hidden; such a cell is costed as small so the suppression treats it as primary.
    small = ((beyond > 0) & (beyond < threshold)) | ((within > 0) & (within < threshold))
    small |= hide_waiting
    forced = np.where(small, np.clip(beyond, 1, threshold - 1), beyond)
    _, hide_split = suppress(forced, threshold)
    return hide_waiting, hide_split | hide_waiting


def shown_overview(data: Overview, threshold: int) -> ShownOverview:
    """``data`` with small cells (and the cells that would reveal them) withheld."""
    specialties = sorted({c.specialty for c in data.cells})
    entries = sorted({c.entry_type for c in data.cells})
    limited = {c.entry_type for c in data.cells if c.limit_days is not None}
    if threshold > 1 and data.cells:
        hide_waiting, hide_split = _grid_masks(data, specialties, entries, threshold)
    else:
        size = (len(specialties) + 1, len(entries) + 1)
        hide_waiting = hide_split = np.zeros(size, bool)
    cells = []
    for c in data.cells:
        r, k = specialties.index(c.specialty), entries.index(c.entry_type)
        split_hidden = bool(hide_split[r, k])
        has_limit = c.limit_days is not None
        cells.append(
            ShownCell(
                entry_type=c.entry_type,
                specialty=c.specialty,
                limit_days=c.limit_days,
                waiting=None if hide_waiting[r, k] else c.waiting,
                within_limit=None if split_hidden or not has_limit else c.within_limit,
                beyond_limit=None if split_hidden or not has_limit else c.beyond_limit,
                share_within=None if split_hidden else c.share_within,
                masked=bool(hide_waiting[r, k]) or (split_hidden and has_limit),
            )
        )
    totals = []
    last = len(specialties)
    for k, entry in enumerate(entries):
        of_entry = [c for c in data.cells if c.entry_type == entry]
        waiting = sum(c.waiting for c in of_entry)
        judged = sum(c.within_limit + c.beyond_limit for c in of_entry)
        within = sum(c.within_limit for c in of_entry)
        share = within / judged if entry in limited and judged else None
        totals.append(
            ShownTotal(
                entry_type=entry,
                waiting=None if hide_waiting[last, k] else waiting,
                share_within=None if hide_split[last, k] else share,
                limited=entry in limited,
            )
        )
    trend = tuple(_shown_point(t, threshold) for t in data.trend)
    return ShownOverview(data, tuple(cells), tuple(totals), trend, threshold)


def _shown_point(t: TrendPoint, threshold: int) -> ShownTrendPoint:
    small = any(0 < n < threshold for n in (t.waiting, t.judged - t.within_limit))
    return ShownTrendPoint(
        month_end=t.month_end,
        entry_type=t.entry_type,
        waiting=None if small and 0 < t.waiting < threshold else t.waiting,
        within_limit=None if small else t.within_limit,
        share_within=None if small else t.share_within,
    )
