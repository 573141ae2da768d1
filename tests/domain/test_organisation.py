"""Regions, municipalities, specialties and care units.

The specialty list is checked against the contract itself (import-format.md §7); the
geography against facts that hold for SCB's codes (municipality codes start with their
county code) and well-known counts per region.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from vardkoll.domain import (
    MUNICIPALITIES,
    REGIONS,
    SPECIALTIES,
    CareProvider,
    CareUnit,
    InputError,
    municipalities_of,
)

IMPORT_FORMAT = Path(__file__).resolve().parents[2] / "docs" / "reference" / "import-format.md"


def test_twenty_one_regions_and_290_municipalities() -> None:
    assert len(REGIONS) == 21
    assert len(MUNICIPALITIES) == 290
    assert all(re.fullmatch(r"[0-9]{2}", code) for code in REGIONS)
    assert all(re.fullmatch(r"[0-9]{4}", code) for code in MUNICIPALITIES)
    assert "02" not in REGIONS  # no county 02 since 1968
    assert REGIONS["01"].name == "Stockholms län"


def test_every_municipality_lies_in_its_county() -> None:
    for code, municipality in MUNICIPALITIES.items():
        assert municipality.code == code
        assert municipality.region_code in REGIONS
        assert code[:2] == municipality.region_code  # SCB: kommunkod = länskod + 2 digits


@pytest.mark.parametrize(
    ("region", "count"),
    [("01", 26), ("09", 1), ("12", 33), ("14", 49), ("19", 10), ("25", 14)],
)
def test_municipalities_per_region(region: str, count: int) -> None:
    assert len(municipalities_of(region)) == count


def test_municipalities_of_covers_every_municipality_once() -> None:
    listed = [m.code for region in REGIONS for m in municipalities_of(region)]
    assert sorted(listed) == sorted(MUNICIPALITIES)
    assert municipalities_of("19")[0].code < municipalities_of("19")[-1].code


def test_leading_zeros_are_kept() -> None:
    assert MUNICIPALITIES["0180"].short_name == "Stockholm"
    assert MUNICIPALITIES["0180"].region_code == "01"


def test_unknown_region() -> None:
    with pytest.raises(InputError, match="Unknown region code"):
        municipalities_of("1")


def test_specialties_are_exactly_the_import_format_table() -> None:
    text = IMPORT_FORMAT.read_text(encoding="utf-8")
    section = text.split("## 7. Specialty codes", 1)[1]
    rows = re.findall(r"^\| ([a-z_]+) \| ([^|]+) \| ([^|]+) \|$", section, flags=re.MULTILINE)
    assert len(rows) == 20
    assert {code: (sv.strip(), en.strip()) for code, sv, en in rows} == {
        code: (s.name_sv, s.name_en) for code, s in SPECIALTIES.items()
    }


UNIT: dict[str, Any] = {
    "unit_id": "SE2321000198-E0101",
    "name": "Ortopedmottagningen Västerås",
    "provider_id": "SE2321000198-P01",
    "region_code": "19",
    "municipality_code": "1980",
    "latitude": 59.6099,
    "longitude": 16.5448,
    "specialties": frozenset({"orthopaedics", "general_surgery"}),
}


def test_a_valid_care_unit() -> None:
    unit = CareUnit(**UNIT)
    assert unit.region.short_name == "Västmanland"
    assert unit.municipality.short_name == "Västerås"
    assert unit.specialties == {"orthopaedics", "general_surgery"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"region_code": "02"}, "region_code"),
        ({"municipality_code": "9999"}, "municipality_code"),
        ({"municipality_code": "0180"}, "municipality_code"),  # Stockholm is not in region 19
        ({"latitude": 90.5}, "latitude"),
        ({"latitude": float("nan")}, "latitude"),
        ({"longitude": -180.01}, "longitude"),
        ({"longitude": "16.5"}, "longitude"),
        ({"specialties": frozenset({"orthopedics"})}, "specialties"),
        ({"unit_id": ""}, "unit_id"),
    ],
)
def test_care_unit_validation(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        CareUnit(**{**UNIT, **changes})
    assert caught.value.context["field"] == field


def test_specialties_accept_any_iterable_and_are_frozen() -> None:
    unit = CareUnit(**{**UNIT, "specialties": ["ent", "ent"]})  # type: ignore[arg-type]
    assert unit.specialties == frozenset({"ent"})


def test_care_provider() -> None:
    assert CareProvider("SE5565-P1", "Capio", "private").ownership == "private"
    with pytest.raises(InputError, match="ownership"):
        CareProvider("SE5565-P1", "Capio", "mixed")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="name"):
        CareProvider("SE5565-P1", " ", "public")
