"""An analytics store with three years of pathways per queue, for the planner's tests.

Seeded and generated in NumPy: weekly clock starts (Poisson, lower in the summer), waits,
removals (treated or not), priorities and patient-chosen pauses, in the tables of
docs/reference/analytics-schema.md. The web tests' units and accounts are reused, so a
pks_analyst of SE19-A sees exactly one unit here too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from web_support import AS_OF, SECRET, UNITS, World, migrated_sqlite

from vardkoll.http.app import create_app
from vardkoll.settings import Settings
from vardkoll.store import make_engine

FIRST_MONDAY = dt.date(2022, 1, 3)
QUEUES = {  # (unit, specialty, entry type): weekly clock starts, mean wait in days
    ("SE19-A", "orthopaedics", "treatment"): (18.0, 75.0),
    ("SE19-A", "orthopaedics", "first_visit"): (30.0, 45.0),
    ("SE19-B", "general_surgery", "first_visit"): (22.0, 50.0),
    ("SE01-A", "ophthalmology", "first_visit"): (15.0, 40.0),
}


def planning_frames(seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pathways, pauses) as they would be in the analytics store on ``AS_OF``."""
    rng = np.random.default_rng(seed)
    weeks = (AS_OF - FIRST_MONDAY).days // 7 + 1
    rows: list[dict[str, object]] = []
    pauses: list[dict[str, object]] = []
    n = 0
    for (unit, specialty, entry), (rate, mean_wait) in QUEUES.items():
        for k in range(weeks):
            monday = FIRST_MONDAY + dt.timedelta(weeks=k)
            summer = 27 <= monday.isocalendar().week <= 32
            for _ in range(rng.poisson(rate * (0.6 if summer else 1.0))):
                start = monday + dt.timedelta(days=int(rng.integers(0, 7)))
                if start > AS_OF:
                    continue
                n += 1
                key = f"T:{n}"
                wait = int(rng.gamma(2.0, mean_wait / 2.0))
                pause: tuple[dt.date, dt.date] | None = None
                if rng.random() < 0.12:
                    p_start = start + dt.timedelta(days=int(rng.integers(5, 30)))
                    p_len = int(rng.integers(14, 70))
                    pause = (p_start, p_start + dt.timedelta(days=p_len))
                    wait = max(wait, (p_start - start).days + 1) + p_len
                removed: dt.date | None = start + dt.timedelta(days=wait)
                assert removed is not None
                reason: str | None = "treated" if rng.random() < 0.85 else "no_longer_needed"
                if removed > AS_OF:
                    removed, reason = None, None
                if pause is not None and pause[0] <= AS_OF:
                    end = pause[1] if pause[1] <= AS_OF else None
                    pauses.append(
                        {
                            "pathway_key": key,
                            "reason": "PVV",
                            "start_date": pause[0],
                            "end_date": end,
                        }
                    )
                rows.append(
                    {
                        "pathway_key": key,
                        "patient_pseudonym": f"{n:032x}",
                        "identity_type": "personnummer",
                        "sex": "F" if n % 2 else "M",
                        "birth_year": 1950 + n % 60,
                        "age_at_clock_start": 30,
                        "home_municipality": UNITS[unit][1],
                        "region_code": UNITS[unit][0],
                        "provider_id": "P1",
                        "unit_id": unit,
                        "specialty": specialty,
                        "entry_type": entry,
                        "priority": int(rng.integers(1, 5)),
                        "procedure_code": None,
                        "clock_start": start,
                        "removed_on": removed,
                        "removal_reason": reason,
                        "has_pvv": pause is not None and pause[0] <= AS_OF,
                        "has_mov": False,
                        "paused_days_total": 0,
                        "guarantee_void": False,
                    }
                )
    pathways = pd.DataFrame(rows)
    for column in ("clock_start", "removed_on"):
        pathways[column] = pd.to_datetime(pathways[column]).dt.date
    pause_frame = pd.DataFrame(pauses, columns=["pathway_key", "reason", "start_date", "end_date"])
    for column in ("start_date", "end_date"):
        pause_frame[column] = pd.to_datetime(pause_frame[column]).dt.date
    return pathways, pause_frame


def write_planning_analytics(path: Path, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write the store to ``path``; return the frames it holds (the tests' reference)."""
    pathways, pauses = planning_frames(seed)
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE units (unit_id VARCHAR, unit_name VARCHAR, provider_id VARCHAR, "
        "provider_name VARCHAR, ownership VARCHAR, region_code VARCHAR, municipality_code VARCHAR,"
        " latitude DOUBLE, longitude DOUBLE, specialties VARCHAR[])"
    )
    for unit_id, (region, municipality, name) in UNITS.items():
        con.execute(
            "INSERT INTO units VALUES (?, ?, 'P1', 'Region', 'public', ?, ?, 59.6, 16.5, [])",
            [unit_id, name, region, municipality],
        )
    con.register("pw", pathways)
    con.execute(
        "CREATE TABLE pathways AS SELECT pathway_key, patient_pseudonym, identity_type, sex, "
        "CAST(birth_year AS INTEGER) AS birth_year, "
        "CAST(age_at_clock_start AS INTEGER) AS age_at_clock_start, home_municipality, "
        "region_code, provider_id, unit_id, specialty, entry_type, "
        "CAST(priority AS INTEGER) AS priority, CAST(procedure_code AS VARCHAR) AS procedure_code,"
        " CAST(clock_start AS DATE) AS clock_start, CAST(removed_on AS DATE) AS removed_on, "
        "CAST(removal_reason AS VARCHAR) AS removal_reason, has_pvv, has_mov, "
        "CAST(paused_days_total AS INTEGER) AS paused_days_total, guarantee_void FROM pw"
    )
    con.register("pz", pauses)
    con.execute(
        "CREATE TABLE pauses AS SELECT pathway_key, reason, CAST(start_date AS DATE) AS "
        "start_date, CAST(end_date AS DATE) AS end_date FROM pz"
    )
    con.execute(
        "CREATE TABLE build_info (built_at TIMESTAMPTZ, as_of DATE, source VARCHAR, "
        "rows_pathways BIGINT)"
    )
    con.execute("INSERT INTO build_info VALUES (now(), ?, 'tests', ?)", [AS_OF, len(pathways)])
    con.close()
    return pathways, pauses


def make_planning_world(tmp: Path) -> World:
    """The web app over the planning store and a fresh operational store."""
    analytics = tmp / "analytics.duckdb"
    write_planning_analytics(analytics)
    url = migrated_sqlite(tmp / "vardkoll.sqlite3")
    make_engine(url).dispose()
    settings = Settings(data_dir=tmp, database_url=url, analytics_path=analytics, secret_key=SECRET)
    return World(app=create_app(settings), settings=settings, tmp=tmp)
