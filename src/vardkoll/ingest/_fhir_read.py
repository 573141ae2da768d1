"""Read FHIR R4 (a Bundle or NDJSON) into the import format's tables, then validate them.

The conversion (``read_fhir_raw``) turns resources into ``pathway_events`` rows and, from
Organizations that state unit facts, ``units`` rows — all text, exactly the columns of
``docs/reference/import-format.md`` — so the one shared row validation checks FHIR imports
just as it checks CSV and XLSX. What only FHIR can get wrong (a resource that is not valid R4,
an unknown identifier system, a reference to nothing) is reported as a ``RowProblem`` whose
row is the 1-based Bundle entry or NDJSON line and whose field is the FHIR path. The mapping
is described in ``docs/reference/fhir-mapping.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.ingest._fhir_codes import PATHWAY_EVENT_COLUMNS, UNIT_COLUMNS
from vardkoll.ingest._fhir_convert import convert
from vardkoll.ingest._fhir_events import Row
from vardkoll.ingest._fhir_messages import fhir_detail
from vardkoll.ingest._fhir_parse import FhirIssue, load_entries
from vardkoll.ingest._problems import RowProblem
from vardkoll.ingest._raw import RawTable
from vardkoll.ingest._validate import ValidatedFile, validate

__all__ = [
    "read_fhir",
    "read_fhir_raw",
]

_KINDS = (("pathway_events", PATHWAY_EVENT_COLUMNS), ("units", UNIT_COLUMNS))


def _table(rows: list[tuple[Row, int]], columns: tuple[str, ...]) -> pa.Table:
    data: dict[str, pa.Array] = {
        c: pa.array([row[c] for row, _ in rows], type=pa.string()) for c in columns
    }
    data["_row"] = pa.array([r for _, r in rows], type=pa.int64())
    return pa.table(data)


def _problem(source: str, issue: FhirIssue) -> RowProblem:
    params = dict(issue.params)
    params["detail"] = fhir_detail(issue.code, issue.row, issue.field, issue.value, params)
    return RowProblem(source, issue.row, issue.field, issue.value, issue.code, params)


def read_fhir_raw(path: Path) -> tuple[list[RawTable], list[RowProblem]]:
    """Convert a FHIR file to raw tables of the import format, without row validation.

    Returns one :class:`RawTable` per kind found (``pathway_events``, ``units``) and the
    problems only FHIR can have. A file that cannot be read at all (not UTF-8, not JSON,
    empty) raises :class:`~vardkoll.domain.InputError`; nothing else does.
    """
    path = Path(path)
    source = str(path)
    entries, issues = load_entries(path)
    conversion = convert(entries)
    problems = [_problem(source, i) for i in (*issues, *conversion.issues)]
    tables: list[RawTable] = []
    for kind, columns in _KINDS:
        rows = conversion.events if kind == "pathway_events" else conversion.units
        if rows:
            tables.append(RawTable(source=source, kind=kind, table=_table(rows, columns)))
    problems.sort(key=RowProblem.sort_key)
    return tables, problems


def read_fhir(path: Path, *, today: dt.date | None = None) -> list[ValidatedFile]:
    """Read and validate a FHIR file: one :class:`ValidatedFile` per kind present.

    FHIR problems join the shared validation's problems of the ``pathway_events`` file (of
    ``units`` when there are no events; of an empty ``pathway_events`` file when nothing
    could be read), and the rows they concern are taken out of ``valid``, so that accepting
    only the valid rows never stores an event built from a broken resource.
    """
    raws, fhir_problems = read_fhir_raw(path)
    if not raws:
        empty = _table([], PATHWAY_EVENT_COLUMNS)
        raws = [RawTable(source=str(path), kind="pathway_events", table=empty)]
    results: list[ValidatedFile] = []
    for i, raw in enumerate(raws):
        checked = validate(raw, today=today)
        if i == 0 and fhir_problems:
            checked = _with_problems(checked, fhir_problems)
        results.append(checked)
    return results


def _with_problems(checked: ValidatedFile, extra: list[RowProblem]) -> ValidatedFile:
    problems = tuple(sorted((*checked.problems, *extra), key=RowProblem.sort_key))
    valid = checked.valid
    if "_row" in valid.column_names:
        bad = pa.array(sorted({p.row for p in extra}), type=pa.int64())
        valid = valid.filter(pc.invert(pc.is_in(valid["_row"], value_set=bad)))
    return dataclasses.replace(checked, valid=valid, problems=problems)
