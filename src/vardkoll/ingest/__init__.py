"""Import formats, readers (CSV, XLSX) and row validation with error reports.

The way in for a region's data: :func:`read_raw` reads a file into text cells under canonical
column names, :func:`validate` checks every row against the contract in :data:`SCHEMAS`
(docs/reference/import-format.md) and returns the typed valid rows with every problem found,
and :func:`write_error_report` writes those problems for the region to fix. The public surface
is exactly ``__all__``.
"""

from vardkoll.ingest._export import write_error_report, write_xlsx
from vardkoll.ingest._fhir_read import read_fhir, read_fhir_raw
from vardkoll.ingest._fhir_write import export_fhir_bundle, write_fhir_ndjson
from vardkoll.ingest._problems import RowProblem
from vardkoll.ingest._raw import RawTable, read_raw
from vardkoll.ingest._schema import (
    FILE_KINDS,
    SCHEMAS,
    ColumnSpec,
    FileSchema,
    column_names,
)
from vardkoll.ingest._validate import ValidatedFile, read_and_validate, validate

__all__ = [
    "FILE_KINDS",
    "SCHEMAS",
    "ColumnSpec",
    "FileSchema",
    "RawTable",
    "RowProblem",
    "ValidatedFile",
    "column_names",
    "export_fhir_bundle",
    "read_and_validate",
    "read_fhir",
    "read_fhir_raw",
    "read_raw",
    "validate",
    "write_error_report",
    "write_fhir_ndjson",
    "write_xlsx",
]
