"""The REST API under ``/api/v1``: the same services as the pages, JSON out, one error envelope.

This module serves the overview (``/overview``, ``/overview/trend``); each other resource has its
router beside it (``me``, ``waiting_lists``, ``patients``, ``audit``, ``imports``,
``indicators``), assembled by :func:`vardkoll.api.app.install_api`.

Operation ids are stable (``get_overview``, ``list_waiting_pathways`` …): generated clients and the
docs depend on them. Callers authenticate with a bearer token (system-to-system) or the browser's
session cookie. Patient-level responses are audited by the services they call.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from vardkoll.api._common import AsOf, as_of_date, v1_router
from vardkoll.api.schemas import OverviewCellPublic, OverviewPublic, TrendPointPublic, TrendPublic
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.services.followup import (
    ShownOverview,
    disclosure_threshold,
    pick_region,
    region_overview,
    shown_overview,
)

router = v1_router()


def _region(ctx: Ctx, region: str | None) -> str | None:
    """The same choice as the overview page makes (:func:`pick_region`), ``None`` for all."""
    return pick_region(ctx.settings, ctx.scope, region) or None


def _shown(ctx: Ctx, region: str | None, as_of: str | None) -> ShownOverview:
    """The overview as the caller may see it: small cells masked when it leaves the region."""
    data = region_overview(ctx.settings, ctx.scope, region=region, as_of=as_of_date(as_of))
    return shown_overview(data, disclosure_threshold(ctx.settings, ctx.scope))


@router.get("/overview", operation_id="get_overview", response_model=OverviewPublic)
def get_overview(
    ctx: CtxDep,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
    as_of: AsOf = None,
) -> OverviewPublic:
    """Counts waiting per entry type and specialty on a date, within the caller's scope."""
    picked = _region(ctx, region)
    shown = _shown(ctx, picked, as_of)
    cells = [
        OverviewCellPublic(
            entry_type=c.entry_type,
            specialty=c.specialty,
            waiting=c.waiting,
            within_limit=c.within_limit,
            beyond_limit=c.beyond_limit,
            share_within=c.share_within,
            limit_days=c.limit_days,
            masked=c.masked,
        )
        for c in shown.cells
    ]
    data = shown.data
    return OverviewPublic(
        as_of=data.as_of,
        view=data.view,
        rule_set=data.rule_set,
        region=picked,
        masked_below=shown.threshold or None,
        data=cells,
        count=len(cells),
    )


@router.get("/overview/trend", operation_id="get_overview_trend", response_model=TrendPublic)
def get_overview_trend(
    ctx: CtxDep,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
    as_of: AsOf = None,
) -> TrendPublic:
    """Still waiting per entry type at each of the last 24 month ends."""
    picked = _region(ctx, region)
    shown = _shown(ctx, picked, as_of)
    points = [
        TrendPointPublic(
            month_end=t.month_end,
            entry_type=t.entry_type,
            waiting=t.waiting,
            within_limit=t.within_limit,
            share_within=t.share_within,
        )
        for t in shown.trend
    ]
    return TrendPublic(view=shown.data.view, data=points, count=len(points))
