"""Fuzzing the FHIR reader: whatever the bytes, an InputError or row problems, never a traceback.

Three sources of damage: arbitrary bytes, the sample files cut at any point, and the sample
Bundle with any element replaced by arbitrary JSON.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from vardkoll.domain import InputError
from vardkoll.ingest._fhir_read import read_fhir_raw

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "fhir"
BUNDLE_BYTES = (SAMPLES / "bundle.json").read_bytes()
NDJSON_BYTES = (SAMPLES / "events.ndjson").read_bytes()
BUNDLE_DOC = json.loads(BUNDLE_BYTES)

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=10,
)


def _read(content: bytes, suffix: str = ".json") -> None:
    """Read ``content``: an InputError (without any identity in it) or well-formed output."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(content)
        try:
            tables, problems = read_fhir_raw(path)
        except InputError as error:
            message, tables, problems = str(error), [], []
        else:
            message = ""
    assert "195104029813" not in message
    for raw in tables:
        schema = raw.table.schema
        assert schema.field("_row").type == "int64"
        assert {str(f.type) for f in schema if f.name != "_row"} == {"string"}
    for problem in problems:
        assert problem.row >= 1
        assert problem.field
        assert problem.code.startswith("fhir_")


@given(st.binary(max_size=600))
def test_random_bytes(content: bytes) -> None:
    _read(content)


@given(st.integers(0, len(BUNDLE_BYTES)), st.integers(0, len(NDJSON_BYTES)))
def test_truncated_samples(bundle_cut: int, ndjson_cut: int) -> None:
    _read(BUNDLE_BYTES[:bundle_cut])
    _read(NDJSON_BYTES[:ndjson_cut], ".ndjson")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


_ALL_PATHS = [p for p in _paths(BUNDLE_DOC) if p]


@given(st.lists(st.tuples(st.sampled_from(_ALL_PATHS), _JSON), min_size=1, max_size=4))
def test_sample_with_elements_replaced(changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    doc = copy.deepcopy(BUNDLE_DOC)
    for path, value in changes:
        node = doc
        try:
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    _read(json.dumps(doc).encode("utf-8"))
