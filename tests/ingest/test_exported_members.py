"""The public surface of ``vardkoll.ingest`` is its ``__all__``, and holds the pinned API."""

from __future__ import annotations

import inspect
import types

import vardkoll.ingest

# The names other layers (stores, FHIR, services) are built against.
PINNED = {
    "FILE_KINDS",
    "SCHEMAS",
    "ColumnSpec",
    "FileSchema",
    "RawTable",
    "RowProblem",
    "ValidatedFile",
    "read_raw",
    "validate",
    "read_and_validate",
    "write_error_report",
    "write_xlsx",
}


def test_pinned_names_are_exported() -> None:
    assert set(vardkoll.ingest.__all__) >= PINNED
    assert len(set(vardkoll.ingest.__all__)) == len(vardkoll.ingest.__all__)


def test_every_public_name_is_in_all() -> None:
    public = {
        name
        for name, value in vars(vardkoll.ingest).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(vardkoll.ingest.__all__)


def test_pinned_signatures() -> None:
    assert vardkoll.ingest.FILE_KINDS == (
        "units",
        "pathway_events",
        "production",
        "beds",
        "theatre_sessions",
        "ed_visits",
        "inpatient_stays",
    )
    assert list(inspect.signature(vardkoll.ingest.read_raw).parameters) == ["path", "kind"]
    assert list(inspect.signature(vardkoll.ingest.validate).parameters) == ["raw", "today"]
    assert list(inspect.signature(vardkoll.ingest.write_xlsx).parameters) == [
        "path",
        "headers",
        "rows",
        "sheet",
    ]
    fields = [f for f in vardkoll.ingest.RowProblem.__dataclass_fields__]
    assert fields == ["file", "row", "field", "value", "code", "params"]
    fields = [f for f in vardkoll.ingest.ValidatedFile.__dataclass_fields__]
    assert fields == ["source", "kind", "sha256", "n_read", "valid", "problems"]
    fields = [f for f in vardkoll.ingest.ColumnSpec.__dataclass_fields__]
    assert fields == ["name", "sv", "type", "required", "allowed", "help", "example"]
