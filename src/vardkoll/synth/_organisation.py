"""The generated region's organisation: providers, units, hospitals, wards and theatres.

A Swedish region runs its hospitals and most primary care itself and buys the rest from
private providers (*vårdvalet* in primary care, contracts for elective surgery). The generator
mirrors that: one public provider, the region, with its hospitals (a central county hospital
with every specialty and smaller local hospitals with a handful), emergency departments and
health centres (*vårdcentraler*), plus private providers running health centres and specialist
clinics. Names of private providers are invented; ids are HSA-style (``SE`` + an
organisation number + a suffix), not real HSA ids.

Sizes scale with the population: about one health centre per 10 000 inhabitants, 2.0 somatic
and 0.35 psychiatric available beds per 1 000 (Sweden has about 2 per 1 000 in total), and an
operating theatre per 25 000.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vardkoll.domain import REGIONS, SPECIALTIES
from vardkoll.synth._population import MunicipalityPlace, municipality_places, region_population
from vardkoll.synth._sampling import distance_km

__all__ = [
    "SPECIALISED",
    "Hospital",
    "Organisation",
    "Provider",
    "Unit",
    "Ward",
    "build_organisation",
    "draw_municipalities",
    "referral_weights",
]

SPECIALISED: tuple[str, ...] = tuple(code for code in SPECIALTIES if code != "general_practice")
"""The specialties of specialised care (every code of import-format.md §7 but primary care)."""

_ABBREVIATION = {
    "01": "SLL", "03": "RUP", "04": "RSO", "05": "ROG", "06": "RJL", "07": "RKR", "08": "RKL",
    "09": "RGO", "10": "RBL", "12": "RSK", "13": "RHL", "14": "VGR", "17": "RVL", "18": "ROR",
    "19": "VMD", "20": "RDA", "21": "RGX", "22": "RVN", "23": "RJH", "24": "RVB", "25": "NLL",
}  # fmt: skip
_HOSPITAL_TOWNS = {"19": ("1980", "1983", "1981", "1982")}  # Västerås, Köping, Sala, Fagersta
_SYSTEM = {"01": "TAKECARE", "09": "TAKECARE", "12": "MILLENNIUM", "14": "MILLENNIUM"}

_CLINIC = {
    "general_surgery": "Kirurgkliniken",
    "orthopaedics": "Ortopedkliniken",
    "ent": "Öron-näsa-halskliniken",
    "ophthalmology": "Ögonkliniken",
    "gynaecology": "Kvinnokliniken",
    "urology": "Urologkliniken",
    "cardiology": "Hjärtkliniken",
    "dermatology": "Hudkliniken",
    "neurology": "Neurologkliniken",
    "internal_medicine": "Medicinkliniken",
    "rheumatology": "Reumatologkliniken",
    "endocrinology": "Endokrinologmottagningen",
    "gastroenterology": "Magtarmmottagningen",
    "plastic_surgery": "Plastikkirurgiska kliniken",
    "paediatrics": "Barn- och ungdomskliniken",
    "psychiatry": "Psykiatriska kliniken",
    "pulmonology": "Lungkliniken",
    "vascular_surgery": "Kärlkirurgiska kliniken",
    "oncology": "Onkologkliniken",
}
_LOCAL_LARGE = (
    "internal_medicine", "general_surgery", "orthopaedics", "gynaecology", "ophthalmology",
    "ent", "urology", "cardiology", "dermatology", "psychiatry", "paediatrics", "pulmonology",
)  # fmt: skip
_LOCAL_SMALL = ("internal_medicine", "general_surgery", "orthopaedics", "gynaecology", "psychiatry")
_PRIVATE_SPECIALTIES = (
    "orthopaedics", "ophthalmology", "ent", "dermatology", "gynaecology", "plastic_surgery",
    "general_surgery", "urology", "cardiology", "psychiatry",
)  # fmt: skip
_PRIMARY_BRANDS = (
    "Husläkargruppen", "Vårdhuset", "Läkarhuset", "Familjehälsan", "Nordvård", "Hälsoringen",
    "Kvartersdoktorn", "Citykliniken", "Medicinhuset", "Närläkarna",
)  # fmt: skip
_SPECIALIST_BRANDS = (
    "Lyran", "Aros", "Norrsken", "Ekbacken", "Linnéa", "Solkatten", "Kronan", "Älven", "Fyren",
    "Björken", "Ankaret", "Klippan", "Vågen", "Lärkan",
)  # fmt: skip
_AREAS = (
    "Centrum", "Norra", "Södra", "Östra", "Västra", "Torget", "Parken", "Hamnen", "Ängen",
    "Backen", "Dalen", "Strand", "Berga", "Skogen", "Åsen", "Bryggan", "Gärdet", "Hagen",
)  # fmt: skip

# Somatic ward profiles at the county hospital: (profile, unit specialty, share of beds).
_MAIN_WARDS = (
    ("medicine", "internal_medicine", 0.30),
    ("geriatrics", "internal_medicine", 0.09),
    ("infection", "internal_medicine", 0.04),
    ("cardiology", "cardiology", 0.08),
    ("surgery", "general_surgery", 0.14),
    ("orthopaedics", "orthopaedics", 0.12),
    ("stroke", "neurology", 0.06),
    ("gynaecology", "gynaecology", 0.06),
    ("paediatrics", "paediatrics", 0.05),
    ("oncology", "oncology", 0.04),
    ("pulmonology", "pulmonology", 0.02),
)
_LOCAL_WARDS = (
    ("medicine", "internal_medicine", 0.55),
    ("geriatrics", "internal_medicine", 0.15),
    ("surgery", "general_surgery", 0.15),
    ("orthopaedics", "orthopaedics", 0.15),
)
_WARD_SIZE = 24
SOMATIC_BEDS_PER_1000 = 2.0
PSYCHIATRIC_BEDS_PER_1000 = 0.35


@dataclass(frozen=True, slots=True)
class Provider:
    """A care provider (*vårdgivare*)."""

    provider_id: str
    name: str
    ownership: str


@dataclass(frozen=True, slots=True)
class Hospital:
    """A hospital: where wards, theatres and emergency departments are."""

    name: str
    code: str
    municipality: int
    main: bool
    has_ed: bool
    theatres: int


@dataclass(frozen=True, slots=True)
class Unit:
    """A care unit (*vårdenhet*) as it appears in ``units.csv``.

    ``kind`` is ``clinic`` (a hospital clinic), ``primary`` (a health centre), ``private`` (a
    private specialist clinic) or ``ed`` (an emergency department). ``weight`` is the unit's
    relative pull on referrals within its specialties.
    """

    unit_id: str
    provider: int
    name: str
    municipality: int
    latitude: float
    longitude: float
    specialties: tuple[str, ...]
    kind: str
    hospital: int
    weight: float


@dataclass(frozen=True, slots=True)
class Ward:
    """An inpatient ward (*vårdavdelning*) of a hospital clinic."""

    ward_id: str
    unit: int
    hospital: int
    care_type: str
    profile: str
    nominal_beds: int


@dataclass(frozen=True, slots=True)
class Organisation:
    """Everything organisational about one generated region."""

    region_code: str
    source_system: str
    region_provider_id: str
    places: tuple[MunicipalityPlace, ...]
    providers: tuple[Provider, ...]
    hospitals: tuple[Hospital, ...]
    units: tuple[Unit, ...]
    wards: tuple[Ward, ...]

    @property
    def population(self) -> int:
        return sum(p.population for p in self.places)

    def units_with(
        self, specialty: str, kinds: tuple[str, ...] = ("clinic", "private")
    ) -> list[int]:
        """Indices of the units of ``kinds`` that offer ``specialty``."""
        return [
            i for i, u in enumerate(self.units) if u.kind in kinds and specialty in u.specialties
        ]

    def unit_of(self, hospital: int, specialty: str) -> int:
        """The hospital's clinic for ``specialty``."""
        for i, u in enumerate(self.units):
            if u.kind == "clinic" and u.hospital == hospital and specialty in u.specialties:
                return i
        raise KeyError((hospital, specialty))

    def clinician_ids(self, numbers: npt.NDArray[np.int64]) -> list[str]:
        """HSA-style clinician ids for MOV references."""
        return [f"{self.region_provider_id}-L{int(n):04d}" for n in numbers]


def _ascii(text: str) -> str:
    table = str.maketrans("ÅÄÖåäöéÉ", "AAOaaoeE")
    return text.translate(table)


def region_provider_id(region_code: str) -> str:
    """The region's HSA-style organisation id (Västmanland: ``SE2321000198``)."""
    return f"SE2321000{(int(region_code) * 10 + 8) % 1000:03d}"


def _allocate(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split ``total`` by ``weights`` (largest remainder), giving each at least ``minimum``."""
    n = len(weights)
    counts = [minimum] * n
    rest = max(0, total - minimum * n)
    if rest:
        w = np.array(weights, dtype=np.float64)
        share = w / w.sum() * rest
        floors = np.floor(share).astype(int)
        order = np.argsort(-(share - floors), kind="stable")
        floors[order[: rest - int(floors.sum())]] += 1
        counts = [c + int(f) for c, f in zip(counts, floors, strict=True)]
    return counts


def build_organisation(region_code: str, rng: np.random.Generator) -> Organisation:
    """Build the providers, units, hospitals and wards of one region (deterministic for a rng)."""
    places = municipality_places(region_code)
    pop = region_population(region_code)
    short = REGIONS[region_code].short_name
    org_id = region_provider_id(region_code)
    by_size = sorted(range(len(places)), key=lambda i: -places[i].population)
    if region_code in _HOSPITAL_TOWNS:  # the real hospital towns, largest first
        codes = [p.code for p in places]
        real = [codes.index(c) for c in _HOSPITAL_TOWNS[region_code]]
        by_size = real + [i for i in by_size if i not in real]

    providers = [Provider(org_id, f"Region {short}", "public")]
    units: list[Unit] = []

    def jitter(place: int) -> tuple[float, float]:
        lat = places[place].latitude + float(rng.uniform(-0.012, 0.012))
        lon = places[place].longitude + float(rng.uniform(-0.02, 0.02))
        return round(lat, 4), round(lon, 4)

    def add_unit(
        provider: int,
        name: str,
        place: int,
        specialties: tuple[str, ...],
        kind: str,
        hospital: int,
        weight: float,
    ) -> int:
        owner = providers[provider].provider_id
        number = sum(1 for u in units if u.provider == provider) + 1
        lat, lon = jitter(place)
        units.append(
            Unit(
                f"{owner}-E{number:04d}",
                provider,
                name,
                place,
                lat,
                lon,
                specialties,
                kind,
                hospital,
                weight,
            )
        )
        return len(units) - 1

    # Hospitals: the county hospital in the largest town, local hospitals in the next ones.
    n_hospitals = min(len(places), 1 + min(6, pop // 90_000))
    n_ed = max(1, min(n_hospitals, max(2, n_hospitals - 2)))
    theatres = _allocate(max(3, round(pop / 25_000)), [3.0] + [1.0] * (n_hospitals - 1), 2)
    hospitals: list[Hospital] = []
    genitive = short if short.endswith("s") else f"{short}s"
    for k in range(n_hospitals):
        place = by_size[k]
        town = places[place].short_name
        code = f"{_ascii(town)[:2].upper()}{k + 1}"
        hospitals.append(
            Hospital(f"{genitive} sjukhus {town}", code, place, k == 0, k < n_ed, theatres[k])
        )
        if k == 0:
            offered, weight = SPECIALISED, 1.0
        elif pop >= 1_000_000 or (k == 1 and pop >= 400_000):
            offered, weight = _LOCAL_LARGE, 0.6
        else:
            offered, weight = _LOCAL_SMALL, 0.3
        for specialty in offered:
            add_unit(0, f"{_CLINIC[specialty]} {town}", place, (specialty,), "clinic", k, weight)
    for k, hospital in enumerate(hospitals):
        if hospital.has_ed:
            town = places[hospital.municipality].short_name
            add_unit(
                0,
                f"Akutmottagningen {town}",
                hospital.municipality,
                ("internal_medicine", "general_surgery", "orthopaedics"),
                "ed",
                k,
                1.0,
            )

    # Private providers: health-centre chains and specialist clinics.
    n_primary = int(np.clip(round(pop / 60_000), 4, len(_PRIMARY_BRANDS)))
    n_specialist = int(np.clip(round(pop / 50_000), 5, len(_SPECIALIST_BRANDS)))
    primary_providers = []
    for brand in rng.choice(np.array(_PRIMARY_BRANDS), size=n_primary, replace=False).tolist():
        providers.append(Provider(f"SE556{rng.integers(0, 10**7):07d}", f"{brand} AB", "private"))
        primary_providers.append((len(providers) - 1, str(brand)))

    # Health centres: at least one per municipality, then by population; ~40 % private.
    n_centres = max(len(places), round(pop / 10_000))
    per_place = _allocate(n_centres, [float(p.population) for p in places], 1)
    for place, count in enumerate(per_place):
        town = places[place].short_name
        weight = places[place].population / count
        for j in range(count):
            area = "" if count == 1 else f" {_AREAS[j % len(_AREAS)]}"
            area += "" if j < len(_AREAS) else f" {j // len(_AREAS) + 1}"
            if count > 1 and rng.random() < 0.4:
                provider, brand = primary_providers[int(rng.integers(0, n_primary))]
                name = f"{brand} {town}{area}"
            else:
                provider, name = 0, f"Vårdcentralen {town}{area}"
            add_unit(provider, name, place, ("general_practice",), "primary", -1, weight)

    brands = rng.choice(np.array(_SPECIALIST_BRANDS), size=n_specialist, replace=False).tolist()
    for brand in brands:
        providers.append(
            Provider(f"SE556{rng.integers(0, 10**7):07d}", f"{brand} Specialistvård AB", "private")
        )
        provider = len(providers) - 1
        n_spec = 1 + int(rng.random() < 0.4)
        specialties = tuple(
            str(s) for s in rng.choice(np.array(_PRIVATE_SPECIALTIES), n_spec, replace=False)
        )
        n_units = 1 + int(pop >= 1_000_000) + int(rng.random() < 0.3)
        for j in range(n_units):
            place = by_size[min(j, len(by_size) - 1)]
            town = places[place].short_name
            name = f"{_CLINIC[specialties[0]]} {brand} {town}"
            weight = float(rng.uniform(0.25, 0.5))
            add_unit(provider, name, place, specialties, "private", -1, weight)

    wards = _build_wards(org_id, hospitals, units, pop)
    system = _SYSTEM.get(region_code, "COSMIC")
    return Organisation(
        region_code=region_code,
        source_system=f"{system}-{_ABBREVIATION[region_code]}",
        region_provider_id=org_id,
        places=places,
        providers=tuple(providers),
        hospitals=tuple(hospitals),
        units=tuple(units),
        wards=tuple(wards),
    )


def _build_wards(org_id: str, hospitals: list[Hospital], units: list[Unit], pop: int) -> list[Ward]:
    """Wards per hospital, sized so that the region has the beds per 1 000 of the docstring."""
    somatic = pop * SOMATIC_BEDS_PER_1000 / 1000
    psychiatric = pop * PSYCHIATRIC_BEDS_PER_1000 / 1000
    shares = [0.65] + [0.35 / max(1, len(hospitals) - 1)] * (len(hospitals) - 1)
    if len(hospitals) == 1:
        shares = [1.0]
    wards: list[Ward] = []

    def clinic(hospital: int, specialty: str) -> int:
        for i, u in enumerate(units):
            if u.kind == "clinic" and u.hospital == hospital and specialty in u.specialties:
                return i
        raise KeyError((hospital, specialty))

    def add(hospital: int, specialty: str, profile: str, care_type: str, beds: float) -> None:
        n = max(1, round(beds / _WARD_SIZE))
        size = max(8, round(beds / n))
        for _ in range(n):
            ward_id = f"{org_id}-A{len(wards) + 1:04d}"
            wards.append(
                Ward(ward_id, clinic(hospital, specialty), hospital, care_type, profile, size)
            )

    for k, share in enumerate(shares):
        profiles = _MAIN_WARDS if hospitals[k].main else _LOCAL_WARDS
        for profile, specialty, part in profiles:
            add(k, specialty, profile, "somatic", somatic * share * part)
    psych_hospitals = [0] if len(hospitals) == 1 or pop < 1_000_000 else [0, 1]
    for k in psych_hospitals:
        add(k, "psychiatry", "psychiatry", "psychiatric", psychiatric / len(psych_hospitals))
    return wards


def draw_municipalities(
    org: Organisation, n: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """Home municipalities in proportion to their inhabitants."""
    weights = np.array([p.population for p in org.places], dtype=np.float64)
    return np.asarray(rng.choice(weights.size, size=n, p=weights / weights.sum()), dtype=np.int64)


def referral_weights(
    org: Organisation, specialties: list[str], kinds: tuple[str, ...], radius_km: float
) -> npt.NDArray[np.float64]:
    """Choice weights of units for each (municipality, specialty) row."""
    lat = np.array([u.latitude for u in org.units])
    lon = np.array([u.longitude for u in org.units])
    weight = np.array([u.weight for u in org.units])
    rows = []
    for place in org.places:
        dist = distance_km(
            np.full(lat.size, place.latitude), np.full(lat.size, place.longitude), lat, lon
        )
        pull = weight * np.exp(-dist / radius_km)
        for specialty in specialties:
            offers = np.array(
                [u.kind in kinds and specialty in u.specialties for u in org.units], dtype=bool
            )
            rows.append(np.where(offers, pull, 0.0))
    return np.array(rows)
