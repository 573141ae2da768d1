"""Follow-up pages: scope at every level, patient-list links by role, numbers against references.

The numbers on the pages are checked against the engine (``waiting_at`` on the same pathways)
and, for the unit level, against the independent per-pathway reference of the overview tests.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from followup_support import ALL_PATHWAYS, make_followup_world
from web_reference import reference_cells
from web_support import AS_OF, World

from vardkoll.analytics import open_tables, waiting_at
from vardkoll.services.followup.compare import within_and_judged


def _as_exported(cell: str) -> str:
    """A cell as the CSV carries it: machine numbers (``1 593`` → ``1593``, ``66,7 %`` →
    ``66.7``), an empty cell for the page's dash, text unchanged."""
    if cell == "–":
        return ""
    if re.fullmatch(r"−?\d[\d\u00a0]*(,\d+)?(\u00a0?%)?", cell):
        return cell.replace("%", "").replace("\u00a0", "").replace(",", ".").replace("−", "-")
    return cell


@pytest.fixture
def fworld(tmp_path: Path) -> World:
    world = make_followup_world(tmp_path)
    world.user("chef", "clinic_manager", region="19", units=["SE19-B"])
    world.user("chefa", "clinic_manager", region="19", units=["SE19-A"])
    world.user("nationell", "national_analyst")
    world.user("samordnare", "regional_coordinator", region="19")
    return world


def _rows(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)
        ]
        for r in rows
    ]


def _int(text: str) -> int:
    return int(text.replace("\xa0", "").replace(",", ""))


def test_clinic_manager_sees_only_own_units_at_every_level(fworld: World) -> None:
    client = fworld.client("chef")
    top = client.get("/followup")
    assert top.status_code == 200
    # Region-bound: the top is the region's providers, holding only the manager's unit.
    providers = _rows(top.text, "followup-table")
    assert {r[0] for r in providers} == {"Region"}  # provider P1's name in the store
    waiting = sum(_int(r[2]) for r in providers)
    assert waiting == sum(v[0] for v in reference_cells(AS_OF, _in("SE19-B")).values())
    units = _rows(client.get("/followup?region=19&provider=P1").text, "followup-table")
    assert {r[0] for r in units} == {"Kirurgmottagningen Köping"}
    assert client.get("/followup?region=19&provider=P1&unit=SE19-A").status_code == 404
    assert client.get("/followup?region=01").status_code == 404
    assert client.get("/followup/spc?region=19&provider=P1&unit=SE19-A").status_code == 404
    # Alerts exist for SE19-A only, which this manager cannot see.
    alerts = client.get("/followup/alerts?region=19").text
    assert "Ortopedmottagningen" not in alerts
    spc = client.get("/followup/spc?region=19&entry_type=first_visit&indicator=waiting_count")
    values = [r[1] for r in _rows(spc.text, "spc-table")]
    assert values[-1] == "1,0"  # S:5 removed, S:7 waiting: SE19-B's first visits on AS_OF


def _in(unit: str) -> list:  # type: ignore[type-arg]
    return [p for p in ALL_PATHWAYS if p.unit_id == unit]


def test_unit_level_numbers_equal_the_reference_and_the_engine(fworld: World) -> None:
    page = fworld.client("samordnare").get("/followup?region=19&provider=P1&unit=SE19-A")
    rows = _rows(page.text, "followup-table")
    ref = reference_cells(AS_OF, _in("SE19-A"))
    got = {(r[0], r[1]): (_int(r[2]), _int(r[4]) if r[4] != "–" else None) for r in rows}
    assert got[("Ortopedi", "Operation/åtgärd")] == (
        ref[("treatment", "orthopaedics")][0],
        ref[("treatment", "orthopaedics")][2],
    )
    # The same cell from the engine, called directly on the store.
    tables = open_tables("duckdb", fworld.settings.resolved_analytics_path())
    engine = waiting_at(tables, AS_OF, ["unit_id", "entry_type"])
    cell = engine[
        (engine["unit_id"] == "SE19-A")
        & (engine["entry_type"] == "treatment")
        & (engine["view"] == "pause_adjusted")
    ].iloc[0]
    assert got[("Ortopedi", "Operation/åtgärd")][0] == int(cell["waiting_count"])
    # 36 of the 72 slipping pathways and S:1 and S:3 are within: 38 of 75.
    assert ref[("treatment", "orthopaedics")] == (75, 38, 37)
    share = next(r[3] for r in rows if r[1] == "Operation/åtgärd")
    assert share == "50,7\xa0%"


def test_patient_list_link_only_for_entitled_roles(fworld: World) -> None:
    url = "/followup?region=19&provider=P1&unit=SE19-A"
    coordinator = fworld.client("samordnare").get(url).text
    assert "/waiting-lists?unit_id=SE19-A" in coordinator
    national = fworld.client("nationell").get(url)
    assert national.status_code == 200
    assert "/waiting-lists" not in national.text
    assert "Patientlista" not in national.text


def test_national_analyst_sees_every_region_with_small_counts_masked(fworld: World) -> None:
    page = fworld.client("nationell").get("/followup")
    rows = _rows(page.text, "followup-table")
    assert {r[0] for r in rows} == {"Stockholm", "Västmanland"}
    # Region 01 has two first visits waiting: below the threshold of 5, so masked.
    stockholm = next(r for r in rows if r[0] == "Stockholm")
    assert stockholm[2] == "dolt"
    assert stockholm[3] == "–"


def test_alerts_panel_on_the_overview_links_to_spc_and_drill_down(fworld: World) -> None:
    client = fworld.client("samordnare")
    overview = client.get("/overview").text
    assert 'hx-get="/followup/alerts"' in overview
    panel = client.get("/followup/alerts?region=19").text
    assert "Andelen inom vårdgarantin sjunker (1)" in panel
    assert "Kön växer snabbare än produktionen (1)" in panel
    assert "Ortopedmottagningen Västerås" in panel
    assert (
        "/followup/spc?region=19&amp;provider=P1&amp;unit=SE19-A&amp;entry_type=treatment" in panel
    )
    # By hand: 36 slipping pathways and S:1 in, nothing out in January–March 2025; the queue
    # went from 38 (October–December's 36, S:2 and S:3) to 75.
    assert "inflöde 37, utflöde 0" in panel
    assert "kö 38 → 75" in panel
    assert "för 3 månader sedan 100,0\xa0%" in panel


def test_spc_page_marks_the_concern_and_recalculates_limits(fworld: World) -> None:
    client = fworld.client("samordnare")
    base = "/followup/spc?region=19&provider=P1&unit=SE19-A&entry_type=treatment"
    page = client.get(base)
    assert page.status_code == 200
    rows = _rows(page.text, "spc-table")
    assert rows[-1][0] == "2025-03-31"
    assert rows[-1][1] == "50,7\xa0%"
    assert rows[-1][5] == "Försämring"
    spec = client.get(base.replace("/spc?", "/spc.json?")).json()
    assert spec["$schema"].endswith("v6.json")
    assert "url" not in spec["data"]
    assert {v["phase"] for v in spec["data"]["values"]} == {0}
    line, points = spec["layer"][3]["encoding"]["y"], spec["layer"][-1]["encoding"]
    assert line["axis"]["format"] == ".0%"  # a share reads 0–100 %, not 0–1
    assert points["tooltip"][1]["format"] == ".1%"
    changed = client.get(base.replace("/spc?", "/spc.json?") + "&change=2024-10-31").json()
    assert {v["phase"] for v in changed["data"]["values"]} == {0, 1}
    bad = client.get(base + "&change=2030-01-31")
    assert bad.status_code == 404


def test_compare_page_funnel_intervals_and_case_mix(fworld: World) -> None:
    client = fworld.client("samordnare")
    url = "/followup/compare?region=19&entry_type=treatment&mix=priority"
    page = client.get(url)
    assert page.status_code == 200
    rows = _rows(page.text, "intervals-table")
    assert [r[0] for r in rows] == ["Ortopedmottagningen Västerås"]
    assert _int(rows[0][1]) == 75
    spec = client.get(url.replace("/compare?", "/compare/funnel.json?")).json()
    assert spec["layer"][2]["data"]["values"][0]["n"] == 75
    csv_text = client.get(url.replace("/compare?", "/compare/export.csv?")).content
    assert b"Ortopedmottagningen" in csv_text


def test_the_funnel_plot_has_a_legend_in_the_page_language(fworld: World) -> None:
    """Issue 07: the funnel plot had no legend (colour, dash and line unexplained)."""
    client = fworld.client("samordnare")
    url = "/followup/compare/funnel.json?region=19&entry_type=treatment&mix=priority"
    lines, target, points = client.get(url).json()["layer"]
    assert points["encoding"]["color"]["title"] == "Läge i tratten"
    assert points["encoding"]["color"].get("legend") is not None
    assert {p["position"] for p in points["data"]["values"]} <= {
        "Inom tratten",
        "Över 95 %-gränsen",
        "Över 99,8 %-gränsen",
        "Under 95 %-gränsen",
        "Under 99,8 %-gränsen",
    }
    assert {v["level"] for v in lines["data"]["values"]} == {"95 %", "99,8 %"}
    assert lines["encoding"]["strokeDash"]["title"] == "Gräns"
    assert target["data"]["values"][0]["line"] == "Regionens andel"
    english = client.get(url + "&lang=en").json()["layer"]
    assert english[2]["encoding"]["color"]["title"] == "Funnel position"
    assert {v["level"] for v in english[0]["data"]["values"]} == {"95 %", "99.8 %"}


def test_within_and_judged_recovers_the_engine_counts() -> None:
    for within, judged in ((0, 1), (1, 1), (37, 75), (999, 1000), (1, 3)):
        share = within / judged
        assert within_and_judged(judged, share, judged - within) == (within, judged)


def test_drill_export_matches_the_page(fworld: World) -> None:
    client = fworld.client("samordnare")
    query = "region=19&provider=P1&sort=waiting&dir=desc"
    shown = _rows(client.get(f"/followup?{query}").text, "followup-table")
    text = client.get(f"/followup/export.csv?{query}").content.decode("utf-8-sig")
    exported = [line.split(";") for line in text.strip().split("\r\n")[1:]]
    assert [[_as_exported(c) for c in r[:10]] for r in shown] == exported
    assert dt.date(2025, 3, 31).isoformat() in client.get(f"/followup?{query}").text


def test_compare_opened_directly_asks_a_national_analyst_for_a_region(fworld: World) -> None:
    """Issue 07: without a region the page answered 422; now it offers the regions by name."""
    world = fworld
    world.user("nils", "national_analyst")
    page = world.client("nils").get("/followup/compare?entry_type=treatment")
    assert page.status_code == 200
    assert "Välj den region vars enheter du vill jämföra" in page.text
    assert '<option value="19">Region Västmanland</option>' in page.text
    assert '<option value="01">Region Stockholm</option>' in page.text
    assert '<input type="hidden" name="entry_type" value="treatment">' in page.text
    chosen = world.client("nils").get("/followup/compare?region=19&entry_type=treatment")
    assert chosen.status_code == 200
    assert "Ortopedmottagningen Västerås" in chosen.text


def test_pages_and_api_pick_the_region_by_one_rule(world: World) -> None:
    """The overview page and ``/api/v1/overview`` answer a region outside the user's reach the
    same way (403) and, without a region, show the same one (the user's own)."""
    from sqlalchemy.orm import Session

    from vardkoll.services.access.accounts import principal_of
    from vardkoll.services.access.scope import Scope
    from vardkoll.services.followup.overview import pick_region
    from vardkoll.store._auth_models import User

    world.user("anna", "regional_coordinator", region="19")
    client = world.client("anna")
    bearer = {"Authorization": f"Bearer {world.token('anna')}"}
    assert client.get("/overview?region=01").status_code == 403
    assert client.get("/api/v1/overview?region=01", headers=bearer).status_code == 403
    page = client.get("/overview").text
    api = client.get("/api/v1/overview", headers=bearer).json()
    assert "Region Västmanland" in page
    assert api["region"] in ("19", None)
    with Session(world.engine) as db:
        scope = Scope.for_principal(principal_of(db.query(User).filter_by(username="anna").one()))
    assert pick_region(world.settings, scope, None, remembered="01") == "19"
