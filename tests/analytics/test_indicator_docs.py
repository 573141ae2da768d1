"""Every indicator definition is documented in docs/reference/indicators.md, as defined.

The definitions are data (``vardkoll.analytics.INDICATORS``); the reference page must have a
heading per indicator that repeats its Swedish and English name, formula and unit, so the
docs cannot drift from what the API, the UI and the exports show.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vardkoll.analytics import CUTS, DIMENSIONS, INDICATORS, Indicator

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference" / "indicators.md"


def _sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^### `([a-z0-9_]+)`\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.name)
def test_indicator_is_documented(indicator: Indicator) -> None:
    sections = _sections()
    assert indicator.name in sections, f"docs/reference/indicators.md lacks ### `{indicator.name}`"
    body = sections[indicator.name]
    for label, value in (
        ("Swedish name", indicator.name_sv),
        ("English name", indicator.name_en),
        ("formula", indicator.formula),
        ("unit", indicator.unit),
        ("table", indicator.table),
    ):
        assert value in body, f"`{indicator.name}`: the {label} {value!r} is not in its section"


def test_no_stale_sections() -> None:
    assert set(_sections()) == {i.name for i in INDICATORS}


def test_names_are_unique_and_cuts_use_known_dimensions() -> None:
    names = [i.name for i in INDICATORS]
    assert len(names) == len(set(names))
    for dims in CUTS.values():
        assert set(dims) <= set(DIMENSIONS)
    text = DOC.read_text(encoding="utf-8")
    for dimension in DIMENSIONS:
        assert f"`{dimension}`" in text


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.name)
def test_every_indicator_explains_itself_in_swedish(indicator: Indicator) -> None:
    """Swedish pages and the Swedish report show ``help_sv``: it must exist, be Swedish, and
    point at nothing a user cannot open (DOMAIN.md) nor name a field code."""
    assert indicator.help_sv.strip()
    assert indicator.help_sv != indicator.help
    assert "DOMAIN" not in indicator.help_sv
    codes = {i.name for i in INDICATORS} | {"pvv_mov", "primary_contact", "primary_assessment"}
    assert not codes & set(re.findall(r"\w+", indicator.help_sv))
