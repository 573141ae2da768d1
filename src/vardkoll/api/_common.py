"""What the ``/api/v1`` resource routers share: the error responses, ``as_of`` and pathway rows."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from vardkoll.api.schemas import PathwayPublic
from vardkoll.domain import parse_day
from vardkoll.http.problems import Problem
from vardkoll.services.followup import PathwayRow

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (401, 403, 404, 422, 428, 503)
}
"""The problem responses every ``v1`` resource documents (one envelope for all errors)."""


def v1_router() -> APIRouter:
    """A resource's router: same prefix, tag and documented errors, so the OpenAPI stays one."""
    return APIRouter(prefix="/api/v1", tags=["v1"], responses=ERRORS)


AsOf = Annotated[
    str | None,
    Query(
        pattern=r"^(19|2[01])\d{2}-\d{2}-\d{2}$",
        json_schema_extra={"format": "date"},
        description="ISO 8601 date (default: the date the analytics store describes).",
    ),
]


def as_of_date(text: str | None) -> dt.date | None:
    """The date of ``as_of`` (strictly ``YYYY-MM-DD``; no timestamps, no impossible dates)."""
    if text is None:
        return None
    return parse_day(text, field="as_of")


def pathway_public(r: PathwayRow) -> PathwayPublic:
    """One pathway as both the waiting list and the patient record publish it."""
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
