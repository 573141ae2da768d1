"""Waiting lists and the patient page: patient-level data, so every response is audited.

The routes only translate requests into :mod:`vardkoll.services.followup.patients` calls, which
apply the
scope and write the audit record; the export reads the same query, filtered and sorted the
same, but the whole list rather than one page.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from fastapi.responses import Response

from vardkoll.domain import ENTRY_TYPES, SPECIALTIES, NotFound
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.services.followup import (
    WAITING_SORTS,
    PathwayRow,
    PurposeRequired,
    WaitingListQuery,
    patient_record,
    store_facts,
    waiting_list,
)
from vardkoll.web.labels import entry_label, region_name, specialty_label, unit_name, unit_names
from vardkoll.web.routes.overview import cell_formatter
from vardkoll.web.tables import Column, Table, download
from vardkoll.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
EXPORT_LIMIT = 1_000_000
"""More rows than any region's waiting list holds: the export has no page."""


def _query(
    entry_type: str, specialty: str, sort: str, direction: str, offset: int, unit_id: str = ""
) -> WaitingListQuery:
    """The query as asked; the scope narrows it later, so an unknown unit just finds nobody."""
    return WaitingListQuery(
        unit_id=unit_id.strip()[:64] or None,
        entry_type=entry_type if entry_type in ENTRY_TYPES else None,
        specialty=specialty if specialty in SPECIALTIES else None,
        sort=sort if sort in WAITING_SORTS else "days_to_breach",
        direction="desc" if direction == "desc" else "asc",
        offset=max(0, offset),
        limit=PAGE_SIZE,
    )


def waiting_table(ctx: Ctx, rows: list[PathwayRow], query: WaitingListQuery) -> Table:
    """The waiting list as shown: pseudonym, unit, specialty, entry type, waits."""
    _ = ctx._
    columns = [
        Column("patient_pseudonym", _("Patient (pseudonym)")),
        Column("unit_id", _("Unit")),
        Column("specialty", _("Specialty")),
        Column("entry_type", _("Entry type")),
        Column("priority", _("Priority"), "int"),
        Column("clock_start", _("Clock start"), "date"),
        Column("days_waited", _("Days waited"), "int"),
        Column("days_to_breach", _("Days left"), "int"),
    ]
    table_rows = [
        {
            "patient_pseudonym": r.patient_pseudonym,
            "unit_id": r.unit_name,
            "specialty": specialty_label(r.specialty, ctx.lang),
            "entry_type": entry_label(r.entry_type, _),
            "priority": r.priority,
            "clock_start": r.clock_start,
            "days_waited": r.days_waited,
            "days_to_breach": r.days_to_breach,
        }
        for r in rows
    ]
    return Table(columns, table_rows, query.sort, query.direction)


def _params(query: WaitingListQuery) -> Any:
    def params(**overrides: Any) -> str:
        values: dict[str, Any] = {
            "unit_id": query.unit_id,
            "entry_type": query.entry_type,
            "specialty": query.specialty,
            "sort": query.sort,
            "dir": query.direction,
            "offset": query.offset,
        }
        values.update(overrides)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

    return params


@router.get("/waiting-lists")
def waiting_page(
    ctx: CtxDep,
    entry_type: str = "",
    specialty: str = "",
    sort: str = "days_to_breach",
    dir: str = "asc",
    offset: int = 0,
    unit_id: str = "",
) -> Response:
    """One page of the waiting list in the user's scope (audited)."""
    query = _query(entry_type, specialty, sort, dir, offset, unit_id)
    rows, count = waiting_list(
        ctx.settings, ctx.engine, ctx.scope, ctx.actor(), query, resource="/waiting-lists"
    )
    as_of, _ = store_facts(ctx.settings)
    scope = ctx.scope
    label = (
        ctx._("Your units") + ": " + unit_names(ctx.settings, scope.principal.unit_ids)
        if scope.reach("waiting_list") == "units"
        else region_name(scope.principal.region_code)
    )
    values = {
        "table": waiting_table(ctx, rows, query),
        "cell": cell_formatter(ctx.lang),
        "params": _params(query),
        "query": query,
        "count": count,
        "first": query.offset + 1 if rows else 0,
        "last": query.offset + len(rows),
        "prev_offset": max(0, query.offset - PAGE_SIZE) if query.offset > 0 else None,
        "next_offset": query.offset + PAGE_SIZE if query.offset + PAGE_SIZE < count else None,
        "as_of": as_of,
        "scope_label": label,
        "unit_name": unit_name(ctx.settings, query.unit_id) if query.unit_id else "",
        "entry_types": [(e, entry_label(e, ctx._)) for e in ENTRY_TYPES],
        "specialties": sorted(
            ((c, specialty_label(c, ctx.lang)) for c in SPECIALTIES), key=lambda x: x[1]
        ),
    }
    is_fragment = ctx.request.headers.get("hx-request") == "true"
    return render(ctx, "_waiting_panel.html" if is_fragment else "waiting_list.html", **values)


@router.get("/waiting-lists/export.{fmt}")
def waiting_export(
    ctx: CtxDep,
    fmt: str,
    entry_type: str = "",
    specialty: str = "",
    sort: str = "days_to_breach",
    dir: Literal["asc", "desc"] = "asc",
    offset: int = 0,
    unit_id: str = "",
) -> Response:
    """The whole filtered, sorted waiting list as Excel or CSV (one audit record: export).

    Not just the page on screen: whoever exports wants the list they filtered (every row of
    it, in the order shown), and a page of 50 out of thousands silently looks complete. The
    ``offset`` of the page is therefore ignored; the scope still decides which rows exist.
    """
    if fmt not in ("xlsx", "csv"):
        raise NotFound("Export formats are xlsx and csv.")
    del offset
    query = replace(_query(entry_type, specialty, sort, dir, 0, unit_id), limit=EXPORT_LIMIT)
    rows, _count = waiting_list(
        ctx.settings,
        ctx.engine,
        ctx.scope,
        ctx.actor(),
        query,
        action="export",
        resource=f"/waiting-lists/export.{fmt}",
    )
    return download(
        waiting_table(ctx, rows, query),
        fmt,
        name="vardkoll-vantelista",
        sheet=ctx._("Waiting lists"),
        about=[(ctx._("View"), ctx._("Pause-adjusted clock"))],
        formatter=cell_formatter(ctx.lang),
    )


def _patient_page(ctx: Ctx, pseudonym: str, purpose: str | None) -> Response:
    try:
        record = patient_record(
            ctx.settings,
            ctx.engine,
            ctx.scope,
            ctx.actor(),
            pseudonym,
            purpose=purpose,
            resource="/patients",
        )
    except PurposeRequired:
        return render(ctx, "purpose.html", pseudonym=pseudonym)
    return render(ctx, "patient.html", record=record)


@router.get("/patients/{pseudonym}")
def patient_page(ctx: CtxDep, pseudonym: str) -> Response:
    """One patient's pathways (404 outside the user's scope; purpose form if protected)."""
    return _patient_page(ctx, pseudonym, None)


@router.post("/patients/{pseudonym}")
def patient_with_purpose(
    ctx: CtxDep,
    pseudonym: str,
    purpose: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Open a protected patient's record with a stated purpose."""
    ctx.check_csrf(csrf_token)
    return _patient_page(ctx, pseudonym, purpose)
