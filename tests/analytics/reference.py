"""An independent reference implementation of every indicator, the obvious per-pathway way.

Written apart from the engine on purpose: plain pandas and Python dates, each pathway judged
with :func:`vardkoll.domain.days_waited` and :func:`vardkoll.domain.rule_set_in_force` (the
domain's own rules), every month end computed from scratch, ``numpy.quantile`` for the
percentiles. Slow and clear; the engine must agree with it to the last day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from vardkoll.domain import days_waited, rule_set_in_force

NA = pd.NA


def _age_band(age: object) -> str:
    if age is None or age is pd.NA or (isinstance(age, float) and np.isnan(age)):
        return "unknown"
    a = int(age)  # type: ignore[call-overload]
    for low, high, label in (
        (0, 17, "0-17"),
        (18, 44, "18-44"),
        (45, 64, "45-64"),
        (65, 79, "65-79"),
    ):
        if low <= a <= high:
            return label
    return "80+"


class Reference:
    """The reference over one pair of ``pathways`` and ``pauses`` frames."""

    def __init__(
        self,
        pathways: pd.DataFrame,
        pauses: pd.DataFrame,
        units: pd.DataFrame | None = None,
        rule_set: str = "se-national",
    ):
        self.rule_set = rule_set
        # Transfers: per pathway its units with the day each took over, in order. A unit
        # holds the pathway from its valid_from until the next one's; the first also before.
        self.units: dict[str, list[tuple[dt.date, str]]] = {}
        if units is not None:
            for row in units.sort_values(["pathway_key", "valid_from"]).itertuples():
                ended = row.valid_to is not None and not pd.isna(row.valid_to)
                if ended and row.valid_to <= row.valid_from:
                    continue  # on and off the same day: never held the pathway
                self.units.setdefault(row.pathway_key, []).append((row.valid_from, row.unit_id))
        self.unit_provider = pathways.groupby("unit_id").provider_id.max().to_dict()
        pw = pathways.copy()
        pw["age_band"] = [_age_band(a) for a in pw.age_at_clock_start]
        pw["priority"] = pw.priority.astype("Int64")
        self.pathways = pw
        self.pauses: dict[str, list[tuple[dt.date, dt.date | None, str]]] = {}
        for row in pauses.itertuples():
            self.pauses.setdefault(row.pathway_key, []).append(
                (row.start_date, None if pd.isna(row.end_date) else row.end_date, row.reason)
            )
        self.first_pause = {k: min(p[0] for p in v) for k, v in self.pauses.items()}
        self._limits: dict[tuple[str, dt.date], int | None] = {}

    def limit(self, entry_type: str, start: dt.date) -> int | None:
        key = (entry_type, start)
        if key not in self._limits:
            self._limits[key] = rule_set_in_force(self.rule_set, start).limits[entry_type]
        return self._limits[key]

    def _days(self, key: str, start: dt.date, on: dt.date, adjusted: bool) -> int:
        if adjusted and key in self.pauses:
            return days_waited(start, on, self.pauses[key])
        return (on - start).days

    def _dims_on(self, p: object, by: Sequence[str], on: dt.date) -> dict[str, object]:
        """The cut's values of pathway ``p`` on day ``on``: unit and provider as responsible
        then."""
        dims = {c: getattr(p, c) for c in by}
        history = self.units.get(p.pathway_key)  # type: ignore[attr-defined]
        if history:
            unit = history[0][1]
            for since, name in history:
                if since <= on:
                    unit = name
            if "unit_id" in dims:
                dims["unit_id"] = unit
            if "provider_id" in dims:
                dims["provider_id"] = self.unit_provider.get(unit, dims["provider_id"])
        return dims

    @staticmethod
    def _void(p: Any, on: dt.date) -> bool:
        """Reported apart as void on ``on`` only once the guarantee became void (§1.4)."""
        since = getattr(p, "guarantee_void_since", None)
        return since is not None and not pd.isna(since) and since <= on

    def _apart(self, key: str, on: dt.date) -> bool:
        return key in self.first_pause and self.first_pause[key] <= on

    @staticmethod
    def _stats(
        days: list[int], limits: list[int | None], voids: list[bool], prefix: str
    ) -> dict[str, object]:
        """A void guarantee (DOMAIN.md §1.4) is counted, but never judged against the limit."""
        values = np.array(days, dtype=float)
        judged = [
            (d, lim)
            for d, lim, void in zip(days, limits, voids, strict=True)
            if lim is not None and not void
        ]
        return {
            f"{prefix}_count": len(days),
            f"{prefix}_within_limit_share": (
                sum(d <= lim for d, lim in judged) / len(judged) if judged else np.nan
            ),
            f"{prefix}_beyond_limit_count": sum(d > lim for d, lim in judged) if judged else NA,
            f"{prefix}_guarantee_void_count": sum(voids),
            f"{prefix}_median_days": float(np.quantile(values, 0.5)),
            f"{prefix}_p90_days": float(np.quantile(values, 0.9)),
        }

    def _group(self, rows: list[dict[str, object]], keys: list[str], prefix: str) -> pd.DataFrame:
        buckets: dict[tuple[object, ...], tuple[list[int], list[int | None], list[bool]]] = {}
        for row in rows:
            k = tuple(None if pd.isna(row[c]) else row[c] for c in keys)  # type: ignore[call-overload]
            days, limits, voids = buckets.setdefault(k, ([], [], []))
            days.append(row["days"])  # type: ignore[arg-type]
            limits.append(row["limit"])  # type: ignore[arg-type]
            voids.append(bool(row["void"]))
        out = []
        for k, (days, limits, voids) in buckets.items():
            out.append(
                {**dict(zip(keys, k, strict=True)), **self._stats(days, limits, voids, prefix)}
            )
        return pd.DataFrame(out, columns=[*keys, *self._stats([0], [None], [False], prefix)])

    def waiting(self, on: dt.date, by: Sequence[str]) -> pd.DataFrame:
        rows = []
        for p in self.pathways.itertuples():
            if p.clock_start > on or (
                p.removed_on is not None and not pd.isna(p.removed_on) and p.removed_on <= on
            ):
                continue
            dims = self._dims_on(p, by, on)
            limit = self.limit(p.entry_type, p.clock_start)
            rows.append(
                {
                    **dims,
                    "view": "national",
                    "wait_group": "pvv_mov" if self._apart(p.pathway_key, on) else "standard",
                    "days": self._days(p.pathway_key, p.clock_start, on, False),
                    "limit": limit,
                    "void": self._void(p, on),
                }
            )
            rows.append(
                {
                    **dims,
                    "view": "pause_adjusted",
                    "wait_group": "all",
                    "days": self._days(p.pathway_key, p.clock_start, on, True),
                    "limit": limit,
                    "void": self._void(p, on),
                }
            )
        frame = self._group(rows, [*by, "view", "wait_group"], "waiting")
        frame["on"] = on
        return frame

    def completed(self, start: dt.date, end: dt.date, by: Sequence[str]) -> pd.DataFrame:
        rows = []
        for p in self.pathways.itertuples():
            r = p.removed_on
            if r is None or pd.isna(r) or not (start <= r <= end):
                continue
            dims = self._dims_on(p, by, r)  # the unit responsible on the removal day
            outcome = "treated" if p.removal_reason == "treated" else "removed_other"
            limit = self.limit(p.entry_type, p.clock_start)
            rows.append(
                {
                    **dims,
                    "outcome": outcome,
                    "view": "national",
                    "wait_group": "pvv_mov" if self._apart(p.pathway_key, r) else "standard",
                    "days": (r - p.clock_start).days,
                    "limit": limit,
                    "void": self._void(p, r),
                }
            )
            rows.append(
                {
                    **dims,
                    "outcome": outcome,
                    "view": "pause_adjusted",
                    "wait_group": "all",
                    "days": self._days(p.pathway_key, p.clock_start, r, True),
                    "limit": limit,
                    "void": self._void(p, r),
                }
            )
        frame = self._group(rows, [*by, "outcome", "view", "wait_group"], "completed")
        frame["period_start"], frame["period_end"] = start, end
        return frame

    def flows(self, start: dt.date, end: dt.date, by: Sequence[str]) -> pd.DataFrame:
        """Pathway by pathway: the queue the evening before ``start`` and at ``end`` on the
        unit of that day; a clock start on the unit of its day, a removal on the unit of its
        day; a transfer wherever the unit of day t − 1 and of day t differ while waiting."""
        zero = dict.fromkeys(
            (
                "queue_start",
                "inflow",
                "outflow_treated",
                "outflow_removed_other",
                "transferred_in",
                "transferred_out",
                "queue_end",
            ),
            0,
        )
        totals: dict[tuple[object, ...], dict[str, int]] = {}
        keys = list(by)

        def add(dims: dict[str, object], column: str) -> None:
            k = tuple(None if pd.isna(dims[c]) else dims[c] for c in keys)  # type: ignore[call-overload]
            totals.setdefault(k, dict(zero))[column] += 1

        eve = start - dt.timedelta(days=1)
        for p in self.pathways.itertuples():
            s = p.clock_start
            r = None if p.removed_on is None or pd.isna(p.removed_on) else p.removed_on
            for day, column in ((eve, "queue_start"), (end, "queue_end")):
                if s <= day and (r is None or r > day):
                    add(self._dims_on(p, by, day), column)
            if start <= s <= end:
                add(self._dims_on(p, by, s), "inflow")
            if r is not None and start <= r <= end:
                treated = p.removal_reason == "treated"
                add(
                    self._dims_on(p, by, r),
                    "outflow_treated" if treated else "outflow_removed_other",
                )
            history = self.units.get(p.pathway_key, [])
            for since in sorted({day for day, _ in history}):
                if s < since <= (r or dt.date.max) and start <= since <= end:
                    before = self._dims_on(p, by, since - dt.timedelta(days=1))
                    after = self._dims_on(p, by, since)
                    if before != after:
                        add(before, "transferred_out")
                        add(after, "transferred_in")
        out = pd.DataFrame(
            [{**dict(zip(keys, k, strict=True)), **v} for k, v in totals.items()],
            columns=[*keys, *zero],
        )
        out["outflow"] = out.outflow_treated + out.outflow_removed_other
        out["net_change"] = out.inflow + out.transferred_in - out.outflow - out.transferred_out
        keep = (
            (out.queue_start != 0)
            | (out.queue_end != 0)
            | (out.inflow != 0)
            | (out.outflow != 0)
            | (out.transferred_in != 0)
            | (out.transferred_out != 0)
        )
        out = out[keep].copy()
        out["period_start"], out["period_end"] = start, end
        return out

    def primary_care(self, start: dt.date, end: dt.date, by: Sequence[str]) -> pd.DataFrame:
        buckets: dict[tuple[object, ...], dict[str, list[int]]] = {}
        for p in self.pathways.itertuples():
            r = p.removed_on
            if (
                r is None
                or pd.isna(r)
                or not (start <= r <= end)
                or p.removal_reason != "treated"
                or p.entry_type not in ("primary_assessment", "primary_contact")
            ):
                continue
            k = tuple(None if pd.isna(getattr(p, c)) else getattr(p, c) for c in by)
            b = buckets.setdefault(k, {"a": [], "c": []})
            days = (r - p.clock_start).days
            if p.entry_type == "primary_assessment":
                b["a"].append(int(days <= self.limit(p.entry_type, p.clock_start)))
            else:
                b["c"].append(int(days == 0))
        rows = [
            {
                **dict(zip(by, k, strict=True)),
                "view": "national",
                "primary_assessment_count": len(b["a"]),
                "primary_assessment_within_limit_share": np.mean(b["a"]) if b["a"] else np.nan,
                "primary_contact_count": len(b["c"]),
                "primary_contact_same_day_share": np.mean(b["c"]) if b["c"] else np.nan,
            }
            for k, b in buckets.items()
        ]
        frame = pd.DataFrame(rows)
        frame["period_start"], frame["period_end"] = start, end
        return frame

    def capacity(self, on: dt.date, by: Sequence[str]) -> pd.DataFrame:
        recent_from = on - dt.timedelta(days=55)
        limits = rule_set_in_force(self.rule_set, on).limits
        buckets: dict[tuple[object, ...], dict[str, float]] = {}

        def bucket(p: object, day: dt.date) -> dict[str, float]:
            """The counters of the cut ``p`` belongs to on ``day`` (its unit of the day)."""
            dims = self._dims_on(p, by, day)
            k = tuple(None if pd.isna(dims[c]) else dims[c] for c in by)  # type: ignore[call-overload]
            return buckets.setdefault(k, {"q": 0, "w": 0, "d": 0, "c": 0})

        for p in self.pathways.itertuples():
            r = None if p.removed_on is None or pd.isna(p.removed_on) else p.removed_on
            if p.clock_start <= on and (r is None or r > on):
                b = bucket(p, on)
                b["q"] += 1
                b["w"] += (on - p.clock_start).days
            if recent_from <= p.clock_start <= on:
                bucket(p, p.clock_start)["d"] += 1
            # A pathway transferred in while waiting is demand on the unit receiving it.
            for since in sorted({day for day, _ in self.units.get(p.pathway_key, [])}):
                if p.clock_start < since <= (r or dt.date.max) and recent_from <= since <= on:
                    before = self._dims_on(p, by, since - dt.timedelta(days=1))
                    if before != self._dims_on(p, by, since):
                        bucket(p, since)["d"] += 1
            if r is not None and recent_from <= r <= on and p.removal_reason == "treated":
                bucket(p, r)["c"] += 1
        rows = []
        for k, b in buckets.items():
            if not (b["q"] or b["d"] or b["c"]):
                continue
            dims = dict(zip(by, k, strict=True))
            limit = limits[dims["entry_type"]]  # type: ignore[index]
            demand, capacity = b["d"] / 8, b["c"] / 8
            mean_wait = b["w"] / b["q"] if b["q"] else np.nan
            estimate = 7 * b["q"] / capacity if capacity else np.nan
            rows.append(
                {
                    **dims,
                    "view": "national",
                    "queue_count": b["q"],
                    "demand_per_week": demand,
                    "capacity_per_week": capacity,
                    "load": demand / capacity if capacity else np.nan,
                    "mean_wait_days": mean_wait,
                    "limit_days": limit,
                    "pressure": 2 * mean_wait / limit if limit else np.nan,
                    "estimated_wait_days": estimate,
                    "spare_capacity": (
                        NA if limit is None or np.isnan(estimate) else bool(estimate <= 0.5 * limit)
                    ),
                    "method": (
                        "queue ahead ÷ treated per week over the last 8 weeks (first-come order)"
                    ),
                }
            )
        frame = pd.DataFrame(rows)
        frame["on"] = on
        return frame
