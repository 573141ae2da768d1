"""The overview: numbers against an independent reference, sorting, filter, chart spec, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import duckdb
import openpyxl
import pytest
from web_reference import reference_cells
from web_support import AS_OF, PATHWAYS, World

from vardkoll.analytics import overview, trend_dates


def _as_exported(cell: str) -> str:
    """A cell as the CSV carries it: machine numbers (``1 593`` → ``1593``, ``66,7 %`` →
    ``66.7``), an empty cell for the page's dash, text unchanged."""
    if cell == "–":
        return ""
    if re.fullmatch(r"−?\d[\d\u00a0]*(,\d+)?(\u00a0?%)?", cell):
        return cell.replace("%", "").replace("\u00a0", "").replace(",", ".").replace("−", "-")
    return cell


def test_overview_query_matches_reference_on_every_trend_date(world: World) -> None:
    con = duckdb.connect(str(world.settings.resolved_analytics_path()), read_only=True)
    data = overview(con, as_of=AS_OF)
    got = {
        (c.entry_type, c.specialty): (c.waiting, c.within_limit, c.beyond_limit) for c in data.cells
    }
    assert got == reference_cells(AS_OF)
    # The pause matters: S:3 waited 150 calendar days but 80 pause-adjusted ones (within 90).
    assert got[("treatment", "orthopaedics")] == (3, 2, 1)
    for point in data.trend:
        ref = reference_cells(point.month_end)
        waiting = sum(v[0] for (e, _), v in ref.items() if e == point.entry_type)
        within = sum(v[1] for (e, _), v in ref.items() if e == point.entry_type)
        assert (point.waiting, point.within_limit) == (waiting, within), point
    assert [t for t in trend_dates(AS_OF, 24)][-1] == AS_OF
    assert len({t.month_end for t in data.trend}) <= 24


def test_overview_respects_region_and_unit_filters(world: World) -> None:
    con = duckdb.connect(str(world.settings.resolved_analytics_path()), read_only=True)
    only_b = overview(con, as_of=AS_OF, regions=["19"], units=["SE19-B"])
    ref = reference_cells(AS_OF, [p for p in PATHWAYS if p.unit_id == "SE19-B"])
    assert {
        (c.entry_type, c.specialty): (c.waiting, c.within_limit, c.beyond_limit)
        for c in only_b.cells
    } == ref
    assert overview(con, as_of=AS_OF, regions=[]).cells == ()


def _table_rows(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        ]
        for r in rows
    ]


def test_page_shows_swedish_numbers_and_the_view(world: World) -> None:
    world.user("samordnare", "regional_coordinator", region="19")
    page = world.client("samordnare").get("/overview")
    assert page.status_code == 200
    assert "66,7\xa0%" in page.text  # 2 of 3 treatments within the limit, Swedish format
    assert "klocka justerad för pauser" in page.text
    english = world.client("samordnare").get("/overview?lang=en")
    assert "66.7%" in english.text
    assert "pause-adjusted clock" in english.text


def test_sort_and_filter_are_server_side_and_exports_match_the_page(world: World) -> None:
    world.user("samordnare", "regional_coordinator", region="19")
    client = world.client("samordnare")
    query = "as_of=2025-03-31&sort=waiting&dir=asc&q=ortoped"
    page = client.get(f"/overview?{query}")
    shown = _table_rows(page.text, "overview-table")
    assert shown
    assert all("Ortopedi" in row[1] for row in shown)
    waits = [int(r[2]) for r in shown]
    assert waits == sorted(waits)

    csv_rows = list(
        csv.reader(
            io.StringIO(client.get(f"/overview/export.csv?{query}").content.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert csv_rows[1:] == [[_as_exported(c) for c in row] for row in shown]

    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/overview/export.xlsx?{query}").content)
    )
    sheet = workbook.worksheets[0]
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [[r[0], r[1], r[2]] for r in cells] == [[r[0], r[1], int(r[2])] for r in shown]
    assert sheet.cell(row=1, column=1).value == "Kontakttyp"


def test_formula_looking_text_is_neutralised_in_exports(world: World) -> None:
    world.user("samordnare", "regional_coordinator", region="19")
    client = world.client("samordnare")
    text = client.get("/overview/export.csv?q=HYPERLINK").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get("/overview/export.xlsx?q=HYPERLINK").content)
    )
    values = [c.value for row in workbook.worksheets[0].iter_rows() for c in row]
    assert "'=HYPERLINK(1)" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_trend_spec_is_vega_lite_with_local_data(world: World) -> None:
    world.user("samordnare", "regional_coordinator", region="19")
    spec = world.client("samordnare").get("/overview/trend.json").json()
    assert spec["$schema"].endswith("vega-lite/v6.json")
    values = spec["data"]["values"]
    assert values
    assert {"month", "entry_type", "waiting", "share"} <= set(values[0])
    assert max(dt.date.fromisoformat(v["month"]) for v in values) == AS_OF
    assert "url" not in spec["data"]  # no data fetched from elsewhere


def test_region_and_period_are_remembered(world: World) -> None:
    world.user("nils", "national_analyst")
    client = world.client("nils")
    client.get("/overview?region=01&as_of=2025-01-31")
    page = client.get("/overview")
    assert '<option value="01" selected>' in page.text
    assert '<option value="2025-01-31" selected>' in page.text


@pytest.mark.parametrize("region", ["01", "19"])
def test_national_analyst_sees_each_region_with_small_cells_masked(
    world: World, region: str
) -> None:
    """The figures leave the region: every count under 5 is withheld, the rest are exact."""
    world.user("nils", "national_analyst")
    data = world.client("nils").get(f"/api/v1/overview?region={region}").json()
    expected = reference_cells(AS_OF, [p for p in PATHWAYS if p.region == region])
    shown = {(c["entry_type"], c["specialty"]): c for c in data["data"]}
    assert shown.keys() == expected.keys()
    assert data["masked_below"] == 5
    for key, cell in shown.items():
        truth = expected[key][0]
        if 0 < truth < 5:
            assert cell["waiting"] is None
            assert cell["masked"]
        assert cell["waiting"] in (None, truth)
    page = world.client("nils").get(f"/overview?region={region}").text
    assert "maskerade" in page
    # Inside the region the same cells are exact and nothing is masked.
    world.user("inside", "regional_coordinator", region=region)
    inside = world.client("inside").get("/api/v1/overview").json()
    assert inside["masked_below"] is None
    assert {(c["entry_type"], c["specialty"]): c["waiting"] for c in inside["data"]} == {
        k: v[0] for k, v in expected.items()
    }


def test_units_and_regions_are_shown_by_name(world: World) -> None:
    """Issue 07: the scope line named units by id and the region by its code."""
    world.user("chef", "clinic_manager", region="19", units=["SE19-A", "SE19-B"])
    world.user("samordnare", "regional_coordinator", region="19")
    chef = world.client("chef").get("/overview").text
    assert "Ortopedmottagningen Västerås, Kirurgmottagningen Köping" in chef
    assert "SE19-A," not in chef
    waiting = world.client("samordnare").get("/waiting-lists?unit_id=SE19-A").text
    assert "Region Västmanland ·" in waiting
    assert "Region 19" not in waiting
    assert "Enhet: Ortopedmottagningen Västerås" in waiting
