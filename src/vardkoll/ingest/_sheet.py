"""What a reader hands on: the header cells and the text of every cell, by column.

CSV and XLSX readers both produce a :class:`Sheet`, so that header resolution, kind detection
and validation are written once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

__all__ = ["Sheet"]


@dataclass(frozen=True)
class Sheet:
    """Cells as text, one Arrow string column per header cell.

    ``rows`` holds each data row's number as a person sees it in the file (the header row is
    ``header_row``, normally 1). ``extra`` holds, per row, any values beyond the header's
    columns (null where there were none).
    """

    headers: tuple[str, ...]
    header_row: int
    columns: tuple[pa.Array | pa.ChunkedArray, ...]
    rows: pa.Array
    extra: pa.Array | None
    format: str
    encoding: str
