"""Small-cell masking with secondary suppression, for every aggregate that leaves the region.

Primary suppression masks each count ``0 < n < threshold`` (default 5, the installation's
``small_cell_threshold``), the interior cells and the row, column and grand totals alike.
Masking only those is not enough: a masked cell that is the only masked cell of its row
equals the row total minus the others. Secondary suppression masks further cells until **no
masked cell can be recovered by adding and subtracting published cells and totals**.

Why this rule is exact: put the table with its totals in one (R+1) × (C+1) grid and flip the
sign of the total row and column; then every row and every column of the grid sums to zero.
The masked cells are the unknowns of those equations; seen as edges of a bipartite graph
between rows and columns, an unknown is fixed by the equations exactly when its edge is a
*bridge* (on no cycle) — the cycles are the only freedom the equations leave. So the
algorithm repeats: find a bridge; mask the unmasked cells of the cheapest cycle through it
(a shortest path with the counts as costs); until no bridge is left. Every masked value then
has at least one degree of freedom.

What it does not promise: bounds. Counts are non-negative, so a reader can still bound a
masked cell between 0 and a small total; masking more is the remedy if that matters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from vardkoll.domain import InputError

__all__ = ["MaskedTable", "mask_small_cells", "suppress"]

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


def _cheapest_cycle(values: I64, mask: Mask, r: int, c: int) -> list[tuple[int, int]]:
    """The unmasked cells of the cheapest cycle through cell (r, c) (Dijkstra).

    Rows and columns are nodes; every cell is an edge, free when masked and costing its
    value (plus a little, to prefer fewer cells) when not. The cheapest path from row ``r``
    to column ``c`` that avoids the cell (r, c) closes the cheapest cycle through it.
    """
    rows, cols = mask.shape
    cost = np.where(mask, 0.0, values.astype(np.float64) + 1e-3)
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


def suppress(grid: I64, threshold: int) -> tuple[Mask, Mask]:
    """Primary and full masks of a grid *with* its totals in the last row and column."""
    values = np.asarray(grid, dtype=np.int64)
    primary = (values > 0) & (values < threshold)
    mask = primary.copy()
    while True:
        bridges = _bridges(mask)
        if not bridges:
            return primary, mask
        cells = _cheapest_cycle(values, mask, *bridges[0])
        if not cells:  # cannot happen: the grid with totals is at least 2 × 2
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
