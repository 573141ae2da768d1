"""Issue 07 as each role meets it: the clinic manager's own list, Swedish refusals, the
municipal discharge coordinator's start page."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from sqlalchemy import text
from web_support import PATHWAYS, World

from vardkoll.services.access.accounts import create_demo_accounts

HSA_UNITS = {"SE19-A": "SE2321000198-E0001", "SE19-B": "SE2321000198-E0002"}
SRC = Path(__file__).resolve().parents[2] / "src" / "vardkoll"


def _with_hsa_unit_ids(world: World) -> None:
    """Give the test region's units the demo's HSA-style ids (ten digits in a row)."""
    with duckdb.connect(str(world.settings.analytics_path)) as con:
        for old, new in HSA_UNITS.items():
            con.execute("UPDATE units SET unit_id = ? WHERE unit_id = ?", [new, old])
            con.execute("UPDATE pathways SET unit_id = ? WHERE unit_id = ?", [new, old])


def test_the_demo_clinic_manager_opens_their_own_waiting_list(world: World) -> None:
    _with_hsa_unit_ids(world)
    accounts = create_demo_accounts(world.engine, unit_ids=sorted(HSA_UNITS.values()))
    assert ("chef", "demo-chef-2025", "clinic_manager") in [a[:3] for a in accounts]
    page = world.client("chef").get("/waiting-lists")
    assert page.status_code == 200, page.text
    assert "Ortopedmottagningen Västerås" in page.text
    assert "Kirurgmottagningen Köping" in page.text
    assert "Ögonmottagningen Stockholm" not in page.text
    with world.engine.connect() as conn:
        acting_for, units, patients = conn.execute(
            text("SELECT acting_for, units, patients FROM audit_log WHERE username = 'chef'")
        ).one()
    assert "SE2321000198-E0001" in acting_for
    assert "SE2321000198-E0001" in units
    own = {p.pseudonym for p in PATHWAYS if p.unit_id in HSA_UNITS and p.removed_on is None}
    assert own <= set(json.loads(patients) if isinstance(patients, str) else patients)
