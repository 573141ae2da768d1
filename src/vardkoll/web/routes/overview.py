"""The region overview page (*lägesbild*), its trend chart spec and its exports.

The page, the HTMX fragment, the chart and both exports read one :func:`overview_table` with the
same selection, so an export holds exactly the rows and columns on screen. Region and date are
remembered in the session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from vardkoll.analytics import trend_dates
from vardkoll.domain import InputError, NotFound
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.http.i18n import fmt_date, fmt_int, fmt_share
from vardkoll.services.followup import (
    ShownOverview,
    disclosure_threshold,
    pick_region,
    region_choices,
    region_overview,
    shown_overview,
    store_facts,
)
from vardkoll.web.labels import entry_label, region_name, specialty_label, unit_names
from vardkoll.web.routes.auth import OVERVIEW_DENIED, role_page
from vardkoll.web.tables import Column, Table, download
from vardkoll.web.templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Selection:
    """What the user looks at: region (``""`` = all, national analysts only) and date."""

    region: str
    as_of: dt.date
    periods: list[dt.date]
    choices: list[tuple[str, str]]
    q: str
    sort: str
    direction: Literal["asc", "desc"]

    def params(self, **overrides: Any) -> str:
        values: dict[str, Any] = {
            "region": self.region,
            "as_of": self.as_of.isoformat(),
            "q": self.q,
            "sort": self.sort,
            "dir": self.direction,
        }
        values.update(overrides)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def selection(
    ctx: Ctx, region: str | None, as_of: str | None, q: str, sort: str, direction: str
) -> Selection:
    """Validate the request's choices against what the user may see; remember them."""
    remembered = ctx.session.data if ctx.session else {}
    picked_region = pick_region(
        ctx.settings, ctx.scope, region, remembered=remembered.get("region")
    )
    choices = region_choices(ctx.settings, ctx.scope)
    latest, _ = store_facts(ctx.settings)
    periods = list(reversed(trend_dates(latest, 24)))
    picked = as_of if as_of is not None else remembered.get("as_of")
    try:
        picked_date = dt.date.fromisoformat(picked) if picked else latest
    except ValueError:
        raise InputError(
            f"as_of must be an ISO date such as {latest.isoformat()}; got {picked!r}.",
            field="as_of",
        ) from None
    if picked_date not in periods:
        picked_date = latest
    if region is not None or as_of is not None:
        ctx.remember(region=picked_region, as_of=picked_date.isoformat())
    return Selection(
        region=str(picked_region),
        as_of=picked_date,
        periods=periods,
        choices=[(c, n) for c, n in choices],
        q=q,
        sort=sort or "waiting",
        direction="asc" if direction == "asc" else "desc",
    )


def _load(ctx: Ctx, sel: Selection) -> ShownOverview:
    """The overview as this user may see it (small cells masked beyond the region)."""
    data = region_overview(ctx.settings, ctx.scope, region=sel.region or None, as_of=sel.as_of)
    return shown_overview(data, disclosure_threshold(ctx.settings, ctx.scope))


def overview_table(ctx: Ctx, sel: Selection, data: ShownOverview) -> Table:
    """The table of the page: waiting per entry type and specialty, sorted and filtered."""
    _ = ctx._
    columns = [
        Column("entry_type", _("Entry type")),
        Column("specialty", _("Specialty")),
        Column("waiting", _("Waiting"), "int"),
        Column("within_limit", _("Within the guarantee"), "int"),
        Column("beyond_limit", _("Beyond the guarantee"), "int"),
        Column("share_within", _("Share within the guarantee"), "share"),
        Column("limit_days", _("Limit (days)"), "int"),
    ]
    rows = [
        {
            "entry_type": entry_label(c.entry_type, _),
            "specialty": specialty_label(c.specialty, ctx.lang),
            "waiting": c.waiting,
            "within_limit": c.within_limit,
            "beyond_limit": c.beyond_limit,
            "share_within": c.share_within,
            "limit_days": c.limit_days,
        }
        for c in data.cells
    ]
    notes = (
        [
            _(
                "Counts under %(n)d are masked (–), with the cells that would reveal them: "
                "these figures leave the region."
            )
            % {"n": data.threshold}
        ]
        if data.masked_any
        else []
    )
    table = Table(columns, rows, notes=notes).filtered(sel.q, ["entry_type", "specialty"])
    return table.sorted_by(sel.sort, sel.direction)


def cell_formatter(lang: str) -> Any:
    def fmt(column: Column, value: Any) -> str:
        if column.kind == "int":
            return fmt_int(value, lang)
        if column.kind == "share":
            return fmt_share(value, lang)
        if column.kind == "date":
            return fmt_date(value)
        return "–" if value is None else str(value)

    return fmt


def _scope_label(ctx: Ctx, sel: Selection) -> str:
    scope = ctx.scope
    if scope.reach("aggregates") == "units":
        return ctx._("Your units") + ": " + unit_names(ctx.settings, scope.principal.unit_ids)
    return region_name(sel.region) if sel.region else ctx._("All regions")


def _summary(ctx: Ctx, data: ShownOverview) -> list[dict[str, Any]]:
    return [
        {
            "label": entry_label(t.entry_type, ctx._),
            "waiting": t.waiting,
            "share": t.share_within,
            "limited": t.limited,
        }
        for t in data.totals
    ]


@router.get("/overview")
def overview_page(
    ctx: CtxDep,
    region: str | None = None,
    as_of: str | None = None,
    q: str = "",
    sort: str = "",
    dir: str = "desc",
) -> Response:
    """The overview page; an HTMX request gets only the panel."""
    if not ctx.scope.allows("aggregates"):  # a role without aggregates: say why, not 404
        return role_page(ctx, status=403, reason=OVERVIEW_DENIED)
    sel = selection(ctx, region, as_of, q, sort, dir)
    data = _load(ctx, sel)
    trend = [
        {
            "month_end": t.month_end,
            "label": entry_label(t.entry_type, ctx._),
            "waiting": t.waiting,
            "share": t.share_within,
        }
        for t in data.trend
    ]
    values = {
        "table": overview_table(ctx, sel, data),
        "cell": cell_formatter(ctx.lang),
        "params": sel.params,
        "region": sel.region,
        "region_choices": [(c, n) for c, n in sel.choices],
        "periods": sel.periods,
        "as_of": sel.as_of,
        "q": sel.q,
        "summary": _summary(ctx, data),
        "trend": trend,
        "scope_label": _scope_label(ctx, sel),
    }
    is_fragment = ctx.request.headers.get("hx-request") == "true" and not ctx.request.headers.get(
        "hx-history-restore-request"
    )
    return render(ctx, "_overview_panel.html" if is_fragment else "overview.html", **values)


@router.get("/overview/trend.json")
def trend_spec(ctx: CtxDep, region: str | None = None, as_of: str | None = None) -> JSONResponse:
    """A Vega-Lite spec of the 24-month trend, with its data inline (rendered in the browser)."""
    sel = selection(ctx, region, as_of, "", "", "desc")
    data = _load(ctx, sel)
    _ = ctx._
    values = [
        {
            "month": t.month_end.isoformat(),
            "entry_type": entry_label(t.entry_type, _),
            "waiting": t.waiting,
            "share": t.share_within,
        }
        for t in data.trend
    ]
    color = {"field": "entry_type", "type": "nominal", "title": _("Entry type")}
    # A time axis, so month names come from the chart's locale (Swedish or English).
    x = {
        "field": "month",
        "type": "temporal",
        "timeUnit": "yearmonth",
        "title": _("Month end"),
        "axis": {"format": "%b %Y", "labelAngle": -45},
    }
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": _("Number waiting and share within the guarantee per month and entry type"),
        "data": {"values": values},
        # The legend goes under the charts: on the right it pushed the page wider than a
        # 1366 px screen (the sub-charts take the container's width, the legend came on top).
        "config": {"legend": {"orient": "bottom", "columns": 3}},
        "vconcat": [
            {
                "width": "container",
                "height": 180,
                "title": _("Waiting"),
                "mark": {"type": "line", "point": True},
                "encoding": {
                    "x": x,
                    "y": {"field": "waiting", "type": "quantitative", "title": _("Waiting")},
                    "color": color,
                },
            },
            {
                "width": "container",
                "height": 180,
                "title": _("Share within the guarantee"),
                "transform": [{"filter": "datum.share != null"}],
                "mark": {"type": "line", "point": True},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "share",
                        "type": "quantitative",
                        "title": _("Share within the guarantee"),
                        "axis": {"format": ".0%"},
                        "scale": {"domain": [0, 1]},
                    },
                    "color": color,
                },
            },
        ],
    }
    return JSONResponse(spec)


@router.get("/overview/export.{fmt}")
def export(
    ctx: CtxDep,
    fmt: str,
    region: str | None = None,
    as_of: str | None = None,
    q: str = "",
    sort: str = "",
    dir: str = Query("desc"),
) -> Response:
    """The table exactly as shown (same selection, filter and order) as Excel or CSV."""
    if fmt not in ("xlsx", "csv"):
        raise NotFound("Export formats are xlsx and csv.")
    sel = selection(ctx, region, as_of, q, sort, dir)
    data = _load(ctx, sel)
    table = overview_table(ctx, sel, data)
    about = [
        (ctx._("Selection"), _scope_label(ctx, sel)),
        (ctx._("Still waiting on"), sel.as_of.isoformat()),
        (ctx._("View"), ctx._("Pause-adjusted clock")),
        (ctx._("Rule set"), data.data.rule_set),
        (ctx._("Filter"), sel.q),
        *((ctx._("Note"), note) for note in table.notes),
    ]
    return download(
        table,
        fmt,
        name=f"vardkoll-lagesbild-{sel.region or 'alla'}-{sel.as_of.isoformat()}",
        sheet=ctx._("Overview"),
        about=about,
        formatter=cell_formatter(ctx.lang),
    )
