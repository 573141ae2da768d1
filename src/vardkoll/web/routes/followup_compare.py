"""Fair comparison of units: funnel plot, intervals (not a league table) and case mix."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from vardkoll.domain import ENTRY_TYPES, InputError, NotFound
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.services.followup import compare as fc
from vardkoll.services.followup import indicators as fu
from vardkoll.services.followup import region_choices
from vardkoll.web.labels import entry_label, region_name
from vardkoll.web.routes.followup_charts import funnel_spec
from vardkoll.web.routes.followup_common import (
    MIX_LABELS,
    VIEW_LABELS,
    breadcrumbs,
    check_entry,
    export_table,
    panel_or_page,
    pick_place,
    place_params,
    query,
)
from vardkoll.web.routes.overview import cell_formatter
from vardkoll.web.tables import Column, Table
from vardkoll.web.templating import render

router = APIRouter(include_in_schema=False)


def _comparison(
    ctx: Ctx, region: str, provider: str, entry_type: str, mix: str, view: str
) -> fc.Comparison:
    place = pick_place(ctx, region, provider, "")
    if place.region is None:
        raise InputError("Choose a region to compare its units.", field="region")
    return fc.comparison(
        ctx.settings, ctx.scope, place, entry_type=check_entry(entry_type), mix=mix, view=view
    )


def position_labels(ctx: Ctx) -> dict[str, str]:
    """A unit's place in the funnel, in words: the table's column and the plot's legend."""
    _ = ctx._
    return {
        "within": _("Within the funnel"),
        "above_95": _("Above 95 % limit"),
        "above_99.8": _("Above 99.8 % limit"),
        "below_95": _("Below 95 % limit"),
        "below_99.8": _("Below 99.8 % limit"),
    }


def intervals_table(ctx: Ctx, data: fc.Comparison, sort: str, direction: str) -> Table:
    """Each unit's share with its 95 % interval and funnel position — not a league table."""
    _ = ctx._
    positions = position_labels(ctx)
    columns = [
        Column("name", _("Unit")),
        Column("judged", _("Waiting with a limit"), "int"),
        Column("share", _("Share within the guarantee"), "share"),
        Column("low", _("95 % interval, lower"), "share"),
        Column("high", _("95 % interval, upper"), "share"),
        Column("expected", _("Expected given case mix"), "share"),
        Column("position", _("Funnel position")),
    ]
    rows = [
        {
            "name": r["name"],
            "judged": int(r["judged"]),
            "share": float(r["share"]),
            "low": float(r["interval_low"]),
            "high": float(r["interval_high"]),
            "expected": None if pd.isna(r["expected_share"]) else float(r["expected_share"]),
            "position": positions.get(str(r["position"]), str(r["position"])),
        }
        for r in data.units.to_dict(orient="records")
    ]
    table = Table(columns, sorted(rows, key=lambda r: str(r["name"])))
    return table.sorted_by(sort, direction) if sort else table


def mix_table(ctx: Ctx, data: fc.Comparison) -> tuple[list[str], list[dict[str, Any]]]:
    """Share within the guarantee per unit and stratum (age band or priority), with counts."""
    strata = sorted({str(s) for s in data.strata["stratum"]}, key=lambda s: (s == "None", s))
    known = fu.names(ctx.settings)
    rows = []
    for unit_id, part in data.strata.groupby("unit_id", sort=True):
        cells = {
            str(r["stratum"]): (r["share"], int(r["judged"]))
            for r in part.to_dict(orient="records")
        }
        rows.append({"name": known.of("unit_id", str(unit_id)), "cells": cells})
    return strata, rows


@router.get("/followup/compare")
def compare_page(
    ctx: CtxDep,
    region: str = "",
    provider: str = "",
    entry_type: str = "first_visit",
    mix: str = "age_band",
    view: str = "pause_adjusted",
    sort: str = "",
    dir: str = "asc",
) -> Response:
    """Units compared fairly: funnel plot, intervals and case mix (not a league table).

    Units are compared within one region; a national analyst who opens the page without one
    is asked which region (by name) rather than shown an error.
    """
    if not region and ctx.scope.reach("aggregates") == "all":
        choices = [code for code, _ in region_choices(ctx.settings, ctx.scope) if code]
        return render(
            ctx,
            "followup_compare_region.html",
            regions=[(code, region_name(code)) for code in choices],
            base={"entry_type": entry_type, "mix": mix, "view": view},
        )
    data = _comparison(ctx, region, provider, entry_type, mix, view)
    direction = "desc" if dir == "desc" else "asc"
    table = intervals_table(ctx, data, sort, direction)
    base = {
        **place_params(data.place),
        "entry_type": entry_type,
        "mix": mix,
        "view": view,
    }

    def params(**overrides: Any) -> str:
        return query(**{**base, "sort": table.sort, "dir": table.direction, **overrides})

    strata, mix_rows = mix_table(ctx, data)
    return panel_or_page(
        ctx,
        "followup_compare.html",
        "_followup_compare_panel.html",
        data=data,
        table=table,
        cell=cell_formatter(ctx.lang),
        params=params,
        place=data.place,
        crumbs=breadcrumbs(ctx, data.place),
        base=base,
        spec_url="/followup/compare/funnel.json?" + query(**base),
        entry_types=[(e, entry_label(e, ctx._)) for e in ENTRY_TYPES],
        mixes=[(k, ctx._(v)) for k, v in MIX_LABELS.items()],
        views=[(k, ctx._(v)) for k, v in VIEW_LABELS.items()],
        mix_label=ctx._(MIX_LABELS[mix]),
        strata=strata,
        mix_rows=mix_rows,
        view_label=ctx._(VIEW_LABELS[view]),
        threshold=ctx.settings.small_cell_threshold,
    )


@router.get("/followup/compare/export.{fmt}")
def compare_export(
    ctx: CtxDep,
    fmt: str,
    region: str = "",
    provider: str = "",
    entry_type: str = "first_visit",
    mix: str = "age_band",
    view: str = "pause_adjusted",
    sort: str = "",
    dir: str = "asc",
) -> Response:
    """The intervals table exactly as shown, as Excel or CSV."""
    if fmt not in ("xlsx", "csv"):
        raise NotFound("Export formats are xlsx and csv.")
    data = _comparison(ctx, region, provider, entry_type, mix, view)
    table = intervals_table(ctx, data, sort, "desc" if dir == "desc" else "asc")
    about = [
        (ctx._("Selection"), " › ".join(label for label, _ in breadcrumbs(ctx, data.place))),
        (ctx._("Entry type"), entry_label(entry_type, ctx._)),
        (ctx._("Still waiting on"), data.on.isoformat()),
        (ctx._("View"), ctx._(VIEW_LABELS[view])),
        (ctx._("Case mix"), ctx._(MIX_LABELS[mix])),
    ]
    return export_table(ctx, table, fmt, f"vardkoll-jamforelse-{data.on.isoformat()}", about)


@router.get("/followup/compare/funnel.json")
def funnel_json(
    ctx: CtxDep,
    region: str = "",
    provider: str = "",
    entry_type: str = "first_visit",
    mix: str = "age_band",
    view: str = "pause_adjusted",
) -> JSONResponse:
    """The funnel plot as a Vega-Lite spec: units, the pooled share, 95 % and 99.8 % limits."""
    data = _comparison(ctx, region, provider, entry_type, mix, view)
    return JSONResponse(
        funnel_spec(
            data.units,
            x_title=ctx._("Waiting with a limit"),
            y_title=ctx._("Share within the guarantee"),
            limit_label=ctx._("Limit"),
            description=ctx._("Funnel plot of the units' share within the guarantee"),
            positions=position_labels(ctx),
            legend_titles=(ctx._("Funnel position"), ctx._("Limit"), ctx._("Region's share")),
            lang=ctx.lang,
        )
    )
