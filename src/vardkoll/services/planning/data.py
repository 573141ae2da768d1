"""What the planner reads from the analytics store, per unit × specialty × entry type.

Everything here is a count or a rate: weekly clock starts, the list on a date as weeks waited
and priorities (an :class:`~vardkoll.planning.InitialList`, no pathway keys or pseudonyms),
removals without treatment per patient-week, treated patients per week. Every query takes the
caller's scope as a ``WHERE`` fragment (:meth:`Scope.duckdb_where`), so a unit outside it simply
has no rows. A pathway belongs to the unit responsible now (or at removal), as in the
overview; the clock is pause-adjusted (docs/explanation/care-guarantee.md).

Weeks are ISO weeks labelled by their Monday; a week counts only once it is complete on the
store's date, so a half week never looks like a drop in demand.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from vardkoll.analytics import still_waiting_sql
from vardkoll.domain import rule_set_in_force
from vardkoll.planning import GUARANTEE_WEEKS, InitialList

__all__ = [
    "PLANNED_ENTRY_TYPES",
    "PRIORITIES",
    "PlanningKey",
    "PlanningRates",
    "WaitingSnapshot",
    "last_complete_monday",
    "planning_keys",
    "planning_rates",
    "waiting_snapshot",
    "weekly_inflow",
    "weekly_treated",
]

PRIORITIES = 4
"""Priorities 1 (most urgent) … 4 in the data are queues' priority indices 0 … 3."""
_NO_PRIORITY = 4
"""A pathway without a priority is booked as the least urgent."""
_DEFAULT_PAUSE_DAYS = 28
PLANNED_ENTRY_TYPES = ("first_visit", "examination", "treatment")
"""Waiting-list queues of specialised care; primary-care contacts are same-day, not a list."""
HISTORY_WEEKS = 156
"""Three years of weekly history: two for the seasonal baseline, one to backtest."""


@dataclass(frozen=True)
class PlanningKey:
    """One queue the planner works on."""

    unit_id: str
    specialty: str
    entry_type: str

    def params(self) -> list[str]:
        return [self.unit_id, self.specialty, self.entry_type]


@dataclass(frozen=True)
class PlanningChoice:
    """A queue the user may plan, with what it is called and how many wait now."""

    key: PlanningKey
    region_code: str
    unit_name: str
    waiting: int


def _key_sql(table: str = "p") -> str:
    return f"{table}.unit_id = ? AND {table}.specialty = ? AND {table}.entry_type = ?"


def last_complete_monday(as_of: dt.date) -> dt.date:
    """The Monday of the last ISO week that is complete on ``as_of`` (a Sunday completes it).

    >>> last_complete_monday(dt.date(2025, 3, 30)).isoformat()  # a Sunday
    '2025-03-24'
    >>> last_complete_monday(dt.date(2025, 3, 31)).isoformat()  # a Monday
    '2025-03-24'
    """
    monday = as_of - dt.timedelta(days=as_of.weekday())
    return monday if as_of.weekday() == 6 else monday - dt.timedelta(weeks=1)


def planning_keys(
    con: Any, where: str, params: list[Any], *, as_of: dt.date
) -> list[PlanningChoice]:
    """The specialised-care queues in scope (``where`` on ``pathways p``) with clock starts in
    the last year."""
    rows = con.execute(
        f"""
        SELECT p.unit_id, p.specialty, p.entry_type, any_value(p.region_code),
               coalesce(any_value(u.unit_name), p.unit_id),
               count(sw.pathway_key)
        FROM pathways p LEFT JOIN units u ON u.unit_id = p.unit_id
        LEFT JOIN ({still_waiting_sql(as_of)}) sw ON sw.pathway_key = p.pathway_key
        WHERE ({where}) AND p.entry_type IN ({", ".join("?" for _ in PLANNED_ENTRY_TYPES)})
        GROUP BY 1, 2, 3
        HAVING count(*) FILTER (WHERE p.clock_start > ? - INTERVAL 365 DAY
                                AND p.clock_start <= ?) > 0
        ORDER BY 5, 2, 3""",
        [*params, *PLANNED_ENTRY_TYPES, as_of, as_of],
    ).fetchall()
    return [
        PlanningChoice(PlanningKey(str(u), str(s), str(e)), str(r), str(n), int(w))
        for u, s, e, r, n, w in rows
    ]


def weekly_inflow(
    con: Any, key: PlanningKey, where: str, params: list[Any], *, as_of: dt.date
) -> pd.DataFrame:
    """Clock starts per ISO week (``week_start``, ``inflow``), zero-filled, complete weeks only.

    At most :data:`HISTORY_WEEKS` weeks, from the first week with a clock start.
    """
    last = last_complete_monday(as_of)
    first = last - dt.timedelta(weeks=HISTORY_WEEKS - 1)
    rows = con.execute(
        f"""
        SELECT CAST(date_trunc('week', p.clock_start) AS DATE) AS w, count(*)
        FROM pathways p
        WHERE {_key_sql()} AND ({where}) AND p.clock_start >= ? AND p.clock_start < ?
        GROUP BY 1 ORDER BY 1""",
        [*key.params(), *params, first, last + dt.timedelta(weeks=1)],
    ).fetchall()
    counts = {_as_date(w): int(n) for w, n in rows}
    if not counts:
        return pd.DataFrame({"week_start": pd.Series([], dtype=object), "inflow": []})
    start = min(counts)
    weeks = [start + dt.timedelta(weeks=k) for k in range((last - start).days // 7 + 1)]
    return pd.DataFrame({"week_start": weeks, "inflow": [counts.get(w, 0) for w in weeks]})


def weekly_treated(
    con: Any,
    key: PlanningKey,
    where: str,
    params: list[Any],
    *,
    first: dt.date,
    last: dt.date,
) -> pd.DataFrame:
    """Pathways removed as treated per ISO week from Monday ``first`` to Monday ``last``."""
    rows = con.execute(
        f"""
        SELECT CAST(date_trunc('week', p.removed_on) AS DATE), count(*)
        FROM pathways p
        WHERE {_key_sql()} AND ({where}) AND p.removal_reason = 'treated'
          AND p.removed_on >= ? AND p.removed_on < ?
        GROUP BY 1""",
        [*key.params(), *params, first, last + dt.timedelta(weeks=1)],
    ).fetchall()
    counts = {_as_date(w): int(n) for w, n in rows}
    weeks = [first + dt.timedelta(weeks=k) for k in range(max(0, (last - first).days // 7 + 1))]
    return pd.DataFrame({"week_start": weeks, "treated": [counts.get(w, 0) for w in weeks]})


@dataclass(frozen=True)
class WaitingSnapshot:
    """The list on ``on``: the simulation's start, and the counts a planner reads off it."""

    on: dt.date
    initial: InitialList
    guarantee_weeks: float
    limit_days: int | None
    waiting: int
    paused: int
    beyond: int

    @property
    def share_within(self) -> float:
        """Share of bookable patients within the guarantee (1.0 for an empty list)."""
        bookable = self.waiting - self.paused
        return 1.0 - self.beyond / bookable if bookable else 1.0


def guarantee_for(entry_type: str, on: dt.date, rule_set: str = "se-national") -> int | None:
    """The limit in days for ``entry_type`` on ``on`` (``None`` where the rules set none)."""
    try:
        return rule_set_in_force(rule_set, on).limits.get(entry_type)
    except Exception:  # an unknown rule set or entry type: no limit to plan against
        return None


def waiting_snapshot(
    con: Any, key: PlanningKey, where: str, params: list[Any], *, on: dt.date
) -> WaitingSnapshot:
    """The list on ``on`` as an :class:`InitialList` (one queue, priorities 0 … 3).

    Weeks waited are the pause-adjusted days divided by 7, floored. A patient paused on ``on``
    comes back after the typical length of this queue's finished pauses (median, before
    ``on``) less the time already paused, at least one week: only what was known on ``on``.
    """
    rows = con.execute(
        f"""
        WITH w AS (
            SELECT p.pathway_key, p.clock_start, coalesce(p.priority, {_NO_PRIORITY}) AS prio
            FROM pathways p
            WHERE {_key_sql()} AND ({where})
              AND p.pathway_key IN ({still_waiting_sql(on)})
        ),
        z AS (
            SELECT w.pathway_key,
                   sum(greatest(0, date_diff('day', greatest(pa.start_date, w.clock_start),
                                             least(coalesce(pa.end_date, ?), ?)))) AS paused,
                   max(CASE WHEN pa.start_date <= ? AND (pa.end_date IS NULL OR pa.end_date > ?)
                            THEN date_diff('day', pa.start_date, ?) END) AS elapsed
            FROM w JOIN pauses pa ON pa.pathway_key = w.pathway_key
            GROUP BY 1
        )
        SELECT date_diff('day', w.clock_start, ?) - coalesce(z.paused, 0), w.prio, z.elapsed
        FROM w LEFT JOIN z ON z.pathway_key = w.pathway_key""",
        [*key.params(), *params, on, on, on, on, on, on],
    ).fetchall()
    typical = _typical_pause_days(con, key, where, params, on=on, reason=None)
    days = np.array([r[0] for r in rows], dtype=np.float64)
    prio = np.clip(np.array([int(r[1]) for r in rows], dtype=np.int64), 1, PRIORITIES) - 1
    elapsed = np.array([-1.0 if r[2] is None else float(r[2]) for r in rows])
    paused = elapsed >= 0
    left = np.where(paused, np.ceil(np.maximum(7.0, typical - elapsed) / 7.0), 0).astype(np.int64)
    weeks = np.floor(np.maximum(days, 0.0) / 7.0)
    limit = guarantee_for(key.entry_type, on)
    guarantee = limit / 7 if limit else GUARANTEE_WEEKS
    beyond = int(np.sum(~paused & (np.maximum(days, 0) > (limit if limit else 90))))
    return WaitingSnapshot(
        on=on,
        initial=InitialList.from_arrays(np.zeros(len(rows), np.int64), weeks, prio, left),
        guarantee_weeks=guarantee,
        limit_days=limit,
        waiting=len(rows),
        paused=int(paused.sum()),
        beyond=beyond,
    )


def _typical_pause_days(
    con: Any,
    key: PlanningKey,
    where: str,
    params: list[Any],
    *,
    on: dt.date,
    reason: str | None,
) -> float:
    """Median length (days) of this queue's pauses finished before ``on``, last year."""
    reason_sql = "AND pa.reason = ?" if reason else ""
    row = con.execute(
        f"""
        SELECT median(date_diff('day', pa.start_date, pa.end_date))
        FROM pauses pa JOIN pathways p ON p.pathway_key = pa.pathway_key
        WHERE {_key_sql()} AND ({where}) AND pa.end_date IS NOT NULL AND pa.end_date <= ?
          AND pa.end_date > ? - INTERVAL 365 DAY {reason_sql}""",
        [*key.params(), *params, on, on, *([reason] if reason else [])],
    ).fetchone()
    value = None if row is None else row[0]
    return float(value) if value is not None and value > 0 else float(_DEFAULT_PAUSE_DAYS)


@dataclass(frozen=True)
class PlanningRates:
    """What the region measured over the ``weeks`` weeks before ``on``.

    ``removal_rate``: removals without treatment per waiting patient-week;
    ``treated_per_week``: mean treated removals per week (recent production);
    ``decline_share``: patient-chosen waits (PVV pauses started) per offer, where offers are
    treated removals plus PVV pauses; ``pause_weeks``: typical PVV length in whole weeks;
    ``priority_shares``: share of clock starts per priority 1 … 4 over the last year.
    """

    weeks: int
    removal_rate: float
    treated_per_week: float
    decline_share: float
    pause_weeks: int
    priority_shares: tuple[float, ...]


def planning_rates(
    con: Any, key: PlanningKey, where: str, params: list[Any], *, on: dt.date, weeks: int = 26
) -> PlanningRates:
    """Rates measured over the ``weeks`` weeks (days ``on - 7·weeks`` … ``on - 1``)."""
    start = on - dt.timedelta(weeks=weeks)
    row = con.execute(
        f"""
        SELECT
          count(*) FILTER (WHERE p.removed_on >= ? AND p.removed_on < ?
                           AND p.removal_reason IS DISTINCT FROM 'treated'),
          count(*) FILTER (WHERE p.removed_on >= ? AND p.removed_on < ?
                           AND p.removal_reason = 'treated'),
          sum(greatest(0, date_diff('day', greatest(p.clock_start, ?),
                                    least(coalesce(p.removed_on, ?), ?))))
        FROM pathways p
        WHERE {_key_sql()} AND ({where}) AND p.clock_start < ?
          AND (p.removed_on IS NULL OR p.removed_on >= ?)""",
        [start, on, start, on, start, on, on, *key.params(), *params, on, start],
    ).fetchone()
    untreated, treated, waiting_days = (0, 0, 0) if row is None else row
    patient_weeks = float(waiting_days or 0) / 7.0
    rate = float(untreated or 0) / patient_weeks if patient_weeks > 0 else 0.0
    pvv_row = con.execute(
        f"""
        SELECT count(*) FROM pauses pa JOIN pathways p ON p.pathway_key = pa.pathway_key
        WHERE {_key_sql()} AND ({where}) AND pa.reason = 'PVV'
          AND pa.start_date >= ? AND pa.start_date < ?""",
        [*key.params(), *params, start, on],
    ).fetchone()
    pvv = int(pvv_row[0]) if pvv_row else 0
    offers = int(treated or 0) + pvv
    pause_days = _typical_pause_days(con, key, where, params, on=on, reason="PVV")
    prio_rows = con.execute(
        f"""
        SELECT coalesce(p.priority, {_NO_PRIORITY}), count(*) FROM pathways p
        WHERE {_key_sql()} AND ({where}) AND p.clock_start >= ? - INTERVAL 365 DAY
          AND p.clock_start < ?
        GROUP BY 1""",
        [*key.params(), *params, on, on],
    ).fetchall()
    counts = np.zeros(PRIORITIES)
    for prio, n in prio_rows:
        counts[min(max(int(prio), 1), PRIORITIES) - 1] += int(n)
    shares = counts / counts.sum() if counts.sum() else np.full(PRIORITIES, 1 / PRIORITIES)
    return PlanningRates(
        weeks=weeks,
        removal_rate=min(rate, 0.5),
        treated_per_week=float(treated or 0) / weeks,
        decline_share=min(pvv / offers, 0.5) if offers else 0.0,
        pause_weeks=max(1, math.ceil(pause_days / 7)),
        priority_shares=tuple(float(s) for s in shares),
    )


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
