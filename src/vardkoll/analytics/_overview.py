"""The region overview (*lägesbild*): who waits now, how many within the guarantee, and the trend.

One query over the analytics store (docs/reference/analytics-schema.md). The view is the
**pause-adjusted clock** (days waited minus PVV/MOV pauses, docs/explanation/care-guarantee.md, as
:func:`vardkoll.domain.days_waited`), judged by the rule-set version in force on each pathway's
clock-start date. A pathway waits on date ``d`` when ``clock_start <= d`` and it was not removed
on or before ``d``. Pauses of one pathway follow each other in its event history, so they do not
overlap and their clipped lengths add up.

Filters (regions, units) come from the caller's scope; this module never decides who sees what.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from vardkoll.domain import AnalyticsError, rule_set_versions

VIEW = "pause_adjusted"
"""Which clock the overview uses; every table and export says it."""


@dataclass(frozen=True)
class OverviewCell:
    """Still waiting on the date, for one entry type and specialty."""

    entry_type: str
    specialty: str
    waiting: int
    within_limit: int
    beyond_limit: int
    limit_days: int | None

    @property
    def share_within(self) -> float | None:
        """Share (0–1) of those waiting who are within the limit; ``None`` without a limit."""
        judged = self.within_limit + self.beyond_limit
        return self.within_limit / judged if self.limit_days is not None and judged else None


@dataclass(frozen=True)
class TrendPoint:
    """Still waiting at one month end, for one entry type."""

    month_end: dt.date
    entry_type: str
    waiting: int
    within_limit: int
    judged: int

    @property
    def share_within(self) -> float | None:
        """Share (0–1) within the limit, among those the rule set sets a limit for."""
        return self.within_limit / self.judged if self.judged else None


@dataclass(frozen=True)
class Overview:
    """The overview on ``as_of``, with the trend over the month ends before it."""

    as_of: dt.date
    view: str
    rule_set: str
    cells: tuple[OverviewCell, ...]
    trend: tuple[TrendPoint, ...]


def trend_dates(as_of: dt.date, months: int) -> list[dt.date]:
    """``as_of`` and the month ends of the ``months - 1`` months before it, oldest first.

    >>> [d.isoformat() for d in trend_dates(dt.date(2025, 3, 14), 3)]
    ['2025-01-31', '2025-02-28', '2025-03-14']
    """
    ends = [as_of]
    first_of_month = as_of.replace(day=1)
    for _ in range(months - 1):
        end = first_of_month - dt.timedelta(days=1)
        ends.append(end)
        first_of_month = end.replace(day=1)
    return sorted(ends)


def analytics_as_of(con: Any) -> dt.date:
    """The date the analytics store describes (``build_info.as_of``)."""
    try:
        row = con.execute("SELECT max(as_of) FROM build_info").fetchone()
    except Exception as exc:  # duckdb.CatalogException and friends
        raise AnalyticsError(
            "the analytics store has no build_info table; rebuild it with "
            "`vardkoll analytics build`."
        ) from exc
    if row is None or row[0] is None:
        raise AnalyticsError("the analytics store is empty; run `vardkoll analytics build`.")
    value = row[0]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def analytics_regions(con: Any) -> list[str]:
    """The region codes that have pathways in the store."""
    rows = con.execute("SELECT DISTINCT region_code FROM pathways ORDER BY 1").fetchall()
    return [str(r[0]) for r in rows if r[0] is not None]


def limits_cte(rule_set: str) -> tuple[str, list[Any]]:
    """SQL ``lim(valid_from, valid_to, entry_type, limit_days)`` from the dated rule set."""
    values: list[str] = []
    params: list[Any] = []
    for version in rule_set_versions(rule_set):
        for entry_type, limit in version.limits.items():
            values.append("(CAST(? AS DATE), CAST(? AS DATE), ?, CAST(? AS INTEGER))")
            params += [version.valid_from, version.valid_to, entry_type, limit]
    return "lim(valid_from, valid_to, entry_type, limit_days) AS (VALUES " + ", ".join(
        values
    ) + ")", params


def _filter(regions: list[str] | None, units: list[str] | None) -> tuple[str, list[Any]]:
    """``None`` means no restriction; an empty list means nothing."""
    parts: list[str] = []
    params: list[Any] = []
    for column, values in (("region_code", regions), ("unit_id", units)):
        if values is None:
            continue
        if not values:
            return "FALSE", []
        parts.append(f"p.{column} IN ({', '.join('?' for _ in values)})")
        params += list(values)
    return (" AND ".join(parts) or "TRUE"), params


def _waiting_sql(where: str) -> str:
    """Pathways waiting at each date of ``dates(d)``, with pause-adjusted days and limit."""
    return f"""
    waiting AS (
        SELECT d.d, p.pathway_key, p.entry_type, p.specialty, p.clock_start
        FROM pathways p JOIN dates d
          ON p.clock_start <= d.d AND (p.removed_on IS NULL OR p.removed_on > d.d)
        WHERE {where}
    ),
    paused AS (
        SELECT w.d, w.pathway_key,
               SUM(GREATEST(0, date_diff('day', GREATEST(pa.start_date, w.clock_start),
                                         LEAST(COALESCE(pa.end_date, w.d), w.d)))) AS days
        FROM waiting w JOIN pauses pa ON pa.pathway_key = w.pathway_key
        GROUP BY 1, 2
    ),
    judged AS (
        SELECT w.d, w.entry_type, w.specialty, l.limit_days,
               date_diff('day', w.clock_start, w.d) - COALESCE(z.days, 0) AS days_waited
        FROM waiting w
        LEFT JOIN paused z ON z.d = w.d AND z.pathway_key = w.pathway_key
        LEFT JOIN lim l ON l.entry_type = w.entry_type AND w.clock_start >= l.valid_from
             AND (l.valid_to IS NULL OR w.clock_start <= l.valid_to)
    )"""


def _snapshot_dates(con: Any, rule_set: str) -> set[dt.date]:
    """The dates ``waiting_snapshots`` covers for ``rule_set`` (none in an older store)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'waiting_snapshots'"
    ).fetchone()
    if not found or not found[0]:
        return set()
    rows = con.execute(
        "SELECT DISTINCT month_end FROM waiting_snapshots WHERE rule_set = ?", [rule_set]
    ).fetchall()
    return {r[0] for r in rows}


def _from_snapshots(
    con: Any, as_of: dt.date, ends: list[dt.date], where: str, params: list[Any], rule_set: str
) -> tuple[list[Any], list[Any]]:
    """Cells and trend summed from the counts precomputed at build time."""
    cells_sql = f"""
    SELECT entry_type, specialty, sum(waiting), sum(within_limit), sum(beyond_limit),
           max(limit_days)
    FROM waiting_snapshots p WHERE p.rule_set = ? AND p.month_end = ? AND {where}
    GROUP BY 1, 2 ORDER BY 1, 2"""
    trend_sql = f"""
    SELECT month_end, entry_type, sum(waiting), sum(within_limit),
           sum(within_limit + beyond_limit)
    FROM waiting_snapshots p
    WHERE p.rule_set = ? AND p.month_end IN ({", ".join("?" for _ in ends)}) AND {where}
    GROUP BY 1, 2 ORDER BY 1, 2"""
    cell_rows = con.execute(cells_sql, [rule_set, as_of, *params]).fetchall()
    trend_rows = con.execute(trend_sql, [rule_set, *ends, *params]).fetchall()
    return cell_rows, trend_rows


def overview(
    con: Any,
    *,
    as_of: dt.date | None = None,
    regions: list[str] | None = None,
    units: list[str] | None = None,
    rule_set: str = "se-national",
    months: int = 24,
    use_snapshots: bool = True,
) -> Overview:
    """Counts waiting per entry type and specialty on ``as_of`` and the monthly trend.

    ``regions``/``units``: ``None`` = no restriction, ``[]`` = nothing (default deny upstream).
    When the store holds ``waiting_snapshots`` for every date needed (the build date and the
    month ends before it; see docs/reference/analytics-schema.md), they are summed instead of
    replaying every pathway — the same counts, read from thousands of rows instead of
    millions; ``use_snapshots=False`` always replays (the reference the tests compare with).
    """
    as_of = as_of or analytics_as_of(con)
    lim_sql, lim_params = limits_cte(rule_set)
    where, where_params = _filter(regions, units)
    ends = trend_dates(as_of, months)
    try:
        if use_snapshots and {as_of, *ends} <= _snapshot_dates(con, rule_set):
            cell_rows, trend_rows = _from_snapshots(con, as_of, ends, where, where_params, rule_set)
            return _result(as_of, rule_set, cell_rows, trend_rows)
    except Exception as exc:
        raise AnalyticsError(
            f"the overview query failed on the analytics store ({type(exc).__name__}); "
            "rebuild it with `vardkoll analytics build`."
        ) from exc
    cells_sql = f"""
    WITH {lim_sql}, dates(d) AS (VALUES (CAST(? AS DATE))), {_waiting_sql(where)}
    SELECT entry_type, specialty, count(*) AS waiting,
           count(*) FILTER (WHERE limit_days IS NOT NULL AND days_waited <= limit_days),
           count(*) FILTER (WHERE limit_days IS NOT NULL AND days_waited > limit_days),
           max(limit_days)
    FROM judged GROUP BY 1, 2 ORDER BY 1, 2"""
    dates_values = ", ".join("(CAST(? AS DATE))" for _ in ends)
    trend_sql = f"""
    WITH {lim_sql}, dates(d) AS (VALUES {dates_values}), {_waiting_sql(where)}
    SELECT d, entry_type, count(*),
           count(*) FILTER (WHERE limit_days IS NOT NULL AND days_waited <= limit_days),
           count(*) FILTER (WHERE limit_days IS NOT NULL)
    FROM judged GROUP BY 1, 2 ORDER BY 1, 2"""
    try:
        cell_rows = con.execute(cells_sql, [*lim_params, as_of, *where_params]).fetchall()
        trend_rows = con.execute(trend_sql, [*lim_params, *ends, *where_params]).fetchall()
    except Exception as exc:
        raise AnalyticsError(
            f"the overview query failed on the analytics store ({type(exc).__name__}); "
            "rebuild it with `vardkoll analytics build`."
        ) from exc
    return _result(as_of, rule_set, cell_rows, trend_rows)


def _result(as_of: dt.date, rule_set: str, cell_rows: list[Any], trend_rows: list[Any]) -> Overview:
    cells = tuple(
        OverviewCell(str(e), str(s), int(n), int(w), int(b), None if lim is None else int(lim))
        for e, s, n, w, b, lim in cell_rows
    )
    trend = tuple(
        TrendPoint(
            d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)),
            str(e),
            int(n),
            int(w),
            int(j),
        )
        for d, e, n, w, j in trend_rows
    )
    return Overview(as_of=as_of, view=VIEW, rule_set=rule_set, cells=cells, trend=trend)
