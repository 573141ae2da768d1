"""The indicator API: definitions, any cut at any single date or period, series with SPC.

``GET /api/v1/indicators`` lists the definitions (the same data as the reference page);
``/waiting``, ``/completed`` and ``/flows`` answer one date or one period for any cut of the
dimensions; ``/series`` gives one indicator's monthly values with its XmR chart. Every answer is
narrowed to the caller's reach before anything is computed (national analysts: every region;
others: their region or units); figures leaving the region have small counts masked. Operation
ids are stable.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from vardkoll.analytics import DIMENSIONS, INDICATORS, RULES
from vardkoll.domain import ENTRY_TYPES, parse_day
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.http.problems import Problem
from vardkoll.services.followup import indicator_table, store_facts
from vardkoll.services.followup import indicators as fu

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (401, 403, 404, 422, 503)
}
router = APIRouter(prefix="/api/v1/indicators", tags=["indicators"], responses=_ERRORS)

Cell = str | int | float | bool | None


class IndicatorPublic(BaseModel):
    """One indicator's definition: names, formula, unit, help and where it is reported."""

    name: str
    name_sv: str
    name_en: str
    table: str
    formula: str
    unit: str
    help: str
    views: list[str]


class IndicatorsPublic(BaseModel):
    """Every indicator definition and the dimensions a cut may group by."""

    data: list[IndicatorPublic]
    count: int
    dimensions: dict[str, str]


class IndicatorRowsPublic(BaseModel):
    """A page of one result table: ``data`` holds at most ``limit`` of ``count`` rows.

    Rows carry the cut's columns, then the table's value columns (reference/indicators.md);
    ``masked`` is true where small counts are withheld because the figures leave the region.
    """

    table: str
    by: list[str]
    start: dt.date | None = Field(description="First day of the period (completed, flows).")
    end: dt.date = Field(description="The date (waiting) or the period's last day.")
    masking_threshold: int | None = Field(
        description="Counts below this are masked; null when nothing is masked for the caller."
    )
    data: list[dict[str, Cell]]
    count: int


class SeriesPointPublic(BaseModel):
    """One month of an SPC series: the value, the phase's centre and limits, the status."""

    month_end: dt.date
    value: float
    centre: float
    lower: float
    upper: float
    phase: int
    status: str = Field(description="common, improvement, concern or neutral.")


class SignalPublic(BaseModel):
    """One special cause: the rule, its assessment and the months it covers."""

    rule: str
    assessment: str
    side: str
    month_ends: list[dt.date]


class SeriesPublic(BaseModel):
    """One indicator per month end with its XmR chart (``count`` points in ``data``)."""

    indicator: str
    entry_type: str
    view: str
    direction: str | None = Field(description="Which way is better: up, down or null.")
    change_points: list[dt.date]
    data: list[SeriesPointPublic]
    signals: list[SignalPublic]
    count: int


DateText = Annotated[
    str | None,
    Query(
        pattern=r"^(19|20|21)\d{2}-\d{2}-\d{2}$",
        json_schema_extra={"format": "date"},
        description="ISO 8601 date.",
    ),
]
Region = Annotated[str | None, Query(pattern=r"^[0-9]{2}$", description="County code.")]
Code = Annotated[str | None, Query(max_length=64)]
Dimension = Literal[tuple(DIMENSIONS)]  # type: ignore[valid-type]
By = Annotated[
    list[Dimension] | None,  # type: ignore[valid-type]
    Query(description="The cut: repeat for each dimension (default region_code)."),
]
Days = Annotated[
    int | None,
    Query(ge=1, le=3660, description="Length of the period ending on `end`, in days."),
]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Limit = Annotated[int, Query(ge=1, le=1000)]
ViewName = Literal["national", "pause_adjusted"]


def _date(text: str | None, field: str) -> dt.date | None:
    if text is None:
        return None
    return parse_day(text, field=field)


def _by(by: list[str] | None) -> list[str]:
    """The cut's dimensions in order, each once."""
    return list(dict.fromkeys(by or ["region_code"]))


def _cell(value: Any) -> Cell:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):  # NumPy scalars
        return _cell(value.item())
    return str(value)


def _rows(
    ctx: Ctx,
    table: str,
    region: str | None,
    by: list[str] | None,
    start: dt.date,
    end: dt.date,
    view: str | None,
    offset: int,
    limit: int,
) -> IndicatorRowsPublic:
    keys = _by(by)
    place = fu.resolve_place(ctx.settings, ctx.scope, region=region)
    frame = indicator_table(ctx.settings, ctx.scope, place, table, keys, start=start, end=end)
    if view is not None and "view" in frame.columns:
        frame = frame[frame["view"] == view]
    page = frame.iloc[offset : offset + limit]
    records = [{k: _cell(v) for k, v in row.items()} for row in page.to_dict(orient="records")]
    return IndicatorRowsPublic(
        table=table,
        by=keys,
        start=None if table == "waiting" else start,
        end=end,
        masking_threshold=ctx.settings.small_cell_threshold
        if fu.masks_small_cells(ctx.scope)
        else None,
        data=records,
        count=len(frame),
    )


def _period(end: str | None, days: int | None, settings: Any) -> tuple[dt.date, dt.date]:
    """``days`` days ending on ``end`` (default: the store's date); without ``days``, the
    calendar month of ``end`` up to ``end``."""
    last = _date(end, "end") or store_facts(settings)[0]
    first = last.replace(day=1) if days is None else last - dt.timedelta(days=days - 1)
    return first, last


@router.get("", operation_id="list_indicators", response_model=IndicatorsPublic)
def list_indicators(ctx: CtxDep) -> IndicatorsPublic:
    """Every indicator's definition (name in Swedish and English, formula, unit, help)."""
    ctx.require_user()
    data = [
        IndicatorPublic(
            name=i.name,
            name_sv=i.name_sv,
            name_en=i.name_en,
            table=i.table,
            formula=i.formula,
            unit=i.unit,
            help=i.help,
            views=list(i.views),
        )
        for i in INDICATORS
    ]
    return IndicatorsPublic(data=data, count=len(data), dimensions=dict(DIMENSIONS))


@router.get("/waiting", operation_id="get_waiting_indicators", response_model=IndicatorRowsPublic)
def get_waiting_indicators(
    ctx: CtxDep,
    date: DateText = None,
    region: Region = None,
    by: By = None,
    view: Annotated[ViewName | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> IndicatorRowsPublic:
    """Still waiting at the end of ``date`` (default: the store's date), per cut and view."""
    on = _date(date, "date") or store_facts(ctx.settings)[0]
    return _rows(ctx, "waiting", region, by, on, on, view, offset, limit)


@router.get(
    "/completed", operation_id="get_completed_indicators", response_model=IndicatorRowsPublic
)
def get_completed_indicators(
    ctx: CtxDep,
    end: DateText = None,
    days: Days = None,
    region: Region = None,
    by: By = None,
    view: Annotated[ViewName | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> IndicatorRowsPublic:
    """Completed in the period, treated and removed for other reasons apart."""
    first, last = _period(end, days, ctx.settings)
    return _rows(ctx, "completed", region, by, first, last, view, offset, limit)


@router.get("/flows", operation_id="get_flow_indicators", response_model=IndicatorRowsPublic)
def get_flow_indicators(
    ctx: CtxDep,
    end: DateText = None,
    days: Days = None,
    region: Region = None,
    by: By = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> IndicatorRowsPublic:
    """Queue at both ends of the period, inflow, outflow and net change."""
    first, last = _period(end, days, ctx.settings)
    return _rows(ctx, "flows", region, by, first, last, None, offset, limit)


@router.get("/series", operation_id="get_indicator_series", response_model=SeriesPublic)
def get_indicator_series(
    ctx: CtxDep,
    indicator: Annotated[
        Literal[fu.SPC_INDICATORS],  # type: ignore[valid-type]
        Query(),
    ] = "waiting_within_limit_share",
    entry_type: Annotated[Literal[ENTRY_TYPES], Query()] = "first_visit",  # type: ignore[valid-type]
    region: Region = None,
    provider: Code = None,
    unit: Code = None,
    view: Annotated[Literal[tuple(fu.VIEWS)], Query()] = "pause_adjusted",  # type: ignore[valid-type]
    change: DateText = None,
) -> SeriesPublic:
    """One indicator per month end (36 months) with its XmR chart and special causes."""
    place = fu.resolve_place(ctx.settings, ctx.scope, region=region, provider=provider, unit=unit)
    data = fu.spc(
        ctx.settings,
        ctx.scope,
        place,
        entry_type=entry_type,
        indicator=indicator,
        view=view,
        change=_date(change, "change"),
    )
    chart = data.chart
    status = chart.point_status()
    points = [
        SeriesPointPublic(
            month_end=d,
            value=float(chart.values[i]),
            centre=float(chart.centre[i]),
            lower=float(chart.lower[i]),
            upper=float(chart.upper[i]),
            phase=int(chart.phase[i]),
            status=status[i],
        )
        for i, d in enumerate(data.labels)
    ]
    signals = [
        SignalPublic(
            rule=s.rule,
            assessment=s.assessment,
            side=s.side,
            month_ends=[data.labels[i] for i in s.points],
        )
        for s in chart.signals
        if s.rule in RULES
    ]
    return SeriesPublic(
        indicator=indicator,
        entry_type=entry_type,
        view=view,
        direction=chart.direction,
        change_points=list(data.change_points),
        data=points,
        signals=signals,
        count=len(points),
    )
