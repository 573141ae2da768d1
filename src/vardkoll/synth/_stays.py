"""Inpatient stays (*vårdtillfällen*) with discharge coordination and diagnoses.

Stays are admitted to each ward at a rate that keeps it about full (more in winter, less in
summer), with a length of stay typical of the ward. Older patients often become
*utskrivningsklara* (ready for discharge, Lag 2017:612) and then wait for their municipality;
each municipality has its own mean delay, so some are visibly slower. Patients 75 and over carry
frailty categories of the Hospital Frailty Risk Score (docs/explanation/generated-region.md) besides
their main diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.ingest import column_names
from vardkoll.synth._calendar import IntArray, month_of, weekday
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
from vardkoll.synth._sampling import categorical_rows, distance_km, draw_age_days, repeat_counts
from vardkoll.synth._writer import coded

__all__ = ["STAY_COLUMNS", "Stays", "build_stays"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

STAY_COLUMNS = column_names("inpatient_stays")

# Ward profile -> (mean medical length of stay in days, acute share, age weights by band,
# main diagnoses).
_WARD_PROFILES: dict[str, tuple[float, float, tuple[float, ...], tuple[str, ...]]] = {
    "medicine": (4.5, 0.85, (0.02, 0.1, 0.3, 0.4, 0.6, 1.2, 2.5, 4.5, 6, 4),
                 ("I50", "J18", "J44", "N39", "E86", "A41", "I48", "R55", "K92", "D64", "E11")),
    "geriatrics": (8.0, 0.8, (0, 0, 0, 0, 0, 0.2, 1.5, 5, 8, 6),
                   ("R26", "F03", "R41", "W19", "S72", "N39", "E86", "R54")),
    "infection": (5.0, 0.9, (0.2, 0.4, 0.6, 0.7, 0.8, 1, 1.6, 2.5, 3, 2.5),
                  ("A41", "J18", "N39", "A09", "L03", "A04")),
    "cardiology": (3.5, 0.8, (0, 0.05, 0.2, 0.4, 1, 2, 3.5, 4.5, 4, 2),
                   ("I21", "I48", "I50", "I20", "R07")),
    "surgery": (3.5, 0.6, (0.3, 1, 1.2, 1.1, 1.1, 1.3, 1.6, 2, 2, 1.2),
                ("K35", "K80", "K56", "K57", "C18", "K40", "R10")),
    "orthopaedics": (5.0, 0.6, (0.3, 1, 0.8, 0.7, 0.8, 1, 1.6, 3, 5, 4),
                     ("S72", "S82", "S52", "S32", "M16", "M17", "S42")),
    "stroke": (8.0, 0.95, (0, 0, 0.05, 0.2, 0.6, 1.5, 3.5, 5, 5, 3), ("I63", "I61", "G45")),
    "gynaecology": (2.2, 0.5, (0, 0.6, 3, 3, 1.2, 0.8, 0.6, 0.4, 0.2, 0.1),
                    ("O80", "N83", "D25", "O03", "N81")),
    "paediatrics": (2.5, 0.85, (5, 1.5, 0, 0, 0, 0, 0, 0, 0, 0),
                    ("J21", "J20", "A09", "R56", "E10")),
    "oncology": (6.0, 0.5, (0.05, 0.1, 0.2, 0.4, 0.9, 2, 3.5, 4, 2.5, 0.8),
                 ("C50", "C34", "C18", "C61", "C25", "D70")),
    "pulmonology": (5.5, 0.85, (0.05, 0.1, 0.2, 0.3, 0.6, 1.5, 3.5, 5, 4.5, 2),
                    ("J44", "J18", "J96", "C34", "J84")),
    "psychiatry": (16.0, 0.7, (0, 1.2, 2.5, 2, 1.6, 1.2, 0.8, 0.5, 0.4, 0.2),
                   ("F32", "F20", "F31", "F10", "F43", "F60", "F25")),
}  # fmt: skip
# Frailty categories of the Hospital Frailty Risk Score (Gilbert et al., Lancet 2018; the
# points are from /work/shared/data/hfrs_weights.csv) used as secondary diagnoses for 75+,
# drawn with weight 1 + points.
_HFRS: dict[str, float] = {
    "F00": 7.1, "G30": 4.0, "I69": 3.7, "R29": 3.6, "N39": 3.2, "F05": 3.2, "W19": 3.2,
    "S00": 3.2, "R41": 2.7, "R26": 2.6, "S06": 2.4, "E87": 2.3, "E86": 2.3, "M25": 2.3,
    "R54": 2.2, "F03": 2.1, "Z75": 2.0, "Z50": 2.1, "L03": 2.0, "H54": 1.9, "G20": 1.8,
    "R55": 1.8, "K59": 1.8, "N17": 1.8, "L89": 1.7, "I95": 1.6, "A41": 1.6, "J96": 1.5,
    "M19": 1.5, "M81": 1.4, "S72": 1.4, "N18": 1.4, "Z74": 1.1, "J18": 1.1, "E55": 1.0,
    "H91": 0.9, "I63": 0.8, "F32": 0.5, "D64": 0.4,
}  # fmt: skip
_RFD_CARE = {"medicine", "geriatrics", "stroke", "orthopaedics", "infection", "pulmonology"}
_ACUTE_HOURS = np.array([
    1.2, 1, 0.8, 0.7, 0.6, 0.7, 1.2, 2.2, 3.5, 4.5, 5, 5.5,
    6, 6.2, 6.4, 6.5, 6.5, 6.2, 5.8, 5, 4.2, 3.4, 2.6, 1.8,
])  # fmt: skip
_ELECTIVE_HOURS = np.array([0] * 7 + [4, 6, 5, 3, 2, 1.5, 1, 0.8, 0.5] + [0] * 8, dtype=float)


@dataclass(frozen=True)
class Stays:
    """Inpatient stays: the file, and the columns the census and ED visits need."""

    table: pa.Table
    ward: IntArray
    admitted: IntArray
    discharged: IntArray  # minutes; a large number while still admitted
    acute: BoolArray
    person_ids: pa.Array


def build_stays(org: Organisation, horizon: Horizon, rng: np.random.Generator) -> Stays:
    start_day = horizon.window_start - 90
    days = np.arange(start_day, horizon.as_of + 1, dtype=np.int64)
    month = month_of(days)
    season = np.where(
        np.isin(month, (12, 1, 2, 3)), 1.06, np.where(np.isin(month, (6, 7, 8)), 0.88, 1.0)
    )
    weekend = weekday(days) >= 5
    places = org.places
    delay_mean = np.exp(rng.normal(np.log(1.2), 0.6, len(places)))
    pop = age_sex_population(org.region_code)
    parts: list[dict[str, npt.NDArray[np.generic]]] = []
    for w, ward in enumerate(org.wards):
        los, acute_share, ages, _ = _WARD_PROFILES[ward.profile]
        total_los = los + (0.25 * 1.8 if ward.profile in _RFD_CARE else 0.1)
        rate = 0.95 * ward.nominal_beds / total_los
        acute_rate = rate * acute_share * season * np.where(weekend, 0.8, 1.05)
        elective_rate = rate * (1 - acute_share) * season * np.where(weekend, 0.0, 1.4)
        counts = rng.poisson(np.stack([acute_rate, elective_rate]))
        kind, day_index = repeat_counts(counts)
        n = kind.size
        acute = kind == 0
        minute = np.where(
            acute, minutes_in_day(_ACUTE_HOURS, n, rng), minutes_in_day(_ELECTIVE_HOURS, n, rng)
        )
        admitted = (days[day_index]) * MINUTES_PER_DAY + minute
        weights = pop * np.array(ages)[:, None]
        if ward.profile == "gynaecology":
            weights = weights * np.array([1.0, 0.0])[None, :]
        cell = categorical_rows(weights.ravel()[None, :], np.zeros(n, dtype=np.int64), rng)
        band, male = cell // 2, (cell % 2).astype(bool)
        low = np.array([b[0] for b in AGE_BANDS])[band]
        high = np.array([b[1] for b in AGE_BANDS])[band]
        if ward.profile == "paediatrics":
            high = np.minimum(high, 17)
        age_days = draw_age_days(low, high, rng)
        hosp = org.hospitals[ward.hospital]
        home = places[hosp.municipality]
        dist = distance_km(
            np.array([p.latitude for p in places]),
            np.array([p.longitude for p in places]),
            np.full(len(places), home.latitude),
            np.full(len(places), home.longitude),
        )
        pull = np.array([p.population for p in places]) * np.exp(-dist / 30.0)
        muni = rng.choice(len(places), size=n, p=pull / pull.sum())
        medical = lognormal(los, 0.75 if ward.care_type == "somatic" else 0.9, n, rng)
        ready_at = admitted + np.maximum(60, medical * MINUTES_PER_DAY).astype(np.int64)
        age_years = age_days / 365.25
        p_rfd = np.where(
            ward.care_type == "psychiatric",
            0.06,
            np.where(
                ward.profile in _RFD_CARE,
                np.where(age_years >= 75, 0.30, np.where(age_years >= 65, 0.08, 0.01)),
                0.02,
            ),
        )
        rfd = rng.random(n) < p_rfd
        wait = rng.exponential(delay_mean[muni]) + 0.3
        discharge = np.where(rfd, ready_at + (wait * MINUTES_PER_DAY).astype(np.int64), ready_at)
        # Discharges happen in the daytime: 10:00-15:59 of the day, or the next.
        dday = discharge // MINUTES_PER_DAY
        dmin = rng.integers(600, 960, n)
        dday = np.where(dday * MINUTES_PER_DAY + dmin <= ready_at, dday + 1, dday)
        discharge = dday * MINUTES_PER_DAY + dmin
        notice = (age_years >= 65) | rfd
        notice_at = admitted + (rng.gamma(2.0, 5.0, n) * 60).astype(np.int64)
        parts.append(
            {
                "ward": np.full(n, w),
                "admitted": admitted,
                "discharged": discharge,
                "ready": np.where(rfd, ready_at, -1),
                "notice": np.where(notice, notice_at, -1),
                "acute": acute,
                "muni": muni,
                "male": male,
                "birth": admitted // MINUTES_PER_DAY - age_days,
                "age": age_years,
            }
        )
    col = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    end = (horizon.as_of + 1) * MINUTES_PER_DAY
    keep = (col["discharged"] >= horizon.window_start * MINUTES_PER_DAY) & (col["admitted"] < end)
    col = {k: v[keep] for k, v in col.items()}
    order = np.argsort(col["admitted"], kind="stable")
    col = {k: v[order] for k, v in col.items()}
    n = col["admitted"].size
    ward_of = col["ward"].astype(np.int64)
    people = draw_people(
        rng,
        col["birth"].astype(np.int64),
        col["male"].astype(bool),
        col["muni"].astype(np.int64),
        col["admitted"].astype(np.int64) // MINUTES_PER_DAY,
    )
    admit_day = col["admitted"].astype(np.int64) // MINUTES_PER_DAY
    patient = people.identity_on(np.arange(n), admit_day)
    still_in = col["discharged"] >= end
    ready = col["ready"].astype(np.int64)
    notice = col["notice"].astype(np.int64)
    diagnoses = _diagnoses(ward_of, org, col["age"].astype(np.float64), rng)
    wards = org.wards
    table = pa.table(
        {
            "stay_id": serial_ids(
                f"VT{org.region_code}-", year_of(admit_day), np.arange(1, n + 1), 7
            ),
            "patient_id": patient,
            "unit_id": coded(ward_of, [org.units[wd.unit].unit_id for wd in wards]),
            "ward_id": coded(ward_of, [wd.ward_id for wd in wards]),
            "care_type": coded(ward_of, [wd.care_type for wd in wards]),
            "municipality_code": coded(col["muni"].astype(np.int64), [p.code for p in org.places]),
            "admitted": datetime_column(col["admitted"].astype(np.int64)),
            "admission_notice_sent": datetime_column(
                np.maximum(notice, 0), (notice < 0) | (notice >= end)
            ),
            "ready_for_discharge": datetime_column(
                np.maximum(ready, 0), (ready < 0) | (ready >= end)
            ),
            "discharged": datetime_column(col["discharged"].astype(np.int64), still_in),
            "diagnoses": diagnoses,
        }
    )
    discharged = np.where(still_in, np.iinfo(np.int64).max // 4, col["discharged"].astype(np.int64))
    return Stays(
        table,
        ward_of,
        col["admitted"].astype(np.int64),
        discharged,
        col["acute"].astype(bool),
        patient,
    )


def _diagnoses(
    ward: IntArray, org: Organisation, age: FloatArray, rng: np.random.Generator
) -> pa.Array:
    """A main diagnosis from the ward's list, plus 0-3 frailty categories for patients 75+."""
    profiles = sorted(_WARD_PROFILES)
    main_lists = [_WARD_PROFILES[p][3] for p in profiles]
    vocabulary = sorted({c for listed in main_lists for c in listed} | set(_HFRS))
    index = {c: i for i, c in enumerate(vocabulary)}
    profile_of_ward = np.array([profiles.index(w.profile) for w in org.wards])[ward]
    table = np.zeros((len(profiles), len(vocabulary)))
    for k, listed in enumerate(main_lists):
        for c in listed:
            table[k, index[c]] = 1.0
    main = categorical_rows(table, profile_of_ward, rng)
    n = ward.size
    n_extra = np.where(age >= 75, rng.choice(4, size=n, p=[0.25, 0.35, 0.25, 0.15]), 0)
    hfrs_weight = np.zeros((1, len(vocabulary)))
    for c, points in _HFRS.items():
        hfrs_weight[0, index[c]] = 1.0 + points
    codes = [main]
    for k in range(3):
        extra = categorical_rows(hfrs_weight, np.zeros(n, dtype=np.int64), rng)
        dup = np.zeros(n, dtype=bool)
        for earlier in codes:
            dup |= extra == earlier
        codes.append(np.where((n_extra > k) & ~dup, extra, -1))
    vocab = pa.array(vocabulary)
    text = vocab.take(pa.array(main))
    for extra in codes[1:]:
        mask = extra >= 0
        piece = vocab.take(pa.array(np.where(mask, extra, 0)))
        joined = pc.binary_join_element_wise(text, piece, "|")
        text = pc.if_else(pa.array(mask), joined, text)
    return text
