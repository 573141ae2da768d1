"""Scenarios side by side: the form, the fan charts, the comparison table and its export.

A scenario is read from the query string (``s1_name``, ``s1_capacity`` …, up to three; one
:class:`~vardkoll.web.planning_request.ScenarioQuery`) and checked by the planner service, so
the fragment, the chart spec and the Excel file of one comparison share one URL's parameters
and the planner service's cache. "Current production" is always the first column.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from vardkoll.domain import InputError, NotFound
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.planning import ScenarioOutcome
from vardkoll.services.planning import PlanningCase, parse_scenarios, scenario_outcomes
from vardkoll.web.planning_request import (
    ScenarioDep,
    ScenarioQuery,
    error_text,
    is_fragment,
    pick_case,
)
from vardkoll.web.planning_views import comparison_table, fan_spec, queue_label, queue_value
from vardkoll.web.routes.overview import cell_formatter
from vardkoll.web.routes.planning import page_values
from vardkoll.web.tables import download
from vardkoll.web.templating import render

router = APIRouter(include_in_schema=False)


def _params(fields: dict[int, dict[str, str]]) -> dict[str, str]:
    return {f"s{i}_{f}": v for i, row in fields.items() for f, v in row.items() if v}


def _compare(
    ctx: Ctx, query: ScenarioQuery
) -> tuple[PlanningCase, list[ScenarioOutcome], dict[int, dict[str, str]]]:
    case = pick_case(ctx, query.queue)
    fields = query.fields(ctx._)
    scenarios = parse_scenarios(fields, case, ctx._)
    case, outcomes = scenario_outcomes(ctx.settings, ctx.scope, case.key, scenarios)
    return case, outcomes, fields


@router.get("/planning/scenarios")
def scenarios_fragment(ctx: CtxDep, query: ScenarioDep) -> Response:
    """Fan charts and the comparison table of the base and the scenarios of the form.

    HTMX gets the comparison alone; a direct visit (or a history restore) gets the whole
    planning page with the comparison and the typed form in place (issue 07).
    """
    fragment = is_fragment(ctx)
    try:
        case, outcomes, fields = _compare(ctx, query)
    except InputError as exc:
        if fragment:
            return render(ctx, "_planning_scenarios.html", error=error_text(ctx, exc))
        case = pick_case(ctx, query.queue)
        values = page_values(ctx, case, query.fields(ctx._))
        return render(
            ctx,
            "planning.html",
            status=422,
            scenario_included=True,
            error=error_text(ctx, exc),
            **values,
        )
    result = {
        "error": None,
        "table": comparison_table(outcomes, ctx._),
        "cell": cell_formatter(ctx.lang),
        "params": urlencode({"queue": queue_value(case.key), **_params(fields)}),
        "outcomes": outcomes,
        "case": case,
    }
    if fragment:
        return render(ctx, "_planning_scenarios.html", **result)
    values = page_values(ctx, case, fields)
    return render(ctx, "planning.html", scenario_included=True, **{**values, **result})


@router.get("/planning/scenarios/chart.json")
def scenarios_chart(ctx: CtxDep, query: ScenarioDep) -> JSONResponse:
    """The fan charts' Vega-Lite spec (same parameters as the fragment)."""
    case, outcomes, _fields = _compare(ctx, query)
    return JSONResponse(fan_spec(case, outcomes, ctx._))


@router.get("/planning/scenarios/export.{fmt}")
def scenarios_export(ctx: CtxDep, fmt: str, query: ScenarioDep) -> Response:
    """The comparison table as Excel or CSV."""
    if fmt not in ("xlsx", "csv"):
        raise NotFound("Export formats are xlsx and csv.")
    case, outcomes, _fields = _compare(ctx, query)
    table = comparison_table(outcomes, ctx._)
    name = f"vardkoll-scenarier-{case.key.unit_id}-{case.key.entry_type}-{case.start}"
    about = [
        (ctx._("Queue"), queue_label(case.key, case.choice.unit_name, ctx._, ctx.lang)),
        (ctx._("Data as of"), case.as_of.isoformat()),
        (ctx._("First simulated week"), case.start.isoformat()),
        (ctx._("Weeks simulated"), str(case.weeks)),
        (ctx._("Replications"), str(outcomes[0].result.replications)),
    ]
    return download(
        table,
        fmt,
        name=name,
        sheet=ctx._("Scenarios"),
        about=about,
        formatter=cell_formatter(ctx.lang),
    )
