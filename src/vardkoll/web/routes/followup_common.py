"""What the follow-up pages share: labels, the place from the query, breadcrumbs, exports."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import Response

from vardkoll.analytics import get_indicator
from vardkoll.domain import ENTRY_TYPES, InputError, parse_day
from vardkoll.http.context import Ctx
from vardkoll.http.i18n import N_
from vardkoll.services.followup import indicators as fu
from vardkoll.web.labels import region_label
from vardkoll.web.routes.overview import cell_formatter
from vardkoll.web.tables import Table, download
from vardkoll.web.templating import render

VIEW_LABELS: dict[str, str] = {
    "pause_adjusted": N_("Pause-adjusted clock"),
    "national": N_("National statistics, without PVV/MOV"),
    "pvv_mov": N_("National statistics, PVV/MOV reported apart"),
}
MIX_LABELS: dict[str, str] = {"age_band": N_("Age band"), "priority": N_("Priority")}
REASON_LABELS: dict[str, str] = {
    "drop": N_("fell over the last 3 months"),
    "spc_concern:beyond_limits": N_("SPC: point beyond the limits"),
    "spc_concern:run": N_("SPC: run of 7 on the low side"),
    "spc_concern:trend": N_("SPC: trend of 6 falling"),
    "spc_concern:two_of_three": N_("SPC: two of three near the lower limit"),
    "inflow_exceeds_outflow": N_("inflow exceeded outflow"),
}
RULE_LABELS: dict[str, str] = {
    "beyond_limits": N_("Point beyond the limits"),
    "run": N_("Run of 7 on one side"),
    "trend": N_("Trend of 6"),
    "two_of_three": N_("Two of three near a limit"),
}
ASSESSMENT_LABELS: dict[str, str] = {
    "common": N_("Common cause"),
    "improvement": N_("Improvement"),
    "concern": N_("Concern"),
    "neutral": N_("Special cause"),
}
LEVEL_LABELS: dict[str, str] = {
    "region_code": N_("Region"),
    "provider_id": N_("Provider"),
    "unit_id": N_("Unit"),
    "specialty": N_("Specialty"),
}


def indicator_name(ctx: Ctx, name: str) -> str:
    definition = get_indicator(name)
    return definition.name_sv if ctx.lang == "sv" else definition.name_en


def query(**values: Any) -> str:
    """A query string of the non-empty values."""
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def pick_place(ctx: Ctx, region: str, provider: str, unit: str) -> fu.Place:
    return fu.resolve_place(
        ctx.settings, ctx.scope, region=region or None, provider=provider or None, unit=unit or None
    )


def place_params(place: fu.Place) -> dict[str, str | None]:
    return {"region": place.region, "provider": place.provider, "unit": place.unit}


def breadcrumbs(ctx: Ctx, place: fu.Place) -> list[tuple[str, str]]:
    """(label, url) from the top the user may see down to ``place``."""
    known = fu.names(ctx.settings)
    crumbs: list[tuple[str, str]] = []
    if ctx.scope.reach("aggregates") == "all":
        crumbs.append((ctx._("All regions"), "/followup"))
    if place.region:
        crumbs.append((region_label(place.region), "/followup?" + query(region=place.region)))
    if place.provider:
        crumbs.append(
            (
                known.of("provider_id", place.provider) or place.provider,
                "/followup?" + query(region=place.region, provider=place.provider),
            )
        )
    if place.unit:
        crumbs.append(
            (
                known.of("unit_id", place.unit) or place.unit,
                "/followup?" + query(**place_params(place)),
            )
        )
    return crumbs


def panel_or_page(ctx: Ctx, page: str, panel: str, **values: Any) -> Response:
    is_fragment = ctx.request.headers.get("hx-request") == "true" and not ctx.request.headers.get(
        "hx-history-restore-request"
    )
    return render(ctx, panel if is_fragment else page, **values)


def export_table(
    ctx: Ctx, table: Table, fmt: str, name: str, about: list[tuple[str, str]]
) -> Response:
    return download(
        table,
        fmt,
        name=name,
        sheet=ctx._("Follow-up"),
        about=about,
        formatter=cell_formatter(ctx.lang),
    )


def parse_date(text: str, field: str) -> dt.date | None:
    if not text:
        return None
    return parse_day(text, field=field)


def check_entry(entry_type: str) -> str:
    if entry_type not in ENTRY_TYPES:
        raise InputError(
            f"entry_type must be one of {', '.join(ENTRY_TYPES)}; got {entry_type!r}.",
            field="entry_type",
        )
    return entry_type
