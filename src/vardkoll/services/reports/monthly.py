"""The monthly report of one region, for the dialogue with the national authority (issue 05).

One function, :func:`monthly_report`, computes everything the report shows for a region and a
month — still waiting at the month end per specialty and entry type, completed (treated and
removed for other reasons apart), inflow, outflow and net change, SPC trends over up to 36
months, a fair comparison of the region's units and of the region with all regions of the
store, and the facts behind a generated "what changed" text — and masks every table for
leaving the region (:mod:`.monthly_report_masking`). The renderers
(:mod:`.monthly_report_render`) only lay out what this module publishes, so a PDF and a
workbook of the same report cannot disagree or leak a masked cell.

The numbers come from the engine's public functions (:func:`~vardkoll.analytics.waiting_at`,
:func:`~vardkoll.analytics.flows_between`, :func:`~vardkoll.analytics.series_for_cut`...);
every table uses the pause-adjusted clock and says so.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping

import ibis
import numpy as np
import pandas as pd

from vardkoll.analytics import (
    IndicatorTables,
    flows_between,
    series_for_cut,
    tables_from,
    waiting_at,
)
from vardkoll.domain import InputError, StoreError
from vardkoll.services.reports.grids import (
    beyond_grids,
    entry_order,
    flows_table,
    total_row_mask,
    waiting_grids,
)
from vardkoll.services.reports.model import (
    VIEW,
    MonthlyReport,
    ReportTable,
)
from vardkoll.services.reports.tables import (
    completed_table,
    funnel_table,
    national_table,
    stats_table,
)
from vardkoll.services.reports.text import (
    Change,
    entry_name,
    specialty_name,
)
from vardkoll.services.reports.trend import spc_table
from vardkoll.settings import Settings

__all__ = ["monthly_report", "parse_month", "report_for", "store_summary"]

Progress = Callable[[str], None]
_REGION_KEYS = ("region_code",)


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` → the first day of that month (clear error otherwise).

    >>> parse_month("2025-06")
    datetime.date(2025, 6, 1)
    """
    try:
        year, month = (int(part) for part in text.split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise InputError(
            f"The month must be written YYYY-MM, such as 2025-06; got {text!r}.", field="month"
        ) from None


def _month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _pause_adjusted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["view"].astype(str) == VIEW].reset_index(drop=True)


def _checked(tables: IndicatorTables, region: str, month: dt.date, as_of: dt.date) -> None:
    end = _month_end(month)
    if end > as_of:
        raise InputError(
            f"{month:%Y-%m} is not complete in the analytics store (data up to "
            f"{as_of.isoformat()}); pick an earlier month.",
            field="month",
        )
    p = tables.pathways
    mine = p.filter(p.region_code == region)
    first = mine.clock_start.min().to_pyarrow().as_py()
    if first is None:
        raise InputError(
            f"The analytics store has no pathways of region {region!r}.", field="region"
        )
    if first > end:
        raise InputError(
            f"No data for region {region} in {month:%Y-%m}: its first pathway starts "
            f"{first.isoformat()}.",
            field="month",
        )


def monthly_report(
    tables: IndicatorTables,
    region: str,
    month: dt.date,
    *,
    as_of: dt.date,
    threshold: int = 5,
    rule_set: str = "se-national",
    months: int = 36,
    progress: Progress | None = None,
    unit_names: Mapping[str, str] | None = None,
) -> MonthlyReport:
    """The masked monthly report of ``region`` for the calendar ``month`` (its first day);
    ``unit_names`` (unit id → name) lets the report name units instead of showing ids."""
    step = progress or (lambda _: None)
    if threshold < 1:
        raise InputError(f"The masking threshold must be at least 1; got {threshold}.")
    month = month.replace(day=1)
    _checked(tables, region, month, as_of)
    end = _month_end(month)
    previous = month - dt.timedelta(days=1)
    p = tables.pathways
    mine = IndicatorTables(
        pathways=p.filter(p.region_code == region), pauses=tables.pauses, backend=tables.backend
    )

    step("waiting")
    cut = ("region_code", "specialty", "entry_type")
    now = _pause_adjusted(waiting_at(mine, end, cut, rule_set=rule_set))
    before = _pause_adjusted(waiting_at(mine, previous, cut, rule_set=rule_set))
    entries = entry_order(
        sorted({*now["entry_type"].astype(str), *before["entry_type"].astype(str)})
    )
    waiting = waiting_grids(now, entries, threshold)
    waiting_before = waiting_grids(before, entries, threshold)
    beyond = beyond_grids(now, threshold)

    step("flows")
    flows = flows_between(mine, month, end, ("region_code", "entry_type"))
    totals_end = total_row_mask(waiting)
    totals_start = total_row_mask(waiting_before)
    flow_table = flows_table(flows, entries, threshold, totals_end, totals_start)

    step("completed")
    completed = completed_table(mine, month, end, entries, flow_table, threshold, rule_set)

    step("comparison")
    units = funnel_table(mine, end, threshold, rule_set)
    national = national_table(tables, region, end, threshold, rule_set, units[0])

    step("trends")
    series = series_for_cut(mine, end, _REGION_KEYS, months=months, rule_set=rule_set)
    trend, charts, signals = spc_table(series, threshold, flow_table, month)

    headline = _headline(trend)
    largest = _largest_changes(waiting, waiting_before)
    stats = stats_table(now, waiting, beyond, threshold)
    return MonthlyReport(
        region_code=region,
        month=month,
        month_end=end,
        as_of=as_of,
        threshold=threshold,
        rule_set=rule_set,
        tables=(*waiting, *beyond, stats, flow_table, completed, units[0], national, trend),
        charts=charts,
        headline=headline,
        largest=largest,
        signals=signals,
        funnel_points=units[1],
        unit_names=dict(unit_names or {}),
    )


def _published_int(table: ReportTable, r: int, c: int) -> int | None:
    if table.mask[r, c]:
        return None
    value = table.values[r][c]
    return int(value) if value is not None else None


def _headline(trend: ReportTable) -> tuple[Change, ...]:
    """Region totals this month against last month, where both are published."""
    if len(trend.values) < 2:
        return ()
    keys = [c.key for c in trend.columns]
    out: list[Change] = []
    for key, sv, en, share in (
        ("waiting_count", "Antalet väntande", "The number waiting", False),
        (
            "waiting_within_limit_share",
            "Andelen väntande inom vårdgarantin",
            "The share waiting within the guarantee",
            True,
        ),
        ("outflow_treated", "Antalet genomförda", "The number treated", False),
    ):
        c = keys.index(key)
        last, before = len(trend.values) - 1, len(trend.values) - 2
        if trend.mask[last, c] or trend.mask[before, c]:
            continue
        a, b = trend.values[before][c], trend.values[last][c]
        if a is None or b is None or (isinstance(a, float) and np.isnan(a)):
            continue
        if isinstance(b, float) and np.isnan(b):
            continue
        out.append(Change(sv, en, float(a), float(b), is_share=share))
    return tuple(out)


def _largest_changes(
    grids: list[ReportTable], grids_before: list[ReportTable], top: int = 3
) -> tuple[Change, ...]:
    """The cells of the waiting grids that moved most, published in both months."""
    found: list[tuple[int, str, str, Change]] = []
    earlier = {g.key: g for g in grids_before}
    for now in grids:
        before = earlier.get(now.key)
        if before is not None:
            found += _grid_changes(now, before)
    found.sort(key=lambda item: item[:3])
    return tuple(item[3] for item in found[:top])


def _grid_changes(now: ReportTable, before: ReportTable) -> list[tuple[int, str, str, Change]]:
    index_before = {row[0]: r for r, row in enumerate(before.values)}
    before_keys = [c.key for c in before.columns]
    found: list[tuple[int, str, str, Change]] = []
    for r, row in enumerate(now.values[:-1]):
        rb = index_before.get(row[0])
        if rb is None or rb == len(before.values) - 1:
            continue
        for c, column in enumerate(now.columns):
            if column.kind != "count" or column.key == "Totalt / Total":
                continue
            if column.key not in before_keys:
                continue
            cb = before_keys.index(column.key)
            a, b = _published_int(before, rb, cb), _published_int(now, r, c)
            if a is None or b is None or a == b:
                continue
            spec, entry = str(row[0]), column.key
            change = Change(
                f"{specialty_name(spec, 'sv')}, {entry_name(entry, 'sv').lower()}",
                f"{specialty_name(spec, 'en')}, {entry_name(entry, 'en').lower()}",
                float(a),
                float(b),
            )
            found.append((-abs(b - a), spec, entry, change))
    return found


def _open_store(
    settings: Settings,
) -> tuple[IndicatorTables, dt.date, list[str], dict[str, str]]:
    """The analytics store's tables, the date it describes, the regions it holds and the
    units' names (empty when the store has no units table)."""
    path = settings.resolved_analytics_path()
    if not path.exists():
        raise StoreError(
            f"the analytics store {path} does not exist yet; build it with "
            "`vardkoll analytics build` (the demo does this on its first run)."
        )
    try:
        con = ibis.duckdb.connect(str(path), read_only=True)
        con.raw_sql("SET enable_progress_bar = false")
        as_of = con.table("build_info").as_of.max().to_pyarrow().as_py()
        tables = tables_from(con)
        regions = tables.pathways.region_code.notnull()
        codes = tables.pathways.filter(regions).select("region_code").distinct().to_pyarrow()
        names = _unit_names(con)
    except StoreError:
        raise
    except Exception as exc:  # duckdb raises its own families
        raise StoreError(
            f"the analytics store {path} cannot be read ({type(exc).__name__}: {exc}); "
            "rebuild it with `vardkoll analytics build`."
        ) from exc
    if as_of is None:
        raise StoreError("the analytics store is empty; run `vardkoll analytics build`.")
    return tables, as_of, sorted(str(c) for c in codes.column(0).to_pylist()), names


def _unit_names(con: ibis.BaseBackend) -> dict[str, str]:
    # Not ``con.list_tables()``: that ibis call breaks on the locked DuckDB version.
    found = con.raw_sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'units'"
    ).fetchone()
    if not found or not found[0]:
        return {}
    rows = con.raw_sql("SELECT unit_id, unit_name FROM units").fetchall()
    return {str(r[0]): str(r[1] or r[0]) for r in rows if r[0] is not None}


def store_summary(settings: Settings) -> tuple[dt.date, list[str], list[str]]:
    """The store's date, its regions, and the complete months a report can cover (newest
    first, at most 36)."""
    _, as_of, regions, _names = _open_store(settings)
    last = as_of.replace(day=1)
    if _month_end(last) > as_of:
        last = (last - dt.timedelta(days=1)).replace(day=1)
    months = []
    for _ in range(36):
        months.append(last.strftime("%Y-%m"))
        last = (last - dt.timedelta(days=1)).replace(day=1)
    return as_of, regions, months


def report_for(
    settings: Settings,
    region: str,
    month: str,
    *,
    progress: Progress | None = None,
) -> MonthlyReport:
    """The report of ``region`` for ``month`` (``YYYY-MM``) from the installation's analytics
    store, masked with the installation's threshold (``VARDKOLL_SMALL_CELL_THRESHOLD``)."""
    first = parse_month(month)
    tables, as_of, regions, names = _open_store(settings)
    if region not in regions:
        raise InputError(
            f"Unknown region {region!r}: the analytics store holds "
            f"{', '.join(regions) or 'no regions'}.",
            field="region",
        )
    return monthly_report(
        tables,
        region,
        first,
        as_of=as_of,
        threshold=settings.small_cell_threshold,
        progress=progress,
        unit_names=names,
    )
