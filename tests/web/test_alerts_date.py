"""The overview's alerts describe the date chosen on the page, not always the latest month end."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from followup_support import make_followup_world
from web_support import AS_OF, World

from vardkoll.analytics import Alert
from vardkoll.services.followup.indicators import _shown_alert


@pytest.fixture
def fworld(tmp_path: Path) -> World:
    world = make_followup_world(tmp_path)
    world.user("samordnare", "regional_coordinator", region="19")
    return world


def test_alerts_follow_the_chosen_date(fworld: World) -> None:
    client = fworld.client("samordnare")
    latest = client.get(f"/followup/alerts?region=19&as_of={AS_OF.isoformat()}").text
    assert "Andelen inom vårdgarantin sjunker (1)" in latest
    assert f'datetime="{AS_OF.isoformat()}"' in latest
    # On 31 December 2024 the slipping unit still had every pathway within the guarantee
    # (followup_support): no share alert then, and the panel says which month end it shows.
    december = client.get("/followup/alerts?region=19&as_of=2024-12-31").text
    assert "Andelen inom vårdgarantin sjunker (0)" in december
    assert 'datetime="2024-12-31"' in december
    assert "Inga vid detta månadsskifte." in december
    # The overview's panel sends the page's date along (the selectors form holds it).
    overview = client.get("/overview?region=19&as_of=2024-12-31").text
    assert 'hx-include="form.selectors"' in overview
    assert "as_of=2024-12-31" in overview


def test_a_malformed_date_is_refused(fworld: World) -> None:
    response = fworld.client("samordnare").get("/followup/alerts?region=19&as_of=31/12")
    assert response.status_code in (400, 422)


def test_the_api_alerts_follow_the_date_too(fworld: World) -> None:
    client = fworld.client("samordnare")
    latest = client.get(f"/api/v1/alerts?region=19&as_of={AS_OF.isoformat()}").json()
    assert latest["month_end"] == AS_OF.isoformat()
    shares = [a for a in latest["data"] if a["kind"] == "share_falling"]
    assert len(shares) == 1
    assert shares[0]["unit_name"] == "Ortopedmottagningen Västerås"
    assert shares[0]["figures"]["share"] < shares[0]["figures"]["share_before"]
    december = client.get("/api/v1/alerts?region=19&as_of=2024-12-31").json()
    assert december["month_end"] == "2024-12-31"
    assert not [a for a in december["data"] if a["kind"] == "share_falling"]


def test_alert_figures_leaving_the_region_are_masked_by_the_shared_rule(fworld: World) -> None:
    # No count of the world's alerts is small: a national analyst sees them as they are.
    fworld.user("nationell", "national_analyst")
    panel = fworld.client("nationell").get("/followup/alerts?region=19").text
    assert "inflöde 37, utflöde 0" in panel
    # A month with 2 treated: beyond the region every movement of that flows row is
    # withheld (the bundle's rule), the queues stay; inside the region nothing is.
    alert = Alert(
        "queue_growing",
        {"unit_id": "SE19-A", "entry_type": "treatment"},
        AS_OF,
        ("inflow_exceeds_outflow",),
        {
            "inflow": 40.0,
            "outflow": 9.0,
            "outflow_treated": 2.0,
            "outflow_removed_other": 7.0,
            "transferred_in": 0.0,
            "transferred_out": 0.0,
            "net_change": 31.0,
            "queue_start": 60.0,
            "queue_end": 91.0,
        },
    )
    shown = _shown_alert(alert, 5)
    for name in ("inflow", "outflow", "outflow_treated", "outflow_removed_other", "net_change"):
        assert math.isnan(shown.figures[name])
    assert (shown.figures["queue_start"], shown.figures["queue_end"]) == (60.0, 91.0)
    assert _shown_alert(alert, 0) == alert
