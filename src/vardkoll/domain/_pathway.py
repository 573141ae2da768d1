"""A pathway's append-only event history, and its state on any date.

A *pathway* is one patient's wait for one entry type in one specialty, from clock start to
removal (docs/reference/import-format.md §2). Regions never overwrite its events: a mistake is
corrected by a new event whose ``supersedes_seq`` names the wrong one (it takes that event's
place) or by a ``void`` that cancels it. So the state on any date can be rebuilt from the
history, and an audit can always see what was recorded.

:func:`reconstruct_pathway` rebuilds the state and :func:`validate_pathway` lists every rule
the history breaks. Both run the same replay, so what is flagged is exactly what the state
left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from vardkoll.domain._errors import InputError
from vardkoll.domain._guarantee import (
    Pause,
    RuleSetVersion,
    days_waited,
    evaluate_guarantee,
    rule_set_in_force,
    rule_set_versions,
)
from vardkoll.domain._pathway_corrections import _effective, _v
from vardkoll.domain._pathway_model import (
    Offer,
    PathwayEvent,
    PathwayState,
    PathwayStatus,
    RuleViolation,
)

__all__ = ["reconstruct_pathway", "validate_pathway"]

_NUMBER = re.compile(r"[0-9]+")
_REQUIRED: dict[str, tuple[str, ...]] = {
    "clock_start": ("home_municipality", "specialty", "entry_type", "priority"),
    "priority_change": ("priority",),
    "pause_start": ("pause_reason",),
    "offer": ("offer_outcome", "offered_unit_id", "appointment_date"),
    "booking": ("appointment_date",),
    "removal": ("removal_reason",),
    "void": ("supersedes_seq",),
}


@dataclass
class _Walk:
    """The state being replayed, event by event."""

    rule_set: str
    clock: dt.date | None = None
    version: RuleSetVersion | None = None
    entry_type: str | None = None
    specialty: str | None = None
    priority: int | None = None
    unit: str | None = None
    counted: list[Pause] = field(default_factory=list)
    disregarded: list[Pause] = field(default_factory=list)
    running: tuple[dt.date, str, bool] | None = None  # start, reason, counts
    removal_date: dt.date | None = None
    removal_reason: str | None = None
    booked: dt.date | None = None
    offers: list[Offer] = field(default_factory=list)
    offer_events: dict[int, PathwayEvent] = field(default_factory=dict)
    void_since: dt.date | None = None

    def start(self, e: PathwayEvent) -> None:
        """A (new) clock: everything of an earlier, voided clock is forgotten."""
        self.clock, self.entry_type, self.specialty = e.event_date, e.entry_type, e.specialty
        self.priority = e.priority
        self.counted, self.disregarded, self.running = [], [], None
        self.booked, self.offers, self.offer_events, self.void_since = None, [], {}, None
        try:
            self.version = rule_set_in_force(self.rule_set, e.event_date)
        except InputError:
            self.version = None

    def limit_known(self) -> bool:
        return self.version is not None and self.entry_type is not None

    def limit(self) -> int | None:
        if self.version is None or self.entry_type is None:
            return None
        return self.version.limits[self.entry_type]

    def pauses_to(self) -> list[Pause]:
        """The pauses that count, with a running one still open."""
        if self.running is not None and self.running[2]:
            return [*self.counted, (self.running[0], None, self.running[1])]
        return list(self.counted)

    def close_pause(self, end: dt.date) -> None:
        if self.running is None:
            return
        start, reason, counts = self.running
        (self.counted if counts else self.disregarded).append((start, end, reason))
        self.running = None


@dataclass
class _Replay:
    state: PathwayState
    violations: list[RuleViolation]


def _pause_counts(w: _Walk, e: PathwayEvent, out: list[RuleViolation]) -> bool:
    """Whether a pause may stop the clock (docs/explanation/care-guarantee.md); records why not."""
    ref = (e.reference or "").strip()
    if e.pause_reason == "MOV":
        if not ref or _NUMBER.fullmatch(ref):
            out.append(
                _v(
                    e,
                    "reference",
                    "mov_without_clinician",
                    f"a MOV pause needs the clinician's HSA id in reference; got {ref!r}",
                )
            )
            return False
        return True
    if not _NUMBER.fullmatch(ref):
        out.append(
            _v(
                e,
                "reference",
                "pvv_without_offer",
                "a PVV pause needs in reference the event_seq of the in-limit offer the "
                f"patient declined; got {ref!r}",
            )
        )
        return False
    offer = w.offer_events.get(int(ref))
    if offer is None:
        out.append(
            _v(
                e,
                "reference",
                "pvv_without_offer",
                f"reference {ref} is not an offer recorded before this pause",
            )
        )
        return False
    if offer.offer_outcome != "declined":
        out.append(
            _v(
                e,
                "reference",
                "pvv_offer_not_declined",
                f"offer {ref} was {offer.offer_outcome or 'not answered'}, not declined",
            )
        )
        return False
    limit = w.limit()
    appointment = offer.appointment_date
    assert w.clock is not None
    if limit is not None and (
        appointment is None
        or appointment < w.clock
        or days_waited(w.clock, appointment, w.counted) > limit
    ):
        out.append(
            _v(
                e,
                "reference",
                "pvv_offer_outside_limit",
                f"offer {ref} was for {appointment}, not within the {limit}-day limit; "
                "without an in-limit offer the wait counts (the case is a breach)",
            )
        )
        return False
    return True


def _replay(
    events: list[PathwayEvent],
    on: dt.date,
    rule_set: str,
    *,
    today: dt.date | None = None,
    validate: bool = False,
) -> _Replay:
    """Replay the effective events dated on or before ``on``; collect what breaks a rule."""
    rule_set_versions(rule_set)  # an unknown rule set is the caller's error: raise now
    out: list[RuleViolation] = []
    first = events[0] if events else None
    if first is not None:
        ours = [
            e
            for e in events
            if (e.source_system, e.pathway_id) == (first.source_system, first.pathway_id)
        ]
        for e in events:
            if (e.source_system, e.pathway_id) != (first.source_system, first.pathway_id):
                out.append(
                    _v(
                        e,
                        "pathway_id",
                        "mixed_pathway",
                        f"belongs to pathway {e.pathway_id!r}, not {first.pathway_id!r}; "
                        "validate one pathway at a time",
                    )
                )
        events = ours
    effective = _effective(events, out)
    if validate:
        for e in effective + [e for e in events if e.event_type == "void"]:
            for name in _REQUIRED.get(e.event_type, ()):
                if getattr(e, name) is None:
                    out.append(_v(e, name, "missing_field", f"{name} is required"))
            if today is not None and e.event_type != "booking" and e.event_date > today:
                out.append(
                    _v(
                        e,
                        "event_date",
                        "future_date",
                        f"is dated {e.event_date}, after today {today}",
                    )
                )
    w = _Walk(rule_set)
    latest: dt.date | None = None
    for e in effective:
        if e.event_date > on:
            continue
        if e.event_type != "booking":
            if latest is not None and e.event_date < latest:
                out.append(
                    _v(
                        e,
                        "event_date",
                        "date_before_previous",
                        f"is dated {e.event_date}, before an earlier event ({latest})",
                    )
                )
            latest = e.event_date if latest is None else max(latest, e.event_date)
        if w.removal_date is not None:
            out.append(
                _v(
                    e,
                    "event_type",
                    "event_after_removal",
                    f"follows the removal of {w.removal_date}; only a void may",
                )
            )
            continue
        if w.clock is None and e.event_type != "clock_start":
            out.append(
                _v(
                    e,
                    "event_type",
                    "first_not_clock_start",
                    "comes before any clock_start; a pathway begins with clock_start",
                )
            )
            continue
        _apply(w, e, out)
    return _Replay(_state(w, effective, on), out)


def _apply(w: _Walk, e: PathwayEvent, out: list[RuleViolation]) -> None:
    kind = e.event_type
    if kind == "clock_start":
        if w.clock is not None and w.void_since is None:
            out.append(
                _v(
                    e,
                    "event_type",
                    "repeated_clock_start",
                    f"the clock already started {w.clock}; correct it with supersedes_seq instead",
                )
            )
            return
        w.start(e)
        if w.version is None:
            out.append(
                _v(
                    e,
                    "event_date",
                    "no_rule_version",
                    f"no version of rule set {w.rule_set!r} is in force on {e.event_date}",
                )
            )
    elif kind == "priority_change":
        w.priority = e.priority if e.priority is not None else w.priority
    elif kind == "pause_start":
        if w.running is not None:
            out.append(
                _v(
                    e,
                    "event_type",
                    "pause_already_running",
                    f"a pause started {w.running[0]} has not ended",
                )
            )
            return
        if e.pause_reason is None:
            return
        w.running = (e.event_date, e.pause_reason, _pause_counts(w, e, out))
    elif kind == "pause_end":
        if w.running is None:
            out.append(_v(e, "event_type", "pause_end_without_pause", "no pause is running"))
            return
        w.close_pause(e.event_date)
    elif kind == "offer":
        _offer(w, e)
    elif kind == "booking":
        w.booked = e.appointment_date if e.appointment_date is not None else w.booked
    elif kind == "removal":
        assert w.clock is not None
        if e.event_date < w.clock:
            out.append(
                _v(
                    e,
                    "event_date",
                    "removal_before_clock_start",
                    f"is dated {e.event_date}, before the clock start {w.clock}",
                )
            )
            return
        w.close_pause(e.event_date)
        w.removal_date, w.removal_reason = e.event_date, e.removal_reason
    w.unit = e.unit_id


def _offer(w: _Walk, e: PathwayEvent) -> None:
    """Record an offer; a declined redress offer after a breach voids the guarantee."""
    assert w.clock is not None
    limit = w.limit()
    redress = (
        limit is not None
        and e.offered_unit_id is not None
        and e.offered_unit_id != e.unit_id
        and e.event_date >= w.clock
        and days_waited(w.clock, e.event_date, w.pauses_to()) > limit
    )
    w.offers.append(
        Offer(
            e.event_seq,
            e.event_date,
            e.offered_unit_id,
            e.appointment_date,
            e.offer_outcome,
            redress,
        )
    )
    w.offer_events[e.event_seq] = e
    if e.supersedes_seq is not None:
        w.offer_events.setdefault(e.supersedes_seq, e)
    if redress and e.offer_outcome == "declined" and w.void_since is None:
        w.void_since = e.event_date


def _state(w: _Walk, effective: list[PathwayEvent], on: dt.date) -> PathwayState:
    seen = [e for e in effective if e.event_date <= on] or effective
    first = seen[-1] if seen else None
    status: PathwayStatus
    if w.clock is None:
        status = "not_started"
    elif w.removal_date is not None:
        status = "removed"
    elif w.running is not None:
        status = "paused"
    else:
        status = "waiting"
    pauses = w.pauses_to()
    disregarded = list(w.disregarded)
    if w.running is not None and not w.running[2]:
        disregarded.append((w.running[0], None, w.running[1]))
    guarantee = None
    if w.clock is not None and w.void_since is None and w.limit_known():
        end = on if w.removal_date is None else min(on, w.removal_date)
        assert w.entry_type is not None
        guarantee = evaluate_guarantee(w.rule_set, w.entry_type, w.clock, end, pauses)
    return PathwayState(
        pathway_id=None if first is None else first.pathway_id,
        patient_id=None if first is None else first.patient_id,  # the latest known identity
        protected_identity=any(e.protected_identity for e in effective if e.event_date <= on),
        on=on,
        status=status,
        clock_start=w.clock,
        entry_type=w.entry_type,
        specialty=w.specialty,
        unit_id=w.unit,
        priority=w.priority,
        pauses=tuple(pauses),
        disregarded_pauses=tuple(disregarded),
        removal_date=w.removal_date,
        removal_reason=w.removal_reason,
        booked_date=w.booked,
        offers=tuple(w.offers),
        guarantee_void=w.void_since is not None,
        guarantee_void_since=w.void_since,
        guarantee=guarantee,
    )


def reconstruct_pathway(
    events: Iterable[PathwayEvent], on: dt.date, *, rule_set: str = "se-national"
) -> PathwayState:
    """Rebuild a pathway's state on ``on`` from its whole event history.

    Corrections are applied first (the history as known now), then every effective event
    dated on or before ``on`` is replayed in ``event_seq`` order (a correction takes the place
    of the event it replaces). Events that break a rule are skipped; :func:`validate_pathway`
    names them.

    A declined offer at another unit, made after the guarantee was breached, voids the
    guarantee (docs/explanation/care-guarantee.md): the state keeps waiting without a guarantee. If
    the patient comes back, a new ``clock_start`` starts a new clock.

    Examples
    --------
    >>> def ev(seq, kind, day, **kw):
    ...     return PathwayEvent(source_system="S", pathway_id="P1", event_seq=seq,
    ...                         event_type=kind, event_date=dt.date(2025, 3, day),
    ...                         patient_id="196408233234", region_code="19",
    ...                         unit_id="U1", **kw)
    >>> history = [
    ...     ev(1, "clock_start", 5, entry_type="first_visit", specialty="orthopaedics",
    ...        priority=2, home_municipality="1980"),
    ...     ev(2, "booking", 6, appointment_date=dt.date(2025, 3, 8)),
    ...     ev(3, "removal", 8, removal_reason="treated"),
    ... ]
    >>> s = reconstruct_pathway(history, dt.date(2025, 3, 7))
    >>> s.status, s.booked_date, s.guarantee.days_waited
    ('waiting', datetime.date(2025, 3, 8), 2)
    >>> s = reconstruct_pathway(history, dt.date(2025, 6, 1))
    >>> s.status, s.guarantee.days_waited, s.guarantee.breached  # 5 → 8 March is day 3
    ('removed', 3, False)
    """
    return _replay(list(events), on, rule_set).state


def validate_pathway(
    events: Iterable[PathwayEvent],
    *,
    rule_set: str = "se-national",
    today: dt.date | None = None,
) -> list[RuleViolation]:
    """Every rule the pathway's history breaks, in event order (empty when it is sound).

    Rules (import-format.md §2, docs/explanation/care-guarantee.md): one pathway per call; unique
    ``event_seq``; the first event is ``clock_start``; fields an event type needs are present; dates
    do not go backwards; a removal is not before the clock start and nothing follows it but a
    ``void``; a pause starts only when none is running and ends only a running one; a PVV pause
    names (in ``reference``) a declined offer of the same pathway whose time was within the limit; a
    MOV pause names a clinician (an id, not an event number); corrections name an earlier,
    existing event once. With ``today``, a ``clock_start`` or other event (except a
    ``booking``) dated after ``today`` is flagged too.

    >>> validate_pathway([PathwayEvent(source_system="S", pathway_id="P1", event_seq=1,
    ...     event_type="booking", event_date=dt.date(2025, 3, 5),
    ...     appointment_date=dt.date(2025, 4, 1), patient_id="196408233234",
    ...     region_code="19", unit_id="U1")])[0].code
    'first_not_clock_start'
    """
    history = list(events)
    if not history:
        return [RuleViolation(None, "event_seq", "empty_pathway", "The pathway has no events.")]
    last = max(e.event_date for e in history)
    return _replay(history, last, rule_set, today=today, validate=True).violations
