"""Reading a planner request: which queue, and whether HTMX asked for a fragment.

Shared by the planning routes (page, scenarios, saved plans) so each reads the queue the same
way and a queue outside the user's scope is always a 404.
"""

from __future__ import annotations

from vardkoll.domain import InputError, NotFound
from vardkoll.http.context import Ctx
from vardkoll.services.planning.data import PlanningKey
from vardkoll.services.planning.planner import PlanningCase, planning_case, planning_choices


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


def is_fragment(ctx: Ctx) -> bool:
    """An HTMX request for a panel (not a history restore, which wants the whole page)."""
    headers = ctx.request.headers
    return headers.get("hx-request") == "true" and not headers.get("hx-history-restore-request")
