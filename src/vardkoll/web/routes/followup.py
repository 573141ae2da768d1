"""Follow-up pages (*uppföljning*): the drill-down and the overview's alerts panel.

Every number comes from :mod:`vardkoll.services.followup.indicators` (the indicator engine in the
user's
reach); the pages only label and lay it out. The SPC page and the fair comparison live in
:mod:`.followup_spc` and :mod:`.followup_compare`, whose routes this router includes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from vardkoll.analytics import Alert
from vardkoll.domain import InputError, NotFound
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.services.followup import indicators as fu
from vardkoll.web.labels import entry_label, region_label, specialty_label
from vardkoll.web.routes import followup_compare, followup_spc
from vardkoll.web.routes.followup_common import (
    LEVEL_LABELS,
    REASON_LABELS,
    VIEW_LABELS,
    breadcrumbs,
    export_table,
    panel_or_page,
    pick_place,
    place_params,
    query,
)
from vardkoll.web.routes.overview import cell_formatter
from vardkoll.web.tables import Column, Table

router = APIRouter(include_in_schema=False)
router.include_router(followup_spc.router)
router.include_router(followup_compare.router)

ALERTS_SHOWN = 8


def _label(ctx: Ctx, dimension: str, code: str | None, name: str | None) -> str:
    if code is None:
        return ctx._("Unknown")
    if dimension == "region_code":
        return region_label(code)
    if dimension == "specialty":
        return specialty_label(code, ctx.lang)
    return name or code


def child_place(place: fu.Place, dimension: str, code: str | None) -> fu.Place | None:
    if code is None or dimension == "specialty":
        return None
    if dimension == "region_code":
        return fu.Place(region=code)
    if dimension == "provider_id":
        return fu.Place(region=place.region, provider=code)
    return fu.Place(region=place.region, provider=place.provider, unit=code)


def sparkline(values: tuple[float | None, ...], width: int = 96, height: int = 24) -> list[str]:
    """SVG polyline point lists of a share series (a gap where a month has no share)."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return []
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    segments: list[str] = []
    current: list[str] = []
    for i, v in enumerate(values):
        if v is None:
            if len(current) > 1:
                segments.append(" ".join(current))
            current = []
            continue
        y = height - 2 - (v - low) / span * (height - 4)
        current.append(f"{i * step:.1f},{y:.1f}")
    if len(current) > 1:
        segments.append(" ".join(current))
    return segments


def level_table(ctx: Ctx, data: fu.Level, sort: str, direction: str, q: str) -> Table:
    """The drill-down level as a sortable, exportable table (links and sparklines ride along)."""
    _ = ctx._
    columns = [
        Column("name", _(LEVEL_LABELS[data.dimension])),
        Column("entry_type", _("Entry type")),
        Column("waiting", _("Waiting"), "int"),
        Column("share", _("Share within the guarantee"), "share"),
        Column("beyond", _("Beyond the guarantee"), "int"),
        Column("median", _("Days waited, median"), "int"),
        Column("p90", _("Days waited, 90th percentile"), "int"),
        Column("inflow", _("Inflow, last month"), "int"),
        Column("outflow", _("Outflow, last month"), "int"),
        Column("net_change", _("Net change, last month"), "int"),
    ]
    rows: list[dict[str, Any]] = []
    for r in data.rows:
        child = child_place(data.place, data.dimension, r.code)
        spc_place = child or data.place
        rows.append(
            {
                "name": _label(ctx, data.dimension, r.code, r.name),
                "entry_type": entry_label(r.entry_type, _),
                "waiting": r.waiting_count,
                "share": None if r.share is None else float(r.share),
                "beyond": r.beyond,
                "median": None if r.median_days is None else round(float(r.median_days)),
                "p90": None if r.p90_days is None else round(float(r.p90_days)),
                "inflow": r.inflow,
                "outflow": r.outflow,
                "net_change": r.net_change,
                "_masked": r.masked,
                "_spark": sparkline(r.spark),
                "_drill": None if child is None else "/followup?" + query(**place_params(child)),
                "_spc": None
                if data.dimension == "specialty" or r.masked
                else "/followup/spc?"
                + query(
                    **place_params(spc_place),
                    entry_type=r.entry_type,
                    indicator="waiting_count" if r.share is None else "waiting_within_limit_share",
                    view=data.view,
                ),
                "_patients": _patients_link(ctx, data, r),
            }
        )
    table = Table(columns, rows).filtered(q, ["name", "entry_type"])
    return table.sorted_by(sort, direction) if sort else table


def _patients_link(ctx: Ctx, data: fu.Level, row: fu.LevelRow) -> str | None:
    """The unit's waiting list, filtered, for roles entitled to patient lists (audited there)."""
    if data.dimension != "specialty" or not ctx.scope.allows("waiting_list"):
        return None
    return "/waiting-lists?" + query(
        unit_id=data.place.unit, specialty=row.code, entry_type=row.entry_type
    )


@router.get("/followup")
def followup_page(
    ctx: CtxDep,
    region: str = "",
    provider: str = "",
    unit: str = "",
    view: str = "pause_adjusted",
    q: str = "",
    sort: str = "",
    dir: str = "asc",
) -> Response:
    """The drill-down: region → provider → unit → specialties and the unit's patient list."""
    place = pick_place(ctx, region, provider, unit)
    data = fu.level(ctx.settings, ctx.scope, place, view=view)
    direction = "desc" if dir == "desc" else "asc"
    table = level_table(ctx, data, sort, direction, q)

    def params(**overrides: Any) -> str:
        values: dict[str, Any] = {
            **place_params(place),
            "view": view,
            "q": q,
            "sort": table.sort,
            "dir": table.direction,
        }
        values.update(overrides)
        return query(**values)

    return panel_or_page(
        ctx,
        "followup.html",
        "_followup_panel.html",
        data=data,
        table=table,
        cell=cell_formatter(ctx.lang),
        params=params,
        place=place,
        crumbs=breadcrumbs(ctx, place),
        view=view,
        views=[(k, ctx._(v)) for k, v in VIEW_LABELS.items()],
        view_label=ctx._(VIEW_LABELS[view]),
        level_label=ctx._(LEVEL_LABELS[data.dimension]),
        q=q,
        compare_url="/followup/compare?"
        + query(region=place.region, provider=place.provider, view=view)
        if place.region and not place.unit
        else None,
        masked=fu.masks_small_cells(ctx.scope),
        threshold=ctx.settings.small_cell_threshold,
    )


@router.get("/followup/export.{fmt}")
def followup_export(
    ctx: CtxDep,
    fmt: str,
    region: str = "",
    provider: str = "",
    unit: str = "",
    view: str = "pause_adjusted",
    q: str = "",
    sort: str = "",
    dir: str = "asc",
) -> Response:
    """The drill-down table exactly as shown, as Excel or CSV."""
    if fmt not in ("xlsx", "csv"):
        raise NotFound("Export formats are xlsx and csv.")
    place = pick_place(ctx, region, provider, unit)
    data = fu.level(ctx.settings, ctx.scope, place, view=view)
    table = level_table(ctx, data, sort, "desc" if dir == "desc" else "asc", q)
    about = [
        (ctx._("Selection"), " › ".join(label for label, _ in breadcrumbs(ctx, place))),
        (ctx._("Still waiting on"), data.month_end.isoformat()),
        (ctx._("View"), ctx._(VIEW_LABELS[view])),
        (ctx._("Filter"), q),
    ]
    return export_table(
        ctx, table, fmt, f"vardkoll-uppfoljning-{data.month_end.isoformat()}", about
    )


# --- alerts ----------------------------------------------------------------------------------
def alert_view(ctx: Ctx, alert: Alert) -> dict[str, Any]:
    """An alert as the panel shows it: where, what, why, and the links to follow it."""
    key = dict(alert.key)
    known = fu.names(ctx.settings)
    place = fu.Place(
        region=key.get("region_code"), provider=key.get("provider_id"), unit=key.get("unit_id")
    )
    entry = key.get("entry_type") or ""
    indicator = "waiting_within_limit_share" if alert.kind == "share_falling" else "queue_end"
    return {
        "kind": alert.kind,
        "unit": known.of("unit_id", place.unit) or ctx._("Unknown"),
        "region": region_label(place.region),
        "entry_type": entry_label(entry, ctx._),
        "reasons": [ctx._(REASON_LABELS.get(r, r)) for r in alert.reasons],
        "figures": alert.figures,
        "spc": "/followup/spc?"
        + query(**place_params(place), entry_type=entry, indicator=indicator),
        "drill": "/followup?" + query(**place_params(place)),
    }


@router.get("/followup/alerts")
def alerts_fragment(ctx: CtxDep, region: str = "", as_of: str = "") -> Response:
    """The overview's alerts panel (an HTMX fragment, so the overview itself stays fast)."""
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise InputError(
            f"as_of must be an ISO date such as 2025-06-30; got {as_of!r}.", field="as_of"
        ) from None
    month_end, alerts = fu.region_alerts(ctx.settings, ctx.scope, region or None, as_of=day)
    shares = [alert_view(ctx, a) for a in alerts if a.kind == "share_falling"]
    queues = [alert_view(ctx, a) for a in alerts if a.kind == "queue_growing"]
    return panel_or_page(
        ctx,
        "followup_alerts.html",
        "_alerts_list.html",
        shares=shares,
        queues=queues,
        shown=ALERTS_SHOWN,
        month_end=month_end,
        region=region,
    )
