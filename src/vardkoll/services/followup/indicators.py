"""Follow-up (*uppföljning*) for a user: alerts, SPC trends, drill-down and fair comparisons.

Every figure comes from the indicator engine (:mod:`vardkoll.analytics`) run on the analytics
store with the pathways narrowed to the user's reach *before* anything is computed, so a
clinic manager's region total is the total of their own units, never a region figure. Results
are cached per store file version (a rebuild renames a new file into place) and per reach.

Aggregates that leave the region — a national analyst looking at a region's units — have their
small counts masked (``Settings.small_cell_threshold``): the count shows as masked and the
share and waits of that row are withheld, since they would reveal the count.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import ibis
import numpy as np
import pandas as pd

from vardkoll.analytics import (
    BETTER_DIRECTION,
    Alert,
    IndicatorTables,
    StandardSeries,
    XmRChart,
    alerts_from_series,
    get_indicator,
    mask_long_table,
    open_tables,
    series_for_cut,
    small_count,
    waiting_at,
    xmr,
)
from vardkoll.domain import InputError, NotFound, PermissionDenied, StoreError
from vardkoll.services.access.scope import Scope
from vardkoll.services.followup.disclosure import disclosure_threshold
from vardkoll.services.followup.overview import open_analytics, store_facts
from vardkoll.settings import Settings
from vardkoll.store import AnalyticsCache, file_version

T = TypeVar("T")

LEVELS: tuple[str, ...] = ("region_code", "provider_id", "unit_id", "specialty")
"""The drill-down, top to bottom; below the unit's specialties is its patient list."""

VIEWS: dict[str, tuple[str, str]] = {
    "pause_adjusted": ("pause_adjusted", "all"),
    "national": ("national", "standard"),
    "pvv_mov": ("national", "pvv_mov"),
}
"""The view choices of the pages: (``view``, ``wait_group``) of the engine's tables."""

SPC_INDICATORS: tuple[str, ...] = tuple(
    name
    for name in BETTER_DIRECTION
    if name
    not in (
        "queue_start",
        "outflow_treated",
        "outflow_removed_other",
        "transferred_in",
        "transferred_out",
    )
)
"""Indicators the SPC page charts (month-end states, completed per month, flows)."""

CASE_MIX: tuple[str, ...] = ("age_band", "priority")
ALERT_CUT: tuple[str, ...] = ("region_code", "provider_id", "unit_id", "entry_type")
ALERT_MONTHS = 24
LEVEL_MONTHS = 12
SPC_MONTHS = 36


@dataclass(frozen=True)
class Place:
    """Where in the drill-down: a region, a provider in it, a unit of that provider."""

    region: str | None = None
    provider: str | None = None
    unit: str | None = None

    @property
    def child(self) -> str:
        """The dimension one level down."""
        if self.region is None:
            return "region_code"
        if self.provider is None:
            return "provider_id"
        if self.unit is None:
            return "unit_id"
        return "specialty"


# --- store, cache, scope ---------------------------------------------------------------------
_LOCK = threading.RLock()  # one Ibis connection per file: its queries run one at a time
_TABLES: dict[str, tuple[float, IndicatorTables]] = {}
_CACHE = AnalyticsCache(size=128)  # the store's cache, kept apart: results are large


def _tables(settings: Settings) -> tuple[IndicatorTables, float]:
    path = settings.resolved_analytics_path()
    if not path.exists():
        raise StoreError(
            f"the analytics store {path} does not exist yet; build it with "
            "`vardkoll analytics build`."
        )
    stamp = file_version(path)
    known = _TABLES.get(str(path))
    if known is not None and known[0] == stamp:
        return known[1], stamp
    if known is not None:  # first: DuckDB would hand back the old file's open instance
        del _TABLES[str(path)]
        ibis.get_backend(known[1].pathways).disconnect()
    tables = open_tables("duckdb", path)
    _TABLES[str(path)] = (stamp, tables)
    return tables, stamp


def scope_key(scope: Scope) -> tuple[Any, ...]:
    p = scope.principal
    return (scope.reach("aggregates"), p.region_code, tuple(sorted(p.unit_ids)))


def computed(
    settings: Settings, key: tuple[Any, ...], compute: Callable[[IndicatorTables], T]
) -> T:
    """``compute(tables)`` once per store version and key (serialised: one connection)."""
    with _LOCK:
        tables, stamp = _tables(settings)
        full = (str(settings.resolved_analytics_path()), stamp, *key)
        return _CACHE.get(full, lambda: compute(tables))


def narrowed(
    tables: IndicatorTables, scope: Scope, place: Place, entry_type: str | None
) -> IndicatorTables:
    """The pathways in the user's reach and at ``place`` (default deny)."""
    p = tables.pathways
    reach = scope.reach("aggregates")
    who = scope.principal
    conditions = []
    if reach == "none":
        conditions.append(ibis.literal(False))
    elif reach in ("region", "units"):
        conditions.append(p.region_code == (who.region_code or ""))
        if reach == "units":
            conditions.append(p.unit_id.isin(list(who.unit_ids)))
    for column, value in (
        ("region_code", place.region),
        ("provider_id", place.provider),
        ("unit_id", place.unit),
        ("entry_type", entry_type),
    ):
        if value is not None:
            conditions.append(p[column] == value)
    narrowed = p.filter(*conditions) if conditions else p
    return IndicatorTables(pathways=narrowed, pauses=tables.pauses, backend=tables.backend)


def masks_small_cells(scope: Scope) -> bool:
    """Whether this user's aggregates leave the region (national reach): mask small counts."""
    return scope.reach("aggregates") == "all"


def resolve_place(
    settings: Settings,
    scope: Scope,
    *,
    region: str | None = None,
    provider: str | None = None,
    unit: str | None = None,
) -> Place:
    """The place the user asked for, checked against their reach.

    Region-bound users always look inside their own region; a unit outside a clinic
    manager's units is :class:`NotFound`, like one that does not exist.
    """
    reach = scope.reach("aggregates")
    if reach == "none":
        raise PermissionDenied("Your role does not include follow-up of waiting times.")
    who = scope.principal
    region = region or None
    if reach != "all":
        if region not in (None, who.region_code):
            raise NotFound(f"Region {region} is outside your scope.")
        region = who.region_code
    elif region is not None and region not in store_facts(settings)[1]:
        raise NotFound(f"No region {region} in the analytics store.")
    if unit and reach == "units" and unit not in who.unit_ids:
        raise NotFound(f"Unit {unit} is outside your scope.")
    return Place(region=region, provider=provider or None, unit=unit or None)


def series(
    settings: Settings,
    scope: Scope,
    place: Place,
    by: Sequence[str],
    *,
    entry_type: str | None = None,
    months: int = SPC_MONTHS,
    as_of: dt.date | None = None,
) -> StandardSeries:
    """The engine's monthly series of the cut ``by`` for the user's reach at ``place``."""
    day = as_of or store_facts(settings)[0]
    key = ("series", scope_key(scope), place, entry_type, tuple(by), months, day)
    return computed(
        settings,
        key,
        lambda t: series_for_cut(
            narrowed(t, scope, place, entry_type), day, list(by), months=months
        ),
    )


def waiting_on(
    settings: Settings,
    scope: Scope,
    place: Place,
    on: dt.date,
    by: Sequence[str],
    *,
    entry_type: str | None = None,
) -> pd.DataFrame:
    """The engine's still-waiting table on ``on`` for the user's reach at ``place``."""
    key = ("waiting_at", scope_key(scope), place, entry_type, tuple(by), on)
    return computed(
        settings, key, lambda t: waiting_at(narrowed(t, scope, place, entry_type), on, by)
    )


@dataclass(frozen=True)
class Names:
    """Display names from the store's ``units`` table."""

    providers: dict[str, str]
    units: dict[str, str]

    def of(self, dimension: str, code: str | None) -> str | None:
        if code is None:
            return None
        if dimension == "provider_id":
            return self.providers.get(code, code)
        if dimension == "unit_id":
            return self.units.get(code, code)
        return code


def names(settings: Settings) -> Names:
    """Provider and unit names (codes stand in for names the store lacks)."""

    def compute(_: IndicatorTables) -> Names:
        with open_analytics(settings) as con:
            rows = con.execute(
                "SELECT unit_id, unit_name, provider_id, provider_name FROM units"
            ).fetchall()
        return Names(
            providers={str(r[2]): str(r[3] or r[2]) for r in rows if r[2] is not None},
            units={str(r[0]): str(r[1] or r[0]) for r in rows if r[0] is not None},
        )

    return computed(settings, ("names",), compute)


# --- alerts -------------------------------------------------------------------------------
def region_alerts(
    settings: Settings, scope: Scope, region: str | None, *, as_of: dt.date | None = None
) -> tuple[dt.date, list[Alert]]:
    """Alerts per unit and entry type in the user's reach (optionally one region), at the
    month end of ``as_of`` (default the store's date) and that month end.

    Why the date travels: the page beside the alerts describes the date the user chose, so
    alerts about another month end would contradict the figures next to them.
    """
    place = resolve_place(settings, scope, region=region)
    data = series(settings, scope, place, ALERT_CUT, months=ALERT_MONTHS, as_of=as_of)
    key = ("alerts", scope_key(scope), place, data.month_ends[-1])
    alerts = computed(
        settings,
        key,
        lambda _: alerts_from_series(data.waiting, data.flows, ALERT_CUT, data.month_ends),
    )
    threshold = disclosure_threshold(settings, scope)
    return data.month_ends[-1], [_shown_alert(a, threshold) for a in alerts]


def _shown_alert(alert: Alert, threshold: int) -> Alert:
    """The alert with the figures that leave the region masked (NaN) by the engine's rule for
    long tables: a queue alert's flows are one flows row, so a small one hides them all."""
    if threshold <= 1:
        return alert
    kind = "flows" if alert.kind == "queue_growing" else "waiting"
    row = pd.DataFrame([dict(alert.figures)])
    shown = mask_long_table(row, kind, (), threshold, markers=False).iloc[0]
    figures = {k: float("nan") if pd.isna(shown[k]) else float(v) for k, v in alert.figures.items()}
    return replace(alert, figures=figures)


# --- drill-down -------------------------------------------------------------------------------
@dataclass(frozen=True)
class LevelRow:
    """One child of the place and one entry type: the latest month end and the last month."""

    code: str | None
    name: str | None
    entry_type: str
    waiting_count: int | None
    share: float | None
    beyond: int | None
    median_days: float | None
    p90_days: float | None
    inflow: int | None
    outflow: int | None
    net_change: int | None
    spark: tuple[float | None, ...]
    masked: bool = False


@dataclass(frozen=True)
class Level:
    """A drill-down level: the place, the dimension listed, its rows and the date."""

    place: Place
    dimension: str
    month_end: dt.date
    view: str
    rows: tuple[LevelRow, ...] = field(default_factory=tuple)


def _value(row: pd.Series | None, column: str) -> Any:
    if row is None:
        return None
    value = row[column]
    return None if pd.isna(value) else value


def level(settings: Settings, scope: Scope, place: Place, *, view: str = "pause_adjusted") -> Level:
    """The table of one drill-down level, from the engine's series of the cut (child, entry)."""
    view_name, group = view_groups(view)
    dimension = place.child
    data = series(settings, scope, place, (dimension, "entry_type"), months=LEVEL_MONTHS)
    ends = list(data.month_ends)
    last = ends[-1]
    w = data.waiting[(data.waiting["view"] == view_name) & (data.waiting["wait_group"] == group)]
    known = names(settings)
    threshold = disclosure_threshold(settings, scope)
    rows: list[LevelRow] = []
    keys = sorted(
        {
            (None if pd.isna(a) else str(a), str(b))
            for a, b in pd.concat(
                [w[[dimension, "entry_type"]], data.flows[[dimension, "entry_type"]]]
            ).itertuples(index=False)
        },
        key=lambda k: (k[0] or "", k[1]),
    )
    for code, entry in keys:
        mine = w[(w[dimension].astype(str) == str(code)) & (w["entry_type"] == entry)]
        by_end = {r["on"]: r["waiting_within_limit_share"] for r in records(mine)}
        latest = mine[mine["on"] == last]
        lrow = latest.iloc[0] if len(latest) else None
        fl = data.flows[
            (data.flows[dimension].astype(str) == str(code))
            & (data.flows["entry_type"] == entry)
            & (data.flows["period_end"] == last)
        ]
        frow = fl.iloc[0] if len(fl) else None
        count = int(_value(lrow, "waiting_count") or 0)
        masked = small_count(count, threshold)
        spark = tuple(
            None if d not in by_end or pd.isna(by_end[d]) else float(by_end[d]) for d in ends
        )
        rows.append(
            LevelRow(
                code=code,
                name=known.of(dimension, code),
                entry_type=entry,
                waiting_count=None if masked else count,
                share=None if masked else _value(lrow, "waiting_within_limit_share"),
                beyond=None if masked else _int(_value(lrow, "waiting_beyond_limit_count")),
                median_days=None if masked else _value(lrow, "waiting_median_days"),
                p90_days=None if masked else _value(lrow, "waiting_p90_days"),
                inflow=_masked_int(_value(frow, "inflow"), threshold),
                outflow=_masked_int(_value(frow, "outflow"), threshold),
                net_change=None if masked or frow is None else _int(frow["net_change"]),
                spark=() if masked else spark,
                masked=masked,
            )
        )
    return Level(place=place, dimension=dimension, month_end=last, view=view, rows=tuple(rows))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as plain dicts (column name → value)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _masked_int(value: Any, threshold: int) -> int | None:
    number = _int(value)
    if number is None:
        return 0
    return None if small_count(number, threshold) else number


def view_groups(view: str) -> tuple[str, str]:
    if view not in VIEWS:
        raise InputError(f"view must be one of {', '.join(VIEWS)}; got {view!r}.", field="view")
    return VIEWS[view]


# --- SPC -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpcView:
    """An indicator's monthly values for one place and entry type, and its XmR chart."""

    indicator: str
    entry_type: str
    view: str
    labels: tuple[dt.date, ...]
    chart: XmRChart
    change_points: tuple[dt.date, ...]
    candidates: tuple[dt.date, ...]
    outcome: str | None


def indicator_values(
    data: StandardSeries, indicator: str, *, view: str = "pause_adjusted", mask_below: int = 0
) -> tuple[list[dt.date], list[float]]:
    """One indicator's value per month end of a series of the empty cut (NaN when unknown).

    Counts of a month without rows are 0 (nobody waited, nothing moved); shares and waits
    are unknown then. Completed indicators count treated pathways (removals apart). With
    ``mask_below``, a month whose underlying counts lie in ``1 … mask_below − 1`` is unknown
    (withheld), as figures leaving the region must be.
    """
    definition = get_indicator(indicator)
    ends = list(data.month_ends)
    if definition.table == "waiting":
        view_name, group = view_groups(view)
        frame = data.waiting[
            (data.waiting["view"] == view_name) & (data.waiting["wait_group"] == group)
        ].set_index("on")
        counts = ["waiting_count"]
    elif definition.table == "completed":
        view_name, group = view_groups(view)
        frame = data.completed[
            (data.completed["view"] == view_name)
            & (data.completed["wait_group"] == group)
            & (data.completed["outcome"] == "treated")
        ].set_index("period_end")
        counts = ["completed_count"]
    elif definition.table == "flows":
        frame = data.flows.set_index("period_end")
        counts = ["queue_start", "inflow", "outflow", "queue_end"]
    else:
        raise InputError(
            f"The SPC chart follows the monthly series; {indicator!r} is not one of them. "
            f"Use one of {', '.join(SPC_INDICATORS)}.",
            field="indicator",
        )
    values = frame[indicator].astype("Float64").reindex(ends)
    if definition.unit == "pathways":
        values = values.fillna(0)
    out = [float("nan") if pd.isna(v) else float(v) for v in values]
    if mask_below > 1:
        small = np.zeros(len(ends), dtype=bool)
        for column in counts:
            n = frame[column].astype("Float64").reindex(ends).fillna(0).to_numpy(dtype=np.float64)
            small |= (n > 0) & (n < mask_below)
        out = [float("nan") if hidden else v for v, hidden in zip(out, small, strict=True)]
    return ends, out


def spc(
    settings: Settings,
    scope: Scope,
    place: Place,
    *,
    entry_type: str,
    indicator: str,
    view: str = "pause_adjusted",
    change: dt.date | None = None,
) -> SpcView:
    """The XmR chart of ``indicator`` at ``place`` for ``entry_type``; limits recalculated from
    ``change`` (a month end) when given."""
    if indicator not in SPC_INDICATORS:
        raise InputError(
            f"indicator must be one of {', '.join(SPC_INDICATORS)}; got {indicator!r}.",
            field="indicator",
        )
    view_groups(view)
    data = series(settings, scope, place, (), entry_type=entry_type, months=SPC_MONTHS)
    threshold = disclosure_threshold(settings, scope)
    ends, values = indicator_values(data, indicator, view=view, mask_below=threshold)
    x = np.asarray(values)
    finite = np.isfinite(x)
    labels = [d for d, ok in zip(ends, finite, strict=True) if ok]
    points = x[finite]
    if points.size < 2:
        raise NotFound(
            f"Too few months with data for {indicator} here: {int(points.size)} of {len(ends)}."
        )
    candidates = tuple(labels[2 : len(labels) - 1]) if len(labels) >= 4 else ()
    change_points: tuple[dt.date, ...] = ()
    cut: list[int] = []
    if change is not None:
        # The month end of the month the change point falls in starts the new phase.
        month = [d for d in candidates if (d.year, d.month) == (change.year, change.month)]
        if not month:
            raise NotFound(
                f"No month end to recalculate the limits from in {change.isoformat()[:7]}: "
                "choose a month between "
                f"{candidates[0].isoformat()[:7] if candidates else '–'} and "
                f"{candidates[-1].isoformat()[:7] if candidates else '–'} (at least two months "
                "on each side)."
            )
        cut = [labels.index(month[0])]
        change_points = (month[0],)
    chart = xmr(points, change_points=cut, direction=BETTER_DIRECTION.get(indicator))
    outcome = "treated" if get_indicator(indicator).table == "completed" else None
    return SpcView(
        indicator=indicator,
        entry_type=entry_type,
        view=view,
        labels=tuple(labels),
        chart=chart,
        change_points=change_points,
        candidates=candidates,
        outcome=outcome,
    )
