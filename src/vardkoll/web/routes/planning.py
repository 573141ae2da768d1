"""The planner: pick a queue, read its forecast, ask for the capacity that meets the guarantee.

``/planning`` shows the queue's forecast and accuracy, today's list and recent production;
the goal and scenario forms answer in place (HTMX) with a progress indicator, since a few
hundred replications take seconds. The production plan of a goal can be exported or saved;
saved plans are followed up against what was produced (:mod:`.planning_plans`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from vardkoll.domain import InputError, NotFound, parse_day
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.services.planning.planner import PlanningCase, planning_choices
from vardkoll.services.planning.questions import GoalAnswer, goal_answer
from vardkoll.web.planning_request import is_fragment, pick_case
from vardkoll.web.planning_views import (
    TRUST_LABELS,
    fmt_one,
    forecast_spec,
    goal_facts,
    plan_table,
    queue_label,
    queue_value,
)
from vardkoll.web.routes.overview import cell_formatter
from vardkoll.web.routes.planning_scenarios import FIELDS, SLOTS, ScenarioForm
from vardkoll.web.tables import download
from vardkoll.web.templating import render

router = APIRouter(include_in_schema=False)


def default_goal_date(case: PlanningCase) -> dt.date:
    """Half a year ahead: the Sunday ending week 26."""
    return case.week_start(26) - dt.timedelta(days=1)


def parse_goal(by: str | None, target: str | None, case: PlanningCase) -> tuple[dt.date, float]:
    """The goal form: a date and a percentage (0–100, exclusive)."""
    problems: list[dict[str, str]] = []
    try:
        by_date = parse_day(by, field="by") if by else default_goal_date(case)
    except ValueError:
        problems.append(
            {
                "field": "by",
                "code": "invalid_input",
                "message": f"by must be a date such as 2025-09-28; got {by!r}.",
            }
        )
        by_date = default_goal_date(case)
    try:
        share = float((target or "90").replace(",", ".")) / 100
    except ValueError:
        problems.append(
            {
                "field": "target",
                "code": "invalid_input",
                "message": f"target must be a percentage such as 90; got {target!r}.",
            }
        )
        share = 0.9
    if problems:
        raise InputError(" ".join(p["message"] for p in problems), errors=problems)
    return by_date, share


@router.get("/planning")
def planning_page(ctx: CtxDep, queue: str | None = None) -> Response:
    """The planner for one queue; an HTMX request gets only the panel."""
    case = pick_case(ctx, queue)
    choices = planning_choices(ctx.settings, ctx.scope)
    selected = queue_value(case.key)
    f = case.forecast
    values: dict[str, Any] = {
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
        "scenario_form": ScenarioForm.from_query({}, ctx._).values,
        "fmt_one": lambda v, digits=1: fmt_one(v, ctx.lang, digits),
        "slots": SLOTS,
        "fields": FIELDS,
    }
    template = "_planning_panel.html" if is_fragment(ctx) else "planning.html"
    return render(ctx, template, **values)


@router.get("/planning/forecast.json")
def forecast_chart(ctx: CtxDep, queue: str | None = None) -> JSONResponse:
    """The forecast chart of the queue (Vega-Lite, data inline)."""
    case = pick_case(ctx, queue)
    return JSONResponse(forecast_spec(case, ctx._))


def _goal(ctx: Ctx, queue: str | None, by: str | None, target: str | None) -> GoalAnswer:
    case = pick_case(ctx, queue)
    by_date, share = parse_goal(by, target, case)
    return goal_answer(ctx.settings, ctx.scope, case.key, by=by_date, target_share=share)


@router.get("/planning/goal")
def goal_fragment(
    ctx: CtxDep, queue: str | None = None, by: str | None = None, target: str | None = None
) -> Response:
    """The capacity that reaches the target by the date: relief, sustainable, confirmation."""
    try:
        answer = _goal(ctx, queue, by, target)
    except InputError as exc:
        status = 200 if is_fragment(ctx) else 422
        return render(ctx, "_planning_goal.html", status=status, error=exc.message)
    params = urlencode(
        {
            "queue": queue_value(answer.case.key),
            "by": answer.by.isoformat(),
            "target": f"{answer.goal.target_share * 100:g}",
        }
    )
    return render(
        ctx,
        "_planning_goal.html",
        error=None,
        answer=answer,
        facts=goal_facts(answer),
        table=plan_table(answer.plan, ctx._),
        cell=cell_formatter(ctx.lang),
        params=params,
        queue=queue_value(answer.case.key),
        fmt_one=lambda v: fmt_one(v, ctx.lang),
    )


@router.get("/planning/plan.{fmt}")
def plan_export(
    ctx: CtxDep,
    fmt: str,
    queue: str | None = None,
    by: str | None = None,
    target: str | None = None,
) -> Response:
    """The production plan of the goal as Excel or CSV, exactly the table shown."""
    if fmt not in ("xlsx", "csv"):
        raise NotFound("Export formats are xlsx and csv.")
    answer = _goal(ctx, queue, by, target)
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
