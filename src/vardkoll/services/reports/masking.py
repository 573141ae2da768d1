"""Small-cell masking of the monthly report's tables, and the audit that proves it holds.

Every table of the monthly report leaves the region, so every count ``0 < n < threshold`` is
masked. Three kinds of table, three rules:

* **Cross tables** (specialty × entry type, unit × within/beyond) go through the engine,
  :func:`vardkoll.analytics.mask_small_cells`: primary masking and secondary masking by the
  cheapest cycle, totals included, so no masked cell follows from the published totals.
* **The stock-flow table** (queue at start, inflow, treated, removed for other reasons, net
  change, queue at end, per entry type) has one more equation per row than a cross table:
  ``queue_end − queue_start = inflow − treated − removed_other``. The engine does not know it,
  so the table is masked by :func:`mask_linear`: primary masking, then, while the audit finds a
  masked cell that the equations fix, the cheapest published cell sharing an equation with it
  is masked too. The queues themselves are published elsewhere (the waiting table, last
  month's report) and are never picked.
* **Statistics** (shares, median, 90th percentile) are masked where a count they depend on is
  masked (:func:`dependent_mask`): a share of a masked count would give the count back.

:func:`determined_cells` is the audit: with the published cells substituted, a masked cell is
recoverable exactly when its unit vector lies in the row space of the equations over the
masked cells, i.e. when every null-space vector is zero there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from vardkoll.analytics import mask_small_cells
from vardkoll.domain import AnalyticsError

__all__ = [
    "SECONDARY_MARKER",
    "Cell",
    "Equation",
    "dependent_mask",
    "determined_cells",
    "grid_equations",
    "mask_grid",
    "mask_linear",
    "primary_marker",
]

Cell = tuple[int, int]
Equation = list[tuple[Cell, float]]
"""A linear relation ``Σ coefficient · value(cell) = 0`` that every reader can use."""
Mask = npt.NDArray[np.bool_]

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
