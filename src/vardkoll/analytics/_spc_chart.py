"""Vega-Lite specification of an XmR chart, for the web (served locally) and report images.

The spec is plain data (a dict ready for ``json.dumps``): one row per point with its value,
the phase's centre and limits, and its status, layered as the series line, coloured points,
and step lines for the centre and the limits. Colours follow *Making data count*: blue for
improvement, orange for concern, purple for a signal without a better direction, grey for
common-cause variation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vardkoll.analytics._spc import XmRChart
from vardkoll.domain import InputError

__all__ = ["STATUS_COLOURS", "xmr_vega_lite"]

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
STATUS_COLOURS: dict[str, str] = {
    "common": "#7f7f7f",
    "improvement": "#1f77b4",
    "concern": "#ff7f0e",
    "neutral": "#7b3294",
}


def xmr_vega_lite(
    chart: XmRChart,
    labels: Sequence[str],
    *,
    title: str,
    unit: str,
    width: int = 640,
    height: int = 240,
    percent: bool = False,
    status_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A Vega-Lite v5 spec of ``chart``; ``labels`` name the points (e.g. ISO month ends).

    ``percent`` says the values are shares (0 … 1): axis and tooltip then read as percent
    (0–100 %), since a reader takes "0.72" for a number, not for 72 %. ``status_labels`` puts
    the point statuses (the legend) into the reader's language.

    >>> from vardkoll.analytics._spc import xmr
    >>> spec = xmr_vega_lite(xmr([1, 2, 3]), ["a", "b", "c"], title="t", unit="days")
    >>> spec["data"]["values"][0]["status"], len(spec["layer"])
    ('common', 5)
    """
    if len(labels) != len(chart.values):
        raise InputError(
            f"Give one label per point: {len(chart.values)} values, {len(labels)} labels.",
            field="labels",
        )
    names = dict(status_labels or {})
    status = [names.get(s, s) for s in chart.point_status()]
    rows = [
        {
            "label": str(label),
            "value": float(chart.values[i]),
            "centre": float(chart.centre[i]),
            "upper": float(chart.upper[i]),
            "lower": float(chart.lower[i]),
            "phase": int(chart.phase[i]),
            "status": status[i],
        }
        for i, label in enumerate(labels)
    ]
    x = {"field": "label", "type": "ordinal", "title": None, "sort": None}
    y_title = f"{title} ({unit})"
    value_format = ".1%" if percent else ".2f"
    y_axis: dict[str, Any] = {"format": ".0%"} if percent else {}

    def step(field: str, dash: list[int]) -> dict[str, Any]:
        return {
            "mark": {
                "type": "line",
                "interpolate": "step-after",
                "strokeDash": dash,
                "color": "#333333",
                "strokeWidth": 1,
            },
            "encoding": {
                "x": x,
                "y": {"field": field, "type": "quantitative"},
                "detail": {"field": "phase"},
            },
        }

    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": title,
        "width": width,
        "height": height,
        "data": {"values": rows},
        "layer": [
            step("upper", [4, 4]),
            step("lower", [4, 4]),
            step("centre", []),
            {
                "mark": {"type": "line", "color": "#7f7f7f"},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": y_title,
                        **({"axis": y_axis} if y_axis else {}),
                    },
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 60},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative"},
                    "color": {
                        "field": "status",
                        "type": "nominal",
                        "scale": {
                            "domain": [names.get(k, k) for k in STATUS_COLOURS],
                            "range": list(STATUS_COLOURS.values()),
                        },
                        "legend": {"title": None},
                    },
                    "tooltip": [
                        {"field": "label"},
                        {"field": "value", "format": value_format},
                        {"field": "status"},
                    ],
                },
            },
        ],
    }
