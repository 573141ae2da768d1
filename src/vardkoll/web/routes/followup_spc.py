"""The SPC page: an indicator's XmR chart, its special causes and a change point for new limits."""

from __future__ import annotations

from babel.numbers import format_decimal
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from vardkoll.analytics import get_indicator
from vardkoll.domain import ENTRY_TYPES
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.http.i18n import BABEL_LOCALE, N_
from vardkoll.services.followup import indicators as fu
from vardkoll.web.labels import entry_label
from vardkoll.web.routes.followup_charts import spc_spec
from vardkoll.web.routes.followup_common import (
    ASSESSMENT_LABELS,
    RULE_LABELS,
    VIEW_LABELS,
    breadcrumbs,
    check_entry,
    indicator_name,
    parse_date,
    pick_place,
    place_params,
    query,
)
from vardkoll.web.templating import render

router = APIRouter(include_in_schema=False)

UNIT_LABELS: dict[str, str] = {
    "share 0–1": N_("share 0–1"),
    "pathways": N_("pathways"),
    "days": N_("days"),
}


def _spc(
    ctx: Ctx,
    region: str,
    provider: str,
    unit: str,
    entry_type: str,
    indicator: str,
    view: str,
    change: str,
) -> tuple[fu.Place, fu.SpcView]:
    place = pick_place(ctx, region, provider, unit)
    chart = fu.spc(
        ctx.settings,
        ctx.scope,
        place,
        entry_type=check_entry(entry_type),
        indicator=indicator,
        view=view,
        change=parse_date(change, "change"),
    )
    return place, chart


@router.get("/followup/spc")
def spc_page(
    ctx: CtxDep,
    region: str = "",
    provider: str = "",
    unit: str = "",
    entry_type: str = "first_visit",
    indicator: str = "waiting_within_limit_share",
    view: str = "pause_adjusted",
    change: str = "",
) -> Response:
    """An indicator's XmR chart with its special causes; limits recalculable at a change point."""
    place, data = _spc(ctx, region, provider, unit, entry_type, indicator, view, change)
    chart = data.chart
    status = chart.point_status()
    points = [
        {
            "label": d,
            "value": float(chart.values[i]),
            "centre": float(chart.centre[i]),
            "lower": float(chart.lower[i]),
            "upper": float(chart.upper[i]),
            "status": ctx._(ASSESSMENT_LABELS[status[i]]),
        }
        for i, d in enumerate(data.labels)
    ]
    signals = [
        {
            "rule": ctx._(RULE_LABELS[s.rule]),
            "assessment": ctx._(ASSESSMENT_LABELS[s.assessment]),
            "from": data.labels[s.points[0]],
            "to": data.labels[s.points[-1]],
            "points": len(s.points),
        }
        for s in chart.signals
    ]
    base = {**place_params(place), "entry_type": entry_type, "indicator": indicator, "view": view}
    definition = get_indicator(indicator)
    return render(
        ctx,
        "followup_spc.html",
        place=place,
        crumbs=breadcrumbs(ctx, place),
        data=data,
        points=points,
        signals=signals,
        share=definition.unit.startswith("share"),
        indicator_label=indicator_name(ctx, indicator),
        indicator_help=definition.help_sv if ctx.lang == "sv" else definition.help,
        unit_label=ctx._(UNIT_LABELS.get(definition.unit, definition.unit)),
        indicators=[(n, indicator_name(ctx, n)) for n in fu.SPC_INDICATORS],
        entry_types=[(e, entry_label(e, ctx._)) for e in ENTRY_TYPES],
        views=[(k, ctx._(v)) for k, v in VIEW_LABELS.items()],
        base=base,
        spec_url="/followup/spc.json?" + query(**base, change=change),
        change=change,
        view_label=ctx._(VIEW_LABELS[view]),
        num=lambda v: format_decimal(round(v, 1), format="#,##0.0", locale=BABEL_LOCALE[ctx.lang]),
    )


@router.get("/followup/spc.json")
def spc_json(
    ctx: CtxDep,
    region: str = "",
    provider: str = "",
    unit: str = "",
    entry_type: str = "first_visit",
    indicator: str = "waiting_within_limit_share",
    view: str = "pause_adjusted",
    change: str = "",
) -> JSONResponse:
    """The XmR chart as a Vega-Lite spec (data inline; drawn by the browser)."""
    _unused, data = _spc(ctx, region, provider, unit, entry_type, indicator, view, change)
    definition = get_indicator(indicator)
    title = f"{indicator_name(ctx, indicator)} · {entry_label(entry_type, ctx._)}"
    return JSONResponse(
        spc_spec(
            data.chart,
            [d.isoformat() for d in data.labels],
            title=title,
            unit="%"
            if definition.unit == "share 0–1"
            else ctx._(UNIT_LABELS.get(definition.unit, definition.unit)),
            status_labels={k: ctx._(v) for k, v in ASSESSMENT_LABELS.items()},
            description=ctx._("SPC chart (XmR) with centre line and process limits"),
            percent=definition.unit == "share 0–1",
        )
    )
