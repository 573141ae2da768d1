"""The overview's alerts as JSON (``/alerts``): the same alerts as the page's panel, at the
month end of ``as_of`` (default the store's date), so a caller can ask about the date it shows.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from vardkoll.api._common import AsOf, as_of_date, v1_router
from vardkoll.http.context import CtxDep
from vardkoll.services.followup import indicators as fu

router = v1_router()


class AlertPublic(BaseModel):
    """One alert for one unit and entry type."""

    kind: str = Field(description="'share_falling' or 'queue_growing'.")
    key: dict[str, str | None] = Field(description="region_code, provider_id, unit_id, entry_type")
    unit_name: str | None
    reasons: list[str]
    figures: dict[str, float | None] = Field(description="The numbers behind the alert.")


class AlertsPublic(BaseModel):
    """The alerts at ``month_end`` in the caller's reach (``count`` alerts in ``data``)."""

    month_end: dt.date
    region: str | None
    data: list[AlertPublic]
    count: int


@router.get("/alerts", operation_id="list_alerts", response_model=AlertsPublic)
def list_alerts(
    ctx: CtxDep,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
    as_of: AsOf = None,
) -> AlertsPublic:
    """Where the share within the guarantee falls and where the queue outgrows production."""
    month_end, alerts = fu.region_alerts(ctx.settings, ctx.scope, region, as_of=as_of_date(as_of))
    names = fu.names(ctx.settings)
    data = [
        AlertPublic(
            kind=a.kind,
            key=dict(a.key),
            unit_name=names.of("unit_id", a.key.get("unit_id")),
            reasons=list(a.reasons),
            figures={k: (v if math.isfinite(v) else None) for k, v in a.figures.items()},
        )
        for a in alerts
    ]
    return AlertsPublic(month_end=month_end, region=region, data=data, count=len(data))
