"""docs/reference/import-format.md and ``SCHEMAS`` describe the same contract.

The page is parsed table by table; every column, its Swedish header, type, requirement,
allowed values, example and each kind's natural key must match the code. Subtests list every
difference at once (as datasette's docs test does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from vardkoll.domain import SPECIALTIES
from vardkoll.ingest import FILE_KINDS, SCHEMAS
from vardkoll.ingest._schema import CODE_LISTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference" / "import-format.md"
COLUMN_HEADER = "| Column | Svensk rubrik | Type | Required | Allowed / unit | Example |"
_KIND = re.compile(r"^(?:## \d+\. )?`(" + "|".join(FILE_KINDS) + r")`")
_TICKS = re.compile(r"`([^`]*)`")


@dataclass(frozen=True)
class DocColumn:
    name: str
    sv: str
    type: str
    required: str
    allowed: str
    example: str


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def parse_doc() -> tuple[dict[str, list[DocColumn]], dict[str, tuple[str, ...]]]:
    columns: dict[str, list[DocColumn]] = {}
    keys: dict[str, tuple[str, ...]] = {}
    kind: str | None = None
    in_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        found = _KIND.match(line)
        if found:
            kind = found.group(1)
            in_table = False
        if kind and "Natural key:" in line:
            key_text = line.split("Natural key:")[1].split(".")[0]
            keys[kind] = tuple(_TICKS.findall(key_text))
        if line.strip() == COLUMN_HEADER:
            in_table = True
            continue
        if in_table and line.startswith("|---"):
            continue
        if in_table and line.startswith("|") and kind:
            name, sv, type_, required, allowed, example = _cells(line)
            columns.setdefault(kind, []).append(
                DocColumn(
                    name, sv, type_, required, allowed, example.strip("`").replace("\\|", "|")
                )
            )
        elif in_table and not line.startswith("|"):
            in_table = False
    return columns, keys


DOC_COLUMNS, DOC_KEYS = parse_doc()


def _doc_type(text: str) -> str:
    text = text.lower()
    for word, kind in (
        ("date-time", "datetime"),
        ("date", "date"),
        ("week", "week"),
        ("integer", "integer"),
        ("decimal", "decimal"),
        ("0/1", "bool"),
        ("text", "text"),
    ):
        if word in text:
            return kind
    raise AssertionError(f"unknown type {text!r} in the doc")


def _doc_required(text: str) -> bool | tuple[str, ...]:
    if text.startswith("yes"):
        return True
    if text.startswith("no"):
        return False
    assert text.startswith("on "), text
    return tuple(_TICKS.findall(text))


def _event_types() -> tuple[str, ...]:
    text = DOC.read_text(encoding="utf-8").split("| event_type | Meaning")[1]
    rows = [line for line in text.splitlines()[2:] if line.startswith("| ")]
    found: list[str] = []
    for line in rows:
        found += _TICKS.findall(_cells(line)[0])
        if not line.strip():
            break
    return tuple(found)


def _doc_allowed(kind: str, doc: DocColumn) -> tuple[str, ...]:
    """The backticked values of the Allowed cell, following "see below" and "as in …"."""
    if doc.allowed == "see below":
        return _event_types()
    if doc.allowed.startswith("as in pathway_events"):
        (same,) = [c for c in DOC_COLUMNS["pathway_events"] if c.name == doc.name]
        return _doc_allowed("pathway_events", same)
    return tuple(_TICKS.findall(doc.allowed))


def test_every_kind_is_documented() -> None:
    assert set(DOC_COLUMNS) == set(FILE_KINDS)


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_columns_and_natural_key_match(kind: str, subtests: pytest.Subtests) -> None:
    schema = SCHEMAS[kind]
    documented = [c.name for c in DOC_COLUMNS.get(kind, [])]
    with subtests.test("undocumented columns"):
        assert [n for n in schema.names if n not in documented] == []
    with subtests.test("documented but not in SCHEMAS"):
        assert [n for n in documented if n not in schema.names] == []
    with subtests.test("column order"):
        assert documented == list(schema.names)
    with subtests.test("natural key"):
        assert DOC_KEYS[kind] == schema.natural_key


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_each_column_matches(kind: str, subtests: pytest.Subtests) -> None:
    schema = SCHEMAS[kind]
    for doc in DOC_COLUMNS.get(kind, []):
        if doc.name not in schema.names:
            continue
        spec = schema.column(doc.name)
        with subtests.test(column=doc.name):
            assert doc.sv == spec.sv
            assert _doc_type(doc.type) == spec.type
            assert _doc_required(doc.required) == spec.required
            assert doc.example == spec.example
            if spec.allowed is not None and spec.name not in CODE_LISTS:
                assert _doc_allowed(kind, doc) == spec.allowed


def test_specialty_codes_match_the_domain() -> None:
    text = DOC.read_text(encoding="utf-8").split("## 7. Specialty codes")[1]
    codes = [_cells(line)[0] for line in text.splitlines() if line.startswith("| ")]
    assert codes[1:] == list(SPECIALTIES)  # first row is the table header
