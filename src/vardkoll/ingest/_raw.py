"""From a file on disk to a :class:`RawTable`: text cells under canonical column names.

The reader decides the format from the file's first bytes (an .xlsx is a ZIP archive), reads
it into text cells, maps English or Swedish headers to the canonical names and, when not told,
works out which kind of file it is from the header. Nothing is judged here beyond "can this be
read at all"; every judgement of content is :func:`validate`'s, so all problems of a file can be
reported together.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.domain import InputError
from vardkoll.ingest._csv import read_csv_bytes
from vardkoll.ingest._schema import FILE_KINDS, SCHEMAS, detect_kind
from vardkoll.ingest._sheet import Sheet
from vardkoll.ingest._xlsx import read_xlsx_bytes

__all__ = ["EXTRA_COLUMN", "META_HEADER_ROW", "META_SHA256", "ROW_COLUMN", "RawTable", "read_raw"]

ROW_COLUMN = "_row"
EXTRA_COLUMN = "_extra"
META_SHA256 = b"vardkoll.sha256"
META_HEADER_ROW = b"vardkoll.header_row"
META_FORMAT = b"vardkoll.format"
META_ENCODING = b"vardkoll.encoding"

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class RawTable:
    """A file's cells as text, before any judgement.

    Every column is ``pa.string()`` (null for an empty cell) under its canonical English name;
    a header that names no column of the kind keeps its text as written, so that validation
    can report it. ``_row`` (int64) is each row's number as a person sees it in the file, the
    header being row 1. The schema metadata carries the file's SHA-256 and header row.
    """

    source: str
    kind: str | None
    table: pa.Table


def read_raw(path: Path, *, kind: str | None = None) -> RawTable:
    """Read a CSV or XLSX file into a :class:`RawTable`.

    Raises :class:`InputError` when the file cannot be read at all (missing, empty, binary,
    an old .xls, a damaged workbook) or, without ``kind``, when its header matches no kind.
    """
    if kind is not None and kind not in SCHEMAS:
        raise InputError(
            f"Unknown file kind {kind!r}; use one of {', '.join(FILE_KINDS)}.", field="kind"
        )
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"Cannot read {path.name!r} ({exc.strerror or type(exc).__name__}). Check the path "
            "and that the file is readable."
        ) from None
    return raw_from_bytes(data, source=str(path), kind=kind)


def raw_from_bytes(data: bytes, *, source: str, kind: str | None = None) -> RawTable:
    """As :func:`read_raw`, for bytes already in memory (uploads, tests)."""
    if data.startswith(_OLE):
        raise InputError(
            "This is an old Excel 97-2003 (.xls) workbook. Save it as .xlsx "
            "(Excel-arbetsbok) or CSV and import that."
        )
    sheet = read_xlsx_bytes(data) if data.startswith(_ZIP) else read_csv_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    return _to_raw(sheet, source=source, kind=kind, digest=digest)


def _to_raw(sheet: Sheet, *, source: str, kind: str | None, digest: str) -> RawTable:
    headers = [h.strip() for h in sheet.headers]
    if kind is None:
        kind = detect_kind(headers)
        if kind is None:
            shown = ", ".join(repr(h) for h in headers[:12]) or "nothing"
            raise InputError(
                f"Cannot tell which kind of file {Path(source).name!r} is: its header row "
                f"(row {sheet.header_row}) holds {shown}, which matches none of "
                f"{', '.join(FILE_KINDS)}. Put the column names of docs/reference/"
                "import-format.md in the first row, or name the kind explicitly."
            )
    schema = SCHEMAS[kind]
    names: list[str] = []
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for header, column in zip(headers, sheet.columns, strict=True):
        if not header and pc.all(pc.is_null(column)).as_py() is not False:
            continue  # an empty column without a header: Excel's leftovers, not data
        names.append(schema.resolve(header) or header)
        arrays.append(column)
    names.append(ROW_COLUMN)
    arrays.append(sheet.rows)
    if sheet.extra is not None:
        names.append(EXTRA_COLUMN)
        arrays.append(sheet.extra)
    table = pa.Table.from_arrays(arrays, names=names)
    table = table.replace_schema_metadata(
        {
            META_SHA256: digest.encode(),
            META_HEADER_ROW: str(sheet.header_row).encode(),
            META_FORMAT: sheet.format.encode(),
            META_ENCODING: sheet.encoding.encode(),
        }
    )
    return RawTable(source=source, kind=kind, table=table)
