"""Read CSV files the way Swedish Excel and data warehouses write them.

What arrives in practice: ``;`` (Swedish Excel) or ``,`` separators, UTF-8 with or without a
byte-order mark or Windows-1252 (Excel's "CSV (semikolonavgränsad)"), occasionally UTF-16
("Unicode text"), blank lines, rows of only separators and trailing blanks.

Speed matters (ten million rows), so the file is parsed by Arrow's multi-threaded CSV reader.
Row numbers must still be exact, and Arrow cannot say which line a row came from: when the
file has blank lines between rows, or rows Arrow rejects (a wrong number of values), the file
is read again with Python's :mod:`csv` module, which numbers every record itself. Both paths
give the same cells for the same file; a test holds them to it.
"""

from __future__ import annotations

import codecs
import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from vardkoll.domain import InputError
from vardkoll.ingest._schema import known_header
from vardkoll.ingest._sheet import Sheet

__all__ = ["SEPARATORS", "read_csv_bytes"]

SEPARATORS: tuple[str, ...] = (";", ",", "\t")
_HEAD_LIMIT = 1 << 20
_WHITESPACE = b" \t\r\n"


def _valid_utf8(data: bytes, start: int) -> bool:
    """Check UTF-8 without decoding into a Python string (Arrow validates in place)."""
    size = len(data) - start
    offsets = pa.py_buffer(np.array([0, size], dtype=np.int64))
    body = pa.py_buffer(data)[start:]
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, body]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def decode(data: bytes) -> tuple[bytes, int, str]:
    """The file as UTF-8 bytes, where its text starts, and the encoding it was in."""
    if data.startswith(codecs.BOM_UTF8):
        if _valid_utf8(data, 3):
            return data, 3, "utf-8-sig"
        raise InputError(
            "The file starts with a UTF-8 byte-order mark but is not valid UTF-8. "
            "Save it again as 'CSV UTF-8' from Excel."
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode("utf-8"), 0, "utf-16"
        except UnicodeError:
            raise InputError(
                "The file claims to be UTF-16 but is damaged. Save it again as 'CSV UTF-8'."
            ) from None
    if b"\x00" in data[:65536]:
        raise InputError(
            "The file contains binary data (NUL bytes), so it is not a CSV file. Export the "
            "data as CSV (UTF-8 or Windows-1252) or as an .xlsx workbook."
        )
    if _valid_utf8(data, 0):
        return data, 0, "utf-8"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"The file is neither UTF-8 nor Windows-1252 text (byte {exc.start} cannot be "
            "read). Save it as 'CSV UTF-8' from Excel."
        ) from None
    return text.encode("utf-8"), 0, "windows-1252"


def _find_header(data: bytes, start: int) -> tuple[int, int, str]:
    """(header row number, offset where the data rows begin, header line text)."""
    row = 1
    pos = start
    limit = min(len(data), start + _HEAD_LIMIT)
    while pos < len(data):
        end = data.find(b"\n", pos, limit)
        if end < 0 and limit < len(data):
            raise InputError(
                "The first line of the file is longer than 1 MB; a header row of column names "
                "was expected. Check that the file is a CSV export."
            )
        stop = len(data) if end < 0 else end
        line = data[pos:stop]
        if line.strip(_WHITESPACE):
            text = line.decode("utf-8").rstrip("\r")
            if text.count('"') % 2:
                raise InputError(
                    f'Row {row}, the header, has an unclosed quote ("). Column names may not '
                    "contain line breaks; fix the header row."
                )
            return row, stop + 1 if end >= 0 else len(data), text
        row += 1
        pos = stop + 1
    raise InputError(
        "The file is empty: it has no header row and no data. Export the data again with "
        "column names in the first row."
    )


def _split_header(text: str) -> tuple[str, list[str]]:
    """Pick the separator that makes the most known column names (``;`` wins ties)."""
    best: tuple[int, int] = (-1, -1)
    chosen = SEPARATORS[0], [text]
    for sep in SEPARATORS:
        try:
            cells = next(csv.reader([text], delimiter=sep, strict=False), [])
        except csv.Error as exc:
            raise InputError(
                f"The header row cannot be read as CSV ({exc}). Put the column names, "
                "separated by ';' or ',', on the first line."
            ) from None
        score = (sum(known_header(c) for c in cells), len(cells))
        if score > best:
            best, chosen = score, (sep, cells)
    return chosen


def _content_end(data: bytes, start: int) -> int:
    """Offset after the last character that is not a blank or line break."""
    end = len(data)
    while end > start:
        chunk = data[max(start, end - 65536) : end]
        stripped = chunk.rstrip(_WHITESPACE)
        if stripped:
            return end - len(chunk) + len(stripped)
        end -= len(chunk)
    return start


def _interior_blank_lines(data: bytes, start: int, end: int) -> bool:
    """Whether a blank line lies between rows (slow on big files: used only with quotes)."""
    if start < end and data[start : start + 1] in (b"\n", b"\r"):
        return True
    return any(data.find(p, start, end) >= 0 for p in (b"\n\n", b"\n\r\n", b"\r\r"))


def _lines(data: bytes, start: int, end: int) -> int:
    """Lines between ``start`` and ``end`` (which stops after the last non-blank character)."""
    return data.count(b"\n", start, end) + 1


def _fast(
    data: bytes, start: int, end: int, sep: str, width: int, quoted: bool
) -> list[pa.ChunkedArray] | None:
    """Arrow's reader, or ``None`` when its result could not be numbered exactly."""
    rejected = 0

    def skip(_row: object) -> str:
        nonlocal rejected
        rejected += 1
        return "skip"

    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)[start:end]),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(
                delimiter=sep,
                newlines_in_values=quoted,
                invalid_row_handler=skip,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowException:
        return None
    if rejected:
        return None
    return [table.column(i) for i in range(width)]


def _careful(
    data: bytes, start: int, end: int, sep: str, width: int, first_row: int
) -> tuple[list[pa.Array], pa.Array, pa.Array | None]:
    """Python's csv module: slower, but it numbers every record and tolerates ragged rows."""
    text = data[start:end].decode("utf-8")
    cells: list[list[str | None]] = [[] for _ in range(width)]
    rows: list[int] = []
    extra: list[str | None] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False)
    last = -1
    try:
        for index, record in enumerate(reader):
            last = index
            if not any(v.strip() for v in record):
                continue
            rows.append(first_row + index)
            for i in range(width):
                value = record[i] if i < len(record) else ""
                cells[i].append(value if value != "" else None)
            rest = record[width:]
            extra.append(sep.join(rest) if any(v.strip() for v in rest) else None)
    except csv.Error as exc:
        raise InputError(
            f"Row {first_row + last + 1} cannot be read as CSV ({exc}). Check the quotes and "
            "separators on that row, or export the file again."
        ) from None
    columns = [pa.array(c, pa.string()) for c in cells]
    has_extra = any(e is not None for e in extra)
    return columns, pa.array(rows, pa.int64()), pa.array(extra, pa.string()) if has_extra else None


def read_csv_bytes(data: bytes) -> Sheet:
    """Read a CSV file's bytes into a :class:`Sheet` (see the module docstring)."""
    text, start, encoding = decode(data)
    head = text[start : start + _HEAD_LIMIT]
    if b"\n" not in head and b"\r" in head:  # classic Mac line ends ("CSV (Macintosh)")
        text = text.replace(b"\r", b"\n")
    header_row, body, header_text = _find_header(text, start)
    sep, headers = _split_header(header_text)
    width = len(headers)
    end = _content_end(text, body)
    first_row = header_row + 1
    columns: list[pa.ChunkedArray] | list[pa.Array] | None = None
    quoted = text.find(b'"', body, end) >= 0
    if body >= end:
        columns = [pa.array([], pa.string()) for _ in range(width)]
    elif not (quoted and _interior_blank_lines(text, body, end)):
        columns = _fast(text, body, end, sep, width, quoted)
        # Without quotes a record is a line: Arrow silently drops blank lines, so if it
        # returned fewer rows than there are lines, the numbering must come from elsewhere.
        if columns is not None and not quoted and len(columns[0]) != _lines(text, body, end):
            columns = None
    if columns is not None:
        n = len(columns[0]) if columns else 0
        rows = pa.array(np.arange(first_row, first_row + n, dtype=np.int64))
        extra = None
    else:
        columns, rows, extra = _careful(text, body, end, sep, width, first_row)
    return Sheet(
        headers=tuple(headers),
        header_row=header_row,
        columns=tuple(columns),
        rows=rows,
        extra=extra,
        format="csv",
        encoding=encoding,
    )
