"""Write tables as a Swedish data-warehouse export: ``;``-separated UTF-8 CSV, ISO dates.

Headers are written unquoted and values need no quoting (no generated value holds ``;``,
a quote or a line break), so the files look like what a region's export tool produces. Large
files are written chunk by chunk through one open writer, so memory stays bounded.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pa_csv

__all__ = ["CsvSink", "coded", "write_csv"]

_OPTIONS = pa_csv.WriteOptions(include_header=False, delimiter=";", quoting_style="none")


class CsvSink:
    """An open CSV file that accepts tables with the same columns, one after another."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.path = path
        self.columns = columns
        self.rows = 0
        self._file = path.open("wb")
        self._file.write((";".join(columns) + "\n").encode("utf-8"))
        self._writer: pa_csv.CSVWriter | None = None

    def write(self, table: pa.Table) -> None:
        """Append ``table``'s rows (its columns must be exactly :attr:`columns`)."""
        if tuple(table.column_names) != self.columns:
            raise ValueError(
                f"{self.path.name}: columns {table.column_names} differ from {list(self.columns)}"
            )
        if table.num_rows == 0:
            return
        table = _plain(table)
        if self._writer is None:
            self._writer = pa_csv.CSVWriter(self._file, table.schema, write_options=_OPTIONS)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._file.close()

    def __enter__(self) -> CsvSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _plain(table: pa.Table) -> pa.Table:
    """Decode dictionary columns to plain strings, so every chunk has the same schema.

    (Measured: decoding first and writing plain text is a little faster than letting the CSV
    writer look up each dictionary value.)
    """
    columns = [
        col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col for col in table.columns
    ]
    return pa.table(columns, names=table.column_names)


def write_csv(path: Path, table: pa.Table) -> int:
    """Write one whole table; returns the number of rows."""
    with CsvSink(path, tuple(table.column_names)) as sink:
        sink.write(table)
        return sink.rows


def coded(
    indices: npt.NDArray[np.integer[Any]], values: list[str] | pa.Array
) -> pa.DictionaryArray:
    """A text column as indices into ``values`` (negative index: empty), without copying text.

    Most generated columns repeat a few values (unit ids, codes), so a dictionary column keeps
    memory to four bytes a row; the CSV writer prints the values.
    """
    mask = indices < 0
    arr = pa.array(np.where(mask, 0, indices).astype(np.int32), mask=mask if mask.any() else None)
    dictionary = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    return pa.DictionaryArray.from_arrays(arr, dictionary)
