"""The overview and the indicator API give one share for one date and cut, a void guarantee
included (issue 07, defect 4): reported apart from the day of the refusal, an ordinary waiter
before it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
from web_support import AS_OF, PATHWAYS, World

EARLIER = dt.date(2025, 2, 28)


def _declined(world: World) -> str:
    """Mark the orthopaedic treatment that breached first as declining its redress offer the
    day before ``AS_OF`` (after its breach, after ``EARLIER``); its key."""
    candidates = [
        p
        for p in PATHWAYS
        if p.region == "19"
        and (p.entry_type, p.specialty) == ("treatment", "orthopaedics")
        and not p.pauses
        and p.removed_on is None
        and p.clock_start <= EARLIER - dt.timedelta(days=91)
    ]
    assert candidates, "the world needs an orthopaedic treatment beyond 90 days by February"
    chosen = min(candidates, key=lambda p: p.clock_start)
    path = world.settings.resolved_analytics_path()
    con = duckdb.connect(str(path))
    try:
        con.execute("ALTER TABLE pathways ADD COLUMN guarantee_void_since DATE")
        con.execute(
            "UPDATE pathways SET guarantee_void = TRUE, guarantee_void_since = ? "
            "WHERE pathway_key = ?",
            [AS_OF - dt.timedelta(days=1), chosen.key],
        )
    finally:
        con.close()
    return chosen.key


def _api(world: World, url: str) -> Any:
    bearer = {"Authorization": f"Bearer {world.token('anna')}"}
    response = world.client().get(url, headers=bearer)
    assert response.status_code == 200, response.text
    return response.json()


def test_overview_and_indicator_api_agree_before_and_after_the_refusal(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    _declined(world)
    shares = {}
    for on, void in ((EARLIER, 0), (AS_OF, 1)):
        overview = _api(world, f"/api/v1/overview?region=19&as_of={on.isoformat()}")
        (cell,) = [
            c
            for c in overview["data"]
            if (c["entry_type"], c["specialty"]) == ("treatment", "orthopaedics")
        ]
        indicators = _api(
            world,
            "/api/v1/indicators/waiting?region=19&by=entry_type&by=specialty"
            f"&view=pause_adjusted&date={on.isoformat()}",
        )
        (row,) = [
            r
            for r in indicators["data"]
            if (r["entry_type"], r["specialty"]) == ("treatment", "orthopaedics")
        ]
        assert row["waiting_guarantee_void_count"] == void, on
        assert cell["waiting"] == row["waiting_count"], on
        assert cell["beyond_limit"] == row["waiting_beyond_limit_count"], on
        assert cell["share_within"] == row["waiting_within_limit_share"], on
        shares[on] = cell["share_within"]
    # Before the refusal the pathway is judged (beyond the limit); after it, reported apart.
    assert shares[EARLIER] < 1.0
    assert shares[AS_OF] == 1.0
