"""``/api/v1/waiting-list``: the pathways still waiting, page by page (patient-level, audited)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

from vardkoll.api._common import pathway_public, v1_router
from vardkoll.api.schemas import PathwaysPublic
from vardkoll.domain import ENTRY_TYPES
from vardkoll.http.context import CtxDep
from vardkoll.services.followup import WAITING_SORTS, WaitingListQuery, waiting_list

router = v1_router()


@router.get("/waiting-list", operation_id="list_waiting_pathways", response_model=PathwaysPublic)
def list_waiting_pathways(
    ctx: CtxDep,
    unit_id: Annotated[str | None, Query(max_length=64)] = None,
    specialty: Annotated[str | None, Query(max_length=64)] = None,
    entry_type: Annotated[Literal[ENTRY_TYPES] | None, Query()] = None,  # type: ignore[valid-type]
    sort: Annotated[Literal[WAITING_SORTS], Query()] = "days_to_breach",  # type: ignore[valid-type]
    direction: Annotated[Literal["asc", "desc"], Query()] = "asc",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PathwaysPublic:
    """Pathways still waiting in the caller's scope, one page at a time (audited)."""
    query = WaitingListQuery(
        unit_id=unit_id,
        specialty=specialty,
        entry_type=entry_type,
        sort=sort,
        direction=direction,
        offset=offset,
        limit=limit,
    )
    rows, count = waiting_list(
        ctx.settings, ctx.engine, ctx.scope, ctx.actor(), query, resource="/api/v1/waiting-list"
    )
    return PathwaysPublic(
        view="pause_adjusted", data=[pathway_public(r) for r in rows], count=count
    )
