"""Small cells of the overview are masked beyond the region, and no masked one can be solved for."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vardkoll.analytics import Overview, OverviewCell, TrendPoint
from vardkoll.services.followup.disclosure import shown_overview

ENTRIES = ("first_visit", "treatment", "primary_care")
LIMITS = {"first_visit": 90, "treatment": 90, "primary_care": None}
THRESHOLD = 5


def _overview(grid: list[list[tuple[int, int]]]) -> Overview:
    cells = []
    for r, row in enumerate(grid):
        for k, (waiting, beyond) in enumerate(row):
            entry = ENTRIES[k]
            limited = LIMITS[entry] is not None
            beyond = min(beyond, waiting) if limited else 0
            cells.append(
                OverviewCell(
                    entry,
                    f"s{r:02d}",
                    waiting,
                    waiting - beyond if limited else 0,
                    beyond,
                    LIMITS[entry],
                )
            )
    trend = (TrendPoint(dt.date(2025, 1, 31), "treatment", 3, 2, 3),)
    return Overview(dt.date(2025, 1, 31), "pause_adjusted", "se-national", tuple(cells), trend)


def _solvable(unknown: list[tuple[int, int]], columns_known: list[int]) -> set[tuple[int, int]]:
    """Hidden cells fixed by the published column totals (exact linear algebra by rank)."""
    if not unknown:
        return set()
    index = {cell: i for i, cell in enumerate(unknown)}
    rows = [[1.0 if cell[1] == k else 0.0 for cell in unknown] for k in columns_known]
    matrix = np.array(rows) if rows else np.zeros((0, len(unknown)))
    rank = np.linalg.matrix_rank(matrix) if rows else 0
    found = set()
    for cell, i in index.items():
        unit = np.zeros(len(unknown))
        unit[i] = 1.0
        if rows and np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(cell)
    return found


counts = st.integers(0, 40)
grids = st.lists(
    st.lists(st.tuples(counts, counts), min_size=len(ENTRIES), max_size=len(ENTRIES)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(grids)
def test_no_small_count_is_shown_or_recoverable(grid: list[list[tuple[int, int]]]) -> None:
    data = _overview(grid)
    shown = shown_overview(data, THRESHOLD)
    specialties = sorted({c.specialty for c in data.cells})
    by_key = {(c.specialty, c.entry_type): c for c in data.cells}
    for cell in shown.cells:
        truth = by_key[(cell.specialty, cell.entry_type)]
        for value, real in ((cell.waiting, truth.waiting), (cell.beyond_limit, truth.beyond_limit)):
            assert value is None or value == real
            assert value is None or not 0 < value < THRESHOLD
        if truth.limit_days is not None and 0 < truth.within_limit < THRESHOLD:
            assert cell.within_limit is None
    for total in shown.totals:
        assert total.waiting is None or not 0 < total.waiting < THRESHOLD
    # Waiting: the hidden cells against the entry-type totals on the page.
    hidden = [
        (specialties.index(c.specialty), ENTRIES.index(c.entry_type))
        for c in shown.cells
        if c.waiting is None
    ]
    known = [ENTRIES.index(t.entry_type) for t in shown.totals if t.waiting is not None]
    assert _solvable(hidden, known) == set()
    # Beyond the guarantee: a shown share and total give the entry type's beyond total.
    hidden_split = [
        (specialties.index(c.specialty), ENTRIES.index(c.entry_type))
        for c in shown.cells
        if c.beyond_limit is None and c.limit_days is not None
    ]
    known_split = [
        ENTRIES.index(t.entry_type)
        for t in shown.totals
        if t.limited and t.share_within is not None and t.waiting is not None
    ]
    assert _solvable(hidden_split, known_split) == set()


def test_inside_the_region_nothing_is_masked() -> None:
    data = _overview([[(3, 1), (2, 0), (1, 0)], [(30, 4), (8, 2), (0, 0)]])
    shown = shown_overview(data, 0)
    assert [c.waiting for c in shown.cells] == [c.waiting for c in data.cells]
    assert not shown.masked_any
    masked = shown_overview(data, THRESHOLD)
    assert masked.masked_any
    assert masked.trend[0].waiting is None  # 3 waiting at the month end: small


sparse_grids = st.lists(
    st.lists(st.one_of(st.none(), st.tuples(counts, counts)), min_size=3, max_size=3),
    min_size=1,
    max_size=6,
)


def _sparse_overview(grid: list[list[tuple[int, int] | None]]) -> Overview:
    """Cells the page lists no row for (``None``) are absent, as in the engine's overview."""
    full = _overview([[c or (0, 0) for c in row] for row in grid])
    present = {
        (f"s{r:02d}", ENTRIES[k]) for r, row in enumerate(grid) for k, c in enumerate(row) if c
    }
    cells = tuple(c for c in full.cells if (c.specialty, c.entry_type) in present)
    trend = tuple(
        TrendPoint(
            full.as_of,
            entry,
            sum(c.waiting for c in cells if c.entry_type == entry),
            sum(c.within_limit for c in cells if c.entry_type == entry),
            sum(c.within_limit + c.beyond_limit for c in cells if c.entry_type == entry),
        )
        for entry in sorted({c.entry_type for c in cells})
    )
    return Overview(full.as_of, full.view, full.rule_set, cells, trend)


@settings(max_examples=300, deadline=None)
@given(sparse_grids)
def test_a_card_is_masked_only_when_a_row_beneath_it_is(
    grid: list[list[tuple[int, int] | None]],
) -> None:
    # A hidden card over rows that are all shown adds up from the table: the card said
    # "masked" while the table showed the figure. Absent rows are zeros everyone knows.
    data = _sparse_overview(grid)
    shown = shown_overview(data, THRESHOLD)
    for total in shown.totals:
        rows = [c for c in shown.cells if c.entry_type == total.entry_type]
        if total.waiting is None:
            assert any(c.waiting is None for c in rows)
        judged = sum(
            c.within_limit + c.beyond_limit for c in data.cells if c.entry_type == total.entry_type
        )
        if total.limited and judged and total.share_within is None:
            assert any(c.beyond_limit is None for c in rows)
        # The trend's point at the overview's date is the same figure: the same decision.
        point = next(t for t in shown.trend if t.entry_type == total.entry_type)
        assert point.waiting == total.waiting
        assert point.share_within == total.share_within or not total.limited


def test_the_reported_case_one_specialty_under_an_entry_type() -> None:
    # First visits only in s00 (52 waiting, 13 beyond), 2 in primary care in s01: the card of
    # first visits showed "–, share masked" over its only row, 52 / 39 / 13 / 75 %.
    data = _sparse_overview([[(52, 13), None, None], [None, None, (2, 0)]])
    shown = shown_overview(data, THRESHOLD)
    row = next(c for c in shown.cells if c.entry_type == "first_visit")
    card = next(t for t in shown.totals if t.entry_type == "first_visit")
    assert (row.waiting, row.within_limit, row.beyond_limit) == (52, 39, 13)
    assert (card.waiting, card.share_within) == (52, 0.75)
