"""Capacity records: production, beds, theatre sessions, emergency visits and inpatient stays.

One frozen record per row of import-format.md §3–6. Each checks its own invariants on
construction (counts are not negative, nobody leaves before arriving …) so the engines can
trust every record they are given. Identities in the records are masked in ``repr``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from vardkoll.domain._errors import InputError
from vardkoll.domain._guarantee import ENTRY_TYPES
from vardkoll.domain._identity import mask_identity
from vardkoll.domain._organisation import MUNICIPALITIES, SPECIALTIES

__all__ = [
    "CARE_TYPES",
    "ED_DISPOSITIONS",
    "BedDay",
    "EdVisit",
    "InpatientStay",
    "ProductionWeek",
    "TheatreSession",
    "per_100_available_beds",
]

CARE_TYPES: tuple[str, ...] = ("somatic", "psychiatric")
ED_DISPOSITIONS: tuple[str, ...] = ("home", "admitted", "transferred", "left")
_ISO_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")
_ICD10 = re.compile(r"[A-Z][0-9]{2}(\.?[0-9A-Z]{1,4})?")
_MINUTES_PER_DAY = 24 * 60
_STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _bad(record: str, name: str, value: object, fix: str) -> InputError:
    return InputError(f"{record}.{name} {fix}; got {value!r}.", field=name)


def _text(record: str, obj: object, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if not isinstance(value, str) or not value.strip():
            raise _bad(record, name, value, "must be non-empty text")


def _counts(record: str, obj: object, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _bad(record, name, value, "must be an integer ≥ 0")


def _choice(record: str, name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise _bad(record, name, value, f"must be one of {', '.join(allowed)}")


def _date(record: str, name: str, value: object) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _bad(record, name, value, "must be a date (YYYY-MM-DD)")


def _moments(record: str, obj: object, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is not None and not isinstance(value, dt.datetime):
            raise _bad(record, name, value, "must be a date-time (YYYY-MM-DDTHH:MM)")


def _instant(value: dt.datetime) -> dt.datetime:
    """The moment in UTC; a value without offset is local Europe/Stockholm time (import-format.md).

    Python compares and subtracts two datetimes of the same zone by wall clock, which is an
    hour off across a daylight-saving change, so every comparison goes through UTC.
    """
    if value.utcoffset() is None:
        value = value.replace(tzinfo=_STOCKHOLM)
    return value.astimezone(dt.UTC)


def _not_before(record: str, obj: object, later: str, earlier: str) -> None:
    a, b = getattr(obj, later), getattr(obj, earlier)
    if a is not None and b is not None and _instant(a) < _instant(b):
        raise InputError(
            f"{record}.{later} ({a.isoformat()}) is before {earlier} ({b.isoformat()}); "
            f"{later} cannot come first.",
            field=later,
        )


@dataclass(frozen=True, slots=True)
class ProductionWeek:
    """Planned and performed production of one unit, entry type and ISO week (§3).

    >>> ProductionWeek("SE2321000198-E0101", "treatment", "2025-W14", 42, 39).monday
    datetime.date(2025, 3, 31)
    """

    unit_id: str
    entry_type: str
    week: str
    planned: int
    performed: int | None = None

    def __post_init__(self) -> None:
        _text("ProductionWeek", self, "unit_id")
        _choice("ProductionWeek", "entry_type", self.entry_type, ENTRY_TYPES)
        _counts("ProductionWeek", self, "planned", "performed")
        match = _ISO_WEEK.fullmatch(self.week) if isinstance(self.week, str) else None
        try:
            if match is None:
                raise ValueError
            dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise _bad(
                "ProductionWeek", "week", self.week, "must be an ISO week YYYY-Www that exists"
            ) from None

    @property
    def monday(self) -> dt.date:
        """The first day of the week."""
        year, week = self.week.split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1)


@dataclass(frozen=True, slots=True)
class BedDay:
    """One ward on one day (§4): available and occupied beds, overcrowding and outliers."""

    ward_id: str
    unit_id: str
    hospital: str
    care_type: Literal["somatic", "psychiatric"]
    date: dt.date
    available_beds: int
    occupied_beds: int
    overcrowded: int = 0
    outliers: int = 0

    def __post_init__(self) -> None:
        _text("BedDay", self, "ward_id", "unit_id", "hospital")
        _choice("BedDay", "care_type", self.care_type, CARE_TYPES)
        _date("BedDay", "date", self.date)
        _counts("BedDay", self, "available_beds", "occupied_beds", "overcrowded", "outliers")


@dataclass(frozen=True, slots=True)
class TheatreSession:
    """One operating-theatre session (§5) with its planned and used minutes."""

    session_id: str
    unit_id: str
    theatre_id: str
    date: dt.date
    specialty: str
    planned_minutes: int
    used_minutes: int
    cancelled: bool = False

    def __post_init__(self) -> None:
        _text("TheatreSession", self, "session_id", "unit_id", "theatre_id")
        _date("TheatreSession", "date", self.date)
        if self.specialty not in SPECIALTIES:
            raise _bad("TheatreSession", "specialty", self.specialty, "must be a §7 code")
        _counts("TheatreSession", self, "planned_minutes", "used_minutes")
        for name in ("planned_minutes", "used_minutes"):
            if getattr(self, name) > _MINUTES_PER_DAY:
                raise _bad("TheatreSession", name, getattr(self, name), "must be ≤ 1440 (a day)")
        if not isinstance(self.cancelled, bool):
            raise _bad("TheatreSession", "cancelled", self.cancelled, "must be True or False")


@dataclass(frozen=True, slots=True, repr=False)
class EdVisit:
    """One emergency-department visit (§6), triaged 1 (red) … 5 (blue) by RETTS."""

    visit_id: str
    unit_id: str
    patient_id: str
    arrival: dt.datetime
    triage: int
    departure: dt.datetime
    disposition: Literal["home", "admitted", "transferred", "left"]
    physician_seen: dt.datetime | None = None

    def __post_init__(self) -> None:
        _text("EdVisit", self, "visit_id", "unit_id", "patient_id")
        _moments("EdVisit", self, "arrival", "physician_seen", "departure")
        if isinstance(self.triage, bool) or not isinstance(self.triage, int):
            raise _bad("EdVisit", "triage", self.triage, "must be an integer 1 … 5")
        if not 1 <= self.triage <= 5:
            raise _bad("EdVisit", "triage", self.triage, "must be 1 (red) … 5 (blue)")
        _choice("EdVisit", "disposition", self.disposition, ED_DISPOSITIONS)
        _not_before("EdVisit", self, "departure", "arrival")
        _not_before("EdVisit", self, "physician_seen", "arrival")
        _not_before("EdVisit", self, "departure", "physician_seen")

    def __repr__(self) -> str:
        return (
            f"EdVisit(visit_id={self.visit_id!r}, unit_id={self.unit_id!r}, "
            f"patient_id={mask_identity(self.patient_id)!r}, arrival={self.arrival!r}, "
            f"triage={self.triage!r}, disposition={self.disposition!r})"
        )

    @property
    def length_of_stay(self) -> dt.timedelta:
        """Time from arrival to departure (*vistelsetid*)."""
        return _instant(self.departure) - _instant(self.arrival)


@dataclass(frozen=True, slots=True, repr=False)
class InpatientStay:
    """One admission with its discharge-coordination milestones (§6, Lag 2017:612)."""

    stay_id: str
    patient_id: str
    unit_id: str
    ward_id: str
    care_type: Literal["somatic", "psychiatric"]
    municipality_code: str
    admitted: dt.datetime
    admission_notice_sent: dt.datetime | None = None
    ready_for_discharge: dt.datetime | None = None
    discharged: dt.datetime | None = None
    diagnoses: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        _text("InpatientStay", self, "stay_id", "patient_id", "unit_id", "ward_id")
        _choice("InpatientStay", "care_type", self.care_type, CARE_TYPES)
        if self.municipality_code not in MUNICIPALITIES:
            raise _bad(
                "InpatientStay",
                "municipality_code",
                self.municipality_code,
                "must be one of the 290 municipality codes",
            )
        names = ("admitted", "admission_notice_sent", "ready_for_discharge", "discharged")
        _moments("InpatientStay", self, *names)
        for later in names[1:]:
            _not_before("InpatientStay", self, later, "admitted")
        _not_before("InpatientStay", self, "discharged", "ready_for_discharge")
        diagnoses = tuple(self.diagnoses)
        for code in diagnoses:
            if not isinstance(code, str) or not _ICD10.fullmatch(code):
                raise _bad("InpatientStay", "diagnoses", code, "must hold ICD-10 codes like S72")
        object.__setattr__(self, "diagnoses", diagnoses)

    def __repr__(self) -> str:
        return (
            f"InpatientStay(stay_id={self.stay_id!r}, "
            f"patient_id={mask_identity(self.patient_id)!r}, ward_id={self.ward_id!r}, "
            f"admitted={self.admitted!r}, discharged={self.discharged!r})"
        )


def per_100_available_beds(events: int, available_beds: int) -> float:
    """Overcrowding or outliers per 100 available beds: ``100 × Σ events / Σ available beds``.

    Pass both sums over the same ward-days (docs/reference/domain.md; this is our reading of SKR's
    published measure). For 2019 SKR reported 5.0 nationally.

    >>> per_100_available_beds(events=50, available_beds=1000)
    5.0
    >>> per_100_available_beds(events=3, available_beds=24 * 30)  # one ward, one month
    0.4166666666666667
    """
    for name, value in (("events", events), ("available_beds", available_beds)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(
                f"per_100_available_beds: {name} must be an integer ≥ 0; got {value!r}."
            )
    if available_beds == 0:
        raise InputError(
            "per_100_available_beds: available_beds is 0, so no rate exists; "
            "check that the ward-days carry their available beds.",
            field="available_beds",
        )
    return 100.0 * events / available_beds
