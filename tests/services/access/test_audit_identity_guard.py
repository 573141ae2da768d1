"""The audit log's identity guard refuses real identity numbers, and only those.

Issue 07: a clinic manager's HSA unit ids (``SE2321000198-E0001``) carry a run of ten digits and
were taken for personnummer, so the manager's own waiting list answered 422. The guard now asks
the domain's validation (date and check digit) instead of counting digits.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.domain import MUNICIPALITIES, REGIONS, InputError, luhn_check_digit
from vardkoll.services.access import audit
from vardkoll.services.access.roles import ROLES
from vardkoll.services.access.scope import Principal, Scope
from vardkoll.services.followup.patients import DEFAULT_PURPOSE
from vardkoll.synth._organisation import build_organisation

PURPOSES = (DEFAULT_PURPOSE, "patient log extract", "patient log extract (PDF)")
PROCESSES = ("waiting_list", "discharge", "audit:log extract")


@cache
def _organisation_ids(region_code: str) -> tuple[str, ...]:
    """Every id the generated demo organisation of ``region_code`` gives units, wards, providers."""
    org = build_organisation(region_code, np.random.default_rng(int(region_code)))
    ids = [org.region_provider_id]
    ids += [u.unit_id for u in org.units]
    ids += [w.ward_id for w in org.wards]
    ids += [p.provider_id for p in org.providers]
    ids += [h.code for h in org.hospitals]
    ids += [p.code for p in org.places]
    return tuple(ids)


@st.composite
def scope_texts(draw: st.DrawFn) -> str:
    """What a role's scope puts into an audit record: acting-for text, codes, ids, purposes."""
    role = draw(st.sampled_from(sorted(ROLES)))
    region = draw(st.sampled_from(sorted(REGIONS)))
    ids = _organisation_ids(region)
    units = draw(st.lists(st.sampled_from(ids), min_size=0, max_size=4, unique=True))
    municipality = draw(st.sampled_from(sorted(MUNICIPALITIES)))
    principal = Principal(1, "u", role, region, tuple(units), municipality)
    process = draw(st.sampled_from(PROCESSES))
    return draw(
        st.sampled_from(
            [
                Scope.for_principal(principal).acting_for(process),
                Scope.for_principal(Principal(1, "u", role, region, (), municipality)).acting_for(
                    process
                ),
                f"/waiting-lists?unit_id={units[0] if units else region}",
                draw(st.sampled_from(PURPOSES)),
                role,
                ",".join(units),
            ]
        )
    )


@given(text=scope_texts())
def test_every_scope_value_passes_the_guard(text: str) -> None:
    assert not audit.holds_identity_number(text), text
    audit._refuse_identity_numbers(text)  # does not raise


def test_the_demo_clinic_managers_units_pass() -> None:
    units = ("SE2321000198-E0001", "SE2321000198-E0002")
    principal = Principal(1, "chef", "clinic_manager", "19", units)
    assert not audit.holds_identity_number(
        Scope.for_principal(principal).acting_for("waiting_list")
    )


def _personnummer(born: dt.date, serial: int, coordination: bool) -> tuple[str, str]:
    """(12-digit, 10-digit) forms of a valid personnummer or samordningsnummer."""
    day = born.day + (60 if coordination else 0)
    short = f"{born:%y%m}{day:02d}{serial:03d}"
    short += str(luhn_check_digit(short))
    return f"{born.year:04d}{short[2:]}", short


@given(
    born=st.dates(min_value=dt.date(1910, 1, 1), max_value=dt.date(2020, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
    coordination=st.booleans(),
    form=st.sampled_from(["YYYYMMDD-NNNN", "YYYYMMDDNNNN", "YYMMDD-NNNN", "YYMMDDNNNN"]),
    prefix=st.sampled_from(["", "/patients/", "purpose: ", "SE2321000198-E0001,"]),
)
def test_valid_identity_numbers_are_still_refused(
    born: dt.date, serial: int, coordination: bool, form: str, prefix: str
) -> None:
    long, short = _personnummer(born, serial, coordination)
    number = {
        "YYYYMMDD-NNNN": f"{long[:8]}-{long[8:]}",
        "YYYYMMDDNNNN": long,
        "YYMMDD-NNNN": f"{short[:6]}-{short[6:]}",
        "YYMMDDNNNN": short,
    }[form]
    text = f"{prefix}{number} rest"
    assert audit.holds_identity_number(text)
    with pytest.raises(InputError):
        audit._refuse_identity_numbers(text)


def test_a_wrong_check_digit_is_no_identity() -> None:
    long, _ = _personnummer(dt.date(1964, 8, 23), 323, False)
    wrong = long[:-1] + str((int(long[-1]) + 1) % 10)
    assert audit.holds_identity_number(long)
    assert not audit.holds_identity_number(wrong)
