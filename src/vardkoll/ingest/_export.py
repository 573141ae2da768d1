"""Write tables back to Excel safely, and write the error report.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` is a formula to Excel. Data from a region's
files may hold such text by accident or on purpose (CSV injection), so every export marks it
as text: in a workbook the cell is stored as a string with Excel's quote prefix (the leading
apostrophe the user sees in the formula bar); in a CSV the apostrophe is written out.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import openpyxl
from openpyxl.cell import WriteOnlyCell

from vardkoll.ingest._messages import LANGUAGES, REPORT_HEADERS
from vardkoll.ingest._problems import RowProblem

__all__ = ["FORMULA_PREFIXES", "neutralise", "write_error_report", "write_xlsx"]

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat text as a formula (OWASP CSV injection)."""


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def neutralise(text: str) -> str:
    """Prefix formula-looking text with an apostrophe for CSV exports.

    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("-5 dagar"), neutralise("ok")
    ("'-5 dagar", 'ok')
    """
    return "'" + text if looks_like_formula(text) else text


def _excel_value(value: object) -> object:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; callers pass local time
    return value


def write_xlsx(
    path: Path,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    sheet: str = "Data",
) -> None:
    """Write one sheet; text that looks like a formula is stored as text, never as formula."""
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(title=sheet[:31] or "Data")

    def cell(value: object) -> WriteOnlyCell:
        out = WriteOnlyCell(ws, value=_excel_value(value))
        if isinstance(value, str) and (out.data_type == "f" or looks_like_formula(value)):
            out.data_type = "s"
            out.quotePrefix = True
        return out

    ws.append([cell(h) for h in headers])
    for row in rows:
        ws.append([cell(v) for v in row])
    book.save(Path(path))


def write_error_report(problems: Iterable[RowProblem], path: Path, *, lang: str = "sv") -> None:
    """Write the problems as CSV: file, row, field, value, reason (headers in ``lang``).

    UTF-8 with a byte-order mark so Excel shows å, ä and ö; ``;`` as separator in Swedish
    (what Swedish Excel expects) and ``,`` in English. Values are already masked.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}; got {lang!r}.")
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";" if lang == "sv" else ",")
        writer.writerow(REPORT_HEADERS[lang])
        for p in problems:
            writer.writerow(
                [
                    neutralise(p.file),
                    p.row,
                    neutralise(p.field),
                    "" if p.value is None else neutralise(p.value),
                    neutralise(p.message(lang)),
                ]
            )
