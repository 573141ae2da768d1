"""Who gives care where: regions, municipalities, specialties, providers and care units.

The 21 regions and 290 municipalities come from SCB's codes via
https://github.com/sjbrg/swedish-geodata (CC0 1.0), embedded in :mod:`._geodata`. The
specialty codes are the contract of ``docs/reference/import-format.md`` §7 (the *medicinska
verksamhetsområden* of the national waiting-time statistics).

Everything here validates on construction, so a care unit with an unknown municipality or a
position outside the globe never reaches a map or an indicator.

>>> len(REGIONS), len(MUNICIPALITIES), len(SPECIALTIES)
(21, 290, 20)
>>> REGIONS["19"].short_name, MUNICIPALITIES["1980"].short_name
('Västmanland', 'Västerås')
>>> SPECIALTIES["ent"].name_en
'Ear, nose and throat'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from vardkoll.domain._errors import InputError
from vardkoll.domain._geodata import COUNTY_ROWS, MUNICIPALITY_ROWS

__all__ = [
    "MUNICIPALITIES",
    "OWNERSHIPS",
    "REGIONS",
    "SPECIALTIES",
    "CareProvider",
    "CareUnit",
    "Municipality",
    "Region",
    "Specialty",
    "municipalities_of",
]


@dataclass(frozen=True, slots=True)
class Region:
    """A region (*län*, and the *region* that runs its health care), e.g. ``19`` Västmanland."""

    code: str
    name: str
    short_name: str


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality (*kommun*) with its 4-digit SCB code and the region it lies in."""

    code: str
    name: str
    short_name: str
    region_code: str


@dataclass(frozen=True, slots=True)
class Specialty:
    """A specialty code of the import format with its Swedish and English names."""

    code: str
    name_sv: str
    name_en: str


REGIONS: Mapping[str, Region] = MappingProxyType(
    {code: Region(code, name, short) for code, name, short in COUNTY_ROWS}
)

MUNICIPALITIES: Mapping[str, Municipality] = MappingProxyType(
    {
        code: Municipality(code, name, short, county)
        for code, name, short, county in MUNICIPALITY_ROWS
    }
)

_SPECIALTY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("general_practice", "Allmänmedicin", "General practice (primary care)"),
    ("general_surgery", "Allmän kirurgi", "General surgery"),
    ("orthopaedics", "Ortopedi", "Orthopaedics"),
    ("ent", "Öron-, näs- och halssjukdomar", "Ear, nose and throat"),
    ("ophthalmology", "Ögonsjukdomar", "Ophthalmology"),
    ("gynaecology", "Kvinnosjukdomar", "Gynaecology"),
    ("urology", "Urologi", "Urology"),
    ("cardiology", "Kardiologi", "Cardiology"),
    ("dermatology", "Hud- och könssjukdomar", "Dermatology"),
    ("neurology", "Neurologi", "Neurology"),
    ("internal_medicine", "Internmedicin", "Internal medicine"),
    ("rheumatology", "Reumatologi", "Rheumatology"),
    ("endocrinology", "Endokrinologi", "Endocrinology"),
    ("gastroenterology", "Medicinsk gastroenterologi", "Gastroenterology"),
    ("plastic_surgery", "Plastikkirurgi", "Plastic surgery"),
    ("paediatrics", "Barn- och ungdomsmedicin", "Paediatrics"),
    ("psychiatry", "Psykiatri", "Psychiatry"),
    ("pulmonology", "Lungsjukdomar", "Pulmonology"),
    ("vascular_surgery", "Kärlkirurgi", "Vascular surgery"),
    ("oncology", "Onkologi", "Oncology"),
)

SPECIALTIES: Mapping[str, Specialty] = MappingProxyType(
    {code: Specialty(code, sv, en) for code, sv, en in _SPECIALTY_ROWS}
)

OWNERSHIPS: tuple[str, ...] = ("public", "private")


def municipalities_of(region_code: str) -> tuple[Municipality, ...]:
    """The municipalities of one region, in code order.

    >>> [m.short_name for m in municipalities_of("09")]
    ['Gotland']
    """
    if region_code not in REGIONS:
        raise InputError(
            f"Unknown region code {region_code!r}; use a 2-digit county code such as '01' or '19'.",
            field="region_code",
        )
    return tuple(m for code, m in sorted(MUNICIPALITIES.items()) if m.region_code == region_code)


def _require_text(owner: str, name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{owner}.{name} must be non-empty text; got {value!r}.", field=name)


@dataclass(frozen=True, slots=True)
class CareProvider:
    """A care provider (*vårdgivare*): a region or a private company running care units."""

    provider_id: str
    name: str
    ownership: Literal["public", "private"]

    def __post_init__(self) -> None:
        _require_text("CareProvider", "provider_id", self.provider_id)
        _require_text("CareProvider", "name", self.name)
        if self.ownership not in OWNERSHIPS:
            raise InputError(
                f"CareProvider.ownership must be 'public' or 'private'; got {self.ownership!r}.",
                field="ownership",
            )


@dataclass(frozen=True, slots=True)
class CareUnit:
    """A care unit (*vårdenhet*) with its place and the specialties it offers.

    >>> unit = CareUnit("SE2321000198-E0101", "Ortopedmottagningen Västerås",
    ...                 "SE2321000198-P01", "19", "1980", 59.6099, 16.5448,
    ...                 frozenset({"orthopaedics"}))
    >>> unit.region.short_name, unit.municipality.short_name
    ('Västmanland', 'Västerås')
    """

    unit_id: str
    name: str
    provider_id: str
    region_code: str
    municipality_code: str
    latitude: float
    longitude: float
    specialties: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in ("unit_id", "name", "provider_id"):
            _require_text("CareUnit", name, getattr(self, name))
        if self.region_code not in REGIONS:
            raise InputError(
                f"CareUnit.region_code {self.region_code!r} is not one of the 21 county codes "
                "(e.g. '01' Stockholm, '19' Västmanland).",
                field="region_code",
            )
        municipality = MUNICIPALITIES.get(self.municipality_code)
        if municipality is None:
            raise InputError(
                f"CareUnit.municipality_code {self.municipality_code!r} is not one of the 290 "
                "municipality codes (4 digits, e.g. '1980' Västerås).",
                field="municipality_code",
            )
        if municipality.region_code != self.region_code:
            raise InputError(
                f"CareUnit municipality {self.municipality_code!r} ({municipality.short_name}) "
                f"lies in region {municipality.region_code!r}, not {self.region_code!r}.",
                field="municipality_code",
            )
        _check_coordinate("latitude", self.latitude, 90.0)
        _check_coordinate("longitude", self.longitude, 180.0)
        specialties = frozenset(self.specialties)
        unknown = sorted(specialties - set(SPECIALTIES))
        if unknown:
            raise InputError(
                f"CareUnit.specialties has unknown codes {unknown}; use codes of "
                "import-format.md §7 such as 'orthopaedics'.",
                field="specialties",
            )
        object.__setattr__(self, "specialties", specialties)

    @property
    def region(self) -> Region:
        return REGIONS[self.region_code]

    @property
    def municipality(self) -> Municipality:
        return MUNICIPALITIES[self.municipality_code]


def _check_coordinate(name: str, value: float, bound: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"CareUnit.{name} must be a number; got {value!r}.", field=name)
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise InputError(
            f"CareUnit.{name} must be WGS84 degrees within ±{bound:g}; got {value!r}.",
            field=name,
        )
