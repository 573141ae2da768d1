"""The region month by month: the trend table and its SPC (XmR) charts.

A month's count is hidden when it is under the threshold, and the last two months also when
the flows table hides the same total (the queue at start and end, treated), so a month of the
trend never gives back a cell the flows table masks. Charts use the published months only.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from vardkoll.analytics import StandardSeries, xmr
from vardkoll.services.reports.model import VIEW, ReportChart, ReportColumn, ReportTable
from vardkoll.services.reports.text import SignalNote

__all__ = ["MIN_SPC_POINTS", "RECENT_POINTS", "spc_table"]

RECENT_POINTS = 3
"""An SPC signal is reported in the text when it touches one of the last three months."""
MIN_SPC_POINTS = 12


def _small(value: float, threshold: int) -> bool:
    return 0 < value < threshold


_SPC = (
    ("waiting_count", "Väntande", "Still waiting", "antal", "count", "down"),
    (
        "waiting_within_limit_share",
        "Andel väntande inom vårdgarantin",
        "Share waiting within the guarantee",
        "%",
        "%",
        "up",
    ),
    ("outflow_treated", "Genomförda", "Treated", "antal", "count", "up"),
)


def spc_table(
    series: StandardSeries, threshold: int, flows: ReportTable, month: dt.date
) -> tuple[ReportTable, tuple[ReportChart, ...], tuple[SignalNote, ...]]:
    """Region totals per month (up to 36), masked, with an XmR chart of each."""
    waiting = series.waiting[series.waiting["view"].astype(str) == VIEW]
    waiting = waiting.assign(period_end=waiting["on"])
    frame = waiting.merge(
        series.flows[["period_end", "outflow_treated"]], on="period_end", how="outer"
    ).sort_values("period_end")
    frame = frame.fillna({"waiting_count": 0, "outflow_treated": 0})
    active = (frame["waiting_count"] > 0) | (frame["outflow_treated"] > 0)
    if active.any():
        frame = frame[active.to_numpy().cumsum() > 0]
    frame = frame.reset_index(drop=True)
    labels = [d.strftime("%Y-%m") for d in frame["period_end"]]
    n = len(frame)
    values = [
        (
            labels[i],
            int(frame["waiting_count"].iloc[i]),
            float(frame["waiting_within_limit_share"].iloc[i]),
            int(frame["outflow_treated"].iloc[i]),
        )
        for i in range(n)
    ]
    mask = np.zeros((n, 4), dtype=bool)
    primary = np.zeros((n, 4), dtype=bool)
    for i, row in enumerate(values):
        primary[i, 1] = _small(row[1], threshold)
        primary[i, 3] = _small(row[3], threshold)
    mask |= primary
    # The last month's totals are the flows table's totals: hide what it hides.
    flow_keys = [c.key for c in flows.columns]
    total = len(flows.values) - 1
    if n >= 1 and labels[-1] == month.strftime("%Y-%m"):
        mask[n - 1, 1] |= bool(flows.mask[total, flow_keys.index("queue_end")])
        mask[n - 1, 3] |= bool(flows.mask[total, flow_keys.index("outflow_treated")])
        if n >= 2:
            mask[n - 2, 1] |= bool(flows.mask[total, flow_keys.index("queue_start")])
    mask[:, 2] |= mask[:, 1]
    table = ReportTable(
        key="trend",
        title_sv="Regionens utveckling per månad",
        title_en="The region month by month",
        note_sv="Väntande och andel inom vårdgarantin vid månadens slut (pausjusterad klocka); "
        "genomförda under månaden.",
        note_en="Still waiting and share within the guarantee at the month end (pause-adjusted "
        "clock); treated in the month.",
        columns=(
            ReportColumn("month", "label", "Månad", "Month"),
            ReportColumn("waiting_count", "count", "Väntande", "Still waiting"),
            ReportColumn(
                "waiting_within_limit_share", "share", "Inom vårdgarantin", "Within guarantee"
            ),
            ReportColumn("outflow_treated", "count", "Genomförda", "Treated"),
        ),
        values=tuple(values),
        mask=mask,
        primary=primary,
        kind="derived",
    )
    charts: list[ReportChart] = []
    notes: list[SignalNote] = []
    for c, (key, sv, en, unit_sv, unit_en, direction) in enumerate(_SPC, start=1):
        keep = [i for i in range(n) if not mask[i, c] and not math.isnan(float(values[i][c]))]
        if len(keep) < MIN_SPC_POINTS:
            charts.append(ReportChart(key, sv, en, unit_sv, unit_en, (), None))
            continue
        chart = xmr([float(values[i][c]) for i in keep], direction=direction)  # type: ignore[arg-type]
        kept = tuple(labels[i] for i in keep)
        charts.append(ReportChart(key, sv, en, unit_sv, unit_en, kept, chart))
        recent = set(range(len(keep) - RECENT_POINTS, len(keep)))
        for signal in chart.signals:
            if recent & set(signal.points):
                notes.append(
                    SignalNote(
                        sv,
                        en,
                        signal.rule,
                        signal.assessment,
                        kept[min(signal.points)],
                        kept[max(signal.points)],
                    )
                )
    return table, tuple(charts), tuple(notes)
