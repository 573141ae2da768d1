"""The monthly report page: a coordinator picks region and month and downloads PDF or Excel.

Building a report takes a few seconds, so the form asks HTMX to prepare it (the page shows the
busy indicator meanwhile) and answers with the download links; the built files are kept for a
while per user, so the download itself is immediate. Without JavaScript the form downloads
directly. A user reports only on the regions their scope reaches (404 for any other).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from vardkoll.domain import InputError, NotFound, PermissionDenied
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.services.reports import (
    FORMATS,
    media_type,
    parse_month,
    render_report,
    report_filename,
    report_for,
    store_summary,
)
from vardkoll.web.labels import region_label
from vardkoll.web.templating import render as render_page

router = APIRouter(include_in_schema=False)

_BUILT: OrderedDict[tuple[Any, ...], tuple[float, str, bytes]] = OrderedDict()
_LOCK = threading.Lock()
_KEEP = 16
_SECONDS = 15 * 60


def _regions(ctx: Ctx) -> tuple[list[str], list[str]]:
    """The regions this user may report on, and the months the store covers."""
    scope = ctx.scope
    if scope.reach("aggregates") not in ("region", "all"):
        raise PermissionDenied(
            "Your role does not include monthly reports; they need aggregates for a whole region."
        )
    _, regions, months = store_summary(ctx.settings)
    return scope.visible_regions(regions), months


def _checked(ctx: Ctx, region: str, month: str, fmt: str) -> None:
    visible, _ = _regions(ctx)
    if region not in visible:
        raise NotFound(f"No region {region!r} among the regions you may report on.")
    if fmt not in FORMATS:
        raise NotFound("Report formats are pdf and xlsx.")
    parse_month(month)


def _key(ctx: Ctx, region: str, month: str, fmt: str) -> tuple[Any, ...]:
    path = ctx.settings.resolved_analytics_path()
    stamp = path.stat().st_mtime if path.exists() else 0.0
    user = ctx.principal.user_id if ctx.principal else None
    return (user, region, month, fmt, ctx.lang, ctx.settings.small_cell_threshold, stamp)


def _built(ctx: Ctx, region: str, month: str, fmt: str) -> tuple[str, bytes]:
    """The report file (name, bytes), from this user's recent builds or built now."""
    key = _key(ctx, region, month, fmt)
    now = time.monotonic()
    with _LOCK:
        for old in [k for k, (at, _, _) in _BUILT.items() if now - at > _SECONDS]:
            del _BUILT[old]
        hit = _BUILT.get(key)
    if hit is not None:
        return hit[1], hit[2]
    report = report_for(ctx.settings, region, month)
    name, body = report_filename(report, fmt), render_report(report, fmt, ctx.lang)
    with _LOCK:
        _BUILT[key] = (now, name, body)
        while len(_BUILT) > _KEEP:
            _BUILT.popitem(last=False)
    return name, body


@router.get("/reports")
def reports_page(ctx: CtxDep, region: str | None = None, month: str | None = None) -> Response:
    """The form: region (within the user's scope) and month."""
    visible, months = _regions(ctx)
    return render_page(
        ctx,
        "reports.html",
        regions=[(code, region_label(code)) for code in visible],
        months=months,
        region=region if region in visible else (visible[0] if visible else ""),
        month=month if month in months else (months[0] if months else ""),
        threshold=ctx.settings.small_cell_threshold,
    )


@router.get("/reports/prepare")
def prepare(
    ctx: CtxDep,
    region: str = "",
    month: str = "",
    fmt: Annotated[str, Query(alias="format")] = "pdf",
) -> Response:
    """Build the report (HTMX shows the busy indicator) and answer with its download link."""
    _checked(ctx, region, month, fmt)
    name, body = _built(ctx, region, month, fmt)
    query = urlencode({"region": region, "month": month, "lang": ctx.lang})
    return render_page(
        ctx,
        "_reports_result.html",
        url=f"/reports/monthly.{fmt}?{query}",
        filename=name,
        size_kb=max(1, len(body) // 1024),
        fmt=fmt,
    )


@router.get("/reports/download")
def download_form(
    ctx: CtxDep,
    region: str = "",
    month: str = "",
    fmt: Annotated[str, Query(alias="format")] = "pdf",
) -> Response:
    """The form's target without JavaScript: the same file as ``/reports/monthly.{fmt}``."""
    return download(ctx, fmt, region, month)


@router.get("/reports/monthly.{fmt}")
def download(ctx: CtxDep, fmt: str, region: str = "", month: str = "") -> Response:
    """The report file as an attachment."""
    if not region or not month:
        raise InputError("Pick a region and a month.", field="region")
    _checked(ctx, region, month, fmt)
    name, body = _built(ctx, region, month, fmt)
    return Response(
        body,
        media_type=media_type(fmt),
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
