"""Saved production plans: save the goal's plan, list the plans, follow one up against actual.

Saving is a POST with the session's CSRF token; the plan saved is recomputed from the same
goal parameters the page showed (the service's cache makes that the same answer), never taken
from the form's numbers, so nobody can save a plan for a queue outside their scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from vardkoll.domain import NotFound
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.services.planning import (
    PlanningKey,
    goal_answer,
    list_plans,
    parse_goal,
    plan_follow_up,
    save_plan,
    unit_names,
)
from vardkoll.web.planning_request import pick_case
from vardkoll.web.planning_views import follow_up_table, plan_table, queue_label
from vardkoll.web.routes.overview import cell_formatter
from vardkoll.web.tables import download
from vardkoll.web.templating import render

router = APIRouter(include_in_schema=False)


@router.post("/planning/plans")
def save(
    ctx: CtxDep,
    csrf_token: Annotated[str, Form()] = "",
    queue: Annotated[str, Form()] = "",
    by: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
    scenario: Annotated[str, Form()] = "",
) -> Response:
    """Save the production plan of a goal and show its follow-up page."""
    ctx.check_csrf(csrf_token)
    case = pick_case(ctx, queue or None)
    by_date, share = parse_goal(by, target, case)
    answer = goal_answer(ctx.settings, ctx.scope, case.key, by=by_date, target_share=share)
    description = scenario.strip() or ctx._("%(share)s within the guarantee by %(date)s") % {
        "share": f"{share:.0%}",
        "date": by_date.isoformat(),
    }
    plan_id = save_plan(
        ctx.engine,
        ctx.scope,
        region_code=case.choice.region_code,
        key=case.key,
        as_of=case.as_of,
        weeks=answer.plan,
        scenario=description,
    )
    return RedirectResponse(f"/planning/plans/{plan_id}", status_code=303)


@router.get("/planning/plans")
def plans_page(ctx: CtxDep) -> Response:
    """The saved plans the user may see, newest first."""
    plans = list_plans(ctx.engine, ctx.scope)
    names = unit_names(ctx.settings, [p.key.unit_id for p in plans])
    return render(ctx, "planning_plans.html", plans=plans, label=_labeller(ctx, names))


def _labeller(ctx: Ctx, names: dict[str, str]) -> Callable[[PlanningKey], str]:
    """Queue labels with the unit's name, never its id (issue 07)."""
    return lambda key: queue_label(key, names.get(key.unit_id, key.unit_id), ctx._, ctx.lang)


def _label(ctx: Ctx, key: PlanningKey) -> str:
    return _labeller(ctx, unit_names(ctx.settings, [key.unit_id]))(key)


@router.get("/planning/plans/{plan_id}")
def plan_page(ctx: CtxDep, plan_id: int) -> Response:
    """Plan vs actual for one saved plan, each deviation explained."""
    follow = plan_follow_up(ctx.settings, ctx.engine, ctx.scope, plan_id)
    return render(
        ctx,
        "planning_plan.html",
        follow=follow,
        plan=follow.plan,
        title=_label(ctx, follow.plan.key),
        table=follow_up_table(follow.rows, ctx._),
        cell=cell_formatter(ctx.lang),
    )


@router.get("/planning/plans/{plan_id}/export.{fmt}")
def plan_export(ctx: CtxDep, plan_id: int, fmt: str) -> Response:
    """A saved plan with its follow-up as Excel or CSV."""
    if fmt not in ("xlsx", "csv"):
        raise NotFound("Export formats are xlsx and csv.")
    follow = plan_follow_up(ctx.settings, ctx.engine, ctx.scope, plan_id)
    table = follow_up_table(follow.rows, ctx._)
    if not follow.rows:
        table = plan_table(follow.plan.weeks, ctx._)
    name = f"vardkoll-plan-{plan_id}-uppfoljning"
    plan = follow.plan
    about = [
        (ctx._("Queue"), _label(ctx, plan.key)),
        (ctx._("Scenario name"), plan.scenario),
        (ctx._("Saved by"), plan.created_by),
        (ctx._("Saved"), plan.created_at.isoformat(timespec="minutes")),
        (ctx._("Actual up to"), follow.store_as_of.isoformat()),
    ]
    return download(
        table,
        fmt,
        name=name,
        sheet=ctx._("Plan vs actual"),
        about=about,
        formatter=cell_formatter(ctx.lang),
    )
