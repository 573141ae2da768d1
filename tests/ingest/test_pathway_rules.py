"""Rules across the rows of a pathway, each with a failing and a passing history.

The second method: every history is also run through the domain's own per-pathway replay
(``vardkoll.domain.validate_pathway``), and where both implement a rule they must flag the
same events. The vectorised rules exist for speed; the domain replay is the reference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from vk_ingest_testdata import TODAY, clock_start, csv_text, event

from vardkoll.domain import EVENT_TYPES, InputError, PathwayEvent, validate_pathway
from vardkoll.ingest import read_and_validate, validate
from vardkoll.ingest._raw import raw_from_bytes

Write = Callable[..., Path]

# Our code → the domain's code for the same rule.
SAME_RULE = {
    "first_not_clock_start": "first_not_clock_start",
    "event_after_removal": "event_after_removal",
    "before_clock_start": "removal_before_clock_start",
    "supersedes_later": "supersedes_later",
    "supersedes_void": "void_of_void",
    "pvv_without_offer": "pvv_without_offer",
    "pvv_offer_not_declined": "pvv_offer_not_declined",
    "mov_without_clinician": "mov_without_clinician",
    "future_date": "future_date",
}
_INTS = ("event_seq", "priority", "supersedes_seq")
_DATES = ("event_date", "appointment_date")


def _domain_event(row: Mapping[str, str]) -> PathwayEvent:
    values: dict[str, object] = {k: v for k, v in row.items() if v != ""}
    for name in _INTS:
        if name in values:
            values[name] = int(str(values[name]))
    for name in _DATES:
        if name in values:
            values[name] = dt.date.fromisoformat(str(values[name]))
    values["patient_id"] = str(values["patient_id"]).replace("-", "")
    return PathwayEvent(**values)  # type: ignore[arg-type]


def domain_flags(rows: Sequence[Mapping[str, str]]) -> set[tuple[int | None, str]]:
    events = [_domain_event(r) for r in rows]
    return {(v.event_seq, v.code) for v in validate_pathway(events, today=TODAY)}


def ours(write: Write, rows: Sequence[Mapping[str, str]]) -> list[tuple[int, str, str]]:
    checked = read_and_validate(write(csv_text(rows)), today=TODAY)
    return [(p.row, p.field, p.code) for p in checked.problems]


def _seq_of_row(rows: Sequence[Mapping[str, str]], row: int) -> int:
    return int(rows[row - 2]["event_seq"])


CASES = {
    "sound": (
        [
            clock_start(),
            event(2, "booking", "2025-03-06", appointment_date="2025-09-01"),
            event(3, "removal", "2025-03-20", removal_reason="treated"),
        ],
        [],
    ),
    "first event not a clock start": (
        [event(1, "booking", "2025-03-06", appointment_date="2025-04-01")],
        [(2, "event_type", "first_not_clock_start")],
    ),
    "removal before the clock start": (
        [
            clock_start(day="2025-03-05"),
            event(2, "removal", "2025-03-01", removal_reason="treated"),
        ],
        [(3, "event_date", "before_clock_start")],
    ),
    "removal on the clock-start day": (
        [
            clock_start(day="2025-03-05"),
            event(2, "removal", "2025-03-05", removal_reason="no_longer_needed"),
        ],
        [],
    ),
    "event after a removal": (
        [
            clock_start(),
            event(2, "removal", "2025-03-10", removal_reason="treated"),
            event(3, "booking", "2025-03-11", appointment_date="2025-04-01"),
        ],
        [(4, "event_seq", "event_after_removal")],
    ),
    "void of a removal, then more events": (
        [
            clock_start(),
            event(2, "removal", "2025-03-10", removal_reason="treated"),
            event(3, "void", "2025-03-11", supersedes_seq="2"),
            event(4, "booking", "2025-03-12", appointment_date="2025-04-01"),
        ],
        [],
    ),
    "correction names a later event": (
        [
            clock_start(),
            event(2, "priority_change", "2025-03-10", priority="1", supersedes_seq="3"),
            event(3, "priority_change", "2025-03-11", priority="2"),
        ],
        [(3, "supersedes_seq", "supersedes_later")],
    ),
    "corrected clock start": (
        [
            clock_start(day="2025-03-07"),
            clock_start(day="2025-03-05", event_seq="2", supersedes_seq="1"),
            event(3, "removal", "2025-03-06", removal_reason="treated"),
        ],
        [],
    ),
    "event 1 corrected into a clock start": (
        [
            event(1, "booking", "2025-03-05", appointment_date="2025-04-01"),
            clock_start(day="2025-03-05", event_seq="2", supersedes_seq="1"),
        ],
        [],
    ),
    "event 1 corrected into something else": (
        [
            clock_start(day="2025-03-05"),
            event(2, "booking", "2025-03-06", appointment_date="2025-04-01", supersedes_seq="1"),
        ],
        [(3, "event_type", "first_not_clock_start")],
    ),
    "correction of a void": (
        [
            clock_start(),
            event(2, "removal", "2025-03-10", removal_reason="treated"),
            event(3, "void", "2025-03-11", supersedes_seq="2"),
            event(4, "removal", "2025-03-12", removal_reason="other", supersedes_seq="3"),
        ],
        [(5, "supersedes_seq", "supersedes_void")],
    ),
    "future clock start": (
        [clock_start(day="2025-06-02")],
        [(2, "event_date", "future_date")],
    ),
    "PVV pause names a declined offer": (
        [
            clock_start(),
            event(
                2,
                "offer",
                "2025-03-10",
                offer_outcome="declined",
                offered_unit_id="U2",
                appointment_date="2025-04-01",
            ),
            event(3, "pause_start", "2025-03-11", pause_reason="PVV", reference="2"),
        ],
        [],
    ),
    "PVV pause names an accepted offer": (
        [
            clock_start(),
            event(
                2,
                "offer",
                "2025-03-10",
                offer_outcome="accepted",
                offered_unit_id="U2",
                appointment_date="2025-04-01",
            ),
            event(3, "pause_start", "2025-03-11", pause_reason="PVV", reference="2"),
        ],
        [(4, "reference", "pvv_offer_not_declined")],
    ),
    "PVV pause names a booking": (
        [
            clock_start(),
            event(2, "booking", "2025-03-10", appointment_date="2025-04-01"),
            event(3, "pause_start", "2025-03-11", pause_reason="PVV", reference="2"),
        ],
        [(4, "reference", "pvv_without_offer")],
    ),
    "PVV pause names no event number": (
        [
            clock_start(),
            event(2, "pause_start", "2025-03-11", pause_reason="PVV", reference="Dr Ek"),
        ],
        [(3, "reference", "pvv_without_offer")],
    ),
    "MOV pause names a clinician": (
        [
            clock_start(),
            event(
                2, "pause_start", "2025-03-11", pause_reason="MOV", reference="SE2321000198-L0042"
            ),
        ],
        [],
    ),
    "MOV pause names an event number": (
        [clock_start(), event(2, "pause_start", "2025-03-11", pause_reason="MOV", reference="1")],
        [(3, "reference", "mov_without_clinician")],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_pathway_rule(write_file: Write, name: str) -> None:
    rows, expected = CASES[name]
    assert ours(write_file, rows) == expected
    # The domain's replay flags the same events for the same rules.
    domain = domain_flags(rows)
    mine = {(_seq_of_row(rows, row), SAME_RULE[code]) for row, _, code in expected}
    assert mine <= domain
    assert {(seq, code) for seq, code in domain if code in SAME_RULE.values()} == mine


def test_a_file_may_continue_a_pathway_imported_earlier(write_file: Write) -> None:
    # Events 4 and 5 of a pathway whose clock start came in an earlier file.
    rows = [
        event(4, "booking", "2025-03-10", appointment_date="2025-04-01"),
        event(5, "removal", "2025-04-01", removal_reason="treated"),
    ]
    assert ours(write_file, rows) == []


def test_duplicate_event_numbers_in_a_pathway(write_file: Write) -> None:
    rows = [
        clock_start(),
        event(2, "booking", "2025-03-06", appointment_date="2025-04-01"),
        event(2, "booking", "2025-03-07", appointment_date="2025-04-02"),
        clock_start(pathway="P2"),
    ]  # the same numbers in another pathway are fine
    assert ours(write_file, rows) == [(4, "event_seq", "duplicate_key")]


def test_rules_apply_per_pathway(write_file: Write) -> None:
    rows = [
        clock_start(pathway="A", day="2025-03-10"),
        clock_start(pathway="B", day="2025-03-01"),
        event(2, "removal", "2025-03-05", pathway="A", removal_reason="treated"),
        event(2, "removal", "2025-03-05", pathway="B", removal_reason="treated"),
    ]
    assert ours(write_file, rows) == [(4, "event_date", "before_clock_start")]


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, str]]:
    """Short pathways of any event types, dates, corrections and references: mostly broken."""
    rows = []
    for seq in range(1, draw(st.integers(1, 6)) + 1):
        kind = draw(st.sampled_from(EVENT_TYPES))
        day = (dt.date(2025, 3, 1) + dt.timedelta(days=draw(st.integers(0, 20)))).isoformat()
        extra = {
            "clock_start": {
                "home_municipality": "1980",
                "specialty": "ent",
                "entry_type": "treatment",
                "priority": "2",
            },
            "priority_change": {"priority": "1"},
            "pause_start": {
                "pause_reason": draw(st.sampled_from(["PVV", "MOV"])),
                "reference": draw(st.sampled_from(["1", "2", "3", "5", "SE-L1"])),
            },
            "offer": {
                "offer_outcome": draw(st.sampled_from(["accepted", "declined"])),
                "offered_unit_id": "U2",
                "appointment_date": "2025-03-20",
            },
            "booking": {"appointment_date": "2025-04-01"},
            "removal": {"removal_reason": "treated"},
        }.get(kind, {})
        if kind == "void" or draw(st.integers(0, 5)) == 0:
            extra["supersedes_seq"] = str(draw(st.integers(1, 6)))
        rows.append(event(seq, kind, day, **extra))
    return rows


@given(histories())
def test_accepts_and_rejects_pathways_as_the_domain_does(rows: list[dict[str, str]]) -> None:
    checked = validate(raw_from_bytes(csv_text(rows).encode(), source="h.csv"), today=TODAY)
    ours = {p.code for p in checked.problems if p.code in SAME_RULE}
    renamed = {"supersedes_unknown": "supersedes_later"}  # a target the pathway lacks
    try:
        flagged = domain_flags(rows)
    except InputError:  # the domain's replay refuses a few broken histories outright
        assume(False)
    domain = {renamed.get(c, c) for _, c in flagged} & set(SAME_RULE.values())
    assert bool(ours) == bool(domain), (ours, domain)
