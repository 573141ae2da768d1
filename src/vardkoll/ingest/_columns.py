"""Checks of one column on its own: type, range, allowed values, code lists, formats, identity.

Each check works on the whole column and reports through the :class:`Collector`; the typed
column (null where the cell was empty or wrong) goes on to the row rules and the output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.ingest._collect import Collector
from vardkoll.ingest._identity_vec import REASONS, parse_identities
from vardkoll.ingest._parse import (
    Parsed,
    edge_bytes,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_integer,
    parse_week,
    to_mask,
)
from vardkoll.ingest._schema import (
    CODE_LISTS,
    CODE_WIDTHS,
    DEFAULTS,
    FORMATS,
    IDENTITY_COLUMNS,
    LIST_COLUMNS,
    RANGES,
    VALUE_ALIASES,
    ColumnSpec,
    FileSchema,
)

__all__ = ["check_column"]

Mask = npt.NDArray[np.bool_]

_PARSERS = {
    "integer": parse_integer,
    "decimal": parse_decimal,
    "date": parse_date,
    "datetime": parse_datetime,
    "bool": parse_bool,
    "week": parse_week,
}


def _number_text(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def _check_range(
    schema: FileSchema, spec: ColumnSpec, values: pa.Array, collector: Collector
) -> pa.Array:
    bounds = RANGES.get((schema.kind, spec.name))
    if bounds is None:
        return values
    low, high = bounds
    bad = np.zeros(len(values), np.bool_)
    if low is not None:
        bad |= to_mask(pc.less(values, low))
    if high is not None:
        bad |= to_mask(pc.greater(values, high))
    if not bad.any():
        return values
    params = {
        k: v for k, v in (("min", _number_text(low)), ("max", _number_text(high))) if v is not None
    }
    collector.add(bad, spec.name, "out_of_range", params)
    return pc.if_else(pa.array(bad), pa.scalar(None, values.type), values)


def _choices(spec: ColumnSpec) -> tuple[pa.Array, pa.Array]:
    """(lower-case spellings, canonical values) accepted for a coded column."""
    assert spec.allowed is not None
    table = {a.lower(): a for a in spec.allowed}
    table.update(VALUE_ALIASES.get(spec.name, {}))
    return pa.array(list(table)), pa.array(list(table.values()))


def _pad_codes(spec: ColumnSpec, column: pa.Array) -> pa.Array:
    width = CODE_WIDTHS.get(spec.name)
    if width is None:
        return column
    lengths, _, _ = edge_bytes(column)
    if not ((lengths > 0) & (lengths < width)).any():
        return column
    digits = pc.match_substring_regex(column, r"^[0-9]+$")
    return pc.if_else(digits, pc.utf8_lpad(column, width, "0"), column)


def _report_choice(
    schema: FileSchema, spec: ColumnSpec, bad: Mask, collector: Collector, values: list[object]
) -> None:
    code_list = CODE_LISTS.get(spec.name)
    if code_list is not None:
        collector.add(bad, spec.name, "unknown_code", {"list": code_list}, values=values)
    else:
        allowed = ", ".join(spec.allowed or ())
        collector.add(bad, spec.name, "not_allowed", {"allowed": allowed}, values=values)


def _check_single(
    schema: FileSchema, spec: ColumnSpec, column: pa.Array, collector: Collector
) -> pa.Array:
    """A text column with one value per cell: allowed values or a format."""
    if spec.allowed is not None:
        given = to_mask(pc.is_valid(column))
        exact = to_mask(pc.is_in(column, value_set=pa.array(spec.allowed)))
        if (exact == given).all():
            return column  # the common case: every value already a canonical code
        keys, canon = _choices(spec)
        index = pc.index_in(pc.utf8_lower(_pad_codes(spec, column)), value_set=keys)
        bad = to_mask(pc.is_valid(column)) & to_mask(pc.is_null(index))
        if bad.any():
            _report_choice(schema, spec, bad, collector, column.filter(pa.array(bad)).to_pylist())
        return pc.take(canon, index)
    pattern = FORMATS.get((schema.kind, spec.name))
    if pattern is None:
        return column
    upper = pc.utf8_upper(column)
    ok = to_mask(pc.match_substring_regex(upper, pattern[0]))
    bad = to_mask(pc.is_valid(column)) & ~ok
    if bad.any():
        collector.add(bad, spec.name, "bad_format", {"expected": pattern[1]})
        return pc.if_else(pa.array(bad), pa.scalar(None, pa.string()), upper)
    return upper


def _check_list(
    schema: FileSchema, spec: ColumnSpec, column: pa.Array, collector: Collector
) -> pa.Array:
    """A ``|``-separated list: every item checked; the output is the cleaned list."""
    n = len(column)
    lists = pc.split_pattern(pc.fill_null(column, ""), "|")
    items = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    parents = np.asarray(pc.list_parent_indices(lists).to_numpy(zero_copy_only=False), np.int64)
    present = to_mask(pc.not_equal(items, ""))
    if spec.allowed is not None:
        keys, canon = _choices(spec)
        index = pc.index_in(pc.utf8_lower(items), value_set=keys)
        item_bad = present & to_mask(pc.is_null(index))
        cleaned = pc.take(canon, index)
    else:
        pattern = FORMATS[(schema.kind, spec.name)]
        cleaned = pc.utf8_upper(items)
        item_bad = present & ~to_mask(pc.match_substring_regex(cleaned, pattern[0]))
    row_bad = np.zeros(n, np.bool_)
    row_bad[parents[item_bad]] = True
    if row_bad.any():
        shown = column.filter(pa.array(row_bad)).to_pylist()
        if spec.allowed is not None:
            _report_choice(schema, spec, row_bad, collector, shown)
        else:
            collector.add(
                row_bad, spec.name, "bad_format", {"expected": FORMATS[(schema.kind, spec.name)][1]}
            )
    keep = present & ~item_bad
    counts = np.bincount(parents[keep], minlength=n)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    kept_items = cleaned.filter(pa.array(keep))
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), kept_items), "|")
    empty = to_mask(pc.is_null(column)) | row_bad | (counts == 0)
    return pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), joined)


def _check_identity(
    spec: ColumnSpec, column: pa.Array, collector: Collector, today: dt.date
) -> dict[str, pa.Array]:
    parsed = parse_identities(column, today=today)
    bad = parsed.invalid
    if bad.any():
        reasons = [REASONS[r] for r in parsed.reason[bad]]
        collector.add(bad, spec.name, "bad_identity", per_row={"reason": reasons})
    return {spec.name: parsed.canonical, f"{spec.name}_type": parsed.type}


def _report_parse(spec: ColumnSpec, parsed: Parsed, collector: Collector) -> None:
    for code, mask in parsed.problems.items():
        if mask.any():
            collector.add(mask, spec.name, code)


def check_column(
    schema: FileSchema,
    spec: ColumnSpec,
    column: pa.Array,
    collector: Collector,
    *,
    today: dt.date,
    present: bool = True,
) -> Mapping[str, pa.Array]:
    """Check one column (already trimmed, empty cells null); return its typed column(s).

    A required column missing from the header (``present=False``) is a header problem
    already; its empty cells are not reported again row by row.
    """
    if spec.required is True and present:
        missing = to_mask(pc.is_null(column))
        if missing.any():
            collector.add(missing, spec.name, "required")
    if spec.name in IDENTITY_COLUMNS:
        return _check_identity(spec, column, collector, today)
    if spec.type == "text":
        if (schema.kind, spec.name) in LIST_COLUMNS:
            return {spec.name: _check_list(schema, spec, column, collector)}
        return {spec.name: _check_single(schema, spec, column, collector)}
    parsed = _PARSERS[spec.type](column)
    _report_parse(spec, parsed, collector)
    values = parsed.values
    if spec.type in ("integer", "decimal"):
        values = _check_range(schema, spec, values, collector)
    default = DEFAULTS.get((schema.kind, spec.name))
    if default is not None:
        values = pc.if_else(pc.is_null(column), pa.scalar(default, values.type), values)
    return {spec.name: values}
