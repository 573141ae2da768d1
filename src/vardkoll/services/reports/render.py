"""The monthly report as a PDF (for reading) and an Excel workbook (for further work).

Both read only :meth:`ReportTable.published`, so a masked cell reaches neither file. The
workbook keeps numbers as numbers (counts as integers, shares as fractions formatted as
percentages, days as decimals) with one sheet per table and a README sheet of definitions.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from vardkoll.analytics import INDICATORS, xmr_vega_lite
from vardkoll.services.reports.chart_images import chart_png
from vardkoll.services.reports.model import MonthlyReport, ReportColumn, ReportTable
from vardkoll.services.reports.pdf import PdfDocument
from vardkoll.services.reports.text import (
    entry_name,
    fmt_count,
    fmt_days,
    fmt_share,
    specialty_name,
    status_labels,
    what_changed,
    word,
)

__all__ = [
    "FORMATS",
    "OUTLIERS",
    "SHEETS",
    "media_type",
    "render_pdf",
    "render_report",
    "render_xlsx",
    "report_filename",
    "sheet_name",
    "spc_specs",
]

FORMATS: tuple[str, ...] = ("pdf", "xlsx")
_MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_TOTALS = {"Totalt / Total", "__total__"}
_OUTCOMES = {
    "treated": ("Genomförda", "Treated"),
    "removed_other": ("Avslutade av annat skäl", "Removed for other reasons"),
}
_POSITIONS = {
    "within": ("inom tratten", "within"),
    "above_95": ("över 95 %-gränsen", "above 95% limit"),
    "above_99.8": ("över 99,8 %-gränsen", "above 99.8% limit"),
    "below_95": ("under 95 %-gränsen", "below 95% limit"),
    "below_99.8": ("under 99,8 %-gränsen", "below 99.8% limit"),
}
_SCOPES = {"all_regions": ("Alla regioner i underlaget", "All regions in the data")}
OUTLIERS: frozenset[str] = frozenset({"above_99.8", "below_99.8"})
"""Funnel positions whose units are named in the plot: beyond the 99.8 % limits (about three
standard errors), where chance is an unlikely explanation; naming every unit, or those only
outside 95 %, buries the plot in labels."""
SHEETS: dict[str, tuple[str, str]] = {
    "waiting_specialist": ("Väntande specialiserad vård", "Waiting, specialist care"),
    "waiting_primary": ("Väntande primärvård", "Waiting, primary care"),
    "beyond_specialist": ("Utöver garantin specialiserad", "Beyond guarantee, specialist"),
    "beyond_primary": ("Utöver garantin primärvård", "Beyond guarantee, primary care"),
    "waiting_stats": ("Väntetider", "Waiting times"),
    "flows": ("Flöden", "Flows"),
    "completed": ("Genomförda", "Completed"),
    "units": ("Enheter jämförda", "Units compared"),
    "national": ("Regioner jämförda", "Regions compared"),
    "trend": ("Utveckling per månad", "Month by month"),
}
"""Workbook sheet names a person reads (Excel allows 31 characters)."""


def media_type(fmt: str) -> str:
    return _MEDIA[fmt]


def report_filename(report: MonthlyReport, fmt: str) -> str:
    """``vardkoll-manadsrapport-19-2025-06.pdf``: ASCII, safe in a header."""
    return f"vardkoll-manadsrapport-{report.region_code}-{report.label}.{fmt}"


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "sv" else pair[1]


def sheet_name(table: ReportTable, lang: str) -> str:
    """The sheet of ``table``: a human name, cut to Excel's 31 characters."""
    return _pick(SHEETS.get(table.key, (table.key, table.key)), lang)[:31]


def label_text(report: MonthlyReport, column: ReportColumn, value: Any, lang: str) -> str:
    """A label cell in words: entry types, specialties, outcomes, totals, funnel positions."""
    text = "" if value is None else str(value)
    if text in _TOTALS:
        return word("total", lang)
    if column.key == "entry_type":
        return entry_name(text, lang)
    if column.key == "unit_id":
        return report.unit_name(text)
    if column.key in ("label", "specialty"):
        return specialty_name(text, lang)
    if column.key == "outcome":
        return _pick(_OUTCOMES.get(text, (text, text)), lang)
    if column.key == "position":
        return _pick(_POSITIONS.get(text, (text, text)), lang)
    if column.key == "scope":
        if text == "region":
            return report.region_name
        return _pick(_SCOPES.get(text, (text, text)), lang)
    return text


def _cell_text(report: MonthlyReport, column: ReportColumn, value: Any, lang: str) -> str:
    if isinstance(value, str) and column.kind != "label":
        return value  # a masking marker
    if value is None:
        return "–"
    if column.kind == "label":
        return label_text(report, column, value, lang)
    if column.kind == "count":
        return fmt_count(int(value), lang)
    if column.kind == "net":
        number = int(value)
        return "0" if number == 0 else ("+" if number > 0 else "") + fmt_count(number, lang)
    if column.kind == "share":
        return fmt_share(float(value), lang)
    return fmt_days(float(value), lang)


def spc_specs(report: MonthlyReport, lang: str) -> list[dict[str, Any]]:
    """The Vega-Lite specs of the report's SPC charts: legend in ``lang``, shares in percent."""
    specs = []
    for chart in report.charts:
        if chart.chart is None:
            continue
        specs.append(
            xmr_vega_lite(
                chart.chart,
                list(chart.labels),
                title=chart.title_sv if lang == "sv" else chart.title_en,
                unit=chart.unit_sv if lang == "sv" else chart.unit_en,
                width=620,
                percent=chart.key.endswith("_share"),
                status_labels=status_labels(lang),
            )
        )
    return specs


def funnel_spec(report: MonthlyReport, lang: str) -> dict[str, Any] | None:
    """A Vega-Lite funnel plot of the published units, with a legend.

    Limits are lines (dash by level, in the legend), units points (colour by position, in
    the legend); only units outside the 99.8 % limits (:data:`OUTLIERS`) carry a label, their
    name, so the plot stays readable with dozens of units.
    """
    units = [p for p in report.funnel_points if p["series"] == "unit"]
    curve = [p for p in report.funnel_points if p["series"] == "limit"]
    if not units or not curve:
        return None
    sv = lang == "sv"
    share = "Andel inom vårdgarantin" if sv else "Share within the guarantee"
    size = "Väntande med gräns" if sv else "Waiting with a limit"
    limit_title = "Gränser" if sv else "Limits"
    unit_title = "Enheter" if sv else "Units"
    lines = {
        "target": ("Regionens andel", "The region's share"),
        "95": ("95 %-gräns", "95% limit"),
        "998": ("99,8 %-gräns", "99.8% limit"),
    }
    limits = [
        {"n": p["n"], "value": p[field], "line": _pick(lines[level], lang), "side": field}
        for p in curve
        for field, level in (
            ("target", "target"),
            ("low95", "95"),
            ("high95", "95"),
            ("low998", "998"),
            ("high998", "998"),
        )
    ]
    outside = "Utanför 99,8 %-gränsen" if sv else "Outside the 99.8% limit"
    inside = "Inom 99,8 %-gränsen" if sv else "Within the 99.8% limit"
    points = [
        {
            "n": p["n"],
            "share": p["share"],
            "name": report.unit_name(str(p["unit"])),
            "group": outside if p.get("position") in OUTLIERS else inside,
            "label": report.unit_name(str(p["unit"])) if p.get("position") in OUTLIERS else "",
        }
        for p in units
    ]
    # Neighbouring outliers take turns above and below their point, so their names do not
    # print over each other.
    named = sorted((p for p in points if p["label"]), key=lambda p: p["n"])
    x = {
        "field": "n",
        "type": "quantitative",
        "title": size,
        "scale": {"type": "log", "domainMin": 5},
    }
    y = {"type": "quantitative", "title": share, "axis": {"format": ".0%"}}
    line_names = [_pick(lines[k], lang) for k in ("target", "95", "998")]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": share,
        "width": 520,
        "height": 280,
        "layer": [
            {
                "data": {"values": limits},
                "mark": {"type": "line", "color": "#555555", "strokeWidth": 1},
                "encoding": {
                    "x": x,
                    "y": {**y, "field": "value"},
                    "detail": {"field": "side"},
                    "strokeDash": {
                        "field": "line",
                        "type": "nominal",
                        "title": limit_title,
                        "scale": {"domain": line_names, "range": [[1, 0], [4, 3], [1, 2]]},
                    },
                },
            },
            {
                "data": {"values": points},
                "mark": {"type": "point", "filled": True, "size": 60},
                "encoding": {
                    "x": x,
                    "y": {**y, "field": "share"},
                    "color": {
                        "field": "group",
                        "type": "nominal",
                        "title": unit_title,
                        "scale": {"domain": [inside, outside], "range": ["#1d4f73", "#d95f02"]},
                    },
                },
            },
            *(
                {
                    "data": {"values": named[side::2]},
                    "mark": {"type": "text", "dy": dy, "fontSize": 9, "align": "center"},
                    "encoding": {"x": x, "y": {**y, "field": "share"}, "text": {"field": "label"}},
                }
                for side, dy in ((0, -9), (1, 13))
            ),
        ],
    }


def _pdf_table(doc: PdfDocument, report: MonthlyReport, table: ReportTable, lang: str) -> None:
    doc.heading(table.title(lang), level=2)
    if table.note(lang):
        doc.paragraph(table.note(lang), small=True)
    header = [c.label(lang) for c in table.columns]
    rows = [
        [_cell_text(report, c, v, lang) for c, v in zip(table.columns, row, strict=True)]
        for row in table.published(report.threshold)
    ]
    numeric = [i for i, c in enumerate(table.columns) if c.kind != "label"]
    doc.table(header, rows, numeric_columns=numeric)


def changes(report: MonthlyReport, lang: str) -> list[str]:
    """The "what changed" sentences of the report in ``lang``."""
    return what_changed(report.headline, report.largest, report.signals, report.threshold, lang)


def _method(report: MonthlyReport, lang: str) -> list[str]:
    marker = f"<{report.threshold}"
    if lang == "sv":
        return [
            f"Underlaget avser {report.as_of.isoformat()}, regelverk {report.rule_set}. Alla "
            "tabeller använder den pausjusterade klockan.",
            f"Antal under {report.threshold} visas som {marker} och döljs även i summorna; "
            "andra celler döljs (..) så att ingen dold cell kan räknas fram ur summorna. "
            "Andelar och väntetider döljs där de bygger på en dold cell.",
            "SPC: XmR-diagram med styrgränser på 2,66 gånger medelvariationen mellan månader.",
        ]
    return [
        f"Data as of {report.as_of.isoformat()}, rule set {report.rule_set}. Every table uses "
        "the pause-adjusted clock.",
        f"Counts under {report.threshold} show as {marker} and are hidden in the totals too; "
        "other cells are hidden (..) so that no hidden cell can be worked out from the totals. "
        "Shares and waits are hidden where they rest on a hidden cell.",
        "SPC: XmR charts with limits at 2.66 times the mean month-to-month variation.",
    ]


def render_pdf(report: MonthlyReport, lang: str = "sv") -> bytes:
    doc = PdfDocument(
        f"{word('title', lang)} {report.label}",
        subtitle=report.region_name,
        lang=lang,
    )
    doc.heading(word("what_changed", lang))
    for line in changes(report, lang):
        doc.paragraph(line)
    doc.heading(word("indicators", lang))
    comparison = {"units", "national"}
    for table in report.tables:
        if table.key not in comparison and table.key != "trend":
            _pdf_table(doc, report, table, lang)
    doc.page_break()
    doc.heading(word("trends", lang))
    images = [chart_png(spec, scale=1.5, lang=lang) for spec in spc_specs(report, lang)]
    if not images:
        doc.paragraph(word("no_chart", lang))
    for png in images:
        doc.image(png)
    _pdf_table(doc, report, report.table("trend"), lang)
    doc.page_break()
    doc.heading(word("comparison", lang))
    spec = funnel_spec(report, lang)
    if spec is not None:
        doc.image(chart_png(spec, scale=1.5, lang=lang))
    for key in ("units", "national"):
        _pdf_table(doc, report, report.table(key), lang)
    doc.heading(word("method", lang))
    for line in _method(report, lang):
        doc.paragraph(line, small=True)
    return doc.render()


_FORMATS = {"share": "0.0%", "days": "0.0", "count": "#,##0", "net": "+#,##0;-#,##0;0"}


def _definitions(report: MonthlyReport, lang: str) -> list[tuple[str, ...]]:
    """The README's table of definitions, header first, one row per indicator shown.

    The English workbook keys each row by the machine field code and keeps the formula, for
    whoever reproduces the numbers from the API. The Swedish one names the column as its
    sheet heads it (the sheets show no codes) and explains it in Swedish only: the formulas
    are English prose in terms of the field codes, so a Swedish reader gets the help instead.
    """
    by_name = {i.name: i for i in INDICATORS}
    seen: dict[str, tuple[str, ...]] = {}
    for table in report.tables:
        for column in table.columns:
            indicator = by_name.get(column.key)
            if indicator is None or column.key in seen:
                continue
            if lang == "sv":
                seen[column.key] = (column.sv, indicator.name_sv, indicator.help_sv)
            else:
                seen[column.key] = (
                    column.key,
                    indicator.name_en,
                    indicator.formula,
                    indicator.help,
                )
    header: tuple[str, ...] = (word("column", lang), word("meaning", lang))
    if lang != "sv":
        header += (word("formula", lang),)
    return [(*header, word("help", lang)), *seen.values()]


def render_xlsx(report: MonthlyReport, lang: str = "sv") -> bytes:
    book = Workbook()
    readme = book.active
    assert readme is not None
    readme.title = word("readme", lang)
    bold = Font(bold=True)
    lines: list[tuple[Any, ...]] = [
        (f"{word('title', lang)} {report.label}",),
        (),
        (word("region", lang), f"{report.region_name} ({report.region_code})"),
        (word("month", lang), report.label),
        (word("as_of", lang), report.as_of.isoformat()),
        (word("rule_set", lang), report.rule_set),
        (word("view", lang), word("view_pause", lang)),
        (word("threshold", lang), report.threshold),
        (f"<{report.threshold}", word("legend_primary", lang)),
        ("..", word("legend_secondary", lang)),
        (),
        (word("what_changed", lang),),
        *((line,) for line in changes(report, lang)),
        (),
        (word("sheet", lang), word("meaning", lang)),
        *((sheet_name(t, lang), t.title(lang)) for t in report.tables),
        (),
        (word("definitions", lang),),
        *_definitions(report, lang),
    ]
    for line in lines:
        readme.append(list(line))
    readme["A1"].font = Font(bold=True, size=14)
    readme.column_dimensions["A"].width = 34
    readme.column_dimensions["B"].width = 60
    for table in report.tables:
        sheet = book.create_sheet(sheet_name(table, lang))
        sheet.append([table.title(lang)])
        sheet["A1"].font = bold
        sheet.append([table.note(lang)])
        sheet.append([])
        sheet.append([c.label(lang) for c in table.columns])
        for cell in sheet[4]:
            cell.font = bold
        for row in table.published(report.threshold):
            out: list[Any] = []
            for column, value in zip(table.columns, row, strict=True):
                if column.kind == "label":
                    out.append(label_text(report, column, value, lang))
                else:
                    out.append(value)  # a number, a marker, or empty
            sheet.append(out)
        for c, column in enumerate(table.columns, start=1):
            letter = get_column_letter(c)
            sheet.column_dimensions[letter].width = 26 if column.kind == "label" else 14
            if column.kind in _FORMATS:
                for (cell,) in sheet.iter_rows(min_row=5, min_col=c, max_col=c):
                    if isinstance(cell.value, int | float):
                        cell.number_format = _FORMATS[column.kind]
        sheet.freeze_panes = "A5"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render_report(report: MonthlyReport, fmt: str, lang: str = "sv") -> bytes:
    """The report as ``pdf`` or ``xlsx`` bytes."""
    return render_pdf(report, lang) if fmt == "pdf" else render_xlsx(report, lang)
