"""No masked cell of the monthly report can be recovered, and no small count is published.

The audit here is independent of the service's: a masked cell is recoverable exactly when
its unit vector lies in the row space of the published equations over the masked cells,
checked by comparing matrix ranks (the service uses a null-space basis instead).
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from vardkoll.analytics import determined_cells, mask_linear
from vardkoll.domain import AnalyticsError
from vardkoll.services.reports.grids import flow_equations
from vardkoll.services.reports.model import MonthlyReport, ReportTable
from vardkoll.services.reports.render import render_pdf, render_xlsx, sheet_name

Cell = tuple[int, int]


def recoverable(mask: np.ndarray, equations: list[list[tuple[Cell, float]]]) -> set[Cell]:
    """Masked cells fixed by the equations, by rank: e_k in the row space ⇔ rank unchanged."""
    unknown = [(int(r), int(c)) for r, c in zip(*np.nonzero(mask), strict=True)]
    index = {cell: i for i, cell in enumerate(unknown)}
    rows = []
    for eq in equations:
        row = np.zeros(len(unknown))
        for cell, k in eq:
            if cell in index:
                row[index[cell]] += k
        if row.any():
            rows.append(row)
    if not unknown:
        return set()
    a = np.array(rows) if rows else np.zeros((0, len(unknown)))
    base = np.linalg.matrix_rank(a) if len(a) else 0
    fixed = set()
    for cell, i in index.items():
        unit = np.zeros((1, len(unknown)))
        unit[0, i] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == base:
            fixed.add(cell)
    return fixed


def grid_equations(table: ReportTable) -> list[list[tuple[Cell, float]]]:
    """Row and column sums over the count columns (the last of them is the row total)."""
    cols = [c for c, col in enumerate(table.columns) if col.kind == "count"]
    rows = len(table.values)
    eqs: list[list[tuple[Cell, float]]] = []
    for r in range(rows):
        eqs.append([*(((r, c), 1.0) for c in cols[:-1]), ((r, cols[-1]), -1.0)])
    for c in cols:
        eqs.append([*(((r, c), 1.0) for r in range(rows - 1)), ((rows - 1, c), -1.0)])
    return eqs


def _grids(report: MonthlyReport) -> list[ReportTable]:
    return [t for t in report.tables if t.kind == "grid"]


@pytest.mark.parametrize("which", ["report", "strict_report"])
def test_no_masked_cell_of_a_cross_table_follows_from_the_totals(
    which: str, request: pytest.FixtureRequest
) -> None:
    report: MonthlyReport = request.getfixturevalue(which)
    grids = _grids(report)
    assert {t.key for t in grids} >= {"waiting_specialist", "beyond_specialist", "units"}
    for table in grids:
        cols = [c for c, col in enumerate(table.columns) if col.kind == "count"]
        mask = table.mask[:, cols]
        for r, c in zip(*np.nonzero(mask), strict=True):
            # The brute necessary condition: another masked cell in its row and its column.
            assert mask[r].sum() >= 2, (table.key, r, c)
            assert mask[:, c].sum() >= 2, (table.key, r, c)
        full = np.zeros_like(table.mask)
        full[:, cols] = table.mask[:, cols]
        assert recoverable(full, grid_equations(table)) == set(), table.key


@pytest.mark.parametrize("which", ["report", "strict_report"])
def test_the_flows_table_hides_its_small_flows_against_the_stock_flow_identity(
    which: str, request: pytest.FixtureRequest
) -> None:
    report: MonthlyReport = request.getfixturevalue(which)
    flows = report.table("flows")
    values = np.array([row[1:] for row in flows.values], dtype=np.int64)
    # The identity the equations encode does hold for the true values.
    qs, inflow, treated, other, net, qe = values.T
    assert (qs + inflow - treated - other == qe).all()
    assert (qe - qs == net).all()
    assert flows.mask.any(), "the test month should have something to hide"
    assert recoverable(flows.mask, flow_equations(len(flows.values))) == set()


def test_a_higher_threshold_masks_more(report: MonthlyReport, strict_report: MonthlyReport) -> None:
    for key in ("waiting_specialist", "flows", "units"):
        assert strict_report.table(key).mask.sum() >= report.table(key).mask.sum()
    assert sum(t.mask.sum() for t in strict_report.tables) > sum(
        t.mask.sum() for t in report.tables
    )


def test_derived_cells_hide_with_the_counts_they_rest_on(report: MonthlyReport) -> None:
    grids = {t.key: t for t in report.tables}
    stats = grids["waiting_stats"]
    for r, row in enumerate(stats.values):
        specialty, entry = row[0], row[1]
        for key in ("waiting_specialist", "waiting_primary"):
            grid = grids.get(key)
            keys = [c.key for c in grid.columns] if grid else []
            if grid is None or entry not in keys:
                continue
            g = next(i for i, v in enumerate(grid.values) if v[0] == specialty)
            masked = bool(grid.mask[g, keys.index(entry)])
            assert bool(stats.mask[r, 2]) == masked
            if masked:  # no share, median or percentile of a hidden count
                assert stats.mask[r, 3:].all()
    flows, completed = grids["flows"], grids["completed"]
    column = {"treated": 3, "removed_other": 4}
    for r, row in enumerate(completed.values):
        f = next(i for i, v in enumerate(flows.values) if v[0] == row[0])
        assert completed.values[r][2] == flows.values[f][column[row[1]]]
        assert bool(completed.mask[r, 2]) == bool(flows.mask[f, column[row[1]]])


def test_the_region_row_of_the_national_table_repeats_the_unit_totals(
    report: MonthlyReport,
) -> None:
    units, national = report.table("units"), report.table("national")
    total = len(units.values) - 1
    assert national.values[0][1:4] == units.values[total][1:4]
    assert (national.mask[0, 1:4] >= units.mask[total, 1:4]).all()


def _count_cells(report: MonthlyReport) -> list[tuple[str, Any]]:
    out = []
    for table in report.tables:
        published = table.published(report.threshold)
        for row in published:
            for column, value in zip(table.columns, row, strict=True):
                if column.kind == "count":
                    out.append((table.key, value))
    return out


@pytest.mark.parametrize("which", ["report", "strict_report"])
def test_no_published_count_is_under_the_threshold(
    which: str, request: pytest.FixtureRequest
) -> None:
    report: MonthlyReport = request.getfixturevalue(which)
    markers = {f"<{report.threshold}", ".."}
    cells = _count_cells(report)
    assert any(value in markers for _, value in cells)
    for key, value in cells:
        assert value in markers or value == 0 or value >= report.threshold, (key, value)


def test_the_workbook_holds_no_count_under_the_threshold(report: MonthlyReport) -> None:
    book = load_workbook(io.BytesIO(render_xlsx(report, "sv")))
    assert book.sheetnames[0] == "Läs mig"
    for table in report.tables:
        sheet = book[sheet_name(table, "sv")]
        header = [cell.value for cell in sheet[4]]
        assert header == [c.label("sv") for c in table.columns]
        rows = list(sheet.iter_rows(min_row=5, values_only=True))
        assert len(rows) == len(table.values)
        for row in rows:
            for column, value in zip(table.columns, row, strict=True):
                if column.kind == "count":
                    assert value in ("<5", "..") or isinstance(value, int), (table.key, value)
                    assert not (isinstance(value, int) and 0 < value < 5), (table.key, value)
                elif column.kind in ("share", "days"):  # numbers stay numbers
                    assert value is None or value in ("..",) or isinstance(value, int | float)


# A count in the PDF is a free-standing whole number: not part of a date, a time, a decimal,
# a code or a word, not a percentage, a number of days, percentage points or a signed change.
_NUMBER = re.compile(r"(?<![\w.,:/+−\-\u00a0])(\d{1,3}(?:\u00a0\d{3})*)(?![\w.,:/%\-\u00a0])")
_NOT_COUNTS = re.compile(
    r"(Sida|Page) \d+|\d+(?:[\u00a0 ,]\d{3})*\s*(%|d\b|procentenheter|percentage points)"
    r"|\d{4}-\d{2}(-\d{2})?"
)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_pdf_text_holds_no_count_under_the_threshold(report: MonthlyReport, lang: str) -> None:
    reader = PdfReader(io.BytesIO(render_pdf(report, lang)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "<5" in text
    assert ".." in text
    numbers = [
        int(m.group(1).replace("\u00a0", "")) for m in _NUMBER.finditer(_NOT_COUNTS.sub(" ", text))
    ]
    assert len(numbers) > 50  # the tables are really there
    small = [n for n in numbers if 0 < n < report.threshold]
    assert small == []


@given(
    st.lists(st.lists(st.integers(0, 40), min_size=5, max_size=5), min_size=2, max_size=5),
    st.integers(1, 12),
)
def test_masking_with_the_stock_flow_identity_always_protects(
    rows: list[list[int]], threshold: int
) -> None:
    """Random flows tables: after masking, the service's audit and ours agree: nothing fixed."""
    body = []
    for qs, inflow, treated, other, _ in rows:
        t = min(treated, qs + inflow)
        o = min(other, qs + inflow - t)
        qe = qs + inflow - t - o
        body.append([0, qs, inflow, t, o, qe - qs, qe])
    total = [0, *np.array(body)[:, 1:].sum(axis=0).tolist()]
    values = np.array([*body, total], dtype=np.int64)
    counts = np.zeros(values.shape, dtype=bool)
    counts[:, [1, 2, 3, 4, 6]] = True
    pickable = np.zeros(values.shape, dtype=bool)
    pickable[:, [2, 3, 4]] = True
    equations = flow_equations(len(values))
    try:
        primary, mask = mask_linear(values, equations, threshold, counts=counts, pickable=pickable)
    except AnalyticsError:  # the documented refusal when no cell is left to open
        return
    assert (mask | ~primary).all()
    assert determined_cells(mask, equations) == []
    assert recoverable(mask, equations) == set()
