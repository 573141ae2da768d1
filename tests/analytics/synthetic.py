"""Synthetic ``pathways`` and ``pauses`` tables of the analytics schema, from a fixed seed.

Tens of thousands of pathways over four years: several regions, providers, units and
specialties; every entry type; waits shaped per entry type; about 10 % still waiting at the
end; removals for other reasons; pauses (PVV/MOV) on about one pathway in eight, some
overlapping, some still open, some starting before the clock; NULL sex, priority and age.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

DATA_END = dt.date(2025, 7, 15)
FIRST_START = dt.date(2021, 3, 1)
ENTRY_TYPES = ("primary_contact", "primary_assessment", "first_visit", "examination", "treatment")
MEAN_WAIT = {
    "primary_contact": 0.4,
    "primary_assessment": 2.5,
    "first_visit": 70.0,
    "examination": 40.0,
    "treatment": 95.0,
}
REASONS_OTHER = ("no_longer_needed", "treated_elsewhere", "declined_offer", "deceased", "other")


def _epoch(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _dates(days: np.ndarray) -> np.ndarray:
    return (np.datetime64("1970-01-01") + days.astype("timedelta64[D]")).astype("datetime64[D]")


def synthetic_tables(n: int = 20_000, seed: int = 20251125) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(pathways, pauses)`` as pandas frames with date columns as ``datetime.date``."""
    rng = np.random.default_rng(seed)
    units = pd.DataFrame(
        {
            "unit_id": [f"U{i:02d}" for i in range(12)],
            "provider_id": [f"P{i // 3}" for i in range(12)],
            "region_code": [("19", "03", "12")[i // 5 if i < 10 else 2] for i in range(12)],
        }
    )
    unit_idx = rng.integers(0, len(units), n)
    entry = np.array(ENTRY_TYPES)[rng.choice(5, n, p=[0.15, 0.2, 0.3, 0.1, 0.25])]
    specialty = np.where(
        np.isin(entry, ["primary_contact", "primary_assessment"]),
        "general_practice",
        np.array(["orthopaedics", "ent", "ophthalmology", "urology"])[rng.integers(0, 4, n)],
    )
    start = rng.integers(_epoch(FIRST_START), _epoch(DATA_END) + 1, n)
    mean = np.array([MEAN_WAIT[e] for e in entry])
    wait = np.floor(rng.gamma(1.3, mean / 1.3)).astype(np.int64)
    removed = start + wait
    still = (removed > _epoch(DATA_END)) | (rng.random(n) < 0.01)
    treated = rng.random(n) < 0.8
    reason = np.where(treated, "treated", np.array(REASONS_OTHER)[rng.integers(0, 5, n)])
    sex = np.array(["M", "F", None], dtype=object)[rng.choice(3, n, p=[0.48, 0.5, 0.02])]
    priority = pd.array(rng.integers(1, 5, n), dtype="Int64")
    priority[rng.random(n) < 0.02] = pd.NA
    age = pd.array(rng.integers(0, 100, n), dtype="Int64")
    age[rng.random(n) < 0.02] = pd.NA
    keys = np.array([f"SYS:P{i:06d}" for i in range(n)], dtype=object)
    removed_dates = pd.Series(_dates(removed)).astype(object)
    removed_dates[still] = None
    void_rng = np.random.default_rng(seed + 1)
    void = (
        (wait > 90)
        & ~np.isin(entry, ["primary_contact", "primary_assessment"])
        & (void_rng.random(n) < 0.2)
    )
    last_day = np.where(still, _epoch(DATA_END), removed)
    void_day = start + 91 + np.floor(void_rng.random(n) * np.maximum(last_day - start - 91, 0))
    void &= void_day <= last_day
    void_day = np.where(void, void_day, start).astype(np.int64)
    pathways = pd.DataFrame(
        {
            "pathway_key": keys,
            "patient_pseudonym": [f"{rng.integers(0, 2**63):032x}" for _ in range(n)],
            "identity_type": "personnummer",
            "sex": sex,
            "birth_year": pd.array(2025 - np.asarray(age.fillna(40), dtype=int), dtype="Int64"),
            "age_at_clock_start": age,
            "home_municipality": "1980",
            "region_code": units.region_code.to_numpy()[unit_idx],
            "provider_id": units.provider_id.to_numpy()[unit_idx],
            "unit_id": units.unit_id.to_numpy()[unit_idx],
            "specialty": specialty,
            "entry_type": entry,
            "priority": priority,
            "procedure_code": None,
            "clock_start": pd.Series(_dates(start)).dt.date,
            "removed_on": [None if v is None else pd.Timestamp(v).date() for v in removed_dates],
            "removal_reason": np.where(still, None, reason),
            # A declined redress offer after a breach voids the guarantee (DOMAIN.md §1.4);
            # its own stream, so the rest of the data stays as it was.
            "guarantee_void": void,
            # The day of the refusal: after the breach (day 91 on), before the removal.
            "guarantee_void_since": pd.Series(_dates(void_day)).dt.date.where(void, None),
        }
    )
    # Pauses on about one pathway in eight (never on same-day primary contacts).
    paused = np.flatnonzero((rng.random(n) < 0.13) & (wait > 3))
    rows: list[tuple[str, str, int, int | None]] = []
    for i in paused:
        end_i = _epoch(DATA_END) if still[i] else removed[i]
        for _ in range(rng.integers(1, 3)):
            ps = int(rng.integers(start[i] - 5, max(start[i] + 1, end_i)))
            pe: int | None = ps + int(rng.integers(1, 40))
            if pe is not None and pe > _epoch(DATA_END):
                pe = None
            rows.append((keys[i], ("PVV", "MOV")[int(rng.integers(0, 2))], ps, pe))
    pauses = pd.DataFrame(rows, columns=["pathway_key", "reason", "ps", "pe"])
    pauses["start_date"] = pd.Series(_dates(pauses.ps.to_numpy())).dt.date
    pauses["end_date"] = [
        None if pd.isna(v) else (dt.date(1970, 1, 1) + dt.timedelta(days=int(v))) for v in pauses.pe
    ]
    pauses = pauses.drop(columns=["ps", "pe"])
    flags = pauses.groupby("pathway_key").reason.agg(set)
    pathways["has_pvv"] = pathways.pathway_key.map(lambda k: "PVV" in flags.get(k, set()))
    pathways["has_mov"] = pathways.pathway_key.map(lambda k: "MOV" in flags.get(k, set()))
    pathways["paused_days_total"] = 0
    return pathways, pauses


def synthetic_transfers(pathways: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """``pathway_units`` for the synthetic pathways: about one in twenty-five that waited a
    while moves to another unit of its region once, some twice; some first rows begin before
    the clock start, and a few pathways pass through a unit for no time at all (on and off
    the same day). ``pathways.unit_id`` (and its provider) becomes the last unit, as the store
    records it."""
    rng = np.random.default_rng(seed)
    units = pathways.groupby("unit_id").region_code.first()
    provider = pathways.groupby("unit_id").provider_id.first()
    by_region = {r: sorted(units[units == r].index) for r in units.unique()}
    end = DATA_END
    rows: list[tuple[str, str, dt.date, dt.date | None]] = []
    last_unit: dict[int, str] = {}
    for i, p in enumerate(pathways.itertuples()):
        removed = None if p.removed_on is None or pd.isna(p.removed_on) else p.removed_on
        stop = removed or end
        span = (stop - p.clock_start).days
        if span < 10 or rng.random() >= 0.04:
            continue
        choices = [u for u in by_region[p.region_code] if u != p.unit_id] or [p.unit_id]
        moves = sorted(rng.choice(np.arange(1, span + 1), 1 + int(rng.random() < 0.3), False))
        since = p.clock_start - dt.timedelta(days=int(rng.integers(0, 2) * 5))
        unit = p.unit_id
        for move in moves:
            day = p.clock_start + dt.timedelta(days=int(move))
            rows.append((p.pathway_key, unit, since, day))
            since = day
            unit = str(rng.choice([u for u in choices if u != unit] or choices))
        if rng.random() < 0.1:
            rows.append((p.pathway_key, str(rng.choice(choices)), since, since))  # no length
        rows.append((p.pathway_key, unit, since, None))
        last_unit[i] = unit
    if last_unit:
        index = pathways.index[list(last_unit)]
        pathways.loc[index, "unit_id"] = list(last_unit.values())
        pathways.loc[index, "provider_id"] = [provider[u] for u in last_unit.values()]
    return pd.DataFrame(rows, columns=["pathway_key", "unit_id", "valid_from", "valid_to"])


def handmade_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Eight pathways with answers worked out by hand in the tests, and their units.

    H:7 and H:8 declined the other provider offered after a breach: their guarantee is void.
    H:5 was transferred from U1 to U2 on 2025-03-15 (``pathway_units``); H:6 was briefly
    recorded at U2 and moved back to U1 the same day (a segment of no length).
    """
    d = dt.date
    rows = [
        # key, unit, entry_type, clock_start, removed_on, reason
        ("H:1", "U1", "first_visit", d(2025, 1, 1), None, None),
        ("H:2", "U1", "treatment", d(2025, 1, 1), None, None),
        ("H:3", "U2", "primary_assessment", d(2025, 3, 5), d(2025, 3, 8), "treated"),
        ("H:4", "U1", "first_visit", d(2024, 12, 1), d(2025, 3, 20), "no_longer_needed"),
        ("H:5", "U2", "examination", d(2025, 2, 1), None, None),
        ("H:6", "U1", "first_visit", d(2025, 2, 10), d(2025, 3, 10), "treated"),
        ("H:7", "U2", "treatment", d(2024, 11, 1), None, None),
        ("H:8", "U2", "treatment", d(2024, 10, 1), d(2025, 3, 25), "treated"),
    ]
    pathways = pd.DataFrame(
        {
            "pathway_key": [r[0] for r in rows],
            "patient_pseudonym": ["0" * 32] * len(rows),
            "identity_type": "personnummer",
            "sex": ["F", "M", "F", None, "M", "F", "M", "F"],
            "birth_year": pd.array([1950, 1980, 2000, 1990, 1960, 1970, 1940, 1945], dtype="Int64"),
            "age_at_clock_start": pd.array([74, 45, 25, None, 65, 55, 84, 79], dtype="Int64"),
            "home_municipality": "1980",
            "region_code": "19",
            "provider_id": "P1",
            "unit_id": [r[1] for r in rows],
            "specialty": ["ent", "ent", "general_practice", "ent", "ent", "ent", "ent", "ent"],
            "entry_type": [r[2] for r in rows],
            "priority": pd.array([2, 2, 1, 3, 2, 2, 3, 3], dtype="Int64"),
            "procedure_code": None,
            "clock_start": [r[3] for r in rows],
            "removed_on": [r[4] for r in rows],
            "removal_reason": [r[5] for r in rows],
            "has_pvv": [False, True, False, False, False, False, False, False],
            "has_mov": False,
            "paused_days_total": [0, 10, 0, 0, 0, 0, 0, 0],
            "guarantee_void": [False] * 6 + [True, True],
            # H:7 declines between the February and March month ends, H:8 before removal.
            "guarantee_void_since": [None] * 6 + [d(2025, 3, 10), d(2025, 2, 20)],
        }
    )
    pauses = pd.DataFrame(
        {
            "pathway_key": ["H:2"],
            "reason": ["PVV"],
            "start_date": [d(2025, 2, 1)],
            "end_date": [d(2025, 2, 11)],
        }
    )
    units = pd.DataFrame(
        [
            ("H:1", "U1", d(2025, 1, 1), None),
            ("H:5", "U1", d(2025, 2, 1), d(2025, 3, 15)),
            ("H:5", "U2", d(2025, 3, 15), None),
            ("H:6", "U2", d(2025, 2, 10), d(2025, 2, 10)),
            ("H:6", "U1", d(2025, 2, 10), d(2025, 3, 10)),
        ],
        columns=["pathway_key", "unit_id", "valid_from", "valid_to"],
    )
    return pathways, pauses, units


def _schemas() -> dict[str, pa.Schema]:
    return {
        "pathways": pa.schema(
            [
                ("pathway_key", pa.string()),
                ("patient_pseudonym", pa.string()),
                ("identity_type", pa.string()),
                ("sex", pa.string()),
                ("birth_year", pa.int32()),
                ("age_at_clock_start", pa.int32()),
                ("home_municipality", pa.string()),
                ("region_code", pa.string()),
                ("provider_id", pa.string()),
                ("unit_id", pa.string()),
                ("specialty", pa.string()),
                ("entry_type", pa.string()),
                ("priority", pa.int32()),
                ("procedure_code", pa.string()),
                ("clock_start", pa.date32()),
                ("removed_on", pa.date32()),
                ("removal_reason", pa.string()),
                ("has_pvv", pa.bool_()),
                ("has_mov", pa.bool_()),
                ("paused_days_total", pa.int32()),
                ("guarantee_void", pa.bool_()),
                ("guarantee_void_since", pa.date32()),
            ]
        ),
        "pauses": pa.schema(
            [
                ("pathway_key", pa.string()),
                ("reason", pa.string()),
                ("start_date", pa.date32()),
                ("end_date", pa.date32()),
            ]
        ),
        "pathway_units": pa.schema(
            [
                ("pathway_key", pa.string()),
                ("unit_id", pa.string()),
                ("valid_from", pa.date32()),
                ("valid_to", pa.date32()),
            ]
        ),
    }


def to_arrow(
    pathways: pd.DataFrame, pauses: pd.DataFrame, units: pd.DataFrame | None = None
) -> dict[str, pa.Table]:
    """The frames as Arrow tables with the analytics schema's column types."""
    schemas = _schemas()
    extra = {}
    if units is not None:
        extra["pathway_units"] = pa.Table.from_pandas(
            units[schemas["pathway_units"].names],
            schema=schemas["pathway_units"],
            preserve_index=False,
        )
    return {
        **extra,
        "pathways": pa.Table.from_pandas(
            pathways[schemas["pathways"].names], schema=schemas["pathways"], preserve_index=False
        ),
        "pauses": pa.Table.from_pandas(
            pauses[schemas["pauses"].names], schema=schemas["pauses"], preserve_index=False
        ),
    }
