"""Who lives where: population by region, municipality, age band and sex.

Inflow to every waiting list is drawn in proportion to the people who could be referred, so the
generator needs a population. These are the figures it uses, and how approximate they are.

Sources and approximations
--------------------------
- **Region totals**: SCB, *Folkmängd i riket, län och kommuner 31 december 2023* (table
  BE0101A, https://www.scb.se/hitta-statistik/statistik-efter-amne/befolkning/), rounded to the
  nearest thousand. Sum ≈ 10.55 million.
- **Age and sex**: SCB, *Folkmängden efter ålder och kön 31 december 2023* (table BE0101N1),
  the national pyramid in ten-year bands, rounded to the nearest ten thousand. The same
  pyramid is **applied to every region** — a stated approximation: Norrland's regions are older
  and Stockholm younger than the nation, which the generator does not model.
- **Municipalities of Västmanland** (the default region): SCB 31 December 2023, rounded to the
  nearest hundred. For the other regions the county seat (and the second city where it is
  large) gets its approximate SCB share and the remaining municipalities share the rest with a
  deterministic spread — the municipalities are real, their sizes only plausible.
- **Coordinates**: the central town of each Västmanland municipality and of every county seat
  (WGS84, from public maps, to about 1 km). Other municipalities are placed on a deterministic
  ring around their county seat, inland, so maps look right at region scale but are not real
  positions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vardkoll.domain import REGIONS, InputError, municipalities_of

__all__ = [
    "AGE_BANDS",
    "AGE_SEX_PYRAMID",
    "REGION_POPULATION",
    "MunicipalityPlace",
    "age_sex_population",
    "check_region",
    "municipality_places",
    "region_population",
]

REGION_POPULATION: dict[str, int] = {
    "01": 2_455_000,
    "03": 405_000,
    "04": 302_000,
    "05": 469_000,
    "06": 370_000,
    "07": 204_000,
    "08": 247_000,
    "09": 61_000,
    "10": 156_000,
    "12": 1_422_000,
    "13": 344_000,
    "14": 1_763_000,
    "17": 284_000,
    "18": 307_000,
    "19": 280_000,
    "20": 288_000,
    "21": 288_000,
    "22": 244_000,
    "23": 132_000,
    "24": 276_000,
    "25": 249_000,
}
"""Inhabitants per region, SCB 31 December 2023, rounded to the nearest thousand."""

AGE_BANDS: tuple[tuple[int, int], ...] = (
    (0, 9),
    (10, 19),
    (20, 29),
    (30, 39),
    (40, 49),
    (50, 59),
    (60, 69),
    (70, 79),
    (80, 89),
    (90, 99),
)
"""Ten-year age bands (inclusive); the last stands for 90 and over."""

AGE_SEX_PYRAMID: tuple[tuple[int, int], ...] = (
    # (men, women) in thousands, Sweden 31 December 2023 (SCB BE0101N1), rounded.
    (592, 558),
    (650, 610),
    (650, 600),
    (740, 700),
    (665, 635),
    (672, 658),
    (555, 565),
    (495, 545),
    (220, 290),
    (37, 73),
)
"""The national population pyramid (thousands), one row per :data:`AGE_BANDS` band."""


def region_population(region_code: str) -> int:
    """Inhabitants of a region (SCB 2023, rounded).

    >>> region_population("19")
    280000
    """
    return REGION_POPULATION[check_region(region_code)]


def age_sex_population(region_code: str) -> npt.NDArray[np.float64]:
    """Expected inhabitants by age band (rows) and sex (columns: women, men).

    The national pyramid scaled to the region's total (see the module docstring).

    >>> round(float(age_sex_population("19").sum()))
    280000
    """
    pyramid = np.array(AGE_SEX_PYRAMID, dtype=np.float64)[:, ::-1]  # (women, men)
    return np.asarray(pyramid / pyramid.sum() * region_population(region_code), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class MunicipalityPlace:
    """A municipality as the generator uses it: code, name, inhabitants and a position."""

    code: str
    short_name: str
    population: int
    latitude: float
    longitude: float


# Västmanland, SCB 31 December 2023 rounded to hundreds; the main town's position.
_VASTMANLAND: dict[str, tuple[int, float, float]] = {
    "1904": (4_400, 59.8300, 15.6880),  # Skinnskatteberg
    "1907": (10_200, 59.7100, 16.2200),  # Surahammar
    "1960": (8_800, 59.4220, 16.0960),  # Kungsör
    "1961": (16_500, 59.6140, 16.2280),  # Hallstahammar
    "1962": (5_700, 60.0690, 15.9240),  # Norberg
    "1980": (157_800, 59.6099, 16.5448),  # Västerås
    "1981": (23_000, 59.9200, 16.6060),  # Sala
    "1982": (13_400, 60.0040, 15.7930),  # Fagersta
    "1983": (26_700, 59.5140, 15.9930),  # Köping
    "1984": (14_100, 59.3940, 15.8380),  # Arboga
}

# County seat (and a second large city) per region: code -> (share of region, lat, lon).
_CITIES: dict[str, dict[str, tuple[float, float, float]]] = {
    "01": {"0180": (0.40, 59.3293, 18.0686)},
    "03": {"0380": (0.60, 59.8586, 17.6389)},
    "04": {"0484": (0.36, 59.3712, 16.5099)},
    "05": {"0580": (0.36, 58.4108, 15.6214), "0581": (0.31, 58.5877, 16.1924)},
    "06": {"0680": (0.40, 57.7826, 14.1618)},
    "07": {"0780": (0.48, 56.8777, 14.8091)},
    "08": {"0880": (0.29, 56.6634, 16.3568)},
    "09": {"0980": (1.00, 57.6348, 18.2948)},
    "10": {"1080": (0.43, 56.1612, 15.5869)},
    "12": {
        "1280": (0.25, 55.6050, 13.0038),
        "1283": (0.11, 56.0465, 12.6945),
        "1281": (0.09, 55.7047, 13.1910),
    },
    "13": {"1380": (0.30, 56.6745, 12.8578)},
    "14": {"1480": (0.34, 57.7089, 11.9746)},
    "17": {"1780": (0.34, 59.4022, 13.5115)},
    "18": {"1880": (0.52, 59.2741, 15.2066)},
    "19": {"1980": (0.56, 59.6099, 16.5448)},
    "20": {"2080": (0.21, 60.6065, 15.6355), "2081": (0.18, 60.4858, 15.4371)},
    "21": {"2180": (0.36, 60.6749, 17.1413)},
    "22": {"2281": (0.41, 62.3908, 17.3069)},
    "23": {"2380": (0.49, 63.1792, 14.6357)},
    "24": {"2480": (0.48, 63.8258, 20.2630)},
    "25": {"2580": (0.32, 65.5848, 22.1547)},
}

# Ring radius (km) and the bearing sector (degrees clockwise from north) where the region's
# other municipalities lie, seen from the county seat: coastal seats look inland.
_SPREAD: dict[str, tuple[float, float, float]] = {
    "01": (35, 200, 420),
    "03": (40, 180, 420),
    "04": (40, 180, 330),
    "05": (45, 150, 330),
    "06": (50, 60, 300),
    "07": (45, 0, 360),
    "08": (55, 200, 360),
    "09": (0, 0, 0),
    "10": (35, 230, 450),
    "12": (45, 20, 160),
    "13": (45, 320, 480),
    "14": (70, 330, 520),
    "17": (80, 270, 450),
    "18": (45, 180, 420),
    "19": (35, 180, 420),
    "20": (90, 230, 380),
    "21": (70, 200, 360),
    "22": (80, 220, 360),
    "23": (100, 180, 400),
    "24": (140, 230, 360),
    "25": (180, 230, 360),
}


def _fraction(value: int, multiplier: float) -> float:
    """A deterministic number in [0, 1) from an integer (golden-ratio style spreading)."""
    return (value * multiplier) % 1.0


def municipality_places(region_code: str) -> tuple[MunicipalityPlace, ...]:
    """The region's municipalities with inhabitants and a position, in code order.

    Populations sum to the region total; see the module docstring for what is real.

    >>> places = municipality_places("19")
    >>> [p.short_name for p in places][:3]
    ['Skinnskatteberg', 'Surahammar', 'Kungsör']
    >>> sum(p.population for p in places)
    280000
    """
    municipalities = municipalities_of(region_code)
    total = region_population(region_code)
    if region_code == "19":
        raw = {m.code: float(_VASTMANLAND[m.code][0]) for m in municipalities}
        positions = {m.code: _VASTMANLAND[m.code][1:] for m in municipalities}
    else:
        cities = _CITIES[region_code]
        others = [m for m in municipalities if m.code not in cities]
        rest = max(0.0, 1.0 - sum(share for share, _, _ in cities.values()))
        spread = {m.code: 0.5 + _fraction(int(m.code), 0.6180339887) for m in others}
        spread_total = sum(spread.values()) or 1.0
        raw = {code: share * total for code, (share, _, _) in cities.items()}
        raw.update({code: rest * total * w / spread_total for code, w in spread.items()})
        seat = next(iter(cities.values()))
        radius, lo, hi = _SPREAD[region_code]
        positions = {code: (lat, lon) for code, (_, lat, lon) in cities.items()}
        for m in others:
            bearing = math.radians(lo + (hi - lo) * _fraction(int(m.code), 0.4142135623))
            dist = radius * (0.35 + 0.65 * math.sqrt(_fraction(int(m.code), 0.7320508075)))
            lat = seat[1] + dist * math.cos(bearing) / 111.0
            lon = seat[2] + dist * math.sin(bearing) / (111.0 * math.cos(math.radians(seat[1])))
            positions[m.code] = (lat, lon)
    scale = total / sum(raw.values())
    counts = {code: round(value * scale) for code, value in raw.items()}
    largest = max(counts, key=lambda code: counts[code])
    counts[largest] += total - sum(counts.values())
    return tuple(
        MunicipalityPlace(
            code=m.code,
            short_name=m.short_name,
            population=counts[m.code],
            latitude=round(positions[m.code][0], 4),
            longitude=round(positions[m.code][1], 4),
        )
        for m in municipalities
    )


def check_region(region_code: str) -> str:
    """Return ``region_code`` if the generator knows it; else raise ``InputError``."""
    if region_code not in REGIONS or region_code not in REGION_POPULATION:
        raise InputError(
            f"Unknown region code {region_code!r}; use one of the 21 county codes "
            f"({', '.join(sorted(REGION_POPULATION))}), e.g. '19' for Västmanland.",
            field="region_code",
        )
    return region_code
