"""The report's numbers are the engine's, checked against a pandas recomputation from the rows."""

from __future__ import annotations

import calendar
import datetime as dt
import io
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from tests.services.reports.conftest import MONTH, MONTH_END, REGION

from vardkoll.services.reports.model import MonthlyReport
from vardkoll.services.reports.render import SHEETS, changes, render_xlsx, sheet_name


def _region(frames: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    pathways = frames[0]
    return pathways[pathways["region_code"] == REGION]


def _waiting_on(p: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    removed = p["removed_on"]
    return p[
        (p["clock_start"] <= day) & (removed.isna() | (removed.map(lambda d: d is None or d > day)))
    ]


@pytest.fixture(scope="module")
def workbook(report: MonthlyReport) -> Any:
    return load_workbook(io.BytesIO(render_xlsx(report, "en")))


def _sheet_rows(workbook: Any, key: str) -> list[tuple[Any, ...]]:
    return list(workbook[SHEETS[key][1]].iter_rows(min_row=5, values_only=True))


def test_waiting_cells_equal_a_pandas_count(
    report: MonthlyReport, workbook: Any, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    reference = (
        _waiting_on(_region(frames), MONTH_END)
        .groupby(["specialty", "entry_type"])
        .size()
        .to_dict()
    )
    checked = 0
    for key in ("waiting_specialist", "waiting_primary"):
        table = report.table(key)
        rows = _sheet_rows(workbook, key)
        for codes, cells in zip(table.values[:-1], rows[:-1], strict=True):
            for column, value in zip(table.columns[1:-1], cells[1:-1], strict=True):
                if isinstance(value, int):
                    assert value == reference.get((codes[0], column.key), 0)
                    checked += 1
        entries = {c.key for c in table.columns[1:-1]}
        grand = rows[-1][-1]
        assert grand == sum(v for (_, e), v in reference.items() if e in entries)
    assert checked >= 10


def test_flows_equal_a_pandas_count(
    report: MonthlyReport, workbook: Any, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    p = _region(frames)
    removed_in_month = p["removed_on"].map(lambda d: d is not None and MONTH <= d <= MONTH_END)
    before = MONTH - dt.timedelta(days=1)
    table = report.table("flows")
    rows = _sheet_rows(workbook, "flows")
    for codes, cells in zip(table.values, rows, strict=True):
        entry = codes[0]
        mine = p if entry == "__total__" else p[p["entry_type"] == entry]
        gone = mine[removed_in_month.loc[mine.index]]
        expected = {
            "queue_start": len(_waiting_on(mine, before)),
            "inflow": int(
                ((mine["clock_start"] >= MONTH) & (mine["clock_start"] <= MONTH_END)).sum()
            ),
            "outflow_treated": int((gone["removal_reason"] == "treated").sum()),
            "outflow_removed_other": int((gone["removal_reason"] != "treated").sum()),
            "queue_end": len(_waiting_on(mine, MONTH_END)),
        }
        for column, value in zip(table.columns, cells, strict=True):
            if column.key in expected and isinstance(value, int):
                assert value == expected[column.key], (entry, column.key)


def test_trend_months_equal_a_pandas_count(
    report: MonthlyReport, workbook: Any, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    p = _region(frames)
    rows = _sheet_rows(workbook, "trend")
    assert 24 <= len(rows) <= 36
    assert rows[-1][0] == "2025-06"
    for month, waiting, share, _treated in rows:
        year, number = (int(x) for x in month.split("-"))
        end = dt.date(year, number, calendar.monthrange(year, number)[1])
        if isinstance(waiting, int):
            assert waiting == len(_waiting_on(p, end))
        assert share is None or share == ".." or 0.0 <= share <= 1.0


def test_the_workbook_explains_itself(report: MonthlyReport, workbook: Any) -> None:
    readme = [row for row in workbook["README"].iter_rows(values_only=True)]
    flat = [str(v) for row in readme for v in row if v is not None]
    assert "Monthly waiting-time report 2025-06" in flat[0]
    assert "Västmanlands län (19)" in flat
    assert "<5" in flat
    assert ".." in flat
    assert "waiting_count" in flat
    assert "outflow_removed_other" in flat
    assert set(workbook.sheetnames[1:]) == {sheet_name(t, "en") for t in report.tables}
    flows = workbook["Flows"]
    assert flows["A5"].value == "Primary care contact"
    assert flows.cell(row=4, column=5).value == "Removed, other"


def test_what_changed_names_the_largest_published_changes(report: MonthlyReport) -> None:
    sv, en = changes(report, "sv"), changes(report, "en")
    assert len(sv) == len(en) >= 3
    assert sv[0].startswith("Antalet väntande ökade från 314 till 341")
    assert en[0] == "The number waiting rose from 314 to 341 (by 27)."
    assert any("SPC" in line for line in en)
    assert changes(report, "en") == en  # deterministic
