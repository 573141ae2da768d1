"""One masking decision per cell: the overview's cards, table, chart table, exports and API
agree for a national analyst, whose figures leave the region."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from web_support import AS_OF, PATHWAYS, Pathway, World, make_world, personnummer, write_analytics

DASH = "–"


def _urology() -> tuple[Pathway, ...]:
    """52 treatments in one specialty of region 01, 13 of them beyond 90 days on AS_OF: the
    only row of its entry type, beside region 01's two small first visits (the reported case:
    the card said "–, share masked" over its only row, 52 / 39 / 13 / 75,0 %)."""
    return tuple(
        Pathway(
            f"U:{i}",
            personnummer(f"19{50 + i % 40:02d}0{1 + i % 9}1{i % 10}", f"{200 + i:03d}"),
            "SE01-A",
            "urology",
            "treatment",
            dt.date(2024, 11, 1) if i < 13 else dt.date(2025, 2, 1),
        )
        for i in range(52)
    )


@pytest.fixture(params=["standard", "one_row_under_a_card"])
def world(tmp_path: Path, request: pytest.FixtureRequest) -> World:
    w = make_world(tmp_path)
    if request.param == "one_row_under_a_card":
        path = w.settings.resolved_analytics_path()
        path.unlink()
        write_analytics(path, PATHWAYS + _urology())
    w.user("nils", "national_analyst")
    return w


def _rows(html: str, marker: str) -> list[list[str]]:
    body = html.split(marker, 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]


def _cards(html: str) -> dict[str, tuple[str, str]]:
    out = {}
    for item in re.findall(r'<li class="card">(.*?)</li>', html, re.S):
        parts = dict(re.findall(r'<span class="card-(label|value|sub)">(.*?)</span>', item, re.S))
        if "label" in parts:
            out[parts["label"].strip()] = (parts["value"].strip(), parts["sub"].strip())
    return out


def _number(text: str) -> int:
    return int(text.replace("\xa0", "").replace(" ", ""))


@pytest.mark.parametrize("region", ["01", "19"])
def test_cards_table_chart_export_and_api_mask_the_same_cells(world: World, region: str) -> None:
    client = world.client("nils")
    query = f"region={region}&as_of={AS_OF.isoformat()}"
    page = client.get(f"/overview?{query}").text
    table = _rows(page, 'id="overview-table"')
    assert table
    exported = list(
        csv.reader(
            io.StringIO(client.get(f"/overview/export.csv?{query}").content.decode("utf-8-sig")),
            delimiter=";",
        )
    )[1:]
    # The export holds the same rows with the same holes (an empty cell for the page's dash).
    assert [[c == "" for c in row[2:6]] for row in exported] == [
        [c == DASH for c in row[2:6]] for row in table
    ]
    api = client.get(f"/api/v1/overview?{query}").json()["data"]
    assert sorted(c["waiting"] is None for c in api) == sorted(row[2] == DASH for row in table)
    cards = _cards(page)
    assert cards
    # Dates are shown in ISO 8601.
    chart = {row[1]: row for row in _rows(page, "<summary>") if row[0] == AS_OF.isoformat()}
    for label, (value, sub) in cards.items():
        rows = [row for row in table if row[0] == label]
        if value == DASH:  # a hidden card has a hidden row beneath it
            assert any(row[2] == DASH for row in rows)
        elif all(row[2] != DASH for row in rows):  # all rows shown: the card is their sum
            assert _number(value) == sum(_number(row[2]) for row in rows)
        if "maskerad" in sub:
            assert any(row[4] == DASH for row in rows)
        # The chart's point at the page's date is the card's figure, hidden alike.
        assert chart[label][2] == value
