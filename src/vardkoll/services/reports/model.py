"""The monthly report's data model: tables with their masks, SPC charts, the change facts.

A :class:`ReportTable` keeps the true values beside the mask only so the tests can audit the
masking; everything that leaves the region goes through :meth:`ReportTable.published`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from vardkoll.analytics import SECONDARY_MARKER, XmRChart, mask_grid, primary_marker
from vardkoll.services.reports.text import Change, SignalNote, region_name

__all__ = [
    "VIEW",
    "Kind",
    "MonthlyReport",
    "ReportChart",
    "ReportColumn",
    "ReportTable",
    "grid_table",
]

VIEW = "pause_adjusted"
Kind = Literal["label", "count", "share", "days", "net"]


@dataclass(frozen=True)
class ReportColumn:
    """One column: a machine key, what it holds, and its header in both languages."""

    key: str
    kind: Kind
    sv: str
    en: str

    def label(self, lang: str) -> str:
        return self.sv if lang == "sv" else self.en


@dataclass(frozen=True)
class ReportTable:
    """A table of the report: the true values (never shown) and what may be shown.

    ``mask`` marks cells that are shown as a marker instead of their value; ``primary``
    those under the threshold (shown ``<5``), the rest as ``..``. ``kind`` says how the
    table was masked: ``grid`` (engine, last row and column are totals), ``flows`` (engine
    rule plus the stock-flow identity) or ``derived`` (a cell is masked when a count it
    depends on is).
    """

    key: str
    title_sv: str
    title_en: str
    note_sv: str
    note_en: str
    columns: tuple[ReportColumn, ...]
    values: tuple[tuple[Any, ...], ...]
    mask: npt.NDArray[np.bool_]
    primary: npt.NDArray[np.bool_]
    kind: Literal["grid", "flows", "derived"]
    total_rows: int = 0

    def title(self, lang: str) -> str:
        return self.title_sv if lang == "sv" else self.title_en

    def note(self, lang: str) -> str:
        return self.note_sv if lang == "sv" else self.note_en

    def published(self, threshold: int) -> list[list[Any]]:
        """Rows as they leave the region: masked cells replaced by their marker, NaN as None."""
        out: list[list[Any]] = []
        for r, row in enumerate(self.values):
            cells: list[Any] = []
            for c, value in enumerate(row):
                if self.mask[r, c]:
                    cells.append(
                        primary_marker(threshold) if self.primary[r, c] else SECONDARY_MARKER
                    )
                elif value is None or (isinstance(value, float) and np.isnan(value)):
                    cells.append(None)
                else:
                    cells.append(value)
            out.append(cells)
        return out


@dataclass(frozen=True)
class ReportChart:
    """An SPC chart over the published months of one region-level series."""

    key: str
    title_sv: str
    title_en: str
    unit_sv: str
    unit_en: str
    labels: tuple[str, ...]
    chart: XmRChart | None


@dataclass(frozen=True)
class MonthlyReport:
    """Everything one region's monthly report publishes, already masked."""

    region_code: str
    month: dt.date
    month_end: dt.date
    as_of: dt.date
    threshold: int
    rule_set: str
    tables: tuple[ReportTable, ...]
    charts: tuple[ReportChart, ...]
    headline: tuple[Change, ...] = ()
    largest: tuple[Change, ...] = ()
    signals: tuple[SignalNote, ...] = ()
    funnel_points: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    unit_names: Mapping[str, str] = field(default_factory=dict)

    def unit_name(self, code: str) -> str:
        """A unit's name (a person reads names, not HSA ids); the id only if none is known."""
        return self.unit_names.get(code, code)

    @property
    def region_name(self) -> str:
        return region_name(self.region_code)

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")

    def table(self, key: str) -> ReportTable:
        return next(t for t in self.tables if t.key == key)


def grid_table(
    key: str,
    titles: tuple[str, str],
    notes: tuple[str, str],
    counts: pd.DataFrame,
    threshold: int,
    row_label: tuple[str, str],
    column_labels: dict[str, tuple[str, str]],
) -> ReportTable:
    """A cross table with totals, masked by the engine (last row and column: totals)."""
    values, mask, primary = mask_grid(counts, threshold)
    rows = [(str(index), *(int(v) for v in values.loc[index].to_numpy())) for index in values.index]
    columns = (
        ReportColumn("label", "label", *row_label),
        *(
            ReportColumn(str(c), "count", *column_labels.get(str(c), (str(c), str(c))))
            for c in values.columns
        ),
    )
    pad = np.zeros((len(rows), 1), dtype=bool)
    return ReportTable(
        key=key,
        title_sv=titles[0],
        title_en=titles[1],
        note_sv=notes[0],
        note_en=notes[1],
        columns=columns,
        values=tuple(rows),
        mask=np.hstack([pad, mask]),
        primary=np.hstack([pad, primary]),
        kind="grid",
        total_rows=1,
    )
