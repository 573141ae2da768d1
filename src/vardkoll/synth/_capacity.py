"""Production per unit and week, and operating-theatre sessions.

**Production** is counted, not invented: ``performed`` is the number of pathways a unit
removed as *treated* in the ISO week — exactly what the waiting list shows — so production
and waiting times can never disagree. ``planned`` is the unit's usual weekly level (its mean
over ordinary weeks) with the planned holiday reductions: 45 % of normal in weeks 27–32 and
55 % in the Christmas weeks. The eight weeks after the as-of date carry a plan only.

**Theatre sessions** run on weekdays in every theatre of a hospital, a full day (480 minutes)
or two half days; most theatres close in the summer weeks and at Christmas. Each session goes
to a specialty in proportion to that hospital's operations in the pathways, and a few are
cancelled.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from vardkoll.domain import ENTRY_TYPES
from vardkoll.ingest import column_names
from vardkoll.synth._calendar import (
    IntArray,
    from_day_number,
    is_christmas,
    is_summer,
    iso_week_labels,
    weekday,
)
from vardkoll.synth._codes import SPECIALTY_INDEX
from vardkoll.synth._organisation import Organisation
from vardkoll.synth._pathways import Horizon
from vardkoll.synth._writer import coded

__all__ = [
    "FUTURE_WEEKS",
    "PRODUCTION_COLUMNS",
    "THEATRE_COLUMNS",
    "ProductionCounter",
    "theatre_sessions",
]

PRODUCTION_COLUMNS = column_names("production")
THEATRE_COLUMNS = column_names("theatre_sessions")
FUTURE_WEEKS = 8
_SURGICAL = (
    "orthopaedics",
    "general_surgery",
    "ent",
    "ophthalmology",
    "gynaecology",
    "urology",
    "plastic_surgery",
    "vascular_surgery",
)


def _monday(day: IntArray) -> IntArray:
    return np.asarray(day - weekday(day), dtype=np.int64)


class ProductionCounter:
    """Counts treated removals per (unit, entry type, ISO week) across chunks of a region."""

    def __init__(self, org: Organisation, horizon: Horizon) -> None:
        self.org = org
        # The first whole week of the history (a partial first week would look like a dip).
        self.first_monday = int(_monday(np.array([horizon.window_start + 6]))[0])
        self.last_monday = int(_monday(np.array([horizon.as_of]))[0])
        self.n_weeks = (self.last_monday - self.first_monday) // 7 + 1
        self.counts = np.zeros((len(org.units), len(ENTRY_TYPES), self.n_weeks), dtype=np.int64)

    def add(self, unit: IntArray, entry: npt.NDArray[np.int8], day: IntArray) -> None:
        """Count removals (already filtered to *treated* and dated within the history)."""
        week = (_monday(day) - self.first_monday) // 7
        ok = (week >= 0) & (week < self.n_weeks)
        np.add.at(self.counts, (unit[ok], entry[ok].astype(np.int64), week[ok]), 1)

    def table(self) -> pa.Table:
        """The production file: counted weeks, then planned-only future weeks."""
        n_all = self.n_weeks + FUTURE_WEEKS
        mondays = self.first_monday + 7 * np.arange(n_all, dtype=np.int64)
        labels = iso_week_labels(mondays)
        summer = is_summer(mondays + 3)
        christmas = is_christmas(mondays) | is_christmas(mondays + 6)
        plan_factor = np.where(summer, 0.45, np.where(christmas, 0.55, 1.0))
        ordinary = plan_factor[: self.n_weeks] == 1.0
        units, entries = np.nonzero(self.counts.sum(axis=2) > 0)
        rows_unit, rows_entry, rows_week, planned, performed = [], [], [], [], []
        for u, e in zip(units.tolist(), entries.tolist(), strict=True):
            series = self.counts[u, e]
            level = series[ordinary].mean() * 1.04
            plan = np.round(level * plan_factor).astype(np.int64)
            rows_unit.append(np.full(n_all, u))
            rows_entry.append(np.full(n_all, e))
            rows_week.append(np.arange(n_all))
            planned.append(plan)
            performed.append(np.r_[series, np.full(FUTURE_WEEKS, -1)])
        unit = np.concatenate(rows_unit) if rows_unit else np.zeros(0, np.int64)
        entry = np.concatenate(rows_entry) if rows_entry else np.zeros(0, np.int64)
        week = np.concatenate(rows_week) if rows_week else np.zeros(0, np.int64)
        done = np.concatenate(performed) if performed else np.zeros(0, np.int64)
        return pa.table(
            {
                "unit_id": coded(unit, [x.unit_id for x in self.org.units]),
                "entry_type": coded(entry, list(ENTRY_TYPES)),
                "week": coded(week, labels),
                "planned": pa.array(
                    np.concatenate(planned).astype(np.int32) if planned else np.zeros(0, np.int32)
                ),
                "performed": pa.array(np.maximum(done, 0).astype(np.int32), mask=done < 0),
            }
        )


def theatre_sessions(
    org: Organisation,
    horizon: Horizon,
    operations: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> pa.Table:
    """Weekday sessions in every theatre over the history.

    ``operations[hospital, specialty]`` (specialty as indexed in ``SPECIALTY_CODES``) is how
    many treatments that hospital's clinics performed; it sets each specialty's share of the
    hospital's sessions.
    """
    days = np.arange(horizon.window_start, horizon.as_of + 1, dtype=np.int64)
    days = days[weekday(days) < 5]
    open_share = np.where(is_summer(days), 0.35, np.where(is_christmas(days), 0.5, 1.0))
    parts: dict[str, list[npt.NDArray[np.generic]]] = {
        k: [] for k in ("day", "hospital", "theatre", "half", "unit", "specialty")
    }
    for h, hospital in enumerate(org.hospitals):
        specialties = [
            s
            for s in _SURGICAL
            if any(u.kind == "clinic" and u.hospital == h and s in u.specialties for u in org.units)
        ]
        if not specialties or hospital.theatres == 0:
            continue
        weight = np.array([operations[h, SPECIALTY_INDEX[s]] + 1.0 for s in specialties])
        units = np.array([org.unit_of(h, s) for s in specialties], dtype=np.int64)
        for theatre in range(hospital.theatres):
            running = rng.random(days.size) < open_share
            day = days[running]
            split = rng.random(day.size) < 0.15
            day = np.concatenate([day, day[split]])
            half = np.concatenate([np.where(split, 1, 0), np.full(int(split.sum()), 2)])
            pick = rng.choice(len(specialties), size=day.size, p=weight / weight.sum())
            parts["day"].append(day)
            parts["hospital"].append(np.full(day.size, h))
            parts["theatre"].append(np.full(day.size, theatre + 1))
            parts["half"].append(half)
            parts["unit"].append(units[pick])
            parts["specialty"].append(np.array(specialties)[pick])
    col = {k: np.concatenate(v) for k, v in parts.items()}
    order = np.lexsort((col["half"], col["theatre"], col["hospital"], col["day"]))
    col = {k: v[order] for k, v in col.items()}
    n = order.size
    planned = np.where(col["half"] == 0, 480, 240)
    cancelled = rng.random(n) < 0.03
    used = np.round(planned * np.clip(rng.normal(0.86, 0.09, n), 0.4, 1.1)).astype(np.int64)
    used = np.where(cancelled, 0, used)
    code = np.array([h.code for h in org.hospitals])[col["hospital"].astype(np.int64)]
    theatre_id = np.char.add(np.char.add(code, "-OP"), col["theatre"].astype(str))
    suffix = np.array(["", "A", "B"])[col["half"].astype(np.int64)]
    dates = np.array([from_day_number(int(d)).isoformat() for d in np.unique(col["day"])])
    date_text = dates[np.searchsorted(np.unique(col["day"]), col["day"])]
    session_id = np.char.add(
        np.char.add(np.char.add(np.char.add(f"OP{org.region_code}-", code), "-"), date_text),
        np.char.add(np.char.add("-", col["theatre"].astype(str)), suffix),
    )
    return pa.table(
        {
            "session_id": pa.array(session_id.tolist()),
            "unit_id": coded(col["unit"].astype(np.int64), [u.unit_id for u in org.units]),
            "theatre_id": pa.array(theatre_id.tolist()),
            "date": pa.array(col["day"].astype(np.int32)).cast(pa.date32()),
            "specialty": pa.array(col["specialty"].tolist()),
            "planned_minutes": pa.array(planned.astype(np.int32)),
            "used_minutes": pa.array(used.astype(np.int32)),
            "cancelled": pa.array(cancelled.astype(np.int8)),
        }
    )
