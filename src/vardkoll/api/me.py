"""``/api/v1/me``: who the caller is, so a client can show or hide what the caller may do."""

from __future__ import annotations

from vardkoll.api._common import v1_router
from vardkoll.api.schemas import UserPublic
from vardkoll.http.context import CtxDep

router = v1_router()


@router.get("/me", operation_id="get_me", response_model=UserPublic)
def get_me(ctx: CtxDep) -> UserPublic:
    """Who the caller is, and how far each of their rights reaches."""
    p = ctx.require_user()
    scope = ctx.scope
    return UserPublic(
        username=p.username,
        role=p.role,
        region_code=p.region_code,
        unit_ids=list(p.unit_ids),
        municipality_code=p.municipality_code,
        rights={r: scope.reach(r) for r in ("aggregates", "waiting_list", "discharge")},
    )
