"""Pathway histories: state on any date, corrections, PVV/MOV, the voided guarantee, rules.

Dates are worked by hand in the comments; the property tests compare the state with an
independent day-by-day replay of the same events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.domain import (
    EVENT_TYPES,
    OFFER_OUTCOMES,
    REMOVAL_REASONS,
    InputError,
    PathwayEvent,
    Patient,
    reconstruct_pathway,
    validate_pathway,
)

D = dt.date
PIN = "196408233234"


def ev(seq: int, kind: str, day: dt.date, **kw: Any) -> PathwayEvent:
    base: dict[str, Any] = {
        "source_system": "COSMIC-VMD",
        "pathway_id": "P000123",
        "event_seq": seq,
        "event_type": kind,
        "event_date": day,
        "patient_id": PIN,
        "region_code": "19",
        "unit_id": "U1",
    }
    base.update(kw)
    return PathwayEvent(**base)


def start(seq: int, day: dt.date, entry_type: str = "first_visit", **kw: Any) -> PathwayEvent:
    return ev(
        seq,
        "clock_start",
        day,
        entry_type=entry_type,
        specialty="orthopaedics",
        priority=2,
        home_municipality="1980",
        **kw,
    )


def offer(
    seq: int, day: dt.date, appointment: dt.date, outcome: str, unit: str = "U1"
) -> PathwayEvent:
    return ev(
        seq, "offer", day, offer_outcome=outcome, offered_unit_id=unit, appointment_date=appointment
    )


def codes(events: list[PathwayEvent], **kw: Any) -> list[str]:
    return [v.code for v in validate_pathway(events, **kw)]


# --- constants match import-format.md §2 --------------------------------------------------


def test_code_lists_match_the_import_format() -> None:
    assert EVENT_TYPES == (
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
    assert set(REMOVAL_REASONS) == {
        "treated",
        "no_longer_needed",
        "treated_elsewhere",
        "declined_offer",
        "deceased",
        "registered_in_error",
        "other",
    }
    assert OFFER_OUTCOMES == ("accepted", "declined")


# --- the state through time ---------------------------------------------------------------


def test_state_on_every_date_of_a_simple_pathway() -> None:
    history = [
        start(1, D(2025, 1, 10)),
        ev(2, "priority_change", D(2025, 1, 20), priority=1),
        ev(3, "transfer", D(2025, 2, 1), unit_id="U2"),
        ev(4, "booking", D(2025, 2, 3), unit_id="U2", appointment_date=D(2025, 3, 3)),
        ev(5, "removal", D(2025, 3, 3), unit_id="U2", removal_reason="treated"),
    ]
    before = reconstruct_pathway(history, D(2025, 1, 9))
    assert (before.status, before.clock_start, before.guarantee) == ("not_started", None, None)

    day0 = reconstruct_pathway(history, D(2025, 1, 10))
    assert (day0.status, day0.unit_id, day0.priority) == ("waiting", "U1", 2)
    assert day0.guarantee is not None
    assert (day0.guarantee.days_waited, day0.guarantee.days_to_breach) == (0, 90)

    jan25 = reconstruct_pathway(history, D(2025, 1, 25))
    assert (jan25.priority, jan25.unit_id, jan25.booked_date) == (1, "U1", None)

    feb10 = reconstruct_pathway(history, D(2025, 2, 10))
    assert (feb10.unit_id, feb10.booked_date) == ("U2", D(2025, 3, 3))

    done = reconstruct_pathway(history, D(2025, 12, 31))
    assert (done.status, done.removal_date, done.removal_reason) == (
        "removed",
        D(2025, 3, 3),
        "treated",
    )
    # Wait ends at removal: 10 January → 3 March = 21 + 28 + 3 = 52 days.
    assert done.guarantee is not None
    assert done.guarantee.days_waited == 52
    assert (done.entry_type, done.specialty, done.pathway_id) == (
        "first_visit",
        "orthopaedics",
        "P000123",
    )


def test_pvv_pause_with_declined_in_limit_offer_stops_the_clock() -> None:
    history = [
        start(1, D(2025, 1, 10)),
        offer(2, D(2025, 2, 1), D(2025, 3, 1), "declined"),  # day 50 of 90: in limit
        ev(3, "pause_start", D(2025, 2, 1), pause_reason="PVV", reference="2"),
        ev(4, "pause_end", D(2025, 2, 21)),
    ]
    paused = reconstruct_pathway(history, D(2025, 2, 10))
    assert paused.status == "paused"
    assert paused.pauses == ((D(2025, 2, 1), None, "PVV"),)
    assert paused.guarantee is not None
    assert paused.guarantee.days_waited == 22  # 10 Jan → 1 Feb, then the clock stood still

    # 10 Jan → 30 Apr is 110 calendar days; 20 were paused (1–20 Feb): day 90, still met.
    state = reconstruct_pathway(history, D(2025, 4, 30))
    assert state.status == "waiting"
    assert state.pauses == ((D(2025, 2, 1), D(2025, 2, 21), "PVV"),)
    assert state.guarantee is not None
    assert (state.guarantee.days_waited, state.guarantee.breached) == (90, False)
    assert reconstruct_pathway(history, D(2025, 5, 1)).guarantee.breached  # type: ignore[union-attr]
    assert validate_pathway(history) == []


@pytest.mark.parametrize(
    ("offer_event", "reference", "code"),
    [
        (None, "2", "pvv_without_offer"),
        (None, None, "pvv_without_offer"),
        (offer(2, D(2025, 2, 1), D(2025, 3, 1), "declined"), "7", "pvv_without_offer"),
        (offer(2, D(2025, 2, 1), D(2025, 3, 1), "accepted"), "2", "pvv_offer_not_declined"),
        # 10 January + 90 = 10 April; an offer for 11 April is outside the limit.
        (offer(2, D(2025, 2, 1), D(2025, 4, 11), "declined"), "2", "pvv_offer_outside_limit"),
    ],
)
def test_pvv_without_a_declined_in_limit_offer_does_not_stop_the_clock(
    offer_event: PathwayEvent | None, reference: str | None, code: str
) -> None:
    history = [start(1, D(2025, 1, 10))]
    if offer_event is not None:
        history.append(offer_event)
    history += [
        ev(3, "pause_start", D(2025, 2, 1), pause_reason="PVV", reference=reference),
        ev(4, "pause_end", D(2025, 2, 21)),
    ]
    state = reconstruct_pathway(history, D(2025, 4, 30))
    assert state.pauses == ()
    assert state.disregarded_pauses == ((D(2025, 2, 1), D(2025, 2, 21), "PVV"),)
    assert state.guarantee is not None
    assert (state.guarantee.days_waited, state.guarantee.breached) == (110, True)
    found = validate_pathway(history)
    assert [v.code for v in found] == [code]
    assert (found[0].event_seq, found[0].field) == (3, "reference")


def test_offer_on_the_last_permitted_day_is_in_limit() -> None:
    history = [
        start(1, D(2025, 1, 10)),
        offer(2, D(2025, 2, 1), D(2025, 4, 10), "declined"),  # exactly day 90
        ev(3, "pause_start", D(2025, 2, 1), pause_reason="PVV", reference="2"),
    ]
    assert validate_pathway(history) == []


@pytest.mark.parametrize(
    ("reference", "counts"),
    [("SE2321000198-L0042", True), ("4", False), ("", False), (None, False)],
)
def test_mov_needs_a_clinician_reference(reference: str | None, counts: bool) -> None:
    history = [
        start(1, D(2025, 1, 10)),
        ev(2, "pause_start", D(2025, 1, 20), pause_reason="MOV", reference=reference),
        ev(3, "pause_end", D(2025, 3, 1)),
    ]
    state = reconstruct_pathway(history, D(2025, 3, 11))
    assert state.guarantee is not None
    # 10 Jan → 11 Mar = 60 days, of which 20 Jan – 28 Feb (40 days) paused if the pause counts.
    assert state.guarantee.days_waited == (20 if counts else 60)
    assert codes(history) == ([] if counts else ["mov_without_clinician"])


# --- corrections --------------------------------------------------------------------------


def test_a_correction_replaces_and_a_void_cancels_without_overwriting() -> None:
    wrong_start = start(1, D(2025, 1, 20))
    removal = ev(2, "removal", D(2025, 2, 1), removal_reason="treated")
    history = [
        wrong_start,
        removal,
        start(3, D(2025, 1, 10), supersedes_seq=1),  # the referral was decided on 10 January
        ev(4, "void", D(2025, 2, 5), supersedes_seq=2),  # the removal was registered in error
    ]
    state = reconstruct_pathway(history, D(2025, 3, 1))
    assert state.clock_start == D(2025, 1, 10)
    assert state.status == "waiting"
    assert state.guarantee is not None
    assert state.guarantee.days_waited == 50  # 10 Jan → 1 Mar
    # Nothing was overwritten: the original events are intact and still in the history.
    assert history[0] is wrong_start
    assert wrong_start.event_date == D(2025, 1, 20)
    assert validate_pathway(history) == []


def test_the_later_of_two_corrections_wins() -> None:
    history = [
        start(1, D(2025, 1, 20)),
        start(2, D(2025, 1, 15), supersedes_seq=1),
        start(3, D(2025, 1, 12), supersedes_seq=1),
    ]
    assert reconstruct_pathway(history, D(2025, 2, 1)).clock_start == D(2025, 1, 12)
    assert codes(history) == ["superseded_twice"]


def test_a_chain_of_corrections_keeps_the_place_of_the_first() -> None:
    history = [
        start(1, D(2025, 1, 10)),
        ev(2, "pause_start", D(2025, 1, 12), pause_reason="MOV", reference="HSA-1"),
        ev(3, "pause_end", D(2025, 1, 14)),
        ev(
            4,
            "pause_start",
            D(2025, 1, 11),
            pause_reason="MOV",
            reference="HSA-1",
            supersedes_seq=2,
        ),
        ev(
            5,
            "pause_start",
            D(2025, 1, 11),
            pause_reason="MOV",
            reference="HSA-2",
            supersedes_seq=4,
        ),
    ]
    state = reconstruct_pathway(history, D(2025, 1, 20))
    assert state.pauses == ((D(2025, 1, 11), D(2025, 1, 14), "MOV"),)
    assert validate_pathway(history) == []


# --- the voided guarantee -----------------------------------------------------------------


def test_declining_another_provider_after_a_breach_voids_the_guarantee() -> None:
    # Clock 10 January; day 90 is 10 April, so the breach begins on 11 April (day 91).
    history = [
        start(1, D(2025, 1, 10)),
        offer(2, D(2025, 4, 15), D(2025, 4, 22), "declined", unit="SE5565-E0007"),
    ]
    breached = reconstruct_pathway(history, D(2025, 4, 14))
    assert breached.guarantee is not None
    assert (breached.guarantee.days_waited, breached.guarantee.breached) == (94, True)
    assert not breached.guarantee_void

    void = reconstruct_pathway(history, D(2025, 4, 15))
    assert (void.guarantee_void, void.guarantee_void_since, void.guarantee) == (
        True,
        D(2025, 4, 15),
        None,
    )
    assert void.status == "waiting"  # still on the list, without a guarantee
    assert void.offers[0].redress

    # The patient changes their mind on 2 June: a new clock starts from the new contact.
    history.append(start(3, D(2025, 6, 2)))
    again = reconstruct_pathway(history, D(2025, 6, 12))
    assert (again.clock_start, again.guarantee_void, again.offers) == (D(2025, 6, 2), False, ())
    assert again.guarantee is not None
    assert (again.guarantee.days_waited, again.guarantee.breached) == (10, False)
    assert reconstruct_pathway(history, D(2025, 6, 1)).guarantee_void
    assert validate_pathway(history) == []


def test_a_new_contact_as_a_new_pathway_has_its_own_clock() -> None:
    second = [
        ev(
            1,
            "clock_start",
            D(2025, 6, 2),
            pathway_id="P000124",
            entry_type="first_visit",
            specialty="orthopaedics",
            priority=2,
            home_municipality="1980",
        ),
    ]
    state = reconstruct_pathway(second, D(2025, 9, 1))
    assert state.guarantee is not None
    assert (state.guarantee.days_waited, state.guarantee.breached) == (91, True)


@pytest.mark.parametrize(
    "the_offer",
    [
        offer(2, D(2025, 4, 15), D(2025, 4, 22), "declined", unit="U1"),  # same unit
        offer(2, D(2025, 4, 15), D(2025, 4, 22), "accepted", unit="SE5565-E0007"),
        offer(2, D(2025, 4, 10), D(2025, 4, 22), "declined", unit="SE5565-E0007"),  # day 90
    ],
)
def test_other_offers_do_not_void_the_guarantee(the_offer: PathwayEvent) -> None:
    state = reconstruct_pathway([start(1, D(2025, 1, 10)), the_offer], D(2025, 5, 1))
    assert not state.guarantee_void
    assert state.guarantee is not None
    assert state.guarantee.breached


def test_a_second_clock_start_without_a_voided_guarantee_is_a_violation() -> None:
    history = [start(1, D(2025, 1, 10)), start(2, D(2025, 2, 10))]
    assert reconstruct_pathway(history, D(2025, 3, 1)).clock_start == D(2025, 1, 10)
    assert codes(history) == ["repeated_clock_start"]


# --- validation ---------------------------------------------------------------------------


def test_empty_history() -> None:
    assert codes([]) == ["empty_pathway"]


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        (
            [
                ev(1, "booking", D(2025, 1, 5), appointment_date=D(2025, 2, 1)),
                start(2, D(2025, 1, 6)),
            ],
            ["first_not_clock_start"],
        ),
        (
            [start(1, D(2025, 1, 10)), ev(2, "removal", D(2025, 1, 9), removal_reason="treated")],
            ["date_before_previous", "removal_before_clock_start"],
        ),
        (
            [
                start(1, D(2025, 1, 10)),
                ev(2, "removal", D(2025, 1, 20), removal_reason="treated"),
                ev(3, "priority_change", D(2025, 1, 21), priority=1),
            ],
            ["event_after_removal"],
        ),
        (
            [start(1, D(2025, 1, 10)), ev(2, "pause_end", D(2025, 1, 20))],
            ["pause_end_without_pause"],
        ),
        (
            [
                start(1, D(2025, 1, 10)),
                ev(2, "pause_start", D(2025, 1, 11), pause_reason="MOV", reference="HSA-1"),
                ev(3, "pause_start", D(2025, 1, 12), pause_reason="MOV", reference="HSA-1"),
            ],
            ["pause_already_running"],
        ),
        ([start(1, D(2025, 1, 10)), start(1, D(2025, 1, 11))], ["duplicate_seq"]),
        (
            [start(1, D(2025, 1, 10)), ev(2, "void", D(2025, 1, 11), supersedes_seq=9)],
            ["supersedes_unknown"],
        ),
        (
            [start(1, D(2025, 1, 10)), ev(2, "void", D(2025, 1, 11), supersedes_seq=2)],
            ["supersedes_later"],
        ),
        (
            [
                start(1, D(2025, 1, 10)),
                ev(2, "transfer", D(2025, 1, 11), unit_id="U2"),
                ev(3, "void", D(2025, 1, 12), supersedes_seq=2),
                ev(4, "void", D(2025, 1, 13), supersedes_seq=3),
            ],
            ["void_of_void"],
        ),
        ([start(1, D(2025, 1, 10)), ev(2, "void", D(2025, 1, 11))], ["missing_field"]),
        ([ev(1, "clock_start", D(2025, 1, 10))], ["missing_field"] * 4),
        ([start(1, D(2025, 1, 10)), ev(2, "offer", D(2025, 1, 11))], ["missing_field"] * 3),
        ([start(1, D(2025, 1, 10)), ev(2, "removal", D(2025, 1, 11))], ["missing_field"]),
        (
            [start(1, D(2025, 1, 10)), ev(2, "transfer", D(2025, 1, 11), pathway_id="P9")],
            ["mixed_pathway"],
        ),
        ([start(1, D(2005, 1, 10))], ["no_rule_version"]),
    ],
)
def test_each_rule_is_reported(history: list[PathwayEvent], expected: list[str]) -> None:
    assert sorted(codes(history)) == sorted(expected)


def test_removal_may_be_followed_only_by_a_void_of_it() -> None:
    history = [
        start(1, D(2025, 1, 10)),
        ev(2, "removal", D(2025, 1, 20), removal_reason="treated"),
        ev(3, "void", D(2025, 1, 21), supersedes_seq=2),
    ]
    assert codes(history) == []


def test_future_dates_are_flagged_when_today_is_given() -> None:
    history = [
        start(1, D(2025, 1, 10)),
        ev(2, "booking", D(2025, 7, 1), appointment_date=D(2025, 7, 1)),  # bookings may
        ev(3, "transfer", D(2025, 6, 2), unit_id="U2"),
    ]
    assert codes(history, today=D(2025, 6, 1)) == ["future_date"]
    assert codes([start(1, D(2025, 6, 2))], today=D(2025, 6, 1)) == ["future_date"]
    assert codes(history) == []


def test_violation_names_event_field_and_fix() -> None:
    history = [start(1, D(2025, 1, 10)), ev(2, "pause_end", D(2025, 1, 20))]
    (violation,) = validate_pathway(history)
    assert (violation.event_seq, violation.field, violation.code) == (
        2,
        "event_type",
        "pause_end_without_pause",
    )
    assert "Event 2 (pause_end)" in violation.message


def test_unknown_rule_set_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Unknown rule set"):
        reconstruct_pathway([start(1, D(2025, 1, 10))], D(2025, 2, 1), rule_set="se-x")
    with pytest.raises(InputError, match="Unknown rule set"):
        validate_pathway([start(1, D(2025, 1, 10))], rule_set="se-x")


def test_rule_set_changes_the_verdict() -> None:
    history = [start(1, D(2025, 3, 1))]
    sthlm = reconstruct_pathway(history, D(2025, 4, 1), rule_set="se-stockholm")
    national = reconstruct_pathway(history, D(2025, 4, 1))
    assert sthlm.guarantee is not None
    assert national.guarantee is not None
    assert (sthlm.guarantee.breached, national.guarantee.breached) == (True, False)


# --- the event record ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event_type": "cancel"}, "event_type"),
        ({"event_seq": 0}, "event_seq"),
        ({"event_seq": True}, "event_seq"),
        ({"priority": 5}, "priority"),
        ({"region_code": "02"}, "region_code"),
        ({"home_municipality": "9999"}, "home_municipality"),
        ({"specialty": "surgery"}, "specialty"),
        ({"entry_type": "visit"}, "entry_type"),
        ({"pause_reason": "holiday"}, "pause_reason"),
        ({"removal_reason": "done"}, "removal_reason"),
        ({"offer_outcome": "maybe"}, "offer_outcome"),
        ({"patient_sex": "X"}, "patient_sex"),
        ({"procedure_code": "NGB4"}, "procedure_code"),
        ({"event_date": dt.datetime(2025, 1, 1, 8, 0)}, "event_date"),
        ({"appointment_date": "2025-01-01"}, "appointment_date"),
        ({"patient_id": " "}, "patient_id"),
        ({"supersedes_seq": 0}, "supersedes_seq"),
        ({"protected_identity": 1}, "protected_identity"),
    ],
)
def test_event_values_are_checked(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        ev(1, "clock_start", D(2025, 1, 1), **changes)
    assert caught.value.context["field"] == field
    assert field in str(caught.value)


def test_event_and_state_repr_mask_the_identity() -> None:
    event = start(1, D(2025, 1, 10), procedure_code="NGB49")
    assert PIN not in repr(event)
    assert "19640823****" in repr(event)
    assert PIN not in repr(reconstruct_pathway([event], D(2025, 2, 1)))
    assert PIN not in repr(Patient(PIN, protected_identity=True))


def test_protected_identity_is_carried_to_the_state() -> None:
    history = [start(1, D(2025, 1, 10), protected_identity=True)]
    state = reconstruct_pathway(history, D(2025, 2, 1))
    assert state.protected_identity
    assert state.patient_id == PIN


# --- properties: the state agrees with an independent replay -----------------------------

CLINICIAN = "SE2321000198-L0042"


@st.composite
def histories(draw: st.DrawFn) -> list[PathwayEvent]:
    """A valid pathway: clock start, then pauses, offers, bookings, transfers, maybe removal."""
    day = draw(st.dates(min_value=D(2019, 1, 1), max_value=D(2025, 12, 31)))
    events = [start(1, day)]
    running = False
    for _ in range(draw(st.integers(0, 8))):
        day += dt.timedelta(days=draw(st.integers(0, 10)))
        seq = len(events) + 1
        kind = draw(st.sampled_from(["pause", "offer_pvv", "booking", "transfer", "priority"]))
        if running:
            events.append(ev(seq, "pause_end", day))
            running = False
        elif kind == "pause":
            events.append(ev(seq, "pause_start", day, pause_reason="MOV", reference=CLINICIAN))
            running = True
        elif kind == "offer_pvv":
            events.append(offer(seq, day, day, "declined"))
            events.append(ev(seq + 1, "pause_start", day, pause_reason="PVV", reference=str(seq)))
            running = True
        elif kind == "booking":
            events.append(ev(seq, "booking", day, appointment_date=day + dt.timedelta(days=30)))
        elif kind == "transfer":
            events.append(ev(seq, "transfer", day, unit_id=f"U{seq}"))
        else:
            events.append(ev(seq, "priority_change", day, priority=draw(st.integers(1, 4))))
    if draw(st.booleans()):
        day += dt.timedelta(days=draw(st.integers(0, 10)))
        events.append(ev(len(events) + 1, "removal", day, removal_reason="treated"))
    return events


def replay_days(events: list[PathwayEvent], on: dt.date) -> int:
    """Independent replay: walk the calendar, one day at a time, through the raw events."""
    clock = events[0].event_date
    end = on
    for e in events:
        if e.event_type == "removal" and e.event_date <= on:
            end = e.event_date
    count, day = 0, clock
    while day < end:
        paused = False
        pause_from: dt.date | None = None
        for e in events:
            if e.event_type == "pause_start" and e.event_date <= day:
                pause_from = e.event_date
            elif e.event_type == "pause_end" and e.event_date <= day:
                pause_from = None
        paused = pause_from is not None
        count += 0 if paused else 1
        day += dt.timedelta(days=1)
    return count


@given(histories(), st.integers(-3, 120))
def test_state_on_any_date_agrees_with_a_replay(events: list[PathwayEvent], offset: int) -> None:
    on = events[0].event_date + dt.timedelta(days=offset)
    state = reconstruct_pathway(events, on)
    if offset < 0:
        assert state.status == "not_started"
        assert state.guarantee is None
        return
    assert state.guarantee is not None
    assert state.guarantee.days_waited == replay_days(events, on)
    # The state on `on` depends only on what had happened by then.
    prefix = [e for e in events if e.event_date <= on]
    assert reconstruct_pathway(prefix, on) == state
    # Waiting never runs backwards.
    tomorrow = reconstruct_pathway(events, on + dt.timedelta(days=1))
    assert tomorrow.guarantee is not None
    assert tomorrow.guarantee.days_waited >= state.guarantee.days_waited
    assert validate_pathway(events) == []


@given(histories(), st.data())
def test_an_identical_correction_changes_nothing(
    events: list[PathwayEvent], data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from(events))
    fields = {
        name: getattr(target, name)
        for name in PathwayEvent.__dataclass_fields__
        if name not in ("event_seq", "supersedes_seq")
    }
    correction = PathwayEvent(**fields, event_seq=len(events) + 1, supersedes_seq=target.event_seq)
    on = events[-1].event_date + dt.timedelta(days=5)
    corrected = reconstruct_pathway([*events, correction], on)
    original = reconstruct_pathway(events, on)
    # Only the offer's own number may differ (the correction is the event now in force).
    renumbered = tuple(
        replace(o, event_seq=target.event_seq) if o.event_seq == correction.event_seq else o
        for o in corrected.offers
    )
    assert replace(corrected, offers=renumbered) == original
    assert validate_pathway([*events, correction]) == []


def test_offer_dated_before_clock_start_is_no_redress_and_no_crash() -> None:
    """An offer dated before the clock start cannot redress a breach; validation reports,
    never raises (found by the ingest agreement test)."""
    base = {
        "source_system": "S",
        "pathway_id": "P",
        "patient_id": "196408233234",
        "region_code": "19",
        "unit_id": "U1",
    }
    events = [
        PathwayEvent(
            event_seq=1,
            event_type="clock_start",
            event_date=dt.date(2025, 3, 20),
            home_municipality="1980",
            specialty="orthopaedics",
            entry_type="treatment",
            priority=2,
            **base,
        ),
        PathwayEvent(
            event_seq=2,
            event_type="offer",
            event_date=dt.date(2025, 3, 10),
            offer_outcome="declined",
            offered_unit_id="U2",
            appointment_date=dt.date(2025, 3, 25),
            **base,
        ),
    ]
    validate_pathway(events)  # must not raise
    state = reconstruct_pathway(events, dt.date(2025, 4, 1))
    assert state.guarantee_void is False
