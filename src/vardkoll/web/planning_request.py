"""Reading a planner request: which queue, its query as one model per page, and fragments.

Shared by the planning routes (page, goal, scenarios, saved plans) so each reads the queue the
same way and a queue outside the user's scope is always a 404. Each page reads its query string
through one pydantic model (``Annotated[GoalQuery, Depends()]``); what the values mean is
decided in :mod:`vardkoll.services.planning.forms`, shared with the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel

from vardkoll.domain import InputError, NotFound
from vardkoll.http.context import Ctx
from vardkoll.services.planning import (
    FIELDS,
    SLOTS,
    PlanningCase,
    PlanningKey,
    Problem,
    planning_case,
    planning_choices,
    scenario_fields,
)

__all__ = [
    "GoalDep",
    "GoalQuery",
    "PlanningDep",
    "PlanningQuery",
    "ScenarioDep",
    "ScenarioQuery",
    "error_text",
    "is_fragment",
    "parse_queue",
    "pick_case",
]


class PlanningQuery(BaseModel):
    """``/planning``: the queue as ``unit|specialty|entry_type`` (default: the first in scope)."""

    queue: str | None = None


class GoalQuery(PlanningQuery):
    """The goal form: a date (ISO) and a percentage, both optional (the service's defaults)."""

    by: str | None = None
    target: str | None = None


class ScenarioQuery(PlanningQuery):
    """The scenario form: ``s1_name``, ``s1_capacity`` … for up to three scenarios."""

    s1_name: str | None = None
    s1_capacity: str | None = None
    s1_extra: str | None = None
    s1_extra_weeks: str | None = None
    s1_closed: str | None = None
    s1_redirect: str | None = None
    s1_demand: str | None = None
    s2_name: str | None = None
    s2_capacity: str | None = None
    s2_extra: str | None = None
    s2_extra_weeks: str | None = None
    s2_closed: str | None = None
    s2_redirect: str | None = None
    s2_demand: str | None = None
    s3_name: str | None = None
    s3_capacity: str | None = None
    s3_extra: str | None = None
    s3_extra_weeks: str | None = None
    s3_closed: str | None = None
    s3_redirect: str | None = None
    s3_demand: str | None = None

    def fields(self, _: Callable[[str], str]) -> dict[int, dict[str, str]]:
        """The typed fields per slot; with none given, the form's defaults."""
        given = {
            f"s{i}_{f}": value
            for i in SLOTS
            for f in FIELDS
            if (value := getattr(self, f"s{i}_{f}")) is not None
        }
        return scenario_fields(given, _)


PlanningDep = Annotated[PlanningQuery, Depends()]
GoalDep = Annotated[GoalQuery, Depends()]
ScenarioDep = Annotated[ScenarioQuery, Depends()]


def parse_queue(value: str | None) -> PlanningKey | None:
    """``unit|specialty|entry_type`` from the selector; ``None`` when not given."""
    if not value:
        return None
    parts = value.split("|")
    if len(parts) != 3 or not all(parts):
        raise InputError(f"queue must be unit|specialty|entry_type; got {value!r}.", field="queue")
    return PlanningKey(*parts)


def pick_case(ctx: Ctx, queue: str | None) -> PlanningCase:
    """The case of the requested queue (or the first one in scope)."""
    key = parse_queue(queue)
    if key is None:
        choices = planning_choices(ctx.settings, ctx.scope)
        if not choices:
            raise NotFound("No queues in your scope have clock starts in the last year.")
        key = choices[0].key
    return planning_case(ctx.settings, ctx.scope, key)


def error_text(ctx: Ctx, exc: InputError) -> str:
    """The error in the user's language where the service says it as message ids."""
    problems = exc.context.get("problems")
    if isinstance(problems, tuple) and all(isinstance(p, Problem) for p in problems):
        return " ".join(p.translated(ctx._) for p in problems)
    return exc.message


def is_fragment(ctx: Ctx) -> bool:
    """An HTMX request for a panel; a direct visit or a history restore wants the whole page.

    HTMX sends ``HX-Request: true`` on its requests, and ``HX-History-Restore-Request: true``
    when it re-fetches a page missing from its history cache (which must be the full page).
    """
    headers = ctx.request.headers
    htmx = headers.get("hx-request", "").strip().lower() == "true"
    restore = headers.get("hx-history-restore-request", "").strip().lower() == "true"
    return htmx and not restore
