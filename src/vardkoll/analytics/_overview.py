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

import ibis

from vardkoll.analytics._prepare import IndicatorTables, pause_pieces, prepared_pathways
from vardkoll.analytics._waiting import waiting_rows
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
    guarantee_void: int = 0
    """Waiting with a guarantee void on the date: counted, but neither within nor beyond."""

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


def _snapshot_dates(con: Any, rule_set: str) -> set[dt.date]:
    """The dates ``waiting_snapshots`` covers for ``rule_set`` (none in an older store, nor
    in one from before the snapshots reported void guarantees apart)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'waiting_snapshots'"
        " AND column_name = 'guarantee_void'"
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
           max(limit_days), sum(guarantee_void)
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
    try:
        cell_rows, trend_rows = _replayed(con, as_of, ends, regions, units, rule_set)
    except Exception as exc:
        raise AnalyticsError(
            f"the overview query failed on the analytics store ({type(exc).__name__}); "
            "rebuild it with `vardkoll analytics build`."
        ) from exc
    return _result(as_of, rule_set, cell_rows, trend_rows)


def _replayed(
    con: Any,
    as_of: dt.date,
    ends: list[dt.date],
    regions: list[str] | None,
    units: list[str] | None,
    rule_set: str,
) -> tuple[list[Any], list[Any]]:
    """Cells and trend from every pathway, by the one definition of still waiting."""
    if regions == [] or units == []:
        return [], []
    backend = ibis.duckdb.from_connection(con)
    p = backend.table("pathways")
    if regions is not None:
        p = p.filter(p.region_code.isin(regions))
    if units is not None:
        p = p.filter(p.unit_id.isin(units))  # the unit recorded now, as the scope reads it
    tables = IndicatorTables(pathways=p, pauses=backend.table("pauses"))
    prep, pieces = prepared_pathways(tables, rule_set), pause_pieces(tables)
    parts = []
    for day in sorted({as_of, *ends}):
        rows = waiting_rows(tables, day, rule_set=rule_set, prepared=prep, pieces=pieces)
        judged = rows.limit_days.notnull() & ~rows.void
        parts.append(
            rows.group_by("entry_type", "specialty")
            .aggregate(
                waiting=rows.count(),
                within=(judged & (rows.adjusted_days <= rows.limit_days)).cast("int64").sum(),
                beyond=(judged & (rows.adjusted_days > rows.limit_days)).cast("int64").sum(),
                limit_days=rows.limit_days.max(),
                void=rows.void.cast("int64").sum(),
            )
            .mutate(d=ibis.literal(day, "date"))
        )
    counted = ibis.union(*parts).to_pyarrow().to_pylist()
    by_key = sorted(counted, key=lambda r: (r["d"], r["entry_type"], r["specialty"]))
    cell_rows = [
        (
            r["entry_type"],
            r["specialty"],
            r["waiting"],
            r["within"],
            r["beyond"],
            r["limit_days"],
            r["void"],
        )
        for r in by_key
        if r["d"] == as_of
    ]
    trend: dict[tuple[dt.date, str], list[int]] = {}
    for r in by_key:
        if r["d"] in ends:
            total = trend.setdefault((r["d"], r["entry_type"]), [0, 0, 0])
            total[0] += r["waiting"]
            total[1] += r["within"]
            total[2] += r["within"] + r["beyond"]
    trend_rows = [(d, e, *v) for (d, e), v in sorted(trend.items())]
    return cell_rows, trend_rows


def _result(as_of: dt.date, rule_set: str, cell_rows: list[Any], trend_rows: list[Any]) -> Overview:
    cells = tuple(
        OverviewCell(
            str(e), str(s), int(n), int(w), int(b), None if lim is None else int(lim), int(v or 0)
        )
        for e, s, n, w, b, lim, v in cell_rows
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
