"""The monthly report's derived tables: statistics, completed, fair comparisons and SPC series.

Each builder takes the masks of the tables it depends on, so a share, a median or a month of
a trend is hidden whenever it would give a hidden count back (see
:mod:`.monthly_report_masking`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from vardkoll.analytics import (
    IndicatorTables,
    completed_in,
    funnel,
    funnel_limits,
    mask_linear,
    proportion_interval,
    waiting_at,
)
from vardkoll.services.reports.model import (
    VIEW,
    ReportColumn,
    ReportTable,
    grid_table,
)

__all__ = ["completed_table", "funnel_table", "national_table", "stats_table"]

Mask = npt.NDArray[np.bool_]
_TOTAL = "Totalt / Total"


def _pa(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["view"].astype(str) == VIEW].reset_index(drop=True)


def _small(value: float, threshold: int) -> bool:
    return 0 < value < threshold


def _judged(count: int, share: float, beyond: float) -> int:
    """Pathways with a limit, from a row's count, share within and count beyond.

    ``share = within / judged`` and ``beyond = judged − within``, so ``judged = beyond / (1 −
    share)``; when every judged pathway is within (share 1, beyond 0) the count is the best
    figure the table gives (every pathway of an entry type with a limit is judged).
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return 0
    if share >= 1.0:
        return int(count)
    return round(float(beyond) / (1.0 - float(share)))


def _cell(grids: list[ReportTable], row: str, column: str) -> tuple[bool, bool]:
    """(masked, primary) of a grid cell; a cell no grid has counts as masked."""
    for grid in grids:
        keys = [c.key for c in grid.columns]
        for r, values in enumerate(grid.values[:-1]):
            if values[0] == row and column in keys:
                c = keys.index(column)
                return bool(grid.mask[r, c]), bool(grid.primary[r, c])
    return True, False


class _Row:
    """Attribute access to one record (values typed ``Any``, as pandas gives them)."""

    def __init__(self, record: dict[str, Any]) -> None:
        self._record = record

    def __getattr__(self, name: str) -> Any:
        return self._record[name]


def stats_table(
    now: pd.DataFrame, waiting: list[ReportTable], beyond: list[ReportTable], threshold: int
) -> ReportTable:
    """Share within, median and 90th percentile per specialty and entry type."""
    rows: list[tuple[Any, ...]] = []
    masks: list[list[bool]] = []
    primaries: list[list[bool]] = []
    frame = now[now["waiting_count"] > 0]
    for record in frame.to_dict("records"):
        row = _Row({str(k): v for k, v in record.items()})
        specialty, entry = str(row.specialty), str(row.entry_type)
        count_masked, count_primary = _cell(waiting, specialty, entry)
        share = float(row.waiting_within_limit_share)
        has_limit = not math.isnan(share)
        beyond_masked = _cell(beyond, specialty, entry)[0] if has_limit else False
        within = (
            _judged(int(row.waiting_count), share, float(row.waiting_beyond_limit_count))
            - int(row.waiting_beyond_limit_count)
            if has_limit
            else 0
        )
        share_masked = count_masked or beyond_masked or _small(within, threshold)
        rows.append(
            (
                specialty,
                entry,
                int(row.waiting_count),
                share,
                float(row.waiting_median_days),
                float(row.waiting_p90_days),
            )
        )
        masks.append([False, False, count_masked, share_masked, count_masked, count_masked])
        primaries.append([False, False, count_primary, False, False, False])
    return ReportTable(
        key="waiting_stats",
        title_sv="Väntande: andel inom vårdgarantin och väntetid hittills",
        title_en="Still waiting: share within the guarantee and days waited so far",
        note_sv="Pausjusterad klocka. Median och 90:e percentil i dagar.",
        note_en="Pause-adjusted clock. Median and 90th percentile in days.",
        columns=(
            ReportColumn("specialty", "label", "Verksamhetsområde", "Specialty"),
            ReportColumn("entry_type", "label", "Kontakttyp", "Entry type"),
            ReportColumn("waiting_count", "count", "Väntande", "Waiting"),
            ReportColumn(
                "waiting_within_limit_share", "share", "Inom vårdgarantin", "Within guarantee"
            ),
            ReportColumn("waiting_median_days", "days", "Median, dagar", "Median, days"),
            ReportColumn("waiting_p90_days", "days", "P90, dagar", "P90, days"),
        ),
        values=tuple(rows),
        mask=np.array(masks, dtype=bool).reshape(len(rows), 6),
        primary=np.array(primaries, dtype=bool).reshape(len(rows), 6),
        kind="derived",
    )


def completed_table(
    mine: IndicatorTables,
    month: dt.date,
    end: dt.date,
    entries: list[str],
    flows: ReportTable,
    threshold: int,
    rule_set: str,
) -> ReportTable:
    """Completed in the month per entry type, treated and removed for other reasons apart.

    The counts are the flows table's outflows, shown with that table's mask, so the same
    number is never hidden in one table and shown in the other.
    """
    frame = _pa(completed_in(mine, month, end, ("region_code", "entry_type"), rule_set=rule_set))
    flow_keys = [c.key for c in flows.columns]
    flow_rows = {str(row[0]): r for r, row in enumerate(flows.values)}
    rows: list[tuple[Any, ...]] = []
    masks: list[list[bool]] = []
    primaries: list[list[bool]] = []
    for entry in entries:
        for outcome, column in (
            ("treated", "outflow_treated"),
            ("removed_other", "outflow_removed_other"),
        ):
            r, c = flow_rows.get(entry), flow_keys.index(column)
            if r is None:
                continue
            count = int(flows.values[r][c])
            if count == 0:
                continue
            match = frame[
                (frame["entry_type"].astype(str) == entry)
                & (frame["outcome"].astype(str) == outcome)
            ]
            share = median = p90 = float("nan")
            beyond = 0
            if len(match):
                first = match.iloc[0]
                share = float(first["completed_within_limit_share"])
                median = float(first["completed_median_days"])
                p90 = float(first["completed_p90_days"])
                beyond_value = first["completed_beyond_limit_count"]
                beyond = 0 if pd.isna(beyond_value) else int(beyond_value)
            masked, primary = bool(flows.mask[r, c]), bool(flows.primary[r, c])
            within = _judged(count, share, beyond) - beyond
            share_masked = masked or _small(beyond, threshold) or _small(within, threshold)
            rows.append((entry, outcome, count, share, median, p90))
            masks.append([False, False, masked, share_masked, masked, masked])
            primaries.append([False, False, primary, False, False, False])
    return ReportTable(
        key="completed",
        title_sv="Avslutade under månaden: genomförda och avslutade av annat skäl",
        title_en="Completed in the month: treated and removed for other reasons",
        note_sv="Pausjusterad klocka. Väntetid vid avslut; genomförda och avslutade av annat "
        "skäl redovisas var för sig.",
        note_en="Pause-adjusted clock. Wait at removal; treated and removed for other reasons "
        "are reported apart.",
        columns=(
            ReportColumn("entry_type", "label", "Kontakttyp", "Entry type"),
            ReportColumn("outcome", "label", "Utfall", "Outcome"),
            ReportColumn("completed_count", "count", "Antal", "Count"),
            ReportColumn(
                "completed_within_limit_share", "share", "Inom vårdgarantin", "Within guarantee"
            ),
            ReportColumn("completed_median_days", "days", "Median, dagar", "Median, days"),
            ReportColumn("completed_p90_days", "days", "P90, dagar", "P90, days"),
        ),
        values=tuple(rows),
        mask=np.array(masks, dtype=bool).reshape(len(rows), 6),
        primary=np.array(primaries, dtype=bool).reshape(len(rows), 6),
        kind="derived",
    )


def _funnel_curve(target: float, largest: int) -> list[dict[str, Any]]:
    """Funnel limits (95 % and 99.8 %) at sizes from 5 to beyond the largest unit."""
    sizes = np.unique(np.geomspace(5, max(10, int(largest * 1.2)), 60).astype(np.int64))
    low95, high95 = funnel_limits(target, sizes, level=0.95)
    low998, high998 = funnel_limits(target, sizes, level=0.998)
    return [
        {
            "series": "limit",
            "n": int(n),
            "low95": float(a),
            "high95": float(b),
            "low998": float(c),
            "high998": float(d),
            "target": target,
        }
        for n, a, b, c, d in zip(sizes, low95, high95, low998, high998, strict=True)
    ]


def _judged_within(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Within and beyond the limit per ``by``, summed over entry types."""
    parts = frame.assign(
        key=frame[by].astype(str),
        judged=[
            _judged(int(c), float(s), 0.0 if pd.isna(b) else float(b))
            for c, s, b in zip(
                frame["waiting_count"],
                frame["waiting_within_limit_share"],
                frame["waiting_beyond_limit_count"],
                strict=True,
            )
        ],
        beyond=frame["waiting_beyond_limit_count"].fillna(0).astype(np.int64),
    )
    parts["within"] = parts["judged"] - parts["beyond"]
    grouped = parts.groupby("key", observed=True)[["within", "beyond"]].sum()
    return grouped[(grouped["within"] + grouped["beyond"]) > 0].astype(np.int64)


_SHARE_COLUMNS = (
    ReportColumn("share", "share", "Andel inom", "Share within"),
    ReportColumn("interval_low", "share", "95 % KI, nedre", "95% CI, low"),
    ReportColumn("interval_high", "share", "95 % KI, övre", "95% CI, high"),
)


def funnel_table(
    mine: IndicatorTables, end: dt.date, threshold: int, rule_set: str
) -> tuple[ReportTable, tuple[dict[str, Any], ...]]:
    """The region's units in a funnel plot of the share waiting within the guarantee.

    Within and beyond per unit form a cross table masked by the engine; a unit's share, its
    interval and its place in the funnel are hidden when one of its counts is.
    """
    frame = _pa(waiting_at(mine, end, ("region_code", "unit_id", "entry_type"), rule_set=rule_set))
    counts = _judged_within(frame, "unit_id")
    if counts.empty:
        counts = pd.DataFrame({"within": [0], "beyond": [0]}, index=["–"])
    grid = grid_table(
        "units",
        ("", ""),
        ("", ""),
        counts,
        threshold,
        ("Enhet", "Unit"),
        {
            "within": ("Inom vårdgarantin", "Within guarantee"),
            "beyond": ("Utöver vårdgarantin", "Beyond guarantee"),
            _TOTAL: ("Med gräns", "With a limit"),
        },
    )
    units = pd.DataFrame(
        [(str(v[0]), int(v[1]), int(v[3])) for v in grid.values[:-1]],
        columns=["unit", "within", "judged"],
    )
    units = units[units["judged"] > 0]
    compared = funnel(units, successes="within", total="judged") if len(units) else None
    rows: list[tuple[Any, ...]] = []
    masks: list[list[bool]] = []
    primaries: list[list[bool]] = []
    points: list[dict[str, Any]] = []
    for r, values in enumerate(grid.values):
        hidden = bool(grid.mask[r, 1:].any())
        is_total = r == len(grid.values) - 1
        share = low = high = float("nan")
        position = ""
        if compared is not None and values[3] > 0:
            match = compared[compared["unit"] == str(values[0])]
            share = float(values[1]) / float(values[3])
            low, high = proportion_interval(int(values[1]), int(values[3]))
            if len(match) and not is_total:
                position = str(match.iloc[0]["position"])
        label = "Totalt / Total" if is_total else str(values[0])
        rows.append((label, *values[1:], share, low, high, "" if is_total else position))
        masks.append([False, *grid.mask[r, 1:].tolist(), hidden, hidden, hidden, hidden])
        primaries.append([False, *grid.primary[r, 1:].tolist(), False, False, False, False])
        if not hidden and not is_total and values[3] > 0:
            points.append(
                {
                    "series": "unit",
                    "unit": str(values[0]),
                    "n": int(values[3]),
                    "share": share,
                    "position": position,
                }
            )
    if compared is not None and len(compared):
        target = float(compared["target"].iloc[0])
        points += _funnel_curve(target, int(units["judged"].max()))
    table = ReportTable(
        key="units",
        title_sv="Enheterna jämförda: andel väntande inom vårdgarantin (trattdiagram)",
        title_en="Units compared: share waiting within the guarantee (funnel plot)",
        note_sv="Position mot trattens gränser (95 % och 99,8 %) kring regionens andel; "
        "inom tratten = inom slumpens variation. I diagrammet namnges enheter utanför "
        "99,8 %-gränsen.",
        note_en="Position against the funnel limits (95% and 99.8%) around the region's "
        "share; within = inside chance variation. The plot names units outside the 99.8% "
        "limit.",
        columns=(
            ReportColumn("unit_id", "label", "Enhet", "Unit"),
            ReportColumn("within", "count", "Inom vårdgarantin", "Within guarantee"),
            ReportColumn("beyond", "count", "Utöver vårdgarantin", "Beyond guarantee"),
            ReportColumn("judged", "count", "Med gräns", "With a limit"),
            *_SHARE_COLUMNS,
            ReportColumn("position", "label", "Position i tratten", "Position in the funnel"),
        ),
        values=tuple(rows),
        mask=np.array(masks, dtype=bool),
        primary=np.array(primaries, dtype=bool),
        kind="grid",
        total_rows=1,
    )
    return table, tuple(points)


def national_table(
    tables: IndicatorTables,
    region: str,
    end: dt.date,
    threshold: int,
    rule_set: str,
    units: ReportTable | None = None,
) -> ReportTable:
    """The region against all regions of the analytics store, with Wilson intervals.

    The region's row repeats the units table's totals, so it hides what that row hides.
    """
    frame = _pa(waiting_at(tables, end, ("region_code", "entry_type"), rule_set=rule_set))
    per_region = _judged_within(frame, "region_code")
    mine = per_region.loc[[region]] if region in per_region.index else None
    rows_values = [
        ("region", *(mine.iloc[0].tolist() if mine is not None else [0, 0])),
        ("all_regions", int(per_region["within"].sum()), int(per_region["beyond"].sum())),
    ]
    values = np.array(
        [[0, int(w), int(b), int(w) + int(b)] for _, w, b in rows_values], dtype=np.int64
    )
    equations = [[((r, 1), 1.0), ((r, 2), 1.0), ((r, 3), -1.0)] for r in range(2)]
    counts = np.zeros(values.shape, dtype=bool)
    counts[:, 1:] = True
    start = np.zeros(values.shape, dtype=bool)
    if units is not None and mine is not None:
        start[0, 1:4] = units.mask[len(units.values) - 1, 1:4]
    primary, mask = mask_linear(values, equations, threshold, counts=counts, start=start)
    rows: list[tuple[Any, ...]] = []
    masks: list[list[bool]] = []
    for r, (label, _, _) in enumerate(rows_values):
        within, judged = int(values[r, 1]), int(values[r, 3])
        share = within / judged if judged else float("nan")
        low, high = proportion_interval(within, judged) if judged else (np.nan, np.nan)
        hidden = bool(mask[r, 1:].any())
        rows.append((label, within, int(values[r, 2]), judged, share, low, high))
        masks.append([False, *mask[r, 1:].tolist(), hidden, hidden, hidden])
    return ReportTable(
        key="national",
        title_sv="Regionen jämförd med alla regioner i underlaget",
        title_en="The region compared with all regions in the data",
        note_sv="Andel väntande inom vårdgarantin vid månadens slut, pausjusterad klocka.",
        note_en="Share waiting within the guarantee at the month end, pause-adjusted clock.",
        columns=(
            ReportColumn("scope", "label", "Jämförelse", "Comparison"),
            ReportColumn("within", "count", "Inom vårdgarantin", "Within guarantee"),
            ReportColumn("beyond", "count", "Utöver vårdgarantin", "Beyond guarantee"),
            ReportColumn("judged", "count", "Med gräns", "With a limit"),
            *_SHARE_COLUMNS,
        ),
        values=tuple(rows),
        mask=np.array(masks, dtype=bool),
        primary=np.hstack([np.zeros((2, 1), dtype=bool), primary[:, 1:], np.zeros((2, 3), bool)]),
        kind="derived",
    )
