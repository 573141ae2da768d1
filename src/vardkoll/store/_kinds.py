"""What the store needs to know about each file kind, read off the table definitions.

One description per kind — natural key, content columns, Arrow types — so the merge, the
staging, the checksum and the analytics build cannot disagree about a column.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Boolean, Date, Float, Integer, String, Table, Text
from sqlalchemy.types import TypeEngine

from vardkoll.domain import StoreError
from vardkoll.store._models_files import FILE_TABLES
from vardkoll.store._types import UTCDateTime

__all__ = ["BOOKKEEPING", "KindSpec", "arrow_type", "conform", "kind_spec", "table_schema"]

BOOKKEEPING = ("version", "batch_id", "superseded_by")
UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")


def arrow_type(sql_type: TypeEngine[Any]) -> pa.DataType:
    """The Arrow type a column's values travel in (the same as the validated file's)."""
    if isinstance(sql_type, UTCDateTime):
        return UTC_TIMESTAMP
    if isinstance(sql_type, Boolean):
        return pa.bool_()
    if isinstance(sql_type, Integer):
        return pa.int64()
    if isinstance(sql_type, Float):
        return pa.float64()
    if isinstance(sql_type, Date):
        return pa.date32()
    if isinstance(sql_type, String | Text):
        return pa.string()
    raise TypeError(f"no Arrow type for {sql_type!r}")  # pragma: no cover - models are fixed


def table_schema(table: Table, columns: tuple[str, ...] | None = None) -> pa.Schema:
    """The Arrow schema of ``columns`` (default: all) of ``table``."""
    names = columns if columns is not None else tuple(c.name for c in table.columns)
    return pa.schema([pa.field(n, arrow_type(table.c[n].type)) for n in names])


@dataclass(frozen=True)
class KindSpec:
    """One file kind: its table, natural key and the columns the file supplies."""

    kind: str
    table: Table
    key: tuple[str, ...]
    content: tuple[str, ...]
    patient_column: str | None

    @property
    def columns(self) -> tuple[str, ...]:
        """Key then content columns: everything a file row supplies."""
        return self.key + self.content

    @property
    def schema(self) -> pa.Schema:
        return table_schema(self.table, self.columns)


@cache
def kind_spec(kind: str) -> KindSpec:
    """The description of file kind ``kind``; raises for an unknown kind."""
    model = FILE_TABLES.get(kind)
    if model is None:
        raise StoreError(
            f"unknown file kind {kind!r}; the store takes one of {', '.join(FILE_TABLES)}."
        )
    table: Table = model.__table__  # type: ignore[attr-defined]
    key = tuple(c.name for c in table.primary_key.columns if c.name != "version")
    content = tuple(c.name for c in table.columns if c.name not in key + BOOKKEEPING)
    patient = "patient_id" if "patient_id" in table.c else None
    return KindSpec(kind=kind, table=table, key=key, content=content, patient_column=patient)


def conform(valid: pa.Table, spec: KindSpec, source: str) -> pa.Table:
    """The file's columns in the store's order and types, plus ``_row`` (and identity type)."""
    wanted = [*spec.columns]
    if spec.patient_column:
        wanted.append(f"{spec.patient_column}_type")
    wanted.append("_row")
    missing = [c for c in wanted if c not in valid.column_names]
    if missing:
        raise StoreError(
            f"{source}: the validated {spec.kind} table lacks column(s) {', '.join(missing)}; "
            "validate the file with vardkoll.ingest before storing it."
        )
    table = valid.select(wanted)
    schema = spec.schema
    arrays = []
    for name in table.column_names:
        column = table.column(name)
        target = schema.field(name).type if name in schema.names else pa.string()
        if name == "_row":
            target = pa.int64()
        if name == "protected_identity":
            column = pc.fill_null(column.cast(pa.bool_()), False)
        arrays.append(column.cast(target))
    return pa.Table.from_arrays(arrays, names=table.column_names)
