"""The waiting process: demand per specialty, wait distributions, and their calibration.

How the generator hits the published figures *by construction*
--------------------------------------------------------------
Each pathway draws its whole wait ``D`` (clock start to removal) when it starts: exponential
with mean ``base × specialty factor × priority factor × trend(t)``. A pathway is still waiting
on the as-of date ``A`` when ``t + D > A``, so the expected number waiting is

    stock(A) = Σ_t λ(t) · Σ_{s,p} share_s · π_p · P(D > A − t),

a sum this module evaluates exactly over every day of the history. Two numbers follow:

1. the share of the stock waiting beyond 90 days depends only on ``base`` (not on the inflow
   level), so ``base`` is found by bisection until it equals the target (29 % for a first
   specialist visit, 41 % for an operation or treatment);
2. the inflow level then follows from the stock target (4.4 % and 1.5 % of the population).

Treatment pathways start at a first visit that ended in a decision to treat, so their inflow
is the first-visit *removals* of the same run, thinned with a per-specialty probability whose
overall level is solved the same way. Specialties with ``trend > 0`` have mean waits that grow
year on year — capacity below demand, a growing queue — and the others are stable; the solver
sees the trends, so the region-wide figures still land on target.

The median completed wait for an operation (63 days nationally,
docs/explanation/generated-region.md) is not solved for: it follows from the same distributions (the
priority mix sets how far it sits below the stock's long tail) and the calibration test checks it on
the written files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vardkoll.domain import SimulationError
from vardkoll.synth._calendar import IntArray

__all__ = [
    "PRIORITY_FACTORS",
    "PRIORITY_SHARES",
    "PROFILES",
    "CalibrationTargets",
    "QueueDesign",
    "SpecialtyProfile",
    "mean_wait",
    "solve_base",
    "stock_weights",
]

FloatArray = npt.NDArray[np.float64]

PRIORITY_SHARES = np.array([0.10, 0.25, 0.45, 0.20])
"""Medical priority 1 (most urgent) … 4 at clock start."""
PRIORITY_FACTORS = np.array([0.35, 0.75, 1.0, 1.45])
"""Relative mean wait by priority."""
MIN_TREND = 0.35

_GENERAL = (0.15, 0.35, 0.6, 0.8, 1.0, 1.3, 1.7, 2.0, 2.1, 1.7)
_ELDERLY = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.4, 4.0, 3.0)
_CHILDREN = (3.0, 1.2, 0, 0, 0, 0, 0, 0, 0, 0)
_YOUNG = (0.2, 1.6, 2.0, 1.5, 1.2, 0.9, 0.6, 0.4, 0.3, 0.2)
_FERTILE = (0.05, 0.8, 1.6, 1.6, 1.5, 1.2, 0.8, 0.6, 0.4, 0.2)
_FLAT = (0.8, 0.9, 0.9, 0.9, 1.0, 1.0, 1.1, 1.2, 1.2, 1.0)
_MUSCULO = (0.3, 0.9, 0.7, 0.8, 1.0, 1.3, 1.6, 1.7, 1.4, 0.9)


@dataclass(frozen=True, slots=True)
class SpecialtyProfile:
    """Demand and waits of one specialty.

    ``share``: share of first-visit referrals; ``age``/``sex`` (women, men): relative referral
    rates by age band and sex; ``wait``/``trend``: relative mean wait for a first visit and its
    yearly growth (> 0: capacity below demand); ``to_treatment``/``to_examination``: relative
    chance that a first visit leads to an operation or treatment / an examination;
    ``treatment_wait``/``treatment_trend`` likewise for the treatment queue; ``procedures``:
    KVÅ-style procedure codes of its treatments; ``max_age``: referral age limit.
    """

    code: str
    share: float
    age: tuple[float, ...]
    sex: tuple[float, float]
    wait: float
    trend: float
    to_treatment: float
    treatment_wait: float
    treatment_trend: float
    to_examination: float
    procedures: tuple[str, ...]
    max_age: int = 110


_P = SpecialtyProfile
PROFILES: tuple[SpecialtyProfile, ...] = (
    _P("orthopaedics", 0.12, _MUSCULO, (1.0, 1.0), 1.2, 0.25, 1.0, 1.35, 0.30, 0.0,
       ("NFB49", "NGB49", "NHG09", "NGA11")),
    _P("general_surgery", 0.09, _GENERAL, (1.0, 1.0), 0.9, 0.0, 0.9, 0.9, 0.0, 0.05,
       ("JAB30", "JKA21", "JFB00", "JAD10")),
    _P("ent", 0.08, _FLAT, (1.0, 1.0), 1.3, 0.25, 0.7, 1.2, 0.20, 0.05,
       ("EMB10", "DMB20", "DNA10")),
    _P("ophthalmology", 0.09, _ELDERLY, (1.1, 0.9), 1.0, -0.08, 1.1, 0.8, 0.0, 0.0,
       ("CJE20", "CKD65", "CJC00")),
    _P("gynaecology", 0.08, _FERTILE, (1.0, 0.0), 1.1, 0.0, 0.6, 1.0, 0.20, 0.1,
       ("LCD11", "LAF10", "LEF13")),
    _P("urology", 0.05, _ELDERLY, (0.35, 1.0), 0.9, 0.0, 0.7, 1.0, 0.0, 0.2,
       ("KED22", "KCD12", "KEC01")),
    _P("cardiology", 0.06, _ELDERLY, (0.8, 1.2), 0.8, 0.0, 0.3, 0.7, 0.0, 0.3,
       ("FNG05", "FPB32", "FPE26")),
    _P("dermatology", 0.07, _FLAT, (1.1, 0.9), 1.2, 0.0, 0.5, 0.9, 0.0, 0.0,
       ("QDB99", "QAB00", "QDG00")),
    _P("neurology", 0.05, _GENERAL, (1.1, 0.9), 1.3, 0.30, 0.2, 1.0, 0.0, 0.25, ()),
    _P("internal_medicine", 0.04, _ELDERLY, (1.0, 1.0), 0.8, 0.0, 0.2, 0.8, 0.0, 0.15,
       ()),
    _P("rheumatology", 0.03, _GENERAL, (1.5, 0.6), 0.9, 0.0, 0.2, 0.8, 0.0, 0.0,
       ()),
    _P("endocrinology", 0.03, _GENERAL, (1.3, 0.8), 1.0, 0.0, 0.2, 0.8, 0.0, 0.0,
       ()),
    _P("gastroenterology", 0.04, _GENERAL, (1.0, 1.0), 1.0, 0.0, 0.4, 0.9, 0.0, 0.35,
       ("JFA15", "UJF32")),
    _P("plastic_surgery", 0.02, _FLAT, (1.4, 0.6), 1.6, 0.35, 0.8, 1.5, 0.30, 0.0,
       ("QBB00", "HAD99")),
    _P("paediatrics", 0.05, _CHILDREN, (1.0, 1.1), 0.8, 0.0, 0.2, 0.7, 0.0, 0.0,
       (), max_age=17),
    _P("psychiatry", 0.05, _YOUNG, (1.1, 0.9), 1.2, 0.30, 0.4, 1.0, 0.0, 0.0,
       ()),
    _P("pulmonology", 0.03, _ELDERLY, (1.0, 1.0), 0.8, 0.0, 0.2, 0.8, 0.0, 0.3,
       ("UGC12",)),
    _P("vascular_surgery", 0.01, _ELDERLY, (0.7, 1.3), 0.7, 0.0, 1.0, 0.6, 0.0, 0.0,
       ("PDH10", "PHD20")),
    _P("oncology", 0.01, _ELDERLY, (1.0, 1.0), 0.3, 0.0, 0.8, 0.3, 0.0, 0.0,
       ()),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CalibrationTargets:
    """The national magnitudes of docs/explanation/generated-region.md the generated region is built
    to match."""

    first_visit_share_of_population: float = 0.044
    first_visit_beyond_90: float = 0.29
    treatment_share_of_population: float = 0.015
    treatment_beyond_90: float = 0.41
    treatment_median_completed_days: float = 63.0
    overcrowding_per_100_beds: float = 5.5


@dataclass(frozen=True, slots=True)
class QueueDesign:
    """The solved parameters of one waiting queue family (first visits or treatments)."""

    base_days: float
    level: float
    expected_stock: float
    expected_beyond_90: float


def mean_wait(
    base: float, factor: FloatArray, trend: FloatArray, start: IntArray, as_of: int
) -> FloatArray:
    """Mean wait (days) of pathways starting on ``start`` with specialty ``factor``/``trend``.

    ``factor`` and ``trend`` broadcast against ``start``; the priority factor is folded into
    ``factor`` by the caller.
    """
    years_before = (start - as_of) / 365.0
    return base * factor * np.maximum(MIN_TREND, 1.0 + trend * years_before)


def stock_weights(
    base: float,
    inflow: FloatArray,
    factor: FloatArray,
    trend: FloatArray,
    days: IntArray,
    as_of: int,
) -> tuple[float, float]:
    """Expected pathways still waiting on ``as_of``, and those of them beyond 90 days.

    ``inflow[s, d]`` is the expected number of clock starts of specialty ``s`` on ``days[d]``;
    ``factor[s]``/``trend[s]`` its wait factor and trend. Each pathway waits
    ``floor(Exponential(mean))`` days, so it is still waiting on ``as_of`` with probability
    ``exp(-(as_of - t + 1) / mean)``.
    """
    age = (as_of - days).astype(np.float64)
    total = 0.0
    beyond = 0.0
    over = age > 90
    for p, share in enumerate(PRIORITY_SHARES):
        mean = mean_wait(
            base, factor[:, None] * PRIORITY_FACTORS[p], trend[:, None], days[None, :], as_of
        )
        alive = inflow * share * np.exp(-(age[None, :] + 1.0) / mean)
        alive[:, age < 0] = 0.0
        total += float(alive.sum())
        beyond += float(alive[:, over].sum())
    return total, beyond


def solve_base(
    inflow: FloatArray,
    factor: FloatArray,
    trend: FloatArray,
    days: IntArray,
    as_of: int,
    beyond_90: float,
    stock_target: float,
) -> QueueDesign:
    """Find the base mean wait giving ``beyond_90`` of the stock over 90 days, then the level.

    ``level`` multiplies ``inflow`` so that the expected stock equals ``stock_target``.
    Raises :class:`SimulationError` if no base in 1–2 000 days reaches the share.
    """
    lo, hi = 1.0, 2000.0
    for _ in range(45):
        mid = (lo + hi) / 2
        total, beyond = stock_weights(mid, inflow, factor, trend, days, as_of)
        share = beyond / total if total > 0 else 0.0
        if share < beyond_90:
            lo = mid
        else:
            hi = mid
    base = (lo + hi) / 2
    total, beyond = stock_weights(base, inflow, factor, trend, days, as_of)
    if total <= 0 or abs(beyond / total - beyond_90) > 0.005:
        raise SimulationError(
            f"The waiting-time calibration found no mean wait giving {beyond_90:.0%} beyond 90 "
            f"days (reached {beyond / max(total, 1e-9):.1%}); check the specialty profiles."
        )
    level = stock_target / total
    return QueueDesign(base, level, total * level, beyond / total)
