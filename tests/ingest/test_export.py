"""Exports back to Excel and the error report: formulas stay text, reports read back exactly."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from vk_ingest_testdata import TODAY, clock_start, csv_text

from vardkoll.ingest import RowProblem, read_and_validate, write_error_report, write_xlsx


def test_formula_looking_text_is_written_as_text(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    rows = [["=1+1", "+46701234567", "-5 dagar", "@SUM(A1)", "ok", -5, 2.5, dt.date(2025, 3, 5)]]
    write_xlsx(path, ["a", "b", "c", "d", "e", "f", "g", "h"], rows, sheet="Problem")
    book = openpyxl.load_workbook(path)
    sheet = book["Problem"]
    cells = [sheet.cell(row=2, column=i) for i in range(1, 9)]
    for cell in cells[:4]:
        assert cell.data_type == "s"  # a string, never a formula
        assert cell.quotePrefix  # Excel's leading apostrophe
    assert [c.value for c in cells[:5]] == ["=1+1", "+46701234567", "-5 dagar", "@SUM(A1)", "ok"]
    assert cells[4].quotePrefix is False
    assert (cells[5].value, cells[6].value) == (-5, 2.5)  # numbers stay numbers
    assert cells[7].value == dt.datetime(2025, 3, 5)


def test_the_reader_gets_back_what_write_xlsx_wrote(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    header = ["unit_id", "entry_type", "week", "planned", "performed"]
    write_xlsx(path, header, [["=U1", "treatment", "2025-W14", 42, None]])
    checked = read_and_validate(path, today=TODAY)
    assert checked.problems == ()
    assert checked.valid.column("unit_id").to_pylist() == ["=U1"]


def _report_rows(path: Path, sep: str) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)  # so that Excel shows å, ä and ö
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=sep))


@pytest.mark.parametrize(
    ("lang", "sep", "header"),
    [
        ("sv", ";", ["fil", "rad", "fält", "värde", "orsak"]),
        ("en", ",", ["file", "row", "field", "value", "reason"]),
    ],
)
def test_error_report_lists_every_problem(
    tmp_path: Path, lang: str, sep: str, header: list[str]
) -> None:
    data = tmp_path / "events.csv"
    data.write_text(
        csv_text([clock_start(priority="=9+1", event_date="2025-02-30")]), encoding="utf-8"
    )
    checked = read_and_validate(data, today=TODAY)
    report = tmp_path / "report.csv"
    write_error_report(checked.problems, report, lang=lang)
    rows = _report_rows(report, sep)
    assert rows[0] == header
    assert [(r[1], r[2], r[3]) for r in rows[1:]] == [
        ("2", "event_date", "2025-02-30"),
        ("2", "priority", "'=9+1"),  # neutralised, so Excel does not run it
    ]
    assert rows[1][4] == checked.problems[0].message(lang)
    assert all(r[0] == str(data) for r in rows[1:])


def test_report_values_are_masked(tmp_path: Path) -> None:
    problem = RowProblem(
        "f.csv", 7, "patient_id", "19640823-3235", "bad_identity", {"reason": "check_digit"}
    )
    report = tmp_path / "r.csv"
    write_error_report([problem], report)
    text = report.read_text(encoding="utf-8-sig")
    assert "19640823-****" in text
    assert "3235" not in text


def test_unknown_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lang must be one of sv, en"):
        write_error_report([], tmp_path / "r.csv", lang="fi")
