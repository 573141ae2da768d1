"""Emergency-department visits and the ward census, told together with the stays.

- **ED visits** that end in ``admitted`` *are* the acute stays' arrivals (same patient, the
  visit departs when the stay is admitted); the others go home, are transferred or leave.
- **Beds**: the number of occupied beds per ward and day is counted from the stays (census at
  06:00). Available beds follow the ward's usual census, fewer in the summer weeks and at
  Christmas; their level is fitted so that overcrowding — patients beyond the available beds —
  comes to the region's published rate per 100 available beds (docs/explanation/generated-region.md;
  5.5 by default, a few regions' own figures). Overcrowding is thus exact by construction on the
  written file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from vardkoll.ingest import column_names
from vardkoll.synth._calendar import IntArray, is_christmas, is_summer, weekday
from vardkoll.synth._clock import (
    MINUTES_PER_DAY,
    datetime_column,
    lognormal,
    minutes_in_day,
    serial_ids,
    year_of,
)
from vardkoll.synth._identities import draw_people
from vardkoll.synth._organisation import Organisation
from vardkoll.synth._pathways import Horizon
from vardkoll.synth._population import AGE_BANDS, age_sex_population
from vardkoll.synth._sampling import categorical_rows, draw_age_days, repeat_counts
from vardkoll.synth._stays import STAY_COLUMNS, Stays, build_stays
from vardkoll.synth._writer import coded

__all__ = [
    "BED_COLUMNS",
    "ED_COLUMNS",
    "OVERCROWDING_PER_100",
    "STAY_COLUMNS",
    "HospitalFiles",
    "build_hospital_files",
]

FloatArray = npt.NDArray[np.float64]

BED_COLUMNS = column_names("beds")
ED_COLUMNS = column_names("ed_visits")
OVERCROWDING_PER_100: dict[str, float] = {"08": 0.4, "12": 7.6, "25": 10.8}
"""Regions with their own published rate (docs/explanation/generated-region.md: Kalmar and
Norrbotten Jan–Nov 2023, Skåne 2019); every other region gets the national default of the
calibration targets."""
PSYCHIATRIC_OVERCROWDING_FACTOR = 0.5
ED_VISITS_PER_CAPITA = 0.28
CENSUS_MINUTE = 6 * 60
_ED_HOURS = np.array([
    1.2, 1, 0.8, 0.7, 0.6, 0.7, 1.2, 2.5, 4.5, 6, 6.5, 6.5,
    6.2, 6, 5.8, 5.6, 5.4, 5.2, 4.8, 4.2, 3.5, 2.8, 2.2, 1.6,
])  # fmt: skip


@dataclass(frozen=True)
class HospitalFiles:
    """The three tables, ready to write."""

    beds: pa.Table
    ed_visits: pa.Table
    inpatient_stays: pa.Table


def build_hospital_files(
    org: Organisation, horizon: Horizon, overcrowding_per_100: float, rng: np.random.Generator
) -> HospitalFiles:
    """Generate stays, ED visits and the bed census of one region."""
    stays = build_stays(org, horizon, rng)
    beds = _beds(org, horizon, stays, overcrowding_per_100, rng)
    ed = _ed_visits(org, horizon, stays, rng)
    return HospitalFiles(beds=beds, ed_visits=ed, inpatient_stays=stays.table)


def _beds(
    org: Organisation,
    horizon: Horizon,
    stays: Stays,
    target_per_100: float,
    rng: np.random.Generator,
) -> pa.Table:
    """Census per ward and day, and available beds fitted to the overcrowding target."""
    days = np.arange(horizon.window_start, horizon.as_of + 1, dtype=np.int64)
    n_days = days.size
    n_wards = len(org.wards)
    census = days * MINUTES_PER_DAY + CENSUS_MINUTE
    first = np.searchsorted(census, stays.admitted, side="right")  # first census after admission
    last = np.searchsorted(census, stays.discharged, side="right")  # census before discharge
    diff = np.zeros((n_wards, n_days + 1), dtype=np.int64)
    present = last > first
    np.add.at(diff, (stays.ward[present], first[present]), 1)
    np.add.at(diff, (stays.ward[present], last[present]), -1)
    occupied = np.cumsum(diff, axis=1)[:, :n_days]
    closure = np.where(is_summer(days), 0.80, np.where(is_christmas(days), 0.9, 1.0))
    nominal = np.array([w.nominal_beds for w in org.wards], dtype=np.float64)
    psychiatric = np.array([w.care_type == "psychiatric" for w in org.wards])
    available = np.zeros_like(occupied)
    for is_psych, target in (
        (False, target_per_100),
        (True, target_per_100 * PSYCHIATRIC_OVERCROWDING_FACTOR),
    ):
        rows = np.flatnonzero(psychiatric == is_psych)
        if rows.size == 0:
            continue
        available[rows] = _fit_available(occupied[rows], nominal[rows], closure, target)
    overcrowded = np.maximum(0, occupied - available)
    outlier_p = np.where(psychiatric, 0.01, 0.02)[:, None] * np.ones((1, n_days))
    outliers = rng.binomial(occupied, outlier_p)
    ward_index = np.repeat(np.arange(n_wards), n_days)
    wards = org.wards
    return pa.table(
        {
            "ward_id": coded(ward_index, [w.ward_id for w in wards]),
            "unit_id": coded(ward_index, [org.units[w.unit].unit_id for w in wards]),
            "hospital": coded(ward_index, [org.hospitals[w.hospital].name for w in wards]),
            "care_type": coded(ward_index, [w.care_type for w in wards]),
            "date": pa.array(np.tile(days, n_wards).astype(np.int32)).cast(pa.date32()),
            "available_beds": pa.array(available.ravel().astype(np.int32)),
            "occupied_beds": pa.array(occupied.ravel().astype(np.int32)),
            "overcrowded": pa.array(overcrowded.ravel().astype(np.int32)),
            "outliers": pa.array(outliers.ravel().astype(np.int32)),
        }
    )


def _fit_available(
    occupied: IntArray, nominal: FloatArray, closure: FloatArray, target_per_100: float
) -> IntArray:
    """Available beds ``round(k × mean census × closure)``, with ``k`` bisected to the target."""
    level = occupied.mean(axis=1)[:, None] * closure[None, :]
    del nominal  # the ward's size shows in its census; the fit uses that

    def rate(k: float) -> float:
        available = np.round(k * level)
        return float(100 * np.maximum(0, occupied - available).sum() / max(available.sum(), 1))

    lo, hi = 0.5, 2.0
    for _ in range(50):
        mid = (lo + hi) / 2
        if rate(mid) > target_per_100:
            lo = mid
        else:
            hi = mid
    return np.asarray(np.round(hi * level), dtype=np.int64)


def _ed_visits(
    org: Organisation, horizon: Horizon, stays: Stays, rng: np.random.Generator
) -> pa.Table:
    """Visits per emergency department: the acute stays' arrivals plus everyone else."""
    ed_units = [i for i, u in enumerate(org.units) if u.kind == "ed"]
    ed_of_hospital = {org.units[i].hospital: i for i in ed_units}
    weights = np.array(
        [3.0 if org.hospitals[org.units[i].hospital].main else 1.0 for i in ed_units]
    )
    weights = weights / weights.sum()
    days = np.arange(horizon.window_start, horizon.as_of + 1, dtype=np.int64)
    end = (horizon.as_of + 1) * MINUTES_PER_DAY

    # Admitted visits: the acute stays at hospitals with an emergency department.
    hosp_of_stay = np.array([w.hospital for w in org.wards])[stays.ward]
    ed_of_stay = np.array([ed_of_hospital.get(int(h), -1) for h in range(len(org.hospitals))])[
        hosp_of_stay
    ]
    adm = np.flatnonzero(
        stays.acute & (ed_of_stay >= 0) & (stays.admitted >= horizon.window_start * MINUTES_PER_DAY)
    )
    adm_los = np.minimum(lognormal(260.0, 0.5, adm.size, rng), 1200).astype(np.int64) + 20
    adm_arrival = stays.admitted[adm] - adm_los
    adm_triage = rng.choice(5, size=adm.size, p=[0.08, 0.30, 0.45, 0.15, 0.02]) + 1

    total = ED_VISITS_PER_CAPITA * org.population / 365.0
    others = max(0.0, total * days.size - adm.size) / days.size
    shape = np.where(weekday(days) >= 5, 0.92, 1.03) * np.where(is_summer(days), 0.95, 1.0)
    counts = rng.poisson(others * weights[:, None] * shape[None, :])
    ed_index, day_index = repeat_counts(counts)
    n = ed_index.size
    arrival = days[day_index] * MINUTES_PER_DAY + minutes_in_day(_ED_HOURS, n, rng)
    triage = rng.choice(5, size=n, p=[0.02, 0.12, 0.42, 0.36, 0.08]) + 1
    u = rng.random(n)
    disposition = np.where(u < 0.07, 3, np.where(u < 0.10, 2, 0))  # left, transferred, home
    los = np.minimum(lognormal(200.0, 0.55, n, rng), 1200).astype(np.int64) + 15
    los = np.where(disposition == 3, lognormal(110.0, 0.6, n, rng).astype(np.int64) + 10, los)
    departure = arrival + los
    pop = age_sex_population(org.region_code)
    ed_age = np.array([1.4, 1.0, 1.1, 0.9, 0.8, 0.8, 0.9, 1.3, 2.2, 2.8])
    cell = categorical_rows((pop * ed_age[:, None]).ravel()[None, :], np.zeros(n, np.int64), rng)
    band, male = cell // 2, (cell % 2).astype(bool)
    low = np.array([b[0] for b in AGE_BANDS])[band]
    high = np.array([b[1] for b in AGE_BANDS])[band]
    birth = days[day_index] - draw_age_days(low, high, rng)
    muni_weights = np.array([p.population for p in org.places], dtype=np.float64)
    muni = rng.choice(len(org.places), size=n, p=muni_weights / muni_weights.sum())
    people = draw_people(rng, birth, male, muni.astype(np.int64), days[day_index])
    other_ids = people.identity_on(np.arange(n), days[day_index])

    unit_idx = np.concatenate([np.array(ed_units, dtype=np.int64)[ed_index], ed_of_stay[adm]])
    arrival_all = np.concatenate([arrival, adm_arrival])
    departure_all = np.concatenate([departure, stays.admitted[adm]])
    triage_all = np.concatenate([triage, adm_triage])
    disposition_all = np.concatenate([disposition, np.ones(adm.size, dtype=np.int64)])
    patients = pa.concat_arrays([other_ids, stays.person_ids.take(pa.array(adm))])
    seen_median = np.array([5.0, 20.0, 55.0, 80.0, 95.0])[triage_all - 1]
    seen = arrival_all + lognormal(seen_median, 0.7, triage_all.size, rng).astype(np.int64)
    seen = np.minimum(seen, departure_all - 5)
    seen_null = (disposition_all == 3) | (seen < arrival_all)
    keep = (departure_all < end) & (arrival_all >= horizon.window_start * MINUTES_PER_DAY)
    order = np.flatnonzero(keep)[np.argsort(arrival_all[keep], kind="stable")]
    arrival_all, departure_all = arrival_all[order], departure_all[order]
    dispositions = pa.array(["home", "admitted", "transferred", "left"])
    year = year_of(arrival_all // MINUTES_PER_DAY)
    return pa.table(
        {
            "visit_id": serial_ids(f"AKM{org.region_code}-", year, np.arange(1, order.size + 1), 7),
            "unit_id": coded(unit_idx[order], [u.unit_id for u in org.units]),
            "patient_id": patients.take(pa.array(order)),
            "arrival": datetime_column(arrival_all),
            "triage": pa.array(triage_all[order].astype(np.int8)),
            "physician_seen": datetime_column(np.maximum(seen[order], 0), seen_null[order]),
            "departure": datetime_column(departure_all),
            "disposition": coded(disposition_all[order], dispositions),
        }
    )
