"""Capacity records keep their invariants; the bed measure follows DOMAIN.md §3."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.domain import (
    BedDay,
    EdVisit,
    InpatientStay,
    InputError,
    ProductionWeek,
    TheatreSession,
    per_100_available_beds,
)

T = dt.datetime


def test_production_week() -> None:
    week = ProductionWeek("SE2321000198-E0101", "treatment", "2025-W14", 42, 39)
    assert week.monday == dt.date(2025, 3, 31)
    assert week.monday.isocalendar()[:2] == (2025, 14)
    assert ProductionWeek("U1", "first_visit", "2026-W53", 10).performed is None  # 2026 has 53
    for bad in ("2025-W53", "2025-14", "2025-W00", "25-W14"):
        with pytest.raises(InputError, match="ISO week"):
            ProductionWeek("U1", "treatment", bad, 1)
    with pytest.raises(InputError, match="planned"):
        ProductionWeek("U1", "treatment", "2025-W14", -1)
    with pytest.raises(InputError, match="entry_type"):
        ProductionWeek("U1", "surgery", "2025-W14", 1)


BED: dict[str, Any] = {
    "ward_id": "SE2321000198-A0311",
    "unit_id": "SE2321000198-E0300",
    "hospital": "Västmanlands sjukhus Västerås",
    "care_type": "somatic",
    "date": dt.date(2025, 3, 5),
    "available_beds": 24,
    "occupied_beds": 25,
    "overcrowded": 1,
    "outliers": 2,
}


def test_bed_day_allows_occupancy_above_available_beds() -> None:
    # Overcrowding means more patients than available beds: 25 on 24 is a valid record.
    assert BedDay(**BED).occupied_beds == 25


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"available_beds": -1}, "available_beds"),
        ({"overcrowded": 1.5}, "overcrowded"),
        ({"outliers": True}, "outliers"),
        ({"care_type": "geriatric"}, "care_type"),
        ({"date": "2025-03-05"}, "date"),
        ({"hospital": ""}, "hospital"),
    ],
)
def test_bed_day_validation(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        BedDay(**{**BED, **changes})
    assert caught.value.context["field"] == field


def test_theatre_session() -> None:
    session = TheatreSession(
        "OP-VS-2025-03-05-3A", "U1", "VS-OP3", dt.date(2025, 3, 5), "orthopaedics", 480, 455
    )
    assert not session.cancelled
    with pytest.raises(InputError, match="used_minutes"):
        TheatreSession("S", "U1", "OP3", dt.date(2025, 3, 5), "orthopaedics", 480, -5)
    with pytest.raises(InputError, match="1440"):
        TheatreSession("S", "U1", "OP3", dt.date(2025, 3, 5), "orthopaedics", 1441, 0)
    with pytest.raises(InputError, match="specialty"):
        TheatreSession("S", "U1", "OP3", dt.date(2025, 3, 5), "ortho", 480, 0)


def test_ed_visit_order_of_times() -> None:
    visit = EdVisit(
        "AKM-2025-000001",
        "U9",
        "196408233234",
        T(2025, 3, 5, 8, 30),
        3,
        T(2025, 3, 5, 12, 10),
        "admitted",
        T(2025, 3, 5, 9, 40),
    )
    assert visit.length_of_stay == dt.timedelta(hours=3, minutes=40)
    assert "196408233234" not in repr(visit)
    with pytest.raises(InputError, match="departure"):
        EdVisit("V", "U9", "P", T(2025, 3, 5, 8, 30), 3, T(2025, 3, 5, 8, 29), "home")
    with pytest.raises(InputError, match="physician_seen"):
        EdVisit("V", "U9", "P", T(2025, 3, 5, 8, 30), 3, T(2025, 3, 5, 9), "home", T(2025, 3, 5, 8))
    with pytest.raises(InputError, match="triage"):
        EdVisit("V", "U9", "P", T(2025, 3, 5, 8, 30), 6, T(2025, 3, 5, 9), "home")
    with pytest.raises(InputError, match="disposition"):
        EdVisit("V", "U9", "P", T(2025, 3, 5, 8, 30), 2, T(2025, 3, 5, 9), "ward")  # type: ignore[arg-type]


def test_ed_visit_times_are_compared_as_instants() -> None:
    sthlm = ZoneInfo("Europe/Stockholm")
    # Without an offset a time is local Stockholm time: 08:30 local = 07:30 UTC (CET).
    mixed = EdVisit(
        "V", "U9", "P", T(2025, 3, 5, 8, 30), 3, T(2025, 3, 5, 7, 45, tzinfo=dt.UTC), "home"
    )
    assert mixed.length_of_stay == dt.timedelta(minutes=15)
    with pytest.raises(InputError, match="departure"):
        EdVisit(
            "V", "U9", "P", T(2025, 3, 5, 8, 30), 3, T(2025, 3, 5, 7, 15, tzinfo=dt.UTC), "home"
        )
    # Spring forward (30 March 2025, 02:00 → 03:00): 01:30 → 03:30 local is one hour.
    spring = EdVisit(
        "V",
        "U9",
        "P",
        T(2025, 3, 30, 1, 30, tzinfo=sthlm),
        3,
        T(2025, 3, 30, 3, 30, tzinfo=sthlm),
        "home",
    )
    assert spring.length_of_stay == dt.timedelta(hours=1)
    assert EdVisit(
        "V", "U9", "P", T(2025, 3, 30, 1, 30), 3, T(2025, 3, 30, 3, 30), "home"
    ).length_of_stay == dt.timedelta(hours=1)
    # Fall back (26 October 2025, 03:00 → 02:00): 02:30 first pass (fold=0) → 02:10 second
    # pass (fold=1) is 40 minutes later, although the wall clock went backwards.
    autumn = EdVisit(
        "V",
        "U9",
        "P",
        T(2025, 10, 26, 2, 30, tzinfo=sthlm),
        3,
        T(2025, 10, 26, 2, 10, tzinfo=sthlm, fold=1),
        "home",
    )
    assert autumn.length_of_stay == dt.timedelta(minutes=40)


STAY: dict[str, Any] = {
    "stay_id": "VT-2025-000001",
    "patient_id": "196408233234",
    "unit_id": "SE2321000198-E0300",
    "ward_id": "SE2321000198-A0311",
    "care_type": "somatic",
    "municipality_code": "1980",
    "admitted": T(2025, 3, 1, 14, 20),
    "admission_notice_sent": T(2025, 3, 1, 18, 0),
    "ready_for_discharge": T(2025, 3, 6, 10, 0),
    "discharged": T(2025, 3, 9, 11, 0),
    "diagnoses": ("S72", "W19", "F00"),
}


def test_inpatient_stay() -> None:
    stay = InpatientStay(**STAY)
    assert stay.diagnoses == ("S72", "W19", "F00")
    assert "196408233234" not in repr(stay)
    assert InpatientStay(**{**STAY, "discharged": None, "diagnoses": ["U07.1"]}).diagnoses == (
        "U07.1",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"discharged": T(2025, 3, 1, 14, 0)}, "discharged"),
        ({"ready_for_discharge": T(2025, 3, 10)}, "discharged"),
        ({"admission_notice_sent": T(2025, 2, 28)}, "admission_notice_sent"),
        ({"municipality_code": "0000"}, "municipality_code"),
        ({"diagnoses": ("hip",)}, "ICD-10"),
        ({"care_type": "rehab"}, "care_type"),
        ({"admitted": dt.date(2025, 3, 1)}, "date-time"),
    ],
)
def test_inpatient_stay_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        InpatientStay(**{**STAY, **changes})


def test_bed_measure_per_100_available_beds() -> None:
    # DOMAIN.md §3: 2019 national rate 5.0 per 100 available beds.
    assert per_100_available_beds(50, 1000) == 5.0
    # Summed over ward-days, not averaged per ward: (1 + 2) / (24 + 36) × 100 = 5.0,
    # while the mean of the two ward rates would be (4.17 + 5.56) / 2 = 4.86.
    days = [BED, {**BED, "ward_id": "A2", "available_beds": 36, "overcrowded": 2}]
    records = [BedDay(**d) for d in days]
    rate = per_100_available_beds(
        sum(r.overcrowded for r in records), sum(r.available_beds for r in records)
    )
    assert rate == pytest.approx(5.0)
    with pytest.raises(InputError, match="available_beds is 0"):
        per_100_available_beds(1, 0)
    with pytest.raises(InputError, match="events"):
        per_100_available_beds(-1, 10)


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_bed_measure_scales(events: int, beds: int) -> None:
    rate = per_100_available_beds(events, beds)
    assert rate >= 0
    assert rate * beds == pytest.approx(100 * events)
