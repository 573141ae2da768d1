"""The REST API under ``/api/v1``: the same services as the pages, JSON out, one error envelope.

Operation ids are stable (``get_overview``, ``list_waiting_pathways`` …): generated clients and the
docs depend on them. Callers authenticate with a bearer token (system-to-system) or the browser's
session cookie. Patient-level responses are audited by the services they call.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from vardkoll.api.problems import Problem
from vardkoll.api.schemas import (
    AuditVerifyPublic,
    OverviewCellPublic,
    OverviewPublic,
    PathwayPublic,
    PathwaysPublic,
    PatientPublic,
    TrendPointPublic,
    TrendPublic,
    UserPublic,
)
from vardkoll.domain import ENTRY_TYPES, PermissionDenied, parse_day
from vardkoll.services.access import audit
from vardkoll.services.followup.disclosure import (
    ShownOverview,
    disclosure_threshold,
    shown_overview,
)
from vardkoll.services.followup.overview import region_choices, region_overview
from vardkoll.services.followup.patients import (
    WAITING_SORTS,
    PathwayRow,
    WaitingListQuery,
    patient_record,
    waiting_list,
)
from vardkoll.web.context import CtxDep

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (401, 403, 404, 422, 428, 503)
}
router = APIRouter(prefix="/api/v1", tags=["v1"], responses=_ERRORS)


def _pathway(r: PathwayRow) -> PathwayPublic:
    return PathwayPublic(
        pathway_key=r.pathway_key,
        patient_pseudonym=r.patient_pseudonym,
        identity_type=r.identity_type,
        unit_id=r.unit_id,
        specialty=r.specialty,
        entry_type=r.entry_type,
        priority=r.priority,
        clock_start=r.clock_start,
        removed_on=r.removed_on,
        days_waited=r.days_waited,
        limit_days=r.limit_days,
        days_to_breach=r.days_to_breach,
    )


AsOf = Annotated[
    str | None,
    Query(
        pattern=r"^(19|2[01])\d{2}-\d{2}-\d{2}$",
        json_schema_extra={"format": "date"},
        description="ISO 8601 date (default: the date the analytics store describes).",
    ),
]


def _date(text: str | None) -> dt.date | None:
    """The date of ``as_of`` (strictly ``YYYY-MM-DD``; no timestamps, no impossible dates)."""
    if text is None:
        return None
    return parse_day(text, field="as_of")


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


def _region(ctx: Any, region: str | None) -> str | None:
    if region is None:
        return None
    codes = [code for code, _ in region_choices(ctx.settings, ctx.scope)]
    if region not in codes:
        raise PermissionDenied(f"Region {region} is outside your scope.")
    return region or None


def _shown(ctx: Any, region: str | None, as_of: str | None) -> ShownOverview:
    """The overview as the caller may see it: small cells masked when it leaves the region."""
    data = region_overview(ctx.settings, ctx.scope, region=region, as_of=_date(as_of))
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
    return PathwaysPublic(view="pause_adjusted", data=[_pathway(r) for r in rows], count=count)


@router.get("/patients/{pseudonym}", operation_id="get_patient", response_model=PatientPublic)
def get_patient(
    ctx: CtxDep,
    pseudonym: str,
    purpose: Annotated[str | None, Query(max_length=500)] = None,
) -> PatientPublic:
    """One patient's pathways (404 outside the caller's scope; ``purpose`` needed if protected)."""
    record = patient_record(
        ctx.settings,
        ctx.engine,
        ctx.scope,
        ctx.actor(),
        pseudonym,
        purpose=purpose,
        resource="/api/v1/patients",
    )
    return PatientPublic(
        pseudonym=record.pseudonym,
        identity_type=record.identity_type,
        protected=record.protected,
        identity=record.identity,
        pathways=[_pathway(r) for r in record.pathways],
    )


@router.get("/audit/verify", operation_id="verify_audit_log", response_model=AuditVerifyPublic)
def verify_audit_log(ctx: CtxDep) -> AuditVerifyPublic:
    """Recompute the audit log's hash chain (administrators)."""
    if not ctx.scope.is_admin:
        raise PermissionDenied("Only administrators verify the audit log.")
    with Session(ctx.engine) as db:
        report = audit.verify(db)
    return AuditVerifyPublic(
        ok=report.ok,
        checked=report.checked,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        first_bad_seq=report.first_bad_seq,
        problem=report.problem,
    )
