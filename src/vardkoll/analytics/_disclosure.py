"""Disclosure control: what of an aggregate may leave the region, decided once per cell.

Why one module: the overview's cards, table, chart and exports, the monthly report, the
indicator bundle and the indicator API show the same cells; when each masked on its own, a
card said "masked" while the table beside it showed the figure. Every one of them now asks
this module, with the threshold (``Settings.small_cell_threshold``, 0 for readers inside the
region) passed in.

**Primary suppression** masks each count ``0 < n < threshold`` (:func:`small_count`), the
interior cells and the row, column and grand totals alike. Masking only those is not enough:
a masked cell that is the only masked cell of its row equals the row total minus the others.
**Secondary suppression** masks further cells until no masked cell can be recovered by adding
and subtracting published cells and totals.

Why the cross-table rule (:func:`suppress`) is exact: put the table with its totals in one
(R+1) × (C+1) grid and flip the sign of the total row and column; then every row and every
column of the grid sums to zero. The masked cells are the unknowns of those equations; seen as
edges of a bipartite graph between rows and columns, an unknown is fixed by the equations
exactly when its edge is a *bridge* (on no cycle). So the algorithm repeats: find a bridge;
mask the unmasked cells of the cheapest cycle through it (a shortest path with the counts as
costs); until no bridge is left. Cells a reader knows anyway (a combination without a row is
zero) are never picked.

Tables with more relations than row and column sums (the report's stock-flow table, where
``queue_end − queue_start = inflow − treated − removed_other``) go through :func:`mask_linear`
with the audit :func:`determined_cells`: a masked cell is recoverable exactly when its unit
vector lies in the row space of the equations over the masked cells. Statistics (shares,
percentiles) are masked where a count they depend on is masked (:func:`dependent_mask`).

What it does not promise: bounds. Counts are non-negative, so a reader can still bound a
masked cell between 0 and a small total; masking more is the remedy if that matters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from vardkoll.analytics._overview import Overview, TrendPoint
from vardkoll.domain import AnalyticsError, InputError

__all__ = [
    "SECONDARY_MARKER",
    "Cell",
    "Equation",
    "MaskedTable",
    "ShownCell",
    "ShownOverview",
    "ShownTotal",
    "ShownTrendPoint",
    "dependent_mask",
    "determined_cells",
    "grid_equations",
    "mask_grid",
    "mask_linear",
    "mask_small_cells",
    "primary_marker",
    "shown_overview",
    "small_count",
    "suppress",
]


def small_count(value: int | None, threshold: int) -> bool:
    """Whether a count is masked on its own (primary suppression): ``0 < value < threshold``."""
    return value is not None and 0 < value < threshold


TOTAL = "Totalt / Total"
I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class MaskedTable:
    """The table with totals, what is masked, and why (primary or secondary)."""

    values: pd.DataFrame
    masked: pd.DataFrame
    primary: pd.DataFrame
    threshold: int

    def published(self, marker: str | None = None, secondary: str = "..") -> pd.DataFrame:
        """The values with masked cells replaced: small ones by ``marker`` (default
        ``<threshold``), the ones hidden only to protect them by ``secondary``.

        Why two markers: a cell hidden to protect another may hold 0 or 400; labelling it
        ``<5`` would be false, and a reader would subtract it as if it were small.
        """
        text = marker if marker is not None else f"<{self.threshold}"
        out = self.values.astype(object)
        out[self.masked & ~self.primary] = secondary
        out[self.primary & self.masked] = text
        return out


def _bridges(mask: Mask) -> list[tuple[int, int]]:
    """Masked cells whose edge is a bridge of the row–column graph (Tarjan, iterative)."""
    rows, cols = mask.shape
    nodes = rows + cols
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(nodes)]
    edges = list(zip(*np.nonzero(mask), strict=True))
    for e, (r, c) in enumerate(edges):
        adjacency[int(r)].append((rows + int(c), e))
        adjacency[rows + int(c)].append((int(r), e))
    order = [-1] * nodes
    low = [0] * nodes
    counter = 0
    found: list[tuple[int, int]] = []
    for root in range(nodes):
        if order[root] != -1 or not adjacency[root]:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]
        while stack:
            node, parent_edge, i = stack[-1]
            if i < len(adjacency[node]):
                stack[-1] = (node, parent_edge, i + 1)
                nxt, e = adjacency[node][i]
                if e == parent_edge:
                    continue
                if order[nxt] == -1:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, e, 0))
                else:
                    low[node] = min(low[node], order[nxt])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        r, c = edges[parent_edge]
                        found.append((int(r), int(c)))
    return found


def _cheapest_cycle(
    values: I64, mask: Mask, r: int, c: int, known: Mask | None = None
) -> list[tuple[int, int]]:
    """The unmasked cells of the cheapest cycle through cell (r, c) (Dijkstra).

    Rows and columns are nodes; every cell is an edge, free when masked and costing its
    value (plus a little, to prefer fewer cells) when not. The cheapest path from row ``r``
    to column ``c`` that avoids the cell (r, c) closes the cheapest cycle through it.
    ``known`` cells (a reader knows them anyway) are no edge at all: hiding them protects
    nothing.
    """
    rows, cols = mask.shape
    cost = np.where(mask, 0.0, values.astype(np.float64) + 1e-3)
    if known is not None:
        cost[known & ~mask] = np.inf
    cost[r, c] = np.inf
    nodes = rows + cols
    dist = np.full(nodes, np.inf)
    previous = np.full(nodes, -1, dtype=np.int64)
    done = np.zeros(nodes, dtype=bool)
    dist[r] = 0.0
    target = rows + c
    while not done[target]:
        candidates = np.where(done, np.inf, dist)
        node = int(np.argmin(candidates))
        if not np.isfinite(candidates[node]):
            return []
        done[node] = True
        if node < rows:  # a row: its cells lead to columns
            step = dist[node] + cost[node]
            others = np.arange(rows, nodes)
        else:  # a column: its cells lead to rows
            step = dist[node] + cost[:, node - rows]
            others = np.arange(rows)
        better = step < dist[others]
        dist[others[better]] = step[better]
        previous[others[better]] = node
    path: list[tuple[int, int]] = []
    node = target
    while node != r:
        before = int(previous[node])
        cell = (before, node - rows) if before < rows else (node, before - rows)
        if not mask[cell]:
            path.append(cell)
        node = before
    return path


def suppress(grid: I64, threshold: int, *, known: Mask | None = None) -> tuple[Mask, Mask]:
    """Primary and full masks of a grid *with* its totals in the last row and column.

    ``known`` marks cells every reader knows without the table, such as the zero of a
    combination the page lists no row for; secondary suppression never picks them, since a
    hidden known zero protects nothing and would hide a total that the listed cells give away.
    """
    values = np.asarray(grid, dtype=np.int64)
    primary = (values > 0) & (values < threshold)
    mask = primary.copy()
    while True:
        bridges = _bridges(mask)
        if not bridges:
            return primary, mask
        cells = _cheapest_cycle(values, mask, *bridges[0], known)
        if not cells:  # cannot happen: the totals row and column are never known
            return primary, np.ones_like(mask)
        for cell in cells:
            mask[cell] = True


def mask_small_cells(
    counts: pd.DataFrame | Sequence[Sequence[int]], threshold: int = 5
) -> MaskedTable:
    """Add row and column totals to ``counts`` and mask small cells so none can be recovered.

    >>> t = mask_small_cells(pd.DataFrame({"a": [3, 10], "b": [20, 30]}, index=["x", "y"]))
    >>> t.published().loc["x", "a"], int(t.masked.to_numpy().sum()) >= 4
    ('<5', True)
    """
    if threshold < 1:
        raise InputError(
            f"The masking threshold must be at least 1; got {threshold}.", field="threshold"
        )
    frame = pd.DataFrame(counts)
    numeric = frame.apply(pd.to_numeric, errors="coerce")
    if numeric.isna().any().any() or (numeric < 0).any().any():
        raise InputError(
            "Masking needs a table of non-negative whole counts, without gaps.", field="counts"
        )
    numeric = numeric.astype(np.int64)
    with_totals = numeric.copy()
    with_totals[TOTAL] = numeric.sum(axis=1)
    with_totals.loc[TOTAL] = with_totals.sum(axis=0)
    primary, mask = suppress(with_totals.to_numpy(), threshold)
    shape = {"index": with_totals.index, "columns": with_totals.columns}
    return MaskedTable(
        values=with_totals,
        masked=pd.DataFrame(mask, **shape),
        primary=pd.DataFrame(primary, **shape),
        threshold=threshold,
    )


Cell = tuple[int, int]
Equation = list[tuple[Cell, float]]
"""A linear relation ``Σ coefficient · value(cell) = 0`` that every reader can use."""

SECONDARY_MARKER = ".."
"""Shown for cells masked to protect another cell (their value may be large)."""


def primary_marker(threshold: int) -> str:
    """Shown for a count under the threshold: ``<5``."""
    return f"<{threshold}"


def mask_grid(counts: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, Mask, Mask]:
    """The cross table with totals, its full mask and its primary mask (the engine's rule)."""
    table = mask_small_cells(counts, threshold)
    return table.values, table.masked.to_numpy(), table.primary.to_numpy()


def grid_equations(rows: int, cols: int) -> list[Equation]:
    """Row and column sums of a grid whose last row and last column are the totals."""
    equations: list[Equation] = []
    for r in range(rows):
        equations.append([*(((r, c), 1.0) for c in range(cols - 1)), ((r, cols - 1), -1.0)])
    for c in range(cols):
        equations.append([*(((r, c), 1.0) for r in range(rows - 1)), ((rows - 1, c), -1.0)])
    return equations


def determined_cells(mask: Mask, equations: Sequence[Equation]) -> list[Cell]:
    """Masked cells whose value follows from the published cells through ``equations``."""
    unknown = [(int(r), int(c)) for r, c in zip(*np.nonzero(mask), strict=True)]
    if not unknown:
        return []
    index = {cell: i for i, cell in enumerate(unknown)}
    rows = [eq for eq in equations if any(cell in index for cell, _ in eq)]
    if not rows:
        return list(unknown)
    matrix = np.zeros((len(rows), len(unknown)))
    for i, eq in enumerate(rows):
        for cell, coefficient in eq:
            if cell in index:
                matrix[i, index[cell]] += coefficient
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(1.0, float(singular.max(initial=0.0)))).sum())
    null = vt[rank:]  # rows span the null space of the equations over the unknowns
    free = np.abs(null).max(axis=0) > 1e-9 if len(null) else np.zeros(len(unknown), dtype=bool)
    return [cell for cell, is_free in zip(unknown, free, strict=True) if not is_free]


def mask_linear(
    values: npt.NDArray[np.int64],
    equations: Sequence[Equation],
    threshold: int,
    *,
    start: Mask | None = None,
    counts: Mask | None = None,
    pickable: Mask | None = None,
) -> tuple[Mask, Mask]:
    """Primary and full masks of a table with arbitrary linear relations between its cells.

    ``counts`` marks the cells that are counts (only they get primary masking; default all);
    ``start`` adds cells masked for reasons outside this table; ``pickable`` limits the cells
    secondary masking may choose (default all counts).
    """
    counts = np.ones(values.shape, dtype=bool) if counts is None else counts
    primary = counts & (values > 0) & (values < threshold)
    mask = primary | (start if start is not None else False)
    allowed = counts if pickable is None else pickable
    while True:
        fixed = determined_cells(mask, equations)
        if not fixed:
            return primary, mask
        # An equation with a single masked cell pins it: open that equation with a second
        # unknown, cells under the threshold first. Without one, the cell is fixed by a
        # combination of equations; open the one through it with the fewest unknowns.
        fixed_set = set(fixed)
        pinning: list[tuple[bool, int, Equation]] = []
        for i, eq in enumerate(equations):
            unknowns = [cell for cell, _ in eq if mask[cell]]
            if len(unknowns) == 1 and unknowns[0] in fixed_set:
                pinning.append((not bool(primary[unknowns[0]]), i, list(eq)))
        if pinning:
            candidates = [eq for _, _, eq in sorted(pinning, key=lambda item: item[:2])]
            target = next(cell for cell, _ in candidates[0] if mask[cell])
        else:
            target = min(fixed, key=lambda cell: (not primary[cell], cell))
            candidates = sorted(
                (list(eq) for eq in equations if any(cell == target for cell, _ in eq)),
                key=lambda eq: sum(bool(mask[cell]) for cell, _ in eq),
            )
        partners: set[Cell] = set()
        for eq in candidates:
            partners = {cell for cell, _ in eq if not mask[cell] and allowed[cell]}
            if partners:
                break
        if not partners:
            partners = {(int(r), int(c)) for r, c in zip(*np.nonzero(~mask & allowed), strict=True)}
        if not partners:
            raise AnalyticsError(
                f"Cannot protect the masked cell {target} of a report table: every other "
                "cell is already masked or fixed. Report this table without the cut."
            )
        cheapest = min(partners, key=lambda cell: (int(values[cell]), cell))
        mask[cheapest] = True


def dependent_mask(masks: Sequence[npt.NDArray[np.bool_]]) -> npt.NDArray[np.bool_]:
    """True where any of the aligned count masks is true."""
    out = np.zeros_like(masks[0], dtype=bool)
    for m in masks:
        out |= m
    return out


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


def _grid_masks(
    data: Overview, specialties: list[str], entries: list[str], threshold: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Masks of the waiting grid and of the within/beyond split, totals in the last row/column."""
    rows, cols = len(specialties), len(entries)
    waiting = np.zeros((rows + 1, cols + 1), np.int64)
    beyond = np.zeros((rows + 1, cols + 1), np.int64)
    within = np.zeros((rows + 1, cols + 1), np.int64)
    # A combination the page lists no row for is a zero every reader knows; so is the split
    # of an entry type without a limit. Hiding those would protect nothing and would leave
    # a hidden total that the listed cells add up to (the card said "masked", the table not).
    absent = np.zeros((rows + 1, cols + 1), bool)
    absent[:rows, :cols] = True
    unsplit = absent.copy()
    for c in data.cells:
        r, k = specialties.index(c.specialty), entries.index(c.entry_type)
        waiting[r, k] = c.waiting
        absent[r, k] = False
        if c.limit_days is not None:
            beyond[r, k], within[r, k] = c.beyond_limit, c.within_limit
            unsplit[r, k] = False
    for grid in (waiting, beyond, within):
        grid[:rows, cols] = grid[:rows, :cols].sum(axis=1)
        grid[rows, :] = grid[:rows, :].sum(axis=0)
    _, hide_waiting = suppress(waiting, threshold, known=absent)
    # The split is one grid: a cell is small there when either part is small or its waiting
    # count is hidden; such a cell is costed as small so the suppression treats it as primary.
    small = ((beyond > 0) & (beyond < threshold)) | ((within > 0) & (within < threshold))
    small |= hide_waiting
    forced = np.where(small, np.clip(beyond, 1, threshold - 1), beyond)
    _, hide_split = suppress(forced, threshold, known=unsplit & ~small)
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
    # The trend's point at the overview's date is the card: it takes the card's decision.
    cards = {t.entry_type: t for t in totals if data.trend}
    trend = tuple(
        _shown_point(t, threshold, cards.get(t.entry_type) if t.month_end == data.as_of else None)
        for t in data.trend
    )
    return ShownOverview(data, tuple(cells), tuple(totals), trend, threshold)


def _shown_point(t: TrendPoint, threshold: int, card: ShownTotal | None) -> ShownTrendPoint:
    """A month's totals per entry type: no cells are published beneath them, so primary
    suppression suffices, except at the overview's date where the card's decision holds."""
    small = any(small_count(n, threshold) for n in (t.waiting, t.judged - t.within_limit))
    hide_waiting = small_count(t.waiting, threshold) or (card is not None and card.waiting is None)
    hide_split = small or (card is not None and card.share_within is None)
    return ShownTrendPoint(
        month_end=t.month_end,
        entry_type=t.entry_type,
        waiting=None if hide_waiting else t.waiting,
        within_limit=None if hide_split else t.within_limit,
        share_within=None if hide_split else t.share_within,
    )
