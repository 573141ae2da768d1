"""Primary care: contacts and assessments at the health centres near the patient.

The files carry a *sample* of primary care — 0.05 contacts and 0.03 assessments per inhabitant
and year, where the real volume is about two contacts per inhabitant — enough to show the 0 and
3 days of the guarantee without dwarfing specialised care. Contacts end the same day almost
always, assessments mostly within three days (weekends skipped).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vardkoll.synth._calendar import IntArray, inflow_shape, next_weekday
from vardkoll.synth._codes import ENTRY, REASON
from vardkoll.synth._organisation import Organisation, draw_municipalities, referral_weights
from vardkoll.synth._population import AGE_BANDS, age_sex_population
from vardkoll.synth._sampling import categorical_rows, draw_age_days, repeat_counts

__all__ = ["PRIMARY_ASSESSMENT_RATE", "PRIMARY_CONTACT_RATE", "PrimaryCare", "primary_care"]

PRIMARY_CONTACT_RATE = 0.05
PRIMARY_ASSESSMENT_RATE = 0.03
"""Primary-care pathways per inhabitant and year in the files."""
PRIMARY_RADIUS_KM = 8.0


@dataclass(frozen=True)
class PrimaryCare:
    """Primary-care pathways and their patients (one patient per pathway), as columns."""

    entry: npt.NDArray[np.int8]
    start: IntArray
    removal: IntArray
    reason: npt.NDArray[np.int8]
    priority: npt.NDArray[np.int8]
    unit: IntArray
    birth: IntArray
    male: npt.NDArray[np.bool_]
    municipality: IntArray


def primary_care(
    org: Organisation, first_day: int, as_of: int, population: float, rng: np.random.Generator
) -> PrimaryCare:
    """Primary-care pathways: contact the same day, assessment within days (0-3)."""
    days = np.arange(first_day - 30, as_of + 1, dtype=np.int64)
    shape = inflow_shape(days)
    rates = np.array([PRIMARY_CONTACT_RATE, PRIMARY_ASSESSMENT_RATE]) * population / 365.0
    counts = rng.poisson(rates[:, None] * shape[None, :])
    kind, day = repeat_counts(counts)
    start = days[day]
    n = start.size
    entry = np.where(kind == 0, ENTRY["primary_contact"], ENTRY["primary_assessment"]).astype(
        np.int8
    )
    contact_wait = rng.choice([0, 1, 2, 3], size=n, p=[0.96, 0.025, 0.01, 0.005])
    assessment_wait = rng.choice(
        [0, 1, 2, 3, 4, 5, 7, 10], size=n, p=[0.38, 0.2, 0.15, 0.12, 0.06, 0.04, 0.03, 0.02]
    )
    removal = start + np.where(kind == 0, contact_wait, assessment_wait)
    removal = np.where(kind == 0, removal, next_weekday(removal))
    u = rng.random(n)
    reason = np.where(
        u < 0.015,
        REASON["no_longer_needed"],
        np.where(u < 0.02, REASON["other"], REASON["treated"]),
    ).astype(np.int8)
    priority = (rng.choice(4, size=n, p=[0.05, 0.15, 0.6, 0.2]) + 1).astype(np.int8)
    pop = age_sex_population(org.region_code)
    gp_rate = np.array([1.3, 0.8, 0.9, 0.9, 0.9, 1.0, 1.2, 1.5, 1.8, 1.8])
    table = (pop * gp_rate[:, None]).ravel()[None, :]
    cell = categorical_rows(table, np.zeros(n, dtype=np.int64), rng)
    band, male = cell // 2, (cell % 2).astype(bool)
    low = np.array([b[0] for b in AGE_BANDS])[band]
    high = np.array([b[1] for b in AGE_BANDS])[band]
    birth = start - draw_age_days(low, high, rng)
    municipality = draw_municipalities(org, n, rng)
    unit_table = referral_weights(org, ["general_practice"], ("primary",), PRIMARY_RADIUS_KM)
    unit = categorical_rows(unit_table, municipality, rng)
    return PrimaryCare(entry, start, removal, reason, priority, unit, birth, male, municipality)
