"""The waiting list narrowed to one unit (the follow-up drill-down links there)."""

from __future__ import annotations

import csv
import io

from web_support import PATHWAYS, UNITS, World


def _exported_units(world: World, user: str, query: str) -> list[str]:
    export = world.client(user).get(f"/waiting-lists/export.csv?{query}")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    unit_column = next(i for i, name in enumerate(rows[0]) if name in ("Enhet", "Unit"))
    return [row[unit_column] for row in rows[1:]]


def test_a_unit_filter_shows_that_unit_only_and_never_widens_the_scope(world: World) -> None:
    world.user("vg", "care_guarantee_officer", region="19")
    units = sorted({p.unit_id for p in PATHWAYS if p.region == "19"})
    everyone = _exported_units(world, "vg", "")
    assert len(set(everyone)) > 1, "the test needs a region with several units"
    for unit in units:
        name = UNITS[unit][2]
        shown = _exported_units(world, "vg", f"unit_id={unit}")
        assert set(shown) <= {name}
        assert len(shown) == everyone.count(name) > 0
    page = world.client("vg").get(f"/waiting-lists?unit_id={units[0]}")
    assert page.status_code == 200
    assert "Visa alla enheter" in page.text
    # Another region's unit finds nobody: the filter narrows, the scope decides.
    foreign = next(p.unit_id for p in PATHWAYS if p.region != "19")
    assert _exported_units(world, "vg", f"unit_id={foreign}") == []
