"""The care guarantee: worked dates from DOMAIN.md §1, dated rule sets and pause counting.

The property tests compare :func:`days_waited` with a brute-force oracle that walks the
calendar one day at a time.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.domain import (
    ENTRY_TYPES,
    RULE_SET_NAMES,
    InputError,
    Pause,
    days_waited,
    evaluate_guarantee,
    rule_set_in_force,
    rule_set_versions,
)

D = dt.date


def oracle_days(clock: dt.date, on: dt.date, pauses: list[Pause]) -> int:
    """Count day by day: each day of clock … on−1 counts unless some pause covers it."""
    count = 0
    day = clock
    while day < on:
        if not any(s <= day and (e is None or day < e) for s, e, _ in pauses):
            count += 1
        day += dt.timedelta(days=1)
    return count


# --- DOMAIN.md §1 worked examples ---------------------------------------------------------


def test_contact_5_march_visit_8_march_is_day_3_and_met() -> None:
    s = evaluate_guarantee("se-national", "primary_assessment", D(2025, 3, 5), D(2025, 3, 8))
    assert (s.days_waited, s.limit_days, s.breached, s.days_to_breach) == (3, 3, False, 0)
    late = evaluate_guarantee("se-national", "primary_assessment", D(2025, 3, 5), D(2025, 3, 9))
    assert (late.days_waited, late.breached, late.days_to_breach) == (4, True, -1)


def test_primary_contact_same_day_is_day_0() -> None:
    s = evaluate_guarantee("se-national", "primary_contact", D(2025, 3, 5), D(2025, 3, 5))
    assert (s.days_waited, s.limit_days, s.breached, s.days_to_breach) == (0, 0, False, 0)
    assert evaluate_guarantee(
        "se-national", "primary_contact", D(2025, 3, 5), D(2025, 3, 6)
    ).breached


@pytest.mark.parametrize("entry_type", ["first_visit", "treatment"])
def test_ninety_days_in_specialised_care(entry_type: str) -> None:
    # 1 January + 90 days = 1 April (2025 is not a leap year: 31 + 28 + 31 = 90).
    met = evaluate_guarantee("se-national", entry_type, D(2025, 1, 1), D(2025, 4, 1))
    assert (met.days_waited, met.breached, met.days_to_breach) == (90, False, 0)
    late = evaluate_guarantee("se-national", entry_type, D(2025, 1, 1), D(2025, 4, 2))
    assert (late.days_waited, late.breached, late.days_to_breach) == (91, True, -1)


def test_leap_day_counts_as_a_calendar_day() -> None:
    s = evaluate_guarantee("se-national", "first_visit", D(2024, 1, 1), D(2024, 4, 1))
    assert s.days_waited == 91
    assert s.breached


def test_stockholm_first_visit_within_30_days() -> None:
    day30 = evaluate_guarantee("se-stockholm", "first_visit", D(2025, 3, 1), D(2025, 3, 31))
    assert (day30.days_waited, day30.limit_days, day30.breached) == (30, 30, False)
    day31 = evaluate_guarantee("se-stockholm", "first_visit", D(2025, 3, 1), D(2025, 4, 1))
    assert day31.breached
    assert not evaluate_guarantee(
        "se-national", "first_visit", D(2025, 3, 1), D(2025, 4, 1)
    ).breached
    # Regions may be stricter, never laxer: every Stockholm limit is ≤ the national one.
    for entry_type in ENTRY_TYPES:
        sth = rule_set_in_force("se-stockholm", D(2025, 1, 1)).limits[entry_type]
        nat = rule_set_in_force("se-national", D(2025, 1, 1)).limits[entry_type]
        assert (sth is None) == (nat is None)
        assert sth is None or nat is None or sth <= nat


def test_examination_has_no_swedish_limit() -> None:
    s = evaluate_guarantee("se-national", "examination", D(2025, 1, 1), D(2026, 1, 1))
    assert (s.days_waited, s.limit_days, s.breached, s.days_to_breach) == (365, None, False, None)


def test_nhs_rtt_18_weeks() -> None:
    # 18 weeks = 126 days: 1 January + 126 days = 7 May 2025.
    assert D(2025, 1, 1) + dt.timedelta(weeks=18) == D(2025, 5, 7)
    met = evaluate_guarantee("nhs-rtt", "treatment", D(2025, 1, 1), D(2025, 5, 7))
    assert (met.limit_days, met.breached, met.days_to_breach) == (126, False, 0)
    assert evaluate_guarantee("nhs-rtt", "examination", D(2025, 1, 1), D(2025, 5, 8)).breached
    assert (
        evaluate_guarantee("nhs-rtt", "primary_contact", D(2025, 1, 1), D(2025, 5, 8)).limit_days
        is None
    )


def test_denmark_30_days() -> None:
    assert evaluate_guarantee("dk", "first_visit", D(2025, 1, 1), D(2025, 2, 1)).breached
    assert not evaluate_guarantee("dk", "treatment", D(2025, 1, 1), D(2025, 1, 31)).breached


def test_sou_2022_22_is_a_scenario() -> None:
    s = evaluate_guarantee("se-sou-2022-22", "first_visit", D(2025, 1, 1), D(2025, 3, 3))
    assert (s.limit_days, s.days_waited, s.breached, s.scenario) == (60, 61, True, True)
    assert rule_set_in_force("se-sou-2022-22", D(2025, 1, 1)).limits["primary_assessment"] == 7
    assert not rule_set_in_force("se-national", D(2025, 1, 1)).scenario


# --- dated rule sets ----------------------------------------------------------------------


def test_version_in_force_on_the_clock_start_judges_the_pathway() -> None:
    # Clock started under the 2010 rules (7 days); evaluated in 2019 it is still judged by them.
    old = evaluate_guarantee("se-national", "primary_assessment", D(2018, 12, 31), D(2019, 1, 5))
    assert (old.limit_days, old.days_waited, old.breached) == (7, 5, False)
    assert old.rule_version_valid_from == D(2010, 7, 1)
    new = evaluate_guarantee("se-national", "primary_assessment", D(2019, 1, 1), D(2019, 1, 6))
    assert (new.limit_days, new.days_waited, new.breached) == (3, 5, True)
    assert new.rule_version_valid_from == D(2019, 1, 1)
    assert new.rule_set == "se-national"


def test_rule_set_versions_are_contiguous_and_sourced() -> None:
    assert {"se-national", "se-stockholm", "nhs-rtt", "dk", "se-sou-2022-22"} <= set(RULE_SET_NAMES)
    for name in RULE_SET_NAMES:
        versions = rule_set_versions(name)
        assert versions
        assert all(v.name == name for v in versions)
        assert all(v.source_url.startswith("http") for v in versions)
        for before, after in itertools.pairwise(versions):
            assert before.valid_to is not None
            assert after.valid_from == before.valid_to + dt.timedelta(days=1)
        assert versions[-1].valid_to is None
    assert [v.limits["primary_assessment"] for v in rule_set_versions("se-national")] == [7, 3]


def test_limits_cannot_be_changed_at_run_time() -> None:
    version = rule_set_in_force("se-national", D(2025, 1, 1))
    with pytest.raises(TypeError):
        version.limits["first_visit"] = 1  # type: ignore[index]


def test_clock_start_before_any_version_is_refused() -> None:
    with pytest.raises(InputError, match="no version in force"):
        evaluate_guarantee("se-national", "first_visit", D(2010, 6, 30), D(2010, 7, 5))
    with pytest.raises(InputError, match="no version in force"):
        evaluate_guarantee("se-stockholm", "first_visit", D(2018, 12, 31), D(2019, 1, 5))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("se-nationell", "first_visit", D(2025, 1, 1), D(2025, 2, 1)), "Unknown rule set"),
        (("se-national", "visit", D(2025, 1, 1), D(2025, 2, 1)), "Unknown entry type"),
        (("se-national", "first_visit", D(2025, 2, 1), D(2025, 1, 1)), "before the clock start"),
    ],
)
def test_bad_arguments(args: tuple[str, str, dt.date, dt.date], message: str) -> None:
    with pytest.raises(InputError, match=message):
        evaluate_guarantee(*args)


def test_bad_pauses() -> None:
    with pytest.raises(InputError, match="Pause reason"):
        days_waited(D(2025, 1, 1), D(2025, 2, 1), [(D(2025, 1, 5), None, "holiday")])
    with pytest.raises(InputError, match="before it starts"):
        days_waited(D(2025, 1, 1), D(2025, 2, 1), [(D(2025, 1, 5), D(2025, 1, 4), "MOV")])


# --- pauses -------------------------------------------------------------------------------


def test_brief_pause_example() -> None:
    # Clock 1 March, paused 1–10 March (end 11 March is the first day counted again).
    pauses: list[Pause] = [(D(2025, 3, 1), D(2025, 3, 11), "PVV")]
    assert days_waited(D(2025, 3, 1), D(2025, 3, 31), pauses) == 20
    status = evaluate_guarantee(
        "se-stockholm", "first_visit", D(2025, 3, 1), D(2025, 3, 31), pauses
    )
    assert (status.days_waited, status.days_to_breach) == (20, 10)


def test_open_pause_covers_up_to_the_evaluation_date() -> None:
    pauses: list[Pause] = [(D(2025, 3, 10), None, "MOV")]
    assert days_waited(D(2025, 3, 1), D(2025, 3, 20), pauses) == 9
    assert days_waited(D(2025, 3, 1), D(2025, 4, 20), pauses) == 9


def test_overlapping_pauses_count_once() -> None:
    pauses: list[Pause] = [
        (D(2025, 3, 5), D(2025, 3, 15), "PVV"),
        (D(2025, 3, 10), D(2025, 3, 20), "MOV"),
    ]
    # Paused 5–19 March: 15 days of the 30.
    assert days_waited(D(2025, 3, 1), D(2025, 3, 31), pauses) == 15


def test_pauses_outside_the_window_do_not_count() -> None:
    pauses: list[Pause] = [
        (D(2025, 2, 1), D(2025, 3, 3), "MOV"),  # only 1–2 March fall inside
        (D(2025, 3, 31), D(2025, 4, 30), "PVV"),  # starts on the evaluation date
        (D(2025, 3, 10), D(2025, 3, 10), "PVV"),  # zero length
    ]
    assert days_waited(D(2025, 3, 1), D(2025, 3, 31), pauses) == 28


# --- properties ---------------------------------------------------------------------------

dates = st.dates(min_value=D(2019, 1, 1), max_value=D(2026, 12, 31))


@st.composite
def pause_lists(draw: st.DrawFn) -> list[Pause]:
    out: list[Pause] = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(dates)
        end = draw(st.none() | st.integers(0, 60).map(lambda n, s=start: s + dt.timedelta(days=n)))
        out.append((start, end, draw(st.sampled_from(["PVV", "MOV"]))))
    return out


@given(dates, st.integers(0, 400), st.integers(0, 60), pause_lists())
def test_days_waited_matches_day_by_day_oracle(
    clock: dt.date, span: int, extra: int, pauses: list[Pause]
) -> None:
    on = clock + dt.timedelta(days=span)
    waited = days_waited(clock, on, pauses)
    assert waited == oracle_days(clock, on, pauses)
    assert 0 <= waited <= span  # never negative; pauses never add days
    later = days_waited(clock, on + dt.timedelta(days=extra), pauses)
    assert later >= waited  # monotone non-decreasing in `on`


@given(
    dates,
    st.integers(0, 200),
    pause_lists(),
    st.sampled_from(RULE_SET_NAMES),
    st.sampled_from(ENTRY_TYPES),
)
def test_status_fields_are_consistent(
    clock: dt.date, span: int, pauses: list[Pause], rule_set: str, entry_type: str
) -> None:
    status = evaluate_guarantee(
        rule_set, entry_type, clock, clock + dt.timedelta(days=span), pauses
    )
    if status.limit_days is None:
        assert status.days_to_breach is None
        assert not status.breached
    else:
        assert status.days_to_breach == status.limit_days - status.days_waited
        assert status.breached == (status.days_to_breach < 0)
