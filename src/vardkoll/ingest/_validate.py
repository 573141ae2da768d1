"""Check every row of a :class:`RawTable` against its kind's contract and type the good ones.

All checks run on whole columns (Arrow compute and NumPy), so a clean file costs no Python work
per row; failing rows become :class:`RowProblem` records. Order of work:

1. the header: unknown, unnamed, duplicated and missing columns (each makes the file unusable,
   but the rows are still checked so the report lists everything at once);
2. each column on its own: type, range, allowed values, national code lists, formats,
   identities (:mod:`._identity_vec`), and whether it is filled where it must be;
3. rules between cells and rows (:mod:`._rules`): dates in order, pathway events in order,
   duplicate natural keys.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.domain import InputError
from vardkoll.ingest._collect import Collector
from vardkoll.ingest._columns import check_column
from vardkoll.ingest._parse import string_buffers, to_mask
from vardkoll.ingest._problems import RowProblem
from vardkoll.ingest._raw import (
    EXTRA_COLUMN,
    META_HEADER_ROW,
    META_SHA256,
    ROW_COLUMN,
    RawTable,
    read_raw,
)
from vardkoll.ingest._rules import check_rules
from vardkoll.ingest._schema import (
    IDENTITY_COLUMNS,
    SCHEMAS,
    FileSchema,
    detect_kind,
    header_key,
)

__all__ = [
    "RawTable",
    "ValidatedFile",
    "output_schema",
    "read_and_validate",
    "today_in_sweden",
    "validate",
]

_INTERNAL = frozenset({ROW_COLUMN, EXTRA_COLUMN})
_ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "integer": pa.int64(),
    "decimal": pa.float64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "bool": pa.bool_(),
    "week": pa.string(),
}


@dataclass(frozen=True)
class ValidatedFile:
    """The outcome of validating one file: typed valid rows and every problem found.

    ``valid`` holds only rows without any problem, typed per the contract (dates as date32,
    date-times as UTC timestamps, identities in canonical 12-character form with a sibling
    ``<column>_type``) plus ``_row``. When the header is unusable ``valid`` is empty and the
    header problems sit on the header row.
    """

    source: str
    kind: str
    sha256: str
    n_read: int
    valid: pa.Table
    problems: tuple[RowProblem, ...]

    @property
    def rejected_rows(self) -> frozenset[int]:
        """Row numbers (as in the file) that have at least one problem."""
        return frozenset(p.row for p in self.problems)


def today_in_sweden() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Stockholm")).date()


def output_schema(schema: FileSchema) -> pa.Schema:
    """The Arrow schema of ``ValidatedFile.valid`` for a kind."""
    fields: list[pa.Field] = []
    for spec in schema.columns:
        fields.append(pa.field(spec.name, _ARROW_TYPES[spec.type]))
        if spec.name in IDENTITY_COLUMNS:
            fields.append(pa.field(f"{spec.name}_type", pa.string()))
    fields.append(pa.field(ROW_COLUMN, pa.int64()))
    return pa.schema(fields)


def _content_sha256(table: pa.Table) -> str:
    """Hash of the cells when the table did not come from a file (e.g. FHIR)."""
    import hashlib

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema.remove_metadata()) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def _clean(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Trim blanks (also no-break spaces) and make empty cells null.

    Trimming every value outright is cheaper than looking for the few that need it.
    """
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(arr)
    offsets, _ = string_buffers(trimmed)
    empty = (np.diff(offsets) == 0) & to_mask(pc.is_valid(trimmed))
    if empty.any():
        trimmed = pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), trimmed)
    return trimmed


def _check_header(
    table: pa.Table, schema: FileSchema, collector: Collector, header_row: int
) -> tuple[dict[str, pa.Array], list[pa.Array]]:
    """Known columns by name; others are reported. Returns (known, every data column)."""
    known: dict[str, pa.Array] = {}
    seen_as: dict[str, str] = {}
    everything: list[pa.Array] = []
    expected = set(schema.names)
    for i, name in enumerate(table.column_names):
        if name in _INTERNAL:
            continue
        column = _clean(table.column(i))
        everything.append(column)
        if name in expected:
            if name in known:
                collector.header(header_row, name, seen_as.get(name, name), "duplicate_column")
            else:
                known[name] = column
                seen_as[name] = name
        elif not name.strip():
            sample = pc.drop_null(column)
            shown = sample[0].as_py() if len(sample) else ""
            collector.header(header_row, "", shown, "unnamed_column")
        else:
            keys = {header_key(n): n for s in schema.columns for n in (s.name, s.sv)}
            close = difflib.get_close_matches(header_key(name), list(keys), n=1, cutoff=0.75)
            hint = {"suggestion": keys[close[0]]} if close else {}
            collector.header(header_row, name, name, "unknown_column", kind=schema.kind, **hint)
    for spec in schema.columns:
        if spec.required is True and spec.name not in known:
            collector.header(header_row, spec.name, None, "missing_column", kind=schema.kind)
    return known, everything


def _not_blank(columns: Iterable[pa.Array], n: int) -> npt.NDArray[np.bool_]:
    keep = np.zeros(n, np.bool_)
    for column in columns:
        keep |= np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False), np.bool_)
    return keep


def validate(raw: RawTable, *, today: dt.date | None = None) -> ValidatedFile:
    """Check every row of ``raw`` and report all problems (see the module docstring).

    ``today`` (default: today in Europe/Stockholm) decides what "in the future" means and the
    century of 10-digit identities.
    """
    on = today if today is not None else today_in_sweden()
    table = raw.table
    kind = raw.kind or detect_kind(c for c in table.column_names if c not in _INTERNAL)
    if kind is None or kind not in SCHEMAS:
        raise InputError(
            f"Cannot validate {Path(raw.source).name!r}: the kind of file is not known "
            f"({raw.kind!r}). Name one of {', '.join(SCHEMAS)}."
        )
    schema = SCHEMAS[kind]
    meta = table.schema.metadata or {}
    header_row = int(meta.get(META_HEADER_ROW, b"1"))
    sha256 = meta[META_SHA256].decode() if META_SHA256 in meta else _content_sha256(table)
    if ROW_COLUMN in table.column_names:
        rows_all = np.asarray(
            table.column(ROW_COLUMN)
            .combine_chunks()
            .cast(pa.int64())
            .to_numpy(zero_copy_only=False),
            np.int64,
        )
    else:
        rows_all = np.arange(header_row + 1, header_row + 1 + table.num_rows, dtype=np.int64)
    header = Collector(raw.source, rows_all, {})
    known, everything = _check_header(table, schema, header, header_row)
    keep = _not_blank(everything, table.num_rows)
    if EXTRA_COLUMN in table.column_names:
        extra = _clean(table.column(EXTRA_COLUMN))
        keep |= np.asarray(pc.is_valid(extra).to_numpy(zero_copy_only=False), np.bool_)
    else:
        extra = None
    selection = pa.array(np.flatnonzero(keep), pa.int64())
    if not keep.all():
        known = {k: v.take(selection) for k, v in known.items()}
        extra = None if extra is None else extra.take(selection)
    rows = rows_all[keep]
    n = len(rows)
    collector = Collector(raw.source, rows, known)
    if extra is not None:
        extra_given = np.asarray(pc.is_valid(extra).to_numpy(zero_copy_only=False), np.bool_)
        collector.add(
            extra_given, "", "extra_fields", values=extra.filter(pa.array(extra_given)).to_pylist()
        )

    typed: dict[str, pa.Array] = {}
    for spec in schema.columns:
        column = known.get(spec.name)
        present = column is not None
        if column is None:
            column = pa.nulls(n, pa.string())
        typed.update(check_column(schema, spec, column, collector, today=on, present=present))
    check_rules(schema, typed, known, collector, today=on)
    problems = sorted(header.problems + collector.problems, key=RowProblem.sort_key)
    out_schema = output_schema(schema)
    if header.problems:
        valid = out_schema.empty_table()
    else:
        arrays = [typed[f.name] for f in out_schema if f.name != ROW_COLUMN]
        if collector.bad.any():
            good = pa.array(np.flatnonzero(~collector.bad), pa.int64())
            arrays = [a.take(good) for a in arrays]
        arrays.append(pa.array(rows[~collector.bad], pa.int64()))
        valid = pa.Table.from_arrays(arrays, schema=out_schema)
    return ValidatedFile(
        source=raw.source,
        kind=kind,
        sha256=sha256,
        n_read=n,
        valid=valid,
        problems=tuple(problems),
    )


def read_and_validate(
    path: Path, *, kind: str | None = None, today: dt.date | None = None
) -> ValidatedFile:
    """:func:`read_raw` then :func:`validate`."""
    return validate(read_raw(path, kind=kind), today=today)
