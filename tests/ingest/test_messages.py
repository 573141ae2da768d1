"""The message catalogue: complete in both languages, every template fillable, wording pinned."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from vardkoll.ingest import RowProblem
from vardkoll.ingest._messages import CATALOGUE

SRC = Path(__file__).resolve().parents[2] / "src" / "vardkoll" / "ingest"


def _codes_in_source() -> set[str]:
    """String constants of the (non-FHIR) ingest modules that name a catalogue code."""
    found: set[str] = set()
    for path in SRC.glob("_*.py"):
        if path.name.startswith("_fhir") or path.name == "_messages.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found & set(CATALOGUE)


def test_every_message_is_used_and_has_both_languages() -> None:
    assert set(CATALOGUE) == _codes_in_source()
    for code, texts in CATALOGUE.items():
        assert set(texts) == {"sv", "en"}, code


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_templates_fill_from_the_documented_placeholders(code: str) -> None:
    fields = {
        name
        for lang in ("sv", "en")
        for _, name, _, _ in string.Formatter().parse(CATALOGUE[code][lang])
        if name
    }
    derived = {
        "field",
        "value",
        "row",
        "example",
        "kind",
        "hint_sv",
        "hint_en",
        "reason_sv",
        "reason_en",
        "list_sv",
        "list_en",
        "range",
        "range_en",
    }
    params = {name: f"<{name}>" for name in fields - derived}
    if "range" in fields:
        params |= {"min": "1", "max": "4"}
    problem = RowProblem("f.csv", 5, "priority", "7", code, params)
    for lang in ("sv", "en"):
        text = problem.message(lang)
        assert "{" not in text, (code, lang, text)
        assert text.endswith((".", "?", ")")), text


def test_key_messages_are_pinned() -> None:
    cases = [
        (
            RowProblem("f.csv", 3, "event_date", "2025-02-30", "not_date"),
            "«2025-02-30» i händelsedatum (event_date) är inget giltigt datum. Skriv datumet som "
            "ÅÅÅÅ-MM-DD, t.ex. 2025-03-05.",
            "'2025-02-30' in event_date is not a valid date. Write the date as YYYY-MM-DD, e.g. "
            "2025-03-05.",
        ),
        (
            RowProblem("f.csv", 4, "priority", "5", "out_of_range", {"min": "1", "max": "4"}),
            "5 i prioritet (priority) ligger utanför det tillåtna intervallet 1–4. Rätta värdet.",
            "5 in priority is outside the allowed range 1–4. Correct the value.",
        ),
        (
            RowProblem("f.csv", 1, "unit_id", None, "missing_column", {"kind": "beds"}),
            "Kolumnen enhet_id (unit_id) saknas i rubrikraden men krävs för beds. Lägg till den.",
            "Column unit_id is missing from the header but required for beds. Add it.",
        ),
    ]
    for problem, sv, en in cases:
        assert problem.message() == sv
        assert problem.message("en") == en


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lang must be one of"):
        RowProblem("f.csv", 2, "x", None, "required").message("de")


def test_problems_compare_and_hash_by_content() -> None:
    a = RowProblem("f.csv", 2, "x", "v", "required", {"k": "1"})
    b = RowProblem("f.csv", 2, "x", "v", "required", {"k": "1"})
    assert a == b
    assert len({a, b}) == 1
