"""Tables that sort, filter and export exactly what is shown (Excel and CSV).

Why one model: the page and the export are built from the same :class:`Table` with the same
sort and filter, so an export can never hold a row or column the page did not show. Numbers
leave as numbers: CSV cells hold ``1593`` and ``72.1`` (shares in percent, the header says
``(%)``), Excel cells hold the values with a number format. Text that
looks like a formula is neutralised with a leading apostrophe (import-format.md), so Excel
never evaluates data.

>>> neutralise("=HYPERLINK(1)"), neutralise("Ortopedi")
("'=HYPERLINK(1)", 'Ortopedi')
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Font
from starlette.responses import Response

Kind = Literal["text", "int", "share", "date"]
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix formula-looking text with an apostrophe so spreadsheets show it as text."""
    return "'" + value if value.startswith(_FORMULA_START) else value


@dataclass(frozen=True)
class Column:
    """One column: the row key, its translated header and how its values are formatted."""

    key: str
    label: str
    kind: Kind = "text"


@dataclass
class Table:
    """Rows of plain values (numbers stay numbers) with the columns that show them."""

    columns: list[Column]
    rows: list[dict[str, Any]]
    sort: str = ""
    direction: Literal["asc", "desc"] = "asc"
    notes: list[str] = field(default_factory=list)

    def sorted_by(self, key: str, direction: str) -> Table:
        """A copy sorted by ``key`` (missing values last); an unknown key keeps the order."""
        if key not in {c.key for c in self.columns}:
            return self
        desc = direction == "desc"
        present = [r for r in self.rows if r.get(key) is not None]
        missing = [r for r in self.rows if r.get(key) is None]
        present.sort(key=lambda r: r[key], reverse=desc)
        return Table(self.columns, present + missing, key, "desc" if desc else "asc", self.notes)

    def filtered(self, text: str, keys: list[str]) -> Table:
        """Rows whose ``keys`` columns contain ``text`` (case-insensitive)."""
        needle = text.strip().lower()
        if not needle:
            return self
        rows = [r for r in self.rows if any(needle in str(r.get(k, "")).lower() for k in keys)]
        return Table(self.columns, rows, self.sort, self.direction, self.notes)


Formatter = Callable[[Column, Any], str]


def csv_value(column: Column, value: Any, fmt: Formatter) -> str:
    """A cell as a spreadsheet reads a number: ``1593`` and ``72.1``, never ``1 593``.

    Counts are plain integers; shares are percent with a decimal point (the header says
    ``(%)``), since "72,1 %" or a non-breaking thousands space makes a spreadsheet see text.
    Missing values are empty cells; masking markers and other text stay text.
    """
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return fmt(column, value)
    if isinstance(value, float) and value != value:  # NaN
        return ""
    if column.kind == "int":
        return str(int(value))
    if column.kind == "share":
        return f"{value * 100:.1f}"
    return fmt(column, value)


def csv_header(column: Column) -> str:
    return f"{column.label} (%)" if column.kind == "share" else column.label


def to_csv(table: Table, fmt: Formatter, *, delimiter: str = ";") -> bytes:
    """The table as CSV with machine numbers (:func:`csv_value`); UTF-8 with BOM for Excel.

    Rows and columns are those on screen, in the same order; only the number formatting
    differs, so the file can be calculated with.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(csv_header(c)) for c in table.columns])
    for row in table.rows:
        writer.writerow([neutralise(csv_value(c, row.get(c.key), fmt)) for c in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


_XLSX_FORMATS = {"int": "#,##0", "share": "0.0%", "date": "yyyy-mm-dd"}


def to_xlsx(table: Table, *, sheet: str, about: list[tuple[str, str]]) -> bytes:
    """The table as an Excel workbook: numbers as numeric cells with a number format
    (thousands grouped, shares as percentages, ISO dates), shown in the reader's locale.

    A second sheet states what the table shows (view, date, scope), since a file travels
    without the page around it.
    """
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet[:31]
    ws.append([neutralise(c.label) for c in table.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        values: list[Any] = []
        for column in table.columns:
            value = row.get(column.key)
            if isinstance(value, str):
                value = neutralise(value)
            values.append(value)
        ws.append(values)
    for index, column in enumerate(table.columns, start=1):
        letter = ws.cell(row=1, column=index).column_letter
        ws.column_dimensions[letter].width = max(12, len(column.label) + 2)
        number_format = _XLSX_FORMATS.get(column.kind)
        if number_format is not None:
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                if isinstance(cell.value, int | float | dt.date):
                    cell.number_format = number_format
    info = workbook.create_sheet("Info")
    for key, value in about:
        info.append([neutralise(key), neutralise(value)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(
    table: Table,
    fmt: str,
    *,
    name: str,
    sheet: str,
    about: list[tuple[str, str]],
    formatter: Formatter,
) -> Response:
    """``table`` as an attachment: CSV with machine numbers, or Excel with its Info sheet."""
    if fmt == "csv":
        body, media = to_csv(table, formatter), "text/csv; charset=utf-8"
    else:
        body, media = to_xlsx(table, sheet=sheet, about=about), XLSX_MEDIA
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )
