"""The nouns of a pathway: its event record, patient, offers, rule violations and state.

The verbs live in :mod:`._pathway` (:func:`reconstruct_pathway`, :func:`validate_pathway`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields
from typing import Literal

from vardkoll.domain._errors import InputError
from vardkoll.domain._guarantee import ENTRY_TYPES, PAUSE_REASONS, GuaranteeStatus, Pause
from vardkoll.domain._identity import mask_identity
from vardkoll.domain._organisation import MUNICIPALITIES, REGIONS, SPECIALTIES

__all__ = [
    "EVENT_TYPES",
    "OFFER_OUTCOMES",
    "PATHWAY_STATUSES",
    "REMOVAL_REASONS",
    "Offer",
    "PathwayEvent",
    "PathwayState",
    "PathwayStatus",
    "Patient",
    "RuleViolation",
]

EVENT_TYPES: tuple[str, ...] = (
    "clock_start",
    "priority_change",
    "pause_start",
    "pause_end",
    "offer",
    "booking",
    "transfer",
    "removal",
    "void",
)
REMOVAL_REASONS: tuple[str, ...] = (
    "treated",
    "no_longer_needed",
    "treated_elsewhere",
    "declined_offer",
    "deceased",
    "registered_in_error",
    "other",
)
OFFER_OUTCOMES: tuple[str, ...] = ("accepted", "declined")
PathwayStatus = Literal["not_started", "waiting", "paused", "removed"]
PATHWAY_STATUSES: tuple[PathwayStatus, ...] = ("not_started", "waiting", "paused", "removed")

_KVA = re.compile(r"[A-Z]{3}[0-9]{2}")
_CHOICES: dict[str, tuple[str, ...]] = {
    "event_type": EVENT_TYPES,
    "entry_type": ENTRY_TYPES,
    "pause_reason": PAUSE_REASONS,
    "removal_reason": REMOVAL_REASONS,
    "offer_outcome": OFFER_OUTCOMES,
    "patient_sex": ("M", "F"),
}


def _bad(name: str, value: object, fix: str) -> InputError:
    return InputError(f"PathwayEvent.{name} {fix}; got {value!r}.", field=name)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class PathwayEvent:
    """One row of ``pathway_events`` (import-format.md §2), typed.

    Construction checks each value on its own (codes, ranges, types). Rules that need the
    rest of the pathway — which fields an event type requires, the order of events, PVV and
    MOV references — are :func:`validate_pathway`'s job, so that every broken rule of a file
    can be reported at once. ``patient_id`` holds the canonical identity; ``repr`` masks it.
    """

    source_system: str
    pathway_id: str
    event_seq: int
    event_type: str
    event_date: dt.date
    patient_id: str
    protected_identity: bool = False
    patient_sex: Literal["M", "F"] | None = None
    patient_birth_date: dt.date | None = None
    home_municipality: str | None = None
    region_code: str
    unit_id: str
    specialty: str | None = None
    entry_type: str | None = None
    priority: int | None = None
    procedure_code: str | None = None
    pause_reason: str | None = None
    removal_reason: str | None = None
    offer_outcome: str | None = None
    offered_unit_id: str | None = None
    appointment_date: dt.date | None = None
    reference: str | None = None
    supersedes_seq: int | None = None

    def __post_init__(self) -> None:
        for name in ("source_system", "pathway_id", "patient_id", "unit_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise _bad(name, value, "must be non-empty text")
        for name in ("event_seq", "supersedes_seq", "priority"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise _bad(name, value, "must be an integer")
        if self.event_seq < 1:
            raise _bad("event_seq", self.event_seq, "must be an integer ≥ 1")
        if self.supersedes_seq is not None and self.supersedes_seq < 1:
            raise _bad("supersedes_seq", self.supersedes_seq, "must name an event_seq ≥ 1")
        if self.priority is not None and not 1 <= self.priority <= 4:
            raise _bad("priority", self.priority, "must be 1 (most urgent) … 4")
        for name in ("event_date", "patient_birth_date", "appointment_date"):
            value = getattr(self, name)
            if value is None and name != "event_date":
                continue
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                raise _bad(name, value, "must be a date (YYYY-MM-DD), not a date-time or text")
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise _bad(name, value, f"must be one of {', '.join(allowed)}")
        if self.region_code not in REGIONS:
            raise _bad("region_code", self.region_code, "must be one of the 21 county codes")
        if self.home_municipality is not None and self.home_municipality not in MUNICIPALITIES:
            raise _bad(
                "home_municipality", self.home_municipality, "must be a 4-digit municipality code"
            )
        if self.specialty is not None and self.specialty not in SPECIALTIES:
            raise _bad("specialty", self.specialty, "must be a specialty code of §7")
        if self.procedure_code is not None and not _KVA.fullmatch(self.procedure_code):
            raise _bad("procedure_code", self.procedure_code, "must be a KVÅ code (ABC12)")
        if not isinstance(self.protected_identity, bool):
            raise _bad("protected_identity", self.protected_identity, "must be True or False")

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or (f.name == "protected_identity" and value is False):
                continue
            if f.name == "patient_id":
                value = mask_identity(value)
            shown.append(f"{f.name}={value!r}")
        return f"PathwayEvent({', '.join(shown)})"


@dataclass(frozen=True, slots=True, repr=False)
class Patient:
    """A patient as the pathway model needs them: identity and *skyddad identitet*.

    A protected identity (``protected_identity=True``) means the patient's details must not
    be shown to anyone without a need; views and exports check this flag.
    """

    patient_id: str
    protected_identity: bool = False
    sex: Literal["M", "F"] | None = None
    birth_date: dt.date | None = None

    def __repr__(self) -> str:
        return (
            f"Patient(patient_id={mask_identity(self.patient_id)!r}, "
            f"protected_identity={self.protected_identity!r})"
        )


@dataclass(frozen=True, slots=True)
class Offer:
    """A time offered to the patient, here or at another unit."""

    event_seq: int
    offered_on: dt.date
    unit_id: str | None
    appointment_date: dt.date | None
    outcome: str | None
    redress: bool = False
    """True when made at another unit after a breach, to redress it
    (docs/explanation/care-guarantee.md)."""


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """One broken rule: which event, which field, a stable code, and what to do."""

    event_seq: int | None
    field: str
    code: str
    message: str


@dataclass(frozen=True, slots=True, repr=False)
class PathwayState:
    """A pathway as it stood on ``on``, rebuilt from its event history.

    ``pauses`` are the pauses that count (pass them to :func:`evaluate_guarantee`);
    ``disregarded_pauses`` were recorded but break a rule (a PVV without a declined in-limit
    offer, a MOV without a clinician) and so do not stop the clock. ``guarantee`` is ``None``
    before the clock starts, when the entry type is unknown, and once ``guarantee_void``.
    """

    pathway_id: str | None
    patient_id: str | None
    protected_identity: bool
    on: dt.date
    status: PathwayStatus
    clock_start: dt.date | None
    entry_type: str | None
    specialty: str | None
    unit_id: str | None
    priority: int | None
    pauses: tuple[Pause, ...]
    disregarded_pauses: tuple[Pause, ...]
    removal_date: dt.date | None
    removal_reason: str | None
    booked_date: dt.date | None
    offers: tuple[Offer, ...]
    guarantee_void: bool
    guarantee_void_since: dt.date | None
    guarantee: GuaranteeStatus | None

    def __repr__(self) -> str:
        patient = None if self.patient_id is None else mask_identity(self.patient_id)
        return (
            f"PathwayState(pathway_id={self.pathway_id!r}, patient_id={patient!r}, "
            f"on={self.on!r}, status={self.status!r}, clock_start={self.clock_start!r}, "
            f"guarantee={self.guarantee!r})"
        )
