"""Issue 07 as each role meets it: the clinic manager's own list, Swedish refusals, the
municipal discharge coordinator's start page."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import duckdb
from sqlalchemy import text
from web_support import PATHWAYS, World

from vardkoll.http.i18n import translations
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


_DENIALS = {"PermissionDenied", "CsrfFailed"}


def _text_of(node: ast.expr, constants: dict[str, str]) -> list[str]:
    """The message(s) a raise's first argument can be: literals, N_(...), module constants."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N_" and node.args:
        return _text_of(node.args[0], constants)
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.IfExp):
        return _text_of(node.body, constants) + _text_of(node.orelse, constants)
    raise AssertionError(f"a denial reason that cannot be translated: {ast.unparse(node)}")


def denial_reasons() -> dict[str, str]:
    """Every access-denied reason raised outside the API, with where it is raised."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        if "api" in path.relative_to(SRC).parts[:1]:
            continue  # the API answers with a stable code and an English detail
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                try:
                    values = _text_of(node.value, {})
                except AssertionError:
                    continue
                if isinstance(target, ast.Name) and len(values) == 1:
                    constants[target.id] = values[0]
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            name = getattr(node.exc.func, "id", "")
            if name in _DENIALS and node.exc.args:
                for message in _text_of(node.exc.args[0], constants):
                    found[message] = f"{path.relative_to(SRC)}:{node.lineno}"
    return found


def test_every_denial_reason_has_a_swedish_translation() -> None:
    reasons = denial_reasons()
    assert "Your role does not include patient waiting lists." in reasons
    sv, en = translations("sv"), translations("en")
    untranslated = {m: where for m, where in reasons.items() if sv.gettext(m) == m}
    assert untranslated == {}
    assert all(en.gettext(m) == m for m in reasons)


def test_a_refusal_is_swedish_by_default_and_english_on_request(world: World) -> None:
    world.user("pks", "pks_analyst", region="19", units=["SE19-A"])
    client = world.client("pks")
    page = client.get("/waiting-lists")
    assert page.status_code == 403
    assert "Din roll omfattar inte väntelistor med patientuppgifter." in page.text
    assert "Your role does not include" not in page.text
    english = client.get("/waiting-lists?lang=en")
    assert english.status_code == 403
    assert "Your role does not include patient waiting lists." in english.text
    api = world.client().get(
        f"/api/v1/patients/{PATHWAYS[0].pseudonym}",
        headers={"Authorization": f"Bearer {world.token('pks')}"},
    )
    assert api.status_code == 403
    assert api.json()["code"] == "permission_denied"  # the API's code stays as it was


def test_the_discharge_coordinator_is_told_what_is_coming(world: World) -> None:
    world.user("kommun", "municipal_discharge_coordinator", region="19", municipality="1980")
    client = world.client("kommun")
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200
    assert "Din roll har inga sidor ännu" not in home.text
    assert "utskrivningstavla för din kommun" in home.text
    assert "(2017:612)" in home.text
    assert 'href="/role"' in home.text
    about = client.get("/role")
    assert about.status_code == 200
    assert "Utskrivningstavla för din kommun – Västerås kommun" in about.text
    assert "utskrivningsklar" in about.text
    assert "(SIP)" in about.text
    overview = client.get("/overview")
    assert overview.status_code == 403  # not 404: the role is told why and what is coming
    assert "Din roll omfattar inte lägesbilden över väntetider." in overview.text
    assert "Utskrivningstavla för din kommun" in overview.text
    assert "Kommunal utskrivningssamordnare" in overview.text
    english = client.get("/role?lang=en")
    assert "Discharge board for your municipality" in english.text
