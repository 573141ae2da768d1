"""Read the first worksheet of an .xlsx workbook as text cells.

openpyxl in read-only mode streams the sheet, so memory stays flat for large workbooks (it is
still far slower than CSV; big extracts should come as CSV). Formula cells are read as their
formula text — ``=HYPERLINK(…)`` is data to us and is never evaluated. Dates that Excel stores
as dates become ISO text; numbers become their shortest exact text, so that the validator sees
the same thing whether a region sends CSV or XLSX.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pyarrow as pa

from vardkoll.domain import InputError
from vardkoll.ingest._sheet import Sheet

__all__ = ["cell_text", "read_xlsx_bytes"]


def cell_text(value: Any) -> str | None:
    """The text of one cell as a CSV export would show it.

    >>> cell_text(42.0), cell_text(59.6099), cell_text(True)
    ('42', '59.6099', '1')
    >>> cell_text(dt.datetime(2025, 3, 5)), cell_text(dt.datetime(2025, 3, 5, 8, 30))
    ('2025-03-05', '2025-03-05T08:30:00')
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(timespec="seconds" if not value.microsecond else "microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = getattr(value, "text", None)  # ArrayFormula and friends: keep the formula text
    return str(text if isinstance(text, str) else value)


def _rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on damaged or hostile files
        raise _unreadable(exc) from None
    try:
        if not book.worksheets:
            raise InputError("The workbook has no worksheet. Put the data on the first sheet.")
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # a stale <dimension> tag would cut rows off
        try:
            yield from sheet.iter_rows(min_row=1, values_only=True)
        except InputError:
            raise
        except Exception as exc:  # a damaged sheet fails only once we stream it
            raise _unreadable(exc) from None
    finally:
        book.close()


def _unreadable(exc: BaseException) -> InputError:
    return InputError(
        f"The workbook cannot be read ({type(exc).__name__}). Open it in Excel and save it again "
        "as .xlsx (Excel-arbetsbok), or export the sheet as CSV."
    )


def read_xlsx_bytes(data: bytes) -> Sheet:
    """Read the first worksheet; the first non-empty row is the header.

    A value right of the last header cell opens a column without a header (reported by the
    validator); empty such columns are Excel's formatting leftovers and are dropped later.
    """
    headers: list[str] | None = None
    header_row = 0
    cells: list[list[str | None]] = []
    rows: list[int] = []
    for number, raw in enumerate(_rows(data), start=1):
        values = [cell_text(v) for v in raw]
        while values and values[-1] is None:
            values.pop()
        if not any(v.strip() for v in values if v is not None):
            continue
        if headers is None:
            headers = [v or "" for v in values]
            header_row = number
            cells = [[] for _ in headers]
            continue
        for _ in range(len(headers), len(values)):
            headers.append("")
            cells.append([None] * len(rows))
        rows.append(number)
        for i, column in enumerate(cells):
            column.append(values[i] if i < len(values) else None)
    if headers is None:
        raise InputError(
            "The first worksheet is empty. Put the column names in row 1 and the data below."
        )
    return Sheet(
        headers=tuple(headers),
        header_row=header_row,
        columns=tuple(pa.array(c, pa.string()) for c in cells),
        rows=pa.array(rows, pa.int64()),
        extra=None,
        format="xlsx",
        encoding="xlsx",
    )
