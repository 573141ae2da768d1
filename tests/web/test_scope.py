"""No user ever receives a row outside their scope — through pages, API and exports.

Hypothesis draws accounts of every role with any assignment (including incomplete ones, which
must reach nothing) and checks what each interface returns against an oracle written from the
role table in the brief, not from :mod:`vardkoll.services.access.scope`.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from web_reference import reference_cells, waiting_on
from web_support import AS_OF, PATHWAYS, UNITS, Pathway, World, make_world

from vardkoll.services.access.roles import ROLE_NAMES
from vardkoll.store._auth_models import User

_counter = itertools.count()


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(Path(tmp_path_factory.mktemp("scope")))


accounts = st.fixed_dictionaries(
    {
        "role": st.sampled_from([*ROLE_NAMES, "no_such_role"]),
        "region": st.sampled_from([None, "19", "01"]),
        "units": st.lists(st.sampled_from(sorted(UNITS)), max_size=2, unique=True),
        "municipality": st.sampled_from([None, "1980", "0180"]),
        "active": st.booleans() | st.just(True),
    }
)


def patient_oracle(a: dict[str, object]) -> set[str] | None:
    """Pathway keys whose patients the account may see; None = the role has no patient right."""
    role, region, units = a["role"], a["region"], a["units"]
    if not a["active"]:
        return None
    # An account missing the region (or units) its role needs reaches nothing at all.
    if role in ("regional_coordinator", "care_guarantee_officer") and region:
        return {p.key for p in PATHWAYS if p.region == region}
    if role == "clinic_manager" and region and units:
        return {p.key for p in PATHWAYS if p.region == region and p.unit_id in units}  # type: ignore[operator]
    return None


def aggregate_oracle(a: dict[str, object]) -> list[Pathway] | None:
    role, region, units = a["role"], a["region"], a["units"]
    if not a["active"]:
        return None
    if role == "national_analyst":
        return list(PATHWAYS)
    if role in ("regional_coordinator", "care_guarantee_officer"):
        return [p for p in PATHWAYS if region and p.region == region] if region else None
    if role in ("clinic_manager", "pks_analyst"):
        if not (region and units):
            return None
        return [p for p in PATHWAYS if p.region == region and p.unit_id in units]  # type: ignore[operator]
    return None


def _account(world: World, a: dict[str, object]) -> str:
    username = f"u{next(_counter)}"
    with Session(world.engine) as db, db.begin():
        db.add(
            User(
                username=username,
                display_name=username,
                password_hash=None,
                role=a["role"],
                region_code=a["region"],
                unit_ids=list(a["units"]),  # type: ignore[call-overload]
                municipality_code=a["municipality"],
                active=True,
                created_at=datetime.now(UTC),
            )
        )
    return username


def _disable(world: World, username: str) -> None:
    with Session(world.engine) as db, db.begin():
        db.query(User).filter_by(username=username).one().active = False


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=accounts)
def test_every_interface_stays_inside_the_scope(shared_world: World, a: dict[str, object]) -> None:
    world = shared_world
    username = _account(world, a)
    client = world.client(username)
    bearer = {"Authorization": f"Bearer {world.token(username)}"}
    if not a["active"]:
        _disable(world, username)
    allowed = patient_oracle(a)
    by_key = {p.key: p for p in PATHWAYS}

    # API: the waiting list (every page at once).
    listing = client.get("/api/v1/waiting-list?limit=500", headers=bearer)
    if not a["active"]:
        assert listing.status_code == 401
        return
    if allowed is None:
        assert listing.status_code == 403
    else:
        assert listing.status_code == 200, listing.text
        keys = {row["pathway_key"] for row in listing.json()["data"]}
        assert keys == {k for k in allowed if waiting_on(by_key[k], AS_OF)}
        assert listing.json()["count"] == len(keys)

    # Web: the export of the waiting list page holds only rows in reach.
    export = client.get("/waiting-lists/export.csv")
    if allowed is None:
        assert export.status_code == 403
    else:
        rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
        shown = {r[0] for r in rows[1:]}
        assert shown <= {by_key[k].pseudonym for k in allowed}

    # API and pages: each patient is visible exactly when in reach; otherwise 404, like a
    # patient who does not exist (no existence oracle).
    for p in PATHWAYS:
        got = client.get(f"/api/v1/patients/{p.pseudonym}?purpose=scope+test", headers=bearer)
        page = client.get(f"/patients/{p.pseudonym}")
        if allowed is None:
            assert got.status_code == page.status_code == 403
        elif p.key in allowed:
            assert got.status_code == 200
            assert page.status_code == 200
            assert {r["pathway_key"] for r in got.json()["pathways"]} <= allowed
        else:
            assert got.status_code == page.status_code == 404
    missing = client.get("/api/v1/patients/" + "0" * 32, headers=bearer)
    assert missing.status_code == (403 if allowed is None else 404)

    # Aggregates: the overview counts exactly the pathways in reach.
    reach = aggregate_oracle(a)
    overview = client.get("/api/v1/overview", headers=bearer)
    if reach is None:
        assert overview.status_code == 403
    else:
        assert overview.status_code == 200
        got_cells = {
            (c["entry_type"], c["specialty"]): c["waiting"] for c in overview.json()["data"]
        }
        expected = {k: v[0] for k, v in reference_cells(AS_OF, reach).items()}
        if a["role"] == "national_analyst":  # leaves the region: small cells withheld
            assert got_cells.keys() == expected.keys()
            assert all(got_cells[k] in (None, n) for k, n in expected.items())
            assert all(got_cells[k] is None for k, n in expected.items() if 0 < n < 5)
        else:
            assert got_cells == expected
