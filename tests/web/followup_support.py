"""A world for the follow-up tests: the web tests' pathways plus a unit whose guarantee slips.

Unit SE19-A gets 12 new treatment pathways on the 5th of every month from April 2023. Those
starting before October 2024 are treated 50 days later; later ones are still waiting on
AS_OF. So from January 2025 the oldest of them pass the 90-day limit: the share within the
guarantee falls from 1.0 (December 2024) to 0.5 (March 2025), and the queue grows by 12 a
month with nothing leaving — both alerts, with numbers worked out by hand in the tests.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from web_support import PATHWAYS, Pathway, World, make_world, personnummer, write_analytics

FIRST_MONTH = dt.date(2023, 4, 5)
STOP_TREATING = dt.date(2024, 10, 1)
PER_MONTH = 12


def _months() -> list[dt.date]:
    out, day = [], FIRST_MONTH
    while day <= dt.date(2025, 3, 5):
        out.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=5)
    return out


def slipping_pathways() -> tuple[Pathway, ...]:
    out: list[Pathway] = []
    for m, start in enumerate(_months()):
        for i in range(PER_MONTH):
            birth = f"19{40 + m:02d}0{1 + i % 9}1{i // 9}"
            out.append(
                Pathway(
                    f"F:{m}:{i}",
                    personnummer(birth, f"{100 + m * PER_MONTH + i:03d}"[-3:]),
                    "SE19-A",
                    "orthopaedics",
                    "treatment",
                    start,
                    removed_on=start + dt.timedelta(days=50) if start < STOP_TREATING else None,
                )
            )
    return tuple(out)


ALL_PATHWAYS = PATHWAYS + slipping_pathways()


def make_followup_world(tmp: Path) -> World:
    """The web tests' world with the slipping unit added to the analytics store."""
    world = make_world(tmp)
    path = world.settings.resolved_analytics_path()
    path.unlink()
    write_analytics(path, ALL_PATHWAYS)
    return world
