"""Pathways of one chunk of a region: who waits for what, where, from when and until when.

One row per pathway, as NumPy columns. The flow follows real care:

1. **First specialist visits** arrive per specialty and day (Poisson, weekday and season
   shape, level solved by :mod:`._queues`), each for a patient drawn by age band and sex in
   proportion to the population times the specialty's referral rates.
2. Each draws its priority and whole wait; the removal date is then pushed out of the summer
   weeks and the Christmas holidays (part of the production there is simply not done) and off
   weekends.
3. A visit that ended in *treated* may lead to a **treatment** (decision to treat at the visit,
   same patient and unit) or an **examination**; the treatment level is solved so the queue
   hits its targets.
4. **Primary care** contacts and assessments (a sample, see ``generated-region.md``) arrive at
   the health centres near the patient and end within days.

Removal reasons depend on the wait: the longer the wait, the more likely the patient no longer
needs the care (about 20 % beyond 180 days, docs/explanation/generated-region.md) or got it
elsewhere; death depends on age. A wait far past the limit may get an offer from another provider
(*vårdgarantienheten*): accepted, the care happens there; declined, the pathway ends with
``declined_offer``.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vardkoll.domain import (
    SimulationError,
    rule_set_in_force,
)
from vardkoll.synth._calendar import (
    IntArray,
    day_number,
    inflow_shape,
    is_christmas,
    is_summer,
    iso_weeks,
    month_of,
    next_weekday,
)
from vardkoll.synth._codes import ENTRY, REASON, SPECIALTY_CODES, SPECIALTY_INDEX
from vardkoll.synth._identities import People, draw_people
from vardkoll.synth._organisation import Organisation, draw_municipalities, referral_weights
from vardkoll.synth._population import AGE_BANDS, age_sex_population
from vardkoll.synth._primary import primary_care
from vardkoll.synth._queues import (
    PRIORITY_FACTORS,
    PRIORITY_SHARES,
    PROFILES,
    CalibrationTargets,
    QueueDesign,
    mean_wait,
    solve_base,
)
from vardkoll.synth._sampling import categorical_rows, draw_age_days, repeat_counts

__all__ = [
    "BURN_IN_DAYS",
    "PROCEDURES",
    "Horizon",
    "Pathways",
    "generate_pathways",
    "guarantee_limits",
]

FloatArray = npt.NDArray[np.float64]

PROCEDURES: tuple[str, ...] = tuple(sorted({c for p in PROFILES for c in p.procedures}))
_PROCEDURE_INDEX = {code: i for i, code in enumerate(PROCEDURES)}

BURN_IN_DAYS = 730
"""Simulated days before the history starts, so the queues on its first day are mature."""
HISTORY_YEARS = 3
EXAMINATION_BASE_DAYS = 35.0
EXAMINATION_LEVEL = 1.0
REFERRAL_RADIUS_KM = 40.0
REDRESS_SHARE = 0.30
REDRESS_DECLINED = 0.35
_SUMMER_SHIFT = 0.55
_CHRISTMAS_SHIFT = 0.70


@dataclass(frozen=True, slots=True)
class Horizon:
    """The generated period: burn-in start ≤ history start ≤ as-of (integer days)."""

    as_of: int
    window_start: int
    burn_in_start: int

    @classmethod
    def ending(cls, as_of: dt.date) -> Horizon:
        """Three years of history up to and including ``as_of``."""
        end = day_number(as_of)
        try:
            start = day_number(as_of.replace(year=as_of.year - HISTORY_YEARS)) + 1
        except ValueError:  # 29 February
            start = day_number(as_of.replace(year=as_of.year - HISTORY_YEARS, day=28)) + 1
        return cls(end, start, start - BURN_IN_DAYS)

    @property
    def days(self) -> IntArray:
        return np.arange(self.burn_in_start, self.as_of + 1, dtype=np.int64)


@dataclass(frozen=True)
class Pathways:
    """One row per pathway (NumPy columns) and the people they belong to.

    ``removal`` may lie after the as-of date: the pathway is then still waiting and the writer
    leaves the removal out. ``redress`` is 0 (none), 1 (offer of another provider accepted)
    or 2 (declined). ``procedure`` indexes :data:`PROCEDURES` (−1: none).
    """

    entry: npt.NDArray[np.int8]
    specialty: npt.NDArray[np.int16]
    person: IntArray
    start: IntArray
    removal: IntArray
    reason: npt.NDArray[np.int8]
    priority: npt.NDArray[np.int8]
    unit: IntArray
    procedure: npt.NDArray[np.int16]
    redress: npt.NDArray[np.int8]
    people: People
    designs: dict[str, QueueDesign] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.start.size)


def guarantee_limits(region_code: str, as_of: dt.date) -> dict[str, int]:
    """The guarantee limits (days) in force, per entry type (no limit: a large number)."""
    rule_set = "se-stockholm" if region_code == "01" else "se-national"
    limits = rule_set_in_force(rule_set, as_of).limits
    return {k: (v if v is not None else 10_000) for k, v in limits.items()}


@functools.lru_cache(maxsize=8)
def _first_visit_design(horizon: Horizon, beyond_90: float, share: float) -> QueueDesign:
    """The first-visit queue for one inhabitant (level and stock scale with population).

    The same for every region and chunk of a run, so it is solved once.
    """
    days = horizon.days
    arrays = _profile_arrays()
    inflow = arrays["share"][:, None] * inflow_shape(days)[None, :]
    return solve_base(
        inflow, arrays["wait"], arrays["trend"], days, horizon.as_of, beyond_90, share
    )


def _profile_arrays() -> dict[str, FloatArray]:
    keys = (
        "share",
        "wait",
        "trend",
        "to_treatment",
        "treatment_wait",
        "treatment_trend",
        "to_examination",
    )
    out = {k: np.array([getattr(p, k) for p in PROFILES], dtype=np.float64) for k in keys}
    out["share"] = out["share"] / out["share"].sum()
    return out


def _draw_demography(
    org: Organisation, profile_rows: IntArray, start: IntArray, rng: np.random.Generator
) -> tuple[IntArray, npt.NDArray[np.bool_], IntArray]:
    """Birth day, sex and home municipality for referrals of the given profiles."""
    pop = age_sex_population(org.region_code)  # (band, sex): women, men
    table = np.stack(
        [(pop * np.array(p.age)[:, None] * np.array(p.sex)[None, :]).ravel() for p in PROFILES]
    )
    cell = categorical_rows(table, profile_rows, rng)
    band, male = cell // 2, (cell % 2).astype(bool)
    low = np.array([b[0] for b in AGE_BANDS])[band]
    high = np.array([b[1] for b in AGE_BANDS])[band]
    max_age = np.array([p.max_age for p in PROFILES])[profile_rows]
    age = draw_age_days(low, np.minimum(high, max_age), rng)
    return start - age, male, draw_municipalities(org, start.size, rng)


def _removal_reasons(
    wait: IntArray, age_years: FloatArray, rng: np.random.Generator
) -> npt.NDArray[np.int8]:
    """Why each specialised-care pathway ends, given its wait and the patient's age."""
    n = wait.size
    no_longer = np.where(wait < 90, 0.02, np.where(wait < 180, 0.07, 0.20))
    elsewhere = np.where(wait < 90, 0.015, 0.04)
    deceased = np.select(
        [age_years < 50, age_years < 70, age_years < 80], [0.001, 0.004, 0.012], 0.035
    ) * (1 + wait / 365)
    in_error = np.where(wait < 30, 0.01, 0.0)
    other = np.full(n, 0.005)
    u = rng.random(n)
    reason = np.full(n, REASON["treated"], dtype=np.int8)
    edge = np.zeros(n)
    for name, p in (
        ("no_longer_needed", no_longer),
        ("treated_elsewhere", elsewhere),
        ("deceased", deceased),
        ("registered_in_error", in_error),
        ("other", other),
    ):
        hit = (u >= edge) & (u < edge + p)
        reason[hit] = REASON[name]
        edge = edge + p
    return reason


def shift_removals(day: IntArray, rng: np.random.Generator) -> IntArray:
    """Move removals out of summer weeks and the Christmas holidays (partly), and off weekends.

    This is the production dip of the summer (weeks 27–32) and of 23 December – 6 January:
    most of what would have been done then waits until the weeks after.
    """
    out = day.copy()
    _, week = iso_weeks(out)
    summer = is_summer(out) & (rng.random(out.size) < _SUMMER_SHIFT)
    monday_week33 = out - ((out + 3) % 7) + (33 - week) * 7
    out = np.where(summer, monday_week33 + rng.integers(0, 10, out.size), out)
    christmas = is_christmas(out) & (rng.random(out.size) < _CHRISTMAS_SHIFT)
    year = out.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    year = year + (month_of(out) == 12)
    jan7 = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64) + 6
    out = np.where(christmas, jan7 + rng.integers(0, 7, out.size), out)
    return next_weekday(out)


def generate_pathways(
    org: Organisation,
    horizon: Horizon,
    population_share: float,
    rng: np.random.Generator,
    targets: CalibrationTargets,
) -> Pathways:
    """Draw every pathway of one chunk (``population_share`` of the region's population)."""
    days = horizon.days
    as_of = horizon.as_of
    arrays = _profile_arrays()
    population = org.population * population_share
    limits = guarantee_limits(org.region_code, dt.date(1970, 1, 1) + dt.timedelta(days=as_of))
    specialised = [p.code for p in PROFILES]
    spec_of_profile = np.array([SPECIALTY_INDEX[c] for c in specialised], dtype=np.int16)

    # 1. First visits: solve the queue, then draw arrivals per specialty and day.
    inflow = arrays["share"][:, None] * inflow_shape(days)[None, :]
    per_person = _first_visit_design(
        horizon, targets.first_visit_beyond_90, targets.first_visit_share_of_population
    )
    fv = QueueDesign(
        per_person.base_days,
        per_person.level * population,
        per_person.expected_stock * population,
        per_person.expected_beyond_90,
    )
    counts = rng.poisson(fv.level * inflow)
    fv_profile, fv_day = repeat_counts(counts)
    fv_start = days[fv_day]
    birth, male, municipality = _draw_demography(org, fv_profile, fv_start, rng)
    fv_priority = rng.choice(4, size=fv_start.size, p=PRIORITY_SHARES)
    fv_mean = mean_wait(
        fv.base_days,
        arrays["wait"][fv_profile] * PRIORITY_FACTORS[fv_priority],
        arrays["trend"][fv_profile],
        fv_start,
        as_of,
    )
    fv_wait = np.floor(rng.exponential(fv_mean)).astype(np.int64)
    fv_reason = _removal_reasons(fv_wait, (fv_start - birth) / 365.25, rng)
    fv_removal = np.maximum(fv_start, shift_removals(fv_start + fv_wait, rng))
    # Redress is decided before chaining: a declined offer ends the wait without a visit.
    has_alternative = np.array(
        [code != "general_practice" and len(org.units_with(code)) > 1 for code in SPECIALTY_CODES]
    )
    fv_redress = _redress(
        fv_removal - fv_start,
        fv_reason,
        limits["first_visit"],
        has_alternative[spec_of_profile[fv_profile]],
        rng,
    )
    fv_reason = np.where(fv_redress == 2, REASON["declined_offer"], fv_reason).astype(np.int8)
    unit_table = referral_weights(org, specialised, ("clinic", "private"), REFERRAL_RADIUS_KM)
    fv_unit = categorical_rows(unit_table, municipality * len(specialised) + fv_profile, rng)

    # 2. Treatments and examinations start at a first visit that ended in 'treated'.
    visited = (fv_reason == REASON["treated"]) & (fv_removal <= as_of)
    hist = np.zeros((len(PROFILES), days.size))
    np.add.at(hist, (fv_profile[visited], fv_removal[visited] - days[0]), 1.0)
    tr = solve_base(
        hist * arrays["to_treatment"][:, None],
        arrays["treatment_wait"],
        arrays["treatment_trend"],
        days,
        as_of,
        targets.treatment_beyond_90,
        targets.treatment_share_of_population * population,
    )
    to_treatment = tr.level * arrays["to_treatment"]
    if to_treatment.max() > 1.0:
        raise SimulationError(
            "The treatment queue needs more decisions to treat than there are first visits "
            f"(probability {to_treatment.max():.2f} > 1); raise first-visit shares of surgical "
            "specialties or lower the treatment target."
        )
    u = rng.random(fv_start.size)
    becomes_tr = visited & (u < to_treatment[fv_profile])
    becomes_ex = (
        visited
        & ~becomes_tr
        & (u < to_treatment[fv_profile] + EXAMINATION_LEVEL * arrays["to_examination"][fv_profile])
    )
    chained = []
    for mask, entry, wait_key, trend_key, base in (
        (becomes_tr, "treatment", "treatment_wait", "treatment_trend", tr.base_days),
        (becomes_ex, "examination", "wait", "trend", EXAMINATION_BASE_DAYS),
    ):
        src = np.flatnonzero(mask)
        prof = fv_profile[src]
        start = fv_removal[src]
        priority = rng.choice(4, size=src.size, p=PRIORITY_SHARES)
        mean = mean_wait(
            base,
            arrays[wait_key][prof] * PRIORITY_FACTORS[priority],
            arrays[trend_key][prof],
            start,
            as_of,
        )
        wait = np.floor(rng.exponential(mean)).astype(np.int64)
        reason = _removal_reasons(wait, (start - birth[src]) / 365.25, rng)
        removal = np.maximum(start, shift_removals(start + wait, rng))
        redress = _redress(
            removal - start, reason, limits[entry], has_alternative[spec_of_profile[prof]], rng
        )
        reason = np.where(redress == 2, REASON["declined_offer"], reason).astype(np.int8)
        chained.append((entry, src, prof, start, priority, removal, reason, redress))

    # 3. Primary care: contacts and assessments at nearby health centres.
    primary = primary_care(org, horizon.window_start, horizon.as_of, population, rng)

    # 4. Assemble, keep what the three-year files show, decide redress offers.
    n_fv = fv_start.size
    parts_entry = [np.full(n_fv, ENTRY["first_visit"], dtype=np.int8)]
    parts_spec = [spec_of_profile[fv_profile]]
    parts_person = [np.arange(n_fv)]
    parts_start, parts_removal = [fv_start], [fv_removal]
    parts_reason, parts_priority = [fv_reason], [fv_priority + 1]
    parts_unit = [fv_unit]
    parts_proc = [np.full(n_fv, -1, dtype=np.int16)]
    parts_redress = [fv_redress]
    for entry, src, prof, start, priority, removal, reason, redress in chained:
        parts_redress.append(redress)
        parts_entry.append(np.full(src.size, ENTRY[entry], dtype=np.int8))
        parts_spec.append(spec_of_profile[prof])
        parts_person.append(src)
        parts_start.append(start)
        parts_removal.append(removal)
        parts_reason.append(reason)
        parts_priority.append(priority + 1)
        parts_unit.append(fv_unit[src])
        parts_proc.append(
            _procedures(prof, rng)
            if entry == "treatment"
            else np.full(src.size, -1, dtype=np.int16)
        )
    n_pc = primary.start.size
    parts_entry.append(primary.entry)
    parts_spec.append(np.full(n_pc, SPECIALTY_INDEX["general_practice"], dtype=np.int16))
    parts_person.append(n_fv + np.arange(n_pc))
    parts_start.append(primary.start)
    parts_removal.append(primary.removal)
    parts_reason.append(primary.reason)
    parts_priority.append(primary.priority.astype(np.int64))
    parts_unit.append(primary.unit)
    parts_proc.append(np.full(n_pc, -1, dtype=np.int16))
    parts_redress.append(np.zeros(n_pc, dtype=np.int8))

    entry_all = np.concatenate(parts_entry)
    start_all = np.concatenate(parts_start)
    removal_all = np.concatenate(parts_removal)
    keep = (removal_all >= horizon.window_start) & (start_all <= as_of)
    # Identities only for the people the written pathways name (most of the burn-in is not).
    person_all = np.concatenate(parts_person)
    needed = np.zeros(n_fv + primary.start.size, dtype=bool)
    needed[person_all[keep]] = True
    new_index = np.cumsum(needed) - 1
    people = draw_people(
        rng,
        np.concatenate([birth, primary.birth])[needed],
        np.concatenate([male, primary.male])[needed],
        np.concatenate([municipality, primary.municipality])[needed],
        np.concatenate([fv_start, primary.start])[needed],
    )
    designs = {"first_visit": fv, "treatment": tr}
    return Pathways(
        entry=entry_all[keep],
        specialty=np.concatenate(parts_spec)[keep],
        person=new_index[person_all[keep]],
        start=start_all[keep],
        removal=removal_all[keep],
        reason=np.concatenate(parts_reason)[keep],
        priority=np.concatenate(parts_priority).astype(np.int8)[keep],
        unit=np.concatenate(parts_unit)[keep],
        procedure=np.concatenate(parts_proc)[keep],
        redress=np.concatenate(parts_redress)[keep],
        people=people,
        designs=designs,
    )


def _redress(
    wait: IntArray,
    reason: npt.NDArray[np.int8],
    limit: int,
    has_alternative: npt.NDArray[np.bool_],
    rng: np.random.Generator,
) -> npt.NDArray[np.int8]:
    """0: none; 1: another provider offered and accepted; 2: offered and declined.

    Only waits well past the limit, that would otherwise end in 'treated', in a specialty with
    another unit to offer.
    """
    eligible = (wait > limit + 14) & (reason == REASON["treated"]) & has_alternative
    v = rng.random(wait.size)
    offered = eligible & (v < REDRESS_SHARE)
    declined = v < REDRESS_SHARE * REDRESS_DECLINED
    return np.where(offered, np.where(declined, 2, 1), 0).astype(np.int8)


def _procedures(profile_rows: IntArray, rng: np.random.Generator) -> npt.NDArray[np.int16]:
    """A KVÅ-style code for each treatment of a specialty that has codes (−1 otherwise)."""
    out = np.full(profile_rows.size, -1, dtype=np.int16)
    u = rng.random(profile_rows.size)
    for k, profile in enumerate(PROFILES):
        if not profile.procedures:
            continue
        rows = profile_rows == k
        pick = (u[rows] * len(profile.procedures)).astype(int)
        codes = np.array([_PROCEDURE_INDEX[c] for c in profile.procedures], dtype=np.int16)
        out[rows] = codes[pick]
    return out
