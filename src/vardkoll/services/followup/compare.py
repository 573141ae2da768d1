"""Fair comparison of units for a user: funnel positions, intervals and case mix.

Units of one region (or provider) for one entry type on one date, from the engine's
still-waiting table in the user's reach (:mod:`vardkoll.services.followup.indicators`). Small units
are
left out when the figures leave the region.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from vardkoll.analytics import funnel
from vardkoll.domain import InputError, NotFound
from vardkoll.services.access.scope import Scope
from vardkoll.services.followup.indicators import (
    CASE_MIX,
    Place,
    masks_small_cells,
    names,
    records,
    view_groups,
    waiting_on,
)
from vardkoll.services.followup.overview import store_facts
from vardkoll.settings import Settings


@dataclass(frozen=True)
class Comparison:
    """Units of a region for one entry type: funnel positions, intervals and case mix."""

    place: Place
    entry_type: str
    on: dt.date
    view: str
    mix: str
    units: pd.DataFrame  # unit_id, name, count, within, judged, share, interval, limits, position
    strata: pd.DataFrame  # unit_id, stratum, judged, within, share
    masked_units: int


def within_and_judged(count: int, share: float, beyond: int) -> tuple[int, int]:
    """(within, judged) from the engine's count, share within and count beyond.

    The engine judges the pathways with a limit; ``beyond = judged·(1 − share)`` recovers the
    judged count when the share is below one, and at a share of one every waiting pathway of
    an entry type with a limit is judged.

    >>> within_and_judged(10, 0.75, 2)
    (6, 8)
    >>> within_and_judged(7, 1.0, 0)
    (7, 7)
    """
    judged = count if share >= 1.0 else round(beyond / (1.0 - share))
    return judged - beyond, judged


def _judged_frame(frame: pd.DataFrame, keys: Sequence[str], view: str) -> pd.DataFrame:
    view_name, group = view_groups(view)
    rows = frame[(frame["view"] == view_name) & (frame["wait_group"] == group)]
    rows = rows[rows["waiting_within_limit_share"].notna()]
    out: list[dict[str, Any]] = []
    for r in records(rows):
        within, judged = within_and_judged(
            int(r["waiting_count"]),
            float(r["waiting_within_limit_share"]),
            int(r["waiting_beyond_limit_count"]),
        )
        record: dict[str, Any] = {k: (None if pd.isna(r[k]) else str(r[k])) for k in keys}
        record.update(count=int(r["waiting_count"]), within=within, judged=judged)
        out.append(record)
    return pd.DataFrame(out, columns=[*keys, "count", "within", "judged"])


def comparison(
    settings: Settings,
    scope: Scope,
    place: Place,
    *,
    entry_type: str,
    mix: str = "age_band",
    view: str = "pause_adjusted",
    on: dt.date | None = None,
) -> Comparison:
    """Units compared fairly: a funnel around the pooled share (95 % and 99.8 %), Wilson
    intervals, and the share each unit would have with the region's rates for its case mix
    (indirect standardisation by ``mix``: age band or priority)."""
    if mix not in CASE_MIX:
        raise InputError(f"mix must be one of {', '.join(CASE_MIX)}; got {mix!r}.", field="mix")
    day = on or store_facts(settings)[0]
    area = Place(region=place.region, provider=place.provider)
    base = waiting_on(settings, scope, area, day, ["unit_id"], entry_type=entry_type)
    units = _judged_frame(base, ["unit_id"], view)
    units = units[units["judged"] > 0]
    threshold = settings.small_cell_threshold if masks_small_cells(scope) else 0
    small = units["judged"] < threshold
    masked_units = int(small.sum())
    units = units[~small]
    strata_raw = waiting_on(settings, scope, area, day, ["unit_id", mix], entry_type=entry_type)
    strata = _judged_frame(strata_raw, ["unit_id", mix], view).rename(columns={mix: "stratum"})
    strata = strata[strata["unit_id"].isin(units["unit_id"])]
    if units.empty:
        raise NotFound("No unit here has pathways waiting with a guarantee limit to compare.")
    out = funnel(units, successes="within", total="judged")
    rates = strata.groupby("stratum", dropna=False)[["within", "judged"]].sum()
    rate = (rates["within"] / rates["judged"]).to_dict()
    expected = (
        strata.assign(expected=strata["judged"] * strata["stratum"].map(rate))
        .groupby("unit_id")[["expected", "judged"]]
        .sum()
    )
    out["expected_share"] = out["unit_id"].map(expected["expected"] / expected["judged"])
    out["observed_to_expected"] = out["share"] / out["expected_share"]
    known = names(settings)
    out["name"] = [known.of("unit_id", u) for u in out["unit_id"]]
    strata = strata.assign(share=strata["within"] / strata["judged"].where(strata["judged"] > 0))
    if threshold:
        strata = strata[strata["judged"] >= threshold]
    return Comparison(
        place=area,
        entry_type=entry_type,
        on=day,
        view=view,
        mix=mix,
        units=out.reset_index(drop=True),
        strata=strata.reset_index(drop=True),
        masked_units=masked_units,
    )
