"""The monthly report's cross tables (specialty × entry type) and its stock-flow table.

The cross tables are masked by the engine (:func:`~vardkoll.analytics.mask_small_cells`); the
stock-flow table by :func:`vardkoll.analytics.mask_linear` with the identity
``queue_end − queue_start = inflow − treated − removed_other`` among its equations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vardkoll.analytics import Equation, mask_linear
from vardkoll.services.reports.model import ReportColumn, ReportTable, grid_table
from vardkoll.services.reports.text import ENTRY_TYPES

__all__ = [
    "FLOW_COLUMNS",
    "PRIMARY_CARE",
    "beyond_grids",
    "entry_order",
    "flow_equations",
    "flows_table",
    "total_row_mask",
    "waiting_grids",
]


def entry_order(codes: Sequence[str]) -> list[str]:
    known = [e for e in ENTRY_TYPES if e in codes]
    return known + sorted(c for c in codes if c not in ENTRY_TYPES)


FLOW_COLUMNS = (
    "queue_start",
    "inflow",
    "outflow_treated",
    "outflow_removed_other",
    "net_change",
    "queue_end",
)


def flow_equations(rows: int) -> list[Equation]:
    """The stock-flow identity per row and the column sums (last row = total), over the
    value columns 1…6 of the flows table (column 0 is the label)."""
    qs, inflow, treated, other, net, qe = range(1, 7)
    equations: list[Equation] = []
    for r in range(rows):
        stock = [(qe, 1.0), (qs, -1.0), (inflow, -1.0), (treated, 1.0), (other, 1.0)]
        equations.append([((r, c), k) for c, k in stock])
        equations.append([((r, net), 1.0), ((r, qe), -1.0), ((r, qs), 1.0)])
    for c in range(1, 7):
        equations.append([*(((r, c), 1.0) for r in range(rows - 1)), ((rows - 1, c), -1.0)])
    return equations


def flows_table(
    flows: pd.DataFrame,
    entries: list[str],
    threshold: int,
    queue_end_masked: dict[str, bool],
    queue_start_masked: dict[str, bool],
) -> ReportTable:
    frame = flows.set_index(flows["entry_type"].astype(str)).reindex(entries)
    frame = frame[list(FLOW_COLUMNS)].fillna(0).astype(np.int64)
    frame.loc["__total__"] = frame.sum(axis=0)
    values = np.hstack([np.zeros((len(frame), 1), dtype=np.int64), frame.to_numpy()])
    n_rows = len(frame)
    counts = np.zeros(values.shape, dtype=bool)
    counts[:, [1, 2, 3, 4, 6]] = True
    start = np.zeros(values.shape, dtype=bool)
    for r, name in enumerate(frame.index):
        start[r, 6] = queue_end_masked.get(str(name), False)
        start[r, 1] = queue_start_masked.get(str(name), False)
        start[r, 5] = start[r, 1] or start[r, 6]
    pickable = np.zeros(values.shape, dtype=bool)
    pickable[:, [2, 3, 4]] = True
    primary, mask = mask_linear(
        values,
        flow_equations(n_rows),
        threshold,
        start=start,
        counts=counts,
        pickable=pickable,
    )
    rows = tuple(
        (str(name), *(int(v) for v in values[r, 1:])) for r, name in enumerate(frame.index)
    )
    return ReportTable(
        key="flows",
        title_sv="Inflöde, utflöde och nettoförändring under månaden",
        title_en="Inflow, outflow and net change in the month",
        note_sv="Kö vid start + inflöde − genomförda − avslutade av annat skäl = kö vid slut. "
        "Genomförda och avslutade av annat skäl redovisas alltid var för sig.",
        note_en="Queue at start + inflow − treated − removed for other reasons = queue at end. "
        "Treated and removed for other reasons are always reported apart.",
        columns=(
            ReportColumn("entry_type", "label", "Kontakttyp", "Entry type"),
            ReportColumn("queue_start", "count", "Kö vid start", "Queue at start"),
            ReportColumn("inflow", "count", "Inflöde", "Inflow"),
            ReportColumn("outflow_treated", "count", "Genomförda", "Treated"),
            ReportColumn(
                "outflow_removed_other", "count", "Avslutade av annat skäl", "Removed, other"
            ),
            ReportColumn("net_change", "net", "Nettoförändring", "Net change"),
            ReportColumn("queue_end", "count", "Kö vid slut", "Queue at end"),
        ),
        values=rows,
        mask=mask,
        primary=primary,
        kind="flows",
        total_rows=1,
    )


_ENTRY_HEADERS = {
    "primary_contact": ("Kontakt primärvård", "Primary care contact"),
    "primary_assessment": ("Medicinsk bedömning primärvård", "Primary care assessment"),
    "first_visit": ("Första besök", "First visit"),
    "examination": ("Utredning", "Examination"),
    "treatment": ("Operation/åtgärd", "Operation or treatment"),
    "Totalt / Total": ("Totalt", "Total"),
}


PRIMARY_CARE = ("primary_contact", "primary_assessment")
_BLOCKS = (
    ("specialist", " — specialiserad vård", " — specialist care"),
    ("primary", " — primärvård", " — primary care"),
)


def _grids(
    frame: pd.DataFrame,
    value: str,
    entries: list[str],
    threshold: int,
    key: str,
    titles: tuple[str, str],
    notes: tuple[str, str],
) -> list[ReportTable]:
    """Specialty × entry type cross tables of ``value``, one for specialist care and one for
    primary care.

    Why two: no specialty but general practice has primary-care entry types, so one table
    would be full of zeros everyone knows; secondary masking must not lean on those.
    """
    data = frame.assign(
        specialty=frame["specialty"].astype(str),
        entry_type=frame["entry_type"].astype(str),
        value=frame[value].fillna(0).astype(np.int64),
    )
    out: list[ReportTable] = []
    for block, sv, en in _BLOCKS:
        columns = [e for e in entries if (e in PRIMARY_CARE) == (block == "primary")]
        part = data[data["entry_type"].isin(columns)]
        if part.empty or not columns:
            continue
        counts = part.pivot_table(
            index="specialty",
            columns="entry_type",
            values="value",
            aggfunc="sum",
            fill_value=0,
            observed=True,
        ).reindex(columns=columns, fill_value=0)
        out.append(
            grid_table(
                f"{key}_{block}",
                (titles[0] + sv, titles[1] + en),
                notes,
                counts.astype(np.int64),
                threshold,
                ("Verksamhetsområde", "Specialty"),
                _ENTRY_HEADERS,
            )
        )
    return out


def waiting_grids(frame: pd.DataFrame, entries: list[str], threshold: int) -> list[ReportTable]:
    return _grids(
        frame,
        "waiting_count",
        entries,
        threshold,
        "waiting",
        (
            "Väntande vid månadens slut per verksamhetsområde och kontakttyp",
            "Still waiting at the month end per specialty and entry type",
        ),
        ("Pausjusterad klocka.", "Pause-adjusted clock."),
    )


def beyond_grids(frame: pd.DataFrame, threshold: int) -> list[ReportTable]:
    limited = frame[frame["waiting_within_limit_share"].notna()]
    entries = entry_order(sorted(set(limited["entry_type"].astype(str))))
    return _grids(
        limited,
        "waiting_beyond_limit_count",
        entries,
        threshold,
        "beyond",
        (
            "Väntande utöver vårdgarantin vid månadens slut",
            "Still waiting beyond the guarantee at the month end",
        ),
        (
            "Pausjusterad klocka; kontakttyper utan gräns i regelverket visas inte.",
            "Pause-adjusted clock; entry types without a limit in the rule set are left out.",
        ),
    )


def total_row_mask(grids: list[ReportTable]) -> dict[str, bool]:
    """Which entry-type totals of the grids are hidden; ``__total__`` (the sum of the grids'
    grand totals) is hidden when any grand total is."""
    out: dict[str, bool] = {"__total__": False}
    for grid in grids:
        last = len(grid.values) - 1
        for c, column in enumerate(grid.columns):
            if column.kind != "count":
                continue
            if column.key == "Totalt / Total":
                out["__total__"] |= bool(grid.mask[last, c])
            else:
                out[column.key] = bool(grid.mask[last, c])
    return out
