"""The Swedish workbook's README sheet explains its columns in Swedish, without field codes.

The English workbook keeps the codes and formulas (for whoever reproduces the numbers); a
Swedish reader sees the sheets' own column headings, the Swedish names and ``help_sv``.
"""

from __future__ import annotations

import io

from openpyxl import load_workbook

from vardkoll.analytics import INDICATORS
from vardkoll.services.reports.model import MonthlyReport
from vardkoll.services.reports.render import render_xlsx


def _cells(report: MonthlyReport, lang: str, sheet: str) -> list[str]:
    book = load_workbook(io.BytesIO(render_xlsx(report, lang)))
    return [str(v) for row in book[sheet].iter_rows(values_only=True) for v in row if v is not None]


def test_swedish_readme_has_swedish_help_and_no_codes(report: MonthlyReport) -> None:
    cells = _cells(report, "sv", "Läs mig")
    text = "\n".join(cells)
    shown = [i for i in INDICATORS if i.help_sv in cells]
    assert {i.name for i in shown} >= {"inflow", "outflow_removed_other", "waiting_count"}
    for indicator in INDICATORS:
        assert indicator.help not in text, f"English help of {indicator.name} in Swedish"
        assert indicator.name not in cells, f"field code {indicator.name} in Swedish"
        assert indicator.formula not in cells, f"formula of {indicator.name} in Swedish"
    assert "Inflöde" in cells
    assert "Formel" not in cells


def test_english_readme_keeps_codes_formulas_and_english_help(report: MonthlyReport) -> None:
    cells = _cells(report, "en", "README")
    inflow = next(i for i in INDICATORS if i.name == "inflow")
    assert {"inflow", inflow.formula, inflow.help, "Formula"} <= set(cells)
    assert not any(i.help_sv in cells for i in INDICATORS)
