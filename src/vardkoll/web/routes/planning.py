"""The planner: pick a queue, read its forecast, ask for the capacity that meets the guarantee.

``/planning`` shows the queue's forecast and accuracy, today's list and recent production;
the goal and scenario forms answer in place (HTMX) with a progress indicator, since a few
hundred replications take seconds. The production plan of a goal can be exported or saved;
saved plans are followed up against what was produced (:mod:`.planning_plans`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response

from vardkoll.domain import InputError, NotFound
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.services.planning import (
    FIELDS,
    SLOTS,
    GoalAnswer,
    PlanningCase,
    PlanningWarmer,
    default_goal_date,
    goal_answer,
    parse_goal,
    planning_choices,
    scenario_fields,
)
from vardkoll.web.planning_request import (
    GoalDep,
    GoalQuery,
    PlanningDep,
    error_text,
    is_fragment,
    pick_case,
)
from vardkoll.web.planning_views import (
    TRUST_LABELS,
    fmt_one,
    forecast_spec,
    formula_label,
    goal_facts,
    model_label,
    plan_table,
    queue_label,
    queue_value,
)
from vardkoll.web.routes.overview import cell_formatter
from vardkoll.web.tables import download
from vardkoll.web.templating import render


@asynccontextmanager
async def _warm_planner(app: FastAPI) -> AsyncIterator[None]:
    """While the app runs, a background thread keeps every queue's case cached (issue 07)."""
    warmer = PlanningWarmer(app.state.settings)
    app.state.planning_warmer = warmer
    warmer.start()
    try:
        yield
    finally:
        warmer.close()


router = APIRouter(include_in_schema=False, lifespan=_warm_planner)


def page_values(
    ctx: Ctx, case: PlanningCase, scenario_form: dict[int, dict[str, str]]
) -> dict[str, Any]:
    """What the whole planning page needs; the goal and scenario pages add their answer."""
    choices = planning_choices(ctx.settings, ctx.scope)
    selected = queue_value(case.key)
    f = case.forecast
    return {
        "case": case,
        "queue": selected,
        "queue_params": urlencode({"queue": selected}),
        "choices": [
            (queue_value(c.key), queue_label(c.key, c.unit_name, ctx._, ctx.lang)) for c in choices
        ],
        "title": queue_label(case.key, case.choice.unit_name, ctx._, ctx.lang),
        "forecast": f,
        "trust_label": ctx._(TRUST_LABELS[f.trust]) if f is not None else "",
        "forecast_next13": float(f.mean[:13].sum()) if f is not None else None,
        "default_by": default_goal_date(case),
        "recent_per_week": case.per_working_day * 5,
        "scenario_form": scenario_form,
        "fmt_one": lambda v, digits=1: fmt_one(v, ctx.lang, digits),
        "model_label": lambda m: model_label(m, ctx._),
        "formula_label": lambda m: formula_label(m, ctx._),
        "slots": SLOTS,
        "fields": FIELDS,
    }


@router.get("/planning")
def planning_page(ctx: CtxDep, query: PlanningDep) -> Response:
    """The planner for one queue; an HTMX request gets only the panel."""
    case = pick_case(ctx, query.queue)
    values = page_values(ctx, case, scenario_fields({}, ctx._))
    template = "_planning_panel.html" if is_fragment(ctx) else "planning.html"
    return render(ctx, template, **values)


@router.get("/planning/forecast.json")
def forecast_chart(ctx: CtxDep, query: PlanningDep) -> JSONResponse:
    """The forecast chart of the queue (Vega-Lite, data inline)."""
    case = pick_case(ctx, query.queue)
    return JSONResponse(forecast_spec(case, ctx._))


def _goal(ctx: Ctx, query: GoalQuery) -> GoalAnswer:
    case = pick_case(ctx, query.queue)
    by_date, share = parse_goal(query.by, query.target, case)
    return goal_answer(ctx.settings, ctx.scope, case.key, by=by_date, target_share=share)


@router.get("/planning/goal")
def goal_fragment(ctx: CtxDep, query: GoalDep) -> Response:
    """The capacity that reaches the target by the date: relief, sustainable, confirmation.

    HTMX gets the answer alone; a direct visit gets the whole planning page with the answer in
    its place (a bookmarked or reloaded link must not lose the header and styles).
    """
    fragment = is_fragment(ctx)
    try:
        answer = _goal(ctx, query)
    except InputError as exc:
        if fragment:
            return render(ctx, "_planning_goal.html", error=error_text(ctx, exc))
        case = pick_case(ctx, query.queue)
        values = page_values(ctx, case, scenario_fields({}, ctx._))
        return render(
            ctx,
            "planning.html",
            status=422,
            goal_included=True,
            error=error_text(ctx, exc),
            **values,
        )
    params = urlencode(
        {
            "queue": queue_value(answer.case.key),
            "by": answer.by.isoformat(),
            "target": f"{answer.goal.target_share * 100:g}",
        }
    )
    goal = {
        "error": None,
        "answer": answer,
        "facts": goal_facts(answer),
        "table": plan_table(answer.plan, ctx._),
        "cell": cell_formatter(ctx.lang),
        "params": params,
        "formula_label": lambda m: formula_label(m, ctx._),
    }
    if fragment:
        return render(
            ctx,
            "_planning_goal.html",
            queue=queue_value(answer.case.key),
            fmt_one=lambda v: fmt_one(v, ctx.lang),
            **goal,
        )
    values = page_values(ctx, answer.case, scenario_fields({}, ctx._))
    return render(ctx, "planning.html", goal_included=True, **{**values, **goal})


@router.get("/planning/plan.{fmt}")
def plan_export(ctx: CtxDep, fmt: str, query: GoalDep) -> Response:
    """The production plan of the goal as Excel or CSV, exactly the table shown."""
    if fmt not in ("xlsx", "csv"):
        raise NotFound("Export formats are xlsx and csv.")
    answer = _goal(ctx, query)
    table = plan_table(answer.plan, ctx._)
    key = answer.case.key
    name = f"vardkoll-produktionsplan-{key.unit_id}-{key.entry_type}-{answer.case.start}"
    facts = goal_facts(answer)
    about = [
        (ctx._("Queue"), queue_label(key, answer.case.choice.unit_name, ctx._, ctx.lang)),
        (ctx._("Data as of"), answer.case.as_of.isoformat()),
        (ctx._("Goal"), f"{answer.goal.target_share:.0%} ≤ {answer.by.isoformat()}"),
        (ctx._("Relief capacity per week"), fmt_one(facts["relief_per_week"], ctx.lang)),
        (
            ctx._("Sustainable capacity per week"),
            fmt_one(facts["sustainable_per_week"], ctx.lang),
        ),
        (ctx._("Confirmed by simulation"), ctx._("Yes") if facts["confirmed"] else ctx._("No")),
    ]
    return download(
        table,
        fmt,
        name=name,
        sheet=ctx._("Production plan"),
        about=about,
        formatter=cell_formatter(ctx.lang),
    )
