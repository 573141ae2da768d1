"""The indicator API: definitions, any cut at any date, series with SPC; scoped and masked."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

from followup_support import ALL_PATHWAYS, make_followup_world
from web_reference import reference_cells
from web_support import AS_OF, World

from vardkoll.analytics import INDICATORS, open_tables, waiting_at


@pytest.fixture
def fworld(tmp_path: Path) -> World:
    world = make_followup_world(tmp_path)
    world.user("chef", "clinic_manager", region="19", units=["SE19-A"])
    world.user("nationell", "national_analyst")
    world.user("samordnare", "regional_coordinator", region="19")
    return world


def _get(world: World, user: str, url: str):  # type: ignore[no-untyped-def]
    token = world.token(user)
    return world.client().get(url, headers={"Authorization": f"Bearer {token}"})


def test_definitions_are_the_engines(fworld: World) -> None:
    body = _get(fworld, "chef", "/api/v1/indicators").json()
    assert body["count"] == len(INDICATORS)
    assert [d["name"] for d in body["data"]] == [i.name for i in INDICATORS]
    assert body["data"][0]["name_sv"] == "Väntande, antal"
    assert "unit_id" in body["dimensions"]


def test_waiting_any_cut_matches_engine_and_reference(fworld: World) -> None:
    url = "/api/v1/indicators/waiting?by=unit_id&by=entry_type&view=pause_adjusted&date=2025-03-31"
    body = _get(fworld, "samordnare", url).json()
    assert body["by"] == ["unit_id", "entry_type"]
    assert body["masking_threshold"] is None
    rows = {(r["unit_id"], r["entry_type"]): r for r in body["data"]}
    assert {u for u, _ in rows} == {"SE19-A", "SE19-B"}  # region 19 only
    treat = rows[("SE19-A", "treatment")]
    assert (treat["waiting_count"], treat["waiting_beyond_limit_count"]) == (75, 37)
    ref = reference_cells(AS_OF, [p for p in ALL_PATHWAYS if p.unit_id == "SE19-A"])
    assert ref[("treatment", "orthopaedics")][2] == 37
    tables = open_tables("duckdb", fworld.settings.resolved_analytics_path())
    engine = waiting_at(tables, AS_OF, ["unit_id", "entry_type"])
    engine = engine[(engine["view"] == "pause_adjusted") & (engine["unit_id"] != "SE01-A")]
    assert body["count"] == len(engine)
    # An earlier date: before the slipping pathways breached, all within.
    early = _get(fworld, "samordnare", url.replace("2025-03-31", "2024-12-31")).json()
    row = next(
        r for r in early["data"] if r["unit_id"] == "SE19-A" and r["entry_type"] == "treatment"
    )
    assert row["waiting_within_limit_share"] == pytest.approx(1.0)


def test_clinic_manager_gets_only_own_units(fworld: World) -> None:
    body = _get(fworld, "chef", "/api/v1/indicators/waiting?by=unit_id").json()
    assert {r["unit_id"] for r in body["data"]} == {"SE19-A"}
    other = _get(fworld, "chef", "/api/v1/indicators/waiting?region=01")
    assert other.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"
    flows = _get(fworld, "chef", "/api/v1/indicators/flows?by=region_code").json()
    assert [r["region_code"] for r in flows["data"]] == ["19"]


def test_national_analyst_gets_all_regions_with_small_counts_masked(fworld: World) -> None:
    body = _get(fworld, "nationell", "/api/v1/indicators/waiting?by=region_code").json()
    assert body["masking_threshold"] == 5
    regions = {r["region_code"]: r for r in body["data"] if r["view"] == "pause_adjusted"}
    assert set(regions) == {"01", "19"}
    assert regions["01"]["waiting_count"] is None  # two waiting
    assert regions["01"]["waiting_median_days"] is None
    assert regions["01"]["masked"] is True
    assert regions["19"]["waiting_count"] == 78  # 75 treatments of SE19-A, S:4, S:6, S:7


def test_flows_hold_the_stock_flow_identity_and_paginate(fworld: World) -> None:
    url = "/api/v1/indicators/flows?by=unit_id&by=entry_type&end=2025-03-31&days=90"
    body = _get(fworld, "samordnare", url).json()
    for r in body["data"]:
        assert r["queue_start"] + r["inflow"] - r["outflow"] == r["queue_end"]
    row = next(
        r for r in body["data"] if r["unit_id"] == "SE19-A" and r["entry_type"] == "treatment"
    )
    assert (row["queue_start"], row["inflow"], row["outflow"], row["queue_end"]) == (38, 37, 0, 75)
    page = _get(fworld, "samordnare", url + "&limit=1&offset=1").json()
    assert page["count"] == body["count"]
    assert page["data"] == body["data"][1:2]


def test_completed_keeps_treated_and_removed_apart(fworld: World) -> None:
    url = "/api/v1/indicators/completed?by=unit_id&end=2024-12-31&days=366&view=national"
    body = _get(fworld, "samordnare", url).json()
    outcomes = {r["outcome"] for r in body["data"]}
    assert outcomes == {"treated"}
    a = [r for r in body["data"] if r["unit_id"] == "SE19-A" and r["wait_group"] == "standard"]
    # Slipping pathways started 2023-11-05 … 2024-09-05 are removed 50 days later in 2024.
    started = [p for p in ALL_PATHWAYS if p.removed_on and p.removed_on.year == 2024]
    assert a[0]["completed_count"] == len([p for p in started if p.unit_id == "SE19-A"])
    assert a[0]["completed_median_days"] == 50


def test_series_with_spc_and_change_point(fworld: World) -> None:
    url = "/api/v1/indicators/series?region=19&provider=P1&unit=SE19-A&entry_type=treatment"
    body = _get(fworld, "samordnare", url).json()
    assert body["direction"] == "up"
    assert body["data"][-1]["month_end"] == "2025-03-31"
    assert body["data"][-1]["value"] == pytest.approx(38 / 75)
    assert body["data"][-1]["status"] == "concern"
    assert any(s["assessment"] == "concern" for s in body["signals"])
    changed = _get(fworld, "samordnare", url + "&change=2024-10-31").json()
    assert changed["change_points"] == ["2024-10-31"]
    assert {p["phase"] for p in changed["data"]} == {0, 1}
    assert _get(fworld, "samordnare", url + "&change=2024-10-05").json()["change_points"] == [
        "2024-10-31"
    ]  # the month end of the month the change falls in
    bad = _get(fworld, "samordnare", url + "&change=2031-01-31")
    assert bad.status_code == 404
    assert bad.json()["code"] == "not_found"
    assert "2031-01" in bad.json()["detail"]


def test_bad_cut_is_a_problem_document(fworld: World) -> None:
    response = _get(fworld, "samordnare", "/api/v1/indicators/waiting?by=unit_id&by=colour")
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert [e["field"] for e in problem["errors"]] == ["by.1"]
    assert dt.date.fromisoformat("2025-03-31") == AS_OF


def test_national_series_withholds_months_with_small_counts(fworld: World) -> None:
    url = "/api/v1/indicators/series?region=01&entry_type=first_visit&indicator=waiting_count"
    body = _get(fworld, "nationell", url).json()
    # Region 01 has one first visit waiting from 2024-09-01 and two from 2025-03-01: every
    # month since is below 5 and withheld; the months before (nobody waiting) are zeros.
    assert {p["value"] for p in body["data"]} == {0.0}
    assert max(p["month_end"] for p in body["data"]) == "2024-08-31"
    regional = _get(fworld, "samordnare", url.replace("region=01", "region=19")).json()
    assert regional["data"][-1]["value"] == 2.0  # S:4 and S:7, not masked inside the region
