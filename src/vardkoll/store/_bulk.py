"""Moving Arrow tables in and out of the operational store, fast, inside the caller's transaction.

PostgreSQL gets ``COPY`` (CSV written by Arrow in C, no Python loop per row) into a temporary
table; SQLite gets one ``executemany`` per chunk. Reading back uses ``COPY … TO STDOUT`` on
PostgreSQL and a plain cursor on SQLite, with Arrow doing the type conversion column by
column. Values are written in exactly the text forms SQLAlchemy uses on SQLite (dates
``YYYY-MM-DD``, instants ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC), so rows staged here compare
equal to rows stored by the ORM.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection

__all__ = ["copy_chunk_rows", "create_temp_table", "drop_temp_table", "fetch_arrow", "load_table"]

copy_chunk_rows = 100_000
_UTC = pa.timestamp("us", tz="UTC")


def q(name: str) -> str:
    """A quoted SQL identifier (column names such as ``date`` and ``row`` are keywords)."""
    return '"' + name.replace('"', '""') + '"'


def _sql_type(dtype: pa.DataType, dialect: str) -> str:
    pg = dialect == "postgresql"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "TEXT"
    if pa.types.is_boolean(dtype):
        return "BOOLEAN"
    if pa.types.is_integer(dtype):
        return "BIGINT" if pg else "INTEGER"
    if pa.types.is_floating(dtype):
        return "DOUBLE PRECISION" if pg else "REAL"
    if pa.types.is_date(dtype):
        return "DATE"
    if pa.types.is_timestamp(dtype):
        return "TIMESTAMP WITH TIME ZONE" if pg else "DATETIME"
    raise TypeError(f"cannot stage Arrow type {dtype}")  # pragma: no cover


def create_temp_table(conn: Connection, name: str, schema: pa.Schema) -> None:
    """A temporary table for ``schema`` that vanishes with the transaction (or is dropped)."""
    dialect = conn.dialect.name
    cols = ", ".join(f"{q(f.name)} {_sql_type(f.type, dialect)}" for f in schema)
    if dialect == "postgresql":
        conn.exec_driver_sql(f"CREATE TEMP TABLE {q(name)} ({cols}) ON COMMIT DROP")
    else:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{q(name)}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {q(name)} ({cols})")


def drop_temp_table(conn: Connection, name: str) -> None:
    """Drop a temporary table now (PostgreSQL drops them at commit anyway)."""
    prefix = "" if conn.dialect.name == "postgresql" else "temp."
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {prefix}{q(name)}")


def load_table(
    conn: Connection,
    name: str,
    table: pa.Table,
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Append ``table`` to the (temporary) table ``name``; its columns match by name."""
    if table.num_rows == 0:
        return
    if conn.dialect.name == "postgresql":
        _copy_in(conn, name, table, progress)
    else:
        _executemany(conn, name, table, progress)


def _copy_in(
    conn: Connection, name: str, table: pa.Table, progress: Callable[[int], None] | None
) -> None:
    cols = ", ".join(q(c) for c in table.column_names)
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    raw: Any = conn.connection.driver_connection
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {q(name)} ({cols}) FROM STDIN WITH (FORMAT csv)") as cp,
    ):
        for offset in range(0, table.num_rows, copy_chunk_rows):
            chunk = table.slice(offset, copy_chunk_rows)
            buf = io.BytesIO()
            pacsv.write_csv(chunk, buf, options)
            cp.write(buf.getbuffer())
            if progress is not None:
                progress(chunk.num_rows)


def _sqlite_column(column: pa.ChunkedArray) -> list[Any]:
    dtype = column.type
    if pa.types.is_timestamp(dtype):
        if dtype.tz is None:
            column = column.cast(_UTC)
        return pc.strftime(column, format="%Y-%m-%d %H:%M:%S").to_pylist()  # type: ignore[no-any-return]
    if pa.types.is_date(dtype):
        return column.cast(pa.string()).to_pylist()  # type: ignore[no-any-return]
    if pa.types.is_boolean(dtype):
        return column.cast(pa.int8()).to_pylist()  # type: ignore[no-any-return]
    return column.to_pylist()  # type: ignore[no-any-return]


def _executemany(
    conn: Connection, name: str, table: pa.Table, progress: Callable[[int], None] | None
) -> None:
    cols = ", ".join(q(c) for c in table.column_names)
    marks = ", ".join("?" for _ in table.column_names)
    sql = f"INSERT INTO {q(name)} ({cols}) VALUES ({marks})"
    raw: Any = conn.connection.driver_connection
    cur = raw.cursor()
    try:
        for offset in range(0, table.num_rows, copy_chunk_rows):
            chunk = table.slice(offset, copy_chunk_rows)
            columns = [_sqlite_column(chunk.column(i)) for i in range(chunk.num_columns)]
            cur.executemany(sql, list(zip(*columns, strict=True)))
            if progress is not None:
                progress(chunk.num_rows)
    finally:
        cur.close()


def fetch_arrow(conn: Connection, select_sql: str, schema: pa.Schema) -> pa.Table:
    """Run ``select_sql`` (columns in ``schema`` order, no parameters) into an Arrow table."""
    if conn.dialect.name == "postgresql":
        return _copy_out(conn, select_sql, schema)
    raw: Any = conn.connection.driver_connection
    cur = raw.cursor()
    try:
        rows = cur.execute(select_sql).fetchall()
    finally:
        cur.close()
    if not rows:
        return schema.empty_table()
    columns = list(zip(*rows, strict=True))
    arrays = [_from_sqlite(list(col), f.type) for col, f in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def _from_sqlite(values: list[Any], dtype: pa.DataType) -> pa.Array:
    if pa.types.is_timestamp(dtype):
        return pa.array(values, pa.string()).cast(pa.timestamp("us")).cast(dtype)
    if pa.types.is_date(dtype):
        return pa.array(values, pa.string()).cast(dtype)
    if pa.types.is_boolean(dtype):
        return pa.array(values, pa.int64()).cast(dtype)
    return pa.array(values, dtype)


def _copy_out(conn: Connection, select_sql: str, schema: pa.Schema) -> pa.Table:
    exprs = []
    for f in schema:
        if pa.types.is_timestamp(f.type):
            exprs.append(f"to_char(s.{q(f.name)} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')")
        else:
            exprs.append(f"s.{q(f.name)}")
    sql = f"COPY (SELECT {', '.join(exprs)} FROM ({select_sql}) AS s) TO STDOUT WITH (FORMAT csv)"
    raw: Any = conn.connection.driver_connection
    buf = io.BytesIO()
    with raw.cursor() as cur, cur.copy(sql) as cp:
        for data in cp:
            buf.write(data)
    if buf.tell() == 0:
        return schema.empty_table()
    buf.seek(0)
    read_types = {
        f.name: (pa.timestamp("us") if pa.types.is_timestamp(f.type) else f.type) for f in schema
    }
    table = pacsv.read_csv(
        buf,
        read_options=pacsv.ReadOptions(column_names=schema.names),
        convert_options=pacsv.ConvertOptions(
            column_types=read_types,
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            null_values=[""],
            true_values=["t"],
            false_values=["f"],
        ),
    )
    return table.cast(schema)
